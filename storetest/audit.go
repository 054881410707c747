package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/audit"
)

// RunAudit runs the audit trail's suite: the store's rows, filters, paging,
// retention and who may read them, and the audit decorator over the store
// recording each write exactly once.
func RunAudit(t *testing.T, open func(t *testing.T) meetingintel.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s meetingintel.Store)
	}{
		{"every write through the decorator is one row, refused ones with their code", testAuditWritesOnce},
		{"audit rows filter by user, client, action and time, and page", testAuditFilters},
		{"admins read the whole audit trail, chairs their workspaces' rows, others nothing", testAuditReaders},
		{"old audit rows are swept, newer ones kept", testAuditRetention},
		{"audit rows are bounded and hold no text", testAuditBounded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			seedPeople(t, s)
			tc.fn(t, s)
		})
	}
}

// via returns a context acting as u through an edge and client.
func via(u *meetingintel.User, edge, client string) context.Context {
	return meetingintel.NewContextWithAuditSource(as(u), meetingintel.AuditSource{Via: edge, Client: client})
}

// auditRows returns every row matching f, as root.
func auditRows(t *testing.T, s meetingintel.Store, f meetingintel.AuditFilter) []*meetingintel.AuditEntry {
	t.Helper()
	var out []*meetingintel.AuditEntry
	for {
		page, next, err := s.FindAudit(as(root), f)
		mustNil(t, "FindAudit", err)
		out = append(out, page...)
		if next == "" {
			return out
		}
		f.Cursor = next
	}
}

