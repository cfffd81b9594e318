package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bantin/bantin/config"
	"github.com/bantin/bantin/internal/progress"
	"github.com/bantin/bantin/internal/token"
	"github.com/bantin/bantin/mailer"
	"github.com/bantin/bantin/newsletter"
	"github.com/bantin/bantin/store"
	"github.com/bantin/bantin/templates"
	"github.com/bantin/bantin/web"
)

const subscribersUsage = `The list of newsletter subscribers, for operators:

  add EMAIL [--name N] [--cadence C] [--categories a,b] [--language L] [--confirmed]
        put an address on the list; without --confirmed it is pending and
        is sent a confirmation email, with --confirmed it is active at once
        (you vouch that the person agreed)
  import FILE.csv [--confirmed] [--send-confirmations] [--cadence C]
        import a CSV file: listmonk's exports (email, name, attributes,
        status) and Mailchimp's ("Email Address", "First Name", "Last Name",
        UNSUB_TIME, CLEAN_TIME) are understood, as are bantin's own. Rows
        are pending and sent nothing unless --confirmed (active) or
        --send-confirmations; bad rows are reported by line and the rest
        imported; addresses already on the list are left as they are
  export [--out FILE] [--status S]
        write the list as CSV to standard output or FILE
  list [--status S] [--limit N]
        show the list as a table

Cadences are instant, daily and weekly; statuses pending, active, paused,
unsubscribed and bounced.`

func runSubscribers(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("subscribers", "add|import|export|list [ARGS] [options]", subscribersUsage)
	name := fs.String("name", "", "add: the subscriber's `name`")
	cadence := fs.String("cadence", "", "add, import: instant, daily or weekly (default daily)")
	categories := fs.String("categories", "", "add: category `slugs`, comma-separated; none means all")
	language := fs.String("language", "", "add: vi or en (default site.language)")
	confirmed := fs.Bool("confirmed", false, "add, import: the people confirmed elsewhere; make them active without a confirmation email")
	sendConfirmations := fs.Bool("send-confirmations", false, "import: send a confirmation email to every new pending row")
	out := fs.String("out", "", "export: write to `FILE` instead of standard output")
	status := fs.String("status", "", "export, list: only subscribers with this `status`")
	limit := fs.Int("limit", 0, "list: show at most `N` subscribers (0: all)")
	args, code := parseInterspersed(fs, args)
	if code >= 0 {
		return code
	}
	if len(args) == 0 {
		fs.Usage()
		return exitUsage
	}
	action, args := args[0], args[1:]
	want := map[string]int{"add": 1, "import": 1, "export": 0, "list": 0}
	n, known := want[action]
	if !known {
		fmt.Fprintf(e.stderr, "bantin subscribers: unknown action %q\n\n", action)
		fs.Usage()
		return exitUsage
	}
	if len(args) != n {
		fmt.Fprintf(e.stderr, "bantin subscribers %s: want %d argument(s), got %d\n", action, n, len(args))
		return exitUsage
	}
	if *cadence != "" && !slices.Contains(newsletter.Cadences(), *cadence) {
		fmt.Fprintf(e.stderr, "bantin subscribers %s: --cadence must be instant, daily or weekly, not %q\n", action, *cadence)
		return exitUsage
	}
	if *language != "" && *language != "vi" && *language != "en" {
		fmt.Fprintf(e.stderr, "bantin subscribers %s: --language must be vi or en, not %q\n", action, *language)
		return exitUsage
	}
	if *status != "" && !slices.Contains(subscriberStatuses(), *status) {
		fmt.Fprintf(e.stderr, "bantin subscribers %s: --status must be one of %s, not %q\n", action, strings.Join(subscriberStatuses(), ", "), *status)
		return exitUsage
	}
	cfg, db, code := e.loadConfigAndStore(ctx, "subscribers")
	if code >= 0 {
		return code
	}
	defer db.Close()
	c := &subscribersCmd{e: e, cfg: cfg, db: db, log: newLogger(e.stderr, cfg)}
	switch action {
	case "add":
		if *language == "" {
			*language = cfg.Site.Language
		}
		req := newsletter.SubscribeRequest{Email: args[0], Name: *name, Cadence: *cadence, Language: *language,
			Categories: strings.Split(*categories, ",")}
		return c.add(ctx, req, *confirmed)
	case "import":
		return c.importFile(ctx, args[0], newsletter.ImportOptions{Confirmed: *confirmed, SendConfirmations: *sendConfirmations, Cadence: *cadence})
	case "export":
		return c.export(ctx, *out, *status)
	default:
		return c.list(ctx, *status, *limit)
	}
}

