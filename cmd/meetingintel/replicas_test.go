package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresSchemaURL returns a URL of MI_TEST_POSTGRES_URL's database whose
// connections use a fresh schema, dropped at cleanup. Without the variable
// the test fails with how to run it (never a silent skip), unless
// MI_SKIP_POSTGRES=1.
func postgresSchemaURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("MI_TEST_POSTGRES_URL")
	if base == "" {
		if os.Getenv("MI_SKIP_POSTGRES") == "1" {
			t.Skip("MI_SKIP_POSTGRES=1: PostgreSQL tests skipped on request")
		}
		t.Fatal("MI_TEST_POSTGRES_URL is not set. Run this test with a throwaway PostgreSQL:\n" +
			"\tscripts/with-postgres.sh go test ./cmd/meetingintel/\n" +
			"or set MI_SKIP_POSTGRES=1 to skip it.")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "mi_replicas_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to MI_TEST_POSTGRES_URL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, base); err == nil {
			conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`)
			conn.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("MI_TEST_POSTGRES_URL must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// replica is one `meetingintel serve` process of several.
type replica struct {
	name string
	*serveProcess
}

// startReplica starts serve on a free loopback port and waits until it is
// ready; its log is shown when the test fails.
func startReplica(t *testing.T, bin, name string, env []string, publicURL func(addr string) string) *replica {
	t.Helper()
	addr := freeAddr(t)
	r := &replica{name: name, serveProcess: startServeProcess(t, bin, addr, env, "--public-url", publicURL(addr))}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replica %s log:\n%s", r.name, r.log.String())
		}
	})
	return r
}

// httpReply is a response read whole.
type httpReply struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

func (h httpReply) str(k string) string { s, _ := h.json[k].(string); return s }

// repClient talks to the replicas like a browser and an OAuth client would,
// without following redirects, with a deadline on every request.
var repClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func send(t *testing.T, method, u, contentType, body string, header map[string]string) httpReply {
	t.Helper()
	r, err := trySend(method, u, contentType, body, header)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	return r
}

// trySend is send for goroutines, which may not end the test.
func trySend(method, u, contentType, body string, header map[string]string) (httpReply, error) {
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return httpReply{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := repClient.Do(req)
	if err != nil {
		return httpReply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	r := httpReply{status: resp.StatusCode, header: resp.Header, body: string(b)}
	json.Unmarshal(b, &r.json)
	return r, err
}

func postForm(t *testing.T, u string, form url.Values) httpReply {
	t.Helper()
	return send(t, "POST", u, "application/x-www-form-urlencoded", form.Encode(), nil)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// consentFields returns the hidden fields of a consent page's form.
func consentFields(t *testing.T, page httpReply) url.Values {
	t.Helper()
	if page.status != http.StatusOK || !strings.Contains(page.body, `<form method="post" id="consent"`) {
		t.Fatalf("no consent form (status %d):\n%s", page.status, page.body)
	}
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page.body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// authorize runs the consent flow on the replica at base as a person would
// (open the page, sign in with the PAT, approve) and returns the code and
// its PKCE verifier.
func authorize(t *testing.T, base, issuer, clientID, redirect, pat string) (code, verifier string) {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	params := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"state": {"st-1"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	form := consentFields(t, send(t, "GET", base+"/oauth/authorize?"+params.Encode(), "", "", nil))
	form.Set("token", pat)
	step := postForm(t, base+"/oauth/authorize", form)
	if !strings.Contains(step.body, `value="approve"`) {
		t.Fatalf("sign-in step gave no approve button (status %d):\n%s", step.status, step.body)
	}
	form = consentFields(t, step)
	form.Set("decision", "approve")
	done := postForm(t, base+"/oauth/authorize", form)
	if done.status != http.StatusSeeOther && done.status != http.StatusFound {
		t.Fatalf("approve: %d %s", done.status, done.body)
	}
	loc, err := url.Parse(done.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	if q.Get("code") == "" || q.Get("state") != "st-1" || q.Get("iss") != issuer {
		t.Fatalf("approve redirect %s lacks the code, the state or the issuer %s", loc, issuer)
	}
	return q.Get("code"), verifier
}

// callListMeetings calls the list_meetings tool on a replica's /mcp.
func callListMeetings(t *testing.T, base, accessToken string) httpReply {
	t.Helper()
	return send(t, "POST", base+"/mcp", "application/json",
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_meetings","arguments":{}}}`,
		map[string]string{"Authorization": "Bearer " + accessToken, "Accept": "application/json, text/event-stream"})
}

