package templates

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"strings"
	texttemplate "text/template"
)

// An email template is three files under email/: NAME.subject.txt (one
// line), NAME.txt (the text/plain part, written for reading) and NAME.html
// (the HTML part). The HTML part is executed inside email/layout.html, which
// gives every message the same table layout, preheader and footer.
type emailTemplate struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// Email is a rendered message, ready for the mailer.
type Email struct {
	Subject string
	Text    string
	HTML    string
}

// EmailData is what every email template receives.
type EmailData struct {
	Lang     string
	SiteName string
	SiteURL  string
	// Preheader is the line mail clients show after the subject.
	Preheader string
	Data      any
}

func (s *Set) parseEmails(overrideDir string) error {
	s.emails = make(map[string]*emailTemplate)
	layout, err := readTemplate(emailFiles, "email", overrideDir, "layout.html")
	if err != nil {
		return err
	}
	names, err := fs.Glob(emailFiles, "email/*.subject.txt")
	if err != nil {
		return err
	}
	for _, p := range names {
		name := strings.TrimSuffix(path.Base(p), ".subject.txt")
		var t emailTemplate
		read := func(file string) (string, error) { return readTemplate(emailFiles, "email", overrideDir, file) }
		src, err := read(name + ".subject.txt")
		if err != nil {
			return err
		}
		if t.subject, err = texttemplate.New(name + ".subject.txt").Funcs(s.textFuncs()).Parse(strings.TrimSpace(src)); err != nil {
			return fmt.Errorf("templates: %s.subject.txt: %w", name, err)
		}
		if src, err = read(name + ".txt"); err != nil {
			return err
		}
		if t.text, err = texttemplate.New(name + ".txt").Funcs(s.textFuncs()).Parse(src); err != nil {
			return fmt.Errorf("templates: %s.txt: %w", name, err)
		}
		t.html = htmltemplate.New("layout.html").Funcs(s.funcs())
		if _, err := t.html.Parse(layout); err != nil {
			return fmt.Errorf("templates: email/layout.html: %w", err)
		}
		if src, err = read(name + ".html"); err != nil {
			return err
		}
		if _, err := t.html.New(name + ".html").Parse(src); err != nil {
			return fmt.Errorf("templates: %s.html: %w", name, err)
		}
		s.emails[name] = &t
	}
	return nil
}

// RenderEmail renders the email template name. The subject is one line:
// line breaks in it (which no template should make) become spaces, so no
// template can inject a header.
func (s *Set) RenderEmail(name string, d EmailData) (Email, error) {
	t, ok := s.emails[name]
	if !ok {
		return Email{}, fmt.Errorf("templates: no email %q", name)
	}
	var subj, text, html bytes.Buffer
	if err := t.subject.Execute(&subj, d); err != nil {
		return Email{}, fmt.Errorf("templates: %s subject: %w", name, err)
	}
	if err := t.text.Execute(&text, d); err != nil {
		return Email{}, fmt.Errorf("templates: %s text: %w", name, err)
	}
	if err := t.html.ExecuteTemplate(&html, "layout.html", d); err != nil {
		return Email{}, fmt.Errorf("templates: %s html: %w", name, err)
	}
	return Email{
		Subject: strings.Join(strings.Fields(subj.String()), " "),
		Text:    text.String(),
		HTML:    html.String(),
	}, nil
}

// textFuncs are the functions of text templates: the same as the pages'
// (the html/template ones return plain strings, so they serve both).
func (s *Set) textFuncs() texttemplate.FuncMap {
	return texttemplate.FuncMap(s.funcs())
}
