package web

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"

	"github.com/bantin/bantin/newsletter"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

// CategoryLister lists the categories that have articles, for the
// subscribe and preferences forms.
type CategoryLister interface {
	Categories(ctx context.Context) ([]store.CategoryCount, error)
}

// SubscribeOptions configures the subscription pages. Without
// Subscriptions they are not served.
type SubscribeOptions struct {
	Subscriptions *newsletter.Subscriptions
	Categories    CategoryLister
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when finding a client's address for the per-IP limit.
	TrustedProxies []netip.Prefix
	// Contact is the portal's contact address shown on the pages.
	Contact string
}

// subscribeMaxBody caps the body of the subscription forms: a few fields
// and a token, so anything bigger is not a person filling them in.
const subscribeMaxBody = 16 << 10

// subscribeRoutes serves subscribing, confirming, preferences and
// unsubscribing. Every page with a token in it is sent with no-store, and
// the Referrer-Policy the server sets keeps the token out of Referer.
type subscribeRoutes struct {
	s    *Server
	o    SubscribeOptions
	subs *newsletter.Subscriptions
	cat  templates.Catalog
}

// routeSubscribe registers the subscription pages on mux, when configured.
//
// Their forms are protected by http.CrossOriginProtection, with two
// deliberate exceptions. The subscribe POST accepts cross-origin posts
// because other sites embed the form; its defences are the honeypot, the
// signed fill-time token, the per-IP and per-address limits and double
// opt-in. The unsubscribe POST is the RFC 8058 one-click URL, posted by
// mail providers and webmail from anywhere; the signed token in its URL is
// the authority.
//
// A form embedded on another site cannot carry the signed fill-time token,
// so its post shows our subscribe page, filled in, and the person presses
// Đăng ký there. The snippet to embed (SITE is site.url; the category
// checkboxes are optional, their values are category slugs):
//
//	<form action="SITE/subscribe?lang=vi" method="post" accept-charset="utf-8">
//	  <label for="bt-email">Email</label>
//	  <input id="bt-email" name="email" type="email" autocomplete="email" required>
//	  <label for="bt-name">Tên (không bắt buộc)</label>
//	  <input id="bt-name" name="name" autocomplete="name">
//	  <fieldset><legend>Nhận bản tin</legend>
//	    <label><input type="radio" name="cadence" value="instant"> Ngay khi có bài</label>
//	    <label><input type="radio" name="cadence" value="daily" checked> Hằng ngày</label>
//	    <label><input type="radio" name="cadence" value="weekly"> Hằng tuần</label>
//	  </fieldset>
//	  <label><input type="checkbox" name="category" value="thoi-su"> Thời sự</label>
//	  <div hidden><label>Để trống ô này <input name="website" tabindex="-1" autocomplete="off"></label></div>
//	  <input type="hidden" name="form" value="embed">
//	  <button type="submit">Đăng ký</button>
//	</form>
func (s *Server) routeSubscribe(mux *http.ServeMux) {
	o := s.o.Subscribe
	if o.Subscriptions == nil {
		return
	}
	h := &subscribeRoutes{s: s, o: o, subs: o.Subscriptions, cat: s.o.Templates.Catalog()}
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern("POST /subscribe")
	cop.AddInsecureBypassPattern("POST /unsubscribe")
	cop.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	handle := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, cop.Handler(fn)) }
	handle("GET /subscribe", h.form)
	handle("POST /subscribe", h.submit)
	handle("GET /subscribe/sent", h.sent)
	handle("GET /subscribe/confirm", h.confirmPage)
	handle("POST /subscribe/confirm", h.confirm)
	handle("GET /preferences", h.preferences)
	handle("POST /preferences", h.savePreferences)
	handle("GET /preferences/data", h.data)
	handle("POST /preferences/erase", h.erase)
	handle("GET /unsubscribe", h.unsubscribePage)
	handle("POST /unsubscribe", h.unsubscribe)
}

// subscribeValues are the form's fields as the person sent them, so that
// a rejected form comes back as they filled it in.
type subscribeValues struct {
	Email, Name, Cadence string
	Categories           map[string]bool
	SendHour             int
}

// fieldMessage is a field's error, as a catalog key.
type fieldMessage struct{ Field, Key string }

