package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
)

// RunOAuth runs the OAuth store suite; open returns a fresh, empty,
// migrated store that also implements meetingintel.OAuthStore.
func RunOAuth(t *testing.T, open func(t *testing.T) meetingintel.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s meetingintel.Store, o meetingintel.OAuthStore)
	}{
		{"clients round-trip and are unique by id", testOAuthClients},
		{"a code is redeemed once, creating its grant and first refresh token together", testOAuthCodes},
		{"refresh tokens rotate, forgive a quick retry and revoke the grant on reuse", testOAuthRotation},
		{"grants list per user and revoke with their refresh tokens", testOAuthGrants},
		{"cleanup removes only long-dead records", testOAuthCleanup},
		{"cleanup sweeps clients no authorization used within a day", testOAuthUnusedClients},
		{"a client assertion id is used once per client until it expires", testOAuthAssertionJTIs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			o, ok := s.(meetingintel.OAuthStore)
			if !ok {
				t.Fatalf("%T does not implement meetingintel.OAuthStore", s)
			}
			tc.fn(t, s, o)
		})
	}
}

// oauthT0 is the suite's fixed clock.
var oauthT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// oauthFixture makes a user and a client and returns them.
func oauthFixture(t *testing.T, s meetingintel.Store, o meetingintel.OAuthStore) (*meetingintel.User, *meetingintel.OAuthClient) {
	t.Helper()
	ctx := context.Background()
	u := &meetingintel.User{Email: "grantee@example.com", Name: "Grantee"}
	mustNil(t, "CreateUser", s.CreateUser(ctx, u))
	c := &meetingintel.OAuthClient{
		ID: "mi_client_test", SecretHash: meetingintel.HashToken("secret"), Name: "ChatGPT",
		RedirectURIs:  []string{"https://chatgpt.com/connector_platform_oauth_redirect", "http://127.0.0.1/cb"},
		GrantTypes:    []string{"authorization_code", "refresh_token"},
		ResponseTypes: []string{"code"}, AuthMethod: "client_secret_post", CreatedAt: oauthT0,
	}
	mustNil(t, "CreateOAuthClient", o.CreateOAuthClient(ctx, c))
	return u, c
}

// redeem stores a code and redeems it, returning the grant and refresh token.
func redeem(t *testing.T, o meetingintel.OAuthStore, u *meetingintel.User, c *meetingintel.OAuthClient, code, refresh string) (*meetingintel.OAuthGrant, *meetingintel.OAuthRefreshToken) {
	t.Helper()
	ctx := context.Background()
	mustNil(t, "CreateOAuthCode", o.CreateOAuthCode(ctx, &meetingintel.OAuthCode{
		Hash: meetingintel.HashToken(code), ClientID: c.ID, UserID: u.ID, RedirectURI: c.RedirectURIs[0],
		Scopes: []string{"meetings:read"}, Resource: "https://x.example/mcp", CodeChallenge: "ch",
		CreatedAt: oauthT0, ExpiresAt: oauthT0.Add(5 * time.Minute),
	}))
	g := &meetingintel.OAuthGrant{UserID: u.ID, ClientID: c.ID, Scopes: []string{"meetings:read"},
		Resource: "https://x.example/mcp", CreatedAt: oauthT0, ExpiresAt: oauthT0.Add(30 * 24 * time.Hour)}
	rt := &meetingintel.OAuthRefreshToken{Hash: meetingintel.HashToken(refresh), CreatedAt: oauthT0, ExpiresAt: oauthT0.Add(30 * 24 * time.Hour)}
	mustNil(t, "RedeemOAuthCode", o.RedeemOAuthCode(ctx, meetingintel.HashToken(code), oauthT0, g, rt))
	return g, rt
}

func testOAuthClients(t *testing.T, s meetingintel.Store, o meetingintel.OAuthStore) {
	ctx := context.Background()
	_, c := oauthFixture(t, s, o)
	got, err := o.FindOAuthClient(ctx, c.ID)
	mustNil(t, "FindOAuthClient", err)
	if got.Name != c.Name || got.SecretHash != c.SecretHash || got.AuthMethod != c.AuthMethod ||
		!slices.Equal(got.RedirectURIs, c.RedirectURIs) || !slices.Equal(got.GrantTypes, c.GrantTypes) ||
		!slices.Equal(got.ResponseTypes, c.ResponseTypes) || !got.CreatedAt.Equal(c.CreatedAt) || got.LastUsedAt != nil {
		t.Errorf("FindOAuthClient = %+v, want %+v", got, c)
	}
	wantCode(t, "CreateOAuthClient with a taken id", o.CreateOAuthClient(ctx, c), meetingintel.ECONFLICT)
	_, err = o.FindOAuthClient(ctx, "nope")
	wantCode(t, "FindOAuthClient of nothing", err, meetingintel.ENOTFOUND)
}

