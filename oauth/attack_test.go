package oauth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/oauth"
)

func TestAuthorizationRequestsThatRedirectWithAnError(t *testing.T) {
	e := newEnv(t)
	c := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	_, challenge := pkce()
	tests := []struct {
		name  string
		edit  func(v url.Values)
		error string
	}{
		{"plain PKCE is refused", func(v url.Values) { v.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"a challenge without a method is refused", func(v url.Values) { v.Del("code_challenge_method") }, "invalid_request"},
		{"a request without PKCE is refused", func(v url.Values) { v.Del("code_challenge"); v.Del("code_challenge_method") }, "invalid_request"},
		{"a repeated parameter is refused", func(v url.Values) { v["scope"] = []string{"meetings:read", "meetings:write"} }, "invalid_request"},
		{"an unknown scope is refused", func(v url.Values) { v.Set("scope", "meetings:read admin") }, "invalid_scope"},
		{"a foreign resource is refused", func(v url.Values) { v.Set("resource", "https://evil.example/mcp") }, "invalid_target"},
		{"a resource with a trailing slash is foreign", func(v url.Values) { v.Set("resource", e.srv.URL+"/mcp/") }, "invalid_target"},
		{"response_type token is refused", func(v url.Values) { v.Set("response_type", "token") }, "unsupported_response_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := authParams(c, challenge)
			tc.edit(v)
			r := e.get("/oauth/authorize?" + v.Encode())
			loc, _ := url.Parse(r.Header.Get("Location"))
			if r.Status != http.StatusSeeOther || loc == nil || loc.Host != "claude.ai" {
				t.Fatalf("got %d to %q, want a redirect to the client", r.Status, r.Header.Get("Location"))
			}
			q := loc.Query()
			if q.Get("error") != tc.error || q.Get("state") != "st-123" || q.Get("iss") != e.srv.URL || q.Get("code") != "" {
				t.Errorf("redirect %s, want error=%s with state and iss", loc, tc.error)
			}
		})
	}
}

func TestAnUntrustedClientOrRedirectShowsAPageAndNeverRedirects(t *testing.T) {
	e := newEnv(t)
	c := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	_, challenge := pkce()
	tests := []struct {
		name string
		edit func(v url.Values)
	}{
		{"an unknown client_id", func(v url.Values) { v.Set("client_id", "mi_client_nope") }},
		{"no client_id", func(v url.Values) { v.Del("client_id") }},
		{"another redirect_uri", func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") }},
		{"a redirect_uri with an extra path", func(v url.Values) { v.Set("redirect_uri", c.Redirect+"/x") }},
		{"a redirect_uri with an added query", func(v url.Values) { v.Set("redirect_uri", c.Redirect+"?a=1") }},
		{"a repeated redirect_uri", func(v url.Values) { v["redirect_uri"] = []string{c.Redirect, "https://evil.example/cb"} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := authParams(c, challenge)
			tc.edit(v)
			r := e.get("/oauth/authorize?" + v.Encode())
			if r.Status != http.StatusBadRequest || r.Header.Get("Location") != "" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Errorf("got %d, Location %q, %s; want a 400 page", r.Status, r.Header.Get("Location"), r.Header.Get("Content-Type"))
			}
		})
	}
}

func TestRegistrationRefusesBadMetadataWithRFC7591Errors(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, body, error string
	}{
		{"a javascript: redirect", `{"redirect_uris":["javascript:alert(1)"]}`, "invalid_redirect_uri"},
		{"a data: redirect", `{"redirect_uris":["data:text/html,hi"]}`, "invalid_redirect_uri"},
		{"a redirect with a fragment", `{"redirect_uris":["https://a.example/cb#x"]}`, "invalid_redirect_uri"},
		{"http on a public host", `{"redirect_uris":["http://a.example/cb"]}`, "invalid_redirect_uri"},
		{"no redirect", `{"client_name":"x"}`, "invalid_redirect_uri"},
		{"an unknown auth method", `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}`, "invalid_client_metadata"},
		{"an implicit grant", `{"redirect_uris":["https://a.example/cb"],"grant_types":["implicit"]}`, "invalid_client_metadata"},
		{"malformed JSON", `{"redirect_uris":`, "invalid_client_metadata"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantOAuthError(t, tc.name, e.postJSON("/oauth/register", tc.body), 400, tc.error)
		})
	}
	t.Run("an oversized body is refused as JSON", func(t *testing.T) {
		big := `{"redirect_uris":["https://a.example/cb"],"client_name":"` + strings.Repeat("x", oauth.MaxRegisterBody) + `"}`
		wantOAuthError(t, "oversized", e.postJSON("/oauth/register", big), 413, "invalid_client_metadata")
	})
	t.Run("without a method the default is client_secret_basic with a secret", func(t *testing.T) {
		r := e.postJSON("/oauth/register", `{"redirect_uris":["cursor://anysphere.cursor-mcp/oauth/callback"],"application_type":"native"}`)
		if r.Status != 201 || r.str("token_endpoint_auth_method") != "client_secret_basic" || r.str("client_secret") == "" {
			t.Errorf("%d %s", r.Status, r.Body)
		}
	})
}

