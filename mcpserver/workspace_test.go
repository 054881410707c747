package mcpserver_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// acme adds the workspace acme (alice chair, bob viewer) and dave, a user
// of the default workspace only, with a token each; it returns the
// workspace, and sessions for alice (two tokens), bob and dave.
func (e *env) acme() (w *meetingintel.Workspace, alice1, alice2, bob, dave *mcp.ClientSession) {
	t := e.t
	admin := e.user("root@example.com", "Root")
	if err := e.db.SetUserAdmin(e.ctx, admin.ID, true); err != nil {
		t.Fatal(err)
	}
	admin.Admin = true
	actx := meetingintel.NewContextWithUser(e.ctx, admin)
	w = &meetingintel.Workspace{Name: "Acme Corp", Slug: "acme"}
	if err := e.db.CreateWorkspace(actx, w); err != nil {
		t.Fatal(err)
	}
	for email, role := range map[string]meetingintel.Role{"alice@example.com": meetingintel.RoleChair, "bob@example.com": meetingintel.RoleViewer} {
		if _, err := e.db.SetMember(actx, w.ID, email, role); err != nil {
			t.Fatal(err)
		}
	}
	d := e.user("dave@example.com", "Dave")
	session := func(u *meetingintel.User) *mcp.ClientSession {
		tok, _, err := e.db.CreateToken(e.ctx, u.ID, "second")
		if err != nil {
			t.Fatal(err)
		}
		return e.connect(&mcp.StreamableClientTransport{Endpoint: e.url + "/mcp", HTTPClient: withHeaders(map[string]string{"Authorization": "Bearer " + tok})})
	}
	alice1 = e.connect(&mcp.StreamableClientTransport{Endpoint: e.url + "/mcp?token=" + e.aliceTok})
	return w, alice1, session(e.alice), session(e.bob), session(d)
}

func TestToolsTakeAWorkspaceAndRolesHoldOverMCP(t *testing.T) {
	e := newEnv(t)
	w, alice, _, bob, dave := e.acme()

	m := ok[mcpserver.MeetingDetail](t, alice, "create_meeting", map[string]any{"workspace": "ACME", "title": "Acme kickoff",
		"meeting_date": "2026-03-03", "transcript": "Alice: the quokka budget is approved."})
	if m.ID == 0 {
		t.Fatalf("create_meeting in acme = %+v", m)
	}
	// The viewer reads acme by slug, name or id, and writes nothing there.
	for _, ref := range []string{"acme", "Acme Corp", strconv.FormatInt(w.ID, 10)} {
		list := ok[mcpserver.ListMeetingsResult](t, bob, "list_meetings", map[string]any{"workspace": ref, "days_back": 3650})
		if len(list.Meetings) != 1 || list.Meetings[0].ID != m.ID {
			t.Errorf("bob listing %q: %+v", ref, list.Meetings)
		}
	}
	if msg := fails(t, bob, "create_meeting", map[string]any{"workspace": "acme", "title": "x", "meeting_date": "2026-03-04"}); !strings.Contains(msg, "viewer") {
		t.Errorf("a viewer creating: %q", msg)
	}
	if msg := fails(t, bob, "update_meeting", map[string]any{"meeting_id": m.ID, "title": "pwned"}); !strings.Contains(msg, "viewer") {
		t.Errorf("a viewer editing: %q", msg)
	}
	// Without a workspace, lists span the default one only.
	list := ok[mcpserver.ListMeetingsResult](t, bob, "list_meetings", map[string]any{"days_back": 3650})
	if hasMeeting(list.Meetings, m.ID) {
		t.Errorf("bob's default workspace lists the acme meeting: %+v", list.Meetings)
	}
	all := ok[mcpserver.ListMeetingsResult](t, bob, "list_meetings", map[string]any{"days_back": 3650, "workspace": "all"})
	if !hasMeeting(all.Meetings, m.ID) || !hasMeeting(all.Meetings, e.teamID) {
		t.Errorf("bob listing all: %+v", all.Meetings)
	}

	// A non-member finds nothing: by id, search, fetch, or naming it.
	id := strconv.FormatInt(m.ID, 10)
	fails(t, dave, "get_meeting", map[string]any{"meeting_id": m.ID})
	fails(t, dave, "fetch", map[string]any{"id": "meeting:" + id})
	fails(t, dave, "fetch", map[string]any{"id": id})
	fails(t, dave, "list_meetings", map[string]any{"workspace": "acme"})
	hits := ok[mcpserver.SearchMeetingsResult](t, dave, "search_meetings", map[string]any{"query": "quokka", "workspace": "all"})
	if len(hits.Results) != 0 {
		t.Errorf("dave finds acme: %d hits", len(hits.Results))
	}
	if hits := ok[mcpserver.SearchMeetingsResult](t, alice, "search_meetings", map[string]any{"query": "quokka", "workspace": "acme"}); len(hits.Results) == 0 {
		t.Error("alice does not find the acme meeting in acme")
	}
	if res := call(t, dave, "search", map[string]any{"query": "quokka"}); res.IsError || strings.Contains(text(res), id) {
		t.Errorf("dave's search: %s", text(res))
	}
}

