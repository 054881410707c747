package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/keyset"
)

const decisionCols = `d.id, d.meeting_id, d.text, d.context, d.created_by, d.updated_by, d.created_at, d.updated_at, m.workspace_id`

func scanDecision(sc interface{ Scan(...any) error }) (*meetingintel.Decision, error) {
	var d meetingintel.Decision
	var created, updated int64
	if err := sc.Scan(&d.ID, &d.MeetingID, &d.Text, &d.Context, &d.CreatedBy, &d.UpdatedBy, &created, &updated, &d.WorkspaceID); err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = FromMS(created), FromMS(updated)
	return &d, nil
}

// CreateDecision stores a decision of a visible meeting.
func (db *Store) CreateDecision(ctx context.Context, d *meetingintel.Decision) error {
	ac, err := db.access(ctx, db.r())
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
		ws, _, err := db.visible(ctx, tx, ac, d.MeetingID)
		if err != nil {
			return err
		}
		if err := ac.writable(ws); err != nil {
			return err
		}
		email := ac.email
		if err := tx.QueryRowContext(ctx, `INSERT INTO decisions (meeting_id, text, context, created_by, updated_by,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			d.MeetingID, d.Text, d.Context, email, email, now, now).Scan(&d.ID); err != nil {
			return db.internal(err)
		}
		d.CreatedBy, d.UpdatedBy, d.CreatedAt, d.UpdatedAt, d.WorkspaceID = email, email, FromMS(now), FromMS(now), ws
		mid := d.MeetingID
		return db.addDoc(ctx, tx, meetingintel.KindDecision, &mid, d.ID, strings.TrimSpace(d.Text+"\n"+d.Context))
	})
}

// FindDecisionByID returns a decision of a visible meeting.
func (db *Store) FindDecisionByID(ctx context.Context, id int64) (*meetingintel.Decision, error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return nil, err
	}
	return db.findDecision(ctx, db.r(), ac, id)
}

func (db *Store) findDecision(ctx context.Context, q queryer, ac *access, id int64) (*meetingintel.Decision, error) {
	args := append([]any{id}, VisArgs(ac.u)...)
	d, err := scanDecision(q.QueryRowContext(ctx, `SELECT `+decisionCols+` FROM decisions d
		JOIN meetings m ON m.id = d.meeting_id WHERE d.id = ? AND `+ac.canSee(true), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Decision", id)
	}
	return d, db.internal(err)
}

// FindDecisions lists visible decisions, newest meeting first.
func (db *Store) FindDecisions(ctx context.Context, f meetingintel.DecisionFilter) ([]*meetingintel.Decision, string, error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return nil, "", err
	}
	cur, err := keyset.Decode(f.Cursor, "decisions")
	if err != nil {
		return nil, "", err
	}
	limit := ClampLimit(f.Limit, meetingintel.DefaultLimit, meetingintel.MaxLimit)
	// A meeting's decisions are found wherever the meeting is; otherwise
	// the chosen workspace's.
	where := []string{ac.canSee(f.MeetingID != nil)}
	args := VisArgs(ac.u)
	if f.MeetingID != nil {
		if _, _, err := db.visible(ctx, db.r(), ac, *f.MeetingID); err != nil {
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
		if err := rows.Scan(&d.ID, &d.MeetingID, &d.Text, &d.Context, &d.CreatedBy, &d.UpdatedBy, &created, &updated, &d.WorkspaceID, &date); err != nil {
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
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return nil, err
	}
	now := MS(db.Now())
	var out *meetingintel.Decision
	err = db.write(ctx, func(tx *Tx) error {
		d, err := db.findDecision(ctx, tx, ac, id)
		if err != nil {
			return err
		}
		if err := ac.editable(d.WorkspaceID, d.CreatedBy, "decision"); err != nil {
			return err
		}
		upd.Apply(d)
		if err := d.Validate(); err != nil {
			return err
		}
		d.UpdatedBy, d.UpdatedAt = ac.email, FromMS(now)
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
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		d, err := db.findDecision(ctx, tx, ac, id)
		if err != nil {
			return err
		}
		if err := ac.editable(d.WorkspaceID, d.CreatedBy, "decision"); err != nil {
			return err
		}
		if err := db.removeDocs(ctx, tx, `kind = 'decision' AND ref_id = ?`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM decisions WHERE id = ?`, id)
		return db.internal(err)
	})
}
