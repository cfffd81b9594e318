package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/bantin/bantin/newsletter"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
)

type preferencesPage struct {
	formState
	Email        string
	Status       string
	Token        string
	Action       string
	EraseAction  string
	DataURL      string
	SubscribeURL string
	Values       subscribeValues
	Cadences     []string
	Categories   []store.CategoryCount
	Hours        []int
	Contact      string
}

func (h *subscribeRoutes) preferences(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	tok := r.URL.Query().Get("t")
	sub, ok := h.fromLink(w, r, lang, newsletter.PurposePreferences, tok)
	if !ok {
		return
	}
	h.showPreferences(w, r, lang, http.StatusOK, sub, tok, valuesOf(sub), formState{})
}

// savePreferences handles the preferences form's buttons: save, pause,
// resume and unsubscribe. The token travels in the form, so the POST is
// as good as the link that opened the page.
func (h *subscribeRoutes) savePreferences(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	if !h.parseForm(w, r, lang) {
		return
	}
	tok := r.PostForm.Get("t")
	sub, ok := h.fromLink(w, r, lang, newsletter.PurposePreferences, tok)
	if !ok {
		return
	}
	ip := clientIP(r, h.o.TrustedProxies)
	var err error
	notice := ""
	switch r.PostForm.Get("action") {
	case "save":
		h.saveSettings(w, r, lang, sub, tok)
		return
	case "pause":
		sub, err = h.subs.Pause(r.Context(), sub.ID, ip)
		notice = "prefs.paused"
	case "resume":
		sub, err = h.subs.Resume(r.Context(), sub.ID, ip)
		notice = "prefs.resumed"
	case "unsubscribe":
		if sub, err = h.subs.Unsubscribe(r.Context(), sub.ID, ip, "preferences"); err == nil {
			h.unsubscribed(w, r, lang, sub)
			return
		}
	default:
		h.message(w, r, lang, http.StatusBadRequest, messagePage{Heading: h.cat.Text(lang, "subscribe.err.bad_request")})
		return
	}
	switch {
	case errors.Is(err, newsletter.ErrNotAllowed):
		h.showPreferences(w, r, lang, http.StatusConflict, sub, tok, valuesOf(sub), formState{Alert: "prefs.not_allowed"})
	case errors.Is(err, store.ErrNotFound):
		h.badLink(w, r, lang)
	case err != nil:
		h.s.serverError(w, r, lang, err)
	default:
		h.showPreferences(w, r, lang, http.StatusOK, sub, tok, valuesOf(sub), formState{Notice: notice})
	}
}

func (h *subscribeRoutes) saveSettings(w http.ResponseWriter, r *http.Request, lang string, sub *store.Subscriber, tok string) {
	f := r.PostForm
	v := subscribeValues{Name: f.Get("name"), Cadence: f.Get("cadence"), Categories: map[string]bool{}, SendHour: -1}
	for _, c := range f["category"] {
		v.Categories[c] = true
	}
	hour, err := strconv.Atoi(f.Get("send_hour"))
	if err != nil {
		hour = -2 // refused below, with the other fields' errors
	}
	v.SendHour = hour
	// Read once: to check the choice and to show the page again.
	cats, err := h.categories(r.Context())
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return
	}
	sub2, err := h.subs.UpdatePreferences(r.Context(), sub.ID, newsletter.Preferences{
		Name: v.Name, Cadence: v.Cadence, Categories: f["category"], SendHour: hour, KnownCategories: slugsOf(cats),
	}, clientIP(r, h.o.TrustedProxies))
	var inputErrs newsletter.InputErrors
	switch {
	case errors.As(err, &inputErrs):
		var st formState
		st.setInputErrors(inputErrs)
		h.renderPreferences(w, r, lang, http.StatusBadRequest, sub, tok, v, st, cats)
	case errors.Is(err, store.ErrNotFound):
		h.badLink(w, r, lang)
	case err != nil:
		h.s.serverError(w, r, lang, err)
	default:
		h.renderPreferences(w, r, lang, http.StatusOK, sub2, tok, valuesOf(sub2), formState{Notice: "prefs.saved"}, cats)
	}
}

