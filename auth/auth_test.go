package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/auth"
	"github.com/meetingintel/meetingintel/sqlite"
)

func TestAuthenticateReadsEachCredentialLocationItAllows(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "mi.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u := &meetingintel.User{Email: "sam@example.com", Name: "Sam", Active: true}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tok, _, err := db.CreateToken(ctx, u.ID, "t")
	if err != nil {
		t.Fatal(err)
	}
	a := &auth.Authenticator{Tokens: db}
	tests := []struct {
		name   string
		build  func(r *http.Request)
		src    auth.Sources
		method auth.Method
		err    error // nil: authenticated
	}{
		{"a Bearer header", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }, auth.FromHeaders, auth.MethodBearer, nil},
		{"a lower-case bearer scheme", func(r *http.Request) { r.Header.Set("Authorization", "bearer "+tok) }, auth.FromHeaders, auth.MethodBearer, nil},
		{"an X-API-Key header", func(r *http.Request) { r.Header.Set("X-API-Key", tok) }, auth.FromHeaders, auth.MethodAPIKey, nil},
		{"a query token where allowed", func(r *http.Request) { r.URL.RawQuery = "token=" + tok }, auth.FromQuery, auth.MethodQuery, nil},
		{"a path token where allowed", func(r *http.Request) { r.SetPathValue("token", tok) }, auth.FromPath, auth.MethodPath, nil},
		{"a query token where not allowed", func(r *http.Request) { r.URL.RawQuery = "token=" + tok }, auth.FromHeaders, "", auth.ErrNoCredential},
		{"nothing at all", func(r *http.Request) {}, auth.FromHeaders | auth.FromQuery, "", auth.ErrNoCredential},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequestWithContext(ctx, "POST", "/mcp", nil)
			tt.build(r)
			p, err := a.Authenticate(r, tt.src)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || p.User.ID != u.ID || p.Method != tt.method || p.Kind != auth.KindPAT || !p.HasScope(auth.ScopeWrite) {
				t.Fatalf("principal %v, err %v", p, err)
			}
		})
	}
}

func TestNameFromEmailMakesADisplayName(t *testing.T) {
	for in, want := range map[string]string{"sam.lee@x.com": "Sam Lee", "ops@x.com": "Ops", "j_doe-2@x.com": "J Doe 2"} {
		if got := auth.NameFromEmail(in); got != want {
			t.Errorf("NameFromEmail(%q) = %q, want %q", in, got, want)
		}
	}
}
