package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/bantin/bantin/config"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/share"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
	"github.com/bantin/bantin/web"
)

func runFeedback(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("feedback", "list|approve|reject|delete [ID...]", `Moderate readers' feedback ("Phản hồi"):
  list             show feedback, newest first (--status, --article, --limit, --json)
  approve ID...    approve feedback: with feedback.show_approved it appears under its article
  reject ID...     reject feedback; it is deleted after feedback.rejected_retention
  delete ID...     delete feedback for good (such as when its writer asks)`)
	status := fs.String("status", "pending", "list only this status: pending, approved, rejected or all")
	articleID := fs.String("article", "", "list only the feedback on this article id")
	limit := fs.Int("limit", 50, "list at most this many (1 to 500)")
	asJSON := fs.Bool("json", false, "list as JSON, one object per line")
	// Flags may also follow the action: bantin feedback list --status all.
	action, code := parseAction(fs, args)
	if code >= 0 {
		return code
	}
	rest := fs.Args()
	var ids []int64
	switch action {
	case "list":
		if len(rest) > 0 {
			fmt.Fprintf(e.stderr, "bantin feedback list: unexpected argument %q\n", rest[0])
			return exitUsage
		}
		if *limit < 1 || *limit > share.MaxList {
			fmt.Fprintf(e.stderr, "bantin feedback list: --limit must be between 1 and %d\n", share.MaxList)
			return exitUsage
		}
	case "approve", "reject", "delete":
		if len(rest) == 0 {
			fmt.Fprintf(e.stderr, "bantin feedback %s: give the id of at least one feedback\n", action)
			return exitUsage
		}
		for _, a := range rest {
			id, err := strconv.ParseInt(a, 10, 64)
			if err != nil || id <= 0 {
				fmt.Fprintf(e.stderr, "bantin feedback %s: %q is not a feedback id\n", action, a)
				return exitUsage
			}
			ids = append(ids, id)
		}
	default:
		fmt.Fprintf(e.stderr, "bantin feedback: unknown action %q\n\n", action)
		fs.Usage()
		return exitUsage
	}
	st := *status
	switch st {
	case "all":
		st = ""
	case store.FeedbackPending, store.FeedbackApproved, store.FeedbackRejected:
	default:
		fmt.Fprintf(e.stderr, "bantin feedback: unknown feedback status %q; want pending, approved, rejected or all\n", st)
		return exitUsage
	}
	cfg, db, code := e.loadConfigAndStore(ctx, "feedback")
	if code >= 0 {
		return code
	}
	defer db.Close()
	q := share.NewQueue(db, nil)
	if action == "list" {
		list, err := q.List(ctx, store.FeedbackQuery{Status: st, ArticleID: *articleID, Limit: *limit})
		if err != nil {
			fmt.Fprintf(e.stderr, "bantin feedback list: %v\n", err)
			return exitError
		}
		if *asJSON {
			return printFeedbackJSON(e.stdout, list)
		}
		printFeedback(e.stdout, list, cfg.Location())
		return exitOK
	}
	code = exitOK
	for _, id := range ids {
		if err := moderate(ctx, q, action, id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				err = errors.New("no such feedback")
			}
			fmt.Fprintf(e.stderr, "bantin feedback %s %d: %v\n", action, id, err)
			code = exitError
			continue
		}
		fmt.Fprintf(e.stdout, "%s %d\n", pastTense(action), id)
	}
	return code
}

func moderate(ctx context.Context, q *share.Queue, action string, id int64) error {
	switch action {
	case "approve":
		return q.Approve(ctx, id)
	case "reject":
		return q.Reject(ctx, id)
	default:
		return q.Delete(ctx, id)
	}
}

func pastTense(action string) string {
	return map[string]string{"approve": "approved", "reject": "rejected", "delete": "deleted"}[action]
}

// printFeedback writes list for a person: a header line per feedback and
// its text indented below. Validation refused control characters in every
// field, so nothing here can drive the terminal.
func printFeedback(w io.Writer, list []*store.Feedback, loc *time.Location) {
	if len(list) == 0 {
		fmt.Fprintln(w, "no feedback")
		return
	}
	for _, f := range list {
		var extra []string
		if f.Phone != "" {
			extra = append(extra, f.Phone)
		}
		if f.Verified {
			extra = append(extra, "verified address")
		}
		fmt.Fprintf(w, "#%d  %s  %s  %s <%s>", f.ID, f.Status, f.CreatedAt.In(loc).Format("2006-01-02 15:04"), f.Name, f.Email)
		if len(extra) > 0 {
			fmt.Fprintf(w, "  (%s)", strings.Join(extra, ", "))
		}
		fmt.Fprintf(w, "\n    article %s\n", f.ArticleID)
		for line := range strings.SplitSeq(f.Body, "\n") {
			fmt.Fprintf(w, "    | %s\n", line)
		}
		fmt.Fprintln(w)
	}
}

func printFeedbackJSON(w io.Writer, list []*store.Feedback) int {
	enc := json.NewEncoder(w)
	for _, f := range list {
		if err := enc.Encode(map[string]any{
			"id": f.ID, "article_id": f.ArticleID, "name": f.Name, "email": f.Email, "phone": f.Phone,
			"body": f.Body, "language": f.Language, "verified": f.Verified, "status": f.Status,
			"created_at": f.CreatedAt,
		}); err != nil {
			return exitError
		}
	}
	return exitOK
}

// newShareService returns "Gửi cho bạn bè" and "Phản hồi" as the
// configuration describes them, on the daemon's mailer and token key.
func newShareService(ctx context.Context, cfg *config.Config, db *store.DB, m mailer.Sender, pages *templates.Set, logger *slog.Logger) (*share.Service, error) {
	signer, err := tokenSigner(ctx, cfg, db)
	if err != nil {
		return nil, err
	}
	o, err := share.OptionsFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	o.Store, o.Mailer, o.Templates, o.Signer, o.Logger = db, m, pages, signer, logger
	if cfg.Admin.Token == "" {
		logger.Info("admin API disabled: admin.token is empty")
	}
	return share.New(ctx, o)
}

// articleWebOptions returns the web options of the article pages, the
// forms and the admin API.
func articleWebOptions(cfg *config.Config, db *store.DB, svc *share.Service) web.ArticleOptions {
	return web.ArticleOptions{Articles: db, Share: svc, Queue: svc.Queue(), AdminToken: cfg.Admin.Token, TrustedProxies: trustedProxies(cfg)}
}
