package article

import (
	"errors"
	"fmt"
)

// ParseError reports bad input by file and, where it applies, line.
type ParseError struct {
	File string // path or URL of the input
	Line int    // 1-based; 0 when the problem is not on one line
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Sentinel errors, wrapped in a *ParseError (and often in an error that adds
// detail), so callers can test with errors.Is.
var (
	ErrTooLarge          = errors.New("input too large")
	ErrUnsupportedFormat = errors.New("unsupported format")
	ErrEmpty             = errors.New("empty input")
	ErrBinary            = errors.New("binary data, not text")
	ErrInvalidUTF8       = errors.New("invalid UTF-8")
	ErrBadDate           = errors.New("bad date")
	ErrWeekday           = errors.New("weekday does not match date")
	ErrMissingTitle      = errors.New("missing title")
	ErrMissingLead       = errors.New("missing lead paragraph")
	ErrMissingDate       = errors.New("missing date")
	ErrFrontMatter       = errors.New("bad front matter")
)

func perr(name string, line int, err error) *ParseError {
	return &ParseError{File: name, Line: line, Err: err}
}
