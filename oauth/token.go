package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// tokenResponse is RFC 6749 §5.1's answer.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
}

// handleToken is the token endpoint: authorization_code and refresh_token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, "token") {
		return
	}
	resp, err := s.token(w, r)
	if s.cfg.OnToken != nil {
		code := ""
		var oe *oauthError
		if errors.As(err, &oe) {
			code = oe.Code
		} else if err != nil {
			code = "server_error"
		}
		s.cfg.OnToken(r.PostForm.Get("grant_type"), code)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// readForm reads a form-encoded POST body (never the query string) and
// refuses repeated parameters (RFC 6749 §3.1).
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return nil, errf(http.StatusBadRequest, "invalid_request", "Send the parameters form-encoded (application/x-www-form-urlencoded).")
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errf(http.StatusRequestEntityTooLarge, "invalid_request", "The request body is larger than %d bytes.", MaxFormBody)
		}
		return nil, errf(http.StatusBadRequest, "invalid_request", "The request body is not a valid form.")
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			return nil, errf(http.StatusBadRequest, "invalid_request", "The parameter %s is repeated.", k)
		}
	}
	return r.PostForm, nil
}

// authenticateClient checks the client's credentials by the method it
// registered: Basic header, form body, or none (public client).
func (s *Server) authenticateClient(ctx context.Context, r *http.Request, f url.Values) (*meetingintel.OAuthClient, error) {
	unauthorized := func(msg string) error { return errf(http.StatusUnauthorized, "invalid_client", "%s", msg) }
	id, secret, hasBasic := r.BasicAuth()
	if hasBasic {
		// RFC 6749 §2.3.1: Basic credentials are form-encoded first.
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return nil, unauthorized("The Basic credentials are malformed.")
		}
		if f.Get("client_secret") != "" {
			return nil, errf(http.StatusBadRequest, "invalid_request", "Use one client authentication method, not both Basic and client_secret.")
		}
		if fid := f.Get("client_id"); fid != "" && fid != id {
			return nil, errf(http.StatusBadRequest, "invalid_request", "client_id does not match the Basic credentials.")
		}
	} else {
		id, secret = f.Get("client_id"), f.Get("client_secret")
	}
	assertion := f.Get("client_assertion") != "" || f.Get("client_assertion_type") != ""
	if assertion {
		if hasBasic || secret != "" {
			return nil, errf(http.StatusBadRequest, "invalid_request", "Use one client authentication method, not a client assertion and a secret.")
		}
		iss, err := assertedClientID(f)
		if err != nil {
			return nil, err
		}
		if id != "" && id != iss {
			return nil, unauthorized("The client assertion is for another client than client_id.")
		}
		id = iss
	}
	if id == "" {
		return nil, unauthorized("Client authentication is required (client_id).")
	}
	c, err := s.cfg.Store.FindOAuthClient(ctx, id)
	if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
		return nil, unauthorized("Unknown client; register again.")
	} else if err != nil {
		return nil, err
	}
	if assertion != (c.AuthMethod == "private_key_jwt") {
		if assertion {
			return nil, unauthorized("This client registered " + c.AuthMethod + " and must not send a client assertion.")
		}
		return nil, unauthorized("This client registered private_key_jwt: send a client_assertion signed with its key.")
	}
	switch c.AuthMethod {
	case "private_key_jwt":
		if err := s.checkAssertion(ctx, c, f); err != nil {
			return nil, err
		}
		return c, nil
	case "none":
		if secret != "" {
			return nil, unauthorized("This client is public (registered with none) and must not send a secret.")
		}
		return c, nil
	case "client_secret_basic":
		if !hasBasic {
			return nil, unauthorized("This client registered client_secret_basic: send its secret in an Authorization: Basic header.")
		}
	case "client_secret_post":
		if hasBasic {
			return nil, unauthorized("This client registered client_secret_post: send its secret as client_secret in the form.")
		}
	default:
		return nil, unauthorized("This client's authentication method is not supported.")
	}
	if secret == "" || !constantTimeEqual(meetingintel.HashToken(secret), c.SecretHash) {
		return nil, unauthorized("The client secret is wrong.")
	}
	return c, nil
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) (*tokenResponse, error) {
	f, err := readForm(w, r)
	if err != nil {
		return nil, err
	}
	client, err := s.authenticateClient(r.Context(), r, f)
	if err != nil {
		return nil, err
	}
	switch gt := f.Get("grant_type"); gt {
	case "authorization_code":
		return s.exchangeCode(r.Context(), client, f)
	case "refresh_token":
		return s.refresh(r.Context(), client, f)
	case "":
		return nil, errf(http.StatusBadRequest, "invalid_request", "grant_type is required.")
	default:
		return nil, errf(http.StatusBadRequest, "unsupported_grant_type", "Only authorization_code and refresh_token are supported.")
	}
}