func testOAuthCodes(t *testing.T, s meetingintel.Store, o meetingintel.OAuthStore) {
	ctx := context.Background()
	u, c := oauthFixture(t, s, o)
	g, rt := redeem(t, o, u, c, "code-1", "rt-1")
	if g.ID == 0 || rt.GrantID != g.ID {
		t.Fatalf("grant %d, refresh token of grant %d", g.ID, rt.GrantID)
	}
	code, err := o.FindOAuthCode(ctx, meetingintel.HashToken("code-1"))
	mustNil(t, "FindOAuthCode", err)
	if code.UsedAt == nil || code.GrantID != g.ID || code.UserID != u.ID || code.CodeChallenge != "ch" ||
		!slices.Equal(code.Scopes, []string{"meetings:read"}) || !code.ExpiresAt.Equal(oauthT0.Add(5*time.Minute)) {
		t.Errorf("redeemed code = %+v", code)
	}
	cl, _ := o.FindOAuthClient(ctx, c.ID)
	if cl.LastUsedAt == nil || !cl.LastUsedAt.Equal(oauthT0) {
		t.Errorf("client last used = %v, want %v", cl.LastUsedAt, oauthT0)
	}

	// A second redemption stores nothing.
	g2 := &meetingintel.OAuthGrant{UserID: u.ID, ClientID: c.ID, CreatedAt: oauthT0, ExpiresAt: oauthT0.Add(time.Hour)}
	err = o.RedeemOAuthCode(ctx, meetingintel.HashToken("code-1"), oauthT0, g2,
		&meetingintel.OAuthRefreshToken{Hash: meetingintel.HashToken("rt-x"), CreatedAt: oauthT0, ExpiresAt: oauthT0.Add(time.Hour)})
	wantCode(t, "RedeemOAuthCode twice", err, meetingintel.ECONFLICT)
	_, err = o.FindOAuthRefreshToken(ctx, meetingintel.HashToken("rt-x"))
	wantCode(t, "refresh token of a failed redemption", err, meetingintel.ENOTFOUND)
	if gs, _ := o.FindOAuthGrants(ctx, u.ID); len(gs) != 1 {
		t.Errorf("%d grants after a double redemption, want 1", len(gs))
	}
	wantCode(t, "RedeemOAuthCode of nothing", o.RedeemOAuthCode(ctx, "nope", oauthT0, g2, nil), meetingintel.ENOTFOUND)
	_, err = o.FindOAuthCode(ctx, "nope")
	wantCode(t, "FindOAuthCode of nothing", err, meetingintel.ENOTFOUND)
}

