package mcpserver_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/auth"
	"github.com/meetingintel/meetingintel/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`

// do sends a raw request and returns the response with its body read.
func (e *env) do(method, path, body string, h map[string]string) (*http.Response, string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range h {
		if k == "Host" {
			req.Host = v
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestRequestsWithoutAGoodTokenGet401WithAChallenge(t *testing.T) {
	e := newEnv(t)
	revoked, tok, err := e.db.CreateToken(e.ctx, e.alice.ID, "to revoke")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.RevokeToken(e.ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path string
		h                  map[string]string
		invalidToken       bool // the challenge says error="invalid_token"
	}{
		{"no token on /mcp", "POST", "/mcp", nil, false},
		{"a wrong Bearer token", "POST", "/mcp", map[string]string{"Authorization": "Bearer mi_pat_wrong"}, true},
		{"a Basic credential", "POST", "/mcp", map[string]string{"Authorization": "Basic YTpi"}, true},
		{"a wrong X-API-Key", "POST", "/mcp", map[string]string{"X-API-Key": "nope"}, true},
		{"a revoked token", "POST", "/mcp", map[string]string{"Authorization": "Bearer " + revoked}, true},
		{"a revoked token in the path", "POST", "/mcp/" + revoked, nil, true},
		{"a wrong token in the path", "POST", "/mcp/not-a-token", nil, true},
		{"a revoked query token on /mcp", "POST", "/mcp?token=" + revoked, nil, true},
		{"a read-only OAuth token in ?token= on /mcp (PATs only)", "POST", "/mcp?token=" + e.readOnlyOAuthToken, nil, true},
		{"no token on /sse", "GET", "/sse", nil, false},
		{"a revoked token on /sse", "GET", "/sse?token=" + revoked, nil, true},
		{"a read-only OAuth token in the path (PATs only)", "POST", "/mcp/" + e.readOnlyOAuthToken, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(tt.method, tt.path, initialize, tt.h)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401; body %s", resp.StatusCode, body)
			}
			ch := resp.Header.Get("WWW-Authenticate")
			if !strings.HasPrefix(ch, "Bearer") || strings.Contains(ch, "invalid_token") != tt.invalidToken {
				t.Errorf("WWW-Authenticate = %q", ch)
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"error"`) {
				t.Errorf("body is not JSON: %s", body)
			}
		})
	}
}

func TestTheHTTPSurfaceAnswersAsClientsExpect(t *testing.T) {
	e := newEnv(t)
	bearer := map[string]string{"Authorization": "Bearer " + e.aliceTok}
	tests := []struct {
		name, method, path string
		h                  map[string]string
		status             int
		header, value      string
	}{
		{"GET /mcp is 405, so clients fall back to SSE", "GET", "/mcp", bearer, 405, "Allow", "POST"},
		{"DELETE /mcp is 405 on a stateless server", "DELETE", "/mcp", bearer, 405, "Allow", "POST"},
		{"POST /sse is 405 with Allow: GET", "POST", "/sse", bearer, 405, "Allow", "GET"},
		{"initialize over /mcp works", "POST", "/mcp", bearer, 200, "Content-Type", "application/json"},
		{"initialize over /mcp/{token} works", "POST", "/mcp/" + e.aliceTok, nil, 200, "Content-Type", "application/json"},
		{"initialize over /mcp?token= works", "POST", "/mcp?token=" + e.aliceTok, nil, 200, "Content-Type", "application/json"},
		{"a foreign Host on a loopback listener is refused (DNS rebinding)", "POST", "/mcp", map[string]string{"Host": "evil.example", "Authorization": "Bearer " + e.aliceTok}, 403, "", ""},
		{"a foreign Origin on a loopback listener is refused", "POST", "/mcp", map[string]string{"Origin": "https://evil.example", "Authorization": "Bearer " + e.aliceTok}, 403, "", ""},
		{"PUBLIC_URL's host is allowed", "POST", "/mcp", map[string]string{"Host": "mi.example.com", "Authorization": "Bearer " + e.aliceTok}, 200, "", ""},
		{"a CORS preflight from a local inspector is answered", "OPTIONS", "/mcp", map[string]string{"Origin": "http://localhost:6274", "Access-Control-Request-Method": "POST"}, 204, "Access-Control-Expose-Headers", "WWW-Authenticate"},
		{"a post to an unknown SSE session is 404", "POST", "/messages?session_id=nope", bearer, 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(tt.method, tt.path, initialize, tt.h)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if tt.header != "" && !strings.Contains(resp.Header.Get(tt.header), tt.value) {
				t.Errorf("%s = %q, want %q in it", tt.header, resp.Header.Get(tt.header), tt.value)
			}
		})
	}
}

func TestAReadOnlyTokenGets403InsufficientScopeForWritesOnMCP(t *testing.T) {
	e := newEnv(t)
	h := map[string]string{"Authorization": "Bearer " + e.readOnlyOAuthToken}
	resp, body := e.do("POST", "/mcp", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete_meeting","arguments":{"meeting_id":1}}}`, h)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), `scope="meetings:read meetings:write"`) {
		t.Fatalf("status %d, challenge %q, body %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	// Reads still work with it.
	cs := e.connect(&mcp.StreamableClientTransport{Endpoint: e.url + "/mcp", HTTPClient: withHeaders(h)})
	ok[mcpserver.ListMeetingsResult](t, cs, "list_meetings", nil)
}

// openSSE opens a raw SSE stream and returns the messages endpoint and the
// open body (the session lives while it does).
func (e *env) openSSE(path string, h map[string]string) (string, *bufio.Reader, func()) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(e.ctx)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+path, nil)
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("GET %s: %v %v", "/sse", err, resp)
	}
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			e.t.Fatal(err)
		}
		if ep, ok := strings.CutPrefix(strings.TrimSpace(line), "data: "); ok {
			if !strings.HasPrefix(ep, "/messages?session_id=") || strings.Contains(ep, "token") {
				e.t.Fatalf("endpoint %q", ep)
			}
			return ep, r, func() { cancel(); resp.Body.Close() }
		}
	}
}

