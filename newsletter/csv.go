package newsletter

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/bantin/bantin/store"
)

// CSVRow is one subscriber read from a CSV file.
type CSVRow struct {
	// Line is the row's line number in the file, counting from 1 with
	// the header.
	Line  int
	Email string // normalized
	Name  string
	// Status is what the file says: StatusActive for a subscribed or
	// enabled row (or a file with no status column), StatusPending for an
	// unconfirmed one, StatusUnsubscribed, StatusBounced or StatusPaused.
	Status string
	// Cadence and Categories are empty unless the file gives them (our own
	// export, or listmonk attributes {"cadence": ..., "categories": [...]}).
	Cadence    string
	Categories []string
	// SendHour is -1 unless the file gives one; Language is "" unless the
	// file gives one (our own export does both).
	SendHour int
	Language string
	// OptIn says what the file records about earlier consent, for the
	// consent record: such as "optin_time=2024-01-02 03:04:05".
	OptIn string
	// OptInIP is the address the earlier consent came from, if the file
	// has it (Mailchimp's CONFIRM_IP or OPTIN_IP); it is only ever stored
	// hashed.
	OptInIP string
}

// CSVError is a row of a CSV file that could not be used. The other rows
// are not affected.
type CSVError struct {
	Line int
	Err  error
}

func (e *CSVError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *CSVError) Unwrap() error { return e.Err }

// csvColumn is what a column of a subscriber file holds.
type csvColumn int

const (
	colIgnored csvColumn = iota
	colEmail
	colName
	colFirstName
	colLastName
	colStatus
	colAttributes
	colCadence
	colCategories
	colSendHour
	colLanguage
	colUnsubTime
	colCleanTime
	colOptInTime
	colConfirmTime
	colOptInIP
	colConfirmIP
)

// csvHeaders maps header names, reduced by headerKey, to columns. They
// cover listmonk's export and import (email, name, attributes, status),
// Mailchimp's audience exports ("Email Address", "First Name", "Last Name",
// OPTIN_TIME, CONFIRM_TIME, UNSUB_TIME in the unsubscribed export,
// CLEAN_TIME in the cleaned one) and our own export.
var csvHeaders = map[string]csvColumn{
	"email": colEmail, "emailaddress": colEmail, "mail": colEmail,
	"name": colName, "fullname": colName,
	"firstname": colFirstName, "fname": colFirstName, "givenname": colFirstName,
	"lastname": colLastName, "lname": colLastName, "surname": colLastName, "familyname": colLastName,
	"status": colStatus, "subscriptionstatus": colStatus,
	"attributes": colAttributes, "attribs": colAttributes,
	"cadence":    colCadence,
	"categories": colCategories,
	"sendhour":   colSendHour,
	"language":   colLanguage, "lang": colLanguage,
	"unsubtime": colUnsubTime,
	"cleantime": colCleanTime,
	"optintime": colOptInTime, "confirmtime": colConfirmTime,
	"optinip": colOptInIP, "confirmip": colConfirmIP,
}

