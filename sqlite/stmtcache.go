package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
)

// maxCachedStmts bounds the read pool's prepared statements. The store's
// queries are built from fixed fragments with ? placeholders, so their
// distinct texts are few (well under a hundred); a text beyond the bound
// simply runs unprepared.
const maxCachedStmts = 256

// readPool is the read connection pool with its statements kept prepared.
//
// Why: modernc's driver parses and plans the SQL of every QueryContext
// afresh; under an MCP list_meetings load, sqlite3Prepare of the visibility
// query and the token lookup was half the store's CPU (docs/benchmarks-mcp.md,
// "Where the time goes"). A *sql.Stmt prepares once per connection and is
// reused, safely from any goroutine; SQLite re-prepares it by itself after a
// schema change (sqlite3_prepare_v2).
type readPool struct {
	*sql.DB

	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
	off   atomic.Bool // every query unprepared, as before: the benchmarks' baseline
}

func newReadPool(db *sql.DB) *readPool {
	return &readPool{DB: db, stmts: map[string]*sql.Stmt{}}
}

// stmt returns the prepared statement of query, preparing it on first use;
// nil when the cache is full or the query does not prepare (the caller
// then runs it unprepared and gets the driver's own error, if any).
func (p *readPool) stmt(ctx context.Context, query string) *sql.Stmt {
	if p.off.Load() {
		return nil
	}
	p.mu.RLock()
	st, ok := p.stmts[query]
	n := len(p.stmts)
	p.mu.RUnlock()
	if ok || n >= maxCachedStmts {
		return st
	}
	st, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.stmts[query]; ok { // prepared meanwhile by another caller
		st.Close()
		return old
	}
	if p.stmts == nil { // closed meanwhile
		st.Close()
		return nil
	}
	p.stmts[query] = st
	return st
}

// QueryContext runs query on its prepared statement.
func (p *readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query on its prepared statement.
func (p *readPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}

// Close closes the statements, then the pool.
func (p *readPool) Close() error {
	p.mu.Lock()
	stmts := p.stmts
	p.stmts = nil
	p.mu.Unlock()
	var errs []error
	for _, st := range stmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(append(errs, p.DB.Close())...)
}