// formState is what a form page shows besides its fields: field errors,
// an alert for a rejection of the whole form, a notice, and which element
// takes the focus.
type formState struct {
	Errors []fieldMessage
	Alert  string
	Notice string
	Focus  string
}

// Error returns the catalog key of field's error, or "".
func (f formState) Error(field string) string {
	for _, e := range f.Errors {
		if e.Field == field {
			return e.Key
		}
	}
	return ""
}

// setInputErrors shows errs beside their fields and focuses the first.
func (f *formState) setInputErrors(errs newsletter.InputErrors) {
	for _, e := range errs {
		f.Errors = append(f.Errors, fieldMessage{Field: e.Field, Key: "subscribe.err." + e.Code})
	}
	if len(f.Errors) > 0 {
		f.Focus = f.Errors[0].Field
	}
}

type subscribePage struct {
	formState
	Action     string
	Token      string
	Embed      bool
	Values     subscribeValues
	Cadences   []string
	Categories []store.CategoryCount
	Contact    string
}

func (h *subscribeRoutes) form(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	v := subscribeValues{Cadence: newsletter.CadenceDaily, Categories: map[string]bool{}}
	for _, c := range r.URL.Query()["category"] {
		v.Categories[c] = true
	}
	h.renderForm(w, r, lang, http.StatusOK, v, false, formState{})
}

func (h *subscribeRoutes) submit(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	if !h.parseForm(w, r, lang) {
		return
	}
	f := r.PostForm
	v := subscribeValues{Email: f.Get("email"), Name: f.Get("name"), Cadence: f.Get("cadence"), Categories: map[string]bool{}}
	if v.Cadence == "" {
		v.Cadence = newsletter.CadenceDaily
	}
	for _, c := range f["category"] {
		v.Categories[c] = true
	}
	embed := f.Get("form") == "embed"
	if f.Get("website") != "" {
		// A robot filled in the field people cannot see: it gets the
		// answer everyone gets, and nothing happens.
		h.s.log.InfoContext(r.Context(), "subscribe: honeypot filled; ignored")
		h.redirectSent(w, r, lang)
		return
	}
	switch err := h.subs.CheckFormToken(f.Get("ft")); {
	case errors.Is(err, newsletter.ErrFormMissing):
		// A form embedded on another site: the person finishes here,
		// where the form is timed like any other.
		h.renderForm(w, r, lang, http.StatusOK, v, true, formState{Notice: "subscribe.embedded", Focus: "submit"})
		return
	case errors.Is(err, newsletter.ErrFormTooFast):
		h.renderForm(w, r, lang, http.StatusBadRequest, v, embed, formState{Alert: "subscribe.err.form.too_fast", Focus: "submit"})
		return
	case err != nil:
		h.renderForm(w, r, lang, http.StatusBadRequest, v, embed, formState{Alert: "subscribe.err.form.invalid", Focus: "submit"})
		return
	}
	// One read of the categories serves both the check of the choice and,
	// when the request is refused, the form shown again.
	cats, err := h.categories(r.Context())
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return
	}
	form := newsletter.FormPage
	if embed {
		form = newsletter.FormEmbed
	}
	err = h.subs.Subscribe(r.Context(), newsletter.SubscribeRequest{
		Email: v.Email, Name: v.Name, Cadence: v.Cadence, Categories: f["category"], Language: lang,
		IP: clientIP(r, h.o.TrustedProxies), Form: form, KnownCategories: slugsOf(cats),
	})
	var inputErrs newsletter.InputErrors
	switch {
	case errors.As(err, &inputErrs):
		var st formState
		st.setInputErrors(inputErrs)
		h.showForm(w, r, lang, http.StatusBadRequest, v, embed, st, cats)
		return
	case errors.Is(err, newsletter.ErrTooManyRequests):
		w.Header().Set("Retry-After", "3600")
		h.showForm(w, r, lang, http.StatusTooManyRequests, v, embed, formState{Alert: "subscribe.err.too_many", Focus: "submit"}, cats)
		return
	case err != nil:
		h.s.serverError(w, r, lang, err)
		return
	}
	h.redirectSent(w, r, lang)
}

