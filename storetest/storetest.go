// Package storetest is the test suite every meetingintel.Store must pass.
// The sqlite and postgres packages run it against a real database, so the
// two stores behave the same way down to error codes and paging.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
)

// Run runs the whole suite; open returns a fresh, empty, migrated store for
// each subtest (and arranges its closing with t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) meetingintel.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s meetingintel.Store)
	}{
		{"a meeting round-trips with normalised fields and audit", testMeetingRoundTrip},
		{"updating a meeting changes only the given fields and may replace the transcript", testMeetingUpdate},
		{"deleting a meeting removes its transcript and decisions and unlinks its actions", testMeetingDelete},
		{"meetings list newest first with cursors and filters", testFindMeetings},
		{"transcripts page in order with cursors and filters", testFindSegments},
		{"talk time sums per speaker, longest first", testTalkTime},
		{"import upserts by source meeting id", testImport},
		{"nothing is stored half when a write fails", testTransactions},
		{"a private meeting is visible to attendees, its creator and admins only", testVisibility},
		{"no actor is unauthorized everywhere", testNoActor},
		{"actions are created, listed by due date, updated and deleted", testActions},
		{"decisions are created, listed newest meeting first and deleted", testDecisions},
		{"action owners list once each, from visible actions only", testActionOwners},
		{"a decision's text and context are edited, search following, never half or out of sight", testDecisionUpdate},
		{"search ranks, filters and marks snippets", testSearch},
		{"search refuses queries with no meaningful word and survives query syntax", testSearchInput},
		{"search keeps up with writes", testSearchMaintained},
		{"segment hits carry the lines around them, bounded", testSearchContext},
		{"search ranks a passage that holds the whole question first", testSearchPassage},
		{"search spreads its hits over the places of a meeting", testSearchSpread},
		{"search by kind returns only actions or only decisions, visible ones", testSearchKind},
		{"search ranks words said together above the same words apart", testSearchNear},
		{"search ranks a line higher when its speaker's name holds a query word", testSearchSpeaker},
		{"search passes over pages of better matches the actor may not see", testSearchPastHidden},
		{"users are unique by email and can be deactivated", testUsers},
		{"single sign-on identities link once and find their user for good", testIdentities},
		{"tokens authenticate until revoked or their user is deactivated", testTokens},
		{"malformed cursors are invalid", testBadCursor},
		{"workspaces are created by org admins, with valid slugs, members managed by chairs, a last chair kept", testWorkspaceAdmin},
		{"viewers read, members write their own and any action's status, chairs anything, archived is read-only", testWorkspaceRoles},
		{"non-members and org admins see nothing of a workspace; lists and search span the chosen one", testWorkspaceIsolation},
		{"workspace and member changes are each one audit row", testWorkspaceAudit},
		{"a call notes the one workspace it resolved to, none over all", testWorkspaceNote},
		{"a source's meeting id is unique per workspace: imports upsert within theirs", testWorkspaceImports},
		{"a new user joins General as a member, a new org admin as its chair", testDefaultJoinRole},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			seedPeople(t, s)
			tc.fn(t, s)
		})
	}
}

// seedPeople stores the fixed people as users 1 to 4 of a fresh store:
// workspaces are joined by users, so the actors must exist. They join the
// default workspace as every new user does: carol, alice and bob as
// members, the org admin root as its chair. A test in which one of them
// edits what another created makes the editor a chair first
// (chairGeneral), so it states the rule it relies on.
func seedPeople(t *testing.T, s meetingintel.Store) {
	t.Helper()
	for _, p := range []*meetingintel.User{carol, alice, bob, root} {
		u := *p
		if err := s.CreateUser(context.Background(), &u); err != nil {
			t.Fatalf("CreateUser(%s): %v", p.Email, err)
		}
		if u.ID != p.ID {
			t.Fatalf("CreateUser(%s) got id %d, want %d in a fresh store", p.Email, u.ID, p.ID)
		}
	}
}

// Fixed people: carol creates, alice attends, bob is another member, root
// is an admin. seedPeople stores them.
var (
	carol = &meetingintel.User{ID: 1, Email: "carol@example.com", Name: "Carol", Active: true}
	alice = &meetingintel.User{ID: 2, Email: "alice@example.com", Name: "Alice", Active: true}
	bob   = &meetingintel.User{ID: 3, Email: "bob@example.com", Name: "Bob", Active: true}
	root  = &meetingintel.User{ID: 4, Email: "root@example.com", Name: "Root", Admin: true, Active: true}
)

// as returns a context acting as u.
func as(u *meetingintel.User) context.Context {
	return meetingintel.NewContextWithUser(context.Background(), u)
}

// day returns a fixed UTC time: 2026-03-d 10:00:00.123.
func day(d int) time.Time {
	return time.Date(2026, 3, d, 10, 0, 0, 123_000_000, time.UTC)
}

func ptr[T any](v T) *T { return &v }

// segs returns n segments alternating two speakers, 10 s each.
func segs(n int, text string) []meetingintel.Segment {
	out := make([]meetingintel.Segment, n)
	for i := range out {
		sp := "Alice"
		if i%2 == 1 {
			sp = "Bob"
		}
		out[i] = meetingintel.Segment{Seq: i, Speaker: sp, StartMS: int64(i) * 10_000, EndMS: int64(i)*10_000 + 9_000,
			Text: fmt.Sprintf("%s %d", text, i)}
	}
	return out
}

// mustCreate stores a meeting as u and fails the test on error.
func mustCreate(t *testing.T, s meetingintel.Store, u *meetingintel.User, m *meetingintel.Meeting, sg []meetingintel.Segment) *meetingintel.Meeting {
	t.Helper()
	if err := s.CreateMeeting(as(u), m, sg); err != nil {
		t.Fatalf("CreateMeeting(%q): %v", m.Title, err)
	}
	return m
}

// wantCode fails unless err has the application error code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := meetingintel.ErrorCode(err); got != code {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

func mustNil(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func meetingIDs(ms []*meetingintel.Meeting) []int64 {
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// chairGeneral makes users chairs of the default workspace, General, as
// the org admin root does: a new non-admin user is only a member there and
// may edit only what they created.
func chairGeneral(t *testing.T, s meetingintel.Store, users ...*meetingintel.User) {
	t.Helper()
	def, err := s.FindWorkspace(as(root), "general")
	mustNil(t, "the default workspace", err)
	for _, u := range users {
		if _, err := s.SetMember(as(root), def.ID, u.Email, meetingintel.RoleChair); err != nil {
			t.Fatalf("SetMember(%s, chair of general): %v", u.Email, err)
		}
	}
}

// isAppError reports whether err is a *meetingintel.Error (not an internal fault).
func isAppError(err error) bool {
	var e *meetingintel.Error
	return errors.As(err, &e)
}

// Actor returns a context acting as the user with this email in s,
// creating the user (who joins the default workspace as a member) if
// needed: a store serves only users it holds.
func Actor(t testing.TB, s meetingintel.Store, email string) context.Context {
	t.Helper()
	ctx := context.Background()
	u, err := s.FindUserByEmail(ctx, email)
	if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
		u = &meetingintel.User{Email: email, Name: email, Active: true}
		err = s.CreateUser(ctx, u)
	}
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return meetingintel.NewContextWithUser(ctx, u)
}
