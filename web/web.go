// Package web is Meeting Intelligence's web UI: server-rendered pages
// (html/template, embedded templates and static files, no build step) where
// people sign in, read, search and correct meetings, act on action items,
// import transcripts, connect their assistants and administer users.
//
// Every page acts as the signed-in user through the store, so the store's
// visibility rules hold here too: a meeting the user may not see is a 404.
// Pages carry a strict Content-Security-Policy (no inline script or style
// anywhere, not even a style attribute in SVG), every form carries a CSRF
// token bound to the session, and every write must come from this origin.
// web never logs a session secret or a token.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// CSP is the Content-Security-Policy of every page: our own scripts,
// styles and images only (data: images for the inline SVG icons), no
// framing, forms post only here, no <base>.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// Page sizes and limits of the UI.
const (
	MeetingsPerPage   = 25
	ActionsPerPage    = 50
	DecisionsPerPage  = 25
	SearchHits        = 30
	TranscriptPerPage = 400 // segments per transcript page: an hour of talk (about 300) fits whole
	// transcriptLead is how far before a search hit a transcript page
	// starts, so the line lands with some of the talk that led to it.
	transcriptLead = 60_000
	maxFormBytes   = 12 << 20 // a transcript upload (10 MiB) and its fields
)

// Config configures a Server.
type Config struct {
	Store    meetingintel.Store
	Sessions meetingintel.SessionStore
	// OAuth lists and revokes the user's OAuth grants on the connected
	// apps page; nil hides the page.
	OAuth        meetingintel.OAuthStore
	PublicURL    string // e.g. https://team.example.com; https makes cookies Secure and __Host-
	Logger       *slog.Logger
	Version      string
	OAuthEnabled bool // says on the connect page whether assistants can use OAuth
	// Providers are single sign-on providers offered on the sign-in page,
	// before the token form.
	Providers []Provider
	// HidePATSignIn removes the token form from the sign-in page (and
	// refuses its posts): PAT_SIGNIN=false. PATs still work for programs.
	HidePATSignIn bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server serves the web UI. It is safe for concurrent use.
type Server struct {
	cfg        Config
	log        *slog.Logger
	now        func() time.Time
	origin     string // scheme://host of PublicURL
	secure     bool   // PublicURL is https
	cookieName string
	pages      map[string]*template.Template
	static     map[string]staticFile
	providers  map[string]Provider
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Sessions == nil {
		return nil, errors.New("web: Store and Sessions are required")
	}
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("PUBLIC_URL: %q is not an absolute http(s) URL", cfg.PublicURL)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		now:       cfg.Now,
		origin:    u.Scheme + "://" + u.Host,
		secure:    u.Scheme == "https",
		providers: map[string]Provider{},
	}
	s.cookieName = "mi_session"
	if s.secure {
		// __Host- makes the browser refuse the cookie unless it is Secure,
		// host-only and Path=/: no subdomain can plant or read it.
		s.cookieName = "__Host-mi_session"
	}
	for _, p := range cfg.Providers {
		s.providers[p.Name()] = p
	}
	if err := s.loadStatic(); err != nil {
		return nil, err
	}
	if err := s.loadTemplates(); err != nil {
		return nil, err
	}
	return s, nil
}

