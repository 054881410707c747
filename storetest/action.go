package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel"
)

func actionIDs(as []*meetingintel.Action) []int64 {
	out := []int64{}
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func testActions(t *testing.T, s meetingintel.Store) {
	m := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Planning", Date: day(3)}, nil)
	ctx := as(carol)
	mk := func(text, owner, due string, mid *int64) *meetingintel.Action {
		a := &meetingintel.Action{Text: text, Owner: owner, DueDate: due, MeetingID: mid}
		mustNil(t, "CreateAction "+text, s.CreateAction(ctx, a))
		return a
	}
	a1 := mk("No date", "Alice Smith", "", nil)
	a2 := mk("Late", "Bob", "2026-04-10", &m.ID)
	a3 := mk("Early", "alice", "2026-04-01", &m.ID)
	a4 := mk("Also early", "Dana", "2026-04-01", nil)
	a5 := mk("Also no date", "Eve", "", nil)
	if a1.Status != meetingintel.StatusOpen || a1.CreatedBy != carol.Email || a1.CreatedAt.IsZero() {
		t.Errorf("CreateAction defaults: %+v", a1)
	}
	got, err := s.FindActionByID(ctx, a2.ID)
	mustNil(t, "FindActionByID", err)
	if got.Text != "Late" || got.DueDate != "2026-04-10" || got.MeetingID == nil || *got.MeetingID != m.ID ||
		!got.CreatedAt.Equal(a2.CreatedAt) || got.MeetingTitle != "Planning" {
		t.Errorf("FindActionByID = %+v", got)
	}
	if got, err := s.FindActionByID(ctx, a1.ID); err != nil || got.MeetingTitle != "" {
		t.Errorf("an unlinked action's meeting title: %+v %v", got, err)
	}
	// By due date, none last, then id; paged two at a time.
	want := []int64{a3.ID, a4.ID, a2.ID, a1.ID, a5.ID}
	var all []int64
	cursor := ""
	for i := 0; i < 5; i++ {
		page, next, err := s.FindActions(ctx, meetingintel.ActionFilter{Limit: 2, Cursor: cursor})
		mustNil(t, "FindActions", err)
		all = append(all, actionIDs(page)...)
		for _, a := range page {
			if want := map[bool]string{true: "Planning", false: ""}[a.MeetingID != nil]; a.MeetingTitle != want {
				t.Errorf("listed action %d has meeting title %q, want %q", a.ID, a.MeetingTitle, want)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if !equalIDs(all, want) {
		t.Errorf("paged actions = %v, want %v", all, want)
	}
	for _, tc := range []struct {
		name string
		f    meetingintel.ActionFilter
		want []int64
	}{
		{"owner is a case-insensitive substring", meetingintel.ActionFilter{Owner: "ALICE"}, []int64{a3.ID, a1.ID}},
		{"meeting selects its actions", meetingintel.ActionFilter{MeetingID: &m.ID}, []int64{a3.ID, a2.ID}},
		{"due before is exclusive and skips undated", meetingintel.ActionFilter{DueBefore: "2026-04-10"}, []int64{a3.ID, a4.ID}},
		{"status matches", meetingintel.ActionFilter{Status: meetingintel.StatusComplete}, []int64{}},
	} {
		page, _, err := s.FindActions(ctx, tc.f)
		mustNil(t, tc.name, err)
		if got := actionIDs(page); !equalIDs(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	_, _, err = s.FindActions(ctx, meetingintel.ActionFilter{Status: "Done"})
	wantCode(t, "FindActions with an unknown status", err, meetingintel.EINVALID)

	// alice changes more of carol's action than its status: she chairs
	// General for it (a plain member may change only the status).
	chairGeneral(t, s, alice)
	upd, err := s.UpdateAction(as(alice), a2.ID, meetingintel.ActionUpdate{
		Status: ptr(meetingintel.ActionStatus("complete")), Notes: ptr("done early"), MeetingID: ptr(int64(0)),
	})
	mustNil(t, "UpdateAction", err)
	if upd.Status != meetingintel.StatusComplete || upd.Notes != "done early" || upd.MeetingID != nil ||
		upd.UpdatedBy != alice.Email || upd.CreatedBy != carol.Email || upd.Text != "Late" {
		t.Errorf("UpdateAction = %+v", upd)
	}
	got, _ = s.FindActionByID(ctx, a2.ID)
	if got.Status != meetingintel.StatusComplete || got.MeetingID != nil {
		t.Errorf("stored update = %+v", got)
	}
	page, _, _ := s.FindActions(ctx, meetingintel.ActionFilter{Status: meetingintel.StatusComplete})
	if !equalIDs(actionIDs(page), []int64{a2.ID}) {
		t.Errorf("completed actions = %v", actionIDs(page))
	}
	_, err = s.UpdateAction(ctx, a2.ID, meetingintel.ActionUpdate{DueDate: ptr("someday")})
	wantCode(t, "UpdateAction with a bad date", err, meetingintel.EINVALID)
	_, err = s.UpdateAction(ctx, a2.ID, meetingintel.ActionUpdate{MeetingID: ptr(m.ID + 1000)})
	wantCode(t, "UpdateAction onto a missing meeting", err, meetingintel.ENOTFOUND)
	wantCode(t, "CreateAction without text", s.CreateAction(ctx, &meetingintel.Action{Text: " "}), meetingintel.EINVALID)
	wantCode(t, "CreateAction on a missing meeting", s.CreateAction(ctx, &meetingintel.Action{Text: "x", MeetingID: ptr(m.ID + 1000)}), meetingintel.ENOTFOUND)

	mustNil(t, "DeleteAction", s.DeleteAction(ctx, a1.ID))
	_, err = s.FindActionByID(ctx, a1.ID)
	wantCode(t, "FindActionByID after delete", err, meetingintel.ENOTFOUND)
	wantCode(t, "DeleteAction twice", s.DeleteAction(ctx, a1.ID), meetingintel.ENOTFOUND)
}

func testDecisions(t *testing.T, s meetingintel.Store) {
	ctx := as(carol)
	old := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Old", Date: day(1)}, nil)
	recent := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Recent", Date: day(9)}, nil)
	mk := func(mid int64, text string) *meetingintel.Decision {
		d := &meetingintel.Decision{MeetingID: mid, Text: text, Context: "because"}
		mustNil(t, "CreateDecision "+text, s.CreateDecision(ctx, d))
		return d
	}
	d1 := mk(old.ID, "first")
	d2 := mk(recent.ID, "second")
	d3 := mk(recent.ID, "third")
	d4 := mk(old.ID, "fourth")
	if d1.CreatedBy != carol.Email || d1.CreatedAt.IsZero() || d1.ID == 0 {
		t.Errorf("CreateDecision = %+v", d1)
	}
	got, err := s.FindDecisionByID(ctx, d2.ID)
	mustNil(t, "FindDecisionByID", err)
	if got.Text != "second" || got.Context != "because" || got.MeetingID != recent.ID || !got.CreatedAt.Equal(d2.CreatedAt) {
		t.Errorf("FindDecisionByID = %+v", got)
	}
	want := []int64{d3.ID, d2.ID, d4.ID, d1.ID}
	var all []int64
	cursor := ""
	for i := 0; i < 5; i++ {
		page, next, err := s.FindDecisions(ctx, meetingintel.DecisionFilter{Limit: 3, Cursor: cursor})
		mustNil(t, "FindDecisions", err)
		for _, d := range page {
			all = append(all, d.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if !equalIDs(all, want) {
		t.Errorf("paged decisions = %v, want %v", all, want)
	}
	page, _, err := s.FindDecisions(ctx, meetingintel.DecisionFilter{MeetingID: &old.ID})
	mustNil(t, "FindDecisions of a meeting", err)
	if len(page) != 2 || page[0].ID != d4.ID {
		t.Errorf("decisions of the old meeting: %+v", page)
	}
	wantCode(t, "CreateDecision without a meeting", s.CreateDecision(ctx, &meetingintel.Decision{Text: "x"}), meetingintel.EINVALID)
	wantCode(t, "CreateDecision on a missing meeting", s.CreateDecision(ctx, &meetingintel.Decision{MeetingID: recent.ID + 1000, Text: "x"}), meetingintel.ENOTFOUND)
	mustNil(t, "DeleteDecision", s.DeleteDecision(ctx, d1.ID))
	_, err = s.FindDecisionByID(ctx, d1.ID)
	wantCode(t, "FindDecisionByID after delete", err, meetingintel.ENOTFOUND)
}

func testBadCursor(t *testing.T, s meetingintel.Store) {
	m := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Cursor", Date: day(3)}, segs(3, "x"))
	ctx := as(carol)
	_, good, err := s.FindMeetings(ctx, meetingintel.MeetingFilter{Limit: 1})
	mustNil(t, "FindMeetings", err)
	_ = good
	for _, c := range []string{"!!!", "not-base64-json", "eyJ0IjoibWVldGluZ3MifQ===", "%%", "e30"} {
		_, _, err := s.FindMeetings(ctx, meetingintel.MeetingFilter{Cursor: c})
		wantCode(t, "FindMeetings cursor "+c, err, meetingintel.EINVALID)
		_, _, err = s.FindSegments(ctx, m.ID, meetingintel.SegmentFilter{Cursor: c})
		wantCode(t, "FindSegments cursor "+c, err, meetingintel.EINVALID)
		_, _, err = s.FindActions(ctx, meetingintel.ActionFilter{Cursor: c})
		wantCode(t, "FindActions cursor "+c, err, meetingintel.EINVALID)
		_, _, err = s.FindDecisions(ctx, meetingintel.DecisionFilter{Cursor: c})
		wantCode(t, "FindDecisions cursor "+c, err, meetingintel.EINVALID)
	}
}

func testDecisionUpdate(t *testing.T, s meetingintel.Store) {
	team := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Team", Date: day(2)}, nil)
	private := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Private", Date: day(3), Visibility: meetingintel.VisibilityPrivate}, nil)
	d := &meetingintel.Decision{MeetingID: team.ID, Text: "Use walrus hosting", Context: "cheaper"}
	mustNil(t, "CreateDecision", s.CreateDecision(as(carol), d))
	pd := &meetingintel.Decision{MeetingID: private.ID, Text: "Secret plan"}
	mustNil(t, "CreateDecision private", s.CreateDecision(as(carol), pd))

	// bob edits carol's decision: he chairs General for it (a plain member
	// may not), which still does not show him carol's private meeting.
	chairGeneral(t, s, bob)
	got, err := s.UpdateDecision(as(bob), d.ID, meetingintel.DecisionUpdate{Text: ptr("  Use narwhal hosting ")})
	mustNil(t, "UpdateDecision", err)
	if got.Text != "Use narwhal hosting" || got.Context != "cheaper" || got.UpdatedBy != bob.Email || got.CreatedBy != carol.Email || got.MeetingID != team.ID {
		t.Errorf("UpdateDecision = %+v", got)
	}
	if again, err := s.FindDecisionByID(as(carol), d.ID); err != nil || again.Text != "Use narwhal hosting" || again.UpdatedBy != bob.Email {
		t.Errorf("after the update: %+v %v", again, err)
	}
	got, err = s.UpdateDecision(as(carol), d.ID, meetingintel.DecisionUpdate{Context: ptr("")})
	mustNil(t, "UpdateDecision context", err)
	if got.Text != "Use narwhal hosting" || got.Context != "" {
		t.Errorf("clearing the context: %+v", got)
	}
	// Search follows the edit.
	if hits, err := s.Search(as(carol), meetingintel.SearchQuery{Query: "narwhal", Kind: meetingintel.KindDecision}); err != nil || len(hits) != 1 || hits[0].DecisionID != d.ID {
		t.Errorf("search for the new text: %+v %v", hits, err)
	}
	if hits, err := s.Search(as(carol), meetingintel.SearchQuery{Query: "walrus"}); err != nil || len(hits) != 0 {
		t.Errorf("search for the old text: %+v %v", hits, err)
	}
	// Bad input changes nothing.
	_, err = s.UpdateDecision(as(carol), d.ID, meetingintel.DecisionUpdate{Text: ptr(" "), Context: ptr("half")})
	wantCode(t, "UpdateDecision to empty text", err, meetingintel.EINVALID)
	if again, _ := s.FindDecisionByID(as(carol), d.ID); again == nil || again.Text != "Use narwhal hosting" || again.Context != "" {
		t.Errorf("a refused update stored something: %+v", again)
	}
	// A chair who is not an attendee cannot reach a private meeting's
	// decision; its creator can.
	_, err = s.UpdateDecision(as(bob), pd.ID, meetingintel.DecisionUpdate{Text: ptr("pwned")})
	wantCode(t, "UpdateDecision of a private meeting's decision", err, meetingintel.ENOTFOUND)
	if again, _ := s.FindDecisionByID(as(carol), pd.ID); again == nil || again.Text != "Secret plan" {
		t.Errorf("bob's refused update: %+v", again)
	}
	_, err = s.UpdateDecision(as(carol), pd.ID+1000, meetingintel.DecisionUpdate{Text: ptr("x")})
	wantCode(t, "UpdateDecision of a missing decision", err, meetingintel.ENOTFOUND)
	_, err = s.UpdateDecision(context.Background(), d.ID, meetingintel.DecisionUpdate{Text: ptr("x")})
	wantCode(t, "UpdateDecision without an actor", err, meetingintel.EUNAUTHORIZED)
}

func testActionOwners(t *testing.T, s meetingintel.Store) {
	team := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Team", Date: day(2)}, nil)
	private := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Private", Date: day(3), Visibility: meetingintel.VisibilityPrivate}, nil)
	for _, a := range []*meetingintel.Action{
		{Text: "a", Owner: "Bob", MeetingID: &team.ID},
		{Text: "b", Owner: "bob"},
		{Text: "c", Owner: "Alice Smith", MeetingID: &team.ID},
		{Text: "d", Owner: "alice"},
		{Text: "e", Owner: ""},
		{Text: "f", Owner: "Zed Secret", MeetingID: &private.ID},
	} {
		mustNil(t, "CreateAction", s.CreateAction(as(carol), a))
	}
	got, err := s.FindActionOwners(as(bob))
	mustNil(t, "FindActionOwners", err)
	if want := []string{"alice", "Alice Smith", "Bob"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("bob's owners = %q, want %q", got, want)
	}
	got, err = s.FindActionOwners(as(carol))
	mustNil(t, "FindActionOwners as carol", err)
	if len(got) != 4 || got[3] != "Zed Secret" {
		t.Errorf("carol's owners = %q (the private meeting's owner too)", got)
	}
	_, err = s.FindActionOwners(context.Background())
	wantCode(t, "FindActionOwners without an actor", err, meetingintel.EUNAUTHORIZED)
}
