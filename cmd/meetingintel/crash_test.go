package main

// Fault tests on the real binary (DESIGN §8, issue 6 "survives faults"):
// SIGKILL in the middle of imports and OAuth flows, SIGTERM with a request
// in flight and an SSE stream open, and readiness while the database is
// unreachable.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel/httpserver"
	"github.com/meetingintel/meetingintel/internal/logguard"
	_ "github.com/meetingintel/meetingintel/sqlite" // registers the "sqlite" driver for the direct checks
)

func crashGet(u, bearer string) (int, string) {
	req, _ := http.NewRequest("GET", u, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := plainHTTP.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func crashPostForm(u string, form url.Values) (int, http.Header, string, error) {
	resp, err := plainHTTP.PostForm(u, form)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b), nil
}

// crashToolResult is the part of a tools/call answer these tests read.
type crashToolResult struct {
	IsError           bool            `json:"isError"`
	StructuredContent json.RawMessage `json:"structuredContent"`
	Content           []struct {
		Text string `json:"text"`
	} `json:"content"`
}

// crashCallTool sends one stateless tools/call to /mcp with a bearer token.
// body, when not nil, replaces the request body (to send it slowly).
func crashCallTool(ctx context.Context, base, bearer, tool string, args any, body io.Reader) (int, *crashToolResult, error) {
	if body == nil {
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": map[string]any{"name": tool, "arguments": args}})
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/mcp", body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	// A stateless answer is JSON, or one SSE "data:" event.
	if i := bytes.Index(raw, []byte("data: ")); i >= 0 && !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		raw = raw[i+len("data: "):]
		if j := bytes.IndexByte(raw, '\n'); j >= 0 {
			raw = raw[:j]
		}
	}
	var msg struct {
		Result *crashToolResult `json:"result"`
		Error  *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, fmt.Errorf("status %d: %s", resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("answer %q: %v", raw, err)
	}
	if msg.Error != nil {
		return resp.StatusCode, nil, fmt.Errorf("JSON-RPC error: %s", msg.Error.Message)
	}
	return resp.StatusCode, msg.Result, nil
}

// crashTranscript returns a plain-text transcript of n lines; the last word
// of every line is marker, so search can find the meeting.
func crashTranscript(n int, marker string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "[%02d:%02d:%02d] Speaker%d: line %d of a long meeting about %s\n", i/3600, i/60%60, i%60, i%3, i, marker)
	}
	return b.String()
}

// crashClient is a registered public client.
type crashClient struct{ id, redirect string }

func crashRegister(t *testing.T, base string) crashClient {
	t.Helper()
	redirect := "http://127.0.0.1:9/callback"
	body := fmt.Sprintf(`{"redirect_uris":[%q],"client_name":"Crash test","token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"response_types":["code"]}`, redirect)
	resp, err := plainHTTP.Post(base+"/oauth/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %v", resp.StatusCode, err)
	}
	return crashClient{id: out.ClientID, redirect: redirect}
}

var crashHiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)

func crashHidden(page string) url.Values {
	v := url.Values{}
	for _, m := range crashHiddenRE.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// crashTokens is what a completed OAuth flow holds.
type crashTokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

// crashOAuthFlow signs in with a PAT on the consent page, approves, and
// redeems the code with PKCE, as a client and a person would.
func crashOAuthFlow(base string, c crashClient, pat string) (crashTokens, error) {
	verifier := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("verifier-%d-%s", time.Now().UnixNano(), strings.Repeat("x", 40))))
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {c.id}, "redirect_uri": {c.redirect}, "state": {"s1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	code, page := crashGet(base+"/oauth/authorize?"+q.Encode(), "")
	if code != http.StatusOK {
		return crashTokens{}, fmt.Errorf("authorize page: %d %s", code, page)
	}
	form := crashHidden(page)
	form.Set("token", pat)
	status, _, page, err := crashPostForm(base+"/oauth/authorize", form)
	if err != nil || status != http.StatusOK {
		return crashTokens{}, fmt.Errorf("sign-in: %d %v", status, err)
	}
	form = crashHidden(page)
	form.Set("decision", "approve")
	status, h, _, err := crashPostForm(base+"/oauth/authorize", form)
	if err != nil || (status != http.StatusFound && status != http.StatusSeeOther) {
		return crashTokens{}, fmt.Errorf("approve: %d %v", status, err)
	}
	loc, err := url.Parse(h.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return crashTokens{}, fmt.Errorf("approve redirect %q", h.Get("Location"))
	}
	return crashTokenRequest(base, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {c.redirect}, "code_verifier": {verifier}, "client_id": {c.id}})
}

