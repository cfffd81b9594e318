package newsletter

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/bantin/bantin/store"
)

// importBatch is how many rows one transaction imports: large enough that
// a big list imports quickly, small enough that a transaction stays short.
const importBatch = 500

// ImportOptions configures ImportCSV.
type ImportOptions struct {
	// Confirmed imports subscribed rows as active: the operator vouches
	// that they confirmed on the list they come from. Without it they are
	// pending, and get nothing unless SendConfirmations.
	Confirmed bool
	// SendConfirmations mails a confirmation to every new pending row.
	SendConfirmations bool
	// Cadence is given to rows that name none; empty is daily.
	Cadence string
	// Source names the file in the consent record.
	Source string
	// Progress, if set, hears after each row how many bytes of the file
	// are done, of the total: its size when r can seek, else 0. Bytes
	// rather than rows, so that the file is read once.
	Progress func(done, total int)
}

// ImportSummary says what ImportCSV did.
type ImportSummary struct {
	Rows     int // data rows read, good and bad
	Created  int
	Existing int // already on the list, left exactly as they were
	// Confirmations is how many confirmation mails were sent.
	Confirmations int
	// Failed are the rows not imported, by line.
	Failed []*CSVError
	// NotSent are imported rows whose confirmation could not be sent.
	NotSent []*CSVError
}

// ImportCSV imports the subscriber file r (see ReadSubscribersCSV), in one
// pass. A bad row is reported in the summary and the others are imported;
// an address already on the list keeps its row as it is, so an import
// never resubscribes anyone. The error is for what stops the whole import:
// an unreadable file or no email column, or the database.
func (s *Subscriptions) ImportCSV(ctx context.Context, r io.Reader, o ImportOptions) (*ImportSummary, error) {
	total, err := remaining(r)
	if err != nil {
		return nil, err
	}
	// ReadSubscribersCSV and its csv.Reader read through this very
	// bufio.Reader (bufio.NewReader returns one that is large enough as it
	// is), so what it holds unread is all the read-ahead there is, and a
	// row's end is where the count stands less that.
	cr := &countingReader{r: r}
	br := bufio.NewReader(cr)
	im := &csvImport{s: s, o: o, sum: &ImportSummary{}, seen: map[string]int{}}
	if im.o.Cadence == "" {
		im.o.Cadence = CadenceDaily
	}
	err = ReadSubscribersCSV(br, func(row CSVRow, rowErr error) error {
		im.sum.Rows++
		if rowErr != nil {
			im.fail(rowErr)
		} else if err := im.add(ctx, row); err != nil {
			return err
		}
		if im.o.Progress != nil {
			im.o.Progress(int(cr.n)-br.Buffered(), int(total))
		}
		return nil
	})
	if err == nil {
		err = im.flush(ctx)
	}
	return im.sum, err
}

// remaining returns how many bytes r has left to read when it can seek,
// else 0, and leaves it where it was.
func remaining(r io.Reader) (int64, error) {
	sk, ok := r.(io.Seeker)
	if !ok {
		return 0, nil
	}
	cur, err := sk.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, nil // a pipe behind an *os.File: the size is unknown
	}
	end, err := sk.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, nil
	}
	if _, err := sk.Seek(cur, io.SeekStart); err != nil {
		return 0, err // moved and cannot go back: the rows would be lost
	}
	return end - cur, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// csvImport is the state of one ImportCSV.
type csvImport struct {
	s     *Subscriptions
	o     ImportOptions
	sum   *ImportSummary
	seen  map[string]int // address -> line, to report repeats
	subs  []*store.Subscriber
	cs    []store.Consent
	lines []int
}

func (im *csvImport) fail(err error) {
	ce, ok := err.(*CSVError)
	if !ok {
		ce = &CSVError{Err: err}
	}
	im.sum.Failed = append(im.sum.Failed, ce)
}

func (im *csvImport) add(ctx context.Context, row CSVRow) error {
	if first, dup := im.seen[row.Email]; dup {
		im.fail(&CSVError{Line: row.Line, Err: fmt.Errorf("same address as line %d", first)})
		return nil
	}
	sub, err := im.subscriber(row)
	if err != nil {
		im.fail(&CSVError{Line: row.Line, Err: err})
		return nil
	}
	im.seen[row.Email] = row.Line
	detail := []string{"line=" + strconv.Itoa(row.Line), "file_status=" + row.Status}
	if im.o.Source != "" {
		detail = append([]string{"file=" + im.o.Source}, detail...)
	}
	if row.OptIn != "" {
		detail = append(detail, row.OptIn)
	}
	ip, _ := netip.ParseAddr(row.OptInIP)
	im.subs = append(im.subs, sub)
	im.cs = append(im.cs, im.s.consent(store.ConsentImport, ip, FormImport, sub.Language, strings.Join(detail, " ")))
	im.lines = append(im.lines, row.Line)
	if len(im.subs) >= importBatch {
		return im.flush(ctx)
	}
	return nil
}

// subscriber returns the subscriber row asks for.
func (im *csvImport) subscriber(row CSVRow) (*store.Subscriber, error) {
	name, ierr := checkName(row.Name)
	if ierr != nil {
		return nil, ierr
	}
	cadence := row.Cadence
	if cadence == "" {
		cadence = im.o.Cadence
	}
	cadence, ierr = checkCadence(cadence)
	if ierr != nil {
		return nil, ierr
	}
	cats, ierr := checkCategories(row.Categories, nil)
	if ierr != nil {
		return nil, ierr
	}
	sub := &store.Subscriber{Email: row.Email, Name: name, Status: row.Status, Cadence: cadence,
		Categories: cats, SendHour: row.SendHour, Language: checkLanguage(row.Language)}
	switch row.Status {
	case store.StatusActive, store.StatusPaused:
		if !im.o.Confirmed {
			sub.Status = store.StatusPending
			break
		}
		sub.ConfirmedAt = im.s.now()
	}
	return sub, nil
}

// flush imports the rows gathered so far and sends their confirmations.
func (im *csvImport) flush(ctx context.Context) error {
	if len(im.subs) == 0 {
		return nil
	}
	created, err := im.s.db.ImportSubscribers(ctx, im.subs, im.cs)
	if err != nil {
		return err
	}
	for i, sub := range created {
		if sub == nil {
			im.sum.Existing++
			continue
		}
		im.sum.Created++
		if !im.o.SendConfirmations || sub.Status != store.StatusPending {
			continue
		}
		sent, err := im.s.mailAfterRequest(ctx, sub)
		switch {
		case err != nil:
			im.sum.NotSent = append(im.sum.NotSent, &CSVError{Line: im.lines[i], Err: err})
		case !sent:
			im.sum.NotSent = append(im.sum.NotSent, &CSVError{Line: im.lines[i],
				Err: fmt.Errorf("no confirmation sent: the address had its %d mails for today", im.s.o.ConfirmationsPerAddress)})
		default:
			im.sum.Confirmations++
		}
	}
	im.subs, im.cs, im.lines = im.subs[:0], im.cs[:0], im.lines[:0]
	return nil
}
