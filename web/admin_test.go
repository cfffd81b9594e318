package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/bantin/bantin/store"
)

func (w *shWeb) admin(t *testing.T, method, path, token string) (*http.Response, string) {
	t.Helper()
	var h []string
	if token != "" {
		h = []string{"Authorization", "Bearer " + token}
	}
	return w.do(t, nil, method, path, nil, h...)
}

func TestAdminAPI(t *testing.T) {
	w := newShWeb(t, nil, nil)
	ctx := context.Background()
	c := w.client(t)
	for range 3 {
		if resp, _ := w.post(t, c, w.feedbackPath(), w.feedbackForm(t, c)); resp.StatusCode != http.StatusOK {
			t.Fatal(resp.StatusCode)
		}
	}
	list, _ := w.svc.Queue().List(ctx, store.FeedbackQuery{})
	id := strconv.FormatInt(list[0].ID, 10)

	for _, tok := range []string{"", "wrong", shAdminToken + "x"} {
		resp, body := w.admin(t, "GET", "/api/admin/feedback", tok)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" || !strings.Contains(body, "bearer token") {
			t.Errorf("token %q: %d %s", tok, resp.StatusCode, body)
		}
	}
	resp, body := w.admin(t, "GET", "/api/admin/feedback?status=pending&limit=2", shAdminToken)
	var page struct {
		Feedback []struct {
			ID     int64  `json:"id"`
			Name   string `json:"name"`
			Email  string `json:"email"`
			Status string `json:"status"`
		} `json:"feedback"`
		NextBefore int64 `json:"next_before"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil || resp.StatusCode != 200 {
		t.Fatalf("list: %d %v\n%s", resp.StatusCode, err, body)
	}
	if len(page.Feedback) != 2 || page.Feedback[0].Email != "minh@example.com" || page.NextBefore != page.Feedback[1].ID {
		t.Errorf("list = %+v", page)
	}
	if resp, body := w.admin(t, "POST", "/api/admin/feedback/"+id+"/approve", shAdminToken); resp.StatusCode != 200 || !strings.Contains(body, `"status": "approved"`) {
		t.Errorf("approve: %d %s", resp.StatusCode, body)
	}
	id2 := strconv.FormatInt(list[1].ID, 10)
	if resp, body := w.admin(t, "POST", "/api/admin/feedback/"+id2+"/reject", shAdminToken); resp.StatusCode != 200 || !strings.Contains(body, `"status": "rejected"`) {
		t.Errorf("reject: %d %s", resp.StatusCode, body)
	}
	if resp, _ := w.admin(t, "DELETE", "/api/admin/feedback/"+id2, shAdminToken); resp.StatusCode != http.StatusNoContent {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/admin/feedback/" + id2, 404},
		{"DELETE", "/api/admin/feedback/" + id2, 404},
		{"POST", "/api/admin/feedback/abc/approve", 400},
		{"GET", "/api/admin/feedback?status=spam", 400},
		{"GET", "/api/admin/feedback?limit=-1", 400},
		{"GET", "/api/admin/nothing", 404},
	} {
		if resp, _ := w.admin(t, tc.method, tc.path, shAdminToken); resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
	}
	resp, body = w.admin(t, "GET", "/api/admin/feedback?status=approved", shAdminToken)
	if resp.StatusCode != 200 || strings.Count(body, `"id"`) != 1 {
		t.Errorf("approved list: %s", body)
	}
}

func TestAdminAPIDisabledSaysSo(t *testing.T) {
	w := newShWeb(t, nil, func(o *Options) { o.Article.AdminToken = "" })
	for _, tok := range []string{"", "anything"} {
		resp, body := w.admin(t, "GET", "/api/admin/feedback", tok)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "admin API is disabled: set admin.token") {
			t.Errorf("disabled API: %d %s", resp.StatusCode, body)
		}
	}
}