func crashTokenRequest(base string, form url.Values) (crashTokens, error) {
	status, _, body, err := crashPostForm(base+"/oauth/token", form)
	if err != nil {
		return crashTokens{}, err
	}
	var tp crashTokens
	if status != http.StatusOK || json.Unmarshal([]byte(body), &tp) != nil || tp.Access == "" || tp.Refresh == "" {
		return crashTokens{}, fmt.Errorf("token: %d %s", status, body)
	}
	return tp, nil
}

func crashRefresh(base string, c crashClient, rt string) (crashTokens, error) {
	return crashTokenRequest(base, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {c.id}})
}

// crashAck is a meeting whose creation the server confirmed before the kill.
type crashAck struct {
	id       int64
	segments int
	marker   string
}

func TestSIGKILLDuringImportsAndOAuthFlowsLeavesAConsistentDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "mi.db")
	pat := strings.TrimSpace(mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana", "--admin")).stdout)
	addr := freeAddr(t)
	srv := startServeProcess(t, bin, addr, nil, "--db", db)
	client := crashRegister(t, srv.base)

	// Grants completed before the faults.
	var before []crashTokens
	for range 2 {
		tp, err := crashOAuthFlow(srv.base, client, pat)
		if err != nil {
			t.Fatalf("OAuth flow before the faults: %v", err)
		}
		before = append(before, tp)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu       sync.Mutex
		acks     []crashAck
		grants   []crashTokens // flows completed during the faults
		attempts atomic.Int64
		wg       sync.WaitGroup
	)
	// Writers: create_meeting over /mcp, each with a 400-segment transcript.
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				marker := fmt.Sprintf("zebra%dx%d", w, i)
				attempts.Add(1)
				_, res, err := crashCallTool(ctx, srv.base, pat, "create_meeting", map[string]any{
					"title": "Crash " + marker, "meeting_date": "2026-03-04T10:00:00Z", "transcript": crashTranscript(400, marker),
					"transcript_format": "text", "source": "CrashTest", "source_meeting_id": marker}, nil)
				if err != nil || res.IsError {
					continue // cut off by the kill: it may or may not have been stored, but whole
				}
				var m struct {
					ID           int64 `json:"id"`
					SegmentCount int   `json:"segment_count"`
				}
				if json.Unmarshal(res.StructuredContent, &m) == nil && m.ID > 0 {
					mu.Lock()
					acks = append(acks, crashAck{m.ID, m.SegmentCount, marker})
					mu.Unlock()
				}
			}
		}()
	}
	// Importers: `meetingintel import` processes on the same file, killed too.
	var importers []*exec.Cmd
	for i := range 2 {
		f := filepath.Join(dir, fmt.Sprintf("import-%d.txt", i))
		if err := os.WriteFile(f, []byte(crashTranscript(3000, fmt.Sprintf("okapi%d", i))), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "import", "--db", db, "--email", "ana@example.com", "--date", "2026-03-05T10:00:00Z", f)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		importers = append(importers, cmd)
	}
	// OAuth flows and refreshes.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			tp, err := crashOAuthFlow(srv.base, client, pat)
			if err != nil {
				time.Sleep(100 * time.Millisecond) // killed, or rate-limited
				continue
			}
			if next, err := crashRefresh(srv.base, client, tp.Refresh); err == nil {
				tp = next
			}
			mu.Lock()
			grants = append(grants, tp)
			mu.Unlock()
			time.Sleep(100 * time.Millisecond) // stay under the authorize rate limit
		}
	}()

	// Kill everything once writes are well under way.
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n, g := len(acks), len(grants)
		mu.Unlock()
		if n >= 3 && g >= 1 && attempts.Load() >= 8 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	srv.kill(t)
	for _, c := range importers {
		c.Process.Signal(syscall.SIGKILL)
		c.Wait()
	}
	cancel()
	wg.Wait()
	if len(acks) == 0 || len(grants) == 0 {
		t.Fatalf("%d meetings and %d OAuth flows completed before the kill; log:\n%s", len(acks), len(grants), srv.log.String())
	}

	// The file itself: intact, every meeting whole, the search index whole.
	crashCheckSQLite(t, db)

	// Restart on the same file: what was confirmed is there, whole.
	srv = startServeProcess(t, bin, addr, nil, "--db", db)
	for _, a := range acks {
		_, res, err := crashCallTool(context.Background(), srv.base, pat, "get_meeting", map[string]any{"meeting_id": a.id}, nil)
		if err != nil || res.IsError {
			t.Fatalf("meeting %d confirmed before the kill is gone: %v %+v", a.id, err, res)
		}
		var m struct {
			SegmentCount int `json:"segment_count"`
		}
		json.Unmarshal(res.StructuredContent, &m)
		if m.SegmentCount != a.segments || a.segments == 0 {
			t.Fatalf("meeting %d has %d segments after the restart, %d when confirmed", a.id, m.SegmentCount, a.segments)
		}
	}
	last := acks[len(acks)-1]
	_, res, err := crashCallTool(context.Background(), srv.base, pat, "search_meetings", map[string]any{"query": last.marker}, nil)
	if err != nil || res.IsError || !strings.Contains(string(res.StructuredContent), last.marker) {
		t.Fatalf("search does not find the last confirmed meeting (%s): %v %+v", last.marker, err, res)
	}

	// Grants survive: access tokens from before the kill still work (the
	// signing secret is kept beside the database), and so do refresh tokens.
	for i, tp := range append(before, grants...) {
		if _, res, err := crashCallTool(context.Background(), srv.base, tp.Access, "list_meetings", map[string]any{"limit": 1}, nil); err != nil || res.IsError {
			t.Fatalf("grant %d: its access token stopped working after the restart: %v", i, err)
		}
		if _, err := crashRefresh(srv.base, client, tp.Refresh); err != nil {
			t.Fatalf("grant %d: its refresh token stopped working after the restart: %v", i, err)
		}
	}
	t.Logf("%d meetings confirmed of %d attempts, %d grants during the faults", len(acks), attempts.Load(), len(grants))
}

