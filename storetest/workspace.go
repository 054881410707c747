package storetest

import (
	"context"
	"strconv"
	"testing"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/audit"
)

// in returns a context acting as u in workspace ref.
func in(u *meetingintel.User, ref string) context.Context {
	return meetingintel.NewContextWithWorkspace(as(u), ref)
}

// acme makes the workspace "Acme Corp" (slug acme) as the org admin root,
// who is not its member, with carol as chair, alice as member and bob as
// viewer; dave is a user of the default workspace only.
func acme(t *testing.T, s meetingintel.Store) (*meetingintel.Workspace, *meetingintel.User) {
	t.Helper()
	w := &meetingintel.Workspace{Name: "Acme Corp", Slug: "acme"}
	mustNil(t, "CreateWorkspace", s.CreateWorkspace(as(root), w))
	for _, m := range []struct {
		u    *meetingintel.User
		role meetingintel.Role
	}{{carol, meetingintel.RoleChair}, {alice, meetingintel.RoleMember}, {bob, meetingintel.RoleViewer}} {
		if _, err := s.SetMember(as(root), w.ID, m.u.Email, m.role); err != nil {
			t.Fatalf("SetMember(%s, %s): %v", m.u.Email, m.role, err)
		}
	}
	dave := &meetingintel.User{Email: "dave@example.com", Name: "Dave", Active: true}
	mustNil(t, "CreateUser dave", s.CreateUser(context.Background(), dave))
	return w, dave
}

