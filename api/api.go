// Package api is the REST edge of meetingintel: JSON over HTTP under /api/
// for scripts and the web UI (DESIGN §4). It translates requests into store
// calls made as the authenticated user, and the domain's one error type into
// RFC 9457 problem documents with the matching HTTP status.
//
// It authenticates with personal access tokens (Authorization: Bearer) or
// the web UI's cookie session, never with OAuth access tokens, which are for
// MCP only. A cookie-authenticated write must prove it comes from our own
// pages (CSRF token and same origin). It never logs a credential, and it
// answers a meeting the caller may not see with 404, never 403, so that its
// existence does not leak.
package api

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/auth"
	"github.com/meetingintel/meetingintel/httpserver"
	"github.com/meetingintel/meetingintel/transcript"
)

// Body limits. A meeting may carry a whole transcript, as JSON text or as an
// uploaded file; everything else is small.
const (
	MaxJSONBytes    = 1 << 20
	MaxUploadBytes  = transcript.MaxSize + 1<<20 // the file plus form fields and JSON escaping
	csrfHeader      = "X-CSRF-Token"
	csrfFormField   = "csrf"
	maxSegmentLimit = 1000 // the store's largest transcript page
)

// Config configures a Server.
type Config struct {
	Store meetingintel.Store
	// Auth verifies Bearer credentials. Only personal access tokens are
	// accepted on /api/; OAuth access tokens are refused (DESIGN §4).
	Auth *auth.Authenticator
	// Session returns the user of the web UI's cookie session and that
	// session's CSRF token; nil means there are no sessions.
	Session func(*http.Request) (u *meetingintel.User, csrf string, ok bool)
	// PublicURL is how browsers reach us; its origin is the only one whose
	// cookie-authenticated writes are accepted. Empty: the request's Host.
	PublicURL string
	Logger    *slog.Logger
}

// Server serves the REST API.
type Server struct {
	cfg    Config
	store  meetingintel.Store
	log    *slog.Logger
	origin string // scheme://host of PublicURL, "" when unset
	routes []route
}

// New returns a Server; mount it with Register.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, store: cfg.Store, log: cfg.Logger}
	if u, err := url.Parse(strings.TrimRight(cfg.PublicURL, "/")); err == nil && u.Scheme != "" && u.Host != "" {
		s.origin = strings.ToLower(u.Scheme + "://" + u.Host)
	}
	s.routes = withWorkspace(s.routeTable())
	return s
}

// Register mounts every route on mux. It registers only method-qualified
// patterns under /api/, so it never conflicts with a web UI's "GET /": a
// known path with an unsupported method answers 405 with Allow, and an
// unknown path under /api/ answers 404 problem JSON.
func (s *Server) Register(mux interface{ Handle(string, http.Handler) }) {
	allowed := map[string][]string{} // path -> methods, in table order
	var paths []string
	for _, rt := range s.routes {
		mux.Handle(rt.method+" "+rt.path, s.handler(rt))
		if allowed[rt.path] == nil {
			paths = append(paths, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	for _, p := range paths {
		allow := allowHeader(allowed[p])
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if !slices.Contains(allowed[p], m) {
				mux.Handle(m+" "+p, s.methodNotAllowed(allow))
			}
		}
	}
	notFound := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		s.writeProblem(w, r, &problem{Status: http.StatusNotFound, Detail: "No such API path: " + httpserver.RedactPath(r.URL.Path) + ". The routes are listed at /api/openapi.json."})
	})
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		mux.Handle(m+" /api/", notFound)
	}
}

func allowHeader(methods []string) string {
	var out []string
	for _, m := range methods {
		out = append(out, m)
		if m == http.MethodGet {
			out = append(out, http.MethodHead) // GET patterns also serve HEAD
		}
	}
	return strings.Join(out, ", ")
}

func (s *Server) methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		w.Header().Set("Cache-Control", "no-store")
		s.writeProblem(w, r, &problem{Status: http.StatusMethodNotAllowed,
			Detail: r.Method + " is not supported on " + httpserver.RedactPath(r.URL.Path) + "; use " + allow + "."})
	})
}

