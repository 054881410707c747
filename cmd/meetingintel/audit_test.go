package main

// The audit trail end to end: `meetingintel serve` in this process, and
// every edge writing through it (MCP with the go-sdk client, REST, the web
// UI, the CLI). Each write must be one row, whichever edge made it, and no
// row may carry a token or an argument's text.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/sqlite"
)

// auditRow is a row as GET /api/audit returns it.
type auditRow struct {
	User       string `json:"user"`
	Via        string `json:"via"`
	Client     string `json:"client"`
	Action     string `json:"action"`
	Tool       string `json:"tool"`
	TargetType string `json:"target_type"`
	TargetID   string `json:"target_id"`
	Outcome    string `json:"outcome"`
}

func structuredID(t *testing.T, res *mcp.CallToolResult, key string) int64 {
	t.Helper()
	if res.IsError {
		t.Fatalf("tool error: %s", toolText(res))
	}
	b, _ := json.Marshal(res.StructuredContent)
	var v map[string]any
	_ = json.Unmarshal(b, &v)
	n, ok := v[key].(float64)
	if !ok {
		t.Fatalf("no %s in %s", key, b)
	}
	return int64(n)
}

func TestEveryWriteIsAuditedOnceWhicheverEdgeMadeIt(t *testing.T) {
	db := filepath.Join(t.TempDir(), "audit.db")
	adminPAT := strings.TrimSpace(mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "root@example.com", "--name", "Root", "--admin")).stdout)
	anaPAT := strings.TrimSpace(mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana")).stdout)
	s := startServe(t, db, map[string]string{"MCP_RATE_PER_MIN": "0", "API_RATE_PER_MIN": "0"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const secret = "zanzibar-secret-phrase"

	// MCP, with the go-sdk client.
	cs := mcpSession(t, ctx, s.url+"/mcp", anaPAT)
	mid := structuredID(t, callTool(t, ctx, cs, "create_meeting", map[string]any{"title": "MCP " + secret, "meeting_date": "2026-03-04",
		"transcript": "Ana: " + secret}), "id")
	callTool(t, ctx, cs, "update_meeting", map[string]any{"meeting_id": mid, "summary": secret})
	aid := structuredID(t, callTool(t, ctx, cs, "create_action", map[string]any{"action_text": secret, "meeting_id": mid}), "id")
	callTool(t, ctx, cs, "update_action", map[string]any{"action_id": aid, "notes": secret})
	callTool(t, ctx, cs, "complete_action", map[string]any{"action_id": aid})
	did := structuredID(t, callTool(t, ctx, cs, "create_decision", map[string]any{"meeting_id": mid, "decision_text": secret}), "id")
	callTool(t, ctx, cs, "update_decision", map[string]any{"decision_id": did, "decision_text": secret + " 2"})
	callTool(t, ctx, cs, "delete_decision", map[string]any{"decision_id": did})
	callTool(t, ctx, cs, "delete_action", map[string]any{"action_id": aid})
	// Attacks: a PAT pasted into arguments, as text and as an id.
	callTool(t, ctx, cs, "search_meetings", map[string]any{"query": adminPAT + " " + secret})
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_meeting", Arguments: map[string]any{"meeting_id": adminPAT}}); err == nil && !res.IsError {
		t.Fatal("get_meeting took a token as its id")
	}
	callTool(t, ctx, cs, "fetch", map[string]any{"id": adminPAT})
	callTool(t, ctx, cs, "delete_meeting", map[string]any{"meeting_id": mid})
	// The legacy SSE transport: its writes are via sse.
	sse := mcpSession(t, ctx, s.url+"/sse", anaPAT)
	sa := structuredID(t, callTool(t, ctx, sse, "create_action", map[string]any{"action_text": secret}), "id")
	callTool(t, ctx, sse, "delete_action", map[string]any{"action_id": sa})

	// REST.
	api := func(method, path, body string) *e2eReply {
		t.Helper()
		r := mustHTTP(t, method, s.url+path, http.Header{"Authorization": {"Bearer " + anaPAT}, "Content-Type": {"application/json"}}, body)
		if r.status >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, r.status, r.body)
		}
		return r
	}
	rm := int64(api("POST", "/api/meetings", `{"title": "REST `+secret+`", "meeting_date": "2026-03-05"}`).json["id"].(float64))
	api("PATCH", fmt.Sprintf("/api/meetings/%d", rm), `{"summary": "`+secret+`"}`)
	ra := int64(api("POST", "/api/actions", fmt.Sprintf(`{"text": "%s", "meeting_id": %d}`, secret, rm)).json["id"].(float64))
	api("PATCH", fmt.Sprintf("/api/actions/%d/status", ra), `{"status": "Parked", "notes": "`+secret+`"}`)
	api("PATCH", fmt.Sprintf("/api/actions/%d", ra), `{"owner": "Ben"}`)
	rd := int64(api("POST", "/api/decisions", fmt.Sprintf(`{"text": "%s", "meeting_id": %d}`, secret, rm)).json["id"].(float64))
	api("PATCH", fmt.Sprintf("/api/decisions/%d", rd), `{"context": "`+secret+`"}`)

	// The web UI: sign in, then a decision, its edit, a status change with a note.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values) int {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, "POST", s.url+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", s.url)
		res, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post("/signin", url.Values{"token": {anaPAT}}); code != 303 {
		t.Fatalf("web sign-in: %d", code)
	}
	res, err := browser.Get(s.url + "/connect")
	if err != nil {
		t.Fatal(err)
	}
	var page strings.Builder
	_, _ = fmt.Fprint(&page, readAll(t, res))
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page.String())
	if m == nil {
		t.Fatal("no CSRF token on /connect")
	}
	csrf := m[1]
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{fmt.Sprintf("/meetings/%d/decisions", rm), url.Values{"text": {secret + " web"}}},
		{fmt.Sprintf("/decisions/%d/edit", rd), url.Values{"text": {secret + " edited"}, "context": {""}}},
		{fmt.Sprintf("/actions/%d/status", ra), url.Values{"status": {"Complete"}, "note": {secret}}},
	} {
		step.form.Set("csrf", csrf)
		if code := post(step.path, step.form); code != 303 {
			t.Fatalf("web %s: %d", step.path, code)
		}
	}

	// REST deletes after the web's writes.
	api("DELETE", fmt.Sprintf("/api/decisions/%d", rd), "")
	api("DELETE", fmt.Sprintf("/api/actions/%d", ra), "")
	api("DELETE", fmt.Sprintf("/api/meetings/%d", rm), "")

	// The CLI, beside the running server (one SQLite file).
	vtt := writeFile(t, t.TempDir(), "call.vtt", teamsVTT)
	mustOK(t, cli(t, nil, "import", "--db", db, "--email", "ana@example.com", "--title", "CLI "+secret, vtt))
	tok := strings.TrimSpace(mustOK(t, cli(t, nil, "tokens", "create", "--db", db, "--email", "ana@example.com", "--label", "x")).stdout)
	if tok == "" {
		t.Fatal("no token")
	}

	// Read it all back as the admin.
	var rows []auditRow
	var raw strings.Builder
	for cursor := ""; ; {
		r := mustHTTP(t, "GET", s.url+"/api/audit?limit=500&cursor="+url.QueryEscape(cursor), http.Header{"Authorization": {"Bearer " + adminPAT}}, "")
		if r.status != 200 {
			t.Fatalf("GET /api/audit: %d %s", r.status, r.body)
		}
		raw.WriteString(r.body)
		var p struct {
			Items []auditRow `json:"items"`
			Next  string     `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(r.body), &p); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, p.Items...)
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	count := map[string]int{}
	for _, r := range rows {
		if r.Outcome == "ok" && r.Action != "mcp.tool" {
			count[r.Via+" "+r.Action]++
		}
	}
	want := map[string]int{
		"mcp meeting.create": 1, "mcp meeting.update": 1, "mcp meeting.delete": 1,
		"mcp action.create": 1, "mcp action.update": 1, "mcp action.status": 1, "mcp action.delete": 1,
		"mcp decision.create": 1, "mcp decision.update": 1, "mcp decision.delete": 1,
		"sse action.create": 1, "sse action.delete": 1,
		"rest meeting.create": 1, "rest meeting.update": 1, "rest meeting.delete": 1,
		"rest action.create": 1, "rest action.status": 1, "rest action.update": 1, "rest action.delete": 1,
		"rest decision.create": 1, "rest decision.update": 1, "rest decision.delete": 1,
		"web signin": 1, "web decision.create": 1, "web decision.update": 1, "web action.status": 1,
		"cli user.create": 2, "cli token.create": 3, "cli meeting.create": 1,
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s: %d rows, want %d", k, count[k], n)
		}
	}
	for k, n := range count {
		if want[k] == 0 {
			t.Errorf("unexpected rows %s: %d", k, n)
		}
	}
	tools := map[string]int{}
	for _, r := range rows {
		if r.Action == "mcp.tool" {
			tools[r.Tool+" "+r.Outcome]++
			if r.User != "ana@example.com" || (r.Via != "mcp" && r.Via != "sse") || !strings.HasPrefix(r.Client, "pat:") {
				t.Errorf("tool row %+v", r)
			}
		}
	}
	for _, k := range []string{"create_meeting ok", "delete_meeting ok", "search_meetings ok", "get_meeting invalid", "fetch invalid"} {
		if tools[k] != 1 {
			t.Errorf("tool calls %q: %d, want 1 (all: %v)", k, tools[k], tools)
		}
	}
	for _, leak := range []string{adminPAT, anaPAT, tok, "mi_pat_", secret} {
		if strings.Contains(raw.String(), leak) {
			t.Errorf("the audit trail holds %.12q...", leak)
		}
	}

	// The other views: CLI (table and JSON), the web page; members get 403.
	out := mustOK(t, cli(t, nil, "audit", "--db", db, "--since", "1h", "--action", "meeting.", "--json")).stdout
	if n := strings.Count(out, "\n"); n != 7 {
		t.Errorf("audit --json --action meeting.: %d lines, want 7 (3 MCP, 3 REST, 1 CLI):\n%s", n, out)
	}
	table := mustOK(t, cli(t, nil, "audit", "--db", db, "--user", "ana@example.com", "--action", "signin")).stdout
	if !strings.HasPrefix(table, "TIME ") || !strings.Contains(table, "signin") || strings.Count(table, "\n") != 2 {
		t.Errorf("audit table:\n%s", table)
	}
	table = mustOK(t, cli(t, nil, "audit", "--db", db, "--action", "decision.create", "--client", "session")).stdout
	if lines := strings.Split(strings.TrimSpace(table), "\n"); len(lines) != 2 || !strings.Contains(lines[0], "WORKSPACE") ||
		!strings.Contains(lines[1], " general ") || !strings.Contains(lines[1], " web ") {
		t.Errorf("the web's decision in the table:\n%s", table)
	}
	if r := cli(t, nil, "audit", "--db", db, "--since", "yesterday"); r.code != 2 {
		t.Errorf("a bad --since: exit %d", r.code)
	}
	// ana joined the default workspace as a plain member, as every new
	// non-admin user, and reads none of the trail; made its chair (members
	// set-role, as an org admin does), she reads its rows.
	if r := mustHTTP(t, "GET", s.url+"/api/audit", http.Header{"Authorization": {"Bearer " + anaPAT}}, ""); r.status != 403 {
		t.Errorf("a new member's GET /api/audit: %d", r.status)
	}
	mustOK(t, cli(t, nil, "members", "set-role", "--db", db, "--workspace", "general", "--email", "ana@example.com", "--role", "chair"))
	if r := mustHTTP(t, "GET", s.url+"/api/audit?action=signin", http.Header{"Authorization": {"Bearer " + anaPAT}}, ""); r.status != 200 || strings.Contains(r.body, `"signin"`) {
		t.Errorf("a chair's GET /api/audit: %d, or it holds rows of no workspace: %.300s", r.status, r.body)
	}
	demote(t, db, "ana@example.com", meetingintel.RoleMember)
	if r := mustHTTP(t, "GET", s.url+"/api/audit", http.Header{"Authorization": {"Bearer " + anaPAT}}, ""); r.status != 403 {
		t.Errorf("a member's GET /api/audit: %d", r.status)
	}
	if r := mustHTTP(t, "GET", s.url+"/api/audit?since=soon", http.Header{"Authorization": {"Bearer " + adminPAT}}, ""); r.status != 400 {
		t.Errorf("a bad since: %d", r.status)
	}
	res, err = browser.Get(s.url + "/admin/audit")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Errorf("a member's /admin/audit: %d", res.StatusCode)
	}
}

// demote gives email the role in the default workspace, as an org admin,
// on the database the running server uses.
func demote(t *testing.T, path, email string, role meetingintel.Role) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	actx := meetingintel.NewContextWithUser(ctx, auditReader) // an org admin
	w, err := db.FindWorkspace(actx, "general")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetMember(actx, w.ID, email, role); err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// TestOAuthConsentGrantsAndRevocationsAreAudited: an OAuth connection made
// through the consent page (signing in there with a PAT), a denied one,
// the token's tool call under the client's id, and the disconnect.
func TestOAuthConsentGrantsAndRevocationsAreAudited(t *testing.T) {
	db := filepath.Join(t.TempDir(), "oauth-audit.db")
	adminPAT := strings.TrimSpace(mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "root@example.com", "--name", "Root", "--admin")).stdout)
	anaPAT := strings.TrimSpace(mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana")).stdout)
	s := startServe(t, db, map[string]string{"OAUTH_ENABLED": "true"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	tok, c := grantFor(t, s, anaPAT, "")
	cs := mcpSession(t, ctx, s.url+"/mcp", tok.str("access_token"))
	callTool(t, ctx, cs, "list_meetings", map[string]any{})

	// A denial, by someone who signed in on the consent page first.
	_, challenge := pkce()
	f, err := openConsent(authURL(s.url, c, challenge, "st2", "", ""))
	if err == nil {
		f, err = f.signIn(anaPAT)
	}
	if err == nil {
		_, err = f.decide("deny")
	}
	if err != nil {
		t.Fatal(err)
	}
	// The connection ends from the CLI.
	out := mustOK(t, cli(t, nil, "grants", "list", "--db", db, "--email", "ana@example.com")).stdout
	m := regexp.MustCompile(`(?m)^(\d+)\s`).FindStringSubmatch(strings.SplitN(out, "\n", 2)[1])
	if m == nil {
		t.Fatalf("grants list:\n%s", out)
	}
	mustOK(t, cli(t, nil, "grants", "revoke", "--db", db, m[1]))
	// A read-only connection's write is refused at the door, and recorded.
	ro, _ := grantFor(t, s, anaPAT, "meetings:read")
	if r := postMCP(t, s.url+"/mcp", ro.str("access_token"), `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_meeting","arguments":{"meeting_id":77}}}`); r.status != 403 {
		t.Fatalf("a write tool on a read-only grant: %d", r.status)
	}

	r := mustHTTP(t, "GET", s.url+"/api/audit?limit=500", http.Header{"Authorization": {"Bearer " + adminPAT}}, "")
	var p struct {
		Items []auditRow `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.body), &p); err != nil || r.status != 200 {
		t.Fatalf("GET /api/audit: %d %s", r.status, r.body)
	}
	got := map[string]int{}
	for _, row := range p.Items {
		got[row.Via+" "+row.Action+" "+row.Outcome+" "+row.User+" "+row.Client]++
	}
	var refused []auditRow
	for _, row := range p.Items {
		if row.Action == "mcp.tool" && row.Outcome == "forbidden" {
			refused = append(refused, row)
		}
	}
	if len(refused) != 1 || refused[0].Tool != "delete_meeting" || refused[0].TargetID != "meeting:77" || refused[0].User != "ana@example.com" {
		t.Errorf("the refused write tool: %+v", refused)
	}
	for _, k := range []string{
		"oauth signin ok ana@example.com pat:2",              // the consent page's PAT step
		"oauth oauth.consent ok ana@example.com " + c.id,     // approve
		"oauth oauth.consent denied ana@example.com " + c.id, // deny
		"oauth oauth.grant ok ana@example.com " + c.id,       // the code redeemed
		"mcp mcp.tool ok ana@example.com " + c.id,            // the token's tool call
		"cli oauth.revoke ok ana@example.com " + c.id,        // disconnected
	} {
		want := 1
		if strings.HasPrefix(k, "oauth signin") {
			want = 3 // the consent page's PAT step: approve, deny, read-only approve
		}
		if got[k] != want {
			t.Errorf("%q: %d rows, want %d (all: %v)", k, got[k], want, got)
		}
	}
	if strings.Contains(r.body, tok.str("access_token")) || strings.Contains(r.body, tok.str("refresh_token")) || strings.Contains(r.body, "mi_pat_") {
		t.Error("the audit trail holds a token")
	}
}
