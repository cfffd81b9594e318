package newsletter

import (
	"context"
	"errors"

	"github.com/bantin/bantin/store"
)

// AddResult says what Add did.
type AddResult int

const (
	AddedActive      AddResult = iota // a new subscriber, confirmed by the operator
	AddedPending                      // a new subscriber, sent a confirmation
	ConfirmedPending                  // a pending subscriber the operator confirmed
	AlreadyOnList                     // on the list already; nothing changed
)

// Add puts an address on the list for an operator (bantin subscribers
// add). With confirmed the operator vouches that the person agreed, and the
// subscriber is active at once (a pending one is confirmed); without it the
// subscriber is pending and is sent a confirmation, which counts towards
// the per-address limit like any other. An address already on the list is
// otherwise left alone, so that an operator never resubscribes someone who
// left. It returns InputErrors for bad input.
func (s *Subscriptions) Add(ctx context.Context, req SubscribeRequest, confirmed bool) (*store.Subscriber, AddResult, error) {
	in, err := checkSubscribeInput(req)
	if err != nil {
		return nil, 0, err
	}
	detail := "confirmation sent"
	if confirmed {
		in.Status, in.ConfirmedAt = store.StatusActive, s.now()
		detail = "confirmed by the operator"
	}
	c := s.consent(store.ConsentAdd, req.IP, FormCLI, in.Language, detail)
	sub, created, err := s.db.CreateSubscriber(ctx, in, c)
	switch {
	case err != nil:
		return nil, 0, err
	case created && confirmed:
		return sub, AddedActive, nil
	case created:
		sent, err := s.mailAfterRequest(ctx, sub)
		if err == nil && !sent {
			err = errors.New("newsletter: the address has had its confirmation mails for today; none sent")
		}
		return sub, AddedPending, err
	case !confirmed || sub.Status != store.StatusPending:
		return sub, AlreadyOnList, nil
	}
	now := s.now()
	sub, err = s.db.ChangeSubscriber(ctx, sub.ID, []string{store.StatusPending}, func(x *store.Subscriber) {
		x.Status, x.ConfirmedAt, x.Bounces = store.StatusActive, now, 0
	}, c)
	if errors.Is(err, store.ErrWrongStatus) {
		return sub, AlreadyOnList, nil
	}
	if err != nil {
		return nil, 0, err
	}
	return sub, ConfirmedPending, nil
}
