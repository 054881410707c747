package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/audit"
)

// authRequest is a validated authorization request. The consent form
// carries it signed (requestKey) and expiring, so the POST needs no
// server-side state and cannot be altered.
type authRequest struct {
	ClientID    string   `json:"c"`
	RedirectURI string   `json:"r"` // as sent; "" when omitted (one registered URI)
	Redirect    string   `json:"u"` // where the answer goes
	State       string   `json:"s,omitempty"`
	Scopes      []string `json:"sc"`
	Resource    string   `json:"res"`
	Challenge   string   `json:"pc"`
	Expires     int64    `json:"exp"`
	Nonce       string   `json:"n"`
}

// pageError is an error shown on an HTML page (never a redirect): the
// client or redirect URI cannot be trusted, or the form is broken.
type pageError struct {
	Status  int
	Title   string
	Message string
}

func (e *pageError) Error() string { return e.Title + ": " + e.Message }

// redirectError is an authorization error sent back to the client's
// redirect URI (RFC 6749 §4.1.2.1).
type redirectError struct {
	Code, Description string
}

func (e *redirectError) Error() string { return e.Code + ": " + e.Description }

// handleAuthorize serves the sign-in and consent page (GET, or a POST
// authorization request) and takes its answers (POST with the signed
// request).
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, "authorize") {
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, MaxFormBody)
		if err := r.ParseForm(); err != nil {
			s.renderError(w, &pageError{http.StatusBadRequest, "Bad request", "The form could not be read."})
			return
		}
		if _, ok := r.PostForm["request"]; ok {
			s.handleConsent(w, r)
			return
		}
	}
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		params = r.PostForm
	}
	req, client, err := s.parseAuthRequest(r.Context(), params)
	if err != nil {
		s.answerAuthError(w, r, req, err)
		return
	}
	user, sessID := s.sessionUser(r)
	if user == nil && params.Get("prompt") == "none" {
		s.answerAuthError(w, r, req, &redirectError{"login_required", "Sign in is needed."})
		return
	}
	s.renderConsent(w, http.StatusOK, req, client, user, sessID, "")
}

// parseAuthRequest validates an authorization request. Until the client
// and redirect URI are known good, errors are *pageError; after, they are
// *redirectError and req is set so the error can go back to the client.
func (s *Server) parseAuthRequest(ctx context.Context, q url.Values) (*authRequest, *meetingintel.OAuthClient, error) {
	bad := func(msg string) error {
		return &pageError{http.StatusBadRequest, "This sign-in link is not valid", msg}
	}
	if len(q["client_id"]) != 1 || q.Get("client_id") == "" {
		return nil, nil, bad("The request must name exactly one client_id. Start the connection again from your app.")
	}
	if len(q["redirect_uri"]) > 1 {
		return nil, nil, bad("The request names more than one redirect_uri.")
	}
	client, err := s.findClient(ctx, q.Get("client_id"))
	if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
		return nil, nil, bad("The app that sent you here is not registered with this server. Remove the connection in your app and add it again.")
	} else if err != nil {
		return nil, nil, err
	}
	req := &authRequest{ClientID: client.ID, RedirectURI: q.Get("redirect_uri")}
	if req.RedirectURI == "" {
		if len(client.RedirectURIs) != 1 {
			return nil, nil, bad("The request has no redirect_uri.")
		}
		req.Redirect = client.RedirectURIs[0]
	} else if !redirectAllowed(client.RedirectURIs, req.RedirectURI) {
		return nil, nil, bad("The redirect_uri is not one this app registered.")
	} else {
		req.Redirect = req.RedirectURI
	}
	// From here on the redirect URI is trusted: errors go back to the app.
	if len(q["state"]) == 1 {
		req.State = q.Get("state")
	}
	for k, v := range q {
		if len(v) > 1 {
			return req, client, &redirectError{"invalid_request", "The parameter " + k + " is repeated."}
		}
	}
	if len(req.State) > MaxStateLen {
		req.State = ""
		return req, client, &redirectError{"invalid_request", "state is too long."}
	}
	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		return req, client, &redirectError{"invalid_request", "response_type is required (code)."}
	default:
		return req, client, &redirectError{"unsupported_response_type", "Only response_type=code is supported."}
	}
	if q.Has("request") || q.Has("request_uri") {
		return req, client, &redirectError{"request_not_supported", "Request objects are not supported."}
	}
	if rm := q.Get("response_mode"); rm != "" && rm != "query" {
		return req, client, &redirectError{"invalid_request", "Only response_mode=query is supported."}
	}
	req.Challenge = q.Get("code_challenge")
	switch method := q.Get("code_challenge_method"); {
	case req.Challenge == "":
		return req, client, &redirectError{"invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256."}
	case method == "":
		return req, client, &redirectError{"invalid_request", "code_challenge_method is required and must be S256 (plain is not allowed)."}
	case method != "S256":
		return req, client, &redirectError{"invalid_request", "code_challenge_method must be S256 (plain is not allowed)."}
	case !validChallenge(req.Challenge):
		return req, client, &redirectError{"invalid_request", "code_challenge must be the 43-character base64url SHA-256 of the verifier."}
	}
	scopes, ok := parseScopes(q.Get("scope"), AllScopes)
	if !ok {
		return req, client, &redirectError{"invalid_scope", "Unknown scope; this server grants " + strings.Join(AllScopes, " ") + "."}
	}
	req.Scopes = scopes
	res, ok := s.ourResource(q.Get("resource"))
	if !ok {
		return req, client, &redirectError{"invalid_target", "The resource is not served by this server; use " + s.resourceURL(ResourceMCP) + "."}
	}
	req.Resource = res
	req.Expires = s.now().Add(RequestTTL).Unix()
	req.Nonce = randomString(16)
	return req, client, nil
}

