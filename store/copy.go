package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Copying moves a whole installation from one database to another, most
// often from the embedded SQLite to PostgreSQL when a site outgrows one
// process. Both databases speak the same schema (the migrations of each
// dialect are kept in step), so rows move column by column, by name; only
// the representation of a few types differs and is converted on the way.

// copyTable is one table Copy moves.
type copyTable struct {
	name string
	// key names the columns that identify a row: the order of the copy and
	// how a row that fails is named. It is the primary key, except for
	// rate_events, which has none and is named by what sets its rows apart.
	key []string
	// seed matches the row that a migration inserts (feedback_notify's
	// single row), which a target holds before it was ever used; the copy
	// replaces it with the source's. Empty when the migrations insert none.
	seed string
}

// copyTables lists every table of the schema, parents before the tables
// whose foreign keys point at them. A table missing here is not silently
// skipped: Copy refuses a source that holds a table it does not know, so a
// new migration must add its tables here before an installation using it
// can be copied.
func copyTables() []copyTable {
	return []copyTable{
		{name: "articles", key: []string{"id"}},
		{name: "source_states", key: []string{"url"}},
		{name: "secrets", key: []string{"name"}},
		{name: "subscribers", key: []string{"id"}},
		{name: "consents", key: []string{"id"}}, // → subscribers
		{name: "editions", key: []string{"id"}},
		{name: "deliveries", key: []string{"edition_id", "subscriber_id"}},          // → editions
		{name: "delivery_batches", key: []string{"edition_id", "first_subscriber"}}, // → editions
		{name: "edition_ticks", key: []string{"cadence"}},
		{name: "delivery_pause", key: []string{"id"}},
		{name: "rate_events", key: []string{"bucket", "subject", "at", "expires_at"}},
		{name: "share_counters", key: []string{"key"}},
		{name: "share_suppressions", key: []string{"email_hash"}},
		{name: "share_used_tokens", key: []string{"token_hash"}},
		{name: "feedback", key: []string{"id"}},
		{name: "feedback_notify", key: []string{"id"}, seed: "id = 1 AND last_sent_at = 0"},
	}
}

// CopyTables returns the tables Copy moves, in the order it moves them.
func CopyTables() []string {
	var out []string
	for _, t := range copyTables() {
		out = append(out, t.name)
	}
	return out
}

// bookkeepingTables are in every schema but are not data: the target's own
// migrations write them.
var bookkeepingTables = []string{"schema_migrations"}

// ErrSourceBehind is returned by Copy when the source's schema is older
// than this build's migrations. Copy never writes to the source, which may
// be a backup or still belong to an older release, so it does not migrate
// it: migrate it first, then copy.
var ErrSourceBehind = errors.New("store: copy: the source database is not migrated to this version of bantin")

// CopyOptions tunes Copy.
type CopyOptions struct {
	// Progress, when set, hears after each batch how many rows have been
	// copied, over all tables, and how many there are in all.
	Progress func(done, total int)
	// BatchRows caps the rows of one INSERT; 0 means 1,000. Batches are
	// also cut at a few megabytes, so that a table of long articles does
	// not fill memory.
	BatchRows int
}

// TableCopy is what Copy did with one table.
type TableCopy struct {
	Table string
	// Source is the number of rows in the source's snapshot; Target the
	// number in the target once they were copied, counted before commit.
	Source, Target int
	Duration       time.Duration
}

// CopyReport is what Copy did, table by table in copy order.
type CopyReport struct {
	Tables   []TableCopy
	Duration time.Duration
}

// Rows returns the number of rows copied, over all tables.
func (r CopyReport) Rows() int {
	n := 0
	for _, t := range r.Tables {
		n += t.Target
	}
	return n
}

// Batches are cut at whichever comes first: the rows asked for, the
// placeholders one statement may hold (SQLite allows 32,766, PostgreSQL
// 65,535) or about this many bytes of values.
const (
	defaultBatchRows = 1000
	maxBatchParams   = 30000
	maxBatchBytes    = 8 << 20
)

