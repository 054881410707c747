// Package postgres implements meetingintel.Store, OAuthStore and SessionStore
// on PostgreSQL (pgx), for instances that run several replicas on one
// database. It behaves as the sqlite package does, down to error codes,
// messages and paging, and passes the same test suite (storetest).
//
// The queries both stores share live in internal/sqlstore, which this
// package embeds with its Dialect, over database/sql through pgx's stdlib
// adapter (the same pgx pool underneath); here are the pool, the
// migrations, search's index handle (search.go) and the bulk insert of a
// transcript (segments.go); the search flow itself is sqlstore's.
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
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/sqlstore"
	"github.com/meetingintel/meetingintel/postings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is a meetingintel.Store backed by a PostgreSQL connection pool.
type DB struct {
	*sqlstore.Store

	pool *pgxpool.Pool // the native pool, for search and migrations
	sql  *sql.DB       // the same pool through database/sql, for sqlstore

	// search is the in-process search index (see search.go).
	search *postings.Live
}

var (
	_ meetingintel.Store        = (*DB)(nil)
	_ meetingintel.OAuthStore   = (*DB)(nil)
	_ meetingintel.SessionStore = (*DB)(nil)
)

// pairList is Dialect.PairList: the table h(m, s) of a JSON array of pairs.
const pairList = `(SELECT CAST(e.value->>0 AS bigint) AS m, CAST(e.value->>1 AS bigint) AS s
	FROM jsonb_array_elements(CAST(? AS jsonb)) AS e(value)) AS h`

// dialect is what PostgreSQL does differently from SQLite. Several replicas
// write at once, so rows are locked where SQLite's single writer needs no
// lock, and deadlocks and serialization failures (transient: the caller
// should not see them) run the transaction again.
var dialect = &sqlstore.Dialect{
	Name:         "postgres",
	Numbered:     true,
	RowLocks:     true,
	Greatest:     "greatest",
	Strpos:       "strpos",
	FoldEq:       "lower(%s) = lower(?)",
	ByteOrder:    ` COLLATE "C"`,
	IDList:       `SELECT CAST(jsonb_array_elements_text(CAST(? AS jsonb)) AS bigint)`,
	PairList:     pairList,
	IsUnique:     isUnique,
	IsForeignKey: isForeignKey,
	Retryable:    retryable,
	Lock: func(ctx context.Context, tx *sql.Tx, a, b string) error {
		_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, a, b)
		return err
	},
	InsertSegments: insertSegments,
}

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
	sdb := stdlib.OpenDBFromPool(pool)
	db := &DB{Store: sqlstore.New(sdb, sdb, dialect), pool: pool, sql: sdb}
	db.search = postings.NewLive(db.SearchFeed())
	if err := pool.Ping(ctx); err != nil {
		sdb.Close()
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", cfg.ConnConfig.Host, err)
	}
	if err := db.Migrate(ctx); err != nil {
		sdb.Close()
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the connection pool, waiting for connections in use.
func (db *DB) Close() error {
	err := db.sql.Close()
	db.pool.Close()
	return err
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
			version, base, db.Now().UnixMilli()); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", base, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// retryable reports whether err is a transient conflict between
// transactions (serialization_failure, deadlock_detected).
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// internal wraps an unexpected database error; its details stay out of the
// user's message (ErrorMessage shows a generic one). Transient conflicts
// stay recognisable so write can retry them.
func internal(err error) error { return sqlstore.Internal("postgres", err) }

// isUnique reports whether err is a unique or primary key violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// isForeignKey reports whether err is a foreign key violation.
func isForeignKey(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}
