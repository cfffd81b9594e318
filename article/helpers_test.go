package article

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// doc joins lines with LF, the way the tests' documents are written.
func doc(lines ...string) []byte {
	return []byte(strings.Join(lines, "\n") + "\n")
}

var ict = time.FixedZone("ICT", 7*3600)

// wantParseError checks that err is a *ParseError for file at line that
// wraps target.
func wantParseError(t *testing.T, err error, file string, line int, target error) *ParseError {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v at %s:%d", target, file, line)
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
	if pe.File != file || pe.Line != line {
		t.Errorf("error at %s:%d, want %s:%d (%v)", pe.File, pe.Line, file, line, err)
	}
	if !errors.Is(err, target) {
		t.Errorf("error %v does not wrap %v", err, target)
	}
	return pe
}
