package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

var _ meetingintel.SessionStore = (*Store)(nil)

// CreateSession stores a new web session.
func (db *Store) CreateSession(ctx context.Context, s *meetingintel.Session) error {
	if s == nil || strings.TrimSpace(s.Hash) == "" {
		return meetingintel.Errorf(meetingintel.EINVALID, "A session hash is required.")
	}
	method := s.Method
	if method == "" {
		method = "token"
	}
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO web_sessions (hash, user_id, method, created_at, last_seen_at, expires_at, token_id)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, s.Hash, s.UserID, method, MS(s.CreatedAt), MS(s.LastSeenAt), MS(s.ExpiresAt), nullID(s.TokenID))
		switch {
		case db.isUnique(err):
			return meetingintel.Errorf(meetingintel.ECONFLICT, "This session already exists.")
		case db.isForeignKey(err):
			return notFound("User", s.UserID)
		}
		return db.internal(err)
	})
}

// FindSession returns a session and its user in one query: it runs on
// every page view.
func (db *Store) FindSession(ctx context.Context, hash string) (*meetingintel.Session, *meetingintel.User, error) {
	var s meetingintel.Session
	var created, seen, expires int64
	row := db.r().QueryRowContext(ctx, `SELECT s.hash, s.user_id, s.method, s.created_at, s.last_seen_at, s.expires_at,
		coalesce(s.token_id, 0), (t.revoked_at IS NOT NULL OR coalesce(t.expires_at <= ?, false)),
		u.id, u.email, u.name, u.admin, u.active, u.created_at
		FROM web_sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tokens t ON t.id = s.token_id
		WHERE s.hash = ?`, MS(db.Now()), hash)
	var u meetingintel.User
	var ucreated int64
	err := row.Scan(&s.Hash, &s.UserID, &s.Method, &created, &seen, &expires, &s.TokenID, &s.TokenRevoked,
		&u.ID, &u.Email, &u.Name, &u.Admin, &u.Active, &ucreated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown session.")
	} else if err != nil {
		return nil, nil, db.internal(err)
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = FromMS(created), FromMS(seen), FromMS(expires)
	u.CreatedAt = FromMS(ucreated)
	return &s, &u, nil
}

// TouchSession records a use and moves the expiry.
func (db *Store) TouchSession(ctx context.Context, hash string, at, expiresAt time.Time) error {
	return db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE web_sessions SET last_seen_at = ?, expires_at = ? WHERE hash = ?`,
			MS(at), MS(expiresAt), hash)
		if err != nil {
			return db.internal(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return db.internal(err)
		} else if n == 0 {
			return meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown session.")
		}
		return nil
	})
}

// DeleteSession removes one session.
func (db *Store) DeleteSession(ctx context.Context, hash string) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE hash = ?`, hash)
		return db.internal(err)
	})
}

// DeleteUserSessions removes every session of a user.
func (db *Store) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	return db.deleteSessions(ctx, `DELETE FROM web_sessions WHERE user_id = ?`, userID)
}

// DeleteExpiredSessions removes sessions that expired before now.
func (db *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	return db.deleteSessions(ctx, `DELETE FROM web_sessions WHERE expires_at < ?`, MS(now))
}

func (db *Store) deleteSessions(ctx context.Context, query string, arg any) (int64, error) {
	var n int64
	err := db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, query, arg)
		if err != nil {
			return db.internal(err)
		}
		n, err = res.RowsAffected()
		return db.internal(err)
	})
	return n, err
}