// Register mounts the pages on mux.
func (s *Server) Register(mux interface{ Handle(string, http.Handler) }) {
	h := func(f http.HandlerFunc) http.Handler { return secure(f) }
	mux.Handle("GET /{$}", h(s.handleRoot))
	mux.Handle("GET /signin", h(s.handleSignInPage))
	mux.Handle("POST /signin", h(s.handleSignIn))
	mux.Handle("POST /signout", h(s.handleSignOut))
	mux.Handle("POST /signout/everywhere", h(s.handleSignOutEverywhere))
	if len(s.providers) > 0 {
		mux.Handle("GET /auth/oidc/{provider}/start", h(s.handleProviderStart))
		mux.Handle("GET /auth/oidc/{provider}/callback", h(s.handleProviderCallback))
	}

	mux.Handle("GET /meetings", s.page(s.handleMeetings))
	mux.Handle("GET /meetings/{id}", s.page(s.handleMeeting))
	mux.Handle("GET /meetings/{id}/edit", s.page(s.handleMeetingEditPage))
	mux.Handle("POST /meetings/{id}/edit", s.form(s.handleMeetingEdit))
	mux.Handle("GET /meetings/{id}/delete", s.page(s.handleMeetingDeletePage))
	mux.Handle("POST /meetings/{id}/delete", s.form(s.handleMeetingDelete))
	mux.Handle("POST /meetings/{id}/decisions", s.form(s.handleDecisionCreate))

	mux.Handle("GET /actions", s.page(s.handleActions))
	mux.Handle("GET /actions/new", s.page(s.handleActionNewPage))
	mux.Handle("POST /actions", s.form(s.handleActionCreate))
	mux.Handle("GET /actions/{id}/edit", s.page(s.handleActionEditPage))
	mux.Handle("POST /actions/{id}/edit", s.form(s.handleActionEdit))
	mux.Handle("POST /actions/{id}/status", s.form(s.handleActionStatus))
	mux.Handle("POST /actions/{id}/delete", s.form(s.handleActionDelete))

	mux.Handle("GET /decisions", s.page(s.handleDecisions))
	mux.Handle("GET /decisions/{id}", s.page(s.handleDecision))
	mux.Handle("POST /decisions/{id}/edit", s.form(s.handleDecisionEdit))
	mux.Handle("POST /decisions/{id}/delete", s.form(s.handleDecisionDelete))

	mux.Handle("GET /import", s.page(s.handleImportPage))
	mux.Handle("POST /import", s.form(s.handleImport))

	mux.Handle("GET /connect", s.page(s.handleConnect))
	mux.Handle("POST /connect/tokens", s.form(s.handleTokenCreate))
	mux.Handle("POST /connect/tokens/{id}/revoke", s.form(s.handleTokenRevoke))

	if s.cfg.OAuth != nil {
		mux.Handle("GET /apps", s.page(s.handleApps))
		mux.Handle("POST /apps/{id}/disconnect", s.form(s.handleAppDisconnect))
	}

	mux.Handle("GET /admin", s.admin(s.page(s.handleAdmin)))
	mux.Handle("POST /admin/users", s.admin(s.form(s.handleUserCreate)))
	mux.Handle("POST /admin/users/{id}/active", s.admin(s.form(s.handleUserActive)))
	mux.Handle("GET /admin/audit", s.page(s.handleAudit)) // the store decides who reads it (403)
	mux.Handle("GET /admin/users/{id}/tokens", s.admin(s.page(s.handleAdminTokens)))
	mux.Handle("POST /admin/tokens/{id}/revoke", s.admin(s.form(s.handleAdminTokenRevoke)))

	mux.Handle("POST /workspace", s.form(s.handleWorkspaceSwitch))
	mux.Handle("GET /workspaces/{id}/members", s.page(s.handleMembers))
	mux.Handle("POST /workspaces/{id}/members", s.form(s.handleMemberSet))
	mux.Handle("POST /workspaces/{id}/members/{user}/remove", s.form(s.handleMemberRemove))
	mux.Handle("GET /admin/workspaces", s.admin(s.page(s.handleAdminWorkspaces)))
	mux.Handle("POST /admin/workspaces", s.admin(s.form(s.handleWorkspaceCreate)))
	mux.Handle("POST /admin/workspaces/{id}/archive", s.admin(s.form(s.handleWorkspaceArchive)))

	mux.Handle("GET /static/", h(s.handleStatic))
	mux.Handle("GET /favicon.ico", h(s.handleFavicon))
}

// Cleanup removes expired sessions; call it periodically (hourly).
func (s *Server) Cleanup(ctx context.Context) (int64, error) {
	return s.cfg.Sessions.DeleteExpiredSessions(ctx, s.now())
}

// secure sets the security headers every answer of ours carries, pages,
// redirects, errors and static files alike.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store") // pages show private data; static files override it
		next.ServeHTTP(w, r)
	})
}

