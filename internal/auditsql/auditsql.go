// Package auditsql holds the SQL of the audit trail that both stores share:
// the columns, the insert and the filtered, keyset-paged select, written
// once with a placeholder hook. It moves into the shared store core when
// that lands; until then sqlite and postgres call it from their audit.go.
package auditsql

import (
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/keyset"
)

// Cols are the columns of audit_log in the order Scan and Insert use.
const Cols = `id, at, COALESCE(user_id, 0), user_email, via, client, action, tool, COALESCE(workspace_id, 0), workspace, target_type, target_id, outcome`

// Insert is the INSERT of one row (without id), in `?` form: 12 values in
// the order of InsertArgs.
const Insert = `INSERT INTO audit_log (at, user_id, user_email, via, client, action, tool, workspace_id, workspace, target_type, target_id, outcome)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// InsertArgs are Insert's values for e, the time converted by at.
func InsertArgs(e *meetingintel.AuditEntry, at func(time.Time) any) []any {
	return []any{at(e.At), nullID(e.UserID), e.UserEmail, e.Via, e.Client, e.Action, e.Tool,
		nullID(e.WorkspaceID), e.Workspace, e.TargetType, e.TargetID, e.Outcome}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Query is a filtered select, ready for a database: SQL in `?` form, its
// arguments and the page size asked of it (one more than the page, to
// know whether a next page exists).
type Query struct {
	SQL   string
	Args  []any
	Limit int
}

// Select builds the query of f, newest first. It checks the caller may
// read the trail (fail closed) and the cursor.
func Select(u *meetingintel.User, f meetingintel.AuditFilter, at func(time.Time) any) (*Query, error) {
	if !meetingintel.CanReadAudit(u) {
		return nil, meetingintel.Errorf(meetingintel.EFORBIDDEN, "Only an admin may read the audit trail.")
	}
	cur, err := keyset.Decode(f.Cursor, "audit")
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = meetingintel.DefaultAuditLimit
	}
	limit = min(limit, meetingintel.MaxAuditLimit)
	var where []string
	var args []any
	add := func(clause string, v any) { where, args = append(where, clause), append(args, v) }
	if v := strings.ToLower(strings.TrimSpace(f.User)); v != "" {
		add(`user_email = ?`, v)
	}
	if v := strings.TrimSpace(f.Client); v != "" {
		add(`client = ?`, v)
	}
	if v := strings.TrimSpace(f.Action); strings.HasSuffix(v, ".") {
		// A family ("meeting."): a range, so the index serves it and no
		// LIKE wildcard in the value can widen it.
		where = append(where, `action >= ? AND action < ?`)
		args = append(args, v, v[:len(v)-1]+"/")
	} else if v != "" {
		add(`action = ?`, v)
	}
	if !f.Since.IsZero() {
		add(`at >= ?`, at(f.Since))
	}
	if !f.Until.IsZero() {
		add(`at < ?`, at(f.Until))
	}
	if cur != nil {
		add(`id < ?`, cur.ID)
	}
	q := `SELECT ` + Cols + ` FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	return &Query{SQL: q, Args: args, Limit: limit}, nil
}

// Page trims rows fetched by q to the page and returns the next cursor.
func (q *Query) Page(rows []*meetingintel.AuditEntry) ([]*meetingintel.AuditEntry, string) {
	if len(rows) <= q.Limit {
		return rows, ""
	}
	rows = rows[:q.Limit]
	return rows, keyset.Encode(keyset.Cursor{T: "audit", ID: rows[q.Limit-1].ID})
}

// Scanner is a row being read (sql.Rows, pgx.Rows).
type Scanner interface{ Scan(dest ...any) error }

// Scan reads one row of Cols; the time column is read into at, which
// the store converts with toTime.
func Scan(sc Scanner, at any, toTime func() time.Time) (*meetingintel.AuditEntry, error) {
	var e meetingintel.AuditEntry
	if err := sc.Scan(&e.ID, at, &e.UserID, &e.UserEmail, &e.Via, &e.Client, &e.Action, &e.Tool,
		&e.WorkspaceID, &e.Workspace, &e.TargetType, &e.TargetID, &e.Outcome); err != nil {
		return nil, err
	}
	e.At = toTime()
	return &e, nil
}

// Number rewrites each `?` of q as $1, $2, ... (PostgreSQL). The audit
// queries hold no quoted `?`.
func Number(q string) string {
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}
