package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/audit"
)

// Session lifetimes. A session ends after SessionIdle without use, and in
// any case SessionMaxAge after sign-in. Use is recorded at most every
// touchEvery, so browsing stays a read.
const (
	SessionIdle   = 7 * 24 * time.Hour
	SessionMaxAge = 30 * 24 * time.Hour
	touchEvery    = time.Hour
)

// MethodToken is the Session.Method of a sign-in with a personal access token.
const MethodToken = "token"

// Provider is a single sign-on provider (OpenID Connect with Microsoft
// Entra ID, Google, ...; package sso) that signs a user in instead of a
// token. The sign-in pages show a button for each, first; GET
// /auth/oidc/{Name}/start?next=PATH calls Start, which redirects to the
// provider; the provider sends the browser back to GET
// /auth/oidc/{Name}/callback, whose Finish returns the user (an active user
// of the store, found or created by the provider's rules) and the next
// path. The session is then made exactly as for a token, so no page
// changes. An error that has an HTTPStatus() int method is a refusal
// written for the person; its message is shown as it is.
type Provider interface {
	Name() string  // URL-safe id, e.g. "entra"
	Label() string // button text after "Sign in with", e.g. "Microsoft"
	Start(w http.ResponseWriter, r *http.Request) error
	Finish(w http.ResponseWriter, r *http.Request) (u *meetingintel.User, next string, err error)
}

// EndSessioner is a Provider that has an end-session endpoint: after
// signing out here the person is offered to sign out there too.
type EndSessioner interface {
	// EndSessionURL is the provider's end-session URL that comes back to
	// postLogout, or "" when the provider has none.
	EndSessionURL(postLogout string) string
}

// call is the signed-in request a page handler serves.
type call struct {
	user   *meetingintel.User
	sess   *meetingintel.Session
	csrf   string
	secret string // the cookie's value; never logged

	// workspace is the id this browser switched to (see workspaces.go),
	// "" for the user's default; workspaces are the user's. Both are
	// loaded by page and form.
	workspace  string
	workspaces []*meetingintel.Workspace
}

type callKey struct{}

func callFrom(r *http.Request) *call {
	c, _ := r.Context().Value(callKey{}).(*call)
	return c
}

// ctx returns r's context acting as the signed-in user, for the store.
func ctx(r *http.Request) context.Context {
	c := callFrom(r)
	if c == nil {
		return r.Context()
	}
	ctx := meetingintel.NewContextWithAuditSource(r.Context(), meetingintel.AuditSource{Via: meetingintel.AuditViaWeb, Client: "session"})
	ctx = meetingintel.NewContextWithUser(ctx, c.user)
	if c.workspace != "" {
		ctx = meetingintel.NewContextWithWorkspace(ctx, c.workspace)
	}
	return ctx
}

// newSecret returns 32 random bytes in base64url: a session's cookie value.
func newSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfFor derives a session's CSRF token from its secret: bound to the
// session, unforgeable without the HttpOnly cookie, and revealing nothing
// of it (the stored hash is another function of the secret).
func csrfFor(secret string) string {
	sum := sha256.Sum256([]byte("meetingintel web csrf\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// lookup returns the live session of r's cookie, or nil. An expired
// session is deleted; a session of a deactivated user does not count.
func (s *Server) lookup(r *http.Request) *call {
	ck, err := r.Cookie(s.cookieName)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return nil
	}
	hash := meetingintel.HashToken(ck.Value)
	sess, u, err := s.cfg.Sessions.FindSession(r.Context(), hash)
	if err != nil {
		if meetingintel.ErrorCode(err) != meetingintel.ENOTFOUND {
			s.log.Error("web: session lookup failed", "err", err)
		}
		return nil
	}
	now := s.now()
	// Expired, or signed in with a token revoked since (a leaked token must
	// not live on in a browser).
	if !now.Before(sess.ExpiresAt) || !now.Before(sess.CreatedAt.Add(SessionMaxAge)) || sess.TokenRevoked {
		_ = s.cfg.Sessions.DeleteSession(r.Context(), hash)
		return nil
	}
	if !u.Active {
		return nil
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		exp := now.Add(SessionIdle)
		if maxExp := sess.CreatedAt.Add(SessionMaxAge); exp.After(maxExp) {
			exp = maxExp
		}
		if err := s.cfg.Sessions.TouchSession(r.Context(), hash, now, exp); err != nil {
			s.log.Warn("web: session touch failed", "err", err)
		}
	}
	return &call{user: u, sess: sess, csrf: csrfFor(ck.Value), secret: ck.Value}
}

// SessionUser returns the signed-in user of r (nil if none) and a value
// identifying the session (its CSRF token, never the cookie's secret). Pass
// it as oauth.Config.SessionUser so a signed-in user goes straight to the
// consent step.
func (s *Server) SessionUser(r *http.Request) (*meetingintel.User, string) {
	c := s.lookup(r)
	if c == nil {
		return nil, ""
	}
	return c.user, c.csrf
}

// APISession returns the user of r's session cookie and the session's CSRF
// token, for the REST API: a cookie-authenticated write must carry that
// token (header X-CSRF-Token) and pass SameOrigin. ok is false without a
// live session.
func (s *Server) APISession(r *http.Request) (u *meetingintel.User, csrf string, ok bool) {
	c := s.lookup(r)
	if c == nil {
		return nil, "", false
	}
	return c.user, c.csrf, true
}

// SameOrigin reports whether a state-changing request comes from this
// site's own pages: Sec-Fetch-Site, when the browser sends it, must be
// same-origin, and Origin, when sent, must be our origin (PUBLIC_URL's, or
// the host the browser addressed).
func (s *Server) SameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true // browsers without Fetch metadata that send no Origin: CSRF token still required
	}
	if strings.EqualFold(o, s.origin) {
		return true
	}
	scheme := "http"
	if s.secure || r.TLS != nil {
		scheme = "https"
	}
	return strings.EqualFold(o, scheme+"://"+r.Host)
}

