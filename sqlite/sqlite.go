// Package sqlite implements meetingintel.Store on an embedded SQLite database
// (modernc.org/sqlite, pure Go): WAL, foreign keys and embedded migrations.
//
// The queries both stores share live in internal/sqlstore, which this
// package embeds with its Dialect; here are the connections, the
// migrations, search's index handle (search.go) and the bulk insert of a
// transcript (segments.go); the search flow itself is sqlstore's.
// Visibility is enforced in every query that touches a meeting or
// something linked to one, so a meeting the actor may not see is ENOTFOUND
// everywhere. Writes go through one connection (SQLite has one writer
// anyway), so concurrent requests queue in Go instead of failing with
// SQLITE_BUSY; reads use a separate pool and never wait for writers (WAL).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/sqlstore"
	"github.com/meetingintel/meetingintel/postings"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Connection settings. The page cache is modest (8 MiB per connection) to keep
// memory small; WAL with synchronous=NORMAL is durable against application
// crashes and loses at most the last transactions on power loss, which is the
// usual trade for a tenfold faster commit.
const (
	busyTimeout  = 10 * time.Second
	cacheSizeKiB = 8 << 10
	maxReaders   = 4
)

// DB is a meetingintel.Store backed by one SQLite file.
type DB struct {
	*sqlstore.Store

	path   string
	writer *sql.DB   // one connection: serialises writers
	reader *readPool // a small pool for reads, its statements kept prepared

	// search is the in-process search index (see search.go).
	search *postings.Live
}

var (
	_ meetingintel.Store        = (*DB)(nil)
	_ meetingintel.OAuthStore   = (*DB)(nil)
	_ meetingintel.SessionStore = (*DB)(nil)
)

// dialect is what SQLite does differently from PostgreSQL.
var dialect = &sqlstore.Dialect{
	Name:           "sqlite",
	Greatest:       "max",
	Strpos:         "instr",
	FoldEq:         "%s = ? COLLATE NOCASE",
	IDList:         `SELECT value FROM json_each(?)`,
	PairList:       `(SELECT json_extract(value, '$[0]') AS m, json_extract(value, '$[1]') AS s FROM json_each(?)) AS h`,
	IsUnique:       isUnique,
	IsForeignKey:   isForeignKey,
	InsertSegments: insertSegments,
}

// Open opens (creating if needed) the database file at path, sets WAL,
// foreign keys and a busy timeout, and applies the embedded migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite: database path is required")
	}
	dsn := func(txlock string) string {
		q := url.Values{}
		for _, p := range []string{
			"busy_timeout(" + strconv.Itoa(int(busyTimeout/time.Millisecond)) + ")",
			"journal_mode(WAL)",
			"foreign_keys(1)",
			"synchronous(NORMAL)",
			"cache_size(-" + strconv.Itoa(cacheSizeKiB) + ")",
			"temp_store(MEMORY)",
		} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", txlock)
		q.Set("_time_format", "sqlite")
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	}
	// The writer begins IMMEDIATE transactions so a transaction that reads
	// and then writes never has to upgrade its lock (a source of SQLITE_BUSY).
	w, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db := &DB{Store: sqlstore.New(nil, w, dialect), path: path, writer: w}
	db.search = postings.NewLive(db.SearchFeed())
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := db.Migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn("deferred"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := min(runtime.GOMAXPROCS(0)*2, maxReaders)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.reader = newReadPool(r)
	db.R, db.Reads = r, db.reader
	return db, nil
}

// Close closes both connection pools.
func (db *DB) Close() error {
	var errs []error
	if db.reader != nil {
		errs = append(errs, db.reader.Close())
	}
	// Checkpoint and truncate the WAL so a closed database is one file.
	_, _ = db.writer.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	errs = append(errs, db.writer.Close())
	return errors.Join(errs...)
}

// Migrate applies the embedded migrations not yet recorded in
// schema_migrations, in name order, each in its own transaction. It is
// idempotent; Open calls it.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.writer.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("sqlite: create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("sqlite: migration %s: name must be NNN_name.sql", base)
		}
		if migrateUpTo > 0 && version > migrateUpTo {
			break
		}
		if err := db.migrate(ctx, version, base, name); err != nil {
			return err
		}
	}
	return nil
}

// migrateUpTo, when positive, stops Migrate after that version; tests use
// it to populate an older schema before the migrations that follow it.
var migrateUpTo int

// rebuildMarker, as a migration's first line, asks for SQLite's 12-step
// table rebuild (https://sqlite.org/lang_altertable.html#otheralter):
// foreign keys are switched off on the connection before BEGIN (the pragma
// is a no-op inside a transaction), checked with foreign_key_check before
// COMMIT and switched back on, so DROP TABLE of a referenced table neither
// cascades nor fails.
const rebuildMarker = "-- migrate: foreign_keys=off"

func (db *DB) migrate(ctx context.Context, version int, base, name string) (err error) {
	body, err := migrationFS.ReadFile(name)
	if err != nil {
		return err
	}
	rebuild := strings.HasPrefix(string(body), rebuildMarker)
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", base, err)
	}
	defer conn.Close()
	if rebuild {
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
		defer func() {
			if _, onErr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); onErr != nil && err == nil {
				err = fmt.Errorf("sqlite: migration %s: foreign keys back on: %w", base, onErr)
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", base, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", base, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", base, err)
	}
	if rebuild {
		rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
		bad := rows.Next()
		rows.Close()
		if bad {
			return fmt.Errorf("sqlite: migration %s: it leaves rows whose foreign keys point nowhere", base)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		version, base, db.Now().UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", base, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", base, err)
	}
	return nil
}

// internal wraps an unexpected database error; its details stay out of the
// user's message (ErrorMessage shows a generic one).
func internal(err error) error { return sqlstore.Internal("sqlite", err) }

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation (WITHOUT
// ROWID tables report the latter apart).
func isUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// isForeignKey reports whether err is a FOREIGN KEY violation.
func isForeignKey(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}