// crashCheckSQLite opens the file directly, as an operator would after a crash.
func crashCheckSQLite(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
	rows, err := db.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Fatal("foreign_key_check found dangling rows")
	}
	rows.Close()
	// No half-imported meeting: its recorded count is its real count, and
	// it is not a meeting without the segments it was created with.
	var bad int
	if err := db.QueryRow(`SELECT COUNT(*) FROM meetings m
		WHERE m.segment_count <> (SELECT COUNT(*) FROM segments s WHERE s.meeting_id = m.id)`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Fatalf("%d meetings whose segment_count differs from their stored segments", bad)
	}
	var empty int
	if err := db.QueryRow(`SELECT COUNT(*) FROM meetings WHERE source IN ('CrashTest', 'Import') AND segment_count = 0`).Scan(&empty); err != nil {
		t.Fatal(err)
	}
	if empty > 0 {
		t.Fatalf("%d imported meetings without their transcript", empty)
	}
	// Every line is a search document, and every line's document a line.
	var unindexed, orphans int
	if err := db.QueryRow(`SELECT
		(SELECT COUNT(*) FROM segments s WHERE NOT EXISTS (SELECT 1 FROM search_docs d
			WHERE d.kind = 'segment' AND d.meeting_id = s.meeting_id AND d.seq = s.seq)),
		(SELECT COUNT(*) FROM search_docs d WHERE d.kind = 'segment' AND NOT EXISTS (SELECT 1 FROM segments s
			WHERE s.meeting_id = d.meeting_id AND s.seq = d.seq))`).Scan(&unindexed, &orphans); err != nil {
		t.Fatal(err)
	}
	if unindexed > 0 || orphans > 0 {
		t.Fatalf("%d lines without a search document, %d search documents without their line", unindexed, orphans)
	}
}

