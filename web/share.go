package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/share"
	"github.com/bantin/bantin/templates"
)

// sharePage is what templates/pages/share.html receives.
type sharePage struct {
	formPage
	Name, Email, Note string
	Recipients        []recipientField
	// SenderToken is the digest's ?s= token, carried through the form.
	SenderToken string
	Mailto      string
}

type recipientField struct {
	N            int // 1-based
	ID           string
	Value, Error string
}

// shareForm shows "Gửi cho bạn bè". A reader arriving from a digest
// (?s=TOKEN) or remembered by the sender cookie finds their address filled
// in.
func (h *articleRoutes) shareForm(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	a, ok := h.formArticle(w, r, lang)
	if !ok {
		return
	}
	p := h.newSharePage(lang, a, h.svc.ShareFormToken(a.ID))
	p.SenderToken = r.URL.Query().Get("s")
	if e := h.svc.SenderFromToken(p.SenderToken); e != "" {
		p.Email = e
	} else {
		p.SenderToken = ""
		p.Email = h.svc.SenderFromCookie(cookieValue(r, senderCookie))
	}
	h.renderShare(w, r, lang, http.StatusOK, p)
}

// shareSubmit handles a post of the form: validate, act, respond. Every
// refusal shows the form again with what was typed and a message beside
// each wrong field.
func (h *articleRoutes) shareSubmit(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	a, ok := h.formArticle(w, r, lang)
	if !ok {
		return
	}
	if rej := parseForm(w, r, h.svc.ShareLimits().MaxFormSize); rej != nil {
		h.logWebReject("share", a.ID, rej)
		p := h.newSharePage(lang, a, h.svc.ShareFormToken(a.ID))
		h.setRejection(&p.formPage, lang, rej, nil)
		h.renderShare(w, r, lang, rej.Status, p)
		return
	}
	pf := r.PostForm
	form := share.ShareForm{
		Name: pf.Get("name"), Email: pf.Get("email"), To: pf["to"], Note: pf.Get("note"),
		Honeypot: pf.Get("website"), Token: pf.Get("t"), SenderToken: pf.Get("s"),
	}
	out, err := h.svc.Share(r.Context(), share.ShareRequest{
		Article: a, Form: form, IP: clientIP(r, h.o.TrustedProxies), Lang: lang,
		SenderCookie: cookieValue(r, senderCookie),
	})
	if rej, ok := rejection(err); ok {
		p := h.newSharePage(lang, a, "")
		p.Name, p.Email, p.Note, p.SenderToken = typed(form.Name), typed(form.Email), typed(form.Note), typed(form.SenderToken)
		for i := range p.Recipients {
			if i < len(form.To) {
				p.Recipients[i].Value = typed(form.To[i])
			}
		}
		h.setRejection(&p.formPage, lang, rej, h.shareFieldOrder(lang, len(p.Recipients)))
		for i := range p.Recipients {
			p.Recipients[i].Error = p.Errors["to."+strconv.Itoa(i)]
		}
		h.renderShare(w, r, lang, rej.Status, p)
		return
	}
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return
	}
	h.rememberSender(w, out.RememberSender)
	h.shareDone(w, r, lang, a, out)
}

// shareDone tells the sender what happened: sent, or look for the
// confirmation email.
func (h *articleRoutes) shareDone(w http.ResponseWriter, r *http.Request, lang string, a *article.Article, out share.Outcome) {
	m := shareMessage{BackURL: a.Path() + langQuery(lang, h.s.o.DefaultLanguage), BackText: h.cat.Text(lang, "article.back")}
	if out.Sent {
		m.Heading = h.cat.Text(lang, "share.sent_title")
		m.Paragraphs = []string{h.cat.Text(lang, "share.sent_text")}
	} else {
		m.Heading = h.cat.Text(lang, "share.pending_title")
		m.Paragraphs = []string{h.cat.Text(lang, "share.pending_text"), h.cat.Text(lang, "share.pending_note")}
	}
	h.message(w, r, lang, http.StatusOK, m)
}

func (h *articleRoutes) newSharePage(lang string, a *article.Article, token string) sharePage {
	lim := h.svc.ShareLimits()
	p := sharePage{
		formPage: formPage{
			Article: a, ArticleURL: a.Path() + langQuery(lang, h.s.o.DefaultLanguage),
			Action: articleAction(a, "share") + langQuery(lang, h.s.o.DefaultLanguage),
			Token:  token, Limits: lim,
		},
		Mailto: h.mailto(lang, a),
	}
	for i := range lim.MaxRecipients {
		p.Recipients = append(p.Recipients, recipientField{N: i + 1, ID: fieldID("to." + strconv.Itoa(i))})
	}
	return p
}

// shareFieldOrder lists the share form's fields in page order with their
// labels, for the summary of errors above the form.
func (h *articleRoutes) shareFieldOrder(lang string, recipients int) []formError {
	order := []formError{
		{ID: "name", Label: h.cat.Text(lang, "share.name")},
		{ID: "email", Label: h.cat.Text(lang, "share.email")},
		{ID: "to", Label: h.cat.Text(lang, "share.to")},
	}
	for i := range recipients {
		order = append(order, formError{ID: "to." + strconv.Itoa(i), Label: fmt.Sprintf(h.cat.Text(lang, "share.to_n"), i+1)})
	}
	return append(order, formError{ID: "note", Label: h.cat.Text(lang, "share.note")})
}

func (h *articleRoutes) renderShare(w http.ResponseWriter, r *http.Request, lang string, status int, p sharePage) {
	privatePage(w)
	h.s.render(w, r, status, "share.html", templates.Page{Lang: lang, Title: h.cat.Text(lang, "share.title") + ": " + p.Article.Title, Data: p})
}

// formArticle finds the article of a form's path, or answers 404.
func (h *articleRoutes) formArticle(w http.ResponseWriter, r *http.Request, lang string) (*article.Article, bool) {
	a, err := h.findArticle(r.Context(), r.PathValue("id"))
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return nil, false
	}
	if a == nil {
		h.s.notFound(w, r)
		return nil, false
	}
	return a, true
}
