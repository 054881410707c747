package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/sqlite"
	"github.com/meetingintel/meetingintel/storetest"
)

func openOAuthDB(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestOAuthStore(t *testing.T) {
	storetest.RunOAuth(t, func(t *testing.T) meetingintel.Store {
		db := openOAuthDB(t, filepath.Join(t.TempDir(), "oauth.db"))
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestOAuthStatePersistsAcrossReopenAndOnlyAsHashes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "oauth.db")
	db := openOAuthDB(t, path)
	u := &meetingintel.User{Email: "p@example.com"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	c := &meetingintel.OAuthClient{ID: "mi_client_p", SecretHash: meetingintel.HashToken("mi_cs_secret"), Name: "P",
		RedirectURIs: []string{"https://p.example/cb"}, GrantTypes: []string{"authorization_code", "refresh_token"},
		ResponseTypes: []string{"code"}, AuthMethod: "client_secret_basic", CreatedAt: now}
	if err := db.CreateOAuthClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateOAuthCode(ctx, &meetingintel.OAuthCode{Hash: meetingintel.HashToken("mi_ac_code"), ClientID: c.ID,
		UserID: u.ID, Scopes: []string{"meetings:read"}, Resource: "https://p.example/mcp", CodeChallenge: "x",
		CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	g := &meetingintel.OAuthGrant{UserID: u.ID, ClientID: c.ID, Scopes: []string{"meetings:read"}, Resource: "https://p.example/mcp",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.RedeemOAuthCode(ctx, meetingintel.HashToken("mi_ac_code"), now, g, &meetingintel.OAuthRefreshToken{
		Hash: meetingintel.HashToken("mi_rt_refresh"), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	// Nothing secret is stored in the clear.
	for _, q := range []string{
		`SELECT secret_hash FROM oauth_clients`, `SELECT hash FROM oauth_codes`, `SELECT hash FROM oauth_refresh_tokens`,
	} {
		var v string
		if err := db.RawForTest().QueryRow(q).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(v, "mi_") || len(v) != 64 {
			t.Errorf("%s = %q, want a hex SHA-256", q, v)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openOAuthDB(t, path)
	defer db.Close()
	if got, err := db.FindOAuthClient(ctx, c.ID); err != nil || got.Name != "P" {
		t.Errorf("client after reopen = %+v, %v", got, err)
	}
	if got, err := db.FindOAuthGrant(ctx, g.ID); err != nil || !got.Live(now) || got.ClientName != "P" {
		t.Errorf("grant after reopen = %+v, %v", got, err)
	}
	if rt, err := db.FindOAuthRefreshToken(ctx, meetingintel.HashToken("mi_rt_refresh")); err != nil || rt.GrantID != g.ID {
		t.Errorf("refresh token after reopen = %+v, %v", rt, err)
	}
}