// validChallenge reports whether c looks like an S256 challenge.
func validChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil
}

// parseScopes splits a scope parameter and checks every scope is within
// allowed; an empty one means all of allowed. The result is in AllScopes
// order without duplicates.
func parseScopes(scope string, allowed []string) ([]string, bool) {
	asked := strings.Fields(scope)
	if len(asked) == 0 {
		return slices.Clone(allowed), true
	}
	for _, a := range asked {
		if !slices.Contains(allowed, a) {
			return nil, false
		}
	}
	out := []string{}
	for _, sc := range AllScopes {
		if slices.Contains(asked, sc) {
			out = append(out, sc)
		}
	}
	return out, true
}

// redirectAllowed matches a requested redirect URI against the registered
// ones: exactly, except that a loopback http URI may use any port
// (RFC 8252 §7.3).
func redirectAllowed(registered []string, requested string) bool {
	if slices.Contains(registered, requested) {
		return true
	}
	ru, err := url.Parse(requested)
	if err != nil || ru.Scheme != "http" || !isLoopback(ru.Hostname()) || ru.User != nil || ru.Fragment != "" {
		return false
	}
	for _, reg := range registered {
		gu, err := url.Parse(reg)
		if err != nil || gu.Scheme != "http" || !isLoopback(gu.Hostname()) {
			continue
		}
		if strings.EqualFold(gu.Hostname(), ru.Hostname()) && gu.EscapedPath() == ru.EscapedPath() && gu.RawQuery == ru.RawQuery {
			return true
		}
	}
	return false
}

// answerAuthError shows a page for a *pageError, redirects to the client
// for a *redirectError, and shows a generic page for anything else.
func (s *Server) answerAuthError(w http.ResponseWriter, r *http.Request, req *authRequest, err error) {
	var pe *pageError
	var re *redirectError
	switch {
	case errors.As(err, &pe):
		s.renderError(w, pe)
	case errors.As(err, &re) && req != nil:
		v := url.Values{"error": {re.Code}, "error_description": {re.Description}}
		s.redirect(w, r, req, v)
	default:
		s.log.Error("oauth authorize failed", "err", err)
		s.renderError(w, &pageError{http.StatusInternalServerError, "Something went wrong", "Try again in a moment."})
	}
}