func testWorkspaceAdmin(t *testing.T, s meetingintel.Store) {
	wantCode(t, "a non-admin creating a workspace", s.CreateWorkspace(as(carol), &meetingintel.Workspace{Name: "Mine"}), meetingintel.EFORBIDDEN)
	for _, slug := range []string{"api", "default", "mcp", "all", "a", "-x-", "Has Space", "42"} {
		wantCode(t, "slug "+strconv.Quote(slug), s.CreateWorkspace(as(root), &meetingintel.Workspace{Name: "N " + slug, Slug: slug}), meetingintel.EINVALID)
	}
	w, _ := acme(t, s)
	if w.ID == 0 || w.Slug != "acme" || w.Archived() {
		t.Fatalf("CreateWorkspace = %+v", w)
	}
	wantCode(t, "a second workspace with the same name in another case",
		s.CreateWorkspace(as(root), &meetingintel.Workspace{Name: "ACME CORP", Slug: "acme-2"}), meetingintel.ECONFLICT)
	wantCode(t, "a second workspace with the same slug",
		s.CreateWorkspace(as(root), &meetingintel.Workspace{Name: "Other", Slug: "acme"}), meetingintel.ECONFLICT)
	derived := &meetingintel.Workspace{Name: "Fern Hill — Client"}
	mustNil(t, "CreateWorkspace with a derived slug", s.CreateWorkspace(as(root), derived))
	if derived.Slug != "fern-hill-client" {
		t.Errorf("derived slug = %q, want fern-hill-client", derived.Slug)
	}

	// Members list their workspaces with their role; the org admin lists
	// all of them, with no role where not a member.
	ws, err := s.FindWorkspaces(as(bob))
	mustNil(t, "FindWorkspaces", err)
	roles := map[string]meetingintel.Role{}
	for _, w := range ws {
		roles[w.Slug] = w.Role
	}
	if len(ws) != 2 || roles["general"] != meetingintel.RoleMember || roles["acme"] != meetingintel.RoleViewer {
		t.Errorf("bob's workspaces = %v, want general (member, as every new non-admin user) and acme (viewer)", roles)
	}
	ws, err = s.FindWorkspaces(as(root))
	mustNil(t, "FindWorkspaces as org admin", err)
	if len(ws) != 3 || ws[1].Slug != "acme" || ws[1].Role != "" {
		t.Errorf("root's workspaces = %+v, want all three, acme without a role", ws)
	}
	for _, ref := range []string{"acme", "ACME", "acme corp", strconv.FormatInt(w.ID, 10)} {
		if got, err := s.FindWorkspace(as(alice), ref); err != nil || got.ID != w.ID {
			t.Errorf("FindWorkspace(%q) = %+v, %v", ref, got, err)
		}
	}
	_, err = s.FindWorkspace(as(carol), "fern-hill-client")
	wantCode(t, "FindWorkspace of a workspace one is not a member of", err, meetingintel.ENOTFOUND)

	// Members are managed by chairs and org admins only.
	_, err = s.SetMember(as(alice), w.ID, "dave@example.com", meetingintel.RoleViewer)
	wantCode(t, "a member adding a member", err, meetingintel.EFORBIDDEN)
	_, err = s.FindMembers(as(bob), w.ID)
	wantCode(t, "a viewer listing members", err, meetingintel.EFORBIDDEN)
	_, err = s.FindMembers(as(carol), derived.ID)
	wantCode(t, "a non-member listing members", err, meetingintel.ENOTFOUND)
	_, err = s.SetMember(as(carol), w.ID, "nobody@example.com", meetingintel.RoleViewer)
	wantCode(t, "adding an unknown email", err, meetingintel.ENOTFOUND)
	_, err = s.SetMember(as(carol), w.ID, "dave@example.com", "owner")
	wantCode(t, "an unknown role", err, meetingintel.EINVALID)
	m, err := s.SetMember(as(carol), w.ID, "DAVE@example.com", meetingintel.RoleViewer)
	mustNil(t, "a chair adding a viewer", err)
	members, err := s.FindMembers(as(carol), w.ID)
	mustNil(t, "FindMembers", err)
	if len(members) != 4 || members[3].Email != "dave@example.com" || members[3].Role != meetingintel.RoleViewer || m.UserID != members[3].UserID {
		t.Errorf("members = %+v", members)
	}
	mustNil(t, "RemoveMember", s.RemoveMember(as(carol), w.ID, m.UserID))

	// The last chair stays.
	_, err = s.SetMember(as(carol), w.ID, carol.Email, meetingintel.RoleMember)
	wantCode(t, "demoting the last chair", err, meetingintel.ECONFLICT)
	wantCode(t, "removing the last chair", s.RemoveMember(as(root), w.ID, carol.ID), meetingintel.ECONFLICT)
	_, err = s.SetMember(as(carol), w.ID, alice.Email, meetingintel.RoleChair)
	mustNil(t, "making a second chair", err)
	_, err = s.SetMember(as(alice), w.ID, carol.Email, meetingintel.RoleViewer)
	mustNil(t, "demoting a chair who is not the last", err)
	wantCode(t, "removing the last chair again", s.RemoveMember(as(alice), w.ID, alice.ID), meetingintel.ECONFLICT)

	// Archiving is the org admin's, and not for the default workspace.
	wantCode(t, "a chair archiving", s.SetWorkspaceArchived(as(alice), w.ID, true), meetingintel.EFORBIDDEN)
	wantCode(t, "archiving the default workspace", s.SetWorkspaceArchived(as(root), ws[0].ID, true), meetingintel.ECONFLICT)
	wantCode(t, "archiving nothing", s.SetWorkspaceArchived(as(root), w.ID+1000, true), meetingintel.ENOTFOUND)
}

