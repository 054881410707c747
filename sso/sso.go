// Package sso signs people in with OpenID Connect (DESIGN §11): Microsoft
// Entra ID, Google or any provider, by authorization code with PKCE,
// state and nonce, the ID token checked by go-oidc against the provider's
// keys. It decides who may come in (tenants, domains, just-in-time users,
// admins) and links an identity to its user: by verified email once, then
// by (issuer, subject) for good.
//
// sso never logs a token, code, state or nonce, and never shows a person
// a stack trace or a JSON error: a refusal is a message written for them.
package sso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/meetingintel/meetingintel"
	"golang.org/x/oauth2"
)

// FlowTTL bounds a sign-in round trip: the state cookie lives this long.
const FlowTTL = 10 * time.Minute

// Users is what sign-in needs of the store. meetingintel.Store satisfies it.
type Users interface {
	FindUserByEmail(ctx context.Context, email string) (*meetingintel.User, error)
	CreateUser(ctx context.Context, u *meetingintel.User) error
	SetUserAdmin(ctx context.Context, id int64, admin bool) error
	meetingintel.IdentityService
}

// Config configures a Provider.
type Config struct {
	Provider  ProviderConfig
	Policy    Policy
	Users     Users
	PublicURL string // the callback is PublicURL/auth/oidc/{Name}/callback
	Logger    *slog.Logger
	// HTTPClient talks to the provider; nil uses one with a 10 s timeout.
	HTTPClient *http.Client
}

// Provider is one OpenID Connect provider. It implements web.Provider.
// Discovery happens on first use (and again after a failure), so an
// instance starts while its provider is down and recovers by itself.
type Provider struct {
	cfg    Config
	log    *slog.Logger
	client *http.Client
	secure bool

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	oauth    *oauth2.Config
	endSess  string
}

// New checks cfg and returns a Provider.
func New(cfg Config) (*Provider, error) {
	pc := cfg.Provider
	if pc.Name == "" || strings.ContainsAny(pc.Name, "/?#% ") {
		return nil, fmt.Errorf("sso: provider name %q is not URL-safe", pc.Name)
	}
	if pc.ClientID == "" || pc.Issuer == "" || cfg.Users == nil {
		return nil, errors.New("sso: Issuer, ClientID and Users are required")
	}
	if len(pc.Scopes) == 0 {
		cfg.Provider.Scopes = scopes("")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	return &Provider{cfg: cfg, log: cfg.Logger, client: cfg.HTTPClient, secure: strings.HasPrefix(cfg.PublicURL, "https://")}, nil
}

// Name is the provider's URL id.
func (p *Provider) Name() string { return p.cfg.Provider.Name }

// Label is the provider's button text.
func (p *Provider) Label() string { return p.cfg.Provider.Label }

// StartPath is where a sign-in with this provider begins.
func (p *Provider) StartPath() string { return "/auth/oidc/" + p.Name() + "/start" }

func (p *Provider) callbackURL() string {
	return p.cfg.PublicURL + "/auth/oidc/" + p.Name() + "/callback"
}

// multiTenant reports whether the issuer is Entra's organizations or
// common endpoint, whose discovery names the issuer "{tenantid}".
func (p *Provider) multiTenant() bool {
	pc := p.cfg.Provider
	if pc.Kind != KindEntra {
		return false
	}
	parts := strings.Split(strings.TrimSuffix(pc.Issuer, "/v2.0"), "/")
	return multiTenant(parts[len(parts)-1])
}

// authority is Entra's base URL for this provider.
func (p *Provider) authority() string {
	if a := p.cfg.Provider.Authority; a != "" {
		return a
	}
	return EntraAuthority
}

// setup discovers the provider once.
func (p *Provider) setup(ctx context.Context) (*oidc.IDTokenVerifier, *oauth2.Config, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.verifier != nil {
		return p.verifier, p.oauth, nil
	}
	ctx = oidc.ClientContext(ctx, p.client)
	pc := p.cfg.Provider
	vc := &oidc.Config{ClientID: pc.ClientID}
	if p.multiTenant() {
		// The discovery document's issuer is a template; checkClaims
		// compares iss with the token's own tid instead.
		ctx = oidc.InsecureIssuerURLContext(ctx, p.authority()+"/{tenantid}/v2.0")
		vc.SkipIssuerCheck = true
	}
	op, err := oidc.NewProvider(ctx, pc.Issuer)
	if err != nil {
		return nil, nil, err
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = op.Claims(&extra)
	// The verifier fetches keys with the client it was made with, and
	// again when a token names a key it has not seen (rotation).
	p.verifier = op.VerifierContext(oidc.ClientContext(context.Background(), p.client), vc)
	p.oauth = &oauth2.Config{ClientID: pc.ClientID, ClientSecret: pc.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: p.callbackURL(), Scopes: pc.Scopes}
	p.endSess = extra.EndSession
	return p.verifier, p.oauth, nil
}

// Discover reaches the provider's discovery document now (it is otherwise
// fetched on first use), so a wrong issuer shows in the log at start-up
// rather than on someone's first sign-in.
func (p *Provider) Discover(ctx context.Context) error {
	_, _, err := p.setup(ctx)
	return err
}

// EndSessionURL returns the provider's end-session URL (OpenID Connect
// RP-Initiated Logout) coming back to postLogout, or "" when the provider
// has none (or has not been reached yet).
func (p *Provider) EndSessionURL(postLogout string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.endSess == "" {
		return ""
	}
	u, err := url.Parse(p.endSess)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", p.cfg.Provider.ClientID)
	q.Set("post_logout_redirect_uri", postLogout)
	u.RawQuery = q.Encode()
	return u.String()
}

// flow is what the browser keeps between Start and Finish, in an HttpOnly
// cookie: the state binds the callback to this browser, the nonce binds
// the ID token to this request, the verifier is PKCE's secret.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
	Expires  int64  `json:"e"`
}

func (p *Provider) cookieName() string {
	if p.secure {
		return "__Host-mi_sso_" + p.Name()
	}
	return "mi_sso_" + p.Name()
}

func (p *Provider) setFlowCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: p.cookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode})
}

