package postgres

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
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
	d.CreatedAt, d.UpdatedAt = fromMS(created), fromMS(updated)
	return &d, nil
}

// CreateDecision stores a decision of a visible meeting.
func (db *DB) CreateDecision(ctx context.Context, d *meetingintel.Decision) error {
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	if d == nil {
		return meetingintel.Errorf(meetingintel.EINVALID, "A decision is required.")
	}
	if err := d.Validate(); err != nil {
		return err
	}
	now := ms(db.now())
	return db.write(ctx, func(tx pgx.Tx) error {
		if err := visible(ctx, tx, u, d.MeetingID); err != nil {
			return err
		}
		email := strings.ToLower(u.Email)
		if err := tx.QueryRow(ctx, `INSERT INTO decisions (meeting_id, text, context, created_by, updated_by,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $4, $5, $5) RETURNING id`,
			d.MeetingID, d.Text, d.Context, email, now).Scan(&d.ID); err != nil {
			return internal(err)
		}
		d.CreatedBy, d.UpdatedBy, d.CreatedAt, d.UpdatedAt = email, email, fromMS(now), fromMS(now)
		mid := d.MeetingID
		return addDoc(ctx, tx, meetingintel.KindDecision, &mid, d.ID, strings.TrimSpace(d.Text+"\n"+d.Context))
	})
}

// FindDecisionByID returns a decision of a visible meeting.
func (db *DB) FindDecisionByID(ctx context.Context, id int64) (*meetingintel.Decision, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return findDecision(ctx, db.pool, u, id)
}

func findDecision(ctx context.Context, q queryer, u *meetingintel.User, id int64) (*meetingintel.Decision, error) {
	a := args{id}
	d, err := scanDecision(q.QueryRow(ctx, `SELECT `+decisionCols+` FROM decisions d
		JOIN meetings m ON m.id = d.meeting_id WHERE d.id = $1 AND `+canSee(&a, u), a...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Decision", id)
	}
	return d, internal(err)
}

// FindDecisions lists visible decisions, newest meeting first.
func (db *DB) FindDecisions(ctx context.Context, f meetingintel.DecisionFilter) ([]*meetingintel.Decision, string, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	cur, err := keyset.Decode(f.Cursor, "decisions")
	if err != nil {
		return nil, "", err
	}
	limit := clampLimit(f.Limit, meetingintel.DefaultLimit, meetingintel.MaxLimit)
	var a args
	where := []string{canSee(&a, u)}
	if f.MeetingID != nil {
		if err := visible(ctx, db.pool, u, *f.MeetingID); err != nil {
			return nil, "", err
		}
		where = append(where, `d.meeting_id = `+a.add(*f.MeetingID))
	}
	if cur != nil {
		n := a.add(cur.N)
		where = append(where, `(m.date < `+n+` OR (m.date = `+n+` AND d.id < `+a.add(cur.ID)+`))`)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+decisionCols+`, m.date FROM decisions d
		JOIN meetings m ON m.id = d.meeting_id WHERE `+strings.Join(where, " AND ")+`
		ORDER BY m.date DESC, d.id DESC LIMIT `+a.add(limit+1), a...)
	if err != nil {
		return nil, "", internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.Decision{}
	var dates []int64
	for rows.Next() {
		var d meetingintel.Decision
		var created, updated, date int64
		if err := rows.Scan(&d.ID, &d.MeetingID, &d.Text, &d.Context, &d.CreatedBy, &d.UpdatedBy, &created, &updated, &date); err != nil {
			return nil, "", internal(err)
		}
		d.CreatedAt, d.UpdatedAt = fromMS(created), fromMS(updated)
		out, dates = append(out, &d), append(dates, date)
	}
	if err := rows.Err(); err != nil {
		return nil, "", internal(err)
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
func (db *DB) UpdateDecision(ctx context.Context, id int64, upd meetingintel.DecisionUpdate) (*meetingintel.Decision, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	now := ms(db.now())
	var out *meetingintel.Decision
	err = db.write(ctx, func(tx pgx.Tx) error {
		d, err := findDecision(ctx, tx, u, id)
		if err != nil {
			return err
		}
		upd.Apply(d)
		if err := d.Validate(); err != nil {
			return err
		}
		d.UpdatedBy, d.UpdatedAt = strings.ToLower(u.Email), fromMS(now)
		if _, err := tx.Exec(ctx, `UPDATE decisions SET text = $1, context = $2, updated_by = $3, updated_at = $4 WHERE id = $5`,
			d.Text, d.Context, d.UpdatedBy, now, id); err != nil {
			return internal(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM search_docs WHERE kind = 'decision' AND ref_id = $1`, id); err != nil {
			return internal(err)
		}
		out = d
		mid := d.MeetingID
		return addDoc(ctx, tx, meetingintel.KindDecision, &mid, d.ID, strings.TrimSpace(d.Text+"\n"+d.Context))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteDecision removes a decision of a visible meeting.
func (db *DB) DeleteDecision(ctx context.Context, id int64) error {
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx pgx.Tx) error {
		if _, err := findDecision(ctx, tx, u, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM search_docs WHERE kind = 'decision' AND ref_id = $1`, id); err != nil {
			return internal(err)
		}
		_, err := tx.Exec(ctx, `DELETE FROM decisions WHERE id = $1`, id)
		return internal(err)
	})
}
