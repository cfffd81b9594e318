package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bantin/bantin/article"
	"github.com/bantin/bantin/share"
	"github.com/bantin/bantin/templates"
)

// formPage is what share.html and feedback.html have in common: the
// article, the token, the limits, and the errors of a rejected post with
// what was typed kept in the fields.
type formPage struct {
	Article    *article.Article
	ArticleURL string
	Action     string
	Token      string
	Limits     share.Limits
	// Errors maps a field ("name", "to.1") to its message, in the
	// reader's language; FormError is the message for the whole form.
	Errors    map[string]string
	FormError string
	ErrorList []formError
	// Focus is the id of the element to focus: the first wrong field.
	Focus string
}

type formError struct{ ID, Label, Text string }

// Err returns the message for field, "" when it is fine.
func (p formPage) Err(field string) string { return p.Errors[field] }

// fieldID returns the id of a field's element in the forms: "to.1" is
// "f-to-1".
func fieldID(field string) string { return "f-" + strings.ReplaceAll(field, ".", "-") }

// msg returns the text of a share.Msg in lang.
func (h *articleRoutes) msg(lang string, m share.Msg) string {
	s := h.cat.Text(lang, m.Key)
	if strings.Contains(s, "%d") {
		s = fmt.Sprintf(s, m.N)
	}
	return s
}

// setRejection fills p's errors from r; order lists the fields in the
// order they stand in the form, with their labels.
func (h *articleRoutes) setRejection(p *formPage, lang string, r *share.Rejection, order []formError) {
	p.Errors = map[string]string{}
	if r.Form.Key != "" {
		p.FormError = h.msg(lang, r.Form)
	}
	for field, m := range r.Fields {
		p.Errors[field] = h.msg(lang, m)
	}
	if p.FormError == "" && len(p.Errors) > 0 {
		p.FormError = h.msg(lang, share.Msg{Key: "form.err.fix"})
	}
	if p.FormError != "" && len(p.Errors) == 0 {
		p.Errors["form"] = p.FormError
	}
	for _, f := range order {
		if text, ok := p.Errors[f.ID]; ok {
			p.ErrorList = append(p.ErrorList, formError{ID: fieldID(f.ID), Label: f.Label, Text: text})
		}
	}
	p.Focus = "submit"
	if len(p.ErrorList) > 0 {
		p.Focus = p.ErrorList[0].ID
	}
	if p.Token == "" {
		p.Token = r.Token
	}
}

// parseForm reads a form body of at most max bytes into r.PostForm. It
// returns the rejection to show when the body is too large (413) or does
// not parse (400).
func parseForm(w http.ResponseWriter, r *http.Request, max int64) *share.Rejection {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	err := r.ParseForm()
	if err == nil {
		return nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &share.Rejection{Status: http.StatusRequestEntityTooLarge, Reason: "too_large", Form: share.Msg{Key: share.ErrTooLarge}}
	}
	return &share.Rejection{Status: http.StatusBadRequest, Reason: "unparsable", Form: share.Msg{Key: "form.err.token"}}
}

// typed returns what a reader typed, fit to be shown again: valid UTF-8.
func typed(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// shareMessage is what share_message.html receives.
type shareMessage struct {
	Heading string
	// About names what the page is about, such as the article's title.
	About      string
	Paragraphs []string
	// Alert shows the paragraphs as an error rather than a notice.
	Alert    bool
	Form     *shareMessageForm
	BackURL  string
	BackText string
}

type shareMessageForm struct{ Action, Token, Button string }

func (h *articleRoutes) message(w http.ResponseWriter, r *http.Request, lang string, status int, m shareMessage) {
	privatePage(w)
	h.s.render(w, r, status, "share_message.html", templates.Page{Lang: lang, Title: m.Heading, Data: m})
}

// rejected answers a refused link or button with its message.
func (h *articleRoutes) rejected(w http.ResponseWriter, r *http.Request, lang string, rej *share.Rejection) {
	h.message(w, r, lang, rej.Status, shareMessage{
		Heading: h.cat.Text(lang, "share.error_title"), Alert: true,
		Paragraphs: []string{h.msg(lang, rej.Form)},
		BackURL:    "/" + langQuery(lang, h.s.o.DefaultLanguage), BackText: h.s.o.SiteName,
	})
}

// crossOrigin answers a form posted from another site: 403, nothing done.
func (h *articleRoutes) crossOrigin(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	h.s.log.Info("form rejected", "status", http.StatusForbidden, "reason", "cross_origin", "path", r.URL.Path)
	h.rejected(w, r, lang, &share.Rejection{Status: http.StatusForbidden, Form: share.Msg{Key: "form.err.cross_origin"}})
}

// logWebReject logs a rejection decided here rather than in share (a body
// too large, one that does not parse): codes only.
func (h *articleRoutes) logWebReject(kind, articleID string, rej *share.Rejection) {
	h.s.log.Info("form rejected", "form", kind, "status", rej.Status, "reason", rej.Reason, "article", articleID)
}

// privatePage marks a response that holds a token or what a reader typed:
// no cache may keep it.
func privatePage(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
}

// rejection returns err as a *share.Rejection, if it is one.
func rejection(err error) (*share.Rejection, bool) {
	var r *share.Rejection
	ok := errors.As(err, &r)
	return r, ok
}

// cookieValue returns the value of the named cookie, "" without one.
func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// rememberSender sets the sender cookie to value for the service's
// sender_ttl.
func (h *articleRoutes) rememberSender(w http.ResponseWriter, value string) {
	if value == "" {
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: senderCookie, Value: value, Path: "/", MaxAge: int(h.svc.SenderTTL().Seconds()),
		HttpOnly: true, Secure: h.svc.SecureCookies(), SameSite: http.SameSiteLaxMode,
	})
}
