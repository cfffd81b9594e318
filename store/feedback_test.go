package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestFeedbackQueue(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		var ids []int64
		for i, name := range []string{"Lan", "Minh", "Hà"} {
			f := &Feedback{ArticleID: "art-1", Name: name, Email: "x@example.com", Phone: "0903 123 456",
				Body: "Nội dung\n<b>đậm</b>", Language: "vi", Verified: i == 1, IPHash: "iph", CreatedAt: now.Add(time.Duration(i) * time.Minute)}
			if err := db.AddFeedback(ctx, f); err != nil {
				t.Fatal(err)
			}
			if f.ID == 0 || f.Status != FeedbackPending {
				t.Fatalf("added feedback = %+v", f)
			}
			ids = append(ids, f.ID)
		}
		got, err := db.FeedbackByID(ctx, ids[1])
		if err != nil || got.Name != "Minh" || !got.Verified || got.Body != "Nội dung\n<b>đậm</b>" || !got.CreatedAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("FeedbackByID = %+v, %v", got, err)
		}
		if _, err := db.FeedbackByID(ctx, 999); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}

		if err := db.SetFeedbackStatus(ctx, ids[0], FeedbackApproved, now); err != nil {
			t.Fatal(err)
		}
		if err := db.SetFeedbackStatus(ctx, 999, FeedbackApproved, now); !errors.Is(err, ErrNotFound) {
			t.Errorf("approving an unknown id: %v", err)
		}
		if err := db.SetFeedbackStatus(ctx, ids[0], "spam", now); err == nil {
			t.Error("unknown status accepted")
		}
		pending, err := db.ListFeedback(ctx, FeedbackQuery{Status: FeedbackPending, Limit: 10})
		if err != nil || len(pending) != 2 || pending[0].ID != ids[2] || pending[1].ID != ids[1] {
			t.Fatalf("pending = %v, %v", pending, err)
		}
		page, err := db.ListFeedback(ctx, FeedbackQuery{ArticleID: "art-1", BeforeID: ids[2], Limit: 1})
		if err != nil || len(page) != 1 || page[0].ID != ids[1] {
			t.Fatalf("page = %v, %v", page, err)
		}
		approved, _ := db.ListFeedback(ctx, FeedbackQuery{Status: FeedbackApproved, ArticleID: "art-1", Limit: 10})
		if len(approved) != 1 || approved[0].ModeratedAt.IsZero() {
			t.Fatalf("approved = %v", approved)
		}
		if _, err := db.ListFeedback(ctx, FeedbackQuery{}); err == nil {
			t.Error("limit 0 accepted")
		}

		if err := db.DeleteFeedback(ctx, ids[2]); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteFeedback(ctx, ids[2]); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleting twice: %v", err)
		}
	})
}

func TestFeedbackNoticeBatching(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		for i := range 3 {
			if err := db.AddFeedback(ctx, &Feedback{ArticleID: "a", Name: "n", Email: "e@example.com", Body: "b", CreatedAt: now.Add(time.Duration(i))}); err != nil {
				t.Fatal(err)
			}
		}
		un, err := db.UnnotifiedFeedback(ctx, 2)
		if err != nil || len(un) != 2 || un[0].ID > un[1].ID {
			t.Fatalf("unnotified = %v, %v", un, err)
		}
		if ok, err := db.ClaimFeedbackNotice(ctx, now, 15*time.Minute); !ok || err != nil {
			t.Fatalf("first claim = %v, %v", ok, err)
		}
		if ok, _ := db.ClaimFeedbackNotice(ctx, now.Add(14*time.Minute), 15*time.Minute); ok {
			t.Fatal("second claim inside the interval succeeded")
		}
		if ok, _ := db.ClaimFeedbackNotice(ctx, now.Add(15*time.Minute), 15*time.Minute); !ok {
			t.Fatal("claim after the interval failed")
		}
		if err := db.MarkFeedbackNotified(ctx, []int64{un[0].ID, un[1].ID}, now); err != nil {
			t.Fatal(err)
		}
		un, _ = db.UnnotifiedFeedback(ctx, 10)
		if len(un) != 1 {
			t.Fatalf("after marking, %d unnotified, want 1", len(un))
		}
	})
}