func testWorkspaceRoles(t *testing.T, s meetingintel.Store) {
	w, _ := acme(t, s)
	const ws = "acme"
	m := &meetingintel.Meeting{Title: "Acme kickoff", Date: day(3)}
	mustNil(t, "a chair creating in acme", s.CreateMeeting(in(carol, ws), m, segs(2, "zebra kickoff")))
	if m.WorkspaceID != w.ID {
		t.Fatalf("meeting workspace = %d, want %d", m.WorkspaceID, w.ID)
	}
	act := &meetingintel.Action{MeetingID: &m.ID, Text: "Zebra budget"}
	mustNil(t, "CreateAction", s.CreateAction(in(carol, ws), act))
	dec := &meetingintel.Decision{MeetingID: m.ID, Text: "Zebra approved"}
	mustNil(t, "CreateDecision", s.CreateDecision(in(carol, ws), dec))
	if act.WorkspaceID != w.ID || dec.WorkspaceID != w.ID {
		t.Errorf("action and decision workspaces = %d, %d, want %d", act.WorkspaceID, dec.WorkspaceID, w.ID)
	}

	// A viewer reads and writes nothing.
	v := in(bob, ws)
	if _, err := s.FindMeetingByID(v, m.ID); err != nil {
		t.Errorf("a viewer cannot read: %v", err)
	}
	wantCode(t, "a viewer creating a meeting", s.CreateMeeting(v, &meetingintel.Meeting{Title: "x", Date: day(4)}, nil), meetingintel.EFORBIDDEN)
	wantCode(t, "a viewer creating an action", s.CreateAction(v, &meetingintel.Action{Text: "x"}), meetingintel.EFORBIDDEN)
	wantCode(t, "a viewer creating a linked action", s.CreateAction(v, &meetingintel.Action{MeetingID: &m.ID, Text: "x"}), meetingintel.EFORBIDDEN)
	wantCode(t, "a viewer creating a decision", s.CreateDecision(v, &meetingintel.Decision{MeetingID: m.ID, Text: "x"}), meetingintel.EFORBIDDEN)
	_, err := s.UpdateMeeting(v, m.ID, meetingintel.MeetingUpdate{Title: ptr("pwned")})
	wantCode(t, "a viewer editing a meeting", err, meetingintel.EFORBIDDEN)
	_, err = s.UpdateAction(v, act.ID, meetingintel.ActionUpdate{Status: ptr(meetingintel.StatusComplete)})
	wantCode(t, "a viewer completing an action", err, meetingintel.EFORBIDDEN)
	wantCode(t, "a viewer deleting a decision", s.DeleteDecision(v, dec.ID), meetingintel.EFORBIDDEN)
	wantCode(t, "a viewer deleting a meeting", s.DeleteMeeting(v, m.ID), meetingintel.EFORBIDDEN)

	// A member creates, edits their own, changes any action's status.
	mm := in(alice, ws)
	mine := &meetingintel.Meeting{Title: "Alice's notes", Date: day(5)}
	mustNil(t, "a member creating", s.CreateMeeting(mm, mine, nil))
	_, err = s.UpdateMeeting(mm, mine.ID, meetingintel.MeetingUpdate{Title: ptr("Alice's notes, edited")})
	mustNil(t, "a member editing their own meeting", err)
	_, err = s.UpdateMeeting(mm, m.ID, meetingintel.MeetingUpdate{Title: ptr("pwned")})
	wantCode(t, "a member editing another's meeting", err, meetingintel.EFORBIDDEN)
	wantCode(t, "a member deleting another's meeting", s.DeleteMeeting(mm, m.ID), meetingintel.EFORBIDDEN)
	_, err = s.UpdateAction(mm, act.ID, meetingintel.ActionUpdate{Text: ptr("pwned")})
	wantCode(t, "a member editing another's action", err, meetingintel.EFORBIDDEN)
	wantCode(t, "a member deleting another's action", s.DeleteAction(mm, act.ID), meetingintel.EFORBIDDEN)
	_, err = s.UpdateDecision(mm, dec.ID, meetingintel.DecisionUpdate{Text: ptr("pwned")})
	wantCode(t, "a member editing another's decision", err, meetingintel.EFORBIDDEN)
	done, err := s.UpdateAction(mm, act.ID, meetingintel.ActionUpdate{Status: ptr(meetingintel.StatusComplete), AppendNote: ptr("done")})
	mustNil(t, "a member completing another's action", err)
	if done.Status != meetingintel.StatusComplete || done.Text != "Zebra budget" {
		t.Errorf("completed action = %+v", done)
	}
	mine2 := &meetingintel.Decision{MeetingID: m.ID, Text: "Alice decides"}
	mustNil(t, "a member deciding on another's meeting", s.CreateDecision(mm, mine2))
	mustNil(t, "a member deleting their own decision", s.DeleteDecision(mm, mine2.ID))
	if got, _ := s.FindMeetingByID(as(carol), m.ID); got.Title != "Acme kickoff" {
		t.Errorf("refused edits changed the meeting: %+v", got)
	}

	// A chair edits and deletes anything in the workspace.
	_, err = s.UpdateMeeting(in(carol, ws), mine.ID, meetingintel.MeetingUpdate{Summary: ptr("Reviewed by the chair.")})
	mustNil(t, "a chair editing a member's meeting", err)
	mustNil(t, "a chair deleting a member's meeting", s.DeleteMeeting(in(carol, ws), mine.ID))

	// Archived: read-only for everyone, chairs included.
	mustNil(t, "archive", s.SetWorkspaceArchived(as(root), w.ID, true))
	wantCode(t, "creating in an archived workspace", s.CreateMeeting(in(carol, ws), &meetingintel.Meeting{Title: "x", Date: day(6)}, nil), meetingintel.EFORBIDDEN)
	_, err = s.UpdateMeeting(in(carol, ws), m.ID, meetingintel.MeetingUpdate{Title: ptr("x")})
	wantCode(t, "editing in an archived workspace", err, meetingintel.EFORBIDDEN)
	_, err = s.UpdateAction(in(alice, ws), act.ID, meetingintel.ActionUpdate{Status: ptr(meetingintel.StatusOpen)})
	wantCode(t, "reopening in an archived workspace", err, meetingintel.EFORBIDDEN)
	wantCode(t, "deleting in an archived workspace", s.DeleteDecision(in(carol, ws), dec.ID), meetingintel.EFORBIDDEN)
	if _, err := s.FindMeetingByID(in(carol, ws), m.ID); err != nil {
		t.Errorf("an archived workspace cannot be read: %v", err)
	}
	mustNil(t, "restore", s.SetWorkspaceArchived(as(root), w.ID, false))
	_, err = s.UpdateMeeting(in(carol, ws), m.ID, meetingintel.MeetingUpdate{Summary: ptr("Back.")})
	mustNil(t, "editing a restored workspace", err)
}