// redirect sends the browser back to the client with v, the state and
// our issuer (RFC 9207).
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, req *authRequest, v url.Values) {
	if req.State != "" {
		v.Set("state", req.State)
	}
	v.Set("iss", s.issuer)
	u := req.Redirect
	if strings.Contains(u, "?") {
		u += "&" + v.Encode()
	} else {
		u += "?" + v.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// handleConsent takes a POST of the consent form: sign-in, then decision.
func (s *Server) handleConsent(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	for _, v := range f {
		if len(v) > 1 {
			s.renderError(w, &pageError{http.StatusBadRequest, "Bad request", "The form has a repeated field."})
			return
		}
	}
	// A cross-site form post is never ours: refuse before anything else.
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		s.renderError(w, &pageError{http.StatusForbidden, "Request refused", "This form must be sent from this site's own page."})
		return
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" && !strings.EqualFold(o, s.origin()) {
		s.renderError(w, &pageError{http.StatusForbidden, "Request refused", "This form must be sent from this site's own page."})
		return
	}
	req, ok := s.openRequest(f.Get("request"))
	if !ok {
		s.renderError(w, &pageError{http.StatusBadRequest, "This page has expired",
			"The sign-in page was open too long or was altered. Go back to your app and connect again."})
		return
	}
	sessUser, sessID := s.sessionUser(r)
	if !hmac.Equal([]byte(f.Get("csrf")), []byte(s.csrfToken(f.Get("request"), sessID))) {
		s.renderError(w, &pageError{http.StatusForbidden, "Request refused",
			"The form's security check failed. Go back to your app and connect again."})
		return
	}
	client, err := s.findClient(r.Context(), req.ClientID)
	var pe *pageError
	if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
		s.renderError(w, &pageError{http.StatusBadRequest, "This app is no longer registered", "Go back to your app and connect again."})
		return
	} else if errors.As(err, &pe) {
		s.renderError(w, pe)
		return
	} else if err != nil {
		s.answerAuthError(w, r, req, err)
		return
	}
	// Enter in the token field submits the form's first button too, a
	// provider's: a typed token means the person signs in with it.
	if p := f.Get("sso"); p != "" && sessUser == nil && strings.TrimSpace(f.Get("token")) == "" {
		s.startProviderSignIn(w, r, p, f.Get("request"))
		return
	}
	decision := f.Get("decision")
	if decision == "deny" {
		s.log.Info("oauth consent denied", "client_id", req.ClientID)
		who := sessUser
		if who == nil && f.Get("signin") != "" {
			who = s.openSignIn(r.Context(), f.Get("signin"), req)
		}
		s.auditConsent(r.Context(), who, req.ClientID, meetingintel.AuditDenied)
		s.redirect(w, r, req, url.Values{"error": {"access_denied"}, "error_description": {"The user denied access."}})
		return
	}
	if decision != "" && decision != "approve" {
		s.renderError(w, &pageError{http.StatusBadRequest, "Bad request", "Unknown decision."})
		return
	}

	user := sessUser
	if user == nil && f.Get("signin") != "" {
		user = s.openSignIn(r.Context(), f.Get("signin"), req)
	}
	if user == nil {
		tok := strings.TrimSpace(f.Get("token"))
		if s.cfg.HidePATSignIn {
			tok = "" // PAT_SIGNIN=false: people sign in through a provider
		}
		if tok == "" {
			s.renderConsent(w, http.StatusOK, req, client, nil, sessID, "")
			return
		}
		u, pat, err := s.cfg.Users.AuthenticateToken(r.Context(), tok)
		if err == nil {
			audit.Record(r.Context(), s.cfg.Audit, s.log, meetingintel.AuditEntry{UserID: u.ID, UserEmail: u.Email,
				Via: meetingintel.AuditViaOAuth, Client: "pat:" + strconv.FormatInt(pat.ID, 10), Action: meetingintel.AuditSignIn,
				TargetType: "user", TargetID: audit.ID(u.ID)})
		}
		if meetingintel.ErrorCode(err) == meetingintel.EUNAUTHORIZED {
			s.renderConsent(w, http.StatusUnauthorized, req, client, nil, sessID,
				"That token is not valid. Check that you copied all of it and that it has not been revoked.")
			return
		} else if err != nil {
			s.answerAuthError(w, r, req, err)
			return
		}
		user = u
	}
	if decision == "" {
		s.renderConsent(w, http.StatusOK, req, client, user, sessID, "")
		return
	}

	code := CodePrefix + randomString(32)
	now := s.now().UTC()
	err = s.cfg.Store.CreateOAuthCode(r.Context(), &meetingintel.OAuthCode{
		Hash:          meetingintel.HashToken(code),
		ClientID:      req.ClientID,
		UserID:        user.ID,
		RedirectURI:   req.RedirectURI,
		Scopes:        req.Scopes,
		Resource:      req.Resource,
		CodeChallenge: req.Challenge,
		CreatedAt:     now,
		ExpiresAt:     now.Add(CodeTTL),
	})
	if err != nil {
		s.answerAuthError(w, r, req, err)
		return
	}
	s.log.Info("oauth consent approved", "client_id", req.ClientID, "user", user.Email, "scope", strings.Join(req.Scopes, " "))
	s.auditConsent(r.Context(), user, req.ClientID, meetingintel.AuditOK)
	s.redirect(w, r, req, url.Values{"code": {code}})
}