func random() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Start sends the browser to the provider. The query's next (a path on
// this site) is where Finish returns it.
func (p *Provider) Start(w http.ResponseWriter, r *http.Request) error {
	_, oc, err := p.setup(r.Context())
	if err != nil {
		p.log.Warn("sso: provider unreachable", "provider", p.Name(), "err", err)
		return unreachable(p.Label())
	}
	f := flow{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(),
		Next: LocalPath(r.URL.Query().Get("next"), "/meetings"), Expires: time.Now().Add(FlowTTL).Unix()}
	b, _ := json.Marshal(f)
	p.setFlowCookie(w, base64.RawURLEncoding.EncodeToString(b), int(FlowTTL/time.Second))
	http.Redirect(w, r, oc.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusSeeOther)
	return nil
}

// Finish completes the round trip: the state must match this browser's
// cookie (which it uses up, so a replayed callback finds none), the code
// is exchanged with the PKCE verifier, and the ID token is verified
// (signature, iss, aud, exp, nonce). It returns the active user and the
// path to go to.
func (p *Provider) Finish(w http.ResponseWriter, r *http.Request) (*meetingintel.User, string, error) {
	q := r.URL.Query()
	var f flow
	ck, err := r.Cookie(p.cookieName())
	if err == nil {
		p.setFlowCookie(w, "", -1) // single use
		b, _ := base64.RawURLEncoding.DecodeString(ck.Value)
		if json.Unmarshal(b, &f) != nil {
			f = flow{}
		}
	}
	if f.State == "" || time.Now().Unix() > f.Expires {
		return nil, "", p.refuse("no sign-in in progress", http.StatusBadRequest,
			"This sign-in link has already been used or has expired. Start again from the sign-in page.")
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		return nil, "", p.refuse("state mismatch", http.StatusBadRequest,
			"This sign-in did not start in this browser, so it was stopped. Start again from the sign-in page.")
	}
	if e := q.Get("error"); e != "" {
		p.log.Info("sso: provider refused", "provider", p.Name(), "error", e)
		return nil, "", &Refusal{Status: http.StatusForbidden,
			Message: fmt.Sprintf("%s did not sign you in (%s). Try again, or ask your administrator.", p.Label(), safeWord(e))}
	}
	code := q.Get("code")
	if code == "" {
		return nil, "", p.refuse("no code", http.StatusBadRequest, "The sign-in answer was incomplete. Start again from the sign-in page.")
	}
	verifier, oc, err := p.setup(r.Context())
	if err != nil {
		p.log.Warn("sso: provider unreachable", "provider", p.Name(), "err", err)
		return nil, "", unreachable(p.Label())
	}
	ctx := oidc.ClientContext(r.Context(), p.client)
	tok, err := oc.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			p.log.Warn("sso: code exchange refused", "provider", p.Name(), "error", re.ErrorCode)
			return nil, "", &Refusal{Status: http.StatusBadRequest,
				Message: "The sign-in could not be completed (it may have been used already). Start again from the sign-in page."}
		}
		p.log.Warn("sso: provider unreachable", "provider", p.Name(), "err", err)
		return nil, "", unreachable(p.Label())
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, "", p.refuse("no id_token", http.StatusBadGateway, "The provider answered without an ID token. Ask your administrator.")
	}
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		p.log.Warn("sso: ID token refused", "provider", p.Name(), "err", err.Error())
		return nil, "", &Refusal{Status: http.StatusUnauthorized, Message: "The sign-in could not be verified. Start again from the sign-in page."}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return nil, "", p.refuse("nonce mismatch", http.StatusUnauthorized, "The sign-in could not be verified. Start again from the sign-in page.")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, "", p.refuse("unreadable claims", http.StatusBadGateway, "The sign-in could not be read. Ask your administrator.")
	}
	u, err := p.admit(r.Context(), idt.Issuer, idt.Subject, claims)
	if err != nil {
		return nil, "", err
	}
	p.log.Info("sso: signed in", "provider", p.Name(), "user", u.Email)
	return u, f.Next, nil
}