// Copy copies every row of every table from one database to the other,
// which may be of either dialect, so that the store reads the same things
// from the target as from the source. The source must be migrated to this
// build's latest version (else ErrSourceBehind) and is only read, from one
// snapshot, so rows written meanwhile are not copied: stop every bantin
// serve on it first. The target is migrated here and must hold no rows.
//
// The target is written in one transaction. A copy that fails, on
// whichever row, commits nothing: the target is left migrated and empty,
// and the same copy can simply be run again once the cause is fixed. The
// error names the table and the row's key.
//
// Before committing, Copy counts every table in the target and refuses to
// commit if any count differs from the source's. On PostgreSQL it then
// moves each identity sequence past the highest id copied, so that new
// rows do not collide with copied ones.
func Copy(ctx context.Context, from, to *DB, opts CopyOptions) (CopyReport, error) {
	start := time.Now()
	if from == to {
		return CopyReport{}, errors.New("store: copy: source and target are the same database")
	}
	latest, err := latestVersion(from.dialect.name())
	if err != nil {
		return CopyReport{}, err
	}

	src, err := from.sql.BeginTx(ctx, snapshotOptions(from.dialect))
	if err != nil {
		return CopyReport{}, fmt.Errorf("store: copy: read the source: %w", err)
	}
	defer src.Rollback()
	v, err := appliedVersion(ctx, src, from.dialect)
	if err != nil {
		return CopyReport{}, err
	}
	switch {
	case v < latest:
		return CopyReport{}, fmt.Errorf("%w: it is at schema version %d, this bantin's migrations reach %d", ErrSourceBehind, v, latest)
	case v > latest:
		return CopyReport{}, fmt.Errorf("store: copy: the source is at schema version %d, newer than this bantin knows (%d): copy with the release that migrated it", v, latest)
	}
	if err := checkTables(ctx, src, from.dialect); err != nil {
		return CopyReport{}, err
	}

	if _, err := to.Migrate(ctx); err != nil {
		return CopyReport{}, fmt.Errorf("store: copy: migrate the target: %w", err)
	}
	toLatest, err := latestVersion(to.dialect.name())
	if err != nil {
		return CopyReport{}, err
	}
	if tv, err := appliedVersion(ctx, to.sql, to.dialect); err != nil {
		return CopyReport{}, err
	} else if tv != toLatest {
		return CopyReport{}, fmt.Errorf("store: copy: the target is at schema version %d, not %d: copy with the release that migrated it", tv, toLatest)
	}

	tables := copyTables()
	columns := make([][]copyColumn, len(tables))
	for i, t := range tables {
		if columns[i], err = matchColumns(ctx, t.name, src, from.dialect, to.sql, to.dialect); err != nil {
			return CopyReport{}, err
		}
	}

	// Counted in the snapshot, so the counts are exactly what is copied.
	report := CopyReport{Tables: make([]TableCopy, len(tables))}
	total := 0
	for i, t := range tables {
		n, err := countRows(ctx, src, t.name, "")
		if err != nil {
			return CopyReport{}, fmt.Errorf("store: copy: count %s in the source: %w", t.name, err)
		}
		report.Tables[i] = TableCopy{Table: t.name, Source: n}
		total += n
	}

	dst, err := to.sql.BeginTx(ctx, nil)
	if err != nil {
		return CopyReport{}, fmt.Errorf("store: copy: write the target: %w", err)
	}
	defer dst.Rollback()
	if err := checkEmpty(ctx, dst, tables); err != nil {
		return CopyReport{}, err
	}

	c := &copier{src: src, dst: dst, to: to.dialect, opts: opts, total: total}
	for i, t := range tables {
		tableStart := time.Now()
		if t.seed != "" {
			if _, err := dst.ExecContext(ctx, "DELETE FROM "+t.name+" WHERE "+t.seed); err != nil {
				return CopyReport{}, fmt.Errorf("store: copy %s: clear the row the migrations insert: %w", t.name, err)
			}
		}
		if err := c.copyTable(ctx, t, columns[i]); err != nil {
			return CopyReport{}, err
		}
		n, err := countRows(ctx, dst, t.name, "")
		if err != nil {
			return CopyReport{}, fmt.Errorf("store: copy: count %s in the target: %w", t.name, err)
		}
		report.Tables[i].Target = n
		report.Tables[i].Duration = time.Since(tableStart)
	}
	if err := checkCounts(report.Tables); err != nil {
		return report, err
	}
	if to.dialect.name() == "postgres" {
		if err := resetSequences(ctx, dst, tables); err != nil {
			return report, err
		}
	}
	if err := dst.Commit(); err != nil {
		return report, fmt.Errorf("store: copy: commit the target: %w", err)
	}
	report.Duration = time.Since(start)
	return report, nil
}

