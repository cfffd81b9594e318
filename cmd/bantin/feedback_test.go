package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bantin/bantin/store"
)

func TestFeedbackCommand(t *testing.T) {
	ctx := context.Background()
	env := tempEnv(t)
	var dbURL string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "BANTIN_DATABASE_URL="); ok {
			dbURL = v
		}
	}
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, name := range []string{"Trần Văn Minh", "Lê Thị Lan"} {
		f := &store.Feedback{ArticleID: "0ce7a1235e82e226", Name: name, Email: "x@example.com", Phone: "0903 123 456",
			Body: "Dòng một\nDòng hai", Language: "vi", Verified: i == 0, CreatedAt: time.Date(2026, 11, 20, 2, i, 0, 0, time.UTC)}
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	db.Close()
	id0, id1 := itoa64(ids[0]), itoa64(ids[1])

	code, out, errOut := runCmd(t, ctx, env, "feedback", "list")
	if code != exitOK || !strings.Contains(out, "#"+id0+"  pending  2026-11-20 09:00  Trần Văn Minh <x@example.com>  (0903 123 456, verified address)") ||
		!strings.Contains(out, "    | Dòng hai") || strings.Index(out, "Lê Thị Lan") > strings.Index(out, "Trần Văn Minh") {
		t.Fatalf("list: %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, ctx, env, "feedback", "approve", id0); code != exitOK || out != "approved "+id0+"\n" {
		t.Errorf("approve: %d %q", code, out)
	}
	if code, out, _ := runCmd(t, ctx, env, "feedback", "reject", id1); code != exitOK || out != "rejected "+id1+"\n" {
		t.Errorf("reject: %d %q", code, out)
	}
	code, out, _ = runCmd(t, ctx, env, "feedback", "list", "--status", "approved", "--json")
	var got map[string]any
	if code != exitOK || json.Unmarshal([]byte(strings.TrimSpace(out)), &got) != nil || got["name"] != "Trần Văn Minh" || got["status"] != "approved" {
		t.Errorf("list --json: %d %s", code, out)
	}
	if code, out, _ := runCmd(t, ctx, env, "feedback", "list"); code != exitOK || out != "no feedback\n" {
		t.Errorf("nothing pending: %q", out)
	}
	if code, out, _ := runCmd(t, ctx, env, "feedback", "delete", id1); code != exitOK || out != "deleted "+id1+"\n" {
		t.Errorf("delete: %d %q", code, out)
	}
	if code, _, errOut := runCmd(t, ctx, env, "feedback", "delete", id1); code != exitError || !strings.Contains(errOut, "no such feedback") {
		t.Errorf("delete twice: %d %q", code, errOut)
	}
	for _, args := range [][]string{
		{"feedback"}, {"feedback", "publish"}, {"feedback", "approve"}, {"feedback", "approve", "x"},
		{"feedback", "list", "extra"}, {"feedback", "list", "--limit", "0"},
	} {
		if code, _, _ := runCmd(t, ctx, env, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, errOut := runCmd(t, ctx, env, "feedback", "list", "--status", "spam"); code == exitOK || !strings.Contains(errOut, "unknown feedback status") {
		t.Errorf("bad status: %d %q", code, errOut)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