// Refusal is a sign-in refused, with a message written for the person
// and the HTTP status of its page.
type Refusal struct {
	Status  int
	Message string
}

func (e *Refusal) Error() string { return e.Message }

// HTTPStatus is the status of the refusal's page.
func (e *Refusal) HTTPStatus() int { return e.Status }

func (p *Provider) refuse(reason string, status int, msg string) *Refusal {
	p.log.Info("sso: sign-in refused", "provider", p.Name(), "reason", reason)
	return &Refusal{Status: status, Message: msg}
}

func unreachable(label string) *Refusal {
	return &Refusal{Status: http.StatusBadGateway,
		Message: fmt.Sprintf("We could not reach %s to sign you in. Try again in a few minutes.", label)}
}

// safeWord keeps a provider's error code printable and short.
func safeWord(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, s)
}

// LocalPath returns p if it is a path on this site ("/..."), else def, so
// a next parameter never sends the browser elsewhere. It is bounded so the
// flow cookie that carries it stays within what browsers keep (4 KB).
func LocalPath(p, def string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') || len(p) > 2000 ||
		strings.IndexFunc(p, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return def
	}
	return p
}

func claimString(c map[string]any, k string) string {
	s, _ := c[k].(string)
	return strings.TrimSpace(s)
}

func claimBool(c map[string]any, k string) bool {
	switch v := c[k].(type) {
	case bool:
		return v
	case string:
		return v == "true" // some providers send booleans as strings
	}
	return false
}