func TestSIGTERMFinishesTheRequestInFlightAndClosesSSEStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "mi.db")
	pat := strings.TrimSpace(mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana")).stdout)
	srv := startServeProcess(t, bin, freeAddr(t), nil, "--db", db)

	// An SSE stream, open and idle.
	sseReq, _ := http.NewRequest("GET", srv.base+"/sse", nil)
	sseReq.Header.Set("Authorization", "Bearer "+pat)
	sseResp, err := http.DefaultClient.Do(sseReq)
	if err != nil || sseResp.StatusCode != http.StatusOK {
		t.Fatalf("open SSE: %v %v", err, sseResp)
	}
	defer sseResp.Body.Close()
	sse := bufio.NewReader(sseResp.Body)
	if line, err := sse.ReadString('\n'); err != nil || !strings.HasPrefix(line, "event: endpoint") {
		t.Fatalf("SSE first line %q %v", line, err)
	}
	sseClosed := make(chan time.Time, 1)
	go func() {
		io.Copy(io.Discard, sse)
		sseClosed <- time.Now()
	}()

	// A request in flight: its body is half sent when SIGTERM arrives.
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": map[string]any{
		"name": "create_meeting", "arguments": map[string]any{"title": "Sent across a shutdown", "meeting_date": "2026-03-04T10:00:00Z",
			"transcript": crashTranscript(200, "heron"), "transcript_format": "text"}}})
	pr, pw := io.Pipe()
	type answer struct {
		status int
		res    *crashToolResult
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		status, res, err := crashCallTool(context.Background(), srv.base, pat, "", nil, pr)
		answered <- answer{status, res, err}
	}()
	half := len(body) / 2
	if _, err := pw.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the request is in the server's hands

	term := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := pw.Write(body[half:]); err != nil {
		t.Fatalf("the server dropped the request in flight: %v", err)
	}
	pw.Close()

	select {
	case a := <-answered:
		if a.err != nil || a.res == nil || a.res.IsError {
			t.Fatalf("the request in flight did not complete: status %d, %v, %+v\n%s", a.status, a.err, a.res, srv.log.String())
		}
	case <-time.After(httpserver.ShutdownTimeout + 5*time.Second):
		t.Fatal("the request in flight got no answer")
	}
	select {
	case at := <-sseClosed:
		if d := at.Sub(term); d > httpserver.ShutdownTimeout {
			t.Fatalf("the SSE stream closed %v after SIGTERM", d)
		}
	case <-time.After(httpserver.ShutdownTimeout + 5*time.Second):
		t.Fatal("the SSE stream stayed open after SIGTERM")
	}
	select {
	case err := <-srv.done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM\n%s", err, srv.log.String())
		}
		if d := time.Since(term); d > httpserver.ShutdownTimeout+2*time.Second {
			t.Fatalf("shutdown took %v, over the %v bound", d, httpserver.ShutdownTimeout)
		}
	case <-time.After(httpserver.ShutdownTimeout + 5*time.Second):
		t.Fatalf("serve still running %v after SIGTERM\n%s", httpserver.ShutdownTimeout+5*time.Second, srv.log.String())
	}

	// The meeting is stored, whole.
	r := mustOK(t, cli(t, nil, "search", "--db", db, "--email", "ana@example.com", "--json", "heron"))
	if !strings.Contains(r.stdout, `"meeting_id"`) {
		t.Fatalf("the meeting sent across the shutdown is not stored: %q", r.stdout)
	}
}

