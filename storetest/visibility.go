package storetest

import (
	"testing"

	"github.com/meetingintel/meetingintel"
)

func testVisibility(t *testing.T, s meetingintel.Store) {
	priv := mustCreate(t, s, carol, &meetingintel.Meeting{
		Title: "Secret merger", Date: day(3), Visibility: meetingintel.VisibilityPrivate,
		Attendees: []meetingintel.Attendee{{Name: "Alice", Email: "ALICE@example.com"}},
	}, segs(3, "confidential walrus"))
	a := &meetingintel.Action{MeetingID: &priv.ID, Text: "Walrus paperwork"}
	mustNil(t, "CreateAction", s.CreateAction(as(carol), a))
	d := &meetingintel.Decision{MeetingID: priv.ID, Text: "Walrus approved"}
	mustNil(t, "CreateDecision", s.CreateDecision(as(carol), d))

	for _, u := range []*meetingintel.User{carol, alice, root} {
		ctx := as(u)
		if _, err := s.FindMeetingByID(ctx, priv.ID); err != nil {
			t.Errorf("%s cannot see the private meeting: %v", u.Email, err)
		}
		if _, err := s.FindActionByID(ctx, a.ID); err != nil {
			t.Errorf("%s cannot see its action: %v", u.Email, err)
		}
		if _, err := s.FindDecisionByID(ctx, d.ID); err != nil {
			t.Errorf("%s cannot see its decision: %v", u.Email, err)
		}
		if sg, _, err := s.FindSegments(ctx, priv.ID, meetingintel.SegmentFilter{}); err != nil || len(sg) != 3 {
			t.Errorf("%s cannot read the transcript: %d segments, %v", u.Email, len(sg), err)
		}
		hits, err := s.Search(ctx, meetingintel.SearchQuery{Query: "walrus"})
		if err != nil || len(hits) != 5 {
			t.Errorf("%s searching walrus: %d hits, %v; want 5 (3 segments, action, decision)", u.Email, len(hits), err)
		}
		ms, _, _ := s.FindMeetings(ctx, meetingintel.MeetingFilter{})
		if len(ms) != 1 {
			t.Errorf("%s lists %d meetings, want 1", u.Email, len(ms))
		}
	}

	ctx := as(bob)
	_, err := s.FindMeetingByID(ctx, priv.ID)
	wantCode(t, "FindMeetingByID", err, meetingintel.ENOTFOUND)
	ms, _, err := s.FindMeetings(ctx, meetingintel.MeetingFilter{})
	if err != nil || len(ms) != 0 {
		t.Errorf("bob lists %d meetings (%v), want none", len(ms), err)
	}
	_, err = s.UpdateMeeting(ctx, priv.ID, meetingintel.MeetingUpdate{Title: ptr("Mine now")})
	wantCode(t, "UpdateMeeting", err, meetingintel.ENOTFOUND)
	wantCode(t, "DeleteMeeting", s.DeleteMeeting(ctx, priv.ID), meetingintel.ENOTFOUND)
	_, _, err = s.FindSegments(ctx, priv.ID, meetingintel.SegmentFilter{})
	wantCode(t, "FindSegments", err, meetingintel.ENOTFOUND)
	_, err = s.TalkTime(ctx, priv.ID)
	wantCode(t, "TalkTime", err, meetingintel.ENOTFOUND)
	hits, err := s.Search(ctx, meetingintel.SearchQuery{Query: "walrus"})
	if err != nil || len(hits) != 0 {
		t.Errorf("bob searching walrus: %+v, %v; want no hits", hits, err)
	}
	hits, err = s.Search(ctx, meetingintel.SearchQuery{Query: "secret merger"})
	if err != nil || len(hits) != 0 {
		t.Errorf("bob searching the title: %+v, %v; want no hits", hits, err)
	}
	wantCode(t, "CreateAction on the meeting", s.CreateAction(ctx, &meetingintel.Action{MeetingID: &priv.ID, Text: "x"}), meetingintel.ENOTFOUND)
	_, err = s.FindActionByID(ctx, a.ID)
	wantCode(t, "FindActionByID", err, meetingintel.ENOTFOUND)
	acts, _, err := s.FindActions(ctx, meetingintel.ActionFilter{})
	if err != nil || len(acts) != 0 {
		t.Errorf("bob lists %d actions (%v), want none", len(acts), err)
	}
	_, _, err = s.FindActions(ctx, meetingintel.ActionFilter{MeetingID: &priv.ID})
	wantCode(t, "FindActions of the meeting", err, meetingintel.ENOTFOUND)
	_, err = s.UpdateAction(ctx, a.ID, meetingintel.ActionUpdate{Text: ptr("mine")})
	wantCode(t, "UpdateAction", err, meetingintel.ENOTFOUND)
	wantCode(t, "DeleteAction", s.DeleteAction(ctx, a.ID), meetingintel.ENOTFOUND)
	// Moving one's own action onto the invisible meeting is refused too.
	own := &meetingintel.Action{Text: "Own action"}
	mustNil(t, "CreateAction unlinked", s.CreateAction(ctx, own))
	_, err = s.UpdateAction(ctx, own.ID, meetingintel.ActionUpdate{MeetingID: &priv.ID})
	wantCode(t, "UpdateAction onto the meeting", err, meetingintel.ENOTFOUND)
	wantCode(t, "CreateDecision on the meeting", s.CreateDecision(ctx, &meetingintel.Decision{MeetingID: priv.ID, Text: "x"}), meetingintel.ENOTFOUND)
	_, err = s.FindDecisionByID(ctx, d.ID)
	wantCode(t, "FindDecisionByID", err, meetingintel.ENOTFOUND)
	decs, _, err := s.FindDecisions(ctx, meetingintel.DecisionFilter{})
	if err != nil || len(decs) != 0 {
		t.Errorf("bob lists %d decisions (%v), want none", len(decs), err)
	}
	_, _, err = s.FindDecisions(ctx, meetingintel.DecisionFilter{MeetingID: &priv.ID})
	wantCode(t, "FindDecisions of the meeting", err, meetingintel.ENOTFOUND)
	wantCode(t, "DeleteDecision", s.DeleteDecision(ctx, d.ID), meetingintel.ENOTFOUND)

	// Nothing bob tried changed anything.
	if got, err := s.FindMeetingByID(as(alice), priv.ID); err != nil || got.Title != "Secret merger" {
		t.Errorf("after bob's attempts: %+v, %v", got, err)
	}
	// Making it team-wide shows it to bob. Its creator does it: alice, an
	// attendee and a plain member of General, sees it but may not change it.
	_, err = s.UpdateMeeting(as(alice), priv.ID, meetingintel.MeetingUpdate{Visibility: ptr(meetingintel.VisibilityTeam)})
	wantCode(t, "an attendee who is a member changing the meeting", err, meetingintel.EFORBIDDEN)
	_, err = s.UpdateMeeting(as(carol), priv.ID, meetingintel.MeetingUpdate{Visibility: ptr(meetingintel.VisibilityTeam)})
	mustNil(t, "UpdateMeeting visibility", err)
	if _, err := s.FindMeetingByID(ctx, priv.ID); err != nil {
		t.Errorf("bob cannot see the meeting once team-wide: %v", err)
	}
	if hits, _ := s.Search(ctx, meetingintel.SearchQuery{Query: "walrus"}); len(hits) != 5 {
		t.Errorf("bob finds %d walrus hits once team-wide, want 5", len(hits))
	}
}

