package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/keyset"
)

// auditCols are the columns of audit_log in the order scanAudit reads.
// The workspace's slug is today's (from workspaces), or the one stored.
const auditCols = `a.id, a.at, COALESCE(a.user_id, 0), a.user_email, a.via, a.client, a.action, a.tool,
	COALESCE(a.workspace_id, 0), COALESCE(w.slug, a.workspace), a.target_type, a.target_id, a.outcome`

// RecordAudit implements meetingintel.AuditService: one statement of its
// own, outside any write's transaction (package audit says why).
func (db *Store) RecordAudit(ctx context.Context, e *meetingintel.AuditEntry) error {
	e.Normalize()
	err := db.W.QueryRowContext(ctx, db.Q(`INSERT INTO audit_log (at, user_id, user_email, via, client, action, tool,
		workspace_id, workspace, target_type, target_id, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		MS(e.At), nullID(e.UserID), e.UserEmail, e.Via, e.Client, e.Action, e.Tool,
		nullID(e.WorkspaceID), e.Workspace, e.TargetType, e.TargetID, e.Outcome).Scan(&e.ID)
	return db.internal(err)
}

// FindAudit implements meetingintel.AuditService: newest first, keyset
// paged by id. Org admins read every row; a chair reads the rows of the
// workspaces they chair; anyone else is refused (fail closed).
func (db *Store) FindAudit(ctx context.Context, f meetingintel.AuditFilter) ([]*meetingintel.AuditEntry, string, error) {
	u, err := Actor(ctx)
	if err != nil {
		return nil, "", err
	}
	var where []string
	var args []any
	add := func(clause string, v ...any) { where, args = append(where, clause), append(args, v...) }
	if !meetingintel.CanReadAudit(u) {
		chaired, err := db.chairedWorkspaces(ctx, u.ID)
		if err != nil {
			return nil, "", err
		}
		if len(chaired) == 0 {
			return nil, "", meetingintel.Errorf(meetingintel.EFORBIDDEN, "Only an admin, or a workspace's chair, may read the audit trail.")
		}
		add(`a.workspace_id IN (`+Placeholders(len(chaired))+`)`, chaired...)
	}
	cur, err := keyset.Decode(f.Cursor, "audit")
	if err != nil {
		return nil, "", err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = meetingintel.DefaultAuditLimit
	}
	limit = min(limit, meetingintel.MaxAuditLimit)
	if v := strings.ToLower(strings.TrimSpace(f.User)); v != "" {
		add(`a.user_email = ?`, v)
	}
	if v := strings.TrimSpace(f.Client); v != "" {
		add(`a.client = ?`, v)
	}
	if v := strings.TrimSpace(f.Action); strings.HasSuffix(v, ".") {
		// A family ("meeting."): a range, so the index serves it and no
		// LIKE wildcard in the value can widen it ('/' follows '.').
		add(`a.action >= ? AND a.action < ?`, v, v[:len(v)-1]+"/")
	} else if v != "" {
		add(`a.action = ?`, v)
	}
	if !f.Since.IsZero() {
		add(`a.at >= ?`, MS(f.Since))
	}
	if !f.Until.IsZero() {
		add(`a.at < ?`, MS(f.Until))
	}
	if cur != nil {
		add(`a.id < ?`, cur.ID)
	}
	q := `SELECT ` + auditCols + ` FROM audit_log a LEFT JOIN workspaces w ON w.id = a.workspace_id`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.r().QueryContext(ctx, q+` ORDER BY a.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", db.internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.AuditEntry{}
	for rows.Next() {
		var e meetingintel.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.UserEmail, &e.Via, &e.Client, &e.Action, &e.Tool,
			&e.WorkspaceID, &e.Workspace, &e.TargetType, &e.TargetID, &e.Outcome); err != nil {
			return nil, "", db.internal(err)
		}
		e.At = FromMS(at)
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", db.internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = keyset.Encode(keyset.Cursor{T: "audit", ID: out[limit-1].ID})
	}
	return out, next, nil
}

// chairedWorkspaces returns the ids of the workspaces user chairs.
func (db *Store) chairedWorkspaces(ctx context.Context, userID int64) ([]any, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT workspace_id FROM memberships WHERE user_id = ? AND role = 'chair' ORDER BY workspace_id`, userID)
	if err != nil {
		return nil, db.internal(err)
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, db.internal(err)
		}
		ids = append(ids, id)
	}
	return ids, db.internal(rows.Err())
}

// DeleteAuditBefore implements meetingintel.AuditService.
func (db *Store) DeleteAuditBefore(ctx context.Context, before time.Time) (int64, error) {
	n, err := db.exec(ctx, `DELETE FROM audit_log WHERE at < ?`, MS(before))
	return n, db.internal(err)
}