// page wraps a GET handler that needs a signed-in user: without one the
// browser goes to the sign-in page and comes back afterwards.
func (s *Server) page(next http.HandlerFunc) http.Handler {
	return secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := callFrom(r) // set by admin
		if c == nil {
			c = s.lookup(r)
		}
		if c == nil {
			// A token pasted into the address bar is not carried into the
			// sign-in page's address (and from there into history and logs).
			next := r.URL.RequestURI()
			if meetingintel.Redact(next) != next {
				next = "/"
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		s.chosenWorkspace(r, c)
		next(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
	}))
}

// form wraps a POST handler: a signed-in user, a same-origin request and
// the session's CSRF token (form field csrf or header X-CSRF-Token).
func (s *Server) form(next http.HandlerFunc) http.Handler {
	return secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if !s.SameOrigin(r) {
			s.refuse(w, r, "This form must be sent from this site's own pages.")
			return
		}
		c := callFrom(r) // set by admin
		if c == nil {
			c = s.lookup(r)
		}
		if c == nil {
			s.refuse(w, r, "Your session has ended. Sign in again, then repeat what you were doing.")
			return
		}
		got := r.Header.Get("X-CSRF-Token")
		if got == "" {
			got = r.PostFormValue("csrf") // parses urlencoded and multipart bodies
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(c.csrf)) != 1 {
			s.refuse(w, r, "The form's security check failed. Reload the page and try again.")
			return
		}
		s.chosenWorkspace(r, c)
		next(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
	}))
}

// admin lets only admins through; others get a 404, as if the page did
// not exist.
func (s *Server) admin(next http.Handler) http.Handler {
	return secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := s.lookup(r)
		if c == nil {
			next.ServeHTTP(w, r) // page and form send the visitor to sign in
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), callKey{}, c))
		if !c.user.Admin {
			s.errorPage(w, r, notFound)
			return
		}
		next.ServeHTTP(w, r)
	}))
}

// refuse answers a refused write with a 403 page.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, msg string) {
	s.render(w, r, http.StatusForbidden, "error", view{Title: "Request refused", Error: msg, Data: struct{ Status int }{http.StatusForbidden}})
}

// localPath returns p if it is a path on this site ("/..."), else def: a
// next or back parameter must never send the browser elsewhere. Control
// characters are refused too: browsers drop tabs and newlines from a URL,
// so "/\t/evil.example" would become "//evil.example".
func localPath(p, def string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		strings.ContainsRune(p, '\\') || len(p) > 2000 ||
		strings.IndexFunc(p, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return def
	}
	return p
}

