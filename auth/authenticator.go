package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/meetingintel/meetingintel"
)

// Sources is the set of credential locations an endpoint accepts.
type Sources uint8

// Credential locations an endpoint may accept.
const (
	FromBearer Sources = 1 << iota // Authorization: Bearer
	FromAPIKey                     // X-API-Key
	FromQuery                      // ?token=
	FromPath                       // the {token} path value
)

// FromHeaders accepts the header credentials every MCP endpoint takes.
const FromHeaders = FromBearer | FromAPIKey

// APIKeyHeader carries a PAT for clients that cannot set Authorization.
const APIKeyHeader = "X-API-Key"

// ErrNoCredential means the request carried no credential at all.
var ErrNoCredential = meetingintel.Errorf(meetingintel.EUNAUTHORIZED,
	"Authentication required: send a personal access token as \"Authorization: Bearer <token>\" or \"X-API-Key: <token>\".")

// errInvalidToken is what every unknown, revoked or malformed credential
// becomes: one message, so an attacker learns nothing about which it was.
var errInvalidToken = meetingintel.Errorf(meetingintel.EUNAUTHORIZED,
	"The token is invalid, expired or revoked.")

// TokenVerifier verifies a credential that is not a PAT (an OAuth access
// token) and returns its principal, or an EUNAUTHORIZED error. It is the
// hook OAuth plugs into.
type TokenVerifier func(ctx context.Context, token string) (*Principal, error)

// Authenticator turns requests into principals.
type Authenticator struct {
	// Tokens authenticates PATs.
	Tokens meetingintel.TokenService
	// OAuth, when set, verifies Bearer and X-API-Key credentials that look
	// like JWTs. Legacy locations (path, query) never reach it: they take
	// PATs only (DESIGN §6).
	OAuth TokenVerifier
	// ChallengeParams, when set, returns extra WWW-Authenticate parameters
	// for a resource ("/mcp" or "/sse"), such as resource_metadata and
	// scope once OAuth is on. Nil adds none.
	ChallengeParams func(resource string) []string
	// Logger receives store failures (never credentials). Nil discards.
	Logger *slog.Logger
}

// Authenticate finds the credential of r among the locations src allows
// and verifies it. It returns ErrNoCredential when none was sent, an
// EUNAUTHORIZED error for a bad one, and other errors for internal faults.
func (a *Authenticator) Authenticate(r *http.Request, src Sources) (*Principal, error) {
	token, method, err := Credential(r, src)
	if err != nil {
		return nil, err
	}
	return a.Verify(r.Context(), token, method)
}

// Credential extracts the credential of r from the first location src
// allows that carries one: Authorization, X-API-Key, path, then query.
func Credential(r *http.Request, src Sources) (token string, method Method, err error) {
	if src&FromBearer != 0 {
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
				return "", MethodBearer, errInvalidToken
			}
			return strings.TrimSpace(tok), MethodBearer, nil
		}
	}
	if src&FromAPIKey != 0 {
		if tok := strings.TrimSpace(r.Header.Get(APIKeyHeader)); tok != "" {
			return tok, MethodAPIKey, nil
		}
	}
	if src&FromPath != 0 {
		if tok := r.PathValue("token"); tok != "" {
			return tok, MethodPath, nil
		}
	}
	if src&FromQuery != 0 {
		if tok := r.URL.Query().Get("token"); tok != "" {
			return tok, MethodQuery, nil
		}
	}
	return "", "", ErrNoCredential
}

