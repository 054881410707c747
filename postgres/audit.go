package postgres

import (
	"context"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/auditsql"
)

// auditInsert is the shared insert, numbered for pgx, returning the id.
var auditInsert = auditsql.Number(auditsql.Insert + ` RETURNING id`)

func timeArg(t time.Time) any { return t.UTC() }

// RecordAudit appends one row to the audit trail.
func (db *DB) RecordAudit(ctx context.Context, e *meetingintel.AuditEntry) error {
	e.Normalize()
	return internal(db.pool.QueryRow(ctx, auditInsert, auditsql.InsertArgs(e, timeArg)...).Scan(&e.ID))
}

// FindAudit returns the rows f selects, newest first (admins only).
func (db *DB) FindAudit(ctx context.Context, f meetingintel.AuditFilter) ([]*meetingintel.AuditEntry, string, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	q, err := auditsql.Select(u, f, timeArg)
	if err != nil {
		return nil, "", err
	}
	rows, err := db.pool.Query(ctx, auditsql.Number(q.SQL), q.Args...)
	if err != nil {
		return nil, "", internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.AuditEntry{}
	for rows.Next() {
		var at time.Time
		e, err := auditsql.Scan(rows, &at, func() time.Time { return at.UTC() })
		if err != nil {
			return nil, "", internal(err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", internal(err)
	}
	out, next := q.Page(out)
	return out, next, nil
}

// DeleteAuditBefore removes rows older than before.
func (db *DB) DeleteAuditBefore(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM audit_log WHERE at < $1`, before.UTC())
	if err != nil {
		return 0, internal(err)
	}
	return tag.RowsAffected(), nil
}

// CountRate adds one to key's counter for the window starting at window
// and returns the new count: one atomic upsert, so replicas sharing the
// database share the limit without a lock.
func (db *DB) CountRate(ctx context.Context, key string, window time.Time) (int64, error) {
	var n int64
	err := db.pool.QueryRow(ctx, `INSERT INTO rate_counters (key, window_start, count) VALUES ($1, $2, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1 RETURNING count`,
		key, window.UTC()).Scan(&n)
	return n, internal(err)
}

// SweepRates removes the counters of windows that started before before.
func (db *DB) SweepRates(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM rate_counters WHERE window_start < $1`, before.UTC())
	if err != nil {
		return 0, internal(err)
	}
	return tag.RowsAffected(), nil
}