// auditConsent records a consent decision (u is nil when someone denied
// before signing in).
func (s *Server) auditConsent(ctx context.Context, u *meetingintel.User, clientID, outcome string) {
	e := meetingintel.AuditEntry{Via: meetingintel.AuditViaOAuth, Client: clientID, Action: meetingintel.AuditConsent, Outcome: outcome}
	if u != nil {
		e.UserID, e.UserEmail = u.ID, u.Email
	}
	audit.Record(ctx, s.cfg.Audit, s.log, e)
}

// origin returns the scheme://host of the issuer.
func (s *Server) origin() string {
	u, _ := url.Parse(s.issuer)
	return u.Scheme + "://" + u.Host
}

// sessionUser returns the web session's active user, if the hook is set.
func (s *Server) sessionUser(r *http.Request) (*meetingintel.User, string) {
	if s.cfg.SessionUser == nil {
		return nil, ""
	}
	u, id := s.cfg.SessionUser(r)
	if u == nil || !u.Active {
		return nil, ""
	}
	return u, id
}

// sign returns payload.mac in base64url.
func sign(key []byte, payload []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// open checks a value made by sign and returns its payload.
func open(key []byte, v string) ([]byte, bool) {
	p, mac, ok := strings.Cut(v, ".")
	if !ok || len(v) > 8<<10 {
		return nil, false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	got, err2 := base64.RawURLEncoding.DecodeString(mac)
	if err1 != nil || err2 != nil {
		return nil, false
	}
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	return payload, hmac.Equal(got, m.Sum(nil))
}

func (s *Server) sealRequest(req *authRequest) string {
	b, _ := json.Marshal(req)
	return sign(s.requestKey, b)
}

// openRequest returns the authorization request of a form, if its
// signature holds and it has not expired.
func (s *Server) openRequest(v string) (*authRequest, bool) {
	payload, ok := open(s.requestKey, v)
	if !ok {
		return nil, false
	}
	var req authRequest
	if json.Unmarshal(payload, &req) != nil || s.now().Unix() > req.Expires {
		return nil, false
	}
	return &req, true
}

// csrfToken binds the form's CSRF token to the signed request and, with
// a web session, to that session: a token lifted from one page is
// useless on another request or in another browser session.
func (s *Server) csrfToken(request, sessionID string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(request))
	m.Write([]byte{0})
	m.Write([]byte(sessionID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// signInProof says "user U signed in with a PAT for this request"; it
// carries the sign-in from the PAT step to the consent step.
type signInProof struct {
	UserID  int64  `json:"u"`
	Nonce   string `json:"n"`
	Expires int64  `json:"exp"`
}

func (s *Server) sealSignIn(u *meetingintel.User, req *authRequest) string {
	b, _ := json.Marshal(signInProof{UserID: u.ID, Nonce: req.Nonce, Expires: s.now().Add(SignInTTL).Unix()})
	return sign(s.signInKey, b)
}

// openSignIn returns the active user of a valid sign-in proof for req.
func (s *Server) openSignIn(ctx context.Context, v string, req *authRequest) *meetingintel.User {
	payload, ok := open(s.signInKey, v)
	if !ok {
		return nil
	}
	var p signInProof
	if json.Unmarshal(payload, &p) != nil || p.Nonce != req.Nonce || s.now().Unix() > p.Expires {
		return nil
	}
	u, err := s.cfg.Users.FindUserByID(ctx, p.UserID)
	if err != nil || !u.Active {
		return nil
	}
	return u
}

// constantTimeEqual compares two strings without leaking where they differ.
func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
