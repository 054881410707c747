package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/meetingintel/meetingintel"
)

var _ meetingintel.SessionStore = (*DB)(nil)

// CreateSession stores a new web session.
func (db *DB) CreateSession(ctx context.Context, s *meetingintel.Session) error {
	if s == nil || strings.TrimSpace(s.Hash) == "" {
		return meetingintel.Errorf(meetingintel.EINVALID, "A session hash is required.")
	}
	method := s.Method
	if method == "" {
		method = "token"
	}
	var tokenID *int64
	if s.TokenID != 0 {
		tokenID = &s.TokenID
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO web_sessions (hash, user_id, method, created_at, last_seen_at, expires_at, token_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.Hash, s.UserID, method, ms(s.CreatedAt), ms(s.LastSeenAt), ms(s.ExpiresAt), tokenID)
	switch {
	case isUnique(err):
		return meetingintel.Errorf(meetingintel.ECONFLICT, "This session already exists.")
	case isForeignKey(err):
		return notFound("User", s.UserID)
	}
	return internal(err)
}

// isForeignKey reports whether err is a foreign key violation.
func isForeignKey(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// FindSession returns a session and its user in one query: it runs on
// every page view.
func (db *DB) FindSession(ctx context.Context, hash string) (*meetingintel.Session, *meetingintel.User, error) {
	var s meetingintel.Session
	var u meetingintel.User
	var created, seen, expires, ucreated int64
	err := db.pool.QueryRow(ctx, `SELECT s.hash, s.user_id, s.method, s.created_at, s.last_seen_at, s.expires_at,
		coalesce(s.token_id, 0), (t.revoked_at IS NOT NULL OR coalesce(t.expires_at <= $2, false)),
		u.id, u.email, u.name, u.admin, u.active, u.created_at
		FROM web_sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tokens t ON t.id = s.token_id
		WHERE s.hash = $1`, hash, ms(db.now())).
		Scan(&s.Hash, &s.UserID, &s.Method, &created, &seen, &expires, &s.TokenID, &s.TokenRevoked,
			&u.ID, &u.Email, &u.Name, &u.Admin, &u.Active, &ucreated)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown session.")
	} else if err != nil {
		return nil, nil, internal(err)
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
	u.CreatedAt = fromMS(ucreated)
	return &s, &u, nil
}

// TouchSession records a use and moves the expiry.
func (db *DB) TouchSession(ctx context.Context, hash string, at, expiresAt time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE web_sessions SET last_seen_at = $1, expires_at = $2 WHERE hash = $3`,
		ms(at), ms(expiresAt), hash)
	if err != nil {
		return internal(err)
	}
	if tag.RowsAffected() == 0 {
		return meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown session.")
	}
	return nil
}

// DeleteSession removes one session.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM web_sessions WHERE hash = $1`, hash)
	return internal(err)
}

// DeleteUserSessions removes every session of a user.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	return db.deleteSessions(ctx, `DELETE FROM web_sessions WHERE user_id = $1`, userID)
}

// DeleteExpiredSessions removes sessions that expired before now.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	return db.deleteSessions(ctx, `DELETE FROM web_sessions WHERE expires_at < $1`, ms(now))
}

func (db *DB) deleteSessions(ctx context.Context, query string, arg any) (int64, error) {
	tag, err := db.pool.Exec(ctx, query, arg)
	if err != nil {
		return 0, internal(err)
	}
	return tag.RowsAffected(), nil
}
