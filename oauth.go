package meetingintel

import (
	"context"
	"time"
)

// OAuthRecordRetention is how long dead OAuth records (expired or revoked
// codes, refresh tokens and grants; clients that never got a grant) are
// kept before DeleteExpiredOAuth removes them: long enough to recognise a
// replayed code or refresh token and to show a user what they revoked.
const OAuthRecordRetention = 30 * 24 * time.Hour

// UnusedOAuthClientTTL is how long a registered client that no
// authorization has used (no code issued, none redeemed, no grant) is kept.
// Registration is open to anyone and generously rate limited (a team's
// colleagues register from shared addresses), so storage is bounded by
// sweeping what nobody used rather than by refusing people.
const UnusedOAuthClientTTL = 24 * time.Hour

// OAuthClient is an OAuth client registered dynamically (RFC 7591). Its
// secret, for confidential clients, is stored only as a SHA-256 hash.
type OAuthClient struct {
	ID            string   `json:"client_id"`
	SecretHash    string   `json:"-"` // "" for public clients (auth method none)
	Name          string   `json:"client_name"`
	RedirectURIs  []string `json:"redirect_uris"`
	GrantTypes    []string `json:"grant_types"`
	ResponseTypes []string `json:"response_types"`
	// AuthMethod is the token_endpoint_auth_method the client registered:
	// none, client_secret_post or client_secret_basic.
	AuthMethod string     `json:"token_endpoint_auth_method"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"` // last code redeemed
}

// OAuthCode is an authorization code, stored by its hash. It is single use:
// UsedAt and GrantID record its redemption so a replay can revoke the grant.
type OAuthCode struct {
	Hash          string
	ClientID      string
	UserID        int64
	RedirectURI   string // as sent on the authorization request ("" when omitted)
	Scopes        []string
	Resource      string
	CodeChallenge string // S256 only
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        *time.Time
	GrantID       int64 // the grant its redemption created; 0 before
}

// OAuthGrant is a user's consent to one client: the connected app a user
// sees and may revoke. Refresh tokens and access tokens belong to a grant
// and die with it.
type OAuthGrant struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	ClientID   string     `json:"client_id"`
	ClientName string     `json:"client_name"` // read from the client, for listings
	Scopes     []string   `json:"scopes"`
	Resource   string     `json:"resource"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"` // moves with each refresh
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Live reports whether the grant is neither revoked nor expired at now.
func (g *OAuthGrant) Live(now time.Time) bool {
	return g != nil && g.RevokedAt == nil && now.Before(g.ExpiresAt)
}

// OAuthRefreshToken is a refresh token's record, stored by its hash.
// Tokens of a grant form a chain: each use rotates the token (RotatedAt,
// ReplacedBy) and only one token of a grant is live at a time.
type OAuthRefreshToken struct {
	Hash       string
	GrantID    int64
	ClientID   string // the grant's client, read with the token
	UserID     int64  // the grant's user, read with the token
	CreatedAt  time.Time
	ExpiresAt  time.Time
	RotatedAt  *time.Time
	ReplacedBy string // hash of the token that replaced it
	RevokedAt  *time.Time
}

// RotateResult says how a refresh token rotation went.
type RotateResult int

// Outcomes of OAuthStore.RotateOAuthRefreshToken.
const (
	// Rotated: the token was live and next replaces it.
	Rotated RotateResult = iota + 1
	// RotatedRetry: the token had just been rotated (inside the grace
	// window) and its successor was unused: the successor is revoked and
	// next replaces it, so one chain stays live.
	RotatedRetry
	// ReuseDetected: the token had been rotated before the grace window, or
	// its successor was already used: the whole grant is now revoked.
	ReuseDetected
	// Refused: the token is revoked or expired, or its grant is not live;
	// nothing changed.
	Refused
)

// OAuthStore stores the authorization server's state: clients, codes,
// grants and refresh tokens. Everything must survive a restart and be
// shared by replicas. Methods take no acting user: the oauth package does
// its own checks.
type OAuthStore interface {
	// CreateOAuthClient stores a new client; c.ID and c.CreatedAt are set by
	// the caller. An existing ID is ECONFLICT.
	CreateOAuthClient(ctx context.Context, c *OAuthClient) error
	// FindOAuthClient returns a client; an unknown ID is ENOTFOUND.
	FindOAuthClient(ctx context.Context, id string) (*OAuthClient, error)

	// CreateOAuthCode stores a new authorization code.
	CreateOAuthCode(ctx context.Context, c *OAuthCode) error
	// FindOAuthCode returns a code by hash, used or not; unknown is ENOTFOUND.
	FindOAuthCode(ctx context.Context, hash string) (*OAuthCode, error)
	// RedeemOAuthCode marks a code used and, in the same transaction, stores
	// g (setting g.ID) and its first refresh token rt (nil for none), and
	// records the client's use. A code already used is ECONFLICT and nothing
	// is stored.
	RedeemOAuthCode(ctx context.Context, codeHash string, at time.Time, g *OAuthGrant, rt *OAuthRefreshToken) error

	// FindOAuthRefreshToken returns a refresh token by hash with its grant's
	// client and user; unknown is ENOTFOUND.
	FindOAuthRefreshToken(ctx context.Context, hash string) (*OAuthRefreshToken, error)
	// RotateOAuthRefreshToken atomically replaces the token oldHash by next
	// (whose GrantID it sets) at time at, following the rules of
	// RotateResult; grace is how long after a rotation a retry with the old
	// token is still answered. Unknown oldHash is ENOTFOUND.
	RotateOAuthRefreshToken(ctx context.Context, oldHash string, next *OAuthRefreshToken, at time.Time, grace time.Duration) (RotateResult, error)

	// FindOAuthGrant returns a grant; unknown is ENOTFOUND.
	FindOAuthGrant(ctx context.Context, id int64) (*OAuthGrant, error)
	// FindOAuthGrants lists a user's grants, live and revoked, newest first.
	FindOAuthGrants(ctx context.Context, userID int64) ([]*OAuthGrant, error)
	// RevokeOAuthGrant revokes a grant and every refresh token of it;
	// revoking again keeps the first time. Unknown is ENOTFOUND.
	RevokeOAuthGrant(ctx context.Context, id int64, at time.Time) error
	// TouchOAuthGrant records that a grant was used at time at.
	TouchOAuthGrant(ctx context.Context, id int64, at time.Time) error

	// UseOAuthAssertionJTI records that client clientID used the client
	// assertion jti (RFC 7523), which expires at expires. A jti the client
	// already used is ECONFLICT, so replicas refuse a replayed assertion.
	UseOAuthAssertionJTI(ctx context.Context, clientID, jti string, expires time.Time) error

	// DeleteExpiredOAuth removes, as of now, expired assertion ids, codes, refresh tokens and
	// grants expired or revoked more than OAuthRecordRetention ago, and
	// clients registered more than UnusedOAuthClientTTL ago that no
	// authorization used (no code of theirs stored, none redeemed, no grant).
	// It returns how many records it removed.
	DeleteExpiredOAuth(ctx context.Context, now time.Time) (int64, error)
}