func testWorkspaceIsolation(t *testing.T, s meetingintel.Store) {
	_, dave := acme(t, s)
	m := &meetingintel.Meeting{Title: "Acme zebra review", Date: day(3)}
	mustNil(t, "CreateMeeting in acme", s.CreateMeeting(in(carol, "acme"), m, segs(2, "zebra crossing")))
	act := &meetingintel.Action{MeetingID: &m.ID, Text: "Zebra paperwork"}
	mustNil(t, "CreateAction", s.CreateAction(in(carol, "acme"), act))
	loose := &meetingintel.Action{Text: "Unlinked zebra follow-up"}
	mustNil(t, "CreateAction unlinked", s.CreateAction(in(carol, "acme"), loose))
	dec := &meetingintel.Decision{MeetingID: m.ID, Text: "Zebra decision"}
	mustNil(t, "CreateDecision", s.CreateDecision(in(carol, "acme"), dec))
	gen := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "General zebra", Date: day(4)}, segs(1, "zebra general"))
	priv := &meetingintel.Meeting{Title: "Acme private zebra", Date: day(5), Visibility: meetingintel.VisibilityPrivate}
	mustNil(t, "CreateMeeting private in acme", s.CreateMeeting(in(carol, "acme"), priv, segs(1, "zebra secret")))

	// A non-member (dave) and the org admin who is not a member (root)
	// find nothing of acme: by id, by list, by search, in any workspace.
	for _, u := range []*meetingintel.User{dave, root} {
		ctx := as(u)
		_, err := s.FindMeetingByID(ctx, m.ID)
		wantCode(t, u.Email+" reading an acme meeting by id", err, meetingintel.ENOTFOUND)
		_, _, err = s.FindSegments(ctx, m.ID, meetingintel.SegmentFilter{})
		wantCode(t, u.Email+" reading an acme transcript", err, meetingintel.ENOTFOUND)
		_, err = s.FindActionByID(ctx, act.ID)
		wantCode(t, u.Email+" reading an acme action", err, meetingintel.ENOTFOUND)
		_, err = s.FindActionByID(ctx, loose.ID)
		wantCode(t, u.Email+" reading an unlinked acme action", err, meetingintel.ENOTFOUND)
		_, err = s.FindDecisionByID(ctx, dec.ID)
		wantCode(t, u.Email+" reading an acme decision", err, meetingintel.ENOTFOUND)
		_, err = s.UpdateMeeting(ctx, m.ID, meetingintel.MeetingUpdate{Title: ptr("pwned")})
		wantCode(t, u.Email+" editing an acme meeting", err, meetingintel.ENOTFOUND)
		_, _, err = s.FindMeetings(in(u, "acme"), meetingintel.MeetingFilter{})
		wantCode(t, u.Email+" choosing acme", err, meetingintel.ENOTFOUND)
		for _, ref := range []string{"", meetingintel.AllWorkspaces} {
			ms, _, err := s.FindMeetings(in(u, ref), meetingintel.MeetingFilter{})
			mustNil(t, "FindMeetings", err)
			for _, got := range ms {
				if got.WorkspaceID != gen.WorkspaceID {
					t.Errorf("%s listing %q sees %q of workspace %d", u.Email, ref, got.Title, got.WorkspaceID)
				}
			}
			hits, err := s.Search(in(u, ref), meetingintel.SearchQuery{Query: "zebra"})
			mustNil(t, "Search", err)
			for _, h := range hits {
				if h.MeetingID != gen.ID {
					t.Errorf("%s searching %q finds %+v", u.Email, ref, h)
				}
			}
			acts, _, err := s.FindActions(in(u, ref), meetingintel.ActionFilter{})
			mustNil(t, "FindActions", err)
			if len(acts) != 0 {
				t.Errorf("%s listing actions %q sees %+v", u.Email, ref, acts)
			}
			ds, _, err := s.FindDecisions(in(u, ref), meetingintel.DecisionFilter{})
			mustNil(t, "FindDecisions", err)
			if len(ds) != 0 {
				t.Errorf("%s listing decisions %q sees %+v", u.Email, ref, ds)
			}
			owners, err := s.FindActionOwners(in(u, ref))
			mustNil(t, "FindActionOwners", err)
			if len(owners) != 0 {
				t.Errorf("%s sees owners %v", u.Email, owners)
			}
		}
	}

	// Lists and search span the chosen workspace; "all" spans every one.
	spans := []struct {
		ref   string
		want  map[int64]bool
		hits  map[int64]bool
		loose bool
	}{
		{"", map[int64]bool{gen.ID: true}, map[int64]bool{gen.ID: true}, false},
		{"acme", map[int64]bool{m.ID: true, priv.ID: true}, map[int64]bool{m.ID: true, priv.ID: true}, true},
		{"Acme Corp", map[int64]bool{m.ID: true, priv.ID: true}, map[int64]bool{m.ID: true, priv.ID: true}, true},
		{"ALL", map[int64]bool{gen.ID: true, m.ID: true, priv.ID: true}, map[int64]bool{gen.ID: true, m.ID: true, priv.ID: true}, true},
	}
	for _, sp := range spans {
		ms, _, err := s.FindMeetings(in(carol, sp.ref), meetingintel.MeetingFilter{})
		mustNil(t, "FindMeetings "+sp.ref, err)
		got := map[int64]bool{}
		for _, x := range ms {
			got[x.ID] = true
		}
		if len(got) != len(sp.want) {
			t.Errorf("carol listing %q: %v, want %v", sp.ref, got, sp.want)
		}
		hits, err := s.Search(in(carol, sp.ref), meetingintel.SearchQuery{Query: "zebra"})
		mustNil(t, "Search "+sp.ref, err)
		sawLoose := false
		for _, h := range hits {
			if h.MeetingID == 0 && h.ActionID == loose.ID {
				sawLoose = true
			} else if !sp.hits[h.MeetingID] {
				t.Errorf("carol searching %q finds %+v", sp.ref, h)
			}
		}
		if sawLoose != sp.loose {
			t.Errorf("carol searching %q: unlinked acme action found = %v, want %v", sp.ref, sawLoose, sp.loose)
		}
	}
	wantCode(t, "creating into all", s.CreateMeeting(in(carol, meetingintel.AllWorkspaces), &meetingintel.Meeting{Title: "x", Date: day(6)}, nil), meetingintel.EINVALID)

	// Private stays private inside a workspace: alice (a member, not an
	// attendee) does not see carol's private acme meeting.
	_, err := s.FindMeetingByID(in(alice, "acme"), priv.ID)
	wantCode(t, "a member reading another's private meeting", err, meetingintel.ENOTFOUND)
	hits, err := s.Search(in(alice, "acme"), meetingintel.SearchQuery{Query: "secret"})
	mustNil(t, "Search", err)
	if len(hits) != 0 {
		t.Errorf("alice finds the private meeting: %+v", hits)
	}

	// A user's default workspace is the one used when none is chosen.
	mustNil(t, "SetDefaultWorkspace", s.SetDefaultWorkspace(as(carol), m.WorkspaceID))
	ms, _, err := s.FindMeetings(as(carol), meetingintel.MeetingFilter{})
	mustNil(t, "FindMeetings in the default", err)
	if len(ms) != 2 {
		t.Errorf("carol's default now acme: %d meetings, want 2", len(ms))
	}
	wantCode(t, "a default one is not a member of", s.SetDefaultWorkspace(as(dave), m.WorkspaceID), meetingintel.ENOTFOUND)
}

