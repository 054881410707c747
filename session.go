package meetingintel

import (
	"context"
	"time"
)

// Session is a browser signed in to the web UI. The browser holds a random
// secret in a cookie; the store keeps only its SHA-256 (HashToken), so a
// copy of the database signs nobody in. Sessions live in the database so
// they survive restarts and are shared by replicas.
type Session struct {
	Hash    string // hex SHA-256 of the cookie's secret: the key
	UserID  int64  // the signed-in user
	Method  string // how the user signed in: "token" (a PAT), or a single sign-on provider's name
	TokenID int64  // the PAT that signed in (0 for single sign-on): revoking it ends the session
	// TokenRevoked is set by FindSession when TokenID's token has been
	// revoked or has expired since; the web package then treats the
	// session as ended.
	TokenRevoked bool
	CreatedAt    time.Time // sign-in time; bounds the session's whole life
	LastSeenAt   time.Time // last recorded use (recorded coarsely, not per request)
	ExpiresAt    time.Time // moves forward with use, never past CreatedAt plus the maximum age
}

// SessionStore stores web sessions. It is separate from Store, like
// OAuthStore, so a backend can add it independently. Methods take no acting
// user and apply no policy: the web package decides what an expired session
// or a deactivated user means. The sqlite and postgres packages implement it
// and pass storetest.RunSessions.
type SessionStore interface {
	// CreateSession stores s. An existing hash is ECONFLICT; an unknown
	// user is ENOTFOUND.
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns the session with the given hash and its user,
	// whether or not it has expired or the user is active. An unknown hash
	// is ENOTFOUND.
	FindSession(ctx context.Context, hash string) (*Session, *User, error)
	// TouchSession records a use at time at and moves the expiry to
	// expiresAt. An unknown hash is ENOTFOUND.
	TouchSession(ctx context.Context, hash string, at, expiresAt time.Time) error
	// DeleteSession removes one session (sign-out, revocation). Removing an
	// unknown session is not an error.
	DeleteSession(ctx context.Context, hash string) error
	// DeleteUserSessions removes every session of a user (deactivation,
	// "sign out everywhere") and returns how many it removed.
	DeleteUserSessions(ctx context.Context, userID int64) (int64, error)
	// DeleteExpiredSessions removes sessions that expired before now and
	// returns how many it removed.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}