func testNoActor(t *testing.T, s meetingintel.Store) {
	m := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Open", Date: day(3)}, segs(1, "x"))
	ctx := as(nil)
	id := m.ID
	calls := map[string]func() error{
		"CreateMeeting": func() error { return s.CreateMeeting(ctx, &meetingintel.Meeting{Title: "x", Date: day(1)}, nil) },
		"ImportMeeting": func() error {
			_, err := s.ImportMeeting(ctx, &meetingintel.Meeting{Title: "x", Date: day(1)}, nil)
			return err
		},
		"FindMeetingByID":  func() error { _, err := s.FindMeetingByID(ctx, id); return err },
		"FindMeetings":     func() error { _, _, err := s.FindMeetings(ctx, meetingintel.MeetingFilter{}); return err },
		"UpdateMeeting":    func() error { _, err := s.UpdateMeeting(ctx, id, meetingintel.MeetingUpdate{}); return err },
		"DeleteMeeting":    func() error { return s.DeleteMeeting(ctx, id) },
		"FindSegments":     func() error { _, _, err := s.FindSegments(ctx, id, meetingintel.SegmentFilter{}); return err },
		"TalkTime":         func() error { _, err := s.TalkTime(ctx, id); return err },
		"CreateAction":     func() error { return s.CreateAction(ctx, &meetingintel.Action{Text: "x"}) },
		"FindActionByID":   func() error { _, err := s.FindActionByID(ctx, 1); return err },
		"FindActions":      func() error { _, _, err := s.FindActions(ctx, meetingintel.ActionFilter{}); return err },
		"UpdateAction":     func() error { _, err := s.UpdateAction(ctx, 1, meetingintel.ActionUpdate{}); return err },
		"DeleteAction":     func() error { return s.DeleteAction(ctx, 1) },
		"CreateDecision":   func() error { return s.CreateDecision(ctx, &meetingintel.Decision{MeetingID: id, Text: "x"}) },
		"FindDecisionByID": func() error { _, err := s.FindDecisionByID(ctx, 1); return err },
		"FindDecisions":    func() error { _, _, err := s.FindDecisions(ctx, meetingintel.DecisionFilter{}); return err },
		"DeleteDecision":   func() error { return s.DeleteDecision(ctx, 1) },
		"Search":           func() error { _, err := s.Search(ctx, meetingintel.SearchQuery{Query: "x"}); return err },
	}
	for name, call := range calls {
		wantCode(t, name+" without an actor", call(), meetingintel.EUNAUTHORIZED)
	}
	if _, err := s.FindMeetingByID(as(carol), id); err != nil {
		t.Errorf("the meeting was touched by an anonymous call: %v", err)
	}
}