// TestReadinessFollowsTheDatabase cuts the connection between the server
// and PostgreSQL with a TCP proxy, then restores it: /readyz answers 503
// while the database is unreachable and 200 again by itself, with
// /healthz (liveness) 200 throughout so the platform does not restart a
// replica that would recover. SQLite is a file in the process, so there
// is nothing to cut (its Ping cannot fail short of a broken disk): the test
// needs PostgreSQL.
func TestReadinessFollowsTheDatabase(t *testing.T) {
	pgURL := os.Getenv("MI_TEST_POSTGRES_URL")
	if pgURL == "" {
		if os.Getenv("MI_SKIP_POSTGRES") == "1" {
			t.Skip("MI_SKIP_POSTGRES=1")
		}
		t.Fatal("MI_TEST_POSTGRES_URL is not set (scripts/with-postgres.sh sets it; MI_SKIP_POSTGRES=1 skips)")
	}
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCrashProxy(t, u.Host)
	u.Host = proxy.addr
	bin := buildBinary(t)
	srv := startServeProcess(t, bin, freeAddr(t), []string{"DATABASE_URL=" + u.String(), "OAUTH_ENABLED=false"})

	waitStatus := func(path string, want int, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		var code int
		for time.Now().Before(deadline) {
			if code, _ = crashGet(srv.base+path, ""); code == want {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s answered %d, want %d within %v\n%s", path, code, want, within, srv.log.String())
	}
	waitStatus("/readyz", http.StatusOK, 5*time.Second)
	proxy.cut()
	waitStatus("/readyz", http.StatusServiceUnavailable, 10*time.Second)
	if code, _ := crashGet(srv.base+"/healthz", ""); code != http.StatusOK {
		t.Fatalf("/healthz answered %d while the database was away; liveness must not depend on it", code)
	}
	proxy.restore()
	waitStatus("/readyz", http.StatusOK, 15*time.Second)
}

// crashProxy forwards connections to a backend until cut: then it drops
// every open connection and refuses new ones, as a database that went away.
type crashProxy struct {
	addr    string
	backend string
	ln      net.Listener
	mu      sync.Mutex
	down    bool
	conns   map[net.Conn]bool
}

func newCrashProxy(t *testing.T, backend string) *crashProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &crashProxy{addr: ln.Addr().String(), backend: backend, ln: ln, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *crashProxy) serve(c net.Conn) {
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.mu.Unlock()
	b, err := net.DialTimeout("tcp", p.backend, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[b] = true, true
	p.mu.Unlock()
	go func() { io.Copy(b, c); b.Close(); c.Close() }()
	io.Copy(c, b)
	c.Close()
	b.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, b)
	p.mu.Unlock()
}

func (p *crashProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
}

func (p *crashProxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

func TestHealthcheckCommandAsksHealthz(t *testing.T) {
	ok := http.NewServeMux()
	ok.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"status":"ok"}`) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: ok, ReadHeaderTimeout: time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	down := freeAddr(t)
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
	}{
		{"a healthy server on $ADDR's port passes", map[string]string{"ADDR": "0.0.0.0:" + port}, nil, 0},
		{"a healthy server at --url passes", nil, []string{"--url", "http://" + ln.Addr().String() + "/healthz"}, 0},
		{"a path that is not 200 fails", nil, []string{"--url", "http://" + ln.Addr().String() + "/nope"}, 1},
		{"nobody listening fails", nil, []string{"--url", "http://" + down + "/healthz"}, 1},
		{"a bad --url is a usage error", nil, []string{"--url", "localhost"}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			e := env{stdin: strings.NewReader(""), stdout: &out, stderr: logguard.Tee(&errb), getenv: func(k string) string { return c.env[k] }}
			err := cmdHealthcheck(context.Background(), c.args, e)
			code := 0
			if _, usage := err.(*usageError); usage {
				code = 2
			} else if err != nil {
				code = 1
			}
			if code != c.code {
				t.Fatalf("exit %d, want %d (%v)", code, c.code, err)
			}
		})
	}
}