// handlerFunc is a route's handler: it writes a success itself and returns
// any failure, which handler turns into problem JSON.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handler wraps a route with authentication, the CSRF and origin checks of
// cookie-authenticated writes, and error translation.
func (s *Server) handler(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.public {
			if err := rt.h(w, r); err != nil {
				s.writeError(w, r, err)
			}
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		c, err := s.authenticate(r, rt.method != http.MethodGet)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ctx := context.WithValue(meetingintel.NewContextWithUser(r.Context(), c.user), callerKey{}, c)
		ctx = meetingintel.NewContextWithAuditSource(ctx, meetingintel.AuditSource{Via: meetingintel.AuditViaREST, Client: c.client})
		if ws := r.URL.Query().Get("workspace"); ws != "" && !rt.admin {
			ctx = meetingintel.NewContextWithWorkspace(ctx, ws)
		}
		if err := rt.h(w, r.WithContext(ctx)); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// caller is who is calling and how, kept in the request context.
type caller struct {
	user    *meetingintel.User
	session bool   // authenticated by the web UI's cookie
	csrf    string // the session's CSRF token
	client  string // for the audit trail: "pat:ID" or "session"
	// csrfPending means a cookie-authenticated multipart write sent no
	// X-CSRF-Token header: the handler must find it in the form instead.
	csrfPending bool
}

type callerKey struct{}

func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	return c
}

// Messages of the authentication failures.
const (
	msgNoCredential = "Authentication required: send a personal access token as \"Authorization: Bearer mi_pat_...\", or sign in to the web UI."
	msgBadToken     = "The token is invalid, expired or revoked."
	msgPATOnly      = "The REST API takes personal access tokens (mi_pat_...) only; OAuth access tokens are for MCP. Create a token on the Connect page or with `meetingintel tokens create`."
)

// authenticate finds the caller: a Bearer PAT first (an explicit credential
// wins over an ambient cookie), then the web session.
func (s *Server) authenticate(r *http.Request, write bool) (*caller, error) {
	if r.Header.Get("Authorization") != "" {
		if s.cfg.Auth == nil {
			return nil, unauthorized(msgBadToken)
		}
		token, method, err := auth.Credential(r, auth.FromBearer)
		if err != nil {
			return nil, unauthorized(msgBadToken)
		}
		// Refuse a JWT without verifying it: verifying would spend a grant
		// lookup on a credential this edge never accepts. Other strings go
		// to the token store, which also holds legacy tokens imported from
		// MCP_AUTH_TOKENS that lack the mi_pat_ prefix.
		if !strings.HasPrefix(token, meetingintel.PATPrefix) && strings.Count(token, ".") == 2 {
			return nil, unauthorized(msgPATOnly)
		}
		p, err := s.cfg.Auth.Verify(r.Context(), token, method)
		if err != nil {
			if meetingintel.ErrorCode(err) == meetingintel.EUNAUTHORIZED {
				return nil, unauthorized(msgBadToken)
			}
			return nil, err
		}
		if p.Kind != auth.KindPAT {
			return nil, unauthorized(msgPATOnly)
		}
		return &caller{user: p.User, client: p.AuditClient()}, nil
	}
	if s.cfg.Session == nil {
		return nil, unauthorized(msgNoCredential)
	}
	u, csrf, ok := s.cfg.Session(r)
	if !ok || u == nil || !u.Active {
		return nil, unauthorized(msgNoCredential)
	}
	c := &caller{user: u, session: true, csrf: csrf, client: "session"}
	if write {
		if !s.sameOrigin(r) {
			return nil, &problem{Status: http.StatusForbidden,
				Detail: "Cross-site request refused: a write made with the web session must come from this site's own pages."}
		}
		if h := r.Header.Get(csrfHeader); h != "" || !isMultipart(r) {
			if !c.checkCSRF(h) {
				return nil, errCSRF
			}
		} else {
			c.csrfPending = true
		}
	}
	return c, nil
}

var errCSRF = &problem{Status: http.StatusForbidden,
	Detail: "Missing or wrong CSRF token: send the session's token in the X-CSRF-Token header (or the csrf form field)."}

// checkCSRF compares in constant time; an empty session token never matches.
func (c *caller) checkCSRF(got string) bool {
	return c.csrf != "" && subtle.ConstantTimeCompare([]byte(got), []byte(c.csrf)) == 1
}

// sameOrigin accepts a request whose Origin is ours, or, when the browser
// sent no Origin, one it marks Sec-Fetch-Site: same-origin. Anything else,
// including a request that says neither, is refused.
func (s *Server) sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		want := s.origin
		if want == "" {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			want = scheme + "://" + strings.ToLower(r.Host)
		}
		return strings.EqualFold(strings.TrimRight(o, "/"), want)
	}
	return r.Header.Get("Sec-Fetch-Site") == "same-origin"
}

func unauthorized(detail string) *problem {
	return &problem{Status: http.StatusUnauthorized, Detail: detail}
}