func TestAnSSESessionTakesPostsOnlyFromItsOwner(t *testing.T) {
	e := newEnv(t)
	ping := `{"jsonrpc":"2.0","id":1,"method":"ping"}`
	aliceH := map[string]string{"Authorization": "Bearer " + e.aliceTok}
	bobH := map[string]string{"Authorization": "Bearer " + e.bobTok}

	qEP, _, closeQ := e.openSSE("/sse?token="+e.aliceTok, nil)
	defer closeQ()
	hEP, _, closeH := e.openSSE("/sse", map[string]string{"X-API-Key": e.aliceTok})
	defer closeH()
	tests := []struct {
		name     string
		endpoint string
		h        map[string]string
		status   int
	}{
		{"a ?token= session takes a post without credential", qEP, nil, 202},
		{"a ?token= session takes its owner's credential", qEP, aliceH, 202},
		{"a ?token= session refuses another user's credential", qEP, bobH, 403},
		{"a ?token= session refuses a bad credential", qEP, map[string]string{"X-API-Key": "bad"}, 401},
		{"a header session refuses a post without credential", hEP, nil, 401},
		{"a header session refuses another user's credential", hEP, bobH, 403},
		{"a header session takes its owner's other credential", hEP, aliceH, 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do("POST", tt.endpoint, ping, tt.h)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; %s", resp.StatusCode, tt.status, body)
			}
		})
	}

	t.Run("revoking the opening token ends the session", func(t *testing.T) {
		if err := e.db.RevokeToken(e.ctx, e.aliceTokID); err != nil {
			t.Fatal(err)
		}
		resp, _ := e.do("POST", qEP, ping, nil)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
			t.Fatalf("status %d after revocation", resp.StatusCode)
		}
		resp, _ = e.do("POST", qEP, ping, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("the session outlived its token: status %d", resp.StatusCode)
		}
	})
}

