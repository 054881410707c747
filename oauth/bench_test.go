package oauth_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// BenchmarkVerifyAccessToken measures what every OAuth-authenticated MCP
// request pays: JWT signature and claims, then the grant's status (cached
// for a moment, so most calls skip the database).
func BenchmarkVerifyAccessToken(b *testing.B) {
	e := newEnv(b)
	c := e.register("none", "http://127.0.0.1:9/cb")
	tok := e.tokens(c).str("access_token")
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.as.VerifyAccessToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefreshTokenGrant measures the token endpoint's refresh grant
// over HTTP: client authentication, rotation in the database, a new JWT.
func BenchmarkRefreshTokenGrant(b *testing.B) {
	e := newEnv(b)
	c := e.register("client_secret_post", "https://chatgpt.com/connector_platform_oauth_redirect")
	rt := e.tokens(c).str("refresh_token")
	n := 0
	for b.Loop() {
		if n++; n%200 == 0 {
			e.clock.Advance(time.Minute) // stay under the per-address rate limit
		}
		r := e.token(c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
		if r.Status != http.StatusOK {
			b.Fatalf("refresh: %d %s", r.Status, r.Body)
		}
		rt = r.str("refresh_token")
	}
}
