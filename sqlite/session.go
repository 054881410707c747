package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
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
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO web_sessions (hash, user_id, method, created_at, last_seen_at, expires_at, token_id)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, s.Hash, s.UserID, method, ms(s.CreatedAt), ms(s.LastSeenAt), ms(s.ExpiresAt), nullID(s.TokenID))
		switch {
		case isUnique(err) || isPrimaryKey(err):
			return meetingintel.Errorf(meetingintel.ECONFLICT, "This session already exists.")
		case isForeignKey(err):
			return notFound("User", s.UserID)
		}
		return internal(err)
	})
}

// isForeignKey reports whether err is a FOREIGN KEY violation.
func isForeignKey(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// FindSession returns a session and its user in one query: it runs on
// every page view.
func (db *DB) FindSession(ctx context.Context, hash string) (*meetingintel.Session, *meetingintel.User, error) {
	var s meetingintel.Session
	var created, seen, expires int64
	row := db.reader.QueryRowContext(ctx, `SELECT s.hash, s.user_id, s.method, s.created_at, s.last_seen_at, s.expires_at,
		coalesce(s.token_id, 0), (t.revoked_at IS NOT NULL OR coalesce(t.expires_at <= ?, 0)),
		u.id, u.email, u.name, u.admin, u.active, u.created_at
		FROM web_sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tokens t ON t.id = s.token_id
		WHERE s.hash = ?`, ms(db.now()), hash)
	var u meetingintel.User
	var ucreated int64
	err := row.Scan(&s.Hash, &s.UserID, &s.Method, &created, &seen, &expires, &s.TokenID, &s.TokenRevoked,
		&u.ID, &u.Email, &u.Name, &u.Admin, &u.Active, &ucreated)
	if errors.Is(err, sql.ErrNoRows) {
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
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE web_sessions SET last_seen_at = ?, expires_at = ? WHERE hash = ?`,
			ms(at), ms(expiresAt), hash)
		if err != nil {
			return internal(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal(err)
		} else if n == 0 {
			return meetingintel.Errorf(meetingintel.ENOTFOUND, "Unknown session.")
		}
		return nil
	})
}

// DeleteSession removes one session.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE hash = ?`, hash)
		return internal(err)
	})
}

// DeleteUserSessions removes every session of a user.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	return db.deleteSessions(ctx, `DELETE FROM web_sessions WHERE user_id = ?`, userID)
}

// DeleteExpiredSessions removes sessions that expired before now.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	return db.deleteSessions(ctx, `DELETE FROM web_sessions WHERE expires_at < ?`, ms(now))
}

func (db *DB) deleteSessions(ctx context.Context, query string, arg any) (int64, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, arg)
		if err != nil {
			return internal(err)
		}
		n, err = res.RowsAffected()
		return internal(err)
	})
	return n, err
}

// nullID stores an optional id: 0 is NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
