package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel"
)

func TestAuditPageFiltersAndPagesForAdminsAndChairsOnly(t *testing.T) {
	e := newEnv(t)
	general, err := e.DB.FindWorkspace(as(e.Admin), "general")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 120; i++ {
		r := &meetingintel.AuditEntry{UserEmail: e.Priya.Email, Via: "mcp", Client: "pat:9", Action: meetingintel.AuditToolCall,
			Tool: "list_meetings", WorkspaceID: general.ID}
		if i%3 == 0 {
			r.UserEmail, r.Client, r.Action, r.Tool, r.TargetType, r.TargetID = e.Daniel.Email, "<evil>", meetingintel.AuditMeetingCreate, "", "meeting", fmt.Sprint(i)
		}
		if err := e.DB.RecordAudit(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	c := e.signedIn(e.AdminTok)
	res, body := c.get("/admin")
	wantStatus(t, "admin page", res, 200)
	wantBody(t, "admin page", body, `href="/admin/audit"`)
	res, body = c.get("/admin/audit")
	wantStatus(t, "audit page", res, 200)
	if n := strings.Count(body, "<tr>") - 1; n != 100 {
		t.Errorf("first page shows %d rows, want 100", n)
	}
	wantBody(t, "audit page", body, "&lt;evil&gt;", "list_meetings", `rel="next"`)
	wantNotBody(t, "audit page", body, "<evil>")
	m := regexpNext.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no next link")
	}
	res, body = c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	wantStatus(t, "second page", res, 200)
	if n := strings.Count(body, "<tr>") - 1; n < 20 { // 120 written, plus the sign-ins
		t.Errorf("second page shows %d rows", n)
	}
	wantBody(t, "second page", body, "First page")

	res, body = c.get("/admin/audit?" + url.Values{"user": {e.Daniel.Email}, "action": {"meeting."}}.Encode())
	wantStatus(t, "filtered", res, 200)
	if n := strings.Count(body, "<tr>") - 1; n != 40 {
		t.Errorf("Daniel's meeting rows: %d, want 40", n)
	}
	wantNotBody(t, "filtered", body, "list_meetings", `rel="next"`)
	res, body = c.get("/admin/audit?since=yesterday")
	wantStatus(t, "a bad since", res, 400)
	wantBody(t, "a bad since", body, "is not a time", `value="yesterday"`)

	// Daniel, a plain member of the only workspace (as every new user; set
	// again here so the test says so), may not read it.
	if _, err := e.DB.SetMember(as(e.Admin), general.ID, e.Daniel.Email, meetingintel.RoleMember); err != nil {
		t.Fatal(err)
	}
	res, _ = e.signedIn(e.DanielTok).get("/admin/audit")
	wantStatus(t, "a member's audit page", res, 403)
	// Priya, made its chair, reads its rows, not the sign-ins (no workspace).
	if _, err := e.DB.SetMember(as(e.Admin), general.ID, e.Priya.Email, meetingintel.RoleChair); err != nil {
		t.Fatal(err)
	}
	res, body = e.signedIn(e.PriyaTok).get("/admin/audit?action=signin")
	wantStatus(t, "a chair's audit page", res, 200)
	wantBody(t, "a chair's audit page", body, "No audit rows match.")
	wantNotBody(t, "a chair's audit page", body, `href="/admin">Users`)
}

var regexpNext = regexp.MustCompile(`<a class="btn" href="([^"]+)" rel="next">`)