// TableCount is one table's rows in two databases.
type TableCount struct {
	Table    string
	From, To int
}

// CompareCounts counts the rows of every table Copy moves in both
// databases, as they are now, and returns the counts, with an error naming
// every table whose counts differ. After a copy it tells whether the source
// changed since, or the target was written to.
func CompareCounts(ctx context.Context, from, to *DB) ([]TableCount, error) {
	var out []TableCount
	var copies []TableCopy
	for _, t := range copyTables() {
		f, err := countRows(ctx, from.sql, t.name, "")
		if err != nil {
			return nil, fmt.Errorf("store: count %s in the source: %w", t.name, err)
		}
		n, err := countRows(ctx, to.sql, t.name, "")
		if err != nil {
			return nil, fmt.Errorf("store: count %s in the target: %w", t.name, err)
		}
		out = append(out, TableCount{Table: t.name, From: f, To: n})
		copies = append(copies, TableCopy{Table: t.name, Source: f, Target: n})
	}
	return out, checkCounts(copies)
}

func checkCounts(tables []TableCopy) error {
	var bad []string
	for _, t := range tables {
		if t.Source != t.Target {
			bad = append(bad, fmt.Sprintf("%s: %d in the source, %d in the target", t.Table, t.Source, t.Target))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("store: row counts differ: %s", strings.Join(bad, "; "))
	}
	return nil
}

// querier is what both a database and a transaction answer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// snapshotOptions returns the transaction that reads the whole source as of
// one moment. SQLite's deferred read transaction (the store opens its
// write transactions immediate, which would lock out a running daemon) sees
// one snapshot under WAL; PostgreSQL needs repeatable read.
func snapshotOptions(d dialect) *sql.TxOptions {
	if d.name() == "postgres" {
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return &sql.TxOptions{ReadOnly: true}
}

func latestVersion(dialectName string) (int, error) {
	all, err := loadMigrations(dialectName)
	if err != nil {
		return 0, err
	}
	if len(all) == 0 {
		return 0, nil
	}
	return all[len(all)-1].Version, nil
}

// appliedVersion is SchemaVersion without its side effect: it does not
// create schema_migrations, so that reading a source writes nothing.
func appliedVersion(ctx context.Context, q querier, d dialect) (int, error) {
	tables, err := listTables(ctx, q, d)
	if err != nil {
		return 0, err
	}
	if !slices.Contains(tables, "schema_migrations") {
		return 0, nil
	}
	var v int
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: copy: schema version: %w", err)
	}
	return v, nil
}

func listTables(ctx context.Context, q querier, d dialect) ([]string, error) {
	query := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if d.name() == "postgres" {
		query = `SELECT table_name FROM information_schema.tables
WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: copy: list tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("store: copy: list tables: %w", err)
		}
		out = append(out, strings.ToLower(name))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: copy: list tables: %w", err)
	}
	slices.Sort(out)
	return out, nil
}

// checkTables makes sure that the source holds exactly the tables Copy
// knows, so that a table added by a future migration, or one nobody
// expects, stops the copy instead of being left behind.
func checkTables(ctx context.Context, q querier, d dialect) error {
	have, err := listTables(ctx, q, d)
	if err != nil {
		return err
	}
	known := CopyTables()
	for _, name := range have {
		if !slices.Contains(known, name) && !slices.Contains(bookkeepingTables, name) {
			return fmt.Errorf("store: copy: the source holds table %s, which copying does not know: "+
				"a migration added it without teaching store/copy.go, or other software shares the database", name)
		}
	}
	for _, name := range known {
		if !slices.Contains(have, name) {
			return fmt.Errorf("store: copy: the source has no table %s", name)
		}
	}
	return nil
}

// columnKind is how a column's values are carried between dialects.
type columnKind int

const (
	kindInt  columnKind = iota + 1 // INTEGER, BIGINT: times are microseconds
	kindText                       // TEXT, also JSON lists
	kindBool                       // BOOLEAN: an integer 0 or 1 in SQLite, a boolean in PostgreSQL
)

func (k columnKind) String() string {
	switch k {
	case kindInt:
		return "integer"
	case kindText:
		return "text"
	case kindBool:
		return "boolean"
	}
	return "unknown"
}

// kindOf maps a declared type (SQLite's, as written in the migration) or a
// data type (PostgreSQL's information_schema) to the kind of its values.
func kindOf(declared string) (columnKind, bool) {
	t := strings.ToUpper(declared)
	switch {
	case strings.Contains(t, "INT"):
		return kindInt, true
	case strings.Contains(t, "BOOL"):
		return kindBool, true
	case strings.Contains(t, "TEXT"), strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"):
		return kindText, true
	}
	return 0, false
}

type copyColumn struct {
	name string
	kind columnKind
}

// plainIdent is what a table or column name must look like to be written
// into a query unquoted: every name the migrations use does.
var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

func tableColumns(ctx context.Context, q querier, d dialect, table string) ([]copyColumn, error) {
	query := "SELECT name, type FROM pragma_table_info(?) ORDER BY cid"
	if d.name() == "postgres" {
		query = `SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`
	}
	rows, err := q.QueryContext(ctx, query, table)
	if err != nil {
		return nil, fmt.Errorf("store: copy: columns of %s: %w", table, err)
	}
	defer rows.Close()
	var out []copyColumn
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, fmt.Errorf("store: copy: columns of %s: %w", table, err)
		}
		name = strings.ToLower(name)
		if !plainIdent.MatchString(name) {
			return nil, fmt.Errorf("store: copy: column %s.%q has a name copying cannot write", table, name)
		}
		k, ok := kindOf(typ)
		if !ok {
			return nil, fmt.Errorf("store: copy: column %s.%s has type %s, which copying does not know how to carry: teach store/copy.go", table, name, typ)
		}
		out = append(out, copyColumn{name: name, kind: k})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: copy: columns of %s: %w", table, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("store: copy: table %s has no columns", table)
	}
	return out, nil
}

// matchColumns returns the source's columns of table after checking that
// the target has the same ones, of the same kinds: the copy writes every
// column by name and must find a home for each.
func matchColumns(ctx context.Context, table string, src querier, sd dialect, dst querier, dd dialect) ([]copyColumn, error) {
	from, err := tableColumns(ctx, src, sd, table)
	if err != nil {
		return nil, err
	}
	to, err := tableColumns(ctx, dst, dd, table)
	if err != nil {
		return nil, err
	}
	for _, c := range from {
		i := slices.IndexFunc(to, func(x copyColumn) bool { return x.name == c.name })
		if i < 0 {
			return nil, fmt.Errorf("store: copy: column %s.%s is in the source but not in the target", table, c.name)
		}
		if to[i].kind != c.kind {
			return nil, fmt.Errorf("store: copy: column %s.%s is %s in the source but %s in the target", table, c.name, c.kind, to[i].kind)
		}
	}
	for _, c := range to {
		if !slices.ContainsFunc(from, func(x copyColumn) bool { return x.name == c.name }) {
			return nil, fmt.Errorf("store: copy: column %s.%s is in the target but not in the source", table, c.name)
		}
	}
	return from, nil
}

func countRows(ctx context.Context, q querier, table, where string) (int, error) {
	query := "SELECT COUNT(*) FROM " + table
	if where != "" {
		query += " WHERE " + where
	}
	var n int
	err := q.QueryRowContext(ctx, query).Scan(&n)
	return n, err
}

// checkEmpty refuses a target that holds rows: merging two installations
// would make ids collide or, worse, silently mix two lists of subscribers.
func checkEmpty(ctx context.Context, q querier, tables []copyTable) error {
	var full []string
	for _, t := range tables {
		where := ""
		if t.seed != "" {
			where = "NOT (" + t.seed + ")"
		}
		n, err := countRows(ctx, q, t.name, where)
		if err != nil {
			return fmt.Errorf("store: copy: count %s in the target: %w", t.name, err)
		}
		if n == 1 {
			full = append(full, t.name+" (1 row)")
		} else if n > 0 {
			full = append(full, fmt.Sprintf("%s (%d rows)", t.name, n))
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("store: copy: the target is not empty: table %s; copy into a new, empty database",
			strings.Join(full, ", table "))
	}
	return nil
}

// resetSequences moves every identity sequence of the copied tables past
// the highest id copied: rows were inserted with their ids, which does not
// advance a sequence, and the next subscriber would otherwise get id 1.
func resetSequences(ctx context.Context, q querier, tables []copyTable) error {
	rows, err := q.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')
ORDER BY table_name, column_name`)
	if err != nil {
		return fmt.Errorf("store: copy: list identity columns: %w", err)
	}
	type ident struct{ table, column string }
	var idents []ident
	for rows.Next() {
		var id ident
		if err := rows.Scan(&id.table, &id.column); err != nil {
			rows.Close()
			return fmt.Errorf("store: copy: list identity columns: %w", err)
		}
		idents = append(idents, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: copy: list identity columns: %w", err)
	}
	for _, id := range idents {
		if !slices.ContainsFunc(tables, func(t copyTable) bool { return t.name == id.table }) || !plainIdent.MatchString(id.column) {
			continue
		}
		// is_called false: the next value handed out is MAX + 1 itself,
		// and 1 for an empty table, as on a new database.
		_, err := q.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX("+id.column+"), 0) + 1, false) FROM "+id.table,
			id.table, id.column)
		if err != nil {
			return fmt.Errorf("store: copy: reset the sequence of %s.%s: %w", id.table, id.column, err)
		}
	}
	return nil
}