// parseInterspersed parses flags that may come before, between and after
// the positional arguments (bantin subscribers add EMAIL --confirmed), and
// returns the positional ones, or the exit code to stop with.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, int) {
	var positional []string
	for {
		if code := parseFlags(fs, args); code >= 0 {
			return nil, code
		}
		if fs.NArg() == 0 {
			return positional, -1
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func subscriberStatuses() []string {
	return []string{store.StatusPending, store.StatusActive, store.StatusPaused, store.StatusUnsubscribed, store.StatusBounced}
}

// subscribersCmd is one run of bantin subscribers.
type subscribersCmd struct {
	e   *env
	cfg *config.Config
	db  *store.DB
	log *slog.Logger
}

// subscriptions returns the newsletter's subscriber side; with sends it
// can mail, which opens the configured transport.
func (c *subscribersCmd) subscriptions(ctx context.Context, sends bool) (*newsletter.Subscriptions, func(), error) {
	tpl, err := templates.New(templates.Options{OverrideDir: c.cfg.Site.TemplatesDir, Location: c.cfg.Location()})
	if err != nil {
		return nil, nil, err
	}
	var m mailer.Sender
	done := func() {}
	if sends {
		ml, err := openMailer(c.cfg, c.log)
		if err != nil {
			return nil, nil, err
		}
		m, done = ml, func() { ml.Close() }
	}
	subs, err := newSubscriptions(ctx, c.cfg, c.db, m, tpl, c.log)
	if err != nil {
		done()
		return nil, nil, err
	}
	return subs, done, nil
}

func (c *subscribersCmd) add(ctx context.Context, req newsletter.SubscribeRequest, confirmed bool) int {
	subs, done, err := c.subscriptions(ctx, !confirmed)
	if err != nil {
		fmt.Fprintf(c.e.stderr, "bantin subscribers add: %v\n", err)
		return exitError
	}
	defer done()
	sub, result, err := subs.Add(ctx, req, confirmed)
	var inputErrs newsletter.InputErrors
	if errors.As(err, &inputErrs) {
		fmt.Fprintf(c.e.stderr, "bantin subscribers add: %v\n", err)
		return exitUsage
	}
	if err != nil && sub == nil {
		fmt.Fprintf(c.e.stderr, "bantin subscribers add: %v\n", err)
		return exitError
	}
	switch result {
	case newsletter.AddedActive:
		fmt.Fprintf(c.e.stdout, "added %s (id %d): active\n", sub.Email, sub.ID)
	case newsletter.ConfirmedPending:
		fmt.Fprintf(c.e.stdout, "confirmed %s (id %d): active\n", sub.Email, sub.ID)
	case newsletter.AddedPending:
		if err != nil {
			fmt.Fprintf(c.e.stdout, "added %s (id %d): pending\n", sub.Email, sub.ID)
			fmt.Fprintf(c.e.stderr, "bantin subscribers add: the confirmation was not sent: %v\n", err)
			return exitError
		}
		fmt.Fprintf(c.e.stdout, "added %s (id %d): pending; confirmation sent\n", sub.Email, sub.ID)
	case newsletter.AlreadyOnList:
		fmt.Fprintf(c.e.stderr, "bantin subscribers add: %s is already on the list (id %d, %s); nothing changed\n", sub.Email, sub.ID, sub.Status)
		return exitError
	}
	return exitOK
}

func (c *subscribersCmd) importFile(ctx context.Context, path string, o newsletter.ImportOptions) int {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(c.e.stderr, "bantin subscribers import: %v\n", err)
		return exitError
	}
	defer f.Close()
	subs, done, err := c.subscriptions(ctx, o.SendConfirmations)
	if err != nil {
		fmt.Fprintf(c.e.stderr, "bantin subscribers import: %v\n", err)
		return exitError
	}
	defer done()
	bar := progress.New(c.e.stderr, "import")
	o.Progress = bar.Set
	o.Source = filepath.Base(path)
	start := time.Now()
	sum, err := subs.ImportCSV(ctx, f, o)
	bar.Finish()
	if sum != nil {
		fmt.Fprintf(c.e.stdout, "%s: %d rows in %s: %d imported, %d already on the list, %d failed",
			path, sum.Rows, time.Since(start).Round(time.Millisecond), sum.Created, sum.Existing, len(sum.Failed))
		if o.SendConfirmations {
			fmt.Fprintf(c.e.stdout, ", %d confirmations sent", sum.Confirmations)
		}
		fmt.Fprintln(c.e.stdout)
		for _, fe := range sum.Failed {
			fmt.Fprintf(c.e.stdout, "  %s:%v\n", path, fe)
		}
		for _, fe := range sum.NotSent {
			fmt.Fprintf(c.e.stdout, "  %s:%v (imported)\n", path, fe)
		}
	}
	if err != nil {
		fmt.Fprintf(c.e.stderr, "bantin subscribers import: %s: %v\n", path, err)
		return exitError
	}
	if len(sum.Failed) > 0 || len(sum.NotSent) > 0 {
		return exitError
	}
	return exitOK
}

func (c *subscribersCmd) export(ctx context.Context, out, status string) int {
	subs, _, err := c.subscriptions(ctx, false)
	if err != nil {
		fmt.Fprintf(c.e.stderr, "bantin subscribers export: %v\n", err)
		return exitError
	}
	var w io.Writer = c.e.stdout
	var f *os.File
	if out != "" {
		// The list is personal data: readable by its owner only.
		if f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			fmt.Fprintf(c.e.stderr, "bantin subscribers export: %v\n", err)
			return exitError
		}
		w = f
	}
	n, err := subs.ExportCSV(ctx, w, status)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(c.e.stderr, "bantin subscribers export: %v\n", err)
		return exitError
	}
	if out != "" {
		fmt.Fprintf(c.e.stderr, "exported %d subscribers to %s\n", n, out)
	}
	return exitOK
}