func TestATeamOnboardsFromOneSharedAddress(t *testing.T) {
	// ChatGPT's and Claude's servers register every colleague's connection
	// from a few shared addresses: 25 in a minute from one must all pass.
	e := newEnv(t)
	for i := range 25 {
		if r := e.postJSON("/oauth/register", `{"redirect_uris":["https://a.example/cb"]}`); r.Status != 201 {
			t.Fatalf("registration %d from one address: %d %s", i+1, r.Status, r.Body)
		}
	}
}

// wantRegisterRefusal checks a rate-limit refusal: a plain 429 with
// Retry-After and an RFC 7591 error body (not a device-flow code).
func wantRegisterRefusal(t *testing.T, what string, r *response) {
	t.Helper()
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("%s: %d %s, want 429", what, r.Status, r.Body)
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 || s > int(oauth.RateWindow.Seconds())+1 {
		t.Errorf("%s: Retry-After %q, want whole seconds within the window", what, r.Header.Get("Retry-After"))
	}
	if code := r.str("error"); code != "temporarily_unavailable" || r.str("error_description") == "" {
		t.Errorf("%s: body %s, want error temporarily_unavailable with a description", what, r.Body)
	}
}

func TestRegistrationIsRateLimitedPerAddress(t *testing.T) {
	e := newEnvWith(t, func(c *oauth.Config) { c.RegisterPerAddr = 3 })
	for i := range 3 {
		if r := e.postJSON("/oauth/register", `{"redirect_uris":["https://a.example/cb"]}`); r.Status != 201 {
			t.Fatalf("registration %d: %d", i, r.Status)
		}
	}
	wantRegisterRefusal(t, "over the per-address limit", e.postJSON("/oauth/register", `{"redirect_uris":["https://a.example/cb"]}`))
	e.clock.Advance(oauth.RateWindow)
	if r := e.postJSON("/oauth/register", `{"redirect_uris":["https://a.example/cb"]}`); r.Status != 201 {
		t.Errorf("after the window: %d", r.Status)
	}
}