// copier streams rows from the source's snapshot into the target's
// transaction.
type copier struct {
	src, dst querier
	to       dialect
	opts     CopyOptions
	done     int
	total    int
}

// batch is the rows of one INSERT, flat: row i is args[i*width:(i+1)*width].
type batch struct {
	width int
	args  []any
	bytes int
}

func (b *batch) rows() int { return len(b.args) / b.width }

func (b *batch) row(i int) []any { return b.args[i*b.width : (i+1)*b.width] }

func (c *copier) copyTable(ctx context.Context, t copyTable, cols []copyColumn) error {
	names := make([]string, len(cols))
	for i, col := range cols {
		names[i] = col.name
	}
	keyIdx := make([]int, len(t.key))
	for i, k := range t.key {
		if keyIdx[i] = slices.Index(names, k); keyIdx[i] < 0 {
			return fmt.Errorf("store: copy %s: the table has no column %s to order by", t.name, k)
		}
	}
	maxRows := c.opts.BatchRows
	if maxRows <= 0 {
		maxRows = defaultBatchRows
	}
	maxRows = max(1, min(maxRows, maxBatchParams/len(cols)))
	// The statement of a full batch is built once: it is the same text for
	// every batch, which PostgreSQL's driver then prepares only once.
	fullInsert := c.insertSQL(t.name, names, maxRows)

	rows, err := c.src.QueryContext(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+t.name+" ORDER BY "+strings.Join(t.key, ", "))
	if err != nil {
		return fmt.Errorf("store: copy %s: read the source: %w", t.name, err)
	}
	defer rows.Close()

	dest := make([]any, len(cols))
	for i, col := range cols {
		switch col.kind {
		case kindInt:
			dest[i] = new(sql.NullInt64)
		case kindBool:
			dest[i] = new(sql.NullBool)
		default:
			dest[i] = new(sql.NullString)
		}
	}
	b := &batch{width: len(cols), args: make([]any, 0, maxRows*len(cols))}
	// The key of the last row read, copied out of the batch, whose memory
	// the next batch reuses: it names where a failed read stopped.
	var lastKey []any
	readErr := func(err error) error {
		if lastKey == nil {
			return fmt.Errorf("store: copy %s: read the first row: %w", t.name, err)
		}
		return fmt.Errorf("store: copy %s: read the row after %s: %w", t.name, keyName(t, lastKey), err)
	}
	flush := func() error {
		if b.rows() == 0 {
			return nil
		}
		query := fullInsert
		if b.rows() != maxRows {
			query = c.insertSQL(t.name, names, b.rows())
		}
		if err := c.insertBatch(ctx, t, names, keyIdx, query, b); err != nil {
			return err
		}
		c.done += b.rows()
		if c.opts.Progress != nil {
			c.opts.Progress(c.done, c.total)
		}
		b.args, b.bytes = b.args[:0], 0
		return nil
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return readErr(err)
		}
		start := len(b.args)
		for _, d := range dest {
			switch v := d.(type) {
			case *sql.NullInt64:
				b.args = append(b.args, nullable(v.Int64, v.Valid))
				b.bytes += 8
			case *sql.NullBool:
				b.args = append(b.args, nullable(v.Bool, v.Valid))
				b.bytes++
			case *sql.NullString:
				b.args = append(b.args, nullable(v.String, v.Valid))
				b.bytes += len(v.String)
			}
		}
		row := b.args[start:]
		if c.to.name() == "postgres" {
			if err := checkPostgresText(t, cols, keyIdx, row); err != nil {
				return err
			}
		}
		if lastKey == nil {
			lastKey = make([]any, len(keyIdx))
		}
		for i, k := range keyIdx {
			lastKey[i] = row[k]
		}
		if b.rows() >= maxRows || b.bytes >= maxBatchBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return readErr(err)
	}
	return flush()
}

