package oauth

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/meetingintel/meetingintel"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// pageCSP allows our own stylesheet and icon only: no inline script or
// style, no framing. It deliberately has no form-action: the consent form
// posts here and is answered by a redirect to the app, which form-action
// 'self' would block in some browsers.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'"

// scopeText says what each scope lets an app do, for the consent page.
var scopeText = map[string]string{
	ScopeRead:  "Read your meetings, transcripts, action items and decisions",
	ScopeWrite: "Create, change and delete meetings, action items and decisions as you",
}

type scopeView struct{ Name, Text string }

type consentView struct {
	Step         string // "signin" or "consent"
	ClientName   string
	ClientID     string
	RedirectHost string
	// PublishedBy is the host of a client metadata document's URL: the one
	// fact about such a client that its publisher cannot make up.
	PublishedBy string
	Scopes      []scopeView
	Request     string
	CSRF        string
	SignIn      string
	User        *meetingintel.User
	Error       string
	Providers   []SignInProvider
	PATSignIn   bool
}

// setPageHeaders sets the headers every HTML page of ours carries.
func setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// renderConsent shows the sign-in or consent step. sessionID is the web
// session's (from sessionUser, which the caller has already asked: each
// lookup is a database read), "" without one; the CSRF token is bound to it.
func (s *Server) renderConsent(w http.ResponseWriter, status int, req *authRequest, c *meetingintel.OAuthClient, u *meetingintel.User, sessionID, msg string) {
	sealed := s.sealRequest(req)
	v := consentView{
		Step:         "signin",
		ClientName:   c.Name,
		ClientID:     c.ID,
		RedirectHost: redirectHost(req.Redirect),
		Request:      sealed,
		CSRF:         s.csrfToken(sealed, sessionID),
		User:         u,
		Error:        msg,
		PATSignIn:    !s.cfg.HidePATSignIn,
	}
	if s.cfg.SessionUser != nil {
		v.Providers = s.cfg.SignInProviders
	}
	if v.ClientName == "" {
		v.ClientName = "An unnamed app"
	}
	if isCIMDClientID(c.ID) {
		if u, err := url.Parse(c.ID); err == nil {
			v.PublishedBy = u.Host
		}
	}
	for _, sc := range req.Scopes {
		v.Scopes = append(v.Scopes, scopeView{sc, scopeText[sc]})
	}
	if u != nil {
		v.Step = "consent"
		if sessionID == "" {
			v.SignIn = s.sealSignIn(u, req)
		}
	}
	s.render(w, status, "consent.html", v)
}

func (s *Server) renderError(w http.ResponseWriter, e *pageError) {
	s.render(w, e.Status, "error.html", e)
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("oauth page failed", "page", name, "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// redirectHost describes where the app will send the person afterwards.
func redirectHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "an unknown address"
	}
	switch {
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return u.Host + " (an app on this computer)"
	case u.Scheme == "https":
		return u.Host
	default:
		return u.Scheme + "://" + u.Host + " (an app on this computer)"
	}
}

// handleStatic serves the page's stylesheet and icon.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := path.Clean(strings.TrimPrefix(r.URL.Path, "/oauth/"))
	b, err := staticFS.ReadFile(name)
	if err != nil || !strings.HasPrefix(name, "static/") {
		s.handleOAuthNotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}
