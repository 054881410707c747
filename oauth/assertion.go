package oauth

import (
	"context"
	"net/http"
	"net/url"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/meetingintel/meetingintel"
)

// Client authentication with a signed JWT (private_key_jwt: RFC 7523 §2.2
// and §3, OpenID Connect Core §9) for clients whose metadata document
// publishes keys. The assertion is signed with one of the client's keys,
// names the client as iss and sub and us as aud, expires soon, and its jti
// is recorded in the store until it expires, so no replica accepts it
// twice.
const (
	// AssertionType is the only client_assertion_type accepted.
	AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// MaxAssertionLifetime bounds how far ahead an assertion's exp may be:
	// a long-lived assertion is a bearer credential in all but name.
	MaxAssertionLifetime = 5 * time.Minute
	// AssertionLeeway is the clock skew forgiven on exp, nbf and iat.
	AssertionLeeway = 30 * time.Second
	// MaxAssertionBytes bounds a client_assertion before it is parsed.
	MaxAssertionBytes = 8 << 10
	maxJTILen         = 256
)

// assertionAlgs are the signature algorithms accepted (never none or HMAC:
// the keys are public).
var assertionAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// assertedClientID returns the client a client_assertion claims to be (its
// iss), unverified: it only picks the keys to verify it with.
func assertedClientID(f url.Values) (string, error) {
	a := f.Get("client_assertion")
	if f.Get("client_assertion_type") != AssertionType {
		return "", errf(http.StatusBadRequest, "invalid_request", "client_assertion_type must be %s.", AssertionType)
	}
	if len(a) > MaxAssertionBytes {
		return "", errf(http.StatusUnauthorized, "invalid_client", "The client assertion is larger than %d bytes.", MaxAssertionBytes)
	}
	tok, err := jwt.ParseSigned(a, assertionAlgs)
	if err != nil {
		return "", errf(http.StatusUnauthorized, "invalid_client", "The client assertion is not a JWT signed with RS256 or ES256.")
	}
	var c jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil || c.Issuer == "" {
		return "", errf(http.StatusUnauthorized, "invalid_client", "The client assertion names no issuer (iss).")
	}
	return c.Issuer, nil
}

// checkAssertion verifies client c's client_assertion and spends its jti.
func (s *Server) checkAssertion(ctx context.Context, c *meetingintel.OAuthClient, f url.Values) error {
	unauthorized := func(msg string) error { return errf(http.StatusUnauthorized, "invalid_client", "%s", msg) }
	if !isCIMDClientID(c.ID) {
		return unauthorized("This client's authentication method is not supported.")
	}
	keys, err := s.cimd.keys(ctx, c.ID)
	if err != nil {
		s.log.Info("oauth client keys refused", "client_id", meetingintel.Redact(truncate(c.ID, 200)), "err", err)
		return unauthorized("The client's keys could not be used: " + err.Error() + ".")
	}
	tok, err := jwt.ParseSigned(f.Get("client_assertion"), assertionAlgs)
	if err != nil || len(tok.Headers) != 1 {
		return unauthorized("The client assertion is not a JWT signed with RS256 or ES256.")
	}
	h := tok.Headers[0]
	var claims jwt.Claims
	verified := false
	for _, k := range keys {
		if h.KeyID != "" && k.KeyID != "" && h.KeyID != k.KeyID {
			continue
		}
		if err := tok.Claims(k.Key, &claims); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return unauthorized("The client assertion is not signed by any of the client's keys.")
	}
	now := s.now()
	if claims.Expiry == nil {
		return unauthorized("The client assertion has no expiry (exp).")
	}
	exp := claims.Expiry.Time()
	if exp.After(now.Add(MaxAssertionLifetime + AssertionLeeway)) {
		return unauthorized("The client assertion expires too far ahead: at most 5 minutes.")
	}
	if claims.ID == "" || len(claims.ID) > maxJTILen {
		return unauthorized("The client assertion needs a jti of at most 256 characters.")
	}
	err = claims.ValidateWithLeeway(jwt.Expected{
		Issuer:      c.ID,
		Subject:     c.ID,
		AnyAudience: jwt.Audience{s.issuer, s.issuer + "/oauth/token"},
		Time:        now,
	}, AssertionLeeway)
	switch err {
	case nil:
	case jwt.ErrExpired:
		return unauthorized("The client assertion has expired.")
	case jwt.ErrInvalidAudience:
		return unauthorized("The client assertion's audience (aud) is not this server's issuer or token endpoint.")
	case jwt.ErrInvalidIssuer, jwt.ErrInvalidSubject:
		return unauthorized("The client assertion's iss and sub must both be the client_id.")
	default:
		return unauthorized("The client assertion is not valid yet or was issued in the future.")
	}
	// Kept until exp plus the leeway, the last moment it could be accepted.
	if err := s.cfg.Store.UseOAuthAssertionJTI(ctx, c.ID, claims.ID, exp.Add(AssertionLeeway)); meetingintel.ErrorCode(err) == meetingintel.ECONFLICT {
		return unauthorized("The client assertion was already used (its jti is single use).")
	} else if err != nil {
		return err
	}
	return nil
}