func testOAuthRotation(t *testing.T, s meetingintel.Store, o meetingintel.OAuthStore) {
	ctx := context.Background()
	u, c := oauthFixture(t, s, o)
	g, _ := redeem(t, o, u, c, "code-1", "rt-1")
	const grace = 30 * time.Second
	h := meetingintel.HashToken
	next := func(tok string, at time.Time) *meetingintel.OAuthRefreshToken {
		return &meetingintel.OAuthRefreshToken{Hash: h(tok), CreatedAt: at, ExpiresAt: at.Add(30 * 24 * time.Hour)}
	}
	rotate := func(old, tok string, at time.Time, want meetingintel.RotateResult) {
		t.Helper()
		got, err := o.RotateOAuthRefreshToken(ctx, h(old), next(tok, at), at, grace)
		if err != nil || got != want {
			t.Fatalf("rotate %s -> %s at +%v = %v, %v; want %v", old, tok, at.Sub(oauthT0), got, err, want)
		}
	}
	live := func(tok string) bool {
		rt, err := o.FindOAuthRefreshToken(ctx, h(tok))
		return err == nil && rt.RevokedAt == nil && rt.RotatedAt == nil
	}

	rotate("rt-1", "rt-2", oauthT0.Add(time.Minute), meetingintel.Rotated)
	if live("rt-1") || !live("rt-2") {
		t.Fatal("after a rotation, rt-1 should be spent and rt-2 live")
	}
	rt2, _ := o.FindOAuthRefreshToken(ctx, h("rt-2"))
	if rt2.GrantID != g.ID || rt2.ClientID != c.ID || rt2.UserID != u.ID {
		t.Errorf("rt-2 = %+v, want grant %d of client %s and user %d", rt2, g.ID, c.ID, u.ID)
	}
	// A retry with rt-1 inside the grace window: a fresh rotation that kills rt-2.
	rotate("rt-1", "rt-2b", oauthT0.Add(time.Minute+10*time.Second), meetingintel.RotatedRetry)
	if live("rt-2") || !live("rt-2b") {
		t.Fatal("after a retry, rt-2 should be dead and rt-2b live: one chain per grant")
	}
	// rt-2, killed by the retry, is refused without touching the grant.
	rotate("rt-2", "rt-3x", oauthT0.Add(2*time.Minute), meetingintel.Refused)
	if !live("rt-2b") {
		t.Fatal("presenting a superseded token must not kill the live chain")
	}
	rotate("rt-2b", "rt-3", oauthT0.Add(3*time.Minute), meetingintel.Rotated)
	// rt-1 again, after its grace window: a replay, the grant dies.
	rotate("rt-1", "rt-4", oauthT0.Add(10*time.Minute), meetingintel.ReuseDetected)
	gg, err := o.FindOAuthGrant(ctx, g.ID)
	mustNil(t, "FindOAuthGrant", err)
	if gg.RevokedAt == nil || live("rt-3") {
		t.Error("reuse after the grace window must revoke the grant and its live refresh token")
	}
	if _, err := o.FindOAuthRefreshToken(ctx, h("rt-4")); err == nil {
		t.Error("a reuse must not store a new token")
	}
	rotate("rt-3", "rt-5", oauthT0.Add(11*time.Minute), meetingintel.Refused)
	_, err = o.RotateOAuthRefreshToken(ctx, h("nope"), next("rt-6", oauthT0), oauthT0, grace)
	wantCode(t, "rotating an unknown token", err, meetingintel.ENOTFOUND)

	// A retry whose successor was already used is a replay too.
	g2, _ := redeem(t, o, u, c, "code-2", "s-1")
	rotate("s-1", "s-2", oauthT0.Add(time.Minute), meetingintel.Rotated)
	rotate("s-2", "s-3", oauthT0.Add(time.Minute+time.Second), meetingintel.Rotated)
	rotate("s-1", "s-4", oauthT0.Add(time.Minute+2*time.Second), meetingintel.ReuseDetected)
	if gg, _ := o.FindOAuthGrant(ctx, g2.ID); gg.RevokedAt == nil {
		t.Error("reusing a token whose successor was used must revoke the grant")
	}

	// An expired refresh token is refused.
	redeem(t, o, u, c, "code-3", "e-1")
	rotate("e-1", "e-2", oauthT0.Add(31*24*time.Hour), meetingintel.Refused)
}

func testOAuthGrants(t *testing.T, s meetingintel.Store, o meetingintel.OAuthStore) {
	ctx := context.Background()
	u, c := oauthFixture(t, s, o)
	other := &meetingintel.User{Email: "other-grantee@example.com"}
	mustNil(t, "CreateUser", s.CreateUser(ctx, other))
	g1, _ := redeem(t, o, u, c, "code-1", "rt-1")
	g2, _ := redeem(t, o, u, c, "code-2", "rt-2")
	redeem(t, o, other, c, "code-3", "rt-3")

	gs, err := o.FindOAuthGrants(ctx, u.ID)
	mustNil(t, "FindOAuthGrants", err)
	if len(gs) != 2 || gs[0].ID != g2.ID || gs[1].ID != g1.ID {
		t.Fatalf("FindOAuthGrants = %v, want grants %d then %d", gs, g2.ID, g1.ID)
	}
	got := gs[1]
	if got.ClientName != "ChatGPT" || got.ClientID != c.ID || !slices.Equal(got.Scopes, []string{"meetings:read"}) ||
		got.Resource != "https://x.example/mcp" || !got.Live(oauthT0) || got.LastUsedAt != nil {
		t.Errorf("grant = %+v", got)
	}

	mustNil(t, "TouchOAuthGrant", o.TouchOAuthGrant(ctx, g1.ID, oauthT0.Add(time.Hour)))
	mustNil(t, "TouchOAuthGrant earlier", o.TouchOAuthGrant(ctx, g1.ID, oauthT0.Add(time.Minute)))
	got, _ = o.FindOAuthGrant(ctx, g1.ID)
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(oauthT0.Add(time.Hour)) {
		t.Errorf("last used = %v, want the latest use", got.LastUsedAt)
	}
	wantCode(t, "TouchOAuthGrant of nothing", o.TouchOAuthGrant(ctx, 999, oauthT0), meetingintel.ENOTFOUND)

	mustNil(t, "RevokeOAuthGrant", o.RevokeOAuthGrant(ctx, g1.ID, oauthT0.Add(2*time.Hour)))
	mustNil(t, "RevokeOAuthGrant again", o.RevokeOAuthGrant(ctx, g1.ID, oauthT0.Add(3*time.Hour)))
	got, _ = o.FindOAuthGrant(ctx, g1.ID)
	if got.RevokedAt == nil || !got.RevokedAt.Equal(oauthT0.Add(2*time.Hour)) || got.Live(oauthT0.Add(4*time.Hour)) {
		t.Errorf("revoked grant = %+v, want revoked at the first time", got)
	}
	rt, _ := o.FindOAuthRefreshToken(ctx, meetingintel.HashToken("rt-1"))
	if rt == nil || rt.RevokedAt == nil {
		t.Error("revoking a grant must revoke its refresh tokens")
	}
	if rt, _ := o.FindOAuthRefreshToken(ctx, meetingintel.HashToken("rt-2")); rt == nil || rt.RevokedAt != nil {
		t.Error("revoking one grant touched another")
	}
	wantCode(t, "RevokeOAuthGrant of nothing", o.RevokeOAuthGrant(ctx, 999, oauthT0), meetingintel.ENOTFOUND)
	_, err = o.FindOAuthGrant(ctx, 999)
	wantCode(t, "FindOAuthGrant of nothing", err, meetingintel.ENOTFOUND)
}

