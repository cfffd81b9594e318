package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestEditionArticlesMatchesNewsletterArticles: the one query for many
// editions gives each edition what its own NewsletterArticles gives, in
// overlapping windows, with ties in published time, the limit cutting
// some windows, opted-out articles and an empty window.
func TestEditionArticlesMatchesNewsletterArticles(t *testing.T) {
	eachBackend(t, func(t *testing.T, openTestDB opener) {
		ctx := context.Background()
		db := openTestDB(t)
		base := time.Date(2026, 11, 30, 6, 0, 0, 0, ict)
		for i := range 30 {
			// Two articles an hour, the pair published at the same time.
			a := sampleArticle(fmt.Sprintf("bai/%02d", i), base.Add(-time.Duration(i/2)*time.Hour))
			a.Newsletter = i%7 != 3
			if _, err := db.SaveArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		eds := []*Edition{
			{Since: base.Add(-24 * time.Hour), Until: base},                    // all, cut by the limit
			{Since: base.Add(-5 * time.Hour), Until: base.Add(-2 * time.Hour)}, // inside the first
			{Since: base.Add(-7 * 24 * time.Hour), Until: base},                // same end as the first
			{Since: base, Until: base.Add(24 * time.Hour)},                     // empty
			{Since: base.Add(-3 * time.Hour), Until: base.Add(-3 * time.Hour)}, // empty (since == until)
		}
		for _, limit := range []int{1, 4, 50} {
			got, err := db.EditionArticles(ctx, eds, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(eds) {
				t.Fatalf("limit %d: %d results for %d editions", limit, len(got), len(eds))
			}
			for i, e := range eds {
				want, err := db.NewsletterArticles(ctx, NewsletterQuery{Since: e.Since, Until: e.Until, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got[i], want) {
					t.Errorf("limit %d, edition %d: %v, want %v", limit, i, articleIDs(got[i]), articleIDs(want))
				}
			}
		}
		if got, err := db.EditionArticles(ctx, nil, 10); err != nil || got != nil {
			t.Errorf("no editions: %v, %v", got, err)
		}
		if _, err := db.EditionArticles(ctx, eds, 0); err == nil {
			t.Error("limit 0: no error")
		}
	})
}