func testAuditWritesOnce(t *testing.T, raw meetingintel.Store) {
	s := audit.Wrap(raw, nil)
	ctx := via(carol, meetingintel.AuditViaREST, "pat:7")
	m := &meetingintel.Meeting{Title: "Audited", Date: day(3), Visibility: meetingintel.VisibilityPrivate}
	mustNil(t, "create meeting", s.CreateMeeting(ctx, m, segs(2, "secret words")))
	_, err := s.UpdateMeeting(ctx, m.ID, meetingintel.MeetingUpdate{Title: ptr("Audited (2)")})
	mustNil(t, "update meeting", err)
	a := &meetingintel.Action{Text: "Audit me", MeetingID: &m.ID}
	mustNil(t, "create action", s.CreateAction(ctx, a))
	st := meetingintel.StatusComplete
	_, err = s.UpdateAction(ctx, a.ID, meetingintel.ActionUpdate{Status: &st, AppendNote: ptr("done")})
	mustNil(t, "status", err)
	_, err = s.UpdateAction(ctx, a.ID, meetingintel.ActionUpdate{Text: ptr("Audit me again"), Status: &st})
	mustNil(t, "update action", err)
	d := &meetingintel.Decision{MeetingID: m.ID, Text: "Audit decided"}
	mustNil(t, "create decision", s.CreateDecision(ctx, d))
	_, err = s.UpdateDecision(ctx, d.ID, meetingintel.DecisionUpdate{Context: ptr("why")})
	mustNil(t, "update decision", err)
	// bob may not see carol's private meeting: refused, and recorded so.
	_, err = s.UpdateMeeting(via(bob, meetingintel.AuditViaMCP, "client-x"), m.ID, meetingintel.MeetingUpdate{Title: ptr("mine")})
	wantCode(t, "bob's update", err, meetingintel.ENOTFOUND)
	created, err := s.ImportMeeting(ctx, &meetingintel.Meeting{Title: "Imported", Date: day(4), Source: "Teams", SourceMeetingID: "src-1"}, nil)
	mustNil(t, "import", err)
	if !created {
		t.Fatal("the first import did not create")
	}
	_, err = s.ImportMeeting(ctx, &meetingintel.Meeting{Title: "Imported again", Date: day(4), Source: "Teams", SourceMeetingID: "src-1"}, nil)
	mustNil(t, "re-import", err)
	mustNil(t, "delete decision", s.DeleteDecision(ctx, d.ID))
	mustNil(t, "delete action", s.DeleteAction(ctx, a.ID))
	mustNil(t, "delete meeting", s.DeleteMeeting(ctx, m.ID))

	u := &meetingintel.User{Email: "tok@example.com", Name: "Tok", Active: true}
	mustNil(t, "create user", s.CreateUser(context.Background(), u))
	_, tok, err := s.CreateToken(context.Background(), u.ID, "cli")
	mustNil(t, "create token", err)
	mustNil(t, "revoke token", s.RevokeToken(as(root), tok.ID))

	rows := auditRows(t, raw, meetingintel.AuditFilter{})
	type key struct{ action, target, outcome, user string }
	got := map[key]int{}
	for _, r := range rows {
		got[key{r.Action, r.TargetType + ":" + r.TargetID, r.Outcome, r.UserEmail}]++
	}
	mid, aid, did := audit.ID(m.ID), audit.ID(a.ID), audit.ID(d.ID)
	want := map[key]int{
		{meetingintel.AuditMeetingCreate, "meeting:" + mid, "ok", carol.Email}:         1,
		{meetingintel.AuditMeetingUpdate, "meeting:" + mid, "ok", carol.Email}:         1,
		{meetingintel.AuditMeetingUpdate, "meeting:" + mid, "not_found", bob.Email}:    1,
		{meetingintel.AuditMeetingDelete, "meeting:" + mid, "ok", carol.Email}:         1,
		{meetingintel.AuditActionCreate, "action:" + aid, "ok", carol.Email}:           1,
		{meetingintel.AuditActionStatus, "action:" + aid, "ok", carol.Email}:           1,
		{meetingintel.AuditActionUpdate, "action:" + aid, "ok", carol.Email}:           1,
		{meetingintel.AuditActionDelete, "action:" + aid, "ok", carol.Email}:           1,
		{meetingintel.AuditDecisionCreate, "decision:" + did, "ok", carol.Email}:       1,
		{meetingintel.AuditDecisionUpdate, "decision:" + did, "ok", carol.Email}:       1,
		{meetingintel.AuditDecisionDelete, "decision:" + did, "ok", carol.Email}:       1,
		{meetingintel.AuditUserCreate, "user:" + audit.ID(u.ID), "ok", ""}:             1,
		{meetingintel.AuditTokenCreate, "token:" + audit.ID(tok.ID), "ok", u.Email}:    1,
		{meetingintel.AuditTokenRevoke, "token:" + audit.ID(tok.ID), "ok", root.Email}: 1,
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%+v: %d rows, want %d", k, got[k], n)
		}
	}
	var imports []string
	for _, r := range rows {
		if strings.HasPrefix(r.Action, "meeting.") && r.TargetID != mid {
			imports = append(imports, r.Action)
		}
	}
	if strings.Join(imports, " ") != "meeting.update meeting.create" { // newest first
		t.Errorf("imports recorded as %v, want a create then an update", imports)
	}
	if len(rows) != len(want)+2 {
		t.Errorf("%d rows, want %d: %+v", len(rows), len(want)+2, rows)
	}
	for _, r := range rows {
		if r.Action == meetingintel.AuditMeetingCreate && r.TargetID == mid && (r.Via != "rest" || r.Client != "pat:7" || r.UserID != carol.ID) {
			t.Errorf("the create's edge: %+v", r)
		}
		if r.Outcome == "not_found" && (r.Via != "mcp" || r.Client != "client-x") {
			t.Errorf("the refused update's edge: %+v", r)
		}
		if r.At.IsZero() || r.ID == 0 {
			t.Errorf("row without id or time: %+v", r)
		}
		if data := r.TargetType == "meeting" || r.TargetType == "action" || r.TargetType == "decision"; data && r.Outcome == "ok" && (r.WorkspaceID != m.WorkspaceID || r.Workspace == "") {
			t.Errorf("a write without its workspace: %+v (meeting's is %d)", r, m.WorkspaceID)
		}
	}
}

