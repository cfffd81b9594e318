package web

import (
	"net/http"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/share"
	"github.com/bantin/bantin/templates"
)

// feedbackPage is what templates/pages/feedback.html receives.
type feedbackPage struct {
	formPage
	Name, Email, Phone, Body string
}

// feedbackForm shows "Phản hồi". A reader remembered by the sender cookie
// finds their address filled in.
func (h *articleRoutes) feedbackForm(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	a, ok := h.formArticle(w, r, lang)
	if !ok {
		return
	}
	p := h.newFeedbackPage(lang, a, h.svc.FeedbackFormToken(a.ID))
	p.Email = h.svc.SenderFromCookie(cookieValue(r, senderCookie))
	h.renderFeedback(w, r, lang, http.StatusOK, p)
}

// feedbackSubmit puts a post of the form in the moderation queue, or
// shows the form again with what was typed and what is wrong.
func (h *articleRoutes) feedbackSubmit(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	a, ok := h.formArticle(w, r, lang)
	if !ok {
		return
	}
	if rej := parseForm(w, r, h.svc.FeedbackLimits().MaxFormSize); rej != nil {
		h.logWebReject("feedback", a.ID, rej)
		p := h.newFeedbackPage(lang, a, h.svc.FeedbackFormToken(a.ID))
		h.setRejection(&p.formPage, lang, rej, nil)
		h.renderFeedback(w, r, lang, rej.Status, p)
		return
	}
	pf := r.PostForm
	form := share.FeedbackForm{
		Name: pf.Get("name"), Email: pf.Get("email"), Phone: pf.Get("phone"), Body: pf.Get("body"),
		Honeypot: pf.Get("website"), Token: pf.Get("t"),
	}
	err := h.svc.SubmitFeedback(r.Context(), share.FeedbackRequest{
		Article: a, Form: form, IP: clientIP(r, h.o.TrustedProxies), Lang: lang,
		SenderCookie: cookieValue(r, senderCookie),
	})
	if rej, ok := rejection(err); ok {
		p := h.newFeedbackPage(lang, a, "")
		p.Name, p.Email, p.Phone, p.Body = typed(form.Name), typed(form.Email), typed(form.Phone), typed(form.Body)
		h.setRejection(&p.formPage, lang, rej, []formError{
			{ID: "name", Label: h.cat.Text(lang, "feedback.name")},
			{ID: "email", Label: h.cat.Text(lang, "feedback.email")},
			{ID: "phone", Label: h.cat.Text(lang, "feedback.phone")},
			{ID: "body", Label: h.cat.Text(lang, "feedback.body")},
		})
		h.renderFeedback(w, r, lang, rej.Status, p)
		return
	}
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return
	}
	h.message(w, r, lang, http.StatusOK, shareMessage{
		Heading:    h.cat.Text(lang, "feedback.sent_title"),
		Paragraphs: []string{h.cat.Text(lang, "feedback.sent_text"), h.cat.Text(lang, "feedback.moderation")},
		BackURL:    a.Path() + langQuery(lang, h.s.o.DefaultLanguage), BackText: h.cat.Text(lang, "article.back"),
	})
}

func (h *articleRoutes) newFeedbackPage(lang string, a *article.Article, token string) feedbackPage {
	return feedbackPage{formPage: formPage{
		Article: a, ArticleURL: a.Path() + langQuery(lang, h.s.o.DefaultLanguage),
		Action: articleAction(a, "feedback") + langQuery(lang, h.s.o.DefaultLanguage),
		Token:  token, Limits: h.svc.FeedbackLimits(),
	}}
}

func (h *articleRoutes) renderFeedback(w http.ResponseWriter, r *http.Request, lang string, status int, p feedbackPage) {
	privatePage(w)
	h.s.render(w, r, status, "feedback.html", templates.Page{Lang: lang, Title: h.cat.Text(lang, "feedback.title") + ": " + p.Article.Title, Data: p})
}
