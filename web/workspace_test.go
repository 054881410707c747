package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
)

func TestWorkspaceSwitcherAndPages(t *testing.T) {
	e := newEnv(t)
	admin := e.signedIn(e.AdminTok)

	// The org admin creates a workspace on the admin page and makes Priya
	// its chair on its members page; Daniel is not a member.
	if res, body := admin.postCSRF("/admin/workspaces", url.Values{"name": {"Fern Hill"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create workspace: %d\n%.500s", res.StatusCode, body)
	}
	if res, body := admin.postCSRF("/admin/workspaces", url.Values{"name": {"Bad"}, "slug": {"api"}}); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "reserved") {
		t.Errorf("a reserved slug: %d", res.StatusCode)
	}
	_, list := admin.get("/admin/workspaces")
	if !strings.Contains(list, "fern-hill") || !strings.Contains(list, "General") {
		t.Fatalf("workspace list:\n%.1500s", list)
	}
	actx := meetingintel.NewContextWithUser(context.Background(), e.Admin)
	w, err := e.DB.FindWorkspace(actx, "fern-hill")
	if err != nil {
		t.Fatal(err)
	}
	members := "/workspaces/" + strconv.FormatInt(w.ID, 10) + "/members"
	if res, _ := admin.postCSRF(members, url.Values{"email": {e.Priya.Email}, "role": {"chair"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add Priya: %d", res.StatusCode)
	}
	if res, body := admin.postCSRF(members, url.Values{"email": {e.Priya.Email}, "role": {"viewer"}}); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "at least one chair") {
		t.Errorf("demoting the last chair: %d", res.StatusCode)
	}
	daniel := e.signedIn(e.DanielTok)
	if res, _ := daniel.get(members); res.StatusCode != http.StatusNotFound {
		t.Errorf("a non-member's members page: %d, want 404", res.StatusCode)
	}
	if res, _ := daniel.get("/admin/workspaces"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a non-admin's workspace list: %d, want 404", res.StatusCode)
	}

	// Priya switches to Fern Hill: its (empty) meetings, her role's page.
	priya := e.signedIn(e.PriyaTok)
	_, before := priya.get("/meetings")
	if !strings.Contains(before, `action="/workspace"`) {
		t.Fatalf("no switcher for a member of two workspaces:\n%.1500s", before)
	}
	m := &meetingintel.Meeting{Title: "Fern Hill kickoff", Date: time.Now().Add(-time.Hour)}
	if err := e.DB.CreateMeeting(meetingintel.NewContextWithWorkspace(meetingintel.NewContextWithUser(context.Background(), e.Priya), "fern-hill"), m, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(before, "Pricing page redesign") {
		t.Errorf("the default workspace's meetings page lacks a demo meeting:\n%.1500s", before)
	}
	if strings.Contains(before, "Fern Hill kickoff") {
		t.Error("the default workspace lists a Fern Hill meeting")
	}
	if res, _ := priya.postCSRF("/workspace", url.Values{"workspace": {strconv.FormatInt(w.ID, 10)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch: %d", res.StatusCode)
	}
	_, after := priya.get("/meetings")
	if !strings.Contains(after, "Fern Hill kickoff") || strings.Contains(after, e.meetingByTitle("Pricing page redesign").Title) {
		t.Errorf("after the switch the meetings page is not Fern Hill's:\n%.2000s", after)
	}
	res, body := priya.get(members)
	if res.StatusCode != http.StatusOK {
		t.Errorf("a chair's members page: %d", res.StatusCode)
	}
	// From there the chair reaches her workspace's audit trail.
	wantBody(t, "a chair's members page", body, `<a class="btn" href="/admin/audit">Audit trail</a>`)
	// A tool call made in Fern Hill, and one over every workspace.
	for _, ws := range []int64{w.ID, 0} {
		if err := e.DB.RecordAudit(context.Background(), &meetingintel.AuditEntry{UserEmail: e.Priya.Email, Via: "mcp", Client: "pat:9",
			Action: meetingintel.AuditToolCall, Tool: "list_meetings", WorkspaceID: ws, TargetID: "meeting:" + strconv.FormatInt(100+ws, 10)}); err != nil {
			t.Fatal(err)
		}
	}
	res, body = priya.get("/admin/audit?action=mcp.tool")
	wantStatus(t, "the chair's audit page", res, http.StatusOK)
	wantBody(t, "the chair's audit page", body, "<code>list_meetings</code>", "meeting:"+strconv.FormatInt(100+w.ID, 10)+" · fern-hill")
	wantNotBody(t, "the chair's audit page", body, "meeting:100<")
	if res, _ := daniel.postCSRF("/workspace", url.Values{"workspace": {"fern-hill"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("a non-member switching: %d, want 404", res.StatusCode)
	}
	// Reading it by URL as a non-member: not found.
	if res, _ := daniel.get("/meetings/" + strconv.FormatInt(m.ID, 10)); res.StatusCode != http.StatusNotFound {
		t.Errorf("a non-member opening the meeting: %d", res.StatusCode)
	}
}
