package oauth

import (
	"time"

	"github.com/meetingintel/meetingintel"
)

// Scopes (DESIGN §6). A request without scope gets DefaultScopes.
const (
	ScopeRead  = meetingintel.ScopeRead
	ScopeWrite = meetingintel.ScopeWrite
)

// AllScopes lists every scope this server grants, in display order. The
// metadata advertises exactly these: clients ask for all of them.
var AllScopes = []string{ScopeRead, ScopeWrite}

// Resource paths: PUBLIC_URL + one of these is a resource indicator
// (RFC 8707) this server accepts; DefaultResourcePath is used when a
// request names none.
const (
	ResourceMCP         = "/mcp"
	ResourceSSE         = "/sse"
	DefaultResourcePath = ResourceMCP
)

// Lifetimes.
const (
	AccessTokenTTL  = time.Hour           // DESIGN §6: at most one hour
	CodeTTL         = 5 * time.Minute     // DESIGN §6: at most ten minutes
	RefreshTokenTTL = 30 * 24 * time.Hour // sliding: each rotation renews it
	// RefreshGrace is how long after a rotation a retry with the old
	// refresh token still gets an answer (a fresh rotation).
	RefreshGrace = 30 * time.Second
	// RequestTTL bounds the signed authorization request carried by the
	// consent form: how long a person has to sign in and decide.
	RequestTTL = 15 * time.Minute
	// SignInTTL bounds the signed "signed in as" proof between the sign-in
	// and the consent steps.
	SignInTTL = 10 * time.Minute
	// GrantCacheTTL is how long VerifyAccessToken trusts a grant's status
	// without reading it again: a revoked grant's tokens stop within it.
	GrantCacheTTL = 2 * time.Second
	// TouchEvery throttles the grant last-used write.
	TouchEvery = time.Minute
)

// Prefixes of the opaque credentials this server issues, so secret
// scanners and people can tell them apart (PATs start with mi_pat_).
const (
	ClientIDPrefix     = "mi_client_"
	ClientSecretPrefix = meetingintel.OAuthClientSecretPrefix
	CodePrefix         = meetingintel.OAuthCodePrefix
	RefreshTokenPrefix = meetingintel.OAuthRefreshTokenPrefix
)

// AccessTokenType is the JWT "typ" of access tokens (RFC 9068); tokens
// without it are refused, so no other JWT signed with the same secret can
// pass as an access token.
const AccessTokenType = "at+jwt"

// Limits.
const (
	MaxRegisterBody   = 64 << 10 // bytes of a registration request
	MaxFormBody       = 16 << 10 // bytes of an authorize, token or revoke form
	MaxRedirectURIs   = 10
	MaxRedirectURILen = 2000
	MaxClientNameLen  = 200
	MaxStateLen       = 2000
	MinSecretLen      = 32 // bytes of JWT_SECRET
)

// Rate limits per client address, in requests per window (in memory, per
// process: replicas each count their own).
const (
	RateWindow = time.Minute
	// RegisterPerMin is the default per-address registration burst
	// (Config.RegisterPerAddr). ChatGPT's and Claude's servers register
	// every user of a team from a few shared addresses, so it bounds
	// floods, not people; storage is bounded by RegisterTotalPerMin and by
	// sweeping clients never used (meetingintel.UnusedOAuthClientTTL).
	RegisterPerMin = 100
	// RegisterTotalPerMin is the default ceiling on registrations from all
	// addresses together (Config.RegisterTotal).
	RegisterTotalPerMin = 1000
	AuthorizePerMin     = 60
	TokenPerMin         = 300 // ChatGPT's servers share few addresses
)
