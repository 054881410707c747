package sso_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/httpserver"
	"github.com/meetingintel/meetingintel/internal/logguard"
	"github.com/meetingintel/meetingintel/internal/oidctest"
	"github.com/meetingintel/meetingintel/sqlite"
	"github.com/meetingintel/meetingintel/sso"
	"github.com/meetingintel/meetingintel/web"
)

// app is our web UI with one sso provider, on 127.0.0.1.
type app struct {
	url  string
	db   *sqlite.DB
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// listen reserves the app's address first, so the provider can be told
// its redirect URI before either starts.
func listen(t *testing.T) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

func startApp(t *testing.T, ln net.Listener, base string, pc sso.ProviderConfig, pol sso.Policy) *app {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	logs := &syncBuffer{}
	log := httpserver.NewLogger(logguard.Tee(logs), slog.LevelDebug)
	p, err := sso.New(sso.Config{Provider: pc, Policy: pol, Users: db, PublicURL: base, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ui, err := web.New(web.Config{Store: db, Sessions: db, PublicURL: base, Logger: log, Providers: []web.Provider{p}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ui.Register(mux)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return &app{url: base, db: db, logs: logs}
}

// browser is an HTTP client with a cookie jar that stops at our callback,
// so a test can look at it, tamper with it or replay it.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasSuffix(req.URL.Path, "/callback") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

var formRE = regexp.MustCompile(`<form[^>]*action="([^"]+)"[^>]*method="post"`)

// signInAtProvider starts a sign-in at our start URL, fills the
// provider's own login and consent forms as login, and returns the
// callback URL the provider sent the browser to (not yet followed).
func signInAtProvider(t *testing.T, c *http.Client, a *app, provider, login string) *url.URL {
	t.Helper()
	res, err := c.Get(a.url + "/auth/oidc/" + provider + "/start?next=" + url.QueryEscape("/actions"))
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if loc := res.Header.Get("Location"); res.StatusCode/100 == 3 && strings.Contains(loc, "/callback") {
			u, err := res.Request.URL.Parse(loc)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		if res.StatusCode != 200 {
			t.Fatalf("provider page %s: %d\n%s", res.Request.URL, res.StatusCode, body)
		}
		m := formRE.FindSubmatch(body)
		if m == nil {
			t.Fatalf("no form on the provider's page %s:\n%s", res.Request.URL, body)
		}
		action, _ := res.Request.URL.Parse(string(m[1]))
		form := url.Values{"prompt": {"consent"}}
		if bytes.Contains(body, []byte(`name="login"`)) {
			form = url.Values{"prompt": {"login"}, "login": {login}, "password": {"any"}}
		}
		res, err = c.PostForm(action.String(), form)
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("the provider never sent the browser back")
	return nil
}

// finish follows the callback and returns the answer and its page.
func finish(t *testing.T, c *http.Client, cb *url.URL) (*http.Response, string) {
	t.Helper()
	noFollow := *c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := noFollow.Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body)
}

// signedIn reports whether our web UI treats the browser as signed in.
func signedIn(t *testing.T, c *http.Client, a *app) bool {
	t.Helper()
	noFollow := *c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := noFollow.Get(a.url + "/actions")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode == 200
}

func TestEntraShapedProviderSignsPeopleIn(t *testing.T) {
	ln, base := listen(t)
	const tenant = "8f3a2c1e-0000-4000-8000-000000000001"
	issuer := oidctest.Start(t, oidctest.Config{Shape: "entra", Tenant: tenant,
		Clients: []oidctest.Client{{ClientID: "mi-app", ClientSecret: "mi-secret", RedirectURIs: []string{base + "/auth/oidc/entra/callback"}}},
		Accounts: map[string]map[string]any{
			"ann":       {"oid": "oid-ann", "tid": tenant, "preferred_username": "Ann@Fernhill.example", "name": "Ann Admin", "roles": []string{"Admin"}},
			"ann-moved": {"oid": "oid-ann", "tid": tenant, "preferred_username": "ann.lee@fernhill.example", "name": "Ann Lee"},
			"pat-user":  {"oid": "oid-priya", "tid": tenant, "email": "priya@fernhill.example", "name": "Priya", "roles": []string{"Admin"}},
			"stranger":  {"oid": "oid-x", "tid": "99999999-0000-4000-8000-000000000009", "preferred_username": "x@other.example"},
			"gone":      {"oid": "oid-gone", "tid": tenant, "preferred_username": "gone@fernhill.example"},
			"outsider":  {"oid": "oid-out", "tid": tenant, "preferred_username": "out@elsewhere.example"},
		}})
	a := startApp(t, ln, base, sso.ProviderConfig{Name: "entra", Label: "Microsoft", Kind: sso.KindEntra, Issuer: issuer,
		ClientID: "mi-app", ClientSecret: "mi-secret", AllowedTenants: []string{tenant}},
		sso.Policy{JIT: true, AdminClaim: "roles=Admin", AllowedDomains: []string{"fernhill.example"}})
	ctx := context.Background()
	priya := &meetingintel.User{Email: "priya@fernhill.example", Name: "Priya"}
	gone := &meetingintel.User{Email: "gone@fernhill.example"}
	for _, u := range []*meetingintel.User{priya, gone} {
		if err := a.db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.db.SetUserActive(ctx, gone.ID, false); err != nil {
		t.Fatal(err)
	}

	t.Run("a first sign-in creates the user, an admin by app role, and lands on next", func(t *testing.T) {
		c := browser(t)
		cb := signInAtProvider(t, c, a, "entra", "ann")
		res, _ := finish(t, c, cb)
		if res.StatusCode != 303 || res.Header.Get("Location") != "/actions" {
			t.Fatalf("callback = %d to %q, want 303 to /actions", res.StatusCode, res.Header.Get("Location"))
		}
		if !signedIn(t, c, a) {
			t.Fatal("not signed in after the callback")
		}
		u, err := a.db.FindUserByIdentity(ctx, "entra:"+tenant, "oid-ann")
		if err != nil || u.Email != "ann@fernhill.example" || u.Name != "Ann Admin" || !u.Admin {
			t.Fatalf("user = %+v, %v; want ann@fernhill.example, an admin, linked by oid+tid", u, err)
		}
	})
	t.Run("signing out ends our session and offers the provider's end-session endpoint", func(t *testing.T) {
		c := browser(t)
		finish(t, c, signInAtProvider(t, c, a, "entra", "ann"))
		res, err := c.Get(a.url + "/actions")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := regexp.MustCompile(`action="/signout"><input type="hidden" name="csrf" value="([^"]+)"`).FindSubmatch(body)
		if m == nil {
			t.Fatalf("no sign-out form:\n%s", body)
		}
		req, _ := http.NewRequest("POST", a.url+"/signout", strings.NewReader(url.Values{"csrf": {string(m[1])}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", a.url)
		res, err = c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(res.Body)
		res.Body.Close()
		end := regexp.MustCompile(`<a href="([^"]+)">Sign out of Microsoft too</a>`).FindSubmatch(body)
		if res.StatusCode != 200 || end == nil {
			t.Fatalf("sign-out: %d, no end-session link\n%s", res.StatusCode, body)
		}
		u, _ := url.Parse(strings.ReplaceAll(string(end[1]), "&amp;", "&"))
		if !strings.HasPrefix(u.String(), issuer+"/session/end?") || u.Query().Get("client_id") != "mi-app" ||
			u.Query().Get("post_logout_redirect_uri") != a.url+"/signin" {
			t.Errorf("end-session link %s", u)
		}
		if signedIn(t, c, a) {
			t.Error("still signed in after signing out")
		}
	})
	t.Run("an email change at the provider keeps the same user", func(t *testing.T) {
		c := browser(t)
		if res, _ := finish(t, c, signInAtProvider(t, c, a, "entra", "ann-moved")); res.StatusCode != 303 {
			t.Fatalf("callback = %d", res.StatusCode)
		}
		if n, _ := a.db.CountUsers(ctx); n != 3 {
			t.Errorf("%d users after an email change, want 3 (no new user)", n)
		}
	})
	t.Run("an existing token user with the same email is the same user, made an admin by app role", func(t *testing.T) {
		c := browser(t)
		if res, _ := finish(t, c, signInAtProvider(t, c, a, "entra", "pat-user")); res.StatusCode != 303 {
			t.Fatalf("callback = %d", res.StatusCode)
		}
		u, err := a.db.FindUserByIdentity(ctx, "entra:"+tenant, "oid-priya")
		if err != nil || u.ID != priya.ID {
			t.Fatalf("identity linked to %+v, %v; want the existing user %d", u, err, priya.ID)
		}
		if !u.Admin {
			t.Error("priya's Admin app role did not make the existing user an admin")
		}
	})
	refusals := []struct{ name, login, want string }{
		{"another tenant is refused", "stranger", "Microsoft accounts cannot sign in here"},
		{"a deactivated user is refused", "gone", "deactivated"},
		{"a domain not allowed is refused", "outsider", "Accounts of elsewhere.example cannot sign in here"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			c := browser(t)
			res, body := finish(t, c, signInAtProvider(t, c, a, "entra", tc.login))
			if res.StatusCode != 403 || !strings.Contains(body, tc.want) || !strings.Contains(body, `<html`) {
				t.Fatalf("callback = %d, want a 403 page saying %q:\n%s", res.StatusCode, tc.want, body)
			}
			if signedIn(t, c, a) {
				t.Fatal("signed in after a refusal")
			}
		})
	}
	t.Run("a tampered state is refused", func(t *testing.T) {
		c := browser(t)
		cb := signInAtProvider(t, c, a, "entra", "ann")
		q := cb.Query()
		q.Set("state", q.Get("state")+"x")
		cb.RawQuery = q.Encode()
		res, body := finish(t, c, cb)
		if res.StatusCode != 400 || !strings.Contains(body, "did not start in this browser") || signedIn(t, c, a) {
			t.Fatalf("tampered state: %d, signed in %v\n%s", res.StatusCode, signedIn(t, c, a), body)
		}
	})
	t.Run("a callback in another browser is refused", func(t *testing.T) {
		cb := signInAtProvider(t, browser(t), a, "entra", "ann")
		other := browser(t)
		if res, _ := finish(t, other, cb); res.StatusCode != 400 || signedIn(t, other, a) {
			t.Fatalf("callback in another browser: %d", res.StatusCode)
		}
	})
	t.Run("a replayed callback is refused", func(t *testing.T) {
		c := browser(t)
		cb := signInAtProvider(t, c, a, "entra", "ann")
		if res, _ := finish(t, c, cb); res.StatusCode != 303 {
			t.Fatalf("first callback = %d", res.StatusCode)
		}
		fresh := browser(t) // an attacker who copied the URL
		if res, _ := finish(t, fresh, cb); res.StatusCode != 400 || signedIn(t, fresh, a) {
			t.Fatalf("replayed callback in another browser = %d", res.StatusCode)
		}
		if res, _ := finish(t, c, cb); res.StatusCode != 400 {
			t.Fatalf("replayed callback in the same browser = %d", res.StatusCode)
		}
	})
	t.Run("logs never carry codes, states or tokens", func(t *testing.T) {
		c := browser(t)
		cb := signInAtProvider(t, c, a, "entra", "ann")
		finish(t, c, cb)
		logs := a.logs.String()
		for _, k := range []string{"code", "state"} {
			if v := cb.Query().Get(k); v == "" || strings.Contains(logs, v) {
				t.Errorf("the %s is missing from the callback or appears in the logs", k)
			}
		}
		if strings.Contains(logs, "eyJ") {
			t.Error("the logs hold something that looks like a JWT")
		}
	})
}

func TestGoogleShapedProviderChecksTheWorkspaceDomain(t *testing.T) {
	ln, base := listen(t)
	issuer := oidctest.Start(t, oidctest.Config{Shape: "google",
		Clients: []oidctest.Client{{ClientID: "g-app", RedirectURIs: []string{base + "/auth/oidc/google/callback"}}}, // public: PKCE alone
		Accounts: map[string]map[string]any{
			"ben":        {"email": "ben@fernhill.example", "email_verified": true, "hd": "fernhill.example", "name": "Ben"},
			"gmail":      {"email": "someone@gmail.example", "email_verified": true, "name": "Someone"},
			"unverified": {"email": "eve@fernhill.example", "email_verified": false, "hd": "fernhill.example"},
		}})
	a := startApp(t, ln, base, sso.ProviderConfig{Name: "google", Label: "Google", Kind: sso.KindGoogle, Issuer: issuer, ClientID: "g-app"},
		sso.Policy{JIT: true, AllowedDomains: []string{"fernhill.example"}, AdminEmails: []string{"ben@fernhill.example"}})
	ctx := context.Background()

	c := browser(t)
	if res, body := finish(t, c, signInAtProvider(t, c, a, "google", "ben")); res.StatusCode != 303 {
		t.Fatalf("ben's callback = %d\n%s", res.StatusCode, body)
	}
	if u, err := a.db.FindUserByEmail(ctx, "ben@fernhill.example"); err != nil || !u.Admin {
		t.Fatalf("ben = %+v, %v; want an admin by SSO_ADMIN_EMAILS", u, err)
	}
	for login, want := range map[string]string{
		"gmail":      "not part of an organisation allowed here",
		"unverified": "verified email",
	} {
		c := browser(t)
		res, body := finish(t, c, signInAtProvider(t, c, a, "google", login))
		if res.StatusCode != 403 || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want a 403 page saying %q\n%s", login, res.StatusCode, want, body)
		}
	}
	if n, _ := a.db.CountUsers(ctx); n != 1 {
		t.Errorf("%d users, want only ben", n)
	}
}

func TestWithoutJITOnlyKnownUsersSignIn(t *testing.T) {
	ln, base := listen(t)
	issuer := oidctest.Start(t, oidctest.Config{Shape: "google",
		Clients:  []oidctest.Client{{ClientID: "g-app", RedirectURIs: []string{base + "/auth/oidc/google/callback"}}},
		Accounts: map[string]map[string]any{"new": {"email": "new@fernhill.example", "email_verified": true}}})
	a := startApp(t, ln, base, sso.ProviderConfig{Name: "google", Label: "Google", Kind: sso.KindGoogle, Issuer: issuer, ClientID: "g-app"},
		sso.Policy{JIT: false})
	c := browser(t)
	res, body := finish(t, c, signInAtProvider(t, c, a, "google", "new"))
	if res.StatusCode != 403 || !strings.Contains(body, "Ask your administrator to add new@fernhill.example") {
		t.Fatalf("unknown user without JIT: %d\n%s", res.StatusCode, body)
	}
	if err := a.db.CreateUser(context.Background(), &meetingintel.User{Email: "new@fernhill.example"}); err != nil {
		t.Fatal(err)
	}
	if res, _ := finish(t, c, signInAtProvider(t, c, a, "google", "new")); res.StatusCode != 303 {
		t.Fatalf("an added user without JIT: %d", res.StatusCode)
	}
}

func TestAnUnreachableProviderIsAPageNotAStackTrace(t *testing.T) {
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	issuer := fmt.Sprintf("http://%s", dead.Addr())
	dead.Close() // nothing listens there now
	ln, base := listen(t)
	a := startApp(t, ln, base, sso.ProviderConfig{Name: "oidc", Label: "Fernhill SSO", Kind: sso.KindOIDC, Issuer: issuer, ClientID: "x"},
		sso.Policy{JIT: true})
	res, err := browser(t).Get(a.url + "/auth/oidc/oidc/start")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 502 || !strings.Contains(string(body), "We could not reach Fernhill SSO") {
		t.Fatalf("unreachable provider: %d\n%s", res.StatusCode, body)
	}
}

func TestAKeyRotationAtTheProviderKeepsSignInWorking(t *testing.T) {
	ln, base := listen(t)
	issuer := oidctest.Start(t, oidctest.Config{Shape: "google",
		Clients:  []oidctest.Client{{ClientID: "g-app", RedirectURIs: []string{base + "/auth/oidc/google/callback"}}},
		Accounts: map[string]map[string]any{"ben": {"email": "ben@fernhill.example", "email_verified": true}}})
	a := startApp(t, ln, base, sso.ProviderConfig{Name: "google", Label: "Google", Kind: sso.KindGoogle, Issuer: issuer, ClientID: "g-app"},
		sso.Policy{JIT: true})
	c := browser(t)
	if res, body := finish(t, c, signInAtProvider(t, c, a, "google", "ben")); res.StatusCode != 303 {
		t.Fatalf("before the rotation: %d\n%s", res.StatusCode, body)
	}
	oidctest.Rotate(t, issuer)
	jwks := oidctest.KeyIDs(t, issuer)
	if len(jwks) != 2 || jwks[0] != "k2" {
		t.Fatalf("the provider publishes keys %v after the rotation, want k2 (signing) and k1", jwks)
	}
	c = browser(t)
	if res, body := finish(t, c, signInAtProvider(t, c, a, "google", "ben")); res.StatusCode != 303 {
		t.Fatalf("after the rotation (a key our cache has not seen): %d\n%s", res.StatusCode, body)
	}
}
