package meetingintel

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"strings"
	"time"
)

// User is a member of the instance.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"` // lower case, unique
	Name      string    `json:"name"`
	Admin     bool      `json:"admin"`
	Active    bool      `json:"active"` // a deactivated user's credentials stop working
	CreatedAt time.Time `json:"created_at"`
}

// NormalizeEmail lower-cases and trims an email and checks it is an address.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", Errorf(EINVALID, "Email is required.")
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
		return "", Errorf(EINVALID, "%q is not a valid email address.", s)
	}
	return s, nil
}

// Validate normalises u's email (NormalizeEmail) and trims its name, and
// reports the first problem as an EINVALID error.
func (u *User) Validate() error {
	email, err := NormalizeEmail(u.Email)
	if err != nil {
		return err
	}
	u.Email, u.Name = email, strings.TrimSpace(u.Name)
	if len(u.Name) > MaxNameLen {
		return Errorf(EINVALID, "Name is longer than %d characters.", MaxNameLen)
	}
	return nil
}

// UserService stores users. It is used by administration edges (CLI, admin
// pages) and by authentication, so it does not apply visibility rules.
type UserService interface {
	// CreateUser stores u; an existing email is ECONFLICT. The user joins
	// the default workspace: an org admin as its chair, anyone else as a
	// member (a chair or org admin raises it with SetMember).
	CreateUser(ctx context.Context, u *User) error
	FindUserByID(ctx context.Context, id int64) (*User, error)
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	FindUsers(ctx context.Context) ([]*User, error)
	SetUserActive(ctx context.Context, id int64, active bool) error
	// SetUserAdmin grants or withdraws administration; an unknown user is
	// ENOTFOUND.
	SetUserAdmin(ctx context.Context, id int64, admin bool) error
	CountUsers(ctx context.Context) (int, error)
}

// IdentityService links single sign-on identities to users (DESIGN §11):
// a user is linked by verified email once, then found by the provider's
// (issuer, subject) for good.
type IdentityService interface {
	// FindUserByIdentity returns the user linked to (issuer, subject);
	// ENOTFOUND when none is.
	FindUserByIdentity(ctx context.Context, issuer, subject string) (*User, error)
	// LinkIdentity links (issuer, subject) to a user. Linking a pair to
	// the user it already belongs to is a no-op; to another user it is
	// ECONFLICT; an unknown user is ENOTFOUND.
	LinkIdentity(ctx context.Context, userID int64, issuer, subject string) error
}

// PATPrefix starts every personal access token, so leaked tokens are easy to
// recognise (secret scanners) and easy to tell from OAuth tokens.
const PATPrefix = "mi_pat_"

// Token is a personal access token's record. The token itself is shown once
// at creation and stored only as its SHA-256 hash.
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Label      string     `json:"label"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// ExpiresAt, when set, is when the token stops working; nil never.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Expired reports whether t has expired at now.
func (t *Token) Expired(now time.Time) bool {
	return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
}

// TokenExpiries are the lifetimes a person may choose for a new PAT, in
// days; 0 is "never expires".
var TokenExpiries = []int{30, 90, 365, 0}

// NewPAT returns a new personal access token: PATPrefix + 32 random bytes
// in unpadded base64url.
func NewPAT() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never returns an error on supported platforms
	}
	return PATPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the hex SHA-256 of a token, the only form stored.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NormalizeTokenLabel trims a token's label and checks its length.
func NormalizeTokenLabel(label string) (string, error) {
	label = strings.TrimSpace(label)
	if len(label) > MaxNameLen {
		return "", Errorf(EINVALID, "Token label is longer than %d characters.", MaxNameLen)
	}
	return label, nil
}

// TokenService stores personal access tokens.
type TokenService interface {
	// CreateToken makes a new PAT for a user and returns it with its record.
	CreateToken(ctx context.Context, userID int64, label string) (string, *Token, error)
	// CreateTokenUntil is CreateToken with an expiry; a zero expiresAt
	// never expires, one not in the future is EINVALID.
	CreateTokenUntil(ctx context.Context, userID int64, label string, expiresAt time.Time) (string, *Token, error)
	// ImportToken stores a token that already exists elsewhere (the legacy
	// MCP_AUTH_TOKENS), by hash; it is a no-op when the hash is known for
	// the same user, and ECONFLICT when it belongs to another.
	ImportToken(ctx context.Context, userID int64, token, label string) (*Token, error)
	// AuthenticateToken finds the active user of a live token and records
	// its use. An unknown, revoked or expired token, or an inactive user,
	// is EUNAUTHORIZED.
	AuthenticateToken(ctx context.Context, token string) (*User, *Token, error)
	FindTokens(ctx context.Context, userID int64) ([]*Token, error)
	FindTokenByID(ctx context.Context, id int64) (*Token, error)
	RevokeToken(ctx context.Context, id int64) error
}

// Store is everything a storage backend provides. The sqlite and postgres
// packages implement it and pass the same test suite (storetest).
type Store interface {
	MeetingService
	ActionService
	DecisionService
	SearchService
	UserService
	IdentityService
	TokenService
	WorkspaceService
	AuditService
	// Ping reports whether the database answers (readiness).
	Ping(ctx context.Context) error
	Close() error
}
