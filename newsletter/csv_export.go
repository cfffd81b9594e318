package newsletter

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bantin/bantin/store"
)

// exportHeader is the header of ExportCSV's files. ReadSubscribersCSV
// reads every column of it back.
var exportHeader = []string{"email", "name", "status", "cadence", "categories", "send_hour", "language", "created_at", "confirmed_at"}

// ExportCSV writes the subscribers with status (every one when status is
// empty) to w as CSV, in id order, a page at a time, and returns how many
// it wrote.
func (s *Subscriptions) ExportCSV(ctx context.Context, w io.Writer, status string) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(exportHeader); err != nil {
		return 0, err
	}
	n := 0
	var after int64
	for {
		page, err := s.db.ListSubscribers(ctx, store.SubscriberQuery{Status: status, AfterID: after, Limit: 1000})
		if err != nil {
			return n, err
		}
		if len(page) == 0 {
			break
		}
		for _, sub := range page {
			if err := cw.Write(exportRecord(sub)); err != nil {
				return n, err
			}
			n++
		}
		after = page[len(page)-1].ID
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
	}
	cw.Flush()
	return n, cw.Error()
}

func exportRecord(sub *store.Subscriber) []string {
	return []string{sub.Email, csvSafe(sub.Name), sub.Status, sub.Cadence, strings.Join(sub.Categories, " "),
		strconv.Itoa(sub.SendHour), sub.Language, exportTime(sub.CreatedAt), exportTime(sub.ConfirmedAt)}
}

func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// csvSafe keeps a spreadsheet from running a name as a formula (CSV
// injection): a name that starts like one gets a leading apostrophe, which
// spreadsheets hide and ReadSubscribersCSV removes.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@", rune(v[0])) {
		return "'" + v
	}
	return v
}
