package sqlite

import (
	"context"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/auditsql"
)

// RecordAudit appends one row to the audit trail.
func (db *DB) RecordAudit(ctx context.Context, e *meetingintel.AuditEntry) error {
	e.Normalize()
	res, err := db.writer.ExecContext(ctx, auditsql.Insert, auditsql.InsertArgs(e, msArg)...)
	if err != nil {
		return internal(err)
	}
	e.ID, err = res.LastInsertId()
	return internal(err)
}

func msArg(t time.Time) any { return ms(t) }

// FindAudit returns the rows f selects, newest first (admins only).
func (db *DB) FindAudit(ctx context.Context, f meetingintel.AuditFilter) ([]*meetingintel.AuditEntry, string, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	q, err := auditsql.Select(u, f, msArg)
	if err != nil {
		return nil, "", err
	}
	rows, err := db.reader.QueryContext(ctx, q.SQL, q.Args...)
	if err != nil {
		return nil, "", internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.AuditEntry{}
	for rows.Next() {
		var at int64
		e, err := auditsql.Scan(rows, &at, func() time.Time { return fromMS(at) })
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
	res, err := db.writer.ExecContext(ctx, `DELETE FROM audit_log WHERE at < ?`, ms(before))
	if err != nil {
		return 0, internal(err)
	}
	n, err := res.RowsAffected()
	return n, internal(err)
}
