// Package postgres implements meetingintel.Store, OAuthStore and SessionStore
// on PostgreSQL (pgx, a tsvector column with a GIN index for search), for
// instances that run several replicas on one database. It behaves as the
// sqlite package does, down to error codes, messages and paging, and passes
// the same test suite (storetest).
//
// Visibility is enforced in every query that touches a meeting or something
// linked to one, so a meeting the actor may not see is ENOTFOUND everywhere.
// Everything another replica must see lives in the database: this package
// keeps no state between calls but its connection pool. Migrations are
// embedded and applied at Open under an advisory lock, so replicas starting
// together apply each one once.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/postings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// txAttempts is how many times a transaction runs when PostgreSQL aborts it
// for a deadlock or a serialization failure: both are transient, and the
// caller should not see them.
const txAttempts = 3

// DB is a meetingintel.Store backed by a PostgreSQL connection pool.
type DB struct {
	pool *pgxpool.Pool

	// now is the clock, replaceable in tests.
	now func() time.Time

	// search is the in-process search index (see search.go).
	search *postings.Live
}

var _ meetingintel.Store = (*DB)(nil)

// Open connects to the database at url (postgres://user:pass@host/db?...;
// pgx's parameters apply, e.g. pool_max_conns, and any other parameter is
// sent as a run-time setting, e.g. search_path) and applies the embedded
// migrations.
func Open(ctx context.Context, url string) (*DB, error) {
	if url == "" {
		return nil, fmt.Errorf("postgres: database URL is required")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, fmt.Errorf("postgres: the database URL is malformed")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db := &DB{pool: pool, now: time.Now}
	db.search = postings.NewLive(feed{db})
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", cfg.ConnConfig.Host, err)
	}
	if err := db.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the connection pool, waiting for connections in use.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return internal(err)
	}
	return nil
}

// Migrate applies the embedded migrations not yet recorded in
// schema_migrations, in name order, in one transaction holding an advisory
// lock for the current schema: a replica starting while another migrates
// waits, then finds the work done. It is idempotent; Open calls it.
func (db *DB) Migrate(ctx context.Context) error {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('meetingintel.migrate'), hashtext(coalesce(current_schema(), '')))`); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text    NOT NULL,
		applied_at bigint  NOT NULL
	)`); err != nil {
		return fmt.Errorf("postgres: create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("postgres: migration %s: name must be NNN_name.sql", base)
		}
		if applied[version] {
			continue
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return err
		}
		// Without arguments pgx uses the simple protocol: one call runs
		// every statement of the file.
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", base, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			version, base, db.now().UnixMilli()); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", base, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// queryer is what *pgxpool.Pool and pgx.Tx share, so lookups run in either.
type queryer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// write runs fn in a transaction and commits when fn returns nil; on any
// error nothing is stored. A deadlock or serialization failure runs fn
// again (fn must set its outputs afresh each time, as they all do).
func (db *DB) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var err error
	for attempt := 1; attempt <= txAttempts; attempt++ {
		err = db.tryWrite(ctx, fn)
		if !retryable(err) {
			return err
		}
	}
	return err
}

func (db *DB) tryWrite(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return internal(err)
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return internal(err)
	}
	return nil
}

// retryable reports whether err is a transient conflict between
// transactions (serialization_failure, deadlock_detected).
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// actor returns the acting user of ctx, or EUNAUTHORIZED: store methods fail
// closed when no one is acting.
func actor(ctx context.Context) (*meetingintel.User, error) {
	u := meetingintel.UserFromContext(ctx)
	if u == nil || strings.TrimSpace(u.Email) == "" {
		return nil, meetingintel.Errorf(meetingintel.EUNAUTHORIZED, "Sign in to do this.")
	}
	return u, nil
}

// args collects the arguments of a query built piece by piece; add returns
// the placeholder of the value it appends.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// canSee returns the SQL predicate for "u may see meeting m" (DESIGN §1),
// its arguments appended to a.
func canSee(a *args, u *meetingintel.User) string {
	email := a.add(strings.ToLower(strings.TrimSpace(u.Email)))
	return `(m.visibility = 'team' OR ` + a.add(u.Admin) + `::boolean OR m.created_by = ` + email + ` OR EXISTS (
	SELECT 1 FROM meeting_attendees va WHERE va.meeting_id = m.id AND va.email = ` + email + `))`
}

// internal wraps an unexpected database error; its details stay out of the
// user's message (ErrorMessage shows a generic one). Transient conflicts
// stay recognisable so write can retry them.
func internal(err error) error {
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
	return fmt.Errorf("postgres: %w", err)
}

// isUnique reports whether err is a unique or primary key violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func notFound(what string, id int64) error {
	return meetingintel.Errorf(meetingintel.ENOTFOUND, "%s %d not found.", what, id)
}

// ms and fromMS convert times to and from stored UTC unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := fromMS(*v)
	return &t
}

// nullMS stores an optional time.
func nullMS(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := ms(*t)
	return &v
}

// clampLimit applies a default and an upper bound to a page size.
func clampLimit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	return min(n, max)
}