func testWorkspaceAudit(t *testing.T, raw meetingintel.Store) {
	s := audit.Wrap(raw, nil)
	w := &meetingintel.Workspace{Name: "Audited Co"}
	mustNil(t, "CreateWorkspace", s.CreateWorkspace(as(root), w))
	_, err := s.SetMember(as(root), w.ID, carol.Email, meetingintel.RoleChair)
	mustNil(t, "SetMember", err)
	_, err = s.SetMember(as(alice), w.ID, bob.Email, meetingintel.RoleViewer)
	wantCode(t, "a non-member adding a member", err, meetingintel.ENOTFOUND)
	_, err = s.SetMember(as(carol), w.ID, bob.Email, meetingintel.RoleViewer)
	mustNil(t, "SetMember by the chair", err)
	mustNil(t, "RemoveMember", s.RemoveMember(as(carol), w.ID, bob.ID))
	mustNil(t, "archive", s.SetWorkspaceArchived(as(root), w.ID, true))
	want := map[string][]string{
		meetingintel.AuditWorkspaceCreate:  {meetingintel.AuditOK},
		meetingintel.AuditMemberSet:        {meetingintel.AuditOK, meetingintel.ENOTFOUND, meetingintel.AuditOK},
		meetingintel.AuditMemberRemove:     {meetingintel.AuditOK},
		meetingintel.AuditWorkspaceArchive: {meetingintel.AuditOK},
	}
	for action, outcomes := range want {
		rows := auditRows(t, raw, meetingintel.AuditFilter{Action: action})
		if len(rows) != len(outcomes) {
			t.Errorf("%s: %d rows, want %d", action, len(rows), len(outcomes))
			continue
		}
		got := map[string]int{}
		for _, r := range rows {
			got[r.Outcome]++
			if r.TargetID != strconv.FormatInt(w.ID, 10) {
				t.Errorf("%s row targets %q, want the workspace %d", action, r.TargetID, w.ID)
			}
		}
		for _, o := range outcomes {
			got[o]--
		}
		for o, n := range got {
			if n != 0 {
				t.Errorf("%s: outcome %s off by %d", action, o, n)
			}
		}
	}
}