// redirectSent answers every accepted request, whatever the address, with
// the same redirect to the same page.
func (h *subscribeRoutes) redirectSent(w http.ResponseWriter, r *http.Request, lang string) {
	http.Redirect(w, r, "/subscribe/sent?lang="+lang, http.StatusSeeOther)
}

func (h *subscribeRoutes) sent(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	h.message(w, r, lang, http.StatusOK, messagePage{
		Heading:    h.cat.Text(lang, "subscribe.sent.title"),
		Paragraphs: []string{h.cat.Text(lang, "subscribe.sent.body")},
	})
}

// renderForm shows the subscribe form with the categories read now.
func (h *subscribeRoutes) renderForm(w http.ResponseWriter, r *http.Request, lang string, status int, v subscribeValues, embed bool, st formState) {
	cats, err := h.categories(r.Context())
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return
	}
	h.showForm(w, r, lang, status, v, embed, st, cats)
}

// showForm shows the subscribe form offering cats, which the caller has
// read already.
func (h *subscribeRoutes) showForm(w http.ResponseWriter, r *http.Request, lang string, status int, v subscribeValues, embed bool, st formState, cats []store.CategoryCount) {
	privatePage(w)
	h.s.render(w, r, status, "subscribe.html", templates.Page{Lang: lang, Title: h.cat.Text(lang, "subscribe.title"), Data: subscribePage{
		formState: st, Action: "/subscribe?lang=" + lang, Token: h.subs.FormToken(), Embed: embed, Values: v,
		Cadences: newsletter.Cadences(), Categories: cats, Contact: h.o.Contact,
	}})
}

func (h *subscribeRoutes) categories(ctx context.Context) ([]store.CategoryCount, error) {
	if h.o.Categories == nil {
		return nil, nil
	}
	return h.o.Categories.Categories(ctx)
}

// slugsOf returns the slugs of cats. It is never nil, so an empty list
// refuses all.
func slugsOf(cats []store.CategoryCount) []string {
	slugs := make([]string, len(cats))
	for i, c := range cats {
		slugs[i] = c.Slug
	}
	return slugs
}

// parseForm reads a form body of at most subscribeMaxBody bytes. On
// failure it has answered: 413 for a body too large, 400 otherwise.
func (h *subscribeRoutes) parseForm(w http.ResponseWriter, r *http.Request, lang string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, subscribeMaxBody)
	err := r.ParseForm()
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		h.message(w, r, lang, http.StatusRequestEntityTooLarge, messagePage{Heading: h.cat.Text(lang, "subscribe.err.too_large")})
		return false
	}
	h.message(w, r, lang, http.StatusBadRequest, messagePage{Heading: h.cat.Text(lang, "subscribe.err.bad_request")})
	return false
}

// crossOrigin answers a form posted from another site where that is not
// allowed.
func (h *subscribeRoutes) crossOrigin(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	h.message(w, r, lang, http.StatusForbidden, messagePage{Heading: h.cat.Text(lang, "subscribe.err.bad_request")})
}

// messagePage is the data of message.html: a heading, paragraphs, and
// optionally an address, a one-button form and links.
type messagePage struct {
	Heading    string
	Paragraphs []string
	Email      string
	Form       *messageForm
	Links      []pageLink
	Contact    string
}

type messageForm struct {
	Action, Token, Button string
}

type pageLink struct{ URL, Text string }

func (h *subscribeRoutes) message(w http.ResponseWriter, r *http.Request, lang string, status int, m messagePage) {
	m.Contact = h.o.Contact
	privatePage(w)
	h.s.render(w, r, status, "message.html", templates.Page{Lang: lang, Title: m.Heading, Data: m})
}

// badLink answers a link whose token is forged, tampered or expired: 400,
// and nothing changed.
func (h *subscribeRoutes) badLink(w http.ResponseWriter, r *http.Request, lang string) {
	h.message(w, r, lang, http.StatusBadRequest, messagePage{
		Heading:    h.cat.Text(lang, "link.bad.title"),
		Paragraphs: []string{h.cat.Text(lang, "link.bad.body")},
		Links:      []pageLink{{URL: "/subscribe?lang=" + lang, Text: h.cat.Text(lang, "subscribe.title")}},
	})
}

// linkPath returns the path and query of an absolute link made by
// newsletter, for a form on this site.
func linkPath(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return "/"
	}
	return u.RequestURI()
}