func nullable[T any](v T, valid bool) any {
	if !valid {
		return nil
	}
	return v
}

// checkPostgresText catches, with the row's name, the text that SQLite
// keeps but PostgreSQL refuses: NUL characters and bytes that are not
// UTF-8.
func checkPostgresText(t copyTable, cols []copyColumn, keyIdx []int, row []any) error {
	for i, col := range cols {
		s, ok := row[i].(string)
		if !ok || col.kind != kindText {
			continue
		}
		if !utf8.ValidString(s) {
			return fmt.Errorf("store: copy %s: row %s: column %s is not UTF-8 text, which PostgreSQL refuses", t.name, rowName(t, keyIdx, row), col.name)
		}
		if strings.IndexByte(s, 0) >= 0 {
			return fmt.Errorf("store: copy %s: row %s: column %s holds a NUL character, which PostgreSQL refuses", t.name, rowName(t, keyIdx, row), col.name)
		}
	}
	return nil
}

func (c *copier) insertSQL(table string, names []string, rows int) string {
	one := "(" + strings.Repeat("?, ", len(names)-1) + "?)"
	var q strings.Builder
	q.Grow(len(table) + 64 + rows*(len(one)+2))
	q.WriteString("INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES ")
	for i := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(one)
	}
	return c.to.rebind(q.String())
}