func testWorkspaceImports(t *testing.T, s meetingintel.Store) {
	acme(t, s)
	// The same source meeting id in two workspaces is two meetings (the
	// replaced system's exports reuse ids across its per-workspace
	// databases); a re-import updates the one of its own workspace.
	imp := func(ref, title string) (*meetingintel.Meeting, bool) {
		t.Helper()
		m := &meetingintel.Meeting{Title: title, Date: day(3), Source: "Legacy", SourceMeetingID: "legacy:1"}
		created, err := s.ImportMeeting(in(carol, ref), m, segs(1, title))
		mustNil(t, "ImportMeeting into "+ref, err)
		return m, created
	}
	gen, created := imp("general", "General one")
	if !created {
		t.Fatal("the first import did not create")
	}
	ac, created := imp("acme", "Acme one")
	if !created || ac.ID == gen.ID || ac.WorkspaceID == gen.WorkspaceID {
		t.Fatalf("importing the same source id into acme: created %v, %+v vs %+v", created, ac, gen)
	}
	again, created := imp("acme", "Acme one, again")
	if created || again.ID != ac.ID {
		t.Errorf("re-importing into acme: created %v, id %d, want %d", created, again.ID, ac.ID)
	}
	if got, _ := s.FindMeetingByID(as(carol), gen.ID); got == nil || got.Title != "General one" {
		t.Errorf("the acme re-import touched the general meeting: %+v", got)
	}
	_, err := s.ImportMeeting(in(carol, meetingintel.AllWorkspaces), &meetingintel.Meeting{Title: "x", Date: day(3), Source: "Legacy", SourceMeetingID: "legacy:2"}, nil)
	wantCode(t, "importing into all", err, meetingintel.EINVALID)
	_, err = s.ImportMeeting(in(bob, "acme"), &meetingintel.Meeting{Title: "x", Date: day(3), Source: "Legacy", SourceMeetingID: "legacy:1"}, nil)
	wantCode(t, "a viewer re-importing", err, meetingintel.EFORBIDDEN)
}

