// Package oauth is Meeting Intelligence's OAuth 2.1 authorization server,
// the one ChatGPT, Claude and other MCP clients use to connect (MCP
// authorization 2025-11-25, RFC 6749/OAuth 2.1, 7636, 7591, 8414, 8707,
// 9728, 7009, 9207, 9700): metadata, dynamic client registration, the
// sign-in and consent page, the token and revocation endpoints, and the
// verification of the access tokens it issues.
//
// oauth never logs a token, code or secret, and stores them only hashed.
// The one request it makes, the fetch of a client ID metadata document
// (cimd.go), goes only to public addresses over https.
// Every answer under /.well-known and /oauth is JSON with
// Cache-Control: no-store, except the consent page.
package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/meetingintel/meetingintel"
)

// Users is what the authorization server needs of the user store: PAT
// sign-in and the user behind a grant. meetingintel.Store satisfies it.
type Users interface {
	AuthenticateToken(ctx context.Context, token string) (*meetingintel.User, *meetingintel.Token, error)
	FindUserByID(ctx context.Context, id int64) (*meetingintel.User, error)
}

// Config configures a Server.
type Config struct {
	Store     meetingintel.OAuthStore
	Users     Users
	PublicURL string // e.g. https://team.example.com; the issuer, exactly
	Secret    []byte // JWT_SECRET, at least MinSecretLen bytes
	Logger    *slog.Logger
	Now       func() time.Time // nil means time.Now
	// Audit, when set, records consent decisions and sign-ins on the
	// consent page. (Grants made and revoked are recorded by Store when
	// it is an audit.OAuth.)
	Audit meetingintel.AuditService

	// SessionUser, when set, returns the user signed in to the web UI by
	// r's session (nil for none) and a value that identifies that session
	// (its id or CSRF secret); the consent page then skips the PAT step and
	// binds its CSRF token to the session. Hook for the web UI.
	SessionUser func(r *http.Request) (u *meetingintel.User, sessionID string)
	// SignInProviders are the single sign-on providers the sign-in step
	// offers, before the token input. They sign in to the web UI, so
	// SessionUser must be set for them to count.
	SignInProviders []SignInProvider
	// HidePATSignIn removes the token input from the sign-in step
	// (PAT_SIGNIN=false); a posted token is still refused.
	HidePATSignIn bool
	// ClientAddr returns the address rate limits count by (behind a
	// trusted proxy, the forwarded one it vouches for). Nil uses
	// r.RemoteAddr's host.
	ClientAddr func(r *http.Request) string
	// RegisterPerAddr is how many registrations one address may make per
	// RateWindow; 0 means RegisterPerMin.
	RegisterPerAddr int
	// RegisterTotal is how many registrations all addresses together may
	// make per RateWindow; 0 means RegisterTotalPerMin.
	RegisterTotal int
	// CIMDTestOnly, in tests only, trusts a test CA and non-public
	// addresses when fetching client metadata documents.
	CIMDTestOnly *CIMDTestOnly
	// OnToken, when set, is called after every token request with its
	// grant_type and the error code answered ("" when tokens were issued).
	OnToken func(grantType, errCode string)
}

