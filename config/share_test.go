package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestValidateShare: every rule of the share, feedback and admin sections
// names its key.
func TestValidateShare(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Config)
		key    string
		reason string
	}{
		{"no recipients", func(c *Config) { c.Share.MaxRecipients = 0 }, "share.max_recipients", "between 1 and 10, not 0"},
		{"many recipients", func(c *Config) { c.Share.MaxRecipients = 11 }, "share.max_recipients", "not 11"},
		{"note zero", func(c *Config) { c.Share.NoteMax = 0 }, "share.note_max", "between 1 and 1000"},
		{"note long", func(c *Config) { c.Share.NoteMax = 1001 }, "share.note_max", "between 1 and 1000"},
		{"name short", func(c *Config) { c.Share.NameMax = 9 }, "share.name_max", "between 10 and 200"},
		{"fill negative", func(c *Config) { c.Share.MinFillTime = -time.Second }, "share.min_fill_time", "between 0s and 1m"},
		{"fill long", func(c *Config) { c.Share.MinFillTime = 61 * time.Second }, "share.min_fill_time", "between 0s and 1m"},
		{"form ttl short", func(c *Config) { c.Share.FormTTL = 30 * time.Second }, "share.form_ttl", "between 1m and 24h"},
		{"form ttl under fill", func(c *Config) { c.Share.FormTTL, c.Share.MinFillTime = time.Minute, time.Minute }, "share.form_ttl", "longer than share.min_fill_time"},
		{"confirm ttl", func(c *Config) { c.Share.ConfirmTTL = 73 * time.Hour }, "share.confirm_ttl", "between 10m and 72h"},
		{"sender ttl", func(c *Config) { c.Share.SenderTTL = 30 * time.Minute }, "share.sender_ttl", "between 1h and 2160h"},
		{"stop ttl", func(c *Config) { c.Share.StopLinkTTL = time.Hour }, "share.stop_link_ttl", "at least 24h"},
		{"retention", func(c *Config) { c.Share.HashRetention = time.Hour }, "share.hash_retention", "between 24h and 8760h"},
		{"per ip", func(c *Config) { c.Share.PerIP = -1 }, "share.per_ip", "0 is no limit"},
		{"per sender", func(c *Config) { c.Share.PerSender = 0 }, "share.per_sender", "between 1 and 1000"},
		{"confirmations", func(c *Config) { c.Share.ConfirmationsPerAddress = 21 }, "share.confirmations_per_address", "between 1 and 20"},
		{"per recipient", func(c *Config) { c.Share.PerRecipient = 0 }, "share.per_recipient", "between 1 and 100"},
		{"per recipient article", func(c *Config) { c.Share.PerRecipientArticle = 11 }, "share.per_recipient_article", "between 1 and 10"},
		{"global", func(c *Config) { c.Share.GlobalPerHour = -5 }, "share.global_per_hour", "must not be negative"},
		{"share form size", func(c *Config) { c.Share.MaxFormSize = 2 * MB }, "share.max_form_size", "between 1KB and 1MB"},

		{"notify bad", func(c *Config) { c.Feedback.Notify = []string{"a@example.com", "not an address"} }, "feedback.notify[1]", "not an address"},
		{"notify header injection", func(c *Config) { c.Feedback.Notify = []string{"a@example.com\r\nBcc: x@evil.example"} }, "feedback.notify[0]", "one line"},
		{"notify interval", func(c *Config) { c.Feedback.NotifyInterval = 30 * time.Second }, "feedback.notify_interval", "between 1m and 24h"},
		{"feedback name", func(c *Config) { c.Feedback.NameMax = 201 }, "feedback.name_max", "between 10 and 200"},
		{"feedback length", func(c *Config) { c.Feedback.MaxLength = 99 }, "feedback.max_length", "between 100 and 20000"},
		{"feedback fill", func(c *Config) { c.Feedback.MinFillTime = 2 * time.Minute }, "feedback.min_fill_time", "between 0s and 1m"},
		{"feedback form ttl", func(c *Config) { c.Feedback.FormTTL = 25 * time.Hour }, "feedback.form_ttl", "between 1m and 24h"},
		{"feedback per ip", func(c *Config) { c.Feedback.PerIP = -1 }, "feedback.per_ip", "negative"},
		{"feedback per email", func(c *Config) { c.Feedback.PerEmail = 0 }, "feedback.per_email", "between 1 and 1000"},
		{"feedback global", func(c *Config) { c.Feedback.GlobalPerHour = -1 }, "feedback.global_per_hour", "negative"},
		{"feedback retention", func(c *Config) { c.Feedback.RejectedRetention = -time.Hour }, "feedback.rejected_retention", "negative"},
		{"feedback form size", func(c *Config) { c.Feedback.MaxFormSize = 512 }, "feedback.max_form_size", "between 1KB and 1MB"},

		{"admin token short", func(c *Config) { c.Admin.Token = "hunter2" }, "admin.token", "at least 32"},
		{"admin token placeholder", func(c *Config) { c.Admin.Token = "REDACTED" }, "admin.token", "placeholder"},
		{"admin token newline", func(c *Config) { c.Admin.Token = strings.Repeat("a", 32) + "\n" }, "admin.token", "one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(c)
			var errs ValidationErrors
			if !errors.As(c.Validate(), &errs) {
				t.Fatal("Validate() accepted it")
			}
			if len(errs) != 1 || errs[0].Key != tt.key || !strings.Contains(errs[0].Reason, tt.reason) {
				t.Fatalf("Validate() = %v, want one problem: %s: ...%s...", errs, tt.key, tt.reason)
			}
		})
	}
}

func TestValidateShareAccepts(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Config)
	}{
		{"off", func(c *Config) { c.Share.Enabled, c.Feedback.Enabled = false, false }},
		{"no per-ip or global limit", func(c *Config) {
			c.Share.PerIP, c.Share.GlobalPerHour, c.Feedback.PerIP, c.Feedback.GlobalPerHour = 0, 0, 0, 0
		}},
		{"no fill time", func(c *Config) { c.Share.MinFillTime, c.Feedback.MinFillTime = 0, 0 }},
		{"edges", func(c *Config) {
			c.Share.MaxRecipients, c.Share.NoteMax, c.Share.ConfirmTTL, c.Share.HashRetention = 10, 1000, 10*time.Minute, 24*time.Hour
		}},
		{"editors", func(c *Config) {
			c.Feedback.Notify = []string{"Ban biên tập <toasoan@example.com>", "thuky@ví-dụ.vn"}
		}},
		{"admin token", func(c *Config) { c.Admin.Token = strings.Repeat("x", 32) }},
	}
	for _, tt := range tests {
		c := Default()
		tt.change(c)
		if err := c.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v", tt.name, err)
		}
	}
}