func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) {
	if s.lookup(r) != nil {
		http.Redirect(w, r, "/meetings", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

type signInData struct {
	Next      string
	PATSignIn bool   // show the token form
	EndURL    string // after sign-out: the provider's end-session endpoint
	EndLabel  string
}

func (s *Server) signInData(next string) signInData {
	return signInData{Next: next, PATSignIn: !s.cfg.HidePATSignIn}
}

func (s *Server) handleSignInPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"), "/meetings")
	if s.lookup(r) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "signin", view{Title: "Sign in", Data: s.signInData(next)})
}

// handleSignIn checks a personal access token and starts a session. The
// sign-in form has no session to bind a CSRF token to; the same-origin
// check keeps other sites from signing a browser in to their account.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	next := localPath(r.PostFormValue("next"), "/meetings")
	fail := func(status int, msg string) {
		s.render(w, r, status, "signin", view{Title: "Sign in", Error: msg, Data: s.signInData(next)})
	}
	if !s.SameOrigin(r) {
		fail(http.StatusForbidden, "This form must be sent from this site's own sign-in page.")
		return
	}
	if s.cfg.HidePATSignIn {
		fail(http.StatusForbidden, "Sign-in with a token is turned off here. Use the button above.")
		return
	}
	tok := strings.TrimSpace(r.PostFormValue("token"))
	if tok == "" {
		fail(http.StatusBadRequest, "Enter your personal access token.")
		return
	}
	u, pat, err := s.cfg.Store.AuthenticateToken(r.Context(), tok)
	if meetingintel.ErrorCode(err) == meetingintel.EUNAUTHORIZED {
		fail(http.StatusUnauthorized, "That token is not valid. Check that you copied all of it and that it has not been revoked.")
		return
	} else if err != nil {
		s.errorPage(w, r, err)
		return
	}
	if err := s.startSession(w, r, u, MethodToken, pat.ID); err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.log.Info("web sign-in", "user", u.Email, "method", MethodToken)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// startSession stores a new session for u and sets its cookie. Any session
// the browser already had is ended first (no session fixation). tokenID is
// the PAT that signed in (0 for single sign-on): revoking it ends the session.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *meetingintel.User, method string, tokenID int64) error {
	if ck, err := r.Cookie(s.cookieName); err == nil && ck.Value != "" {
		_ = s.cfg.Sessions.DeleteSession(r.Context(), meetingintel.HashToken(ck.Value))
	}
	now := s.now().UTC()
	secret := newSecret()
	err := s.cfg.Sessions.CreateSession(r.Context(), &meetingintel.Session{
		Hash: meetingintel.HashToken(secret), UserID: u.ID, Method: method, TokenID: tokenID,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionIdle),
	})
	if err != nil {
		return err
	}
	client := "sso:" + method
	if method == MethodToken {
		client = "pat:" + strconv.FormatInt(tokenID, 10)
	}
	audit.Record(r.Context(), s.cfg.Store, s.log, meetingintel.AuditEntry{UserID: u.ID, UserEmail: u.Email,
		Via: meetingintel.AuditViaWeb, Client: client, Action: meetingintel.AuditSignIn, TargetType: "user", TargetID: audit.ID(u.ID)})
	// Sign-in is rare: a good moment to sweep out dead sessions.
	if _, err := s.cfg.Sessions.DeleteExpiredSessions(r.Context(), now); err != nil {
		s.log.Warn("web: session cleanup failed", "err", err)
	}
	http.SetCookie(w, s.cookie(secret, int(SessionMaxAge/time.Second)))
	return nil
}

func (s *Server) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: s.cookieName, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	}
}

// handleSignOut ends the session. It needs the CSRF token, so that another
// site cannot sign a user out.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	s.form(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := callFrom(r)
		if err := s.cfg.Sessions.DeleteSession(r.Context(), meetingintel.HashToken(c.secret)); err != nil {
			s.errorPage(w, r, err)
			return
		}
		http.SetCookie(w, s.cookie("", -1))
		if es, ok := s.providers[c.sess.Method].(EndSessioner); ok {
			if end := es.EndSessionURL(s.cfg.PublicURL + "/signin"); end != "" {
				d := s.signInData("/meetings")
				d.EndURL, d.EndLabel = end, s.providers[c.sess.Method].Label()
				s.render(w, r, http.StatusOK, "signin", view{Title: "Signed out", Data: d})
				return
			}
		}
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	})).ServeHTTP(w, r)
}

// handleSignOutEverywhere ends every session of the user, this one
// included: for a browser left signed in somewhere (sessions opened with a
// revoked token already end on their own, see lookup).
func (s *Server) handleSignOutEverywhere(w http.ResponseWriter, r *http.Request) {
	s.form(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := callFrom(r)
		if _, err := s.cfg.Sessions.DeleteUserSessions(r.Context(), c.user.ID); err != nil {
			s.errorPage(w, r, err)
			return
		}
		s.log.Info("web: signed out everywhere", "user", c.user.Email)
		http.SetCookie(w, s.cookie("", -1))
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	})).ServeHTTP(w, r)
}

func (s *Server) handleProviderStart(w http.ResponseWriter, r *http.Request) {
	p, ok := s.providers[r.PathValue("provider")]
	if !ok {
		s.errorPage(w, r, notFound)
		return
	}
	if err := p.Start(w, r); err != nil {
		s.signInRefused(w, r, err)
	}
}

func (s *Server) handleProviderCallback(w http.ResponseWriter, r *http.Request) {
	p, ok := s.providers[r.PathValue("provider")]
	if !ok {
		s.errorPage(w, r, notFound)
		return
	}
	u, next, err := p.Finish(w, r)
	if err != nil {
		s.signInRefused(w, r, err)
		return
	}
	if u == nil || !u.Active {
		s.signInRefused(w, r, meetingintel.Errorf(meetingintel.EFORBIDDEN, "Your account here has been deactivated. Ask your administrator if you need it back."))
		return
	}
	if err := s.startSession(w, r, u, p.Name(), 0); err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.log.Info("web sign-in", "user", u.Email, "method", p.Name())
	http.Redirect(w, r, localPath(next, "/meetings"), http.StatusSeeOther)
}

// signInRefused shows the sign-in page again with a refusal a person
// understands; our own faults are logged and shown as ours.
func (s *Server) signInRefused(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := statusFor(err), meetingintel.ErrorMessage(err)
	var hs interface{ HTTPStatus() int }
	if errors.As(err, &hs) {
		status, msg = hs.HTTPStatus(), err.Error()
	} else if status == http.StatusInternalServerError {
		s.log.Error("web: sign-in failed", "err", err)
		msg = "Something went wrong on our side. Try again in a moment."
	}
	s.render(w, r, status, "signin", view{Title: "Sign in", Error: msg, Data: s.signInData("/meetings")})
}
