package web

import (
	"fmt"
	"net/http"
)

// confirmPage shows a first-time sender the button that confirms their
// address and sends the share. Opening the link sends nothing: mail
// scanners open links.
func (h *articleRoutes) confirmPage(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	tok := r.URL.Query().Get("t")
	p, err := h.svc.PendingShare(r.Context(), tok)
	if rej, ok := rejection(err); ok {
		h.rejected(w, r, lang, rej)
		return
	}
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return
	}
	h.message(w, r, lang, http.StatusOK, shareMessage{
		Heading:    h.cat.Text(lang, "share.confirm_title"),
		About:      p.Article.Title,
		Paragraphs: []string{fmt.Sprintf(h.cat.Text(lang, "share.confirm_text"), p.Recipients)},
		Form: &shareMessageForm{Action: "/share/confirm" + langQuery(lang, h.s.o.DefaultLanguage), Token: tok,
			Button: h.cat.Text(lang, "share.confirm_button")},
	})
}

// confirm sends the share sealed in the link, once, and remembers the
// sender in this browser.
func (h *articleRoutes) confirm(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	if rej := parseForm(w, r, h.svc.ShareLimits().MaxFormSize); rej != nil {
		h.logWebReject("share_confirm", "", rej)
		h.rejected(w, r, lang, rej)
		return
	}
	out, err := h.svc.Confirm(r.Context(), r.PostForm.Get("t"))
	if rej, ok := rejection(err); ok {
		h.rejected(w, r, lang, rej)
		return
	}
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return
	}
	h.rememberSender(w, out.RememberSender)
	h.shareDone(w, r, lang, out.Article, out)
}

// stopPage offers the button that stops all shares to the recipient the
// link was made for.
func (h *articleRoutes) stopPage(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	tok := r.URL.Query().Get("t")
	if err := h.svc.CheckStop(tok); err != nil {
		h.linkError(w, r, lang, err)
		return
	}
	h.message(w, r, lang, http.StatusOK, shareMessage{
		Heading:    h.cat.Text(lang, "share.stop_title"),
		Paragraphs: []string{fmt.Sprintf(h.cat.Text(lang, "share.stop_text"), h.s.o.SiteName)},
		Form: &shareMessageForm{Action: "/share/stop" + langQuery(lang, h.s.o.DefaultLanguage), Token: tok,
			Button: h.cat.Text(lang, "share.stop_button")},
	})
}

// stop puts the recipient on the suppression list. It is also the RFC
// 8058 one-click URL: a mail provider POSTs "List-Unsubscribe=One-Click"
// to the link itself, token in the query.
func (h *articleRoutes) stop(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	if rej := parseForm(w, r, 4<<10); rej != nil {
		h.logWebReject("share_stop", "", rej)
		h.rejected(w, r, lang, rej)
		return
	}
	tok := r.URL.Query().Get("t")
	if tok == "" {
		tok = r.PostForm.Get("t")
	}
	if err := h.svc.Stop(r.Context(), tok); err != nil {
		h.linkError(w, r, lang, err)
		return
	}
	h.message(w, r, lang, http.StatusOK, shareMessage{
		Heading:    h.cat.Text(lang, "share.stop_title"),
		Paragraphs: []string{fmt.Sprintf(h.cat.Text(lang, "share.stopped"), h.s.o.SiteName)},
		BackURL:    "/" + langQuery(lang, h.s.o.DefaultLanguage), BackText: h.s.o.SiteName,
	})
}

func (h *articleRoutes) linkError(w http.ResponseWriter, r *http.Request, lang string, err error) {
	if rej, ok := rejection(err); ok {
		h.rejected(w, r, lang, rej)
		return
	}
	h.s.serverError(w, r, lang, err)
}
