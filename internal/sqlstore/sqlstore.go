// Package sqlstore holds the SQL both stores share: meetings, transcripts,
// actions, decisions, users, tokens, sessions, single sign-on identities and
// OAuth, written once over database/sql with `?` placeholders. The sqlite
// and postgres packages each hand it their handles and a Dialect (what
// truly differs: placeholders, row locks, a few function names, how a
// constraint violation looks, how a transcript is inserted in bulk), keep
// their migrations and the handle of their search index (a SearchEngine),
// and embed the Store. Search's flow (search.go) is written once here too.
//
// Why one package with dialect hooks and not queries generated per dialect
// (sqlc): the rules a store enforces (who may see what, how updates merge,
// what a conflict means) live in the Go around the SQL, and that Go is what
// the two stores repeated; the SQL itself differs in a handful of words.
// Generating per dialect would keep two copies of every query to review.
//
// Visibility is enforced in every query that touches a meeting or something
// linked to one, so a meeting the actor may not see is ENOTFOUND everywhere.
// The package never logs and never shows a database error's text to users.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// Dialect is what one database does differently. The zero value of a field
// means "nothing to do" where that makes sense (no row locks, no retries).
type Dialect struct {
	// Name prefixes wrapped internal errors ("sqlite", "postgres").
	Name string
	// Numbered is true where placeholders are $1, $2, ... (PostgreSQL).
	Numbered bool
	// RowLocks is true where SELECT ... FOR UPDATE locks rows (PostgreSQL);
	// SQLite's single writer serialises writes already.
	RowLocks bool
	// Greatest is the two-argument maximum function ("max", "greatest").
	Greatest string
	// Strpos is the substring position function taking (haystack, needle)
	// ("instr", "strpos").
	Strpos string
	// FoldEq is the condition "column equals ? ignoring case", %s for the
	// column: SQLite compares NOCASE (its indexes are built so), PostgreSQL
	// lowers both sides.
	FoldEq string
	// ByteOrder is appended to an expression to compare it byte by byte
	// (`COLLATE "C"` in PostgreSQL; SQLite's default already is).
	ByteOrder string
	// IDList is a subquery (`?` form) selecting the integers of a JSON
	// array bound as its one argument (JSONInts): one statement text
	// however many ids, so SQLite's read pool keeps it prepared.
	IDList string
	// PairList is a table h(m, s) (`?` form) of the integer pairs of a JSON
	// array of pairs bound as its one argument.
	PairList string

	// IsUnique reports a unique or primary key violation.
	IsUnique func(error) bool
	// IsForeignKey reports a foreign key violation.
	IsForeignKey func(error) bool
	// Retryable reports a transient conflict between transactions
	// (deadlock, serialization failure) worth running the transaction again.
	Retryable func(error) bool
	// Lock takes a transaction-scoped lock on the pair of keys, so that two
	// replicas doing the same find-or-insert wait for each other; nil where
	// one writer does everything.
	Lock func(ctx context.Context, tx *sql.Tx, a, b string) error

	// InsertSegments stores a new transcript's rows in bulk, the
	// database's fastest way (the shared code adds their search
	// documents). Its queries are in `?` form, as tx takes them.
	InsertSegments func(ctx context.Context, tx *Tx, meetingID int64, segs []meetingintel.Segment) error
}

// txAttempts is how many times a transaction runs when the database aborts
// it for a transient conflict.
const txAttempts = 3

// Store implements the shared part of meetingintel.Store, OAuthStore and
// SessionStore over database/sql handles.
type Store struct {
	// R serves reads; W serves writes. They are one pool in PostgreSQL; in
	// SQLite W is a single connection (one writer) and R a small pool.
	R, W *sql.DB
	// Reads, when set, serves the reads instead of R: SQLite's read pool
	// with its statements kept prepared (modernc's driver parses every
	// query afresh otherwise; pgx caches PostgreSQL's by itself).
	Reads Reader
	// D is the dialect.
	D *Dialect
	// Now is the clock, replaceable in tests.
	Now func() time.Time
	// TrimBatch is how many change numbers a search log sweep deletes per
	// transaction (0: trimBatch); tests lower it to cross batches.
	TrimBatch int64
}

// New returns a Store over r and w speaking d.
func New(r, w *sql.DB, d *Dialect) *Store {
	return &Store{R: r, W: w, D: d, Now: time.Now}
}

// Q rebinds a query written with `?` placeholders to the dialect's.
func (db *Store) Q(q string) string {
	if !db.D.Numbered {
		return q
	}
	return Number(q, 1)
}

// Number rewrites each `?` of q outside quoted strings as $n, $n+1, ...
func Number(q string, n int) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	quoted := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			n++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// queryer is what *sql.DB, *sql.Tx and Tx share, so lookups run in any.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// bound runs queries written with `?` on q, rebound to the dialect.
type bound struct {
	q  queryer
	db *Store
}

func (b bound) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return b.q.ExecContext(ctx, b.db.Q(query), args...)
}

func (b bound) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return b.q.QueryContext(ctx, b.db.Q(query), args...)
}

func (b bound) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return b.q.QueryRowContext(ctx, b.db.Q(query), args...)
}

// Reader is what the read pool answers: *sql.DB's query methods.
type Reader interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// r is the read pool, taking `?` queries.
func (db *Store) r() queryer {
	if db.Reads != nil {
		return bound{db.Reads, db}
	}
	return bound{db.R, db}
}

