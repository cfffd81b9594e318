package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bantin/bantin/share"
	"github.com/bantin/bantin/store"
)

// The admin API moderates feedback, for editors' tools and scripts:
//
//	GET    /api/admin/feedback?status=pending&article=ID&before=ID&limit=N
//	GET    /api/admin/feedback/{id}
//	POST   /api/admin/feedback/{id}/approve
//	POST   /api/admin/feedback/{id}/reject
//	DELETE /api/admin/feedback/{id}
//
// Every request carries "Authorization: Bearer <admin.token>". With no
// token configured the API is off, and says so (403) rather than
// pretending not to exist. Bearer tokens are not sent by browsers on their
// own, so cross-site request forgery does not reach it.

// routeAdmin registers the admin API.
func (h *articleRoutes) routeAdmin(mux *http.ServeMux) {
	mux.Handle("/api/admin/", h.adminAuth(http.HandlerFunc(h.adminNotFound)))
	mux.Handle("GET /api/admin/feedback", h.adminAuth(http.HandlerFunc(h.adminList)))
	mux.Handle("GET /api/admin/feedback/{id}", h.adminAuth(http.HandlerFunc(h.adminGet)))
	mux.Handle("POST /api/admin/feedback/{id}/approve", h.adminAuth(http.HandlerFunc(h.adminApprove)))
	mux.Handle("POST /api/admin/feedback/{id}/reject", h.adminAuth(http.HandlerFunc(h.adminReject)))
	mux.Handle("DELETE /api/admin/feedback/{id}", h.adminAuth(http.HandlerFunc(h.adminDelete)))
}

// adminAuth lets a request through only with the configured bearer token,
// compared in constant time.
func (h *articleRoutes) adminAuth(next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(h.o.AdminToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if h.o.AdminToken == "" || h.o.Queue == nil {
			adminError(w, http.StatusForbidden, "the admin API is disabled: set admin.token (BANTIN_ADMIN_TOKEN) to turn it on")
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			h.s.log.Warn("admin API: bad or missing token", "path", r.URL.Path)
			w.Header().Set("WWW-Authenticate", `Bearer realm="bantin admin"`)
			adminError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// adminFeedback is one feedback as the API shows it.
type adminFeedback struct {
	ID          int64      `json:"id"`
	ArticleID   string     `json:"article_id"`
	Name        string     `json:"name"`
	Email       string     `json:"email"`
	Phone       string     `json:"phone,omitempty"`
	Body        string     `json:"body"`
	Language    string     `json:"language"`
	Verified    bool       `json:"verified"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	ModeratedAt *time.Time `json:"moderated_at,omitempty"`
	NotifiedAt  *time.Time `json:"notified_at,omitempty"`
}

func toAdmin(f *store.Feedback) adminFeedback {
	a := adminFeedback{ID: f.ID, ArticleID: f.ArticleID, Name: f.Name, Email: f.Email, Phone: f.Phone,
		Body: f.Body, Language: f.Language, Verified: f.Verified, Status: f.Status, CreatedAt: f.CreatedAt}
	if !f.ModeratedAt.IsZero() {
		a.ModeratedAt = &f.ModeratedAt
	}
	if !f.NotifiedAt.IsZero() {
		a.NotifiedAt = &f.NotifiedAt
	}
	return a
}

func (h *articleRoutes) adminList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	fq := store.FeedbackQuery{Status: q.Get("status"), ArticleID: q.Get("article")}
	var err error
	if v := q.Get("before"); v != "" {
		if fq.BeforeID, err = strconv.ParseInt(v, 10, 64); err != nil || fq.BeforeID <= 0 {
			adminError(w, http.StatusBadRequest, "before: want a feedback id")
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if fq.Limit, err = strconv.Atoi(v); err != nil || fq.Limit <= 0 {
			adminError(w, http.StatusBadRequest, "limit: want a positive number")
			return
		}
	}
	switch fq.Status {
	case "all":
		fq.Status = ""
	case "", store.FeedbackPending, store.FeedbackApproved, store.FeedbackRejected:
	default:
		adminError(w, http.StatusBadRequest, "status: want pending, approved, rejected or all")
		return
	}
	list, err := h.o.Queue.List(r.Context(), fq)
	if err != nil {
		h.adminFailed(w, r, err)
		return
	}
	out := struct {
		Feedback   []adminFeedback `json:"feedback"`
		NextBefore int64           `json:"next_before,omitempty"`
	}{Feedback: []adminFeedback{}}
	for _, f := range list {
		out.Feedback = append(out.Feedback, toAdmin(f))
	}
	limit := fq.Limit
	if limit <= 0 {
		limit = 50
	}
	if len(list) > 0 && len(list) == min(limit, share.MaxList) {
		out.NextBefore = list[len(list)-1].ID
	}
	adminJSON(w, http.StatusOK, out)
}

func (h *articleRoutes) adminGet(w http.ResponseWriter, r *http.Request) {
	id, ok := adminID(w, r)
	if !ok {
		return
	}
	f, err := h.o.Queue.Get(r.Context(), id)
	if err != nil {
		h.adminFailed(w, r, err)
		return
	}
	adminJSON(w, http.StatusOK, toAdmin(f))
}

func (h *articleRoutes) adminApprove(w http.ResponseWriter, r *http.Request) {
	h.adminModerate(w, r, "approve", h.o.Queue.Approve)
}

func (h *articleRoutes) adminReject(w http.ResponseWriter, r *http.Request) {
	h.adminModerate(w, r, "reject", h.o.Queue.Reject)
}

func (h *articleRoutes) adminModerate(w http.ResponseWriter, r *http.Request, action string, fn func(context.Context, int64) error) {
	id, ok := adminID(w, r)
	if !ok {
		return
	}
	if err := fn(r.Context(), id); err != nil {
		h.adminFailed(w, r, err)
		return
	}
	h.s.log.Info("feedback moderated", "id", id, "action", action)
	h.adminGet(w, r)
}

func (h *articleRoutes) adminDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := adminID(w, r)
	if !ok {
		return
	}
	if err := h.o.Queue.Delete(r.Context(), id); err != nil {
		h.adminFailed(w, r, err)
		return
	}
	h.s.log.Info("feedback deleted", "id", id)
	w.WriteHeader(http.StatusNoContent)
}

func (h *articleRoutes) adminNotFound(w http.ResponseWriter, r *http.Request) {
	adminError(w, http.StatusNotFound, "no such admin endpoint")
}

func adminID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		adminError(w, http.StatusBadRequest, "id: want a feedback id")
		return 0, false
	}
	return id, true
}

func (h *articleRoutes) adminFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		adminError(w, http.StatusNotFound, "no such feedback")
		return
	}
	h.s.log.Error("admin API failed", "path", r.URL.Path, "err", err)
	adminError(w, http.StatusInternalServerError, "internal error")
}

func adminError(w http.ResponseWriter, status int, msg string) {
	adminJSON(w, status, map[string]string{"error": msg})
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
