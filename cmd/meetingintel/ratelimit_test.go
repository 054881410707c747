package main

// Rate limits through the real server: in this process on SQLite (counted
// in memory), and two `meetingintel serve` processes on one PostgreSQL
// sharing a limit (counted in the database).

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// awayFromTheMinute waits, when the current minute is about to end, for
// the next to begin, so a test's requests fall in one counting window.
func awayFromTheMinute() {
	if left := time.Until(time.Now().Truncate(time.Minute).Add(time.Minute)); left < 10*time.Second {
		time.Sleep(left + 100*time.Millisecond)
	}
}

func wantLimited(t *testing.T, what string, r *e2eReply) {
	t.Helper()
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("%s: %d (Retry-After %q) %s, want 429", what, r.status, r.header.Get("Retry-After"), r.body)
	}
}

const toolsList = `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`

var rlHeader = func(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"},
		"Accept": {"application/json, text/event-stream"}, "Mcp-Protocol-Version": {"2025-06-18"}}
}

func TestRateLimitsOnSQLiteCountInMemory(t *testing.T) {
	db := filepath.Join(t.TempDir(), "rl.db")
	pat := strings.TrimSpace(mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana")).stdout)
	other := strings.TrimSpace(mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ben@example.com", "--name", "Ben")).stdout)
	s := startServe(t, db, map[string]string{"MCP_RATE_PER_MIN": "3", "API_RATE_PER_MIN": "2"})
	awayFromTheMinute()
	for _, u := range []string{"/mcp", "/mcp?token=" + pat, "/mcp/" + pat} {
		hdr := rlHeader(pat)
		if u != "/mcp" {
			hdr.Del("Authorization")
		}
		if r := mustHTTP(t, "POST", s.url+u, hdr, toolsList); r.status != 200 {
			t.Fatalf("POST %s: %d %s", strings.SplitN(u, "?", 2)[0], r.status, r.body)
		}
	}
	r := mustHTTP(t, "POST", s.url+"/mcp", rlHeader(pat), toolsList)
	wantLimited(t, "the 4th MCP request of one PAT", r)
	if r.json["error"] != "rate_limited" || strings.Contains(r.body, pat) {
		t.Errorf("MCP refusal body: %s", r.body)
	}
	if r := mustHTTP(t, "POST", s.url+"/mcp", rlHeader(other), toolsList); r.status != 200 {
		t.Errorf("another PAT is limited too: %d", r.status)
	}
	api := http.Header{"Authorization": {"Bearer " + pat}}
	for i := 0; i < 2; i++ {
		if r := mustHTTP(t, "GET", s.url+"/api/me", api, ""); r.status != 200 {
			t.Fatalf("GET /api/me: %d", r.status)
		}
	}
	r = mustHTTP(t, "GET", s.url+"/api/me", http.Header{"Authorization": {"Bearer " + other}}, "")
	wantLimited(t, "the 3rd API request from one address", r)
	if r.header.Get("Content-Type") != "application/problem+json" || r.json["status"] != float64(429) {
		t.Errorf("API refusal: %s %s", r.header.Get("Content-Type"), r.body)
	}
	if r := mustHTTP(t, "GET", s.url+"/healthz", nil, ""); r.status != 200 {
		t.Errorf("/healthz is limited: %d", r.status)
	}
}

func TestTwoServersOnOnePostgreSQLShareARateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts two servers")
	}
	dbURL := postgresSchemaURL(t)
	bin := buildBinary(t)
	pat := strings.TrimSpace(mustOK(t, cli(t, map[string]string{"DATABASE_URL": dbURL},
		"users", "add", "--email", "alice@example.com", "--name", "Alice")).stdout)
	env := []string{"DATABASE_URL=" + dbURL, "OAUTH_ENABLED=false", "MCP_RATE_PER_MIN=4", "API_RATE_PER_MIN=3"}
	a := startReplica(t, bin, "A", env, func(addr string) string { return "http://" + addr })
	b := startReplica(t, bin, "B", env, func(addr string) string { return "http://" + addr })
	awayFromTheMinute()
	for i, base := range []string{a.base, b.base, a.base, b.base} {
		if r := mustHTTP(t, "POST", base+"/mcp", rlHeader(pat), toolsList); r.status != 200 {
			t.Fatalf("MCP request %d: %d %s", i+1, r.status, r.body)
		}
	}
	wantLimited(t, "the 5th MCP request, on A", mustHTTP(t, "POST", a.base+"/mcp", rlHeader(pat), toolsList))
	wantLimited(t, "the 6th MCP request, on B", mustHTTP(t, "POST", b.base+"/mcp", rlHeader(pat), toolsList))
	api := http.Header{"Authorization": {"Bearer " + pat}}
	for i, base := range []string{b.base, a.base, b.base} {
		if r := mustHTTP(t, "GET", base+"/api/me", api, ""); r.status != 200 {
			t.Fatalf("API request %d: %d", i+1, r.status)
		}
	}
	wantLimited(t, "the 4th API request, on A", mustHTTP(t, "GET", a.base+"/api/me", api, ""))
}