// invalidGrant is the answer for any code or refresh token that is
// unknown, expired, used, revoked, or another client's.
func invalidGrant(msg string) error { return errf(http.StatusBadRequest, "invalid_grant", "%s", msg) }

// exchangeCode redeems an authorization code. Every check runs before the
// code is marked used, so a failed request leaves it usable; a code
// presented after its redemption revokes the grant it created.
func (s *Server) exchangeCode(ctx context.Context, client *meetingintel.OAuthClient, f url.Values) (*tokenResponse, error) {
	code, verifier := f.Get("code"), f.Get("code_verifier")
	if code == "" {
		return nil, errf(http.StatusBadRequest, "invalid_request", "code is required.")
	}
	if verifier == "" {
		return nil, errf(http.StatusBadRequest, "invalid_request", "code_verifier is required (PKCE).")
	}
	hash := meetingintel.HashToken(code)
	c, err := s.cfg.Store.FindOAuthCode(ctx, hash)
	if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
		return nil, invalidGrant("The authorization code is invalid.")
	} else if err != nil {
		return nil, err
	}
	if c.ClientID != client.ID {
		return nil, invalidGrant("The authorization code is invalid.")
	}
	now := s.now().UTC()
	if c.UsedAt != nil {
		s.codeReplayed(ctx, c)
		return nil, invalidGrant("The authorization code was already used; everything issued from it is revoked.")
	}
	if !now.Before(c.ExpiresAt) {
		return nil, invalidGrant("The authorization code has expired; sign in again.")
	}
	if f.Get("redirect_uri") != c.RedirectURI {
		return nil, invalidGrant("redirect_uri does not match the authorization request.")
	}
	if !verifierMatches(verifier, c.CodeChallenge) {
		return nil, invalidGrant("code_verifier does not match the code_challenge.")
	}
	resource := c.Resource
	if v := f.Get("resource"); v != "" {
		r, ok := s.ourResource(v)
		if !ok {
			return nil, errf(http.StatusBadRequest, "invalid_target", "The resource is not served by this server.")
		}
		resource = r
	}
	if err := s.userActive(ctx, c.UserID); err != nil {
		return nil, err
	}
	g := &meetingintel.OAuthGrant{
		UserID: c.UserID, ClientID: client.ID, Scopes: c.Scopes, Resource: c.Resource,
		CreatedAt: now, ExpiresAt: now.Add(RefreshTokenTTL),
	}
	var refresh string
	var rt *meetingintel.OAuthRefreshToken
	if slices.Contains(client.GrantTypes, "refresh_token") {
		refresh = RefreshTokenPrefix + randomString(32)
		rt = &meetingintel.OAuthRefreshToken{Hash: meetingintel.HashToken(refresh), CreatedAt: now, ExpiresAt: now.Add(RefreshTokenTTL)}
	}
	err = s.cfg.Store.RedeemOAuthCode(ctx, hash, now, g, rt)
	if meetingintel.ErrorCode(err) == meetingintel.ECONFLICT {
		// Redeemed by a concurrent request: a replay as well.
		if c, err := s.cfg.Store.FindOAuthCode(ctx, hash); err == nil {
			s.codeReplayed(ctx, c)
		}
		return nil, invalidGrant("The authorization code was already used; everything issued from it is revoked.")
	} else if err != nil {
		return nil, err
	}
	s.log.Info("oauth grant created", "grant_id", g.ID, "client_id", client.ID, "user_id", g.UserID, "scope", strings.Join(g.Scopes, " "))
	return s.tokens(g, g.Scopes, resource, refresh, now)
}

// codeReplayed revokes the grant a replayed code created.
func (s *Server) codeReplayed(ctx context.Context, c *meetingintel.OAuthCode) {
	s.log.Warn("oauth code replayed: revoking its grant", "client_id", c.ClientID, "grant_id", c.GrantID)
	if c.GrantID == 0 {
		return
	}
	if err := s.cfg.Store.RevokeOAuthGrant(ctx, c.GrantID, s.now()); err != nil && meetingintel.ErrorCode(err) != meetingintel.ENOTFOUND {
		s.log.Error("oauth: revoking a replayed code's grant failed", "grant_id", c.GrantID, "err", err)
	}
	s.forgetGrant(c.GrantID)
}