func TestAnotherUsersPrivateMeetingIsInvisibleThroughEveryTool(t *testing.T) {
	e := newEnv(t)
	bobSessions := map[string]*mcp.ClientSession{
		"/mcp":        e.connect(&mcp.StreamableClientTransport{Endpoint: e.url + "/mcp", HTTPClient: withHeaders(map[string]string{"Authorization": "Bearer " + e.bobTok})}),
		"/sse":        e.connect(&mcp.SSEClientTransport{Endpoint: e.url + "/sse?token=" + e.bobTok}),
		"/mcp?token=": e.connect(&mcp.StreamableClientTransport{Endpoint: e.url + "/mcp?token=" + e.bobTok}),
	}
	pid, aid, did := e.privateID, e.privateActionID, e.privateDecisionID
	for name, cs := range bobSessions {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				tool string
				args map[string]any
			}{
				{"get_meeting", map[string]any{"meeting_id": pid}},
				{"get_transcript", map[string]any{"meeting_id": pid}},
				{"fetch", map[string]any{"id": strconv.FormatInt(pid, 10)}},
				{"update_meeting", map[string]any{"meeting_id": pid, "title": "pwned"}},
				{"delete_meeting", map[string]any{"meeting_id": pid}},
				{"get_action", map[string]any{"action_id": aid}},
				{"update_action", map[string]any{"action_id": aid, "action_text": "pwned"}},
				{"complete_action", map[string]any{"action_id": aid}},
				{"park_action", map[string]any{"action_id": aid}},
				{"reopen_action", map[string]any{"action_id": aid}},
				{"get_decision", map[string]any{"decision_id": did}},
				{"update_decision", map[string]any{"decision_id": did, "decision_text": "pwned"}},
				{"delete_action", map[string]any{"action_id": aid}},
				{"create_action", map[string]any{"action_text": "spy", "meeting_id": pid}},
				{"create_decision", map[string]any{"meeting_id": pid, "decision_text": "spy"}},
				{"delete_decision", map[string]any{"decision_id": did}},
			} {
				msg := fails(t, cs, c.tool, c.args)
				if strings.Contains(strings.ToLower(msg), "zebra") || strings.Contains(msg, "Secret") {
					t.Errorf("%s leaks the meeting: %q", c.tool, msg)
				}
			}
			for _, c := range []struct {
				tool string
				args map[string]any
			}{
				{"list_meetings", map[string]any{"days_back": 0, "limit": 100}},
				{"search_meetings", map[string]any{"query": "zebra reorganisation"}},
				{"search", map[string]any{"query": "zebra reorganisation"}},
				{"search_actions", map[string]any{"query": "zebra memo"}},
				{"search_decisions", map[string]any{"query": "zebra goes ahead"}},
				{"list_actions", map[string]any{"status": "all", "limit": 100}},
				{"list_actions", map[string]any{"meeting_id": pid}},
				{"list_decisions", map[string]any{"limit": 100}},
				{"list_decisions", map[string]any{"meeting_id": pid}},
			} {
				res := call(t, cs, c.tool, c.args)
				// Filtering by an invisible meeting may answer "not found" (it
				// looks like no meeting at all), never its contents.
				if (res.IsError && !strings.Contains(text(res), "not found")) || strings.Contains(strings.ToLower(text(res)), "zebra") || strings.Contains(text(res), "Secret") {
					t.Errorf("%s(%v) shows the private meeting: %s", c.tool, c.args, text(res))
				}
			}
		})
	}
	// Nothing changed: alice still sees it whole.
	actx := meetingintel.NewContextWithUser(e.ctx, e.alice)
	if m, err := e.db.FindMeetingByID(actx, pid); err != nil || m.Title != "Secret reorganisation" {
		t.Errorf("private meeting after bob's attempts: %+v %v", m, err)
	}
	if a, err := e.db.FindActionByID(actx, aid); err != nil || a.Status != meetingintel.StatusOpen {
		t.Errorf("private action after bob's attempts: %+v %v", a, err)
	}
}

