package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/keyset"
)

// actionCols are an action's columns and its meeting's title: every query
// that reads them LEFT JOINs meetings m (for visibility anyway).
const actionCols = `a.id, a.meeting_id, a.text, a.owner, a.due_date, a.status, a.notes,
	a.created_by, a.updated_by, a.created_at, a.updated_at, coalesce(m.title, ''), a.workspace_id`

func scanAction(sc interface{ Scan(...any) error }) (*meetingintel.Action, error) {
	var a meetingintel.Action
	var due *string
	var status string
	var created, updated int64
	if err := sc.Scan(&a.ID, &a.MeetingID, &a.Text, &a.Owner, &due, &status, &a.Notes,
		&a.CreatedBy, &a.UpdatedBy, &created, &updated, &a.MeetingTitle, &a.WorkspaceID); err != nil {
		return nil, err
	}
	if due != nil {
		a.DueDate = *due
	}
	a.Status = meetingintel.ActionStatus(status)
	a.CreatedAt, a.UpdatedAt = FromMS(created), FromMS(updated)
	return &a, nil
}

// nullDate stores a due date, "" as NULL.
func nullDate(d string) *string {
	if d == "" {
		return nil
	}
	return &d
}

// actionBody is the text an action is found by.
func actionBody(a *meetingintel.Action) string {
	return strings.TrimSpace(a.Text + "\n" + a.Notes)
}