func testAuditFilters(t *testing.T, s meetingintel.Store) {
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 7; i++ {
		e := &meetingintel.AuditEntry{At: base.Add(time.Duration(i) * time.Hour), UserID: carol.ID, UserEmail: "Carol@Example.com",
			Via: "mcp", Client: "c1", Action: meetingintel.AuditToolCall, Tool: "list_meetings"}
		if i%2 == 1 {
			e.UserEmail, e.Client, e.Action, e.Tool = bob.Email, "pat:3", meetingintel.AuditMeetingCreate, ""
		}
		mustNil(t, "RecordAudit", s.RecordAudit(context.Background(), e))
		if e.ID == 0 {
			t.Fatal("RecordAudit set no id")
		}
	}
	count := func(f meetingintel.AuditFilter) int { return len(auditRows(t, s, f)) }
	cases := []struct {
		name string
		f    meetingintel.AuditFilter
		want int
	}{
		{"all", meetingintel.AuditFilter{}, 7},
		{"by user, any letter case", meetingintel.AuditFilter{User: "CAROL@example.com"}, 4},
		{"by client", meetingintel.AuditFilter{Client: "pat:3"}, 3},
		{"by action", meetingintel.AuditFilter{Action: meetingintel.AuditToolCall}, 4},
		{"by family", meetingintel.AuditFilter{Action: "meeting."}, 3},
		{"a family matches no other", meetingintel.AuditFilter{Action: "meet."}, 0},
		{"since", meetingintel.AuditFilter{Since: base.Add(5 * time.Hour)}, 2},
		{"until", meetingintel.AuditFilter{Until: base.Add(2 * time.Hour)}, 2},
		{"since and until and user", meetingintel.AuditFilter{Since: base.Add(time.Hour), Until: base.Add(6 * time.Hour), User: bob.Email}, 3},
		{"paged by two", meetingintel.AuditFilter{Limit: 2}, 7},
	}
	for _, c := range cases {
		if n := count(c.f); n != c.want {
			t.Errorf("%s: %d rows, want %d", c.name, n, c.want)
		}
	}
	page, next, err := s.FindAudit(as(root), meetingintel.AuditFilter{Limit: 3})
	mustNil(t, "first page", err)
	if len(page) != 3 || next == "" || !page[0].At.After(page[2].At) {
		t.Fatalf("first page: %d rows, next %q", len(page), next)
	}
	page2, _, err := s.FindAudit(as(root), meetingintel.AuditFilter{Limit: 3, Cursor: next})
	mustNil(t, "second page", err)
	if len(page2) != 3 || page2[0].ID >= page[2].ID {
		t.Fatalf("second page does not follow the first: %+v", page2)
	}
	if r := page[len(page)-1]; r.UserEmail != "carol@example.com" && r.UserEmail != bob.Email {
		t.Errorf("stored email %q", r.UserEmail)
	}
	_, _, err = s.FindAudit(as(root), meetingintel.AuditFilter{Cursor: "bogus"})
	wantCode(t, "a bad cursor", err, meetingintel.EINVALID)
	_, _, err = s.FindAudit(as(root), meetingintel.AuditFilter{Cursor: next[:len(next)-2] + "zz"})
	if err != nil {
		wantCode(t, "a damaged cursor", err, meetingintel.EINVALID)
	}
	big, _, err := s.FindAudit(as(root), meetingintel.AuditFilter{Limit: 1_000_000})
	mustNil(t, "a huge limit", err)
	if len(big) != 7 {
		t.Errorf("a huge limit: %d rows", len(big))
	}
}