func claimStrings(c map[string]any, k string) []string {
	switch v := c[k].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// identity is what the claims say about the person.
type identity struct {
	issuer, subject string
	email           string // lower case; "" when none
	verified        bool   // the email may link an existing user
	name            string
}

// identify reads the claims by the provider's rules and checks tenants.
func (p *Provider) identify(iss, sub string, c map[string]any) (identity, error) {
	pc := p.cfg.Provider
	id := identity{issuer: iss, subject: sub, name: claimString(c, "name")}
	switch pc.Kind {
	case KindEntra:
		tid, oid := strings.ToLower(claimString(c, "tid")), claimString(c, "oid")
		if tid == "" || oid == "" {
			return id, p.refuse("no oid/tid", http.StatusForbidden, "Your Microsoft account did not say who you are. Ask your administrator.")
		}
		if p.multiTenant() && iss != p.authority()+"/"+tid+"/v2.0" {
			return id, p.refuse("iss does not match tid", http.StatusForbidden, "This Microsoft sign-in could not be verified. Start again from the sign-in page.")
		}
		if len(pc.AllowedTenants) > 0 && !slices.Contains(pc.AllowedTenants, tid) {
			return id, p.refuse("tenant not allowed", http.StatusForbidden,
				"Your organisation's Microsoft accounts cannot sign in here. Sign in with your work account for this team, or ask your administrator.")
		}
		// oid + tid is the stable identity; sub is per app and email can change.
		id.issuer, id.subject = "entra:"+tid, oid
		id.email = strings.ToLower(firstNonEmpty(claimString(c, "email"), claimString(c, "preferred_username")))
		// Entra does not promise a verified email: trust it only from the
		// tenants this instance names, which vouch for their own users.
		id.verified = id.email != "" && (len(pc.AllowedTenants) > 0 || !p.multiTenant())
	case KindGoogle:
		id.email = strings.ToLower(claimString(c, "email"))
		id.verified = claimBool(c, "email_verified")
		if d := p.cfg.Policy.AllowedDomains; len(d) > 0 && !slices.Contains(d, strings.ToLower(claimString(c, "hd"))) {
			return id, p.refuse("hd not allowed", http.StatusForbidden,
				"Your Google account is not part of an organisation allowed here. Sign in with your work account, or ask your administrator.")
		}
	default:
		id.email = strings.ToLower(claimString(c, "email"))
		id.verified = claimBool(c, "email_verified")
	}
	if id.name == "" {
		id.name = claimString(c, "given_name")
	}
	if len(id.name) > meetingintel.MaxNameLen {
		id.name = id.name[:meetingintel.MaxNameLen]
	}
	return id, nil
}

// admit finds or creates the user behind the claims: by (issuer, subject),
// else by verified email (then linked), else a new user when JIT is on.
func (p *Provider) admit(ctx context.Context, iss, sub string, c map[string]any) (*meetingintel.User, error) {
	id, err := p.identify(iss, sub, c)
	if err != nil {
		return nil, err
	}
	pol := p.cfg.Policy
	if id.email != "" && len(pol.AllowedDomains) > 0 {
		_, domain, _ := strings.Cut(id.email, "@")
		if !slices.Contains(pol.AllowedDomains, domain) {
			return nil, p.refuse("domain not allowed", http.StatusForbidden,
				"Accounts of "+domain+" cannot sign in here. Sign in with your work account, or ask your administrator.")
		}
	}
	deactivated := func() error {
		return p.refuse("deactivated", http.StatusForbidden, "Your account here has been deactivated. Ask your administrator if you need it back.")
	}
	u, err := p.cfg.Users.FindUserByIdentity(ctx, id.issuer, id.subject)
	if err == nil {
		if !u.Active {
			return nil, deactivated()
		}
		return p.promote(ctx, u, id.email, c)
	} else if meetingintel.ErrorCode(err) != meetingintel.ENOTFOUND {
		return nil, err
	}
	if id.email == "" || (len(pol.AllowedDomains) > 0 && !id.verified) {
		return nil, p.refuse("no verified email", http.StatusForbidden,
			"Your account did not give a verified email address, so we cannot tell who you are here. Ask your administrator.")
	}
	if id.verified {
		u, err = p.cfg.Users.FindUserByEmail(ctx, id.email)
		if err == nil {
			if !u.Active {
				return nil, deactivated()
			}
			if err := p.cfg.Users.LinkIdentity(ctx, u.ID, id.issuer, id.subject); err != nil {
				return nil, err
			}
			p.log.Info("sso: identity linked by verified email", "provider", p.Name(), "user", u.Email)
			return p.promote(ctx, u, id.email, c)
		} else if meetingintel.ErrorCode(err) != meetingintel.ENOTFOUND {
			return nil, err
		}
	}
	if !pol.JIT {
		return nil, p.refuse("not a user (SSO_JIT=false)", http.StatusForbidden,
			"You do not have an account here yet. Ask your administrator to add "+id.email+".")
	}
	if !id.verified {
		return nil, p.refuse("email not verified", http.StatusForbidden,
			"Your account's email address is not verified, so we cannot create an account for it. Ask your administrator.")
	}
	u = &meetingintel.User{Email: id.email, Name: id.name, Admin: p.isAdmin(id.email, c)}
	if err := p.cfg.Users.CreateUser(ctx, u); err != nil {
		if meetingintel.ErrorCode(err) == meetingintel.ECONFLICT {
			// The same person's first sign-in in another tab or replica won
			// the race: theirs is the user, once it is linked.
			if won, err := p.cfg.Users.FindUserByIdentity(ctx, id.issuer, id.subject); err == nil && won.Active {
				return won, nil
			}
		}
		if meetingintel.ErrorCode(err) == meetingintel.EINVALID {
			return nil, p.refuse("bad email claim", http.StatusForbidden, "Your account's email address cannot be used here. Ask your administrator.")
		}
		return nil, err
	}
	if err := p.cfg.Users.LinkIdentity(ctx, u.ID, id.issuer, id.subject); err != nil {
		return nil, err
	}
	p.log.Info("sso: user created on first sign-in", "provider", p.Name(), "user", u.Email, "admin", u.Admin)
	return u, nil
}

// promote makes an existing user an admin when SSO_ADMIN_EMAILS or the
// admin claim says so now (an app role granted after their first sign-in).
// It never demotes: admins made on the command line stay admins.
func (p *Provider) promote(ctx context.Context, u *meetingintel.User, email string, c map[string]any) (*meetingintel.User, error) {
	if u.Admin || !p.isAdmin(email, c) {
		return u, nil
	}
	if err := p.cfg.Users.SetUserAdmin(ctx, u.ID, true); err != nil {
		return nil, err
	}
	u.Admin = true
	p.log.Info("sso: user made an admin by the provider's claims", "provider", p.Name(), "user", u.Email)
	return u, nil
}

// isAdmin applies SSO_ADMIN_EMAILS and OIDC_ADMIN_CLAIM to a signing-in user.
func (p *Provider) isAdmin(email string, c map[string]any) bool {
	pol := p.cfg.Policy
	if slices.Contains(pol.AdminEmails, email) {
		return true
	}
	if k, v, ok := strings.Cut(pol.AdminClaim, "="); ok {
		return slices.Contains(claimStrings(c, strings.TrimSpace(k)), strings.TrimSpace(v))
	}
	return false
}
