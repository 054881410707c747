package auth_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/auth"
	"github.com/meetingintel/meetingintel/sqlite"
)

// BenchmarkAuthenticatePAT measures what every PAT-authenticated request
// pays: reading the header, hashing the token, one indexed lookup (the
// last-used write is throttled to once a minute).
func BenchmarkAuthenticatePAT(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "mi.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	u := &meetingintel.User{Email: "sam@example.com", Name: "Sam", Active: true}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	tok, _, err := db.CreateToken(ctx, u.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	a := &auth.Authenticator{Tokens: db}
	r := httptest.NewRequest("POST", "/mcp", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	for b.Loop() {
		if _, err := a.Authenticate(r, auth.FromBearer|auth.FromAPIKey); err != nil {
			b.Fatal(err)
		}
	}
}