func (c *subscribersCmd) list(ctx context.Context, status string, limit int) int {
	tw := tabwriter.NewWriter(c.e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tSTATUS\tCADENCE\tCATEGORIES\tCREATED")
	shown := 0
	var after int64
	for limit <= 0 || shown < limit {
		page, err := c.db.ListSubscribers(ctx, store.SubscriberQuery{Status: status, AfterID: after, Limit: 500})
		if err != nil {
			fmt.Fprintf(c.e.stderr, "bantin subscribers list: %v\n", err)
			return exitError
		}
		if len(page) == 0 {
			break
		}
		for _, s := range page {
			if limit > 0 && shown == limit {
				break
			}
			cats := strings.Join(s.Categories, ",")
			if cats == "" {
				cats = "(all)"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Email, oneLineName(s.Name), s.Status, s.Cadence, cats,
				s.CreatedAt.In(c.cfg.Location()).Format("2006-01-02 15:04"))
			shown++
		}
		after = page[len(page)-1].ID
	}
	if err := tw.Flush(); err != nil {
		return exitError
	}
	counts, err := c.db.SubscriberCounts(ctx)
	if err != nil {
		fmt.Fprintf(c.e.stderr, "bantin subscribers list: %v\n", err)
		return exitError
	}
	var parts []string
	for _, st := range subscriberStatuses() {
		parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
	}
	fmt.Fprintf(c.e.stdout, "%d shown; on the list: %s\n", shown, strings.Join(parts, ", "))
	return exitOK
}

// oneLineName keeps a name from breaking the table: names are checked for
// control characters when stored, but rows may predate that.
func oneLineName(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < ' ' || r == '\t' }), " ")
}

// tokenSigner returns the signer of links and forms: its key is
// security.secret_key, or the key the database keeps for every instance
// when that is empty.
func tokenSigner(ctx context.Context, cfg *config.Config, db *store.DB) (*token.Signer, error) {
	key := []byte(cfg.Security.SecretKey)
	if len(key) == 0 {
		var err error
		if key, err = db.SecretKey(ctx, "token"); err != nil {
			return nil, err
		}
	}
	return token.New(key, nil)
}

// openMailer returns the configured mailer; the caller closes it.
func openMailer(cfg *config.Config, logger *slog.Logger) (*mailer.Mailer, error) {
	o, err := mailer.OptionsFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	o.Logger = logger
	return mailer.New(o)
}

// newSubscriptions returns the newsletter's subscriber side as the
// configuration describes it.
func newSubscriptions(ctx context.Context, cfg *config.Config, db *store.DB, m mailer.Sender, tpl *templates.Set, logger *slog.Logger) (*newsletter.Subscriptions, error) {
	signer, err := tokenSigner(ctx, cfg, db)
	if err != nil {
		return nil, err
	}
	o := newsletter.SubscriptionOptionsFromConfig(cfg)
	o.Logger = logger
	return newsletter.NewSubscriptions(db, signer, m, tpl, o), nil
}

// subscribeWebOptions returns what the subscription pages need: the
// subscriber side of the newsletter, sending through m and rendering with
// pages, and the proxies whose X-Forwarded-For gives a client's address.
func subscribeWebOptions(ctx context.Context, cfg *config.Config, db *store.DB, m mailer.Sender, pages *templates.Set, logger *slog.Logger) (web.SubscribeOptions, error) {
	subs, err := newSubscriptions(ctx, cfg, db, m, pages, logger)
	if err != nil {
		return web.SubscribeOptions{}, err
	}
	return web.SubscribeOptions{Subscriptions: subs, Categories: db, TrustedProxies: trustedProxies(cfg), Contact: cfg.Site.Contact}, nil
}

// trustedProxies returns http.trusted_proxies as prefixes; a bare address
// is a prefix of one address. Validate has refused anything else.
func trustedProxies(cfg *config.Config) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range cfg.HTTP.TrustedProxies {
		if prefix, err := netip.ParsePrefix(p); err == nil {
			out = append(out, prefix.Masked())
		} else if addr, err := netip.ParseAddr(p); err == nil {
			out = append(out, netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()))
		}
	}
	return out
}
