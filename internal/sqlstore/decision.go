package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/keyset"
)

const decisionCols = `d.id, d.meeting_id, d.text, d.context, d.created_by, d.updated_by, d.created_at, d.updated_at`

func scanDecision(sc interface{ Scan(...any) error }) (*meetingintel.Decision, error) {
	var d meetingintel.Decision
	var created, updated int64
	if err := sc.Scan(&d.ID, &d.MeetingID, &d.Text, &d.Context, &d.CreatedBy, &d.UpdatedBy, &created, &updated); err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = FromMS(created), FromMS(updated)
	return &d, nil
}

// CreateDecision stores a decision of a visible meeting.
func (db *Store) CreateDecision(ctx context.Context, d *meetingintel.Decision) error {
	u, err := Actor(ctx)
	if err != nil {
		return err
	}
	if d == nil {
		return meetingintel.Errorf(meetingintel.EINVALID, "A decision is required.")
	}
	if err := d.Validate(); err != nil {
		return err
	}
	now := MS(db.Now())
	return db.write(ctx, func(tx *Tx) error {
		if err := db.visible(ctx, tx, u, d.MeetingID); err != nil {
			return err
		}
		email := strings.ToLower(u.Email)
		if err := tx.QueryRowContext(ctx, `INSERT INTO decisions (meeting_id, text, context, created_by, updated_by,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			d.MeetingID, d.Text, d.Context, email, email, now, now).Scan(&d.ID); err != nil {
			return db.internal(err)
		}
		d.CreatedBy, d.UpdatedBy, d.CreatedAt, d.UpdatedAt = email, email, FromMS(now), FromMS(now)
		mid := d.MeetingID
		return db.addDoc(ctx, tx, meetingintel.KindDecision, &mid, d.ID, strings.TrimSpace(d.Text+"\n"+d.Context))
	})
}

// FindDecisionByID returns a decision of a visible meeting.
func (db *Store) FindDecisionByID(ctx context.Context, id int64) (*meetingintel.Decision, error) {
	u, err := Actor(ctx)
	if err != nil {
		return nil, err
	}
	return db.findDecision(ctx, db.r(), u, id)
}

func (db *Store) findDecision(ctx context.Context, q queryer, u *meetingintel.User, id int64) (*meetingintel.Decision, error) {
	args := append([]any{id}, VisArgs(u)...)
	d, err := scanDecision(q.QueryRowContext(ctx, `SELECT `+decisionCols+` FROM decisions d
		JOIN meetings m ON m.id = d.meeting_id WHERE d.id = ? AND `+CanSee, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Decision", id)
	}
	return d, db.internal(err)
}

// FindDecisions lists visible decisions, newest meeting first.
func (db *Store) FindDecisions(ctx context.Context, f meetingintel.DecisionFilter) ([]*meetingintel.Decision, string, error) {
	u, err := Actor(ctx)
	if err != nil {
		return nil, "", err
	}
	cur, err := keyset.Decode(f.Cursor, "decisions")
	if err != nil {
		return nil, "", err
	}
	limit := ClampLimit(f.Limit, meetingintel.DefaultLimit, meetingintel.MaxLimit)
	where := []string{CanSee}
	args := VisArgs(u)
	if f.MeetingID != nil {
		if err := db.visible(ctx, db.r(), u, *f.MeetingID); err != nil {
			return nil, "", err
		}
		where, args = append(where, `d.meeting_id = ?`), append(args, *f.MeetingID)
	}
	if cur != nil {
		where = append(where, `(m.date < ? OR (m.date = ? AND d.id < ?))`)
		args = append(args, cur.N, cur.N, cur.ID)
	}
	args = append(args, limit+1)
	rows, err := db.r().QueryContext(ctx, `SELECT `+decisionCols+`, m.date FROM decisions d
		JOIN meetings m ON m.id = d.meeting_id WHERE `+strings.Join(where, " AND ")+`
		ORDER BY m.date DESC, d.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, "", db.internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.Decision{}
	var dates []int64
	for rows.Next() {
		var d meetingintel.Decision
		var created, updated, date int64
		if err := rows.Scan(&d.ID, &d.MeetingID, &d.Text, &d.Context, &d.CreatedBy, &d.UpdatedBy, &created, &updated, &date); err != nil {
			return nil, "", db.internal(err)
		}
		d.CreatedAt, d.UpdatedAt = FromMS(created), FromMS(updated)
		out, dates = append(out, &d), append(dates, date)
	}
	if err := rows.Err(); err != nil {
		return nil, "", db.internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = keyset.Encode(keyset.Cursor{T: "decisions", N: dates[limit-1], ID: out[limit-1].ID})
	}
	return out, next, nil
}

// UpdateDecision changes the given fields of a decision of a visible
// meeting, and its search document with them.
func (db *Store) UpdateDecision(ctx context.Context, id int64, upd meetingintel.DecisionUpdate) (*meetingintel.Decision, error) {
	u, err := Actor(ctx)
	if err != nil {
		return nil, err
	}
	now := MS(db.Now())
	var out *meetingintel.Decision
	err = db.write(ctx, func(tx *Tx) error {
		d, err := db.findDecision(ctx, tx, u, id)
		if err != nil {
			return err
		}
		upd.Apply(d)
		if err := d.Validate(); err != nil {
			return err
		}
		d.UpdatedBy, d.UpdatedAt = strings.ToLower(u.Email), FromMS(now)
		if _, err := tx.ExecContext(ctx, `UPDATE decisions SET text = ?, context = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			d.Text, d.Context, d.UpdatedBy, now, id); err != nil {
			return db.internal(err)
		}
		if err := db.removeDocs(ctx, tx, `kind = 'decision' AND ref_id = ?`, id); err != nil {
			return err
		}
		out = d
		mid := d.MeetingID
		return db.addDoc(ctx, tx, meetingintel.KindDecision, &mid, d.ID, strings.TrimSpace(d.Text+"\n"+d.Context))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteDecision removes a decision of a visible meeting.
func (db *Store) DeleteDecision(ctx context.Context, id int64) error {
	u, err := Actor(ctx)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		if _, err := db.findDecision(ctx, tx, u, id); err != nil {
			return err
		}
		if err := db.removeDocs(ctx, tx, `kind = 'decision' AND ref_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM decisions WHERE id = ?`, id)
		return db.internal(err)
	})
}
