package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRun checks the layout and that the output depends on the seed but not
// on the number of workers.
func TestRun(t *testing.T) {
	write := func(workers int, seed string) string {
		dir := t.TempDir()
		cfg, err := parseFlags([]string{"-n", "60", "-out", dir, "-seed", seed, "-size", "2048",
			"-categories", "4", "-md", "0.5", "-workers", strconv.Itoa(workers)})
		if err != nil {
			t.Fatal(err)
		}
		var st stats
		if err := run(cfg, &st); err != nil {
			t.Fatal(err)
		}
		if st.markdown.Load() == 0 || st.markdown.Load() == 60 {
			t.Errorf("%d Markdown files of 60 with -md 0.5", st.markdown.Load())
		}
		return dir
	}
	one, four, other := write(1, "3"), write(4, "3"), write(2, "4")
	files, err := filepath.Glob(filepath.Join(one, "*", "*"))
	if err != nil || len(files) != 60 {
		t.Fatalf("%d files, %v", len(files), err)
	}
	differ := 0
	for _, f := range files {
		rel, _ := filepath.Rel(one, f)
		if cat := filepath.Dir(rel); !strings.Contains("thoi-su kinh-te van-hoa the-thao", cat) {
			t.Errorf("%s: unexpected category folder", rel)
		}
		a, _ := os.ReadFile(f)
		b, err := os.ReadFile(filepath.Join(four, rel))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: differs between -workers 1 and 4 (%v)", rel, err)
		}
		if c, err := os.ReadFile(filepath.Join(other, rel)); err != nil || !bytes.Equal(a, c) {
			differ++
		}
	}
	if differ == 0 {
		t.Error("-seed 3 and -seed 4 wrote the same files")
	}
}

func TestParseFlagsRejects(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-out", "x", "-size", "100"},
		{"-out", "x", "-md", "1.5"},
		{"-out", "x", "-categories", "0"},
		{"-out", "x", "-until", "26/11/2026"},
		{"-out", "x", "extra"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
}