func TestSwitchWorkspaceIsKeptPerCredential(t *testing.T) {
	e := newEnv(t)
	_, one, two, _, _ := e.acme()

	ws := ok[mcpserver.ListWorkspacesResult](t, one, "list_workspaces", nil)
	if len(ws.Workspaces) != 2 || ws.Current == nil || ws.Current.Slug != "general" {
		t.Fatalf("list_workspaces = %+v", ws)
	}
	cur := ok[mcpserver.CurrentWorkspaceResult](t, one, "get_current_workspace", nil)
	if cur.Workspace.Slug != "general" || cur.Source != "default" {
		t.Errorf("get_current_workspace = %+v", cur)
	}
	sw := ok[mcpserver.CurrentWorkspaceResult](t, one, "switch_workspace", map[string]any{"workspace": "Acme Corp"})
	if sw.Workspace.Slug != "acme" || sw.Workspace.Role != "chair" {
		t.Errorf("switch_workspace = %+v", sw)
	}
	if cur := ok[mcpserver.CurrentWorkspaceResult](t, one, "get_current_workspace", nil); cur.Workspace.Slug != "acme" || cur.Source != "switched" {
		t.Errorf("after the switch, this token's current = %+v", cur)
	}
	// The same user's other token keeps its own.
	if cur := ok[mcpserver.CurrentWorkspaceResult](t, two, "get_current_workspace", nil); cur.Workspace.Slug != "general" {
		t.Errorf("the other token moved too: %+v", cur)
	}
	// Tools without a workspace follow the switch; an argument still wins.
	m := ok[mcpserver.MeetingDetail](t, one, "create_meeting", map[string]any{"title": "Switched", "meeting_date": "2026-03-05"})
	in := ok[mcpserver.ListMeetingsResult](t, one, "list_meetings", map[string]any{"days_back": 3650})
	if len(in.Meetings) != 1 || in.Meetings[0].ID != m.ID {
		t.Errorf("after the switch, list_meetings = %+v", in.Meetings)
	}
	gen := ok[mcpserver.ListMeetingsResult](t, one, "list_meetings", map[string]any{"days_back": 3650, "workspace": "general"})
	if hasMeeting(gen.Meetings, m.ID) || !hasMeeting(gen.Meetings, e.teamID) {
		t.Errorf("list_meetings in general = %+v", gen.Meetings)
	}
	if out := ok[mcpserver.ListMeetingsResult](t, two, "list_meetings", map[string]any{"days_back": 3650}); hasMeeting(out.Meetings, m.ID) {
		t.Errorf("the other token lists the switched workspace: %+v", out.Meetings)
	}
	for _, bad := range []string{"all", "nowhere", ""} {
		fails(t, one, "switch_workspace", map[string]any{"workspace": bad})
	}
}