func TestRegistrationHasAGlobalCeiling(t *testing.T) {
	// Each request claims its own address: the ceiling holds across them.
	e := newEnvWith(t, func(c *oauth.Config) {
		c.RegisterTotal = 4
		c.ClientAddr = func(r *http.Request) string { return r.Header.Get("X-Test-Addr") }
	})
	from := func(i int) *response {
		req, _ := http.NewRequest("POST", e.url("/oauth/register"), strings.NewReader(`{"redirect_uris":["https://a.example/cb"]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-Addr", fmt.Sprintf("192.0.2.%d", i))
		return e.do(req)
	}
	for i := range 4 {
		if r := from(i); r.Status != 201 {
			t.Fatalf("registration %d: %d %s", i, r.Status, r.Body)
		}
	}
	wantRegisterRefusal(t, "over the global ceiling", from(99))
	e.clock.Advance(oauth.RateWindow)
	if r := from(100); r.Status != 201 {
		t.Errorf("after the window: %d", r.Status)
	}
}

func TestFailedCodeExchangesKeepTheCodeUsable(t *testing.T) {
	e := newEnv(t)
	c := e.register("client_secret_post", "https://chatgpt.com/connector_platform_oauth_redirect")
	verifier, challenge := pkce()
	code := e.code(c, authParams(c, challenge))
	good := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.Redirect}, "code_verifier": {verifier}}
	with := func(k, v string) url.Values { f := cloneValues(good); f.Set(k, v); return f }

	wantOAuthError(t, "a wrong verifier", e.token(c, with("code_verifier", strings.Repeat("a", 43))), 400, "invalid_grant")
	wantOAuthError(t, "a missing verifier", e.token(c, with("code_verifier", "")), 400, "invalid_request")
	wantOAuthError(t, "a wrong redirect_uri", e.token(c, with("redirect_uri", c.Redirect+"/x")), 400, "invalid_grant")
	wantOAuthError(t, "a foreign resource", e.token(c, with("resource", "https://evil.example/mcp")), 400, "invalid_target")
	bad := c
	bad.Secret = "mi_cs_wrong"
	wantOAuthError(t, "a wrong secret", e.token(bad, good), 401, "invalid_client")
	noSecret := c
	noSecret.Method = "none"
	wantOAuthError(t, "a confidential client without its secret", e.token(noSecret, good), 401, "invalid_client")
	basic := c
	basic.Method = "client_secret_basic"
	wantOAuthError(t, "a secret by another method than registered", e.token(basic, good), 401, "invalid_client")
	unknown := c
	unknown.ID = "mi_client_nope"
	r := e.token(unknown, good)
	wantOAuthError(t, "an unknown client", r, 401, "invalid_client")

	ok := e.token(c, good)
	if ok.Status != 200 {
		t.Fatalf("the code was used up by failed requests: %d %s", ok.Status, ok.Body)
	}
	// Another client cannot redeem it either (and that does not count as a replay).
	other := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	wantOAuthError(t, "another client's code", e.token(other, good), 400, "invalid_grant")
}

func TestARedeemedCodeReplayedRevokesEverythingIssuedFromIt(t *testing.T) {
	e := newEnv(t)
	c := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	verifier, challenge := pkce()
	code := e.code(c, authParams(c, challenge))
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.Redirect}, "code_verifier": {verifier}}
	first := e.token(c, form)
	if first.Status != 200 {
		t.Fatalf("first redemption: %d", first.Status)
	}
	wantOAuthError(t, "second redemption", e.token(c, form), 400, "invalid_grant")
	if r := e.callMCP("/mcp", first.str("access_token")); r.Status != 401 {
		t.Errorf("access token of a replayed code: %d, want 401", r.Status)
	}
	wantOAuthError(t, "refresh token of a replayed code",
		e.token(c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.str("refresh_token")}}), 400, "invalid_grant")
}

func TestAnExpiredCodeIsRefused(t *testing.T) {
	e := newEnv(t)
	c := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	verifier, challenge := pkce()
	code := e.code(c, authParams(c, challenge))
	e.clock.Advance(oauth.CodeTTL + time.Second)
	wantOAuthError(t, "expired code", e.token(c, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {c.Redirect}, "code_verifier": {verifier}}), 400, "invalid_grant")
}

func TestRefreshTokensRotateAndAReuseRevokesTheGrant(t *testing.T) {
	e := newEnv(t)
	c := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	tok := e.tokens(c)
	refresh := func(rt string, extra ...string) *response {
		f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
		for i := 0; i+1 < len(extra); i += 2 {
			f.Set(extra[i], extra[i+1])
		}
		return e.token(c, f)
	}
	r0 := tok.str("refresh_token")

	wantOAuthError(t, "widening the scope", refresh(r0, "scope", "meetings:read meetings:write admin"), 400, "invalid_scope")
	wantOAuthError(t, "a foreign resource", refresh(r0, "resource", "https://evil.example/mcp"), 400, "invalid_target")
	other := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	wantOAuthError(t, "another client's refresh token", e.token(other, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r0}}), 400, "invalid_grant")

	// Narrowing is allowed; the token carries the narrower scope.
	first := refresh(r0, "scope", "meetings:read")
	if first.Status != 200 || first.str("scope") != "meetings:read" {
		t.Fatalf("narrowing refresh: %d %s", first.Status, first.Body)
	}
	// A retry inside the grace window: a fresh rotation; the first answer's token dies.
	e.clock.Advance(5 * time.Second)
	retry := refresh(r0)
	if retry.Status != 200 {
		t.Fatalf("retry inside the grace window: %d %s", retry.Status, retry.Body)
	}
	wantOAuthError(t, "the first answer's refresh token after a retry", refresh(first.str("refresh_token")), 400, "invalid_grant")
	if e.callMCP("/mcp", retry.str("access_token")).Status != 200 {
		t.Fatal("the retry's access token does not work")
	}
	// A reuse after the grace window revokes the whole grant.
	e.clock.Advance(oauth.RefreshGrace + time.Second)
	wantOAuthError(t, "reuse after the grace window", refresh(r0), 400, "invalid_grant")
	e.clock.Advance(oauth.GrantCacheTTL)
	if r := e.callMCP("/mcp", retry.str("access_token")); r.Status != 401 {
		t.Errorf("access token after a refresh reuse: %d, want 401", r.Status)
	}
	wantOAuthError(t, "the live refresh token after a reuse", refresh(retry.str("refresh_token")), 400, "invalid_grant")
}

func TestOnlyTheClientHoldingATokenCanRevokeIt(t *testing.T) {
	e := newEnv(t)
	c := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	thief := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	tok := e.tokens(c)
	for _, kind := range []string{"access_token", "refresh_token"} {
		r := e.postForm("/oauth/revoke", url.Values{"token": {tok.str(kind)}, "client_id": {thief.ID}}, nil)
		if r.Status == 200 {
			t.Errorf("another client revoked the %s", kind)
		}
	}
	if e.callMCP("/mcp", tok.str("access_token")).Status != 200 {
		t.Fatal("the token stopped working after another client's revocation attempt")
	}
	wantOAuthError(t, "revocation by an unknown client", e.postForm("/oauth/revoke", url.Values{"token": {"x"}, "client_id": {"nope"}}, nil), 401, "invalid_client")
	if r := e.postForm("/oauth/revoke", url.Values{"token": {"mi_rt_unknown"}, "client_id": {c.ID}}, nil); r.Status != 200 {
		t.Errorf("revoking an unknown token: %d, want 200 (RFC 7009)", r.Status)
	}
	if r := e.postForm("/oauth/revoke", url.Values{"token": {tok.str("access_token")}, "client_id": {c.ID}}, nil); r.Status != 200 {
		t.Fatalf("revoking its own access token: %d %s", r.Status, r.Body)
	}
	if e.callMCP("/mcp", tok.str("access_token")).Status != 401 {
		t.Error("a revoked access token still works")
	}
}

func TestARevokedGrantsAccessTokenStopsWithinSeconds(t *testing.T) {
	e := newEnv(t)
	c := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	tok := e.tokens(c)
	at := tok.str("access_token")
	if e.callMCP("/mcp", at).Status != 200 {
		t.Fatal("token refused before revocation")
	}
	// Revoked through the store, as the CLI (another process) does it.
	info, err := e.as.VerifyAccessToken(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.RevokeOAuthGrant(context.Background(), info.GrantID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(oauth.GrantCacheTTL)
	if r := e.callMCP("/mcp", at); r.Status != 401 {
		t.Errorf("revoked grant's token after %v: %d, want 401", oauth.GrantCacheTTL, r.Status)
	}
}

func TestForgedAndMisboundAccessTokensAreRefused(t *testing.T) {
	e := newEnv(t)
	c := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	tok := e.tokens(c)
	good, err := e.as.VerifyAccessToken(context.Background(), tok.str("access_token"))
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	claims := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": e.srv.URL, "sub": strconv.FormatInt(e.user.ID, 10), "aud": e.srv.URL + "/mcp",
			"client_id": c.ID, "scope": "meetings:read meetings:write", "grant_id": good.GrantID,
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "x"}
	}
	mint := func(m jwt.MapClaims, method jwt.SigningMethod, key any, typ string) string {
		tk := jwt.NewWithClaims(method, m)
		if typ != "" {
			tk.Header["typ"] = typ
		}
		s, err := tk.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// A correctly minted token passes, so each refusal below is for its one flaw.
	if r := e.callMCP("/mcp", mint(claims(), jwt.SigningMethodHS256, testSecret, "at+jwt")); r.Status != 200 {
		t.Fatalf("the control token is refused: %d", r.Status)
	}
	with := func(k string, v any) jwt.MapClaims { m := claims(); m[k] = v; return m }
	tampered := strings.Split(tok.str("access_token"), ".")
	payload, _ := base64.RawURLEncoding.DecodeString(tampered[1])
	payload = []byte(strings.Replace(string(payload), `"scope":"meetings:read meetings:write"`, `"scope":"meetings:admin xx:write"`, 1))
	tampered[1] = base64.RawURLEncoding.EncodeToString(payload)

	tests := []struct{ name, token string }{
		{"alg none", mint(claims(), jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "at+jwt")},
		{"another secret", mint(claims(), jwt.SigningMethodHS256, []byte("another-secret-another-secret-0123456"), "at+jwt")},
		{"HS512 with the right secret", mint(claims(), jwt.SigningMethodHS512, testSecret, "at+jwt")},
		{"a foreign audience", mint(with("aud", "https://evil.example/mcp"), jwt.SigningMethodHS256, testSecret, "at+jwt")},
		{"another issuer", mint(with("iss", "https://evil.example"), jwt.SigningMethodHS256, testSecret, "at+jwt")},
		{"an expired token", mint(with("exp", now.Add(-time.Minute).Unix()), jwt.SigningMethodHS256, testSecret, "at+jwt")},
		{"no expiry", mint(func() jwt.MapClaims { m := claims(); delete(m, "exp"); return m }(), jwt.SigningMethodHS256, testSecret, "at+jwt")},
		{"a JWT that is not an access token", mint(claims(), jwt.SigningMethodHS256, testSecret, "")},
		{"another user on the grant", mint(with("sub", "999"), jwt.SigningMethodHS256, testSecret, "at+jwt")},
		{"an unknown grant", mint(with("grant_id", 999), jwt.SigningMethodHS256, testSecret, "at+jwt")},
		{"a tampered payload", strings.Join(tampered, ".")},
		{"garbage", "not.a.jwt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.callMCP("/mcp", tc.token)
			if r.Status != 401 {
				t.Errorf("got %d, want 401", r.Status)
			}
		})
	}
}

func TestTheConsentFormRefusesForgedOrStaleSubmissions(t *testing.T) {
	e := newEnv(t)
	c := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	_, challenge := pkce()
	page := e.get("/oauth/authorize?" + authAuthParams(c, challenge).Encode())
	h := page.Header
	if h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		strings.Contains(h.Get("Content-Security-Policy"), "form-action") || strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") ||
		h.Get("Cache-Control") != "no-store" {
		t.Errorf("page headers: %v", h)
	}
	if strings.Contains(page.Body, "<script") || strings.Contains(page.Body, "style=") || strings.Contains(page.Body, "<style") {
		t.Error("the page has inline script or style")
	}
	form := hidden(t, page.Body)
	form.Set("token", e.pat)
	form.Set("decision", "approve")

	post := func(f url.Values, hdr map[string]string) *response {
		req, _ := http.NewRequest("POST", e.url("/oauth/authorize"), strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		return e.do(req)
	}
	edit := func(k, v string) url.Values { f := cloneValues(form); f.Set(k, v); return f }
	noCSRF := cloneValues(form)
	noCSRF.Del("csrf")
	// The request with another scope, under its old signature.
	reqPayload, reqMAC, _ := strings.Cut(form.Get("request"), ".")
	decoded, _ := base64.RawURLEncoding.DecodeString(reqPayload)
	altered := strings.Replace(string(decoded), `"sc":["meetings:read"]`, `"sc":["meetings:read","meetings:write"]`, 1)
	if altered == string(decoded) {
		t.Fatalf("cannot find the scopes in the request %s", decoded)
	}
	tamperedReq := base64.RawURLEncoding.EncodeToString([]byte(altered)) + "." + reqMAC

	tests := []struct {
		name string
		f    url.Values
		hdr  map[string]string
	}{
		{"without the CSRF token", noCSRF, nil},
		{"with another page's CSRF token", edit("csrf", "AAAA"), nil},
		{"with an altered request", edit("request", tamperedReq), nil},
		{"from another site", form, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"with a foreign Origin", form, map[string]string{"Origin": "https://evil.example"}},
		{"with a forged sign-in proof and no token", func() url.Values { f := edit("signin", "eyJ1IjoxfQ.AAAA"); f.Del("token"); return f }(), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := post(tc.f, tc.hdr)
			if r.Header.Get("Location") != "" || strings.Contains(r.Body, "code=") {
				t.Errorf("got %d to %q; want no code", r.Status, r.Header.Get("Location"))
			}
		})
	}
	t.Run("with a wrong token", func(t *testing.T) {
		r := post(edit("token", "mi_pat_wrong"), nil)
		if r.Status != 401 || r.Header.Get("Location") != "" || !strings.Contains(r.Body, `name="token"`) {
			t.Errorf("got %d %q", r.Status, r.Header.Get("Location"))
		}
	})
	t.Run("after the page expired", func(t *testing.T) {
		e.clock.Advance(oauth.RequestTTL + time.Second)
		r := post(form, nil)
		if r.Status != 400 || r.Header.Get("Location") != "" {
			t.Errorf("got %d %q", r.Status, r.Header.Get("Location"))
		}
	})
}

// authAuthParams is authParams with every optional parameter a client may send.
func authAuthParams(c client, challenge string) url.Values {
	v := authParams(c, challenge)
	v.Set("scope", "meetings:read")
	return v
}

func TestNothingUnderWellKnownOrOAuthIsHTMLButTheAuthorizePage(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{
		"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp",
		"/.well-known/oauth-protected-resource/sse", "/.well-known/oauth-protected-resource/mcp/mi_pat_x",
		"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration",
		"/oauth/token", "/oauth/register", "/oauth/revoke", "/oauth/nope", "/oauth/static/nope.css",
	} {
		r := e.get(p)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: %d %s", p, r.Status, r.Header.Get("Content-Type"))
		}
	}
	if r := e.get("/.well-known/openid-configuration"); r.Status != 404 || r.JSON == nil {
		t.Errorf("openid-configuration: %d %s", r.Status, r.Body)
	}
	for _, p := range []string{"/oauth/token", "/oauth/register", "/oauth/revoke"} {
		r := e.postForm(p, url.Values{}, nil)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Status >= 500 {
			t.Errorf("empty POST %s: %d %s", p, r.Status, r.Header.Get("Content-Type"))
		}
	}
	big := url.Values{"grant_type": {"authorization_code"}, "code": {strings.Repeat("x", oauth.MaxFormBody)}}
	wantOAuthError(t, "an oversized token request", e.postForm("/oauth/token", big, nil), 413, "invalid_request")
	wantOAuthError(t, "a repeated token parameter", e.postForm("/oauth/token",
		url.Values{"grant_type": {"refresh_token", "authorization_code"}, "client_id": {"x"}}, nil), 400, "invalid_request")
}

func TestMetadataIsWhatStrictClientsExpect(t *testing.T) {
	e := newEnv(t)
	as := e.get("/.well-known/oauth-authorization-server").JSON
	base := e.srv.URL
	for k, want := range map[string]any{
		"issuer": base, "authorization_endpoint": base + "/oauth/authorize", "token_endpoint": base + "/oauth/token",
		"registration_endpoint": base + "/oauth/register", "revocation_endpoint": base + "/oauth/revoke",
		"authorization_response_iss_parameter_supported": true,
	} {
		if as[k] != want {
			t.Errorf("%s = %v, want %v", k, as[k], want)
		}
	}
	join := func(k string) string {
		var out []string
		for _, v := range as[k].([]any) {
			out = append(out, v.(string))
		}
		return strings.Join(out, " ")
	}
	for k, want := range map[string]string{
		"response_types_supported": "code", "code_challenge_methods_supported": "S256",
		"grant_types_supported": "authorization_code refresh_token", "scopes_supported": "meetings:read meetings:write",
		"token_endpoint_auth_methods_supported":            "none client_secret_post client_secret_basic private_key_jwt",
		"token_endpoint_auth_signing_alg_values_supported": "RS256 ES256",
	} {
		if got := join(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if _, ok := as["jwks_uri"]; ok {
		t.Error("jwks_uri is advertised but there are no public keys")
	}
	req, _ := http.NewRequest("OPTIONS", e.url("/oauth/token"), nil)
	req.Header.Set("Origin", "http://localhost:6274")
	req.Header.Set("Access-Control-Request-Method", "POST")
	r := e.do(req)
	if r.Status != 204 || r.Header.Get("Access-Control-Allow-Origin") == "" || !strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
		t.Errorf("CORS preflight: %d %v", r.Status, r.Header)
	}
}

func TestChallengeNamesTheResourceMetadataScopesAndError(t *testing.T) {
	tests := []struct{ path, code, want string }{
		{"/mcp", "", `Bearer resource_metadata="https://x.example/.well-known/oauth-protected-resource/mcp", scope="meetings:read meetings:write"`},
		{"/sse", "invalid_token", `Bearer error="invalid_token", resource_metadata="https://x.example/.well-known/oauth-protected-resource/sse", scope="meetings:read meetings:write"`},
		{"/mcp", "insufficient_scope", `Bearer error="insufficient_scope", resource_metadata="https://x.example/.well-known/oauth-protected-resource/mcp", scope="meetings:read meetings:write"`},
	}
	for _, tc := range tests {
		if got := oauth.Challenge("https://x.example/", tc.path, tc.code); got != tc.want {
			t.Errorf("Challenge(%s, %q) = %s, want %s", tc.path, tc.code, got, tc.want)
		}
	}
}

func TestRedirectURIsMatchExactlyExceptALoopbackPort(t *testing.T) {
	e := newEnv(t)
	_, challenge := pkce()
	tests := []struct {
		name, registered, requested string
		allowed                     bool
	}{
		{"the registered https URI", "https://chatgpt.com/connector/oauth/abc", "https://chatgpt.com/connector/oauth/abc", true},
		{"an upper-case host", "https://chatgpt.com/connector/oauth/abc", "https://CHATGPT.com/connector/oauth/abc", false},
		{"user info before the registered host", "https://chatgpt.com/connector/oauth/abc", "https://chatgpt.com@evil.example/connector/oauth/abc", false},
		{"a path traversal", "https://chatgpt.com/connector/oauth/abc", "https://chatgpt.com/connector/oauth/abc/../../evil", false},
		{"an encoded path", "https://chatgpt.com/connector/oauth/abc", "https://chatgpt.com/connector/oauth/%61bc", false},
		{"an added query", "https://chatgpt.com/connector/oauth/abc", "https://chatgpt.com/connector/oauth/abc?x=1", false},
		{"an added fragment", "https://chatgpt.com/connector/oauth/abc", "https://chatgpt.com/connector/oauth/abc#x", false},
		{"another port on https", "https://chatgpt.com/connector/oauth/abc", "https://chatgpt.com:8443/connector/oauth/abc", false},
		{"a loopback IPv4 on another port", "http://127.0.0.1/cb", "http://127.0.0.1:55123/cb", true},
		{"a loopback IPv6 on another port", "http://[::1]:3000/cb", "http://[::1]:55123/cb", true},
		{"localhost on another port", "http://localhost:3000/oauth/callback", "http://localhost:6274/oauth/callback", true},
		{"localhost as a subdomain of another site", "http://localhost:3000/oauth/callback", "http://localhost.evil.example:3000/oauth/callback", false},
		{"a loopback with user info", "http://localhost:3000/cb", "http://evil.example@localhost:4000/cb", false},
		{"a loopback with another path", "http://localhost:3000/cb", "http://localhost:4000/cb/../x", false},
		{"a loopback with an added query", "http://localhost:3000/cb", "http://localhost:4000/cb?x=1", false},
		{"a loopback on https", "http://localhost:3000/cb", "https://localhost:4000/cb", false},
		{"another loopback address", "http://127.0.0.1:3000/cb", "http://127.0.0.2:3000/cb", false},
		{"localhost for a registered 127.0.0.1", "http://127.0.0.1:3000/cb", "http://localhost:3000/cb", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := e.register("none", tc.registered)
			v := authParams(c, challenge)
			v.Set("redirect_uri", tc.requested)
			r := e.get("/oauth/authorize?" + v.Encode())
			switch {
			case tc.allowed && r.Status != http.StatusOK:
				t.Errorf("got %d, want the consent page", r.Status)
			case !tc.allowed && (r.Status != http.StatusBadRequest || r.Header.Get("Location") != ""):
				t.Errorf("got %d to %q, want a 400 page and no redirect", r.Status, r.Header.Get("Location"))
			}
		})
		e.clock.Advance(oauth.RateWindow) // registrations are rate limited
	}
}

func TestRegistrationRefusesRedirectHostsThatReadAsAnotherSite(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ name, uri string }{
		{"a Cyrillic look-alike host", "https://\u0441hatgpt.com/connector/oauth/abc"},
		{"a right-to-left override in the host", "https://evil.example\u202e/cb"},
		{"a percent-encoded right-to-left override in the host", "https://moc.tpgtahc%E2%80%AE.evil.example/cb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := json.Marshal(map[string]any{"redirect_uris": []string{tc.uri}, "token_endpoint_auth_method": "none"})
			wantOAuthError(t, "register", e.postJSON("/oauth/register", string(b)), 400, "invalid_redirect_uri")
		})
	}
	t.Run("an xn-- host is accepted", func(t *testing.T) {
		r := e.postJSON("/oauth/register", `{"redirect_uris":["https://xn--hatgpt-8of.com/cb"],"token_endpoint_auth_method":"none"}`)
		if r.Status != http.StatusCreated {
			t.Errorf("got %d %s, want 201", r.Status, r.Body)
		}
	})
}

func TestConcurrentRedemptionsOfOneCodeNeverLeaveTwoLiveGrants(t *testing.T) {
	e := newEnv(t)
	c := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	verifier, challenge := pkce()
	code := e.code(c, authParams(c, challenge))
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.Redirect}, "code_verifier": {verifier}}
	const n = 8
	answers := make([]*response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i] = e.token(c, form) })
	}
	wg.Wait()
	var ok []*response
	for _, a := range answers {
		if a.Status == 200 {
			ok = append(ok, a)
		} else if a.str("error") != "invalid_grant" {
			t.Errorf("a concurrent redemption answered %d %s", a.Status, a.Body)
		}
	}
	if len(ok) != 1 {
		t.Fatalf("%d redemptions succeeded, want exactly 1", len(ok))
	}
	// The others were replays: what the one success got is revoked.
	if r := e.callMCP("/mcp", ok[0].str("access_token")); r.Status != 401 {
		t.Errorf("the access token of a replayed code answers %d, want 401", r.Status)
	}
}

func TestConcurrentRefreshesLeaveOneLiveChain(t *testing.T) {
	e := newEnv(t)
	c := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	r0 := e.tokens(c).str("refresh_token")
	const n = 8
	answers := make([]*response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			answers[i] = e.token(c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r0}})
		})
	}
	wg.Wait()
	var issued []string
	for _, a := range answers {
		if a.Status == 200 {
			issued = append(issued, a.str("refresh_token"))
		}
	}
	if len(issued) == 0 {
		t.Fatal("no concurrent refresh succeeded")
	}
	live := 0
	for _, rt := range issued {
		rec, err := e.db.FindOAuthRefreshToken(context.Background(), meetingintel.HashToken(rt))
		if err != nil {
			t.Fatal(err)
		}
		if rec.RotatedAt == nil && rec.RevokedAt == nil {
			live++
		}
	}
	if live != 1 {
		t.Errorf("%d of %d issued refresh tokens are live, want exactly one live chain", live, len(issued))
	}
}

func TestOtherCredentialsNeverPassAsAccessTokens(t *testing.T) {
	e := newEnv(t)
	c := e.register("client_secret_post", "https://chatgpt.com/connector_platform_oauth_redirect")
	verifier, challenge := pkce()
	code := e.code(c, authParams(c, challenge))
	tok := e.token(c, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.Redirect}, "code_verifier": {verifier}})
	if tok.Status != 200 {
		t.Fatalf("code exchange: %d %s", tok.Status, tok.Body)
	}
	for _, tc := range []struct{ name, token string }{
		{"a refresh token", tok.str("refresh_token")},
		{"an authorization code", code},
		{"a client secret", c.Secret},
		{"a personal access token", e.pat},
		{"a consent form's signed request", "eyJjIjoiYSJ9.AAAA.BBBB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.as.VerifyAccessToken(context.Background(), tc.token); err == nil {
				t.Error("accepted as an access token")
			}
		})
	}
}