// Tx is a write transaction taking queries in `?` form, for the shared
// code and the dialects' InsertSegments alike.
type Tx struct {
	bound
	// Raw is the transaction itself, for dialect-specific statements
	// already in the dialect's placeholders.
	Raw *sql.Tx
}

// Internal wraps an unexpected database error as the store does.
func (tx *Tx) Internal(err error) error { return tx.db.internal(err) }

// write runs fn in a write transaction and commits when fn returns nil; on
// any error nothing is stored. A transient conflict runs fn again (fn must
// set its outputs afresh each time, as they all do).
func (db *Store) write(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 1; attempt <= txAttempts; attempt++ {
		err = db.tryWrite(ctx, fn)
		if db.D.Retryable == nil || !db.D.Retryable(err) {
			return err
		}
	}
	return err
}

func (db *Store) tryWrite(ctx context.Context, fn func(tx *Tx) error) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return db.internal(err)
	}
	defer tx.Rollback()
	if err := fn(&Tx{bound{tx, db}, tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return db.internal(err)
	}
	return nil
}

// exec runs one write statement outside a transaction.
func (db *Store) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := db.W.ExecContext(ctx, db.Q(q), args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, db.internal(err)
	}
	return n, nil
}

// lock takes the dialect's lock on (a, b) inside tx, if it has one.
func (db *Store) lock(ctx context.Context, tx *Tx, a, b string) error {
	if db.D.Lock == nil {
		return nil
	}
	return db.internal(db.D.Lock(ctx, tx.Raw, a, b))
}

// forUpdate returns the row-lock clause for the rows of table alias of.
func (db *Store) forUpdate(of string) string {
	if !db.D.RowLocks {
		return ""
	}
	return ` FOR UPDATE OF ` + of
}

// isUnique reports whether err is a unique or primary key violation.
func (db *Store) isUnique(err error) bool { return err != nil && db.D.IsUnique(err) }

// isForeignKey reports whether err is a foreign key violation.
func (db *Store) isForeignKey(err error) bool { return err != nil && db.D.IsForeignKey(err) }

// Actor returns the acting user of ctx, or EUNAUTHORIZED: store methods fail
// closed when no one is acting.
func Actor(ctx context.Context) (*meetingintel.User, error) {
	u := meetingintel.UserFromContext(ctx)
	if u == nil || strings.TrimSpace(u.Email) == "" {
		return nil, meetingintel.Errorf(meetingintel.EUNAUTHORIZED, "Sign in to do this.")
	}
	return u, nil
}

// CanSee is the SQL predicate for "the actor may see meeting m" (DESIGN §1).
// It takes the arguments VisArgs returns.
const CanSee = `(m.visibility = 'team' OR CAST(? AS BOOLEAN) OR m.created_by = ? OR EXISTS (
	SELECT 1 FROM meeting_attendees va WHERE va.meeting_id = m.id AND va.email = ?))`

// VisArgs returns the arguments of CanSee for u.
func VisArgs(u *meetingintel.User) []any {
	email := strings.ToLower(strings.TrimSpace(u.Email))
	return []any{u.Admin, email, email}
}

// MeetingFilterSQL returns the SQL conditions (over meetings m), in `?`
// form, and arguments for date, attendee and tag filters; "" for none.
func (d *Dialect) MeetingFilterSQL(from, to time.Time, attendee, tag string) (string, []any) {
	var conds []string
	var args []any
	if !from.IsZero() {
		conds, args = append(conds, `m.date >= ?`), append(args, MS(from))
	}
	if !to.IsZero() {
		conds, args = append(conds, `m.date < ?`), append(args, MS(to))
	}
	if a := strings.TrimSpace(attendee); a != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM meeting_attendees fa WHERE fa.meeting_id = m.id
			AND (fa.email = ? OR `+fmt.Sprintf(d.FoldEq, "fa.name")+`))`)
		args = append(args, strings.ToLower(a), a)
	}
	if t := strings.ToLower(strings.TrimSpace(tag)); t != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM meeting_tags ft WHERE ft.meeting_id = m.id AND ft.tag = ?)`)
		args = append(args, t)
	}
	return strings.Join(conds, " AND "), args
}

// Internal wraps an unexpected database error of dialect name; its details
// stay out of the user's message (ErrorMessage shows a generic one).
// Application errors and cancellations pass unchanged.
func Internal(name string, err error) error {
	if err == nil {
		return nil
	}
	var me *meetingintel.Error
	if errors.As(err, &me) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

func (db *Store) internal(err error) error { return Internal(db.D.Name, err) }

func notFound(what string, id int64) error {
	return meetingintel.Errorf(meetingintel.ENOTFOUND, "%s %d not found.", what, id)
}

// MS and FromMS convert times to and from stored UTC unix milliseconds.
func MS(t time.Time) int64 { return t.UnixMilli() }

// FromMS is the UTC time of stored unix milliseconds.
func FromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := FromMS(*v)
	return &t
}

// nullMS stores an optional time.
func nullMS(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := MS(*t)
	return &v
}

// nullID stores an optional id: 0 is NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ClampLimit applies a default and an upper bound to a page size.
func ClampLimit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	return min(n, max)
}

// Placeholders returns "?, ?, ..." with n marks.
func Placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// RowMarks returns n "(?, ?, ...)" groups of width marks each.
func RowMarks(n, width int) string {
	row := "(" + Placeholders(width) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// Ping reports whether the database answers (readiness), through the
// handle reads use.
func (db *Store) Ping(ctx context.Context) error {
	var one int
	return db.internal(db.r().QueryRowContext(ctx, `SELECT 1`).Scan(&one))
}