// auditTools returns the mcp.tool rows reader may read, oldest first, as
// "tool workspace-slug" ("-" for none).
func (e *env) auditTools(reader *meetingintel.User) []string {
	e.t.Helper()
	rows, _, err := e.db.FindAudit(meetingintel.NewContextWithUser(e.ctx, reader), meetingintel.AuditFilter{Action: meetingintel.AuditToolCall, Limit: meetingintel.MaxAuditLimit})
	if err != nil {
		e.t.Fatalf("FindAudit as %s: %v", reader.Email, err)
	}
	var out []string
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		ws := r.Workspace
		if r.WorkspaceID == 0 {
			ws = "-"
		}
		out = append(out, r.UserEmail+" "+r.Tool+" "+ws)
	}
	return out
}

func TestToolCallAuditRowsCarryTheirWorkspace(t *testing.T) {
	e := newEnv(t)
	_, alice, _, _, dave := e.acme()
	daveU, err := e.db.FindUserByEmail(meetingintel.NewContextWithUser(e.ctx, e.alice), "dave@example.com")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := e.db.FindUserByEmail(meetingintel.NewContextWithUser(e.ctx, e.alice), "root@example.com")
	if err != nil {
		t.Fatal(err)
	}

	// alice chairs acme and is a member of general; dave chairs general
	// only.
	admin.Admin = true
	actx := meetingintel.NewContextWithUser(e.ctx, admin)
	general, err := e.db.FindWorkspace(actx, "general")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.SetMember(actx, general.ID, daveU.Email, meetingintel.RoleChair); err != nil {
		t.Fatal(err)
	}
	ok[mcpserver.ListMeetingsResult](t, alice, "list_meetings", map[string]any{"workspace": "acme", "days_back": 3650})    // the argument
	ok[mcpserver.SearchMeetingsResult](t, alice, "search_meetings", map[string]any{"query": "budget", "workspace": "all"}) // spans all: none
	ok[mcpserver.ListWorkspacesResult](t, alice, "list_workspaces", nil)                                                   // no workspace
	ok[mcpserver.SchemaResult](t, alice, "get_schema", nil)                                                                // touches none
	ok[mcpserver.CurrentWorkspaceResult](t, alice, "switch_workspace", map[string]any{"workspace": "acme"})                // the one switched to
	ok[mcpserver.MeetingDetail](t, alice, "create_meeting", map[string]any{"title": "After the switch", "meeting_date": "2026-03-05"})
	fails(t, alice, "list_meetings", map[string]any{"workspace": "nowhere"})                      // resolves to none
	ok[mcpserver.ListMeetingsResult](t, dave, "list_meetings", map[string]any{"days_back": 3650}) // the default
	fails(t, dave, "list_meetings", map[string]any{"workspace": "acme"})                          // not his: none

	all := []string{
		"alice@example.com list_meetings acme",
		"alice@example.com search_meetings -",
		"alice@example.com list_workspaces -",
		"alice@example.com get_schema -",
		"alice@example.com switch_workspace acme",
		"alice@example.com create_meeting acme",
		"alice@example.com list_meetings -",
		"dave@example.com list_meetings general",
		"dave@example.com list_meetings -",
	}
	if got := e.auditTools(admin); strings.Join(got, "\n") != strings.Join(all, "\n") {
		t.Errorf("the admin's tool rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(all, "\n"))
	}
	// A's chair sees the calls in A, not B's; B's chair sees B's only;
	// nobody but the admin sees rows of none.
	wantAlice := []string{all[0], all[4], all[5]}
	if got := e.auditTools(e.alice); strings.Join(got, "\n") != strings.Join(wantAlice, "\n") {
		t.Errorf("acme's chair reads:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantAlice, "\n"))
	}
	if got := e.auditTools(daveU); strings.Join(got, "\n") != all[7] {
		t.Errorf("general's chair (not acme's) reads:\n%s\nwant only %q", strings.Join(got, "\n"), all[7])
	}
}

// switch_workspace stores only the connection's choice, so a grant with
// meetings:read may switch (over /mcp and SSE) and then reads there; it
// still writes nothing, and the tool keeps its annotations.
func TestAReadOnlyGrantSwitchesWorkspaceAndStillCannotWrite(t *testing.T) {
	e := newEnv(t)
	_, alice, _, _, _ := e.acme() // bob, the read-only grant's holder, is an acme viewer
	m := ok[mcpserver.MeetingDetail](t, alice, "create_meeting", map[string]any{"workspace": "acme", "title": "Acme wombat sync",
		"meeting_date": "2026-03-03", "transcript": "Alice: the wombat launch moves to May."})
	h := map[string]string{"Authorization": "Bearer " + e.readOnlyOAuthToken}
	ro := e.connect(&mcp.StreamableClientTransport{Endpoint: e.url + "/mcp", HTTPClient: withHeaders(h)})
	sse := e.connect(&mcp.SSEClientTransport{Endpoint: e.url + "/sse", HTTPClient: withHeaders(h)})

	if list := ok[mcpserver.ListMeetingsResult](t, ro, "list_meetings", map[string]any{"days_back": 3650}); hasMeeting(list.Meetings, m.ID) {
		t.Fatalf("before the switch the default workspace lists the acme meeting: %+v", list.Meetings)
	}
	sw := ok[mcpserver.CurrentWorkspaceResult](t, ro, "switch_workspace", map[string]any{"workspace": "acme"})
	if sw.Workspace.Slug != "acme" || sw.Workspace.Role != "viewer" || sw.Source != "switched" {
		t.Fatalf("switch_workspace with meetings:read = %+v", sw)
	}
	// Reads without a workspace follow the switch, on both transports (one grant).
	for name, cs := range map[string]*mcp.ClientSession{"/mcp": ro, "/sse": sse} {
		if list := ok[mcpserver.ListMeetingsResult](t, cs, "list_meetings", map[string]any{"days_back": 3650}); !hasMeeting(list.Meetings, m.ID) || hasMeeting(list.Meetings, e.teamID) {
			t.Errorf("%s after the switch lists %+v, want the acme meeting only", name, list.Meetings)
		}
		if hits := ok[mcpserver.SearchMeetingsResult](t, cs, "search_meetings", map[string]any{"query": "wombat"}); len(hits.Results) == 0 {
			t.Errorf("%s after the switch: search finds nothing in acme", name)
		}
	}
	// Over SSE the switch is a tool call past the HTTP check: it passes too.
	if back := ok[mcpserver.CurrentWorkspaceResult](t, sse, "switch_workspace", map[string]any{"workspace": "general"}); back.Workspace.Slug != "general" {
		t.Errorf("switching back over SSE = %+v", back)
	}
	if cur := ok[mcpserver.CurrentWorkspaceResult](t, ro, "get_current_workspace", nil); cur.Workspace.Slug != "general" || cur.Source != "switched" {
		t.Errorf("after switching back, current = %+v", cur)
	}

	// A real write tool is still refused: 403 on /mcp, a tool error on SSE.
	resp, body := e.do("POST", "/mcp", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"create_meeting","arguments":{"title":"Sneaky","meeting_date":"2026-03-04"}}}`, h)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
		t.Errorf("create_meeting with meetings:read on /mcp: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	if msg := fails(t, sse, "create_meeting", map[string]any{"title": "Sneaky", "meeting_date": "2026-03-04"}); !strings.Contains(msg, "insufficient_scope") {
		t.Errorf("create_meeting with meetings:read over SSE: %q", msg)
	}
	if all := ok[mcpserver.ListMeetingsResult](t, alice, "list_meetings", map[string]any{"workspace": "all", "days_back": 3650}); slices.ContainsFunc(all.Meetings, func(m mcpserver.MeetingItem) bool { return m.Title == "Sneaky" }) {
		t.Error("a read-only grant created a meeting")
	}

	// The tool still says it writes (it stores the choice).
	tools, err := ro.ListTools(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range tools.Tools {
		if tl.Name == "switch_workspace" && (tl.Annotations == nil || tl.Annotations.ReadOnlyHint || !tl.Annotations.IdempotentHint) {
			t.Errorf("switch_workspace annotations = %+v", tl.Annotations)
		}
	}
}
