package web

import (
	"errors"
	"net/http"

	"github.com/bantin/bantin/newsletter"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

// The links in mail open pages that act only on a POST: link scanners
// and previews follow every link in a message, and must not confirm or
// unsubscribe anyone by doing so.

func (h *subscribeRoutes) confirmPage(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	tok := r.URL.Query().Get("t")
	sub, ok := h.fromLink(w, r, lang, newsletter.PurposeConfirm, tok)
	if !ok {
		return
	}
	switch sub.Status {
	case store.StatusActive, store.StatusPaused:
		h.confirmed(w, r, lang, sub, "confirm.already")
	case store.StatusPending:
		h.message(w, r, lang, http.StatusOK, messagePage{
			Heading:    h.cat.Text(lang, "confirm.title"),
			Paragraphs: []string{h.cat.Text(lang, "confirm.body")},
			Email:      sub.Email,
			Form:       &messageForm{Action: "/subscribe/confirm?lang=" + lang, Token: tok, Button: h.cat.Text(lang, "confirm.button")},
		})
	default:
		h.linkUsed(w, r, lang)
	}
}

func (h *subscribeRoutes) confirm(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	if !h.parseForm(w, r, lang) {
		return
	}
	sub, err := h.subs.Confirm(r.Context(), r.PostForm.Get("t"), clientIP(r, h.o.TrustedProxies))
	switch {
	case errors.Is(err, newsletter.ErrBadLink):
		h.badLink(w, r, lang)
	case errors.Is(err, newsletter.ErrAlreadyConfirmed):
		h.confirmed(w, r, lang, sub, "confirm.already")
	case errors.Is(err, newsletter.ErrLinkUsed):
		h.linkUsed(w, r, lang)
	case err != nil:
		h.s.serverError(w, r, lang, err)
	default:
		h.confirmed(w, r, lang, sub, "confirm.done.body")
	}
}

// confirmed tells a confirmed subscriber so, with a link to their
// preferences.
func (h *subscribeRoutes) confirmed(w http.ResponseWriter, r *http.Request, lang string, sub *store.Subscriber, body string) {
	_, prefs := h.subs.Links(sub)
	h.message(w, r, lang, http.StatusOK, messagePage{
		Heading:    h.cat.Text(lang, "confirm.done.title"),
		Paragraphs: []string{h.cat.Text(lang, body)},
		Links:      []pageLink{{URL: linkPath(prefs), Text: h.cat.Text(lang, "prefs.link")}},
	})
}

func (h *subscribeRoutes) linkUsed(w http.ResponseWriter, r *http.Request, lang string) {
	h.message(w, r, lang, http.StatusOK, messagePage{
		Heading:    h.cat.Text(lang, "confirm.title"),
		Paragraphs: []string{h.cat.Text(lang, "confirm.used")},
		Links:      []pageLink{{URL: "/subscribe?lang=" + lang, Text: h.cat.Text(lang, "subscribe.title")}},
	})
}

type unsubscribePage struct {
	Email          string
	Action         string
	PreferencesURL string
	Contact        string
}

// unsubscribePage shows the button that unsubscribes; the GET itself
// changes nothing.
func (h *subscribeRoutes) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	sub, ok := h.fromLink(w, r, lang, newsletter.PurposeUnsubscribe, r.URL.Query().Get("t"))
	if !ok {
		return
	}
	_, prefs := h.subs.Links(sub)
	privatePage(w)
	h.s.render(w, r, http.StatusOK, "unsubscribe.html", templates.Page{Lang: lang, Title: h.cat.Text(lang, "unsub.title"), Data: unsubscribePage{
		Email: sub.Email, Action: r.URL.RequestURI(), PreferencesURL: linkPath(prefs), Contact: h.o.Contact,
	}})
}

// unsubscribe is the List-Unsubscribe URL: one POST, from the page's
// button or from a mail provider's one-click (RFC 8058, body
// "List-Unsubscribe=One-Click"), unsubscribes at once. It needs no session
// and no CSRF token: the signed token in the URL is the authority. The
// change is committed before the answer.
func (h *subscribeRoutes) unsubscribe(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	sub, ok := h.fromLink(w, r, lang, newsletter.PurposeUnsubscribe, r.URL.Query().Get("t"))
	if !ok {
		return
	}
	// The body only says how: RFC 8058 allows it urlencoded or multipart.
	r.Body = http.MaxBytesReader(w, r.Body, subscribeMaxBody)
	detail := "page"
	if err := r.ParseMultipartForm(subscribeMaxBody); err == nil || errors.Is(err, http.ErrNotMultipart) {
		if r.PostForm.Get("List-Unsubscribe") == "One-Click" {
			detail = "one-click"
		}
	}
	sub, err := h.subs.Unsubscribe(r.Context(), sub.ID, clientIP(r, h.o.TrustedProxies), detail)
	if errors.Is(err, store.ErrNotFound) {
		h.badLink(w, r, lang)
		return
	}
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return
	}
	h.unsubscribed(w, r, lang, sub)
}

func (h *subscribeRoutes) unsubscribed(w http.ResponseWriter, r *http.Request, lang string, sub *store.Subscriber) {
	_, prefs := h.subs.Links(sub)
	h.message(w, r, lang, http.StatusOK, messagePage{
		Heading:    h.cat.Text(lang, "unsub.done.title"),
		Paragraphs: []string{h.cat.Text(lang, "unsub.done.body")},
		Links:      []pageLink{{URL: linkPath(prefs), Text: h.cat.Text(lang, "prefs.link")}},
	})
}