// insertBatch writes one batch behind a savepoint. When the batch fails,
// it goes back to the savepoint and inserts the rows one at a time, to
// name the row at fault rather than a thousand candidates.
func (c *copier) insertBatch(ctx context.Context, t copyTable, names []string, keyIdx []int, query string, b *batch) error {
	if _, err := c.dst.ExecContext(ctx, "SAVEPOINT bantin_copy"); err != nil {
		return fmt.Errorf("store: copy %s: %w", t.name, err)
	}
	_, batchErr := c.dst.ExecContext(ctx, query, b.args...)
	if batchErr == nil {
		if _, err := c.dst.ExecContext(ctx, "RELEASE SAVEPOINT bantin_copy"); err != nil {
			return fmt.Errorf("store: copy %s: %w", t.name, err)
		}
		return nil
	}
	first, last := rowName(t, keyIdx, b.row(0)), rowName(t, keyIdx, b.row(b.rows()-1))
	if ctx.Err() != nil {
		return fmt.Errorf("store: copy %s: rows %s to %s: %w", t.name, first, last, batchErr)
	}
	if _, err := c.dst.ExecContext(ctx, "ROLLBACK TO SAVEPOINT bantin_copy"); err != nil {
		return fmt.Errorf("store: copy %s: rows %s to %s: %w", t.name, first, last, batchErr)
	}
	single := c.insertSQL(t.name, names, 1)
	for i := range b.rows() {
		row := b.row(i)
		if _, err := c.dst.ExecContext(ctx, single, row...); err != nil {
			return fmt.Errorf("store: copy %s: row %s: %w", t.name, rowName(t, keyIdx, row), err)
		}
	}
	return fmt.Errorf("store: copy %s: rows %s to %s: %w", t.name, first, last, batchErr)
}

// rowName names a row by its key: (edition_id=3, subscriber_id=17).
func rowName(t copyTable, keyIdx []int, row []any) string {
	key := make([]any, len(keyIdx))
	for i, k := range keyIdx {
		key[i] = row[k]
	}
	return keyName(t, key)
}

func keyName(t copyTable, key []any) string {
	parts := make([]string, len(key))
	for i, v := range key {
		if s, ok := v.(string); ok {
			parts[i] = fmt.Sprintf("%s=%q", t.key[i], s)
		} else {
			parts[i] = fmt.Sprintf("%s=%v", t.key[i], v)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