// staticFile is an embedded asset with its content hash, which versions
// its URL so it can be cached for long.
type staticFile struct {
	body  []byte
	ctype string
	hash  string
}

func (s *Server) loadStatic() error {
	s.static = map[string]staticFile{}
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := map[string]string{
			".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
			".svg": "image/svg+xml", ".ico": "image/x-icon", ".png": "image/png",
		}[path.Ext(p)]
		if ct == "" {
			ct = "application/octet-stream"
		}
		s.static["/"+p] = staticFile{body: b, ctype: ct, hash: hex.EncodeToString(sum[:6])}
		return nil
	})
}

// asset returns the versioned URL of a static file.
func (s *Server) asset(name string) string {
	f, ok := s.static["/static/"+name]
	if !ok {
		return "/static/" + name
	}
	return "/static/" + name + "?v=" + f.hash
}

func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := s.static[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.serveStatic(w, r, f)
}

func (s *Server) handleFavicon(w http.ResponseWriter, r *http.Request) {
	s.serveStatic(w, r, s.static["/static/favicon.ico"])
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request, f staticFile) {
	w.Header().Set("Content-Type", f.ctype)
	if r.URL.Query().Get("v") == f.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=3600")
	}
	w.Header().Set("ETag", `"`+f.hash+`"`)
	if r.Header.Get("If-None-Match") == `"`+f.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(f.body)
}

// loadTemplates parses each page with the shared layout into its own set,
// so every page can define the same blocks.
func (s *Server) loadTemplates() error {
	base, err := template.New("layout").Funcs(s.funcs()).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return fmt.Errorf("web: template %s: %w", n, err)
		}
		s.pages[name] = t
	}
	return nil
}

// view is what every page template gets: the shared frame and the page's
// own data in Data.
type view struct {
	Title     string
	Nav       string // the nav item to mark current
	User      *meetingintel.User
	CSRF      string
	Apps      bool // the connected apps page exists
	Version   string
	PublicURL string
	Providers []Provider
	Error     string // a message for the whole page (form errors)

	// Workspaces are the user's, for the switcher; Workspace the current.
	Workspaces []*meetingintel.Workspace
	Workspace  *meetingintel.Workspace
	Notice     string
	Data       any
}

// render executes a page into a buffer first, so a template failure is a
// clean 500 and never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := s.pages[name]
	if !ok {
		s.log.Error("web: no such page", "page", name)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	c := callFrom(r)
	if c != nil {
		v.User, v.CSRF = c.user, c.csrf
		v.Workspaces, v.Workspace = s.switcher(r)
	}
	v.Apps = s.cfg.OAuth != nil
	v.Version = s.cfg.Version
	v.PublicURL = s.cfg.PublicURL
	v.Providers = s.cfg.Providers
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("web: page failed", "page", name, "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage answers with the error page for err: the user's message for
// application errors, a generic one (and a log line) for anything else.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	status := statusFor(err)
	title := map[int]string{
		http.StatusBadRequest: "Something is not right", http.StatusNotFound: "Not found",
		http.StatusConflict: "Conflict", http.StatusUnauthorized: "Sign in needed",
		http.StatusForbidden: "Not allowed", http.StatusInternalServerError: "Something went wrong",
	}[status]
	msg := meetingintel.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		s.log.Error("web: request failed", "path", meetingintel.Redact(r.URL.Path), "err", err)
		msg = "Something went wrong on our side. Try again in a moment."
	}
	if status == http.StatusNotFound {
		msg = "There is nothing here, or it is not shared with you."
	}
	s.render(w, r, status, "error", view{Title: title, Data: struct{ Status int }{status}, Error: msg})
}

func statusFor(err error) int {
	switch meetingintel.ErrorCode(err) {
	case meetingintel.EINVALID:
		return http.StatusBadRequest
	case meetingintel.ENOTFOUND:
		return http.StatusNotFound
	case meetingintel.ECONFLICT:
		return http.StatusConflict
	case meetingintel.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case meetingintel.EFORBIDDEN:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// notFound is the error for anything missing or not visible.
var notFound = meetingintel.Errorf(meetingintel.ENOTFOUND, "Not found.")