// testDefaultJoinRole: however a user is created (CLI, single sign-on, the
// admin UI all call CreateUser), a non-admin joins General as a member, who
// creates and edits their own but not a colleague's meeting, and an org
// admin as its chair, who edits anything there.
func testDefaultJoinRole(t *testing.T, s meetingintel.Store) {
	erin := &meetingintel.User{Email: "erin@example.com", Name: "Erin", Active: true}
	mustNil(t, "CreateUser erin", s.CreateUser(context.Background(), erin))
	opal := &meetingintel.User{Email: "opal@example.com", Name: "Opal", Admin: true, Active: true}
	mustNil(t, "CreateUser opal", s.CreateUser(context.Background(), opal))
	def, err := s.FindWorkspace(as(root), "general")
	mustNil(t, "the default workspace", err)
	members, err := s.FindMembers(as(root), def.ID)
	mustNil(t, "FindMembers", err)
	roles := map[string]meetingintel.Role{}
	for _, m := range members {
		roles[m.Email] = m.Role
	}
	if roles[erin.Email] != meetingintel.RoleMember || roles[opal.Email] != meetingintel.RoleChair {
		t.Errorf("General's roles = %v, want erin member and opal chair", roles)
	}

	theirs := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Carol's", Date: day(3)}, segs(1, "x"))
	own := mustCreate(t, s, erin, &meetingintel.Meeting{Title: "Erin's", Date: day(4)}, nil)
	_, err = s.UpdateMeeting(as(erin), own.ID, meetingintel.MeetingUpdate{Title: ptr("Erin's, edited")})
	mustNil(t, "a new member editing their own meeting", err)
	_, err = s.UpdateMeeting(as(erin), theirs.ID, meetingintel.MeetingUpdate{Title: ptr("pwned")})
	wantCode(t, "a new member editing another's meeting", err, meetingintel.EFORBIDDEN)
	wantCode(t, "a new member deleting another's meeting", s.DeleteMeeting(as(erin), theirs.ID), meetingintel.EFORBIDDEN)
	if got, err := s.FindMeetingByID(as(erin), theirs.ID); err != nil || got.Title != "Carol's" {
		t.Errorf("after erin's refused edit: %+v, %v", got, err)
	}
	got, err := s.UpdateMeeting(as(opal), theirs.ID, meetingintel.MeetingUpdate{Title: ptr("Carol's, by the chair")})
	mustNil(t, "a new org admin, General's chair, editing another's meeting", err)
	if got.Title != "Carol's, by the chair" || got.UpdatedBy != opal.Email {
		t.Errorf("the chair's edit = %+v", got)
	}
	mustNil(t, "the chair deleting another's meeting", s.DeleteMeeting(as(opal), theirs.ID))
}

// testWorkspaceNote: the store reports, through the context's note, the
// workspace a call's choice resolved to (what an MCP tool call's audit row
// names), and none for AllWorkspaces or a workspace the actor is not in.
func testWorkspaceNote(t *testing.T, s meetingintel.Store) {
	w, _ := acme(t, s)
	def, err := s.FindWorkspace(as(root), "general")
	mustNil(t, "FindWorkspace general", err)
	for _, c := range []struct {
		ref  string
		want int64
	}{{"acme", w.ID}, {"ACME CORP", w.ID}, {strconv.FormatInt(w.ID, 10), w.ID}, {"", def.ID}, {"general", def.ID}, {meetingintel.AllWorkspaces, 0}, {"nowhere", 0}} {
		ctx, note := meetingintel.NewContextWithWorkspaceNote(in(alice, c.ref))
		_, _, _ = s.FindMeetings(ctx, meetingintel.MeetingFilter{}) // refused for "nowhere"
		if note.ID() != c.want {
			t.Errorf("FindMeetings in %q noted workspace %d, want %d", c.ref, note.ID(), c.want)
		}
	}
	// Without a note nothing is recorded anywhere, and nothing breaks.
	if _, _, err := s.FindMeetings(in(alice, "acme"), meetingintel.MeetingFilter{}); err != nil {
		t.Errorf("FindMeetings without a note: %v", err)
	}
}
