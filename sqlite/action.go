package sqlite

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
	a.created_by, a.updated_by, a.created_at, a.updated_at, coalesce(m.title, '')`

// actionVisible is the condition (over actions a, meetings m LEFT JOINed on
// a.meeting_id) for an action the actor may see: unlinked ones are team-wide.
const actionVisible = `(a.meeting_id IS NULL OR ` + canSee + `)`

func scanAction(sc interface{ Scan(...any) error }) (*meetingintel.Action, error) {
	var a meetingintel.Action
	var mid sql.NullInt64
	var due sql.NullString
	var status string
	var created, updated int64
	if err := sc.Scan(&a.ID, &mid, &a.Text, &a.Owner, &due, &status, &a.Notes,
		&a.CreatedBy, &a.UpdatedBy, &created, &updated, &a.MeetingTitle); err != nil {
		return nil, err
	}
	if mid.Valid {
		a.MeetingID = &mid.Int64
	}
	a.DueDate, a.Status = due.String, meetingintel.ActionStatus(status)
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return &a, nil
}

// actionBody is the text an action is found by.
func actionBody(a *meetingintel.Action) string {
	return strings.TrimSpace(a.Text + "\n" + a.Notes)
}

// CreateAction stores an action, linked to a visible meeting or none.
func (db *DB) CreateAction(ctx context.Context, a *meetingintel.Action) error {
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	if a == nil {
		return meetingintel.Errorf(meetingintel.EINVALID, "An action is required.")
	}
	if err := a.Validate(); err != nil {
		return err
	}
	now := ms(db.now())
	return db.write(ctx, func(tx *sql.Tx) error {
		if a.MeetingID != nil {
			if err := visible(ctx, tx, u, *a.MeetingID); err != nil {
				return err
			}
		}
		email := strings.ToLower(u.Email)
		res, err := tx.ExecContext(ctx, `INSERT INTO actions (meeting_id, text, owner, due_date, status, notes,
			created_by, updated_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.MeetingID, a.Text, a.Owner, sql.NullString{String: a.DueDate, Valid: a.DueDate != ""},
			string(a.Status), a.Notes, email, email, now, now)
		if err != nil {
			return internal(err)
		}
		if a.ID, err = res.LastInsertId(); err != nil {
			return internal(err)
		}
		a.CreatedBy, a.UpdatedBy, a.CreatedAt, a.UpdatedAt = email, email, fromMS(now), fromMS(now)
		return addDoc(ctx, tx, meetingintel.KindAction, a.MeetingID, a.ID, actionBody(a))
	})
}

// FindActionByID returns an action the actor may see.
func (db *DB) FindActionByID(ctx context.Context, id int64) (*meetingintel.Action, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return findAction(ctx, db.reader, u, id)
}

func findAction(ctx context.Context, q queryer, u *meetingintel.User, id int64) (*meetingintel.Action, error) {
	args := append([]any{id}, visArgs(u)...)
	a, err := scanAction(q.QueryRowContext(ctx, `SELECT `+actionCols+` FROM actions a
		LEFT JOIN meetings m ON m.id = a.meeting_id WHERE a.id = ? AND `+actionVisible, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Action", id)
	}
	return a, internal(err)
}

// FindActions lists visible actions by due date (none last), then id.
func (db *DB) FindActions(ctx context.Context, f meetingintel.ActionFilter) ([]*meetingintel.Action, string, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	cur, err := keyset.Decode(f.Cursor, "actions")
	if err != nil {
		return nil, "", err
	}
	limit := clampLimit(f.Limit, meetingintel.DefaultLimit, meetingintel.MaxLimit)
	where := []string{actionVisible}
	args := visArgs(u)
	if f.Status != "" {
		st, err := meetingintel.ParseActionStatus(string(f.Status))
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, `a.status = ?`), append(args, string(st))
	}
	if o := strings.TrimSpace(f.Owner); o != "" {
		where, args = append(where, `instr(lower(a.owner), lower(?)) > 0`), append(args, o)
	}
	if f.MeetingID != nil {
		if err := visible(ctx, db.reader, u, *f.MeetingID); err != nil {
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
	rows, err := db.reader.QueryContext(ctx, `SELECT `+actionCols+` FROM actions a
		LEFT JOIN meetings m ON m.id = a.meeting_id WHERE `+strings.Join(where, " AND ")+`
		ORDER BY a.due_date IS NULL, a.due_date, a.id LIMIT ?`, args...)
	if err != nil {
		return nil, "", internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.Action{}
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, "", internal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", internal(err)
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
func (db *DB) UpdateAction(ctx context.Context, id int64, upd meetingintel.ActionUpdate) (*meetingintel.Action, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	now := ms(db.now())
	var out *meetingintel.Action
	err = db.write(ctx, func(tx *sql.Tx) error {
		a, err := findAction(ctx, tx, u, id)
		if err != nil {
			return err
		}
		upd.Apply(a)
		if upd.MeetingID != nil && a.MeetingID != nil {
			if err := visible(ctx, tx, u, *a.MeetingID); err != nil {
				return err
			}
		}
		if err := a.Validate(); err != nil {
			return err
		}
		a.UpdatedBy, a.UpdatedAt = strings.ToLower(u.Email), fromMS(now)
		if _, err := tx.ExecContext(ctx, `UPDATE actions SET meeting_id = ?, text = ?, owner = ?, due_date = ?,
			status = ?, notes = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			a.MeetingID, a.Text, a.Owner, sql.NullString{String: a.DueDate, Valid: a.DueDate != ""},
			string(a.Status), a.Notes, a.UpdatedBy, now, id); err != nil {
			return internal(err)
		}
		if err := removeDocs(ctx, tx, `kind = 'action' AND ref_id = ?`, id); err != nil {
			return err
		}
		out = a
		return addDoc(ctx, tx, meetingintel.KindAction, a.MeetingID, a.ID, actionBody(a))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteAction removes a visible action.
func (db *DB) DeleteAction(ctx context.Context, id int64) error {
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := findAction(ctx, tx, u, id); err != nil {
			return err
		}
		if err := removeDocs(ctx, tx, `kind = 'action' AND ref_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM actions WHERE id = ?`, id)
		return internal(err)
	})
}

// FindActionOwners lists the owners of visible actions, each once.
func (db *DB) FindActionOwners(ctx context.Context) ([]string, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	// min(owner) picks one spelling per owner, the same one in both stores.
	rows, err := db.reader.QueryContext(ctx, `SELECT min(a.owner) FROM actions a
		LEFT JOIN meetings m ON m.id = a.meeting_id
		WHERE `+actionVisible+` AND trim(a.owner) <> ''
		GROUP BY lower(a.owner) ORDER BY lower(a.owner) LIMIT ?`, append(visArgs(u), meetingintel.MaxOwners)...)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, internal(err)
		}
		out = append(out, o)
	}
	return out, internal(rows.Err())
}