// Server is the authorization server. It is safe for concurrent use.
type Server struct {
	cfg    Config
	issuer string
	log    *slog.Logger
	now    func() time.Time

	// Keys derived from the secret, one per purpose: the JWT key is the
	// secret itself (DESIGN §6), the others never sign two kinds of thing.
	jwtKey     []byte
	requestKey []byte // signs authorization requests carried by the form
	csrfKey    []byte
	signInKey  []byte

	limits map[string]*limiter
	grants grantCache
	cimd   *cimdFetcher
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Users == nil {
		return nil, errors.New("oauth: Store and Users are required")
	}
	if len(cfg.Secret) < MinSecretLen {
		return nil, fmt.Errorf("JWT_SECRET: must be at least %d bytes", MinSecretLen)
	}
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("PUBLIC_URL: %q is not an absolute http(s) URL", cfg.PublicURL)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RegisterPerAddr < 0 || cfg.RegisterTotal < 0 {
		return nil, errors.New("oauth: registration limits must not be negative")
	}
	if cfg.RegisterPerAddr == 0 {
		cfg.RegisterPerAddr = RegisterPerMin
	}
	if cfg.RegisterTotal == 0 {
		cfg.RegisterTotal = RegisterTotalPerMin
	}
	s := &Server{
		cfg:        cfg,
		issuer:     strings.TrimRight(cfg.PublicURL, "/"),
		log:        cfg.Logger,
		now:        cfg.Now,
		jwtKey:     cfg.Secret,
		requestKey: derive(cfg.Secret, "oauth authorization request"),
		csrfKey:    derive(cfg.Secret, "oauth consent csrf"),
		signInKey:  derive(cfg.Secret, "oauth sign-in"),
		limits: map[string]*limiter{
			"register": newLimiter(cfg.RegisterPerAddr, RateWindow),
			// One key for everyone: the ceiling on all registrations.
			"register-total": newLimiter(cfg.RegisterTotal, RateWindow),
			"authorize":      newLimiter(AuthorizePerMin, RateWindow),
			"token":          newLimiter(TokenPerMin, RateWindow),
		},
	}
	s.grants.entries = map[int64]grantEntry{}
	s.cimd = newCIMDFetcher(cfg.CIMDTestOnly, cfg.Now)
	return s, nil
}

// Issuer returns the issuer identifier: PUBLIC_URL without a trailing slash.
func (s *Server) Issuer() string { return s.issuer }

// derive returns a key for one purpose from the secret.
func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("meetingintel " + purpose))
	return m.Sum(nil)
}

// Register mounts the OAuth routes on mux.
func (s *Server) Register(mux interface{ Handle(string, http.Handler) }) {
	h := func(f http.HandlerFunc) http.Handler { return f }
	for _, p := range []string{
		"/.well-known/oauth-protected-resource",
		"/.well-known/oauth-protected-resource/mcp",
		"/.well-known/oauth-protected-resource/sse",
	} {
		mux.Handle("GET "+p, cors(h(s.handleProtectedResource)))
		mux.Handle("OPTIONS "+p, cors(nil))
	}
	// Metadata under a token path would leak nothing, but clients must
	// never learn to use one: anything else under the prefix is a JSON 404.
	mux.Handle("/.well-known/oauth-protected-resource/", cors(h(s.handleWellKnownNotFound)))
	mux.Handle("GET /.well-known/oauth-authorization-server", cors(h(s.handleAuthServerMetadata)))
	mux.Handle("OPTIONS /.well-known/oauth-authorization-server", cors(nil))
	mux.Handle("/.well-known/openid-configuration", cors(h(s.handleWellKnownNotFound)))
	mux.Handle("POST /oauth/register", cors(h(s.handleRegister)))
	mux.Handle("OPTIONS /oauth/register", cors(nil))
	mux.Handle("GET /oauth/authorize", h(s.handleAuthorize))
	mux.Handle("POST /oauth/authorize", h(s.handleAuthorize))
	mux.Handle("GET "+resumePath, h(s.handleResume))
	mux.Handle("POST /oauth/token", cors(h(s.handleToken)))
	mux.Handle("OPTIONS /oauth/token", cors(nil))
	mux.Handle("POST /oauth/revoke", cors(h(s.handleRevoke)))
	mux.Handle("OPTIONS /oauth/revoke", cors(nil))
	mux.Handle("GET /oauth/static/", h(s.handleStatic))
	// Everything else under /oauth answers JSON, never an HTML 404 page.
	mux.Handle("/oauth/", h(s.handleOAuthNotFound))
}

// Cleanup removes expired OAuth records; call it periodically (hourly).
func (s *Server) Cleanup(ctx context.Context) (int64, error) {
	n, err := s.cfg.Store.DeleteExpiredOAuth(ctx, s.now())
	if err != nil {
		s.log.Error("oauth cleanup failed", "err", err)
		return 0, err
	}
	if n > 0 {
		s.log.Info("oauth cleanup", "removed", n)
	}
	return n, nil
}