func TestTokensNeverReachTheLog(t *testing.T) {
	e := newEnv(t)
	for _, cs := range e.transports() {
		ok[mcpserver.ListMeetingsResult](t, cs, "list_meetings", nil)
	}
	ep, _, closeSSE := e.openSSE("/sse?token="+e.bobTok, nil)
	defer closeSSE()
	e.do("POST", ep, `{"jsonrpc":"2.0","id":1,"method":"ping"}`, nil)
	sessionID := strings.TrimPrefix(ep, "/messages?session_id=")
	e.do("POST", "/mcp/mi_pat_wrongtoken", initialize, nil)
	e.do("GET", "/sse?token=mi_pat_wrongtoken", "", nil)
	if _, body := e.do("POST", "/mcp?token=mi_pat_wrongtoken", initialize, nil); strings.Contains(body, "mi_pat_wrongtoken") {
		t.Errorf("the 401 body for /mcp?token= echoes the token: %s", body)
	}
	e.do("POST", "/mcp", initialize, map[string]string{"Authorization": "Bearer mi_pat_wrongtoken"})
	log := e.log.String()
	if !strings.Contains(log, "/mcp/[redacted]") || !strings.Contains(log, "token=[redacted]") {
		t.Fatalf("the log shows no redacted request; is it captured? %s", log)
	}
	for _, secret := range []string{e.aliceTok, e.bobTok, "mi_pat_wrongtoken", sessionID} {
		if strings.Contains(log, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
}

func TestLegacyTokensKeepOldConnectorURLsWorking(t *testing.T) {
	e := newEnv(t)
	legacy := "old-secret-token-123"
	raw := `{"` + legacy + `":"Carol.Jones@Example.com","other-legacy-token":"bob@example.com"}`
	for range 2 { // importing twice changes nothing
		n, err := auth.ImportLegacyTokens(e.ctx, e.db, raw)
		if err != nil || n != 2 {
			t.Fatalf("ImportLegacyTokens = %d, %v", n, err)
		}
	}
	carol, err := e.db.FindUserByEmail(e.ctx, "carol.jones@example.com")
	if err != nil || carol.Name != "Carol Jones" {
		t.Fatalf("carol = %+v, %v", carol, err)
	}
	if n, _ := e.db.CountUsers(e.ctx); n != 3 {
		t.Errorf("%d users after two imports, want 3", n)
	}
	cs := e.connect(&mcp.StreamableClientTransport{Endpoint: e.url + "/mcp/" + legacy})
	out := ok[mcpserver.ListMeetingsResult](t, cs, "list_meetings", nil)
	if hasMeeting(out.Meetings, e.privateID) || !hasMeeting(out.Meetings, e.teamID) {
		t.Errorf("carol's meetings = %+v", out.Meetings)
	}
	query := e.connect(&mcp.StreamableClientTransport{Endpoint: e.url + "/mcp?token=" + url.QueryEscape(legacy)})
	ok[mcpserver.ListMeetingsResult](t, query, "list_meetings", nil)
	sse := e.connect(&mcp.SSEClientTransport{Endpoint: e.url + "/sse?token=" + legacy})
	ok[mcpserver.ListMeetingsResult](t, sse, "list_meetings", nil)

	_, err = auth.ImportLegacyTokens(e.ctx, e.db, `{"`+legacy+`":"alice@example.com"}`)
	if meetingintel.ErrorCode(err) != meetingintel.ECONFLICT || strings.Contains(err.Error(), legacy) {
		t.Errorf("moving a token to another user: %v", err)
	}
	if _, err := auth.ImportLegacyTokens(e.ctx, e.db, `{"secret-in-bad-json`); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad JSON: %v", err)
	}
}