// refresh asks a replica's token endpoint to rotate a refresh token.
func refresh(t *testing.T, base, clientID, token string) httpReply {
	t.Helper()
	return postForm(t, base+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}, "client_id": {clientID}})
}

func TestTwoReplicasOnOnePostgreSQLShareOAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts two servers")
	}
	dbURL := postgresSchemaURL(t)
	bin := buildBinary(t)

	// A user and their PAT, through the CLI on the same database.
	pat := strings.TrimSpace(mustOK(t, cli(t, map[string]string{"DATABASE_URL": dbURL},
		"users", "add", "--email", "alice@example.com", "--name", "Alice", "--admin")).stdout)
	if !strings.HasPrefix(pat, "mi_pat_") {
		t.Fatalf("users add printed %q, want a PAT", pat)
	}

	secret := make([]byte, 32)
	rand.Read(secret)
	env := []string{"DATABASE_URL=" + dbURL, "JWT_SECRET=" + hex.EncodeToString(secret), "OAUTH_ENABLED=true"}
	// Both replicas answer for one public URL, as behind a load balancer:
	// replica A's address stands in for it.
	var issuer string
	a := startReplica(t, bin, "A", env, func(addr string) string { issuer = "http://" + addr; return issuer })
	b := startReplica(t, bin, "B", env, func(string) string { return issuer })

	// Register on A.
	const redirect = "http://127.0.0.1:9/callback"
	reg := send(t, "POST", a.base+"/oauth/register", "application/json",
		`{"redirect_uris":["`+redirect+`"],"client_name":"Replica test","grant_types":["authorization_code","refresh_token"],`+
			`"response_types":["code"],"token_endpoint_auth_method":"none"}`, nil)
	clientID := reg.str("client_id")
	if reg.status != http.StatusCreated || clientID == "" {
		t.Fatalf("register on A: %d %s", reg.status, reg.body)
	}

	// Authorize on B, redeem the code on A.
	code, verifier := authorize(t, b.base, issuer, clientID, redirect, pat)
	tok := postForm(t, a.base+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirect}, "code_verifier": {verifier}, "client_id": {clientID}})
	if tok.status != http.StatusOK || tok.str("access_token") == "" || tok.str("refresh_token") == "" {
		t.Fatalf("redeem on A: %d %s", tok.status, tok.body)
	}

	// Call /mcp on B with A's access token.
	if r := callListMeetings(t, b.base, tok.str("access_token")); r.status != http.StatusOK ||
		!strings.Contains(r.body, `"result"`) || strings.Contains(r.body, `"isError":true`) {
		t.Fatalf("list_meetings on B: %d %s", r.status, r.body)
	}

	// Refresh on B; the new access token works on A.
	ref := refresh(t, b.base, clientID, tok.str("refresh_token"))
	if ref.status != http.StatusOK || ref.str("access_token") == "" || ref.str("refresh_token") == tok.str("refresh_token") {
		t.Fatalf("refresh on B: %d %s", ref.status, ref.body)
	}
	access := ref.str("access_token")
	if r := callListMeetings(t, a.base, access); r.status != http.StatusOK {
		t.Fatalf("list_meetings on A with B's token: %d %s", r.status, r.body)
	}

	// Revoke on A; B refuses the token within seconds.
	if r := postForm(t, a.base+"/oauth/revoke", url.Values{"token": {ref.str("refresh_token")}, "client_id": {clientID}}); r.status != http.StatusOK {
		t.Fatalf("revoke on A: %d %s", r.status, r.body)
	}
	revokedAt := time.Now()
	for {
		r := callListMeetings(t, b.base, access)
		if r.status == http.StatusUnauthorized {
			t.Logf("B refused the revoked token after %v", time.Since(revokedAt).Round(10*time.Millisecond))
			break
		}
		if r.status != http.StatusOK {
			t.Fatalf("list_meetings on B after revocation: %d %s", r.status, r.body)
		}
		if time.Since(revokedAt) > 10*time.Second {
			t.Fatalf("B still accepts a token revoked on A %v ago", time.Since(revokedAt))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r := refresh(t, b.base, clientID, ref.str("refresh_token")); r.status != http.StatusBadRequest || r.str("error") != "invalid_grant" {
		t.Errorf("refresh with a revoked token on B: %d %s; want 400 invalid_grant", r.status, r.body)
	}

	// The same refresh token raced on both replicas. Inside the grace window
	// (DESIGN §6) the second request is answered as a client's retry: both
	// get 200, and the first answer's refresh token is revoked, so exactly
	// one of the two new tokens is live: one chain, one winner, no 500.
	code, verifier = authorize(t, a.base, issuer, clientID, redirect, pat)
	tok = postForm(t, b.base+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirect}, "code_verifier": {verifier}, "client_id": {clientID}})
	if tok.status != http.StatusOK {
		t.Fatalf("second redeem on B: %d %s", tok.status, tok.body)
	}
	live := tok.str("refresh_token")
	for round := 1; round <= 3; round++ {
		replies := make([]httpReply, 2)
		errs := make([]error, 2)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, r := range []*replica{a, b} {
			wg.Go(func() {
				<-start
				replies[i], errs[i] = trySend("POST", r.base+"/oauth/token", "application/x-www-form-urlencoded",
					url.Values{"grant_type": {"refresh_token"}, "refresh_token": {live}, "client_id": {clientID}}.Encode(), nil)
			})
		}
		close(start)
		wg.Wait()
		for i, r := range replies {
			if errs[i] != nil {
				t.Fatalf("round %d: refresh: %v", round, errs[i])
			}
			if r.status != http.StatusOK || r.str("refresh_token") == "" {
				t.Fatalf("round %d: refresh on %s: %d %s; want 200 (a rotation or a retry inside the grace window)",
					round, []string{"A", "B"}[i], r.status, r.body)
			}
		}
		// Exactly one of the two new refresh tokens works. Which one is not
		// known in advance: try both, each on the other replica. Presenting
		// the dead one is refused without harming the live chain.
		var next string
		statuses := map[int]int{}
		for i, r := range replies {
			other := []*replica{b, a}[i]
			got := refresh(t, other.base, clientID, r.str("refresh_token"))
			statuses[got.status]++
			switch got.status {
			case http.StatusOK:
				next = got.str("refresh_token")
			case http.StatusBadRequest:
				if got.str("error") != "invalid_grant" {
					t.Errorf("round %d: refresh with the losing token: %s; want invalid_grant", round, got.body)
				}
			default:
				t.Fatalf("round %d: refresh with a new token: %d %s", round, got.status, got.body)
			}
		}
		if statuses[http.StatusOK] != 1 || statuses[http.StatusBadRequest] != 1 {
			t.Fatalf("round %d: the two tokens from a raced refresh gave %v; want exactly one 200 and one 400", round, statuses)
		}
		live = next
	}
	for _, r := range []*replica{a, b} {
		if strings.Contains(r.log.String(), `"status":500`) || strings.Contains(r.log.String(), `"level":"ERROR"`) {
			t.Errorf("replica %s logged an error:\n%s", r.name, r.log.String())
		}
	}
}