func testOAuthCleanup(t *testing.T, s meetingintel.Store, o meetingintel.OAuthStore) {
	ctx := context.Background()
	u, c := oauthFixture(t, s, o)
	unused := &meetingintel.OAuthClient{ID: "mi_client_unused", Name: "Spam", RedirectURIs: []string{"https://a.example/cb"},
		GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}, AuthMethod: "none", CreatedAt: oauthT0}
	mustNil(t, "CreateOAuthClient", o.CreateOAuthClient(ctx, unused))
	g1, _ := redeem(t, o, u, c, "code-1", "rt-1")
	g2, _ := redeem(t, o, u, c, "code-2", "rt-2")
	mustNil(t, "RevokeOAuthGrant", o.RevokeOAuthGrant(ctx, g1.ID, oauthT0))

	// Within the retention nothing goes.
	n, err := o.DeleteExpiredOAuth(ctx, oauthT0.Add(time.Hour))
	mustNil(t, "DeleteExpiredOAuth", err)
	if n != 0 {
		t.Errorf("DeleteExpiredOAuth within the retention removed %d records", n)
	}
	// Past it: codes, the revoked grant with its token, and the unused client go.
	later := oauthT0.Add(meetingintel.OAuthRecordRetention + 24*time.Hour)
	n, err = o.DeleteExpiredOAuth(ctx, later)
	mustNil(t, "DeleteExpiredOAuth", err)
	if n == 0 {
		t.Error("DeleteExpiredOAuth removed nothing")
	}
	if _, err := o.FindOAuthGrant(ctx, g1.ID); meetingintel.ErrorCode(err) != meetingintel.ENOTFOUND {
		t.Errorf("revoked grant still there: %v", err)
	}
	if _, err := o.FindOAuthCode(ctx, meetingintel.HashToken("code-1")); meetingintel.ErrorCode(err) != meetingintel.ENOTFOUND {
		t.Errorf("expired code still there: %v", err)
	}
	if _, err := o.FindOAuthClient(ctx, unused.ID); meetingintel.ErrorCode(err) != meetingintel.ENOTFOUND {
		t.Errorf("never-used client still there: %v", err)
	}
	if _, err := o.FindOAuthClient(ctx, c.ID); err != nil {
		t.Errorf("a client with grants was removed: %v", err)
	}
	// g2 expires 30 days after oauthT0, so it is only just past retention at 60+ days.
	if _, err := o.FindOAuthGrant(ctx, g2.ID); err != nil {
		t.Errorf("a grant expired less than the retention ago was removed: %v", err)
	}
}

