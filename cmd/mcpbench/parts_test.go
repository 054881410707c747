package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/oauth"
	"github.com/meetingintel/meetingintel/sqlite"
)

func TestParseGoBench(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: github.com/meetingintel/meetingintel/auth
cpu: Intel(R) Xeon(R) Processor
BenchmarkAuthenticatePAT-2   	   52934	     20761 ns/op	    2000 B/op	      60 allocs/op
PASS
ok  	github.com/meetingintel/meetingintel/auth	2.1s
pkg: github.com/meetingintel/meetingintel/oauth
BenchmarkVerifyAccessToken-2 	  100000	     10347.5 ns/op
BenchmarkBroken-2 	  FAIL
PASS
`
	want := []goBench{
		{name: "AuthenticatePAT", pkg: "github.com/meetingintel/meetingintel/auth", nsOp: 20761, bytesOp: 2000, allocsOp: 60},
		{name: "VerifyAccessToken", pkg: "github.com/meetingintel/meetingintel/oauth", nsOp: 10347.5},
	}
	if got := parseGoBench(out); !reflect.DeepEqual(got, want) {
		t.Errorf("parseGoBench:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseParts(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]bool
		wantErr  bool
	}{
		{"every part is accepted", "sqlite,oauth,postgres,replicas", map[string]bool{"sqlite": true, "oauth": true, "postgres": true, "replicas": true}, false},
		{"spaces around names are ignored", " oauth , replicas", map[string]bool{"oauth": true, "replicas": true}, false},
		{"an unknown part is refused", "sqlite,mysql", nil, true},
		{"an empty list is refused", "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseParts(tt.in)
			if (err != nil) != tt.wantErr || (err == nil && !reflect.DeepEqual(got, tt.want)) {
				t.Errorf("parseParts(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestEndpointSpreadsClientsEvenlyOverReplicas(t *testing.T) {
	tests := []struct {
		name string
		s    *server
		want []string
	}{
		{"one replica gets every client", &server{url: "a"}, []string{"a", "a", "a", "a"}},
		{"two replicas alternate", &server{url: "a", more: []string{"b"}}, []string{"a", "b", "a", "b"}},
		{"three replicas take turns", &server{url: "a", more: []string{"b", "c"}}, []string{"a", "b", "c", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for i := range tt.want {
				got = append(got, tt.s.endpoint(i))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("endpoints %v, want %v", got, tt.want)
			}
		})
	}
}

// TestOAuthTokenDrivesTheRealFlow runs oauthToken against the real
// authorization server on a real SQLite database, and checks the token it
// returns is one the server accepts for the PAT's user.
func TestOAuthTokenDrivesTheRealFlow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "mi.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u := &meetingintel.User{Email: benchEmail, Name: "Priya", Active: true}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	pat, _, err := db.CreateToken(ctx, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	as, err := oauth.New(oauth.Config{Store: db, Users: db, PublicURL: srv.URL, Secret: []byte(strings.Repeat("s", 40))})
	if err != nil {
		t.Fatal(err)
	}
	as.Register(mux)

	tests := []struct {
		name    string
		pat     string
		wantErr string
	}{
		{"a valid PAT gets an access token for its user", pat, ""},
		{"a wrong PAT stops at the sign-in", meetingintel.NewPAT(), "consent page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := oauthToken(ctx, srv.URL, tt.pat)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("oauthToken: %q, %v; want an error about the %s", tok, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			info, err := as.VerifyAccessToken(ctx, tok)
			if err != nil {
				t.Fatalf("the server refuses the token: %v", err)
			}
			if info.UserID != u.ID {
				t.Errorf("token for user %d, want %d", info.UserID, u.ID)
			}
		})
	}
}

func TestARewrittenReportKeepsItsHandWrittenPart(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.md")
	if got := keptSection(out); got != "" {
		t.Fatalf("no file: kept %q", got)
	}
	hand := keepMarker + "\n\n## Where the time goes\n\nRead from a profile.\n"
	if err := os.WriteFile(out, []byte("# old figures\n\n| a | b |\n"+hand), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := keptSection(out); got != "\n"+hand {
		t.Fatalf("kept %q, want the part from the marker on", got)
	}
	if err := os.WriteFile(out, []byte("# figures only\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := keptSection(out); got != "" {
		t.Fatalf("no marker: kept %q", got)
	}
}