// data sends everything kept about the subscriber as a JSON download.
func (h *subscribeRoutes) data(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	sub, ok := h.fromLink(w, r, lang, newsletter.PurposePreferences, r.URL.Query().Get("t"))
	if !ok {
		return
	}
	d, err := h.subs.Data(r.Context(), sub.ID)
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return
	}
	body, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return
	}
	privatePage(w)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="ban-tin-du-lieu.json"`)
	_, _ = w.Write(append(body, '\n'))
}

// erase deletes the subscriber, once they have ticked the box that says
// they mean it.
func (h *subscribeRoutes) erase(w http.ResponseWriter, r *http.Request) {
	lang := h.s.language(r)
	if !h.parseForm(w, r, lang) {
		return
	}
	tok := r.PostForm.Get("t")
	sub, ok := h.fromLink(w, r, lang, newsletter.PurposePreferences, tok)
	if !ok {
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		st := formState{Errors: []fieldMessage{{Field: "confirm", Key: "prefs.err.erase_confirm"}}, Focus: "confirm"}
		h.showPreferences(w, r, lang, http.StatusBadRequest, sub, tok, valuesOf(sub), st)
		return
	}
	if err := h.subs.Erase(r.Context(), sub.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		h.s.serverError(w, r, lang, err)
		return
	}
	h.message(w, r, lang, http.StatusOK, messagePage{
		Heading:    h.cat.Text(lang, "prefs.erased.title"),
		Paragraphs: []string{h.cat.Text(lang, "prefs.erased.body")},
	})
}

// fromLink returns the subscriber tok names, or answers 400 and returns
// false.
func (h *subscribeRoutes) fromLink(w http.ResponseWriter, r *http.Request, lang, purpose, tok string) (*store.Subscriber, bool) {
	sub, err := h.subs.FromLink(r.Context(), purpose, tok)
	if errors.Is(err, newsletter.ErrBadLink) {
		h.badLink(w, r, lang)
		return nil, false
	}
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return nil, false
	}
	return sub, true
}

// showPreferences shows the preferences page with the categories read
// now.
func (h *subscribeRoutes) showPreferences(w http.ResponseWriter, r *http.Request, lang string, status int, sub *store.Subscriber, tok string, v subscribeValues, st formState) {
	cats, err := h.categories(r.Context())
	if err != nil {
		h.s.serverError(w, r, lang, err)
		return
	}
	h.renderPreferences(w, r, lang, status, sub, tok, v, st, cats)
}

// renderPreferences shows the preferences page offering cats.
func (h *subscribeRoutes) renderPreferences(w http.ResponseWriter, r *http.Request, lang string, status int, sub *store.Subscriber, tok string, v subscribeValues, st formState, cats []store.CategoryCount) {
	hours := make([]int, 24)
	for i := range hours {
		hours[i] = i
	}
	q := url.Values{"t": {tok}, "lang": {lang}}
	privatePage(w)
	h.s.render(w, r, status, "preferences.html", templates.Page{Lang: lang, Title: h.cat.Text(lang, "prefs.title"), Data: preferencesPage{
		formState: st, Email: sub.Email, Status: sub.Status, Token: tok,
		Action: "/preferences?lang=" + lang, EraseAction: "/preferences/erase?lang=" + lang,
		DataURL: "/preferences/data?" + q.Encode(), SubscribeURL: "/subscribe?lang=" + lang,
		Values: v, Cadences: newsletter.Cadences(), Categories: cats, Hours: hours, Contact: h.o.Contact,
	}})
}

func valuesOf(sub *store.Subscriber) subscribeValues {
	v := subscribeValues{Email: sub.Email, Name: sub.Name, Cadence: sub.Cadence, Categories: map[string]bool{}, SendHour: sub.SendHour}
	for _, c := range sub.Categories {
		v.Categories[c] = true
	}
	return v
}