func testOAuthUnusedClients(t *testing.T, s meetingintel.Store, o meetingintel.OAuthStore) {
	ctx := context.Background()
	u, used := oauthFixture(t, s, o)
	redeem(t, o, u, used, "code-used", "rt-used")
	newClient := func(id string) *meetingintel.OAuthClient {
		c := &meetingintel.OAuthClient{ID: id, Name: id, RedirectURIs: []string{"https://a.example/cb"},
			GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}, AuthMethod: "none", CreatedAt: oauthT0}
		mustNil(t, "CreateOAuthClient", o.CreateOAuthClient(ctx, c))
		return c
	}
	idle := newClient("mi_client_idle")
	// A person is between consent and the code exchange: the code is stored, not redeemed.
	pending := newClient("mi_client_pending")
	mustNil(t, "CreateOAuthCode", o.CreateOAuthCode(ctx, &meetingintel.OAuthCode{
		Hash: meetingintel.HashToken("code-pending"), ClientID: pending.ID, UserID: u.ID, RedirectURI: pending.RedirectURIs[0],
		Scopes: []string{"meetings:read"}, Resource: "https://x.example/mcp", CodeChallenge: "ch",
		CreatedAt: oauthT0.Add(meetingintel.UnusedOAuthClientTTL), ExpiresAt: oauthT0.Add(meetingintel.UnusedOAuthClientTTL + 5*time.Minute),
	}))
	exists := func(c *meetingintel.OAuthClient) bool {
		_, err := o.FindOAuthClient(ctx, c.ID)
		if err != nil && meetingintel.ErrorCode(err) != meetingintel.ENOTFOUND {
			t.Fatalf("FindOAuthClient: %v", err)
		}
		return err == nil
	}

	_, err := o.DeleteExpiredOAuth(ctx, oauthT0.Add(meetingintel.UnusedOAuthClientTTL-time.Minute))
	mustNil(t, "DeleteExpiredOAuth", err)
	if !exists(idle) {
		t.Error("a client unused for less than a day was swept")
	}
	n, err := o.DeleteExpiredOAuth(ctx, oauthT0.Add(meetingintel.UnusedOAuthClientTTL+time.Minute))
	mustNil(t, "DeleteExpiredOAuth", err)
	if exists(idle) || n != 1 {
		t.Errorf("a client unused for over a day: still there %v, removed %d records, want it alone removed", exists(idle), n)
	}
	if !exists(pending) {
		t.Error("a client with a code waiting to be redeemed was swept")
	}
	if !exists(used) {
		t.Error("a client an authorization used was swept")
	}
}

func testOAuthAssertionJTIs(t *testing.T, s meetingintel.Store, o meetingintel.OAuthStore) {
	ctx := context.Background()
	c := &meetingintel.OAuthClient{ID: "https://app.example/client.json", RedirectURIs: []string{"https://app.example/cb"},
		GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}, AuthMethod: "private_key_jwt", CreatedAt: oauthT0}
	mustNil(t, "CreateOAuthClient private_key_jwt", o.CreateOAuthClient(ctx, c))
	if got, err := o.FindOAuthClient(ctx, c.ID); err != nil || got.AuthMethod != "private_key_jwt" {
		t.Fatalf("FindOAuthClient = %+v, %v; want auth method private_key_jwt", got, err)
	}
	exp := oauthT0.Add(5 * time.Minute)
	mustNil(t, "UseOAuthAssertionJTI", o.UseOAuthAssertionJTI(ctx, c.ID, "jti-1", exp))
	if err := o.UseOAuthAssertionJTI(ctx, c.ID, "jti-1", exp); meetingintel.ErrorCode(err) != meetingintel.ECONFLICT {
		t.Errorf("replayed jti: %v, want ECONFLICT", err)
	}
	// jti is unique per issuer (RFC 7519 4.1.7), so another client may use it.
	mustNil(t, "UseOAuthAssertionJTI other client", o.UseOAuthAssertionJTI(ctx, "https://other.example/client.json", "jti-1", exp))
	mustNil(t, "UseOAuthAssertionJTI later", o.UseOAuthAssertionJTI(ctx, c.ID, "jti-2", exp.Add(time.Hour)))

	// Swept once expired, not before.
	_, err := o.DeleteExpiredOAuth(ctx, exp.Add(-time.Second))
	mustNil(t, "DeleteExpiredOAuth", err)
	if err := o.UseOAuthAssertionJTI(ctx, c.ID, "jti-1", exp); meetingintel.ErrorCode(err) != meetingintel.ECONFLICT {
		t.Errorf("jti swept before it expired: %v, want ECONFLICT", err)
	}
	_, err = o.DeleteExpiredOAuth(ctx, exp.Add(time.Second))
	mustNil(t, "DeleteExpiredOAuth", err)
	mustNil(t, "UseOAuthAssertionJTI after the sweep", o.UseOAuthAssertionJTI(ctx, c.ID, "jti-1", exp.Add(time.Hour)))
	if err := o.UseOAuthAssertionJTI(ctx, c.ID, "jti-2", exp); meetingintel.ErrorCode(err) != meetingintel.ECONFLICT {
		t.Errorf("an unexpired jti was swept: %v, want ECONFLICT", err)
	}
}