// cors answers preflights and lets browser clients (MCP Inspector) read
// responses. These endpoints use no cookies, so any origin may call them.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Access-Control-Expose-Headers", "WWW-Authenticate, Mcp-Session-Id")
		if r.Method == http.MethodOptions || next == nil {
			hd.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Mcp-Protocol-Version")
			hd.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeJSON writes v as JSON that no cache keeps.
func writeJSON(w http.ResponseWriter, status int, v any) {
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Pragma", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// oauthError is an RFC 6749 §5.2 (and RFC 7591 §3.2.2) error.
type oauthError struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

func errf(status int, code, format string, args ...any) *oauthError {
	return &oauthError{Status: status, Code: code, Description: fmt.Sprintf(format, args...)}
}

// writeError writes err as OAuth error JSON; anything that is not an
// *oauthError is logged and answered as server_error.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var oe *oauthError
	if !errors.As(err, &oe) {
		s.log.Error("oauth request failed", "path", meetingintel.Redact(r.URL.Path), "err", err)
		oe = errf(http.StatusInternalServerError, "server_error", "Something went wrong on our side; try again shortly.")
	}
	if oe.Status == http.StatusUnauthorized && oe.Code == "invalid_client" {
		w.Header().Set("WWW-Authenticate", `Basic realm="meetingintel"`)
	}
	writeJSON(w, oe.Status, oe)
}

func (s *Server) handleWellKnownNotFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, errf(0, "not_found", "No such metadata document."))
}

func (s *Server) handleOAuthNotFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, errf(0, "not_found", "No such OAuth endpoint (or method not allowed here)."))
}

// clientAddr returns the address rate limits count by.
func (s *Server) clientAddr(r *http.Request) string {
	if s.cfg.ClientAddr != nil {
		if a := s.cfg.ClientAddr(r); a != "" {
			return a
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// allow reports whether the client may make one more request of kind; a
// refusal has been answered already: a plain 429 with Retry-After and an
// OAuth error body (RFC 6749 §5.2, RFC 7591 §3.2.2 shape). Its code is
// temporarily_unavailable, the registered code for "try again later";
// slow_down belongs to the device flow (RFC 8628) and confuses clients.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, kind string) bool {
	now := s.now()
	retry, ok := s.limits[kind].take(s.clientAddr(r), now)
	msg := "Too many requests from your address; try again in a minute."
	if ok && kind == "register" {
		if retry, ok = s.limits["register-total"].take("", now); !ok {
			msg = "Too many registrations right now; try again in a minute."
		}
	}
	if ok {
		return true
	}
	w.Header().Set("Retry-After", fmt.Sprint(int(retry.Seconds())+1))
	writeJSON(w, http.StatusTooManyRequests, errf(0, "temporarily_unavailable", "%s", msg))
	s.log.Warn("oauth rate limit", "kind", kind)
	return false
}

// limiter is a fixed-window counter per key, in memory.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	start  time.Time
	counts map[string]int
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, counts: map[string]int{}}
}

// take counts one request for key at now; it returns false (and how long
// until the window resets) once key used up its allowance.
func (l *limiter) take(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.window || now.Before(l.start) {
		l.start, l.counts = now, map[string]int{} // a new window forgets everyone: memory stays bounded
	}
	if l.counts[key] >= l.max {
		return l.window - now.Sub(l.start), false
	}
	l.counts[key]++
	return 0, true
}

// resourceURL returns PUBLIC_URL + path.
func (s *Server) resourceURL(path string) string { return s.issuer + path }

// ourResource returns the canonical resource for an indicator if it is
// one of ours, with "" meaning the default.
func (s *Server) ourResource(v string) (string, bool) {
	switch v {
	case "":
		return s.resourceURL(DefaultResourcePath), true
	case s.resourceURL(ResourceMCP), s.resourceURL(ResourceSSE):
		return v, true
	}
	return "", false
}
