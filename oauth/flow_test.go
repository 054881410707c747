package oauth_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel/oauth"
	"golang.org/x/oauth2"
)

func TestChatGPTConnectsWithAConfidentialClientEndToEnd(t *testing.T) {
	e := newEnv(t)
	base := e.srv.URL

	// Discovery: the path form first, then the root form, then the AS.
	prm := e.get("/.well-known/oauth-protected-resource/mcp")
	if prm.Status != 200 || prm.str("resource") != base+"/mcp" {
		t.Fatalf("PRM /mcp: %d %s", prm.Status, prm.Body)
	}
	root := e.get("/.well-known/oauth-protected-resource")
	if root.str("resource") != base+"/mcp" || root.JSON["authorization_servers"].([]any)[0] != base {
		t.Fatalf("PRM root: %s", root.Body)
	}
	if sse := e.get("/.well-known/oauth-protected-resource/sse"); sse.str("resource") != base+"/sse" {
		t.Errorf("PRM /sse: %s", sse.Body)
	}
	as := e.get("/.well-known/oauth-authorization-server")
	if as.str("issuer") != base || as.str("token_endpoint") != base+"/oauth/token" {
		t.Fatalf("AS metadata: %s", as.Body)
	}

	// Registration as ChatGPT does it.
	r := e.postJSON("/oauth/register", `{"client_name":"ChatGPT","redirect_uris":["https://chatgpt.com/connector_platform_oauth_redirect"],
		"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"client_secret_post",
		"scope":"meetings:read meetings:write","client_uri":"https://chatgpt.com","software_id":"x"}`)
	if r.Status != http.StatusCreated || r.str("client_secret") == "" || r.str("token_endpoint_auth_method") != "client_secret_post" ||
		r.str("client_name") != "ChatGPT" || r.JSON["redirect_uris"].([]any)[0] != "https://chatgpt.com/connector_platform_oauth_redirect" {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	c := client{ID: r.str("client_id"), Secret: r.str("client_secret"), Method: "client_secret_post",
		Redirect: "https://chatgpt.com/connector_platform_oauth_redirect"}

	// Authorization with resource, state and S256; the page shows who asks.
	verifier, challenge := pkce()
	params := authParams(c, challenge)
	params.Set("resource", base+"/mcp")
	params.Set("scope", "meetings:read meetings:write")
	page := e.get("/oauth/authorize?" + params.Encode())
	for _, want := range []string{"ChatGPT", "chatgpt.com", "meetings:read", "meetings:write", `name="token"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	code := e.code(c, params)

	tok := e.token(c, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.Redirect},
		"code_verifier": {verifier}, "resource": {base + "/mcp"}})
	if tok.Status != 200 || tok.str("token_type") != "Bearer" || tok.str("refresh_token") == "" ||
		tok.str("scope") != "meetings:read meetings:write" || tok.JSON["expires_in"].(float64) > 3600 {
		t.Fatalf("token: %d %s", tok.Status, tok.Body)
	}
	if tok.Header.Get("Cache-Control") != "no-store" {
		t.Error("token response is cacheable")
	}

	// The protected resource accepts it, on /mcp and on /sse.
	call := e.callMCP("/mcp", tok.str("access_token"))
	if call.Status != 200 || int64(call.JSON["UserID"].(float64)) != e.user.ID || call.str("ClientID") != c.ID {
		t.Fatalf("/mcp with the token: %d %s", call.Status, call.Body)
	}
	if e.callMCP("/sse", tok.str("access_token")).Status != 200 {
		t.Error("a /mcp token was refused on /sse")
	}

	// Refresh without resource (go-sdk style).
	ref := e.token(c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.str("refresh_token")}})
	if ref.Status != 200 || ref.str("refresh_token") == "" || ref.str("refresh_token") == tok.str("refresh_token") {
		t.Fatalf("refresh: %d %s", ref.Status, ref.Body)
	}
	if e.callMCP("/mcp", ref.str("access_token")).Status != 200 {
		t.Error("the refreshed access token is refused")
	}

	// Revocation: the client revokes its refresh token; every token of the grant stops.
	rv := e.postForm("/oauth/revoke", url.Values{"token": {ref.str("refresh_token")}, "client_id": {c.ID}, "client_secret": {c.Secret}}, nil)
	if rv.Status != 200 {
		t.Fatalf("revoke: %d %s", rv.Status, rv.Body)
	}
	if got := e.callMCP("/mcp", ref.str("access_token")); got.Status != 401 ||
		!strings.Contains(got.Header.Get("WWW-Authenticate"), `resource_metadata="`+base+`/.well-known/oauth-protected-resource/mcp"`) {
		t.Errorf("access token after revocation: %d %q", got.Status, got.Header.Get("WWW-Authenticate"))
	}
	again := e.token(c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ref.str("refresh_token")}})
	wantOAuthError(t, "refresh after revocation", again, 400, "invalid_grant")

	// The user sees the connection, revoked, with its last use.
	gs, err := e.db.FindOAuthGrants(context.Background(), e.user.ID)
	if err != nil || len(gs) != 1 || gs[0].RevokedAt == nil || gs[0].LastUsedAt == nil || gs[0].ClientName != "ChatGPT" {
		t.Errorf("grants = %+v, %v", gs, err)
	}
}

func TestAPublicClientConnectsWithGolangOAuth2AndAnyLoopbackPort(t *testing.T) {
	e := newEnv(t)
	// mcp-remote registers http://localhost:PORT/oauth/callback with none.
	c := e.register("none", "http://localhost:33418/oauth/callback")
	if c.Secret != "" {
		t.Fatal("a public client got a secret")
	}
	// A loopback redirect on another port is the same redirect (RFC 8252).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	cfg := &oauth2.Config{
		ClientID:    c.ID,
		Endpoint:    oauth2.Endpoint{AuthURL: e.srv.URL + "/oauth/authorize", TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: "http://localhost:" + port + "/oauth/callback",
		Scopes:      []string{oauth.ScopeRead},
	}
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("st-123", oauth2.S256ChallengeOption(verifier))
	u, _ := url.Parse(authURL)
	redirect := e.consent(u.Query(), "approve")
	if got := redirect.Scheme + "://" + redirect.Host + redirect.Path; got != cfg.RedirectURL {
		t.Fatalf("redirected to %s, want %s", got, cfg.RedirectURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, e.http)
	tok, err := cfg.Exchange(ctx, redirect.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.Extra("scope") != oauth.ScopeRead || tok.RefreshToken == "" {
		t.Errorf("token scope %v, refresh %q", tok.Extra("scope"), tok.RefreshToken)
	}
	call := e.callMCP("/mcp", tok.AccessToken)
	if call.Status != 200 || len(call.JSON["Scopes"].([]any)) != 1 {
		t.Fatalf("/mcp: %d %s", call.Status, call.Body)
	}
	// The library refreshes an expired token by itself.
	tok.Expiry = time.Now().Add(-time.Minute)
	fresh, err := cfg.TokenSource(ctx, tok).Token()
	if err != nil || fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh through oauth2: %v", err)
	}
}

func TestDenyRedirectsWithAccessDeniedStateAndIssuer(t *testing.T) {
	e := newEnv(t)
	c := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	_, challenge := pkce()
	u := e.consent(authParams(c, challenge), "deny")
	q := u.Query()
	if u.Host != "claude.ai" || q.Get("error") != "access_denied" || q.Get("state") != "st-123" || q.Get("iss") != e.srv.URL || q.Get("code") != "" {
		t.Errorf("deny redirect = %s", u)
	}
}

func TestARestartBetweenEveryStepLosesNothing(t *testing.T) {
	e := newEnv(t)
	c := e.register("client_secret_basic", "https://vscode.dev/redirect")
	e.restart()
	verifier, challenge := pkce()
	code := e.code(c, authParams(c, challenge))
	e.restart()
	tok := e.token(c, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.Redirect}, "code_verifier": {verifier}})
	if tok.Status != 200 {
		t.Fatalf("token after restart: %d %s", tok.Status, tok.Body)
	}
	e.restart()
	if got := e.callMCP("/mcp", tok.str("access_token")); got.Status != 200 {
		t.Errorf("access token after restart: %d", got.Status)
	}
	ref := e.token(c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.str("refresh_token")}})
	if ref.Status != 200 {
		t.Fatalf("refresh after restart: %d %s", ref.Status, ref.Body)
	}
}

func TestCleanupKeepsLiveStateAndRemovesDeadRecords(t *testing.T) {
	e := newEnv(t)
	c := e.register("none", "https://claude.ai/api/mcp/auth_callback")
	tok := e.tokens(c)
	ctx := context.Background()
	if n, err := e.as.Cleanup(ctx); err != nil || n != 0 {
		t.Fatalf("Cleanup of live state = %d, %v", n, err)
	}
	if e.callMCP("/mcp", tok.str("access_token")).Status != 200 {
		t.Error("cleanup broke a live grant")
	}
}

func TestTheRedirectURIsOfTodaysClientsRegisterAndReceiveACode(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ client, method, redirect string }{
		{"Claude (claude.ai)", "none", "https://claude.ai/api/mcp/auth_callback"},
		{"Claude (claude.com)", "none", "https://claude.com/api/mcp/auth_callback"},
		{"ChatGPT", "client_secret_post", "https://chatgpt.com/connector_platform_oauth_redirect"},
		{"ChatGPT per connector", "client_secret_post", "https://chatgpt.com/connector/oauth/AbC123xyz"},
		{"Microsoft 365 Copilot", "client_secret_post", "https://teams.microsoft.com/api/platform/v1.0/oAuthRedirect"},
		{"Copilot Studio", "client_secret_post", "https://global.consent.azure-apim.net/redirect/new-5fmeetingintel-5f0123456789abcdef"},
		{"VS Code", "none", "https://vscode.dev/redirect"},
		{"Cursor", "none", "cursor://anysphere.cursor-mcp/oauth/callback"},
	} {
		t.Run(tc.client, func(t *testing.T) {
			c := e.register(tc.method, tc.redirect)
			verifier, challenge := pkce()
			code := e.code(c, authParams(c, challenge))
			r := e.token(c, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {tc.redirect}, "code_verifier": {verifier}})
			if r.Status != http.StatusOK || r.str("access_token") == "" {
				t.Fatalf("token for %s: %d %s", tc.redirect, r.Status, r.Body)
			}
		})
	}
}