// headerKey reduces a header to lower-case letters and digits, so that
// "Email Address", "email_address" and "E-mail address" are one name.
func headerKey(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ReadSubscribersCSV reads a subscriber file and calls fn for each row,
// with either the row or a *CSVError saying why it cannot be used, in file
// order. A row with a bad address, an unknown status or broken quoting is
// reported and reading goes on; only a file with no email column, or an
// error from fn or from r, stops it. Commas, semicolons and tabs are all
// accepted as separators (spreadsheets in many locales save with
// semicolons), as is a leading byte order mark.
func ReadSubscribersCSV(r io.Reader, fn func(CSVRow, error) error) error {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	first, _ := br.Peek(4096)
	cr := csv.NewReader(br)
	cr.Comma = sniffSeparator(first)
	cr.FieldsPerRecord = -1 // rows are checked here, so one bad row is one error
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err == io.EOF {
		return errors.New("the file is empty")
	}
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	cols := make([]csvColumn, len(header))
	hasEmail := false
	for i, h := range header {
		cols[i] = csvHeaders[headerKey(h)]
		hasEmail = hasEmail || cols[i] == colEmail
	}
	if !hasEmail {
		return fmt.Errorf("line 1: no email column (want a header such as email or \"Email Address\"; found %q)", strings.Join(header, string(cr.Comma)))
	}
	for {
		offset := cr.InputOffset()
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) || cr.InputOffset() == offset {
				return err // not the file's content, or no progress: stop
			}
			if ferr := fn(CSVRow{}, &CSVError{Line: pe.StartLine, Err: pe.Err}); ferr != nil {
				return ferr
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		line, _ := cr.FieldPos(0)
		row, rowErr := parseCSVRow(cols, rec)
		row.Line = line
		if rowErr != nil {
			rowErr = &CSVError{Line: line, Err: rowErr}
		}
		if ferr := fn(row, rowErr); ferr != nil {
			return ferr
		}
	}
}

// sniffSeparator picks the separator the header line uses most.
func sniffSeparator(start []byte) rune {
	line, _, _ := bytes.Cut(start, []byte("\n"))
	best, n := ',', bytes.Count(line, []byte(","))
	for _, sep := range []rune{';', '\t'} {
		if c := bytes.Count(line, []byte(string(sep))); c > n {
			best, n = sep, c
		}
	}
	return best
}

func parseCSVRow(cols []csvColumn, rec []string) (CSVRow, error) {
	row := CSVRow{SendHour: -1}
	var first, last, status, attrs, unsub, clean string
	var optIn []string
	for i, v := range rec {
		if i >= len(cols) {
			if strings.TrimSpace(v) != "" {
				return row, fmt.Errorf("%d fields, but the header has %d", len(rec), len(cols))
			}
			continue
		}
		v = strings.TrimSpace(v)
		switch cols[i] {
		case colEmail:
			row.Email = v
		case colName:
			row.Name = unescapeFormula(v)
		case colFirstName:
			first = unescapeFormula(v)
		case colLastName:
			last = unescapeFormula(v)
		case colStatus:
			status = v
		case colAttributes:
			attrs = v
		case colCadence:
			row.Cadence = v
		case colCategories:
			row.Categories = splitCategories(v)
		case colSendHour:
			if v != "" {
				h, err := strconv.Atoi(v)
				if err != nil || h < -1 || h > 23 {
					return row, fmt.Errorf("send hour %q is not 0 to 23, or -1", clip(v, 20))
				}
				row.SendHour = h
			}
		case colLanguage:
			switch v {
			case "", "vi", "en":
				row.Language = v
			default:
				return row, fmt.Errorf("language %q is not vi or en", clip(v, 20))
			}
		case colUnsubTime:
			unsub = v
		case colCleanTime:
			clean = v
		case colOptInTime:
			if v != "" {
				optIn = append(optIn, "optin_time="+v)
			}
		case colConfirmTime:
			if v != "" {
				optIn = append(optIn, "confirm_time="+v)
			}
		case colOptInIP:
			if row.OptInIP == "" {
				row.OptInIP = v
			}
		case colConfirmIP:
			if v != "" {
				row.OptInIP = v // the confirmation is the consent that counts
			}
		}
	}
	row.OptIn = strings.Join(optIn, " ")
	if row.Name == "" {
		row.Name = joinName(first, last)
	}
	email, err := NormalizeEmail(row.Email)
	if err != nil {
		return row, fmt.Errorf("address %q: %w", clip(row.Email, 80), err)
	}
	row.Email = email
	if row.Status, err = csvStatus(status, unsub, clean); err != nil {
		return row, err
	}
	if attrs != "" {
		if err := row.readAttributes(attrs); err != nil {
			return row, err
		}
	}
	return row, nil
}

// joinName makes a full name of Mailchimp's first and last names. They
// are joined in the Vietnamese order, family name first ("Nguyễn" and "Văn
// An" make "Nguyễn Văn An"), since this is a Vietnamese portal's list.
func joinName(first, last string) string {
	return strings.TrimSpace(last + " " + first)
}

// csvStatus maps what listmonk, Mailchimp and our own export call a status
// to ours. Mailchimp exports each status as its own file, whose columns
// tell them apart: only unsubscribed rows have UNSUB_TIME, only cleaned
// (bounced) ones CLEAN_TIME.
func csvStatus(status, unsubTime, cleanTime string) (string, error) {
	switch {
	case cleanTime != "":
		return store.StatusBounced, nil
	case unsubTime != "":
		return store.StatusUnsubscribed, nil
	}
	switch strings.ToLower(status) {
	case "", "enabled", "subscribed", "active", "confirmed":
		return store.StatusActive, nil
	case "pending", "unconfirmed":
		return store.StatusPending, nil
	case "unsubscribed", "blocklisted", "blacklisted", "disabled":
		return store.StatusUnsubscribed, nil
	case "bounced", "cleaned":
		return store.StatusBounced, nil
	case "paused":
		return store.StatusPaused, nil
	}
	return "", fmt.Errorf("unknown status %q (want enabled, subscribed, unconfirmed, unsubscribed, blocklisted, bounced or cleaned)", clip(status, 40))
}

// readAttributes takes cadence and categories from listmonk's attributes
// column, a JSON object; other attributes are ignored.
func (row *CSVRow) readAttributes(attrs string) error {
	var a struct {
		Cadence    string   `json:"cadence"`
		Categories []string `json:"categories"`
	}
	if err := json.Unmarshal([]byte(attrs), &a); err != nil {
		return fmt.Errorf("attributes are not a JSON object: %v", err)
	}
	if row.Cadence == "" {
		row.Cadence = a.Cadence
	}
	if row.Categories == nil {
		row.Categories = a.Categories
	}
	return nil
}

func splitCategories(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '|' })
}

// unescapeFormula undoes what csvSafe does on export: a name that starts
// like a spreadsheet formula is written with a leading apostrophe.
func unescapeFormula(v string) string {
	if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@", rune(v[1])) {
		return v[1:]
	}
	return v
}

// clip shortens s for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
