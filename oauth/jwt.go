package oauth

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/meetingintel/meetingintel"
)

// AccessInfo is what a valid access token says: who, through which client
// and grant, with which scopes, for which resource, until when.
type AccessInfo struct {
	UserID   int64
	ClientID string
	GrantID  int64
	Scopes   []string
	Resource string // the token's audience: PUBLIC_URL/mcp or /sse
	Expiry   time.Time
}

// accessClaims are the claims of an access token (DESIGN §6, RFC 9068).
type accessClaims struct {
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	GrantID  int64  `json:"grant_id"`
	jwt.RegisteredClaims
}

// issueAccessToken signs an access token for a grant.
func (s *Server) issueAccessToken(g *meetingintel.OAuthGrant, scopes []string, resource string, now time.Time) (string, time.Time, error) {
	exp := now.Add(AccessTokenTTL)
	claims := accessClaims{
		ClientID: g.ClientID,
		Scope:    strings.Join(scopes, " "),
		GrantID:  g.ID,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Subject:   strconv.FormatInt(g.UserID, 10),
			Audience:  jwt.ClaimStrings{resource},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        randomString(16),
		},
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	t.Header["typ"] = AccessTokenType
	signed, err := t.SignedString(s.jwtKey)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("oauth: sign access token: %w", err)
	}
	return signed, exp, nil
}

// errBadAccessToken is the one answer to any invalid access token, so an
// attacker learns nothing about which check failed.
var errBadAccessToken = meetingintel.Errorf(meetingintel.EUNAUTHORIZED, "The access token is invalid, expired or revoked.")

// VerifyAccessToken checks an access token: HS256 only, signed with the
// secret, typ at+jwt, our issuer, an audience of PUBLIC_URL/mcp or /sse,
// not expired, and its grant live (read at most GrantCacheTTL ago) with an
// active user. Any failure is an EUNAUTHORIZED *meetingintel.Error; a
// database failure is returned as is.
func (s *Server) VerifyAccessToken(ctx context.Context, token string) (*AccessInfo, error) {
	now := s.now()
	var claims accessClaims
	parsed, err := jwt.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); !strings.EqualFold(typ, AccessTokenType) {
			return nil, fmt.Errorf("not an access token")
		}
		return s.jwtKey, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(s.issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(5*time.Second),
	)
	if err != nil || !parsed.Valid {
		return nil, errBadAccessToken
	}
	if len(claims.Audience) != 1 {
		return nil, errBadAccessToken
	}
	resource, ok := s.ourResource(claims.Audience[0])
	if !ok || claims.Audience[0] == "" {
		return nil, errBadAccessToken
	}
	uid, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || uid <= 0 || claims.GrantID <= 0 || claims.IssuedAt == nil || claims.ExpiresAt.Sub(claims.IssuedAt.Time) > AccessTokenTTL {
		return nil, errBadAccessToken
	}
	e, err := s.grantStatus(ctx, claims.GrantID, now)
	if err != nil {
		return nil, err
	}
	if !e.live || e.userID != uid || e.clientID != claims.ClientID {
		return nil, errBadAccessToken
	}
	return &AccessInfo{
		UserID:   uid,
		ClientID: claims.ClientID,
		GrantID:  claims.GrantID,
		Scopes:   strings.Fields(claims.Scope),
		Resource: resource,
		Expiry:   claims.ExpiresAt.Time,
	}, nil
}

// grantCache remembers grant status for GrantCacheTTL, so verifying a
// token costs no database read on busy clients while a revocation still
// takes effect within seconds (and at once in this process).
type grantCache struct {
	mu      sync.Mutex
	entries map[int64]grantEntry
}

type grantEntry struct {
	live      bool // grant live and user active
	userID    int64
	clientID  string
	checkedAt time.Time
	touchedAt time.Time // last-used as last recorded
}

// grantStatus returns a grant's status, read from the store when the
// cached one is older than GrantCacheTTL; it records the grant's use at
// most every TouchEvery.
func (s *Server) grantStatus(ctx context.Context, id int64, now time.Time) (grantEntry, error) {
	s.grants.mu.Lock()
	e, ok := s.grants.entries[id]
	s.grants.mu.Unlock()
	if ok && now.Sub(e.checkedAt) < GrantCacheTTL && !now.Before(e.checkedAt) {
		return e, nil
	}
	g, err := s.cfg.Store.FindOAuthGrant(ctx, id)
	if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
		return grantEntry{}, errBadAccessToken
	} else if err != nil {
		return grantEntry{}, err
	}
	e = grantEntry{live: g.Live(now), userID: g.UserID, clientID: g.ClientID, checkedAt: now}
	if g.LastUsedAt != nil {
		e.touchedAt = *g.LastUsedAt
	}
	if e.live {
		u, err := s.cfg.Users.FindUserByID(ctx, g.UserID)
		if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
			e.live = false
		} else if err != nil {
			return grantEntry{}, err
		} else {
			e.live = u.Active
		}
	}
	if e.live && now.Sub(e.touchedAt) >= TouchEvery {
		if err := s.cfg.Store.TouchOAuthGrant(ctx, id, now); err != nil {
			s.log.Warn("oauth: recording grant use failed", "grant_id", id, "err", err)
		} else {
			e.touchedAt = now
		}
	}
	s.grants.mu.Lock()
	if len(s.grants.entries) > 100_000 { // bound memory; entries are cheap to rebuild
		clear(s.grants.entries)
	}
	s.grants.entries[id] = e
	s.grants.mu.Unlock()
	return e, nil
}

// forgetGrant drops a grant's cached status, after this process revoked it.
func (s *Server) forgetGrant(id int64) {
	s.grants.mu.Lock()
	delete(s.grants.entries, id)
	s.grants.mu.Unlock()
}

// Challenge returns the WWW-Authenticate value for a 401 or 403 on a
// resource path ("/mcp" or "/sse"): Bearer with resource_metadata (the
// path form of RFC 9728 metadata for that resource) and every scope, plus
// error=errCode when errCode is not empty (invalid_token,
// insufficient_scope).
func Challenge(publicURL, resourcePath, errCode string) string {
	params := ChallengeParams(publicURL, resourcePath)
	if errCode != "" {
		params = append([]string{`error="` + errCode + `"`}, params...)
	}
	return "Bearer " + strings.Join(params, ", ")
}

// ChallengeParams returns the resource_metadata and scope parameters of a
// challenge for a resource path; it fits auth.Authenticator.ChallengeParams.
func ChallengeParams(publicURL, resourcePath string) []string {
	if resourcePath != ResourceSSE {
		resourcePath = ResourceMCP
	}
	base := strings.TrimRight(publicURL, "/")
	return []string{
		`resource_metadata="` + base + "/.well-known/oauth-protected-resource" + resourcePath + `"`,
		`scope="` + strings.Join(AllScopes, " ") + `"`,
	}
}