// Verify checks a credential that came by method.
func (a *Authenticator) Verify(ctx context.Context, token string, method Method) (*Principal, error) {
	if token == "" || len(token) > 4096 {
		return nil, errInvalidToken
	}
	if a.OAuth != nil && (method == MethodBearer || method == MethodAPIKey) &&
		!strings.HasPrefix(token, meetingintel.PATPrefix) && strings.Count(token, ".") == 2 {
		p, err := a.OAuth(ctx, token)
		if err != nil {
			return nil, a.classify(err)
		}
		p.Method, p.Kind, p.credential = method, KindOAuth, token
		return p, nil
	}
	u, tok, err := a.Tokens.AuthenticateToken(ctx, token)
	if err != nil {
		return nil, a.classify(err)
	}
	return &Principal{
		User: u, Method: method, Kind: KindPAT,
		Scopes: slices.Clone(AllScopes), TokenID: tok.ID, credential: token,
	}, nil
}

// classify keeps "your credential is bad" apart from "our database failed",
// so an outage answers 500 rather than telling clients to sign in again.
func (a *Authenticator) classify(err error) error {
	switch meetingintel.ErrorCode(err) {
	case meetingintel.EUNAUTHORIZED, meetingintel.ENOTFOUND, meetingintel.EINVALID:
		return errInvalidToken
	}
	if a.Logger != nil {
		a.Logger.Error("authenticating a token failed", "err", err)
	}
	return err
}

// Recheck verifies again the credential that authenticated p, for
// long-lived sessions: a revoked PAT (or grant) ends them. A local
// principal has nothing to re-check.
func (a *Authenticator) Recheck(ctx context.Context, p *Principal) error {
	if p.Kind == KindLocal {
		return nil
	}
	q, err := a.Verify(ctx, p.credential, p.Method)
	if err != nil {
		return err
	}
	if q.User.ID != p.User.ID {
		return errInvalidToken
	}
	return nil
}

// Middleware authenticates every request from the locations src allows
// and puts the principal into the request context; failures answer 401
// with a challenge for resource.
func (a *Authenticator) Middleware(src Sources, resource string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, err := a.Authenticate(r, src)
			if err != nil {
				a.WriteError(w, err, resource)
				return
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), p)))
		})
	}
}

// WriteError answers an authentication failure: 401 with a Bearer
// challenge (error="invalid_token" when a credential was sent) for
// EUNAUTHORIZED, 500 otherwise.
func (a *Authenticator) WriteError(w http.ResponseWriter, err error, resource string) {
	if meetingintel.ErrorCode(err) != meetingintel.EUNAUTHORIZED {
		writeJSON(w, http.StatusInternalServerError, map[string]string{
			"error": "server_error", "error_description": "Authentication is unavailable right now; try again shortly.",
		})
		return
	}
	params := []string{}
	body := map[string]string{"error": "unauthorized", "error_description": meetingintel.ErrorMessage(err)}
	if !errors.Is(err, ErrNoCredential) {
		params = append(params, `error="invalid_token"`)
		body["error"] = "invalid_token"
	}
	if a.ChallengeParams != nil {
		params = append(params, a.ChallengeParams(resource)...)
	}
	w.Header().Set("WWW-Authenticate", challenge(params))
	writeJSON(w, http.StatusUnauthorized, body)
}

// WriteInsufficientScope answers 403 for a request whose principal lacks
// scope (RFC 6750 §3.1), naming every scope so the client can ask for more.
func (a *Authenticator) WriteInsufficientScope(w http.ResponseWriter, resource, scope string) {
	params := []string{`error="insufficient_scope"`, fmt.Sprintf("scope=%q", strings.Join(AllScopes, " "))}
	if a.ChallengeParams != nil {
		for _, p := range a.ChallengeParams(resource) {
			if !strings.HasPrefix(p, "scope=") {
				params = append(params, p)
			}
		}
	}
	w.Header().Set("WWW-Authenticate", challenge(params))
	writeJSON(w, http.StatusForbidden, map[string]string{
		"error":             "insufficient_scope",
		"error_description": "This call needs the " + scope + " scope, which this token was not granted.",
	})
}

func challenge(params []string) string {
	if len(params) == 0 {
		return "Bearer"
	}
	return "Bearer " + strings.Join(params, ", ")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