// verifierMatches checks a PKCE verifier (RFC 7636 §4.1: 43 to 128
// unreserved characters) against an S256 challenge, in constant time.
func verifierMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	for _, r := range verifier {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r)) {
			return false
		}
	}
	sum := sha256.Sum256([]byte(verifier))
	return constantTimeEqual(base64.RawURLEncoding.EncodeToString(sum[:]), challenge)
}

// userActive refuses the grant of a user who is gone or deactivated.
func (s *Server) userActive(ctx context.Context, id int64) error {
	u, err := s.cfg.Users.FindUserByID(ctx, id)
	if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND || (err == nil && !u.Active) {
		return invalidGrant("The user of this grant is no longer active.")
	}
	return err
}

// refresh rotates a refresh token and issues a new access token.
func (s *Server) refresh(ctx context.Context, client *meetingintel.OAuthClient, f url.Values) (*tokenResponse, error) {
	if !slices.Contains(client.GrantTypes, "refresh_token") {
		return nil, errf(http.StatusBadRequest, "unauthorized_client", "This client did not register the refresh_token grant type.")
	}
	old := f.Get("refresh_token")
	if old == "" {
		return nil, errf(http.StatusBadRequest, "invalid_request", "refresh_token is required.")
	}
	oldHash := meetingintel.HashToken(old)
	rt, err := s.cfg.Store.FindOAuthRefreshToken(ctx, oldHash)
	if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
		return nil, invalidGrant("The refresh token is invalid.")
	} else if err != nil {
		return nil, err
	}
	if rt.ClientID != client.ID {
		return nil, invalidGrant("The refresh token is invalid.")
	}
	g, err := s.cfg.Store.FindOAuthGrant(ctx, rt.GrantID)
	if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
		return nil, invalidGrant("The refresh token is invalid.")
	} else if err != nil {
		return nil, err
	}
	scopes, ok := parseScopes(f.Get("scope"), g.Scopes)
	if !ok {
		return nil, errf(http.StatusBadRequest, "invalid_scope", "A refresh may narrow the scope, never widen it; this grant has: %s.", strings.Join(g.Scopes, " "))
	}
	resource := g.Resource
	if v := f.Get("resource"); v != "" {
		r, ok := s.ourResource(v)
		if !ok {
			return nil, errf(http.StatusBadRequest, "invalid_target", "The resource is not served by this server.")
		}
		resource = r
	}
	if err := s.userActive(ctx, g.UserID); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	next := RefreshTokenPrefix + randomString(32)
	res, err := s.cfg.Store.RotateOAuthRefreshToken(ctx, oldHash,
		&meetingintel.OAuthRefreshToken{Hash: meetingintel.HashToken(next), CreatedAt: now, ExpiresAt: now.Add(RefreshTokenTTL)},
		now, RefreshGrace)
	if err != nil {
		if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
			return nil, invalidGrant("The refresh token is invalid.")
		}
		return nil, err
	}
	switch res {
	case meetingintel.Rotated:
	case meetingintel.RotatedRetry:
		s.log.Info("oauth refresh retried inside the grace window", "grant_id", g.ID, "client_id", client.ID)
	case meetingintel.ReuseDetected:
		s.forgetGrant(g.ID)
		s.log.Warn("oauth refresh token reused: grant revoked", "grant_id", g.ID, "client_id", client.ID)
		return nil, invalidGrant("The refresh token was already used; the connection is revoked. Sign in again.")
	default:
		return nil, invalidGrant("The refresh token is expired or revoked.")
	}
	return s.tokens(g, scopes, resource, next, now)
}

// tokens builds the token response.
func (s *Server) tokens(g *meetingintel.OAuthGrant, scopes []string, resource, refresh string, now time.Time) (*tokenResponse, error) {
	at, exp, err := s.issueAccessToken(g, scopes, resource, now)
	if err != nil {
		return nil, err
	}
	return &tokenResponse{
		AccessToken:  at,
		TokenType:    "Bearer",
		ExpiresIn:    int64(exp.Sub(now).Seconds()),
		RefreshToken: refresh,
		Scope:        strings.Join(scopes, " "),
	}, nil
}
