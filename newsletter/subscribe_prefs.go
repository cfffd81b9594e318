package newsletter

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/bantin/bantin/store"
)

// Preferences are what subscribers change themselves.
type Preferences struct {
	Name       string
	Cadence    string
	Categories []string
	// SendHour is the local hour to send at, or -1 to follow the schedule.
	SendHour int
	// KnownCategories, when not nil, are the slugs the page offered.
	KnownCategories []string
}

// UpdatePreferences stores new preferences for subscriber id. It returns
// InputErrors for bad input, and the subscriber as now stored.
func (s *Subscriptions) UpdatePreferences(ctx context.Context, id int64, p Preferences, ip netip.Addr) (*store.Subscriber, error) {
	var errs InputErrors
	name, ierr := checkName(p.Name)
	if ierr != nil {
		errs = append(errs, ierr)
	}
	cadence, ierr := checkCadence(p.Cadence)
	if ierr != nil {
		errs = append(errs, ierr)
	}
	cats, ierr := checkCategories(p.Categories, p.KnownCategories)
	if ierr != nil {
		errs = append(errs, ierr)
	}
	if ierr := checkSendHour(p.SendHour); ierr != nil {
		errs = append(errs, ierr)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	sub, err := s.db.ChangeSubscriber(ctx, id, nil, func(x *store.Subscriber) {
		x.Name, x.Cadence, x.Categories, x.SendHour = name, cadence, cats, p.SendHour
	}, s.consent(store.ConsentPreferences, ip, FormLink, "", ""))
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "preferences changed", "subscriber", id)
	return sub, nil
}

// Pause stops mail to an active subscriber until they resume.
func (s *Subscriptions) Pause(ctx context.Context, id int64, ip netip.Addr) (*store.Subscriber, error) {
	return s.setStatus(ctx, id, store.StatusPaused, []string{store.StatusActive}, store.ConsentPause, ip, "")
}

// Resume makes a paused or unsubscribed subscriber active again. It is
// reached only through a preferences link, which was mailed to the
// address, so it needs no new confirmation; a bounced address does, and
// must subscribe again.
func (s *Subscriptions) Resume(ctx context.Context, id int64, ip netip.Addr) (*store.Subscriber, error) {
	from := []string{store.StatusPaused, store.StatusUnsubscribed, store.StatusPending}
	return s.setStatus(ctx, id, store.StatusActive, from, store.ConsentResume, ip, "")
}

// Unsubscribe unsubscribes subscriber id, at once: the change is committed
// when it returns. detail says how ("one-click", "page"). Unsubscribing
// someone already unsubscribed succeeds and records nothing more.
func (s *Subscriptions) Unsubscribe(ctx context.Context, id int64, ip netip.Addr, detail string) (*store.Subscriber, error) {
	from := []string{store.StatusPending, store.StatusActive, store.StatusPaused, store.StatusBounced}
	sub, err := s.setStatus(ctx, id, store.StatusUnsubscribed, from, store.ConsentUnsubscribe, ip, detail)
	if errors.Is(err, ErrNotAllowed) {
		return sub, nil
	}
	return sub, err
}

func (s *Subscriptions) setStatus(ctx context.Context, id int64, to string, from []string, action string, ip netip.Addr, detail string) (*store.Subscriber, error) {
	now := s.now()
	sub, err := s.db.ChangeSubscriber(ctx, id, from, func(x *store.Subscriber) {
		x.Status = to
		if to == store.StatusActive && x.ConfirmedAt.IsZero() {
			x.ConfirmedAt = now
		}
	}, s.consent(action, ip, FormLink, "", detail))
	if errors.Is(err, store.ErrWrongStatus) {
		return sub, ErrNotAllowed
	}
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "subscriber status changed", "subscriber", id, "status", to)
	return sub, nil
}

// SubscriberData is everything kept about a subscriber, as they download
// it from their preferences page.
type SubscriberData struct {
	Subscriber SubscriberRecord `json:"subscriber"`
	Consents   []ConsentRecord  `json:"consents"`
	ExportedAt time.Time        `json:"exported_at"`
}

// SubscriberRecord is the subscriber row in SubscriberData.
type SubscriberRecord struct {
	Email            string    `json:"email"`
	Name             string    `json:"name"`
	Status           string    `json:"status"`
	Cadence          string    `json:"cadence"`
	Categories       []string  `json:"categories"`
	SendHour         int       `json:"send_hour"`
	Language         string    `json:"language"`
	Bounces          int       `json:"bounces"`
	LastEditionUntil time.Time `json:"last_edition_until,omitzero"`
	CreatedAt        time.Time `json:"created_at"`
	ConfirmedAt      time.Time `json:"confirmed_at,omitzero"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// ConsentRecord is one entry of the consent record in SubscriberData.
type ConsentRecord struct {
	Action      string    `json:"action"`
	At          time.Time `json:"at"`
	IPHash      string    `json:"ip_hash,omitempty"`
	FormVersion string    `json:"form_version,omitempty"`
	TextVersion string    `json:"text_version,omitempty"`
	Detail      string    `json:"detail,omitempty"`
}

// Data returns everything kept about subscriber id.
func (s *Subscriptions) Data(ctx context.Context, id int64) (*SubscriberData, error) {
	sub, err := s.db.SubscriberByID(ctx, id)
	if err != nil {
		return nil, err
	}
	cs, err := s.db.Consents(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &SubscriberData{
		Subscriber: SubscriberRecord{
			Email: sub.Email, Name: sub.Name, Status: sub.Status, Cadence: sub.Cadence,
			Categories: append([]string{}, sub.Categories...), SendHour: sub.SendHour,
			Language: sub.Language, Bounces: sub.Bounces, LastEditionUntil: sub.LastEditionUntil,
			CreatedAt: sub.CreatedAt, ConfirmedAt: sub.ConfirmedAt, UpdatedAt: sub.UpdatedAt,
		},
		Consents:   make([]ConsentRecord, len(cs)),
		ExportedAt: s.now().UTC(),
	}
	for i, c := range cs {
		d.Consents[i] = ConsentRecord{Action: c.Action, At: c.At, IPHash: c.IPHash, FormVersion: c.FormVersion,
			TextVersion: c.TextVersion, Detail: c.Detail}
	}
	return d, nil
}

// Erase deletes subscriber id, their consent record and their delivery
// history (store.EraseSubscriber). The only trace left is in the subscribe
// limits: a counter under a keyed hash of the address, whose window ends
// within 24 hours and whose row the hourly purge then deletes.
func (s *Subscriptions) Erase(ctx context.Context, id int64) error {
	if err := s.db.EraseSubscriber(ctx, id); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "subscriber erased", "subscriber", id)
	return nil
}