// CreateAction stores an action, linked to a visible meeting or none.
func (db *Store) CreateAction(ctx context.Context, a *meetingintel.Action) error {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return err
	}
	if a == nil {
		return meetingintel.Errorf(meetingintel.EINVALID, "An action is required.")
	}
	if err := a.Validate(); err != nil {
		return err
	}
	now := MS(db.Now())
	return db.write(ctx, func(tx *Tx) error {
		// A linked action belongs to its meeting's workspace, an unlinked
		// one to the chosen workspace.
		var ws int64
		if a.MeetingID != nil {
			if ws, _, err = db.visible(ctx, tx, ac, *a.MeetingID); err != nil {
				return err
			}
			err = ac.writable(ws)
		} else {
			ws, err = ac.homeWorkspace()
		}
		if err != nil {
			return err
		}
		email := ac.email
		if err := tx.QueryRowContext(ctx, `INSERT INTO actions (meeting_id, text, owner, due_date, status, notes,
			created_by, updated_by, created_at, updated_at, workspace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.MeetingID, a.Text, a.Owner, nullDate(a.DueDate), string(a.Status), a.Notes, email, email, now, now, ws).Scan(&a.ID); err != nil {
			return db.internal(err)
		}
		a.CreatedBy, a.UpdatedBy, a.CreatedAt, a.UpdatedAt, a.WorkspaceID = email, email, FromMS(now), FromMS(now), ws
		return db.addDoc(ctx, tx, meetingintel.KindAction, a.MeetingID, a.ID, actionBody(a))
	})
}

// FindActionByID returns an action the actor may see.
func (db *Store) FindActionByID(ctx context.Context, id int64) (*meetingintel.Action, error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return nil, err
	}
	return db.findAction(ctx, db.r(), ac, id, false)
}

// findAction returns a visible action; forUpdate locks its row until the
// transaction ends.
func (db *Store) findAction(ctx context.Context, q queryer, ac *access, id int64, forUpdate bool) (*meetingintel.Action, error) {
	args := append([]any{id}, VisArgs(ac.u)...)
	lock := ""
	if forUpdate {
		lock = db.forUpdate("a")
	}
	a, err := scanAction(q.QueryRowContext(ctx, `SELECT `+actionCols+` FROM actions a
		LEFT JOIN meetings m ON m.id = a.meeting_id WHERE a.id = ? AND `+ac.actionVisible(true)+lock, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Action", id)
	}
	return a, db.internal(err)
}

// FindActions lists visible actions by due date (none last), then id.
func (db *Store) FindActions(ctx context.Context, f meetingintel.ActionFilter) ([]*meetingintel.Action, string, error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return nil, "", err
	}
	cur, err := keyset.Decode(f.Cursor, "actions")
	if err != nil {
		return nil, "", err
	}
	limit := ClampLimit(f.Limit, meetingintel.DefaultLimit, meetingintel.MaxLimit)
	// A meeting's actions are found wherever the meeting is; otherwise the
	// chosen workspace's.
	where := []string{ac.actionVisible(f.MeetingID != nil)}
	args := VisArgs(ac.u)
	if f.Status != "" {
		st, err := meetingintel.ParseActionStatus(string(f.Status))
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, `a.status = ?`), append(args, string(st))
	}
	if o := strings.TrimSpace(f.Owner); o != "" {
		where, args = append(where, db.D.Strpos+`(lower(a.owner), lower(?)) > 0`), append(args, o)
	}
	if f.MeetingID != nil {
		if _, _, err := db.visible(ctx, db.r(), ac, *f.MeetingID); err != nil {
			return nil, "", err
		}
		where, args = append(where, `a.meeting_id = ?`), append(args, *f.MeetingID)
	}
	if f.DueBefore != "" {
		d, err := meetingintel.ParseDate(f.DueBefore)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, `a.due_date < ?`), append(args, d)
	}
	if cur != nil {
		if cur.Null {
			where, args = append(where, `(a.due_date IS NULL AND a.id > ?)`), append(args, cur.ID)
		} else {
			where = append(where, `(a.due_date IS NULL OR a.due_date > ? OR (a.due_date = ? AND a.id > ?))`)
			args = append(args, cur.S, cur.S, cur.ID)
		}
	}
	args = append(args, limit+1)
	rows, err := db.r().QueryContext(ctx, `SELECT `+actionCols+` FROM actions a
		LEFT JOIN meetings m ON m.id = a.meeting_id WHERE `+strings.Join(where, " AND ")+`
		ORDER BY a.due_date IS NULL, a.due_date, a.id LIMIT ?`, args...)
	if err != nil {
		return nil, "", db.internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.Action{}
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, "", db.internal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", db.internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = keyset.Encode(keyset.Cursor{T: "actions", S: last.DueDate, Null: last.DueDate == "", ID: last.ID})
	}
	return out, next, nil
}

// UpdateAction changes the given fields of a visible action.
func (db *Store) UpdateAction(ctx context.Context, id int64, upd meetingintel.ActionUpdate) (*meetingintel.Action, error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return nil, err
	}
	now := MS(db.Now())
	var out *meetingintel.Action
	err = db.write(ctx, func(tx *Tx) error {
		a, err := db.findAction(ctx, tx, ac, id, true)
		if err != nil {
			return err
		}
		// Members change any action's status (and its notes with it);
		// anything else is its creator's or a chair's.
		statusOnly := upd.Text == nil && upd.Owner == nil && upd.DueDate == nil && upd.MeetingID == nil
		if statusOnly {
			err = ac.writable(a.WorkspaceID)
		} else {
			err = ac.editable(a.WorkspaceID, a.CreatedBy, "action")
		}
		if err != nil {
			return err
		}
		upd.Apply(a)
		if upd.MeetingID != nil && a.MeetingID != nil {
			ws, _, err := db.visible(ctx, tx, ac, *a.MeetingID)
			if err != nil {
				return err
			}
			if ws != a.WorkspaceID {
				return meetingintel.Errorf(meetingintel.EINVALID, "An action links only to a meeting of its own workspace.")
			}
		}
		if err := a.Validate(); err != nil {
			return err
		}
		a.UpdatedBy, a.UpdatedAt = ac.email, FromMS(now)
		if _, err := tx.ExecContext(ctx, `UPDATE actions SET meeting_id = ?, text = ?, owner = ?, due_date = ?,
			status = ?, notes = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			a.MeetingID, a.Text, a.Owner, nullDate(a.DueDate),
			string(a.Status), a.Notes, a.UpdatedBy, now, id); err != nil {
			return db.internal(err)
		}
		if err := db.removeDocs(ctx, tx, `kind = 'action' AND ref_id = ?`, id); err != nil {
			return err
		}
		out = a
		return db.addDoc(ctx, tx, meetingintel.KindAction, a.MeetingID, a.ID, actionBody(a))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteAction removes a visible action.
func (db *Store) DeleteAction(ctx context.Context, id int64) error {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		a, err := db.findAction(ctx, tx, ac, id, true)
		if err != nil {
			return err
		}
		if err := ac.editable(a.WorkspaceID, a.CreatedBy, "action"); err != nil {
			return err
		}
		if err := db.removeDocs(ctx, tx, `kind = 'action' AND ref_id = ?`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM actions WHERE id = ?`, id)
		return db.internal(err)
	})
}

// FindActionOwners lists the owners of visible actions, each once.
func (db *Store) FindActionOwners(ctx context.Context) ([]string, error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return nil, err
	}
	// min(owner) picks one spelling per owner, the same one in both stores
	// (compared byte by byte, as SQLite does).
	rows, err := db.r().QueryContext(ctx, `SELECT min(a.owner`+db.D.ByteOrder+`) FROM actions a
		LEFT JOIN meetings m ON m.id = a.meeting_id
		WHERE `+ac.actionVisible(false)+` AND trim(a.owner) <> ''
		GROUP BY lower(a.owner) ORDER BY lower(a.owner)`+db.D.ByteOrder+` LIMIT ?`, append(VisArgs(ac.u), meetingintel.MaxOwners)...)
	if err != nil {
		return nil, db.internal(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, db.internal(err)
		}
		out = append(out, o)
	}
	return out, db.internal(rows.Err())
}