func testAuditReaders(t *testing.T, s meetingintel.Store) {
	// carol and bob are plain members of the default workspace, as every
	// new non-admin user (set again here so the test says so), alice a
	// viewer.
	def, err := s.FindWorkspace(as(root), "general")
	mustNil(t, "the default workspace", err)
	for _, m := range []struct {
		u    *meetingintel.User
		role meetingintel.Role
	}{{carol, meetingintel.RoleMember}, {bob, meetingintel.RoleMember}, {alice, meetingintel.RoleViewer}} {
		_, err := s.SetMember(as(root), def.ID, m.u.Email, m.role)
		mustNil(t, "SetMember", err)
	}
	mustNil(t, "RecordAudit", s.RecordAudit(context.Background(), &meetingintel.AuditEntry{Action: meetingintel.AuditSignIn, UserEmail: carol.Email}))
	_, _, err = s.FindAudit(as(carol), meetingintel.AuditFilter{})
	wantCode(t, "a member reading the trail", err, meetingintel.EFORBIDDEN)
	_, _, err = s.FindAudit(as(carol), meetingintel.AuditFilter{User: carol.Email})
	wantCode(t, "a member reading their own rows", err, meetingintel.EFORBIDDEN)
	_, _, err = s.FindAudit(context.Background(), meetingintel.AuditFilter{})
	wantCode(t, "nobody reading the trail", err, meetingintel.EUNAUTHORIZED)
	rows, _, err := s.FindAudit(as(root), meetingintel.AuditFilter{})
	mustNil(t, "an admin reading the trail", err)
	if len(rows) != 1 {
		t.Errorf("admin sees %d rows", len(rows))
	}

	// alice chairs a workspace of her own: she reads its rows, no others.
	w := &meetingintel.Workspace{Name: "Client Alpha", Slug: "client-alpha"}
	mustNil(t, "CreateWorkspace", s.CreateWorkspace(as(root), w))
	_, err = s.SetMember(as(root), w.ID, alice.Email, meetingintel.RoleChair)
	mustNil(t, "SetMember", err)
	for _, ws := range []int64{w.ID, w.ID, 0, def.ID} {
		mustNil(t, "RecordAudit", s.RecordAudit(context.Background(), &meetingintel.AuditEntry{Action: meetingintel.AuditMeetingCreate, WorkspaceID: ws}))
	}
	rows, _, err = s.FindAudit(as(alice), meetingintel.AuditFilter{})
	mustNil(t, "a chair reading the trail", err)
	if len(rows) != 2 {
		t.Fatalf("the chair sees %d rows, want her workspace's 2", len(rows))
	}
	for _, r := range rows {
		if r.WorkspaceID != w.ID || r.Workspace != "client-alpha" {
			t.Errorf("the chair sees %+v", r)
		}
	}
	_, _, err = s.FindAudit(as(bob), meetingintel.AuditFilter{})
	wantCode(t, "a member of the default workspace", err, meetingintel.EFORBIDDEN)
	_, _, err = s.FindAudit(as(root), meetingintel.AuditFilter{})
	mustNil(t, "the admin after demoting the chairs", err)
	if rows := auditRows(t, s, meetingintel.AuditFilter{}); len(rows) != 5 {
		t.Errorf("the admin sees %d rows, want 5", len(rows))
	}
}

func testAuditRetention(t *testing.T, s meetingintel.Store) {
	now := time.Now().UTC()
	for _, age := range []time.Duration{400 * 24 * time.Hour, 366 * 24 * time.Hour, 364 * 24 * time.Hour, time.Minute} {
		mustNil(t, "RecordAudit", s.RecordAudit(context.Background(), &meetingintel.AuditEntry{At: now.Add(-age), Action: meetingintel.AuditSignIn}))
	}
	n, err := s.DeleteAuditBefore(context.Background(), now.AddDate(0, 0, -365))
	mustNil(t, "DeleteAuditBefore", err)
	if n != 2 {
		t.Errorf("swept %d rows, want 2", n)
	}
	if rows := auditRows(t, s, meetingintel.AuditFilter{}); len(rows) != 2 {
		t.Errorf("%d rows left, want 2", len(rows))
	}
}

func testAuditBounded(t *testing.T, s meetingintel.Store) {
	long := strings.Repeat("x", 5000)
	e := &meetingintel.AuditEntry{Action: meetingintel.AuditToolCall, Client: long, Tool: long, TargetID: long}
	mustNil(t, "RecordAudit", s.RecordAudit(context.Background(), e))
	rows := auditRows(t, s, meetingintel.AuditFilter{})
	if len(rows) != 1 || len(rows[0].Client) != meetingintel.MaxAuditField || len(rows[0].TargetID) != meetingintel.MaxAuditField || rows[0].Outcome != "ok" {
		t.Errorf("a long row is stored as %d/%d chars, outcome %q", len(rows[0].Client), len(rows[0].TargetID), rows[0].Outcome)
	}
	if ToolTargets := audit.ToolTargets(map[string]any{"meeting_id": float64(12), "action_id": "mi_pat_abcdefghijklmnop", "decision_id": "7",
		"id": "select * from users", "query": "secret"}); ToolTargets != "meeting:12,decision:7" {
		t.Errorf("tool targets %q", ToolTargets)
	}
}
