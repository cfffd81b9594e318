package store

import (
	"context"
	"testing"
	"time"
)

func TestUseTokenOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := context.Background()
		exp := time.Now().Add(time.Hour)
		if ok, err := db.UseToken(ctx, "h1", exp); !ok || err != nil {
			t.Fatalf("first use = %v, %v", ok, err)
		}
		if ok, err := db.UseToken(ctx, "h1", exp); ok || err != nil {
			t.Fatalf("replay = %v, %v; want false", ok, err)
		}
	})
}

func TestSuppressionAndPurge(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		if err := db.Suppress(ctx, "h-a", now); err != nil {
			t.Fatal(err)
		}
		if err := db.Suppress(ctx, "h-a", now); err != nil {
			t.Fatalf("suppressing twice: %v", err)
		}
		got, err := db.Suppressed(ctx, []string{"h-a", "h-b"})
		if err != nil || !got["h-a"] || got["h-b"] {
			t.Fatalf("Suppressed = %v, %v", got, err)
		}

		if _, err := db.ChargeLimits(ctx, now, []Charge{{Key: "rcpt-day:x", N: 1, Limit: 3, Window: time.Hour}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UseToken(ctx, "t1", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		f := &Feedback{ArticleID: "a", Name: "An", Email: "an@example.com", Body: "x", Language: "vi", CreatedAt: now}
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := db.SetFeedbackStatus(ctx, f.ID, FeedbackRejected, now); err != nil {
			t.Fatal(err)
		}
		n, err := db.PurgeShareState(ctx, now.Add(2*time.Hour), now.Add(time.Second))
		if err != nil || n != 3 {
			t.Fatalf("purge = %d, %v; want 3 rows", n, err)
		}
		if ok, _ := db.UseToken(ctx, "t1", now.Add(3*time.Hour)); !ok {
			t.Error("a purged token still counts as used")
		}
		// The suppression list is never purged.
		if got, _ := db.Suppressed(ctx, []string{"h-a"}); !got["h-a"] {
			t.Error("purge dropped a suppression")
		}
	})
}

func TestArticlesByID(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := context.Background()
		a := sampleArticle("file:a.txt", time.Date(2026, 11, 20, 0, 0, 0, 0, ict))
		if _, err := db.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := db.ArticlesByID(ctx, []string{"nope", a.ID, "x-y"})
		if err != nil || len(got) != 1 || got[0].ID != a.ID || got[0].Title != a.Title {
			t.Fatalf("ArticlesByID = %v, %v", got, err)
		}
		if got, err := db.ArticlesByID(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("no ids = %v, %v", got, err)
		}
		if _, err := db.ArticlesByID(ctx, make([]string, 65)); err == nil {
			t.Error("65 ids accepted")
		}
	})
}
