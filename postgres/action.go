package postgres

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/keyset"
)

// actionCols are an action's columns and its meeting's title: every query
// that reads them LEFT JOINs meetings m (for visibility anyway).
const actionCols = `a.id, a.meeting_id, a.text, a.owner, a.due_date, a.status, a.notes,
	a.created_by, a.updated_by, a.created_at, a.updated_at, coalesce(m.title, '')`

// actionVisible returns the condition (over actions a, meetings m LEFT
// JOINed on a.meeting_id) for an action u may see: unlinked ones are
// team-wide.
func actionVisible(a *args, u *meetingintel.User) string {
	return `(a.meeting_id IS NULL OR ` + canSee(a, u) + `)`
}

func scanAction(sc interface{ Scan(...any) error }) (*meetingintel.Action, error) {
	var a meetingintel.Action
	var due *string
	var status string
	var created, updated int64
	if err := sc.Scan(&a.ID, &a.MeetingID, &a.Text, &a.Owner, &due, &status, &a.Notes,
		&a.CreatedBy, &a.UpdatedBy, &created, &updated, &a.MeetingTitle); err != nil {
		return nil, err
	}
	if due != nil {
		a.DueDate = *due
	}
	a.Status = meetingintel.ActionStatus(status)
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return &a, nil
}

// actionBody is the text an action is found by.
func actionBody(a *meetingintel.Action) string {
	return strings.TrimSpace(a.Text + "\n" + a.Notes)
}

// nullDate stores a due date, "" as NULL.
func nullDate(d string) *string {
	if d == "" {
		return nil
	}
	return &d
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
	return db.write(ctx, func(tx pgx.Tx) error {
		if a.MeetingID != nil {
			if err := visible(ctx, tx, u, *a.MeetingID); err != nil {
				return err
			}
		}
		email := strings.ToLower(u.Email)
		if err := tx.QueryRow(ctx, `INSERT INTO actions (meeting_id, text, owner, due_date, status, notes,
			created_by, updated_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $8) RETURNING id`,
			a.MeetingID, a.Text, a.Owner, nullDate(a.DueDate), string(a.Status), a.Notes, email, now).Scan(&a.ID); err != nil {
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
	return findAction(ctx, db.pool, u, id, false)
}

// findAction returns a visible action; forUpdate locks its row until the
// transaction ends.
func findAction(ctx context.Context, q queryer, u *meetingintel.User, id int64, forUpdate bool) (*meetingintel.Action, error) {
	a := args{id}
	lock := ""
	if forUpdate {
		lock = ` FOR UPDATE OF a`
	}
	act, err := scanAction(q.QueryRow(ctx, `SELECT `+actionCols+` FROM actions a
		LEFT JOIN meetings m ON m.id = a.meeting_id WHERE a.id = $1 AND `+actionVisible(&a, u)+lock, a...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Action", id)
	}
	return act, internal(err)
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
	var a args
	where := []string{actionVisible(&a, u)}
	if f.Status != "" {
		st, err := meetingintel.ParseActionStatus(string(f.Status))
		if err != nil {
			return nil, "", err
		}
		where = append(where, `a.status = `+a.add(string(st)))
	}
	if o := strings.TrimSpace(f.Owner); o != "" {
		where = append(where, `strpos(lower(a.owner), lower(`+a.add(o)+`)) > 0`)
	}
	if f.MeetingID != nil {
		if err := visible(ctx, db.pool, u, *f.MeetingID); err != nil {
			return nil, "", err
		}
		where = append(where, `a.meeting_id = `+a.add(*f.MeetingID))
	}
	if f.DueBefore != "" {
		d, err := meetingintel.ParseDate(f.DueBefore)
		if err != nil {
			return nil, "", err
		}
		where = append(where, `a.due_date < `+a.add(d))
	}
	if cur != nil {
		if cur.Null {
			where = append(where, `(a.due_date IS NULL AND a.id > `+a.add(cur.ID)+`)`)
		} else {
			s := a.add(cur.S)
			where = append(where, `(a.due_date IS NULL OR a.due_date > `+s+` OR (a.due_date = `+s+` AND a.id > `+a.add(cur.ID)+`))`)
		}
	}
	rows, err := db.pool.Query(ctx, `SELECT `+actionCols+` FROM actions a
		LEFT JOIN meetings m ON m.id = a.meeting_id WHERE `+strings.Join(where, " AND ")+`
		ORDER BY a.due_date IS NULL, a.due_date, a.id LIMIT `+a.add(limit+1), a...)
	if err != nil {
		return nil, "", internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.Action{}
	for rows.Next() {
		act, err := scanAction(rows)
		if err != nil {
			return nil, "", internal(err)
		}
		out = append(out, act)
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
	err = db.write(ctx, func(tx pgx.Tx) error {
		a, err := findAction(ctx, tx, u, id, true)
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
		if _, err := tx.Exec(ctx, `UPDATE actions SET meeting_id = $1, text = $2, owner = $3, due_date = $4,
			status = $5, notes = $6, updated_by = $7, updated_at = $8 WHERE id = $9`,
			a.MeetingID, a.Text, a.Owner, nullDate(a.DueDate), string(a.Status), a.Notes, a.UpdatedBy, now, id); err != nil {
			return internal(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM search_docs WHERE kind = 'action' AND ref_id = $1`, id); err != nil {
			return internal(err)
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
	return db.write(ctx, func(tx pgx.Tx) error {
		if _, err := findAction(ctx, tx, u, id, true); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM search_docs WHERE kind = 'action' AND ref_id = $1`, id); err != nil {
			return internal(err)
		}
		_, err := tx.Exec(ctx, `DELETE FROM actions WHERE id = $1`, id)
		return internal(err)
	})
}

// FindActionOwners lists the owners of visible actions, each once.
func (db *DB) FindActionOwners(ctx context.Context) ([]string, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var a args
	cond := actionVisible(&a, u)
	// min(owner) picks one spelling per owner, the same one in both stores
	// (COLLATE "C": byte order, as SQLite compares).
	rows, err := db.pool.Query(ctx, `SELECT min(a.owner COLLATE "C") FROM actions a
		LEFT JOIN meetings m ON m.id = a.meeting_id
		WHERE `+cond+` AND trim(a.owner) <> ''
		GROUP BY lower(a.owner) ORDER BY lower(a.owner) COLLATE "C" LIMIT `+a.add(meetingintel.MaxOwners), a...)
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
