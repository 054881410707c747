package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/audit"
	"github.com/meetingintel/meetingintel/postgres"
	"github.com/meetingintel/meetingintel/sqlite"
)

// DefaultDBPath is where the embedded database lives unless told otherwise.
const DefaultDBPath = "./data/meetingintel.db"

// dbFlags are the database flags every command takes (DESIGN §3).
type dbFlags struct {
	path string
	url  string
}

// newDBFlagSet returns a command's flag set with the database flags
// registered on it.
func newDBFlagSet(name string, e env) (*flag.FlagSet, *dbFlags) {
	fs := newFlagSet(name, e)
	d := new(dbFlags)
	fs.StringVar(&d.path, "db", "", "SQLite database file (default "+DefaultDBPath+")")
	fs.StringVar(&d.url, "database-url", "", "database URL, e.g. postgres://... (default $DATABASE_URL)")
	return fs, d
}

// dbLocation says where a store lives: for people (a path, or a URL with
// its password hidden) and, for SQLite, the file (the local JWT secret is
// kept beside it).
type dbLocation struct {
	display    string
	sqlitePath string
}

// open opens the store, its writes audited (package audit): every command
// and every edge of serve writes through it, so each write is recorded
// once. See openRaw for where.
func (d *dbFlags) open(ctx context.Context, e env) (meetingintel.Store, dbLocation, error) {
	s, where, err := d.openRaw(ctx, e)
	if err != nil {
		return nil, where, err
	}
	return audit.Wrap(s, nil), where, nil
}

// raw returns the store under the audit decorator, for the interfaces it
// does not carry (sessions, OAuth, rate counters).
func raw(s meetingintel.Store) meetingintel.Store {
	if w, ok := s.(*audit.Store); ok {
		return w.Unwrap()
	}
	return s
}

// openRaw opens the store: --database-url, else --db, else DATABASE_URL, else
// the default SQLite file. Flags win over the environment. The path it
// returns is the SQLite file's, "" for PostgreSQL (whose secrets, such as
// JWT_SECRET, then cannot be kept beside the database).
func (d *dbFlags) openRaw(ctx context.Context, e env) (meetingintel.Store, dbLocation, error) {
	url, path := d.url, d.path
	if url == "" && path == "" {
		url = e.getenv("DATABASE_URL")
	}
	if url != "" {
		switch {
		case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
			db, err := postgres.Open(ctx, url)
			if err != nil {
				return nil, dbLocation{}, fmt.Errorf("open database %s: %w", redactURL(url), err)
			}
			return db, dbLocation{display: redactURL(url)}, nil
		case strings.HasPrefix(url, "sqlite:"):
			path = strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		default:
			return nil, dbLocation{}, fmt.Errorf("DATABASE_URL: unsupported scheme in %q (want postgres:// or sqlite:PATH)", redactURL(url))
		}
	}
	if path == "" {
		path = DefaultDBPath
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, dbLocation{}, fmt.Errorf("database folder: %w", err)
		}
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, dbLocation{}, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, dbLocation{display: path, sqlitePath: path}, nil
}

// redactURL hides a password in a database URL.
func redactURL(u string) string {
	if at := strings.LastIndex(u, "@"); at > 0 {
		if scheme := strings.Index(u, "://"); scheme >= 0 && scheme < at {
			return u[:scheme+3] + "[redacted]" + u[at:]
		}
	}
	return u
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet("meetingintel "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseArgs parses flags anywhere among the arguments (flag stops at the
// first positional one) and returns the positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// findUser finds the user named by an --email flag.
func findUser(ctx context.Context, s meetingintel.Store, email string) (*meetingintel.User, error) {
	if email == "" {
		return nil, usagef("--email is required")
	}
	norm, err := meetingintel.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	u, err := s.FindUserByEmail(ctx, norm)
	if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
		return nil, fmt.Errorf("no user %s (create one with: meetingintel users add --email %s --name NAME)", norm, norm)
	}
	return u, err
}

// actor finds the active user a command acts as and returns a context
// carrying it.
func actor(ctx context.Context, s meetingintel.Store, email string) (context.Context, *meetingintel.User, error) {
	u, err := findUser(ctx, s, email)
	if err != nil {
		return nil, nil, err
	}
	if !u.Active {
		return nil, nil, fmt.Errorf("user %s is deactivated", u.Email)
	}
	return meetingintel.NewContextWithUser(ctx, u), u, nil
}

// parseNoArgs parses the flags of a command that takes no positional
// arguments and refuses stray ones.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	return nil
}

// parseRevokeID reads the one ID positional argument of "tokens revoke"
// and "grants revoke" (what is "token" or "grant").
func parseRevokeID(fs *flag.FlagSet, args []string, what string) (int64, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 0, err
	}
	if len(pos) != 1 {
		return 0, usagef("%ss revoke needs exactly one %s ID (see %ss list)", what, what, what)
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("%s ID must be a positive number, not %q", what, pos[0])
	}
	return id, nil
}

func closeStore(s io.Closer, e env) {
	if err := s.Close(); err != nil {
		fmt.Fprintf(e.stderr, "meetingintel: closing database: %v\n", err)
	}
}
