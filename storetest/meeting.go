package storetest

import (
	"reflect"
	"testing"

	"github.com/meetingintel/meetingintel"
)

func testMeetingRoundTrip(t *testing.T, s meetingintel.Store) {
	m := &meetingintel.Meeting{
		Title:      "  Pricing review ",
		Date:       day(3),
		DurationMS: 3_600_000,
		Attendees:  []meetingintel.Attendee{{Name: "Alice", Email: "Alice@Example.com"}, {Email: "bob@example.com"}, {Name: "Guest"}},
		Tags:       []string{"Pricing", "pricing", " Q2 "},
		Source:     "Teams",
		Summary:    "We reviewed **pricing**.",
	}
	mustCreate(t, s, carol, m, segs(3, "hello pricing"))
	if m.ID == 0 || m.CreatedBy != carol.Email || m.UpdatedBy != carol.Email || m.CreatedAt.IsZero() || m.SegmentCount != 3 {
		t.Fatalf("CreateMeeting did not set id, audit fields and segment count: %+v", m)
	}
	got, err := s.FindMeetingByID(as(carol), m.ID)
	mustNil(t, "FindMeetingByID", err)
	want := meetingintel.Meeting{
		ID: m.ID, Title: "Pricing review", Date: day(3), DurationMS: 3_600_000,
		Attendees: []meetingintel.Attendee{{Name: "Alice", Email: "alice@example.com"}, {Name: "bob", Email: "bob@example.com"}, {Name: "Guest"}},
		Tags:      []string{"pricing", "q2"},
		Source:    "Teams", Summary: "We reviewed **pricing**.", Visibility: meetingintel.VisibilityTeam, SegmentCount: 3,
		CreatedBy: carol.Email, UpdatedBy: carol.Email, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
		WorkspaceID: m.WorkspaceID,
	}
	if m.WorkspaceID == 0 {
		t.Errorf("CreateMeeting did not set the workspace: %+v", m)
	}
	if !got.Date.Equal(day(3)) || got.Date.Location().String() != "UTC" {
		t.Errorf("date = %v, want %v in UTC, exact to the millisecond", got.Date, day(3))
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("FindMeetingByID =\n%+v\nwant\n%+v", *got, want)
	}
	_, err = s.FindMeetingByID(as(carol), m.ID+1000)
	wantCode(t, "FindMeetingByID of a missing meeting", err, meetingintel.ENOTFOUND)

	bad := &meetingintel.Meeting{Title: "", Date: day(3)}
	wantCode(t, "CreateMeeting without a title", s.CreateMeeting(as(carol), bad, nil), meetingintel.EINVALID)
}

func testMeetingUpdate(t *testing.T, s meetingintel.Store) {
	m := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Weekly", Date: day(3), Tags: []string{"ops"}}, segs(4, "old words"))
	// alice edits carol's meeting, so created_by and updated_by differ: she
	// chairs General for it (a plain member may not).
	chairGeneral(t, s, alice)
	newSegs := segs(2, "new words")
	got, err := s.UpdateMeeting(as(alice), m.ID, meetingintel.MeetingUpdate{
		Title:    ptr("Weekly sync"),
		Tags:     &[]string{"Ops", "Team"},
		Segments: &newSegs,
	})
	mustNil(t, "UpdateMeeting", err)
	if got.Title != "Weekly sync" || !reflect.DeepEqual(got.Tags, []string{"ops", "team"}) || got.SegmentCount != 2 ||
		got.UpdatedBy != alice.Email || got.CreatedBy != carol.Email || !got.Date.Equal(day(3)) {
		t.Errorf("UpdateMeeting = %+v", got)
	}
	again, err := s.FindMeetingByID(as(alice), m.ID)
	mustNil(t, "FindMeetingByID", err)
	if !reflect.DeepEqual(again, got) {
		t.Errorf("stored meeting differs from returned:\n%+v\n%+v", again, got)
	}
	sg, _, err := s.FindSegments(as(alice), m.ID, meetingintel.SegmentFilter{})
	mustNil(t, "FindSegments", err)
	if len(sg) != 2 || sg[0].Text != "new words 0" {
		t.Errorf("segments after replace = %+v", sg)
	}
	// Without Segments the transcript stays.
	_, err = s.UpdateMeeting(as(alice), m.ID, meetingintel.MeetingUpdate{Summary: ptr("short")})
	mustNil(t, "UpdateMeeting summary", err)
	sg, _, _ = s.FindSegments(as(alice), m.ID, meetingintel.SegmentFilter{})
	if len(sg) != 2 {
		t.Errorf("an update without segments changed the transcript: %d segments", len(sg))
	}
	_, err = s.UpdateMeeting(as(alice), m.ID, meetingintel.MeetingUpdate{Title: ptr("  ")})
	wantCode(t, "UpdateMeeting with an empty title", err, meetingintel.EINVALID)
	_, err = s.UpdateMeeting(as(alice), m.ID+1000, meetingintel.MeetingUpdate{Title: ptr("x")})
	wantCode(t, "UpdateMeeting of a missing meeting", err, meetingintel.ENOTFOUND)
}

func testMeetingDelete(t *testing.T, s meetingintel.Store) {
	m := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Doomed", Date: day(3)}, segs(3, "zebra crossing"))
	other := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Kept", Date: day(4)}, segs(1, "zebra kept"))
	a := &meetingintel.Action{MeetingID: &m.ID, Text: "Follow up zebra"}
	mustNil(t, "CreateAction", s.CreateAction(as(carol), a))
	d := &meetingintel.Decision{MeetingID: m.ID, Text: "Zebra wins"}
	mustNil(t, "CreateDecision", s.CreateDecision(as(carol), d))

	mustNil(t, "DeleteMeeting", s.DeleteMeeting(as(carol), m.ID))
	_, err := s.FindMeetingByID(as(carol), m.ID)
	wantCode(t, "FindMeetingByID after delete", err, meetingintel.ENOTFOUND)
	_, _, err = s.FindSegments(as(carol), m.ID, meetingintel.SegmentFilter{})
	wantCode(t, "FindSegments after delete", err, meetingintel.ENOTFOUND)
	_, err = s.FindDecisionByID(as(carol), d.ID)
	wantCode(t, "FindDecisionByID after delete", err, meetingintel.ENOTFOUND)
	got, err := s.FindActionByID(as(carol), a.ID)
	mustNil(t, "FindActionByID after delete", err)
	if got.MeetingID != nil {
		t.Errorf("action still linked to deleted meeting %d", *got.MeetingID)
	}
	hits, err := s.Search(as(carol), meetingintel.SearchQuery{Query: "zebra"})
	mustNil(t, "Search", err)
	for _, h := range hits {
		if h.MeetingID == m.ID {
			t.Errorf("search still finds the deleted meeting: %+v", h)
		}
	}
	kinds := map[string]bool{}
	for _, h := range hits {
		kinds[h.Kind] = true
	}
	if !kinds[meetingintel.KindAction] || !kinds[meetingintel.KindSegment] {
		t.Errorf("search after delete should find the unlinked action and the other meeting: %+v", hits)
	}
	wantCode(t, "DeleteMeeting twice", s.DeleteMeeting(as(carol), m.ID), meetingintel.ENOTFOUND)
	if _, err := s.FindMeetingByID(as(carol), other.ID); err != nil {
		t.Errorf("deleting one meeting hurt another: %v", err)
	}
}

func testFindMeetings(t *testing.T, s meetingintel.Store) {
	var ids []int64
	for i, spec := range []struct {
		d        int
		tag      string
		attendee meetingintel.Attendee
	}{
		{1, "sales", meetingintel.Attendee{Name: "Dana Smith", Email: "dana@example.com"}},
		{2, "ops", meetingintel.Attendee{Name: "Eve", Email: "eve@example.com"}},
		{3, "sales", meetingintel.Attendee{Name: "Dana Smith", Email: "dana@example.com"}},
		{3, "ops", meetingintel.Attendee{Name: "Frank"}},
		{5, "sales", meetingintel.Attendee{Name: "Eve", Email: "eve@example.com"}},
	} {
		m := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "M" + string(rune('A'+i)), Date: day(spec.d),
			Tags: []string{spec.tag}, Attendees: []meetingintel.Attendee{spec.attendee}}, nil)
		ids = append(ids, m.ID)
	}
	// Newest first; two meetings on day 3 are ordered by id, descending.
	newestFirst := []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}
	var all []int64
	cursor := ""
	for page := 0; ; page++ {
		ms, next, err := s.FindMeetings(as(bob), meetingintel.MeetingFilter{Limit: 2, Cursor: cursor})
		mustNil(t, "FindMeetings", err)
		if len(ms) > 2 {
			t.Fatalf("page %d has %d meetings, limit 2", page, len(ms))
		}
		all = append(all, meetingIDs(ms)...)
		if next == "" {
			break
		}
		if page > 5 {
			t.Fatal("cursor never ends")
		}
		cursor = next
	}
	if !equalIDs(all, newestFirst) {
		t.Errorf("paged meetings = %v, want %v", all, newestFirst)
	}
	for _, tc := range []struct {
		name string
		f    meetingintel.MeetingFilter
		want []int64
	}{
		{"from is inclusive and to exclusive", meetingintel.MeetingFilter{From: day(2), To: day(5)}, []int64{ids[3], ids[2], ids[1]}},
		{"attendee matches email in any case", meetingintel.MeetingFilter{Attendee: "DANA@example.com"}, []int64{ids[2], ids[0]}},
		{"attendee matches name in any case", meetingintel.MeetingFilter{Attendee: "frank"}, []int64{ids[3]}},
		{"tag matches exactly, case-insensitive input", meetingintel.MeetingFilter{Tag: "Sales"}, []int64{ids[4], ids[2], ids[0]}},
		{"filters combine", meetingintel.MeetingFilter{Tag: "sales", Attendee: "eve"}, []int64{ids[4]}},
		{"an unknown tag finds nothing", meetingintel.MeetingFilter{Tag: "nope"}, []int64{}},
	} {
		ms, _, err := s.FindMeetings(as(bob), tc.f)
		mustNil(t, tc.name, err)
		if got := meetingIDs(ms); !equalIDs(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	ms, _, err := s.FindMeetings(as(bob), meetingintel.MeetingFilter{Limit: 1000})
	mustNil(t, "FindMeetings with a huge limit", err)
	if len(ms) != 5 || len(ms[0].Tags) != 1 || len(ms[0].Attendees) != 1 {
		t.Errorf("list should carry tags and attendees: %+v", ms[0])
	}
}

func testFindSegments(t *testing.T, s meetingintel.Store) {
	m := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Long", Date: day(3)}, segs(250, "line"))
	var got []meetingintel.Segment
	cursor := ""
	pages := 0
	for {
		sg, next, err := s.FindSegments(as(bob), m.ID, meetingintel.SegmentFilter{Cursor: cursor})
		mustNil(t, "FindSegments", err)
		pages++
		if len(sg) > 100 {
			t.Fatalf("default page has %d segments, want at most 100", len(sg))
		}
		got = append(got, sg...)
		if next == "" || pages > 5 {
			break
		}
		cursor = next
	}
	if pages != 3 || len(got) != 250 {
		t.Fatalf("paged %d segments in %d pages, want 250 in 3", len(got), pages)
	}
	for i, sg := range got {
		want := segs(250, "line")[i]
		if sg != want {
			t.Fatalf("segment %d = %+v, want %+v", i, sg, want)
		}
	}
	for _, tc := range []struct {
		name string
		f    meetingintel.SegmentFilter
		want []int
	}{
		{"start keeps segments ending after it", meetingintel.SegmentFilter{StartMS: ptr(int64(19_500)), Limit: 3}, []int{2, 3, 4}},
		{"end keeps segments starting before it", meetingintel.SegmentFilter{EndMS: ptr(int64(20_000))}, []int{0, 1}},
		{"a window combines both", meetingintel.SegmentFilter{StartMS: ptr(int64(9_500)), EndMS: ptr(int64(30_000))}, []int{1, 2}},
		{"speaker is case-insensitive", meetingintel.SegmentFilter{Speaker: "BOB", Limit: 3}, []int{1, 3, 5}},
		{"the limit is capped at 1000", meetingintel.SegmentFilter{Limit: 5000, StartMS: ptr(int64(2_480_000))}, []int{248, 249}},
	} {
		sg, _, err := s.FindSegments(as(bob), m.ID, tc.f)
		mustNil(t, tc.name, err)
		var seqs []int
		for _, x := range sg {
			seqs = append(seqs, x.Seq)
		}
		if !reflect.DeepEqual(seqs, tc.want) {
			t.Errorf("%s: seqs %v, want %v", tc.name, seqs, tc.want)
		}
	}
	sg, next, err := s.FindSegments(as(bob), m.ID, meetingintel.SegmentFilter{Speaker: "bob", Limit: 2})
	mustNil(t, "FindSegments by speaker", err)
	sg2, _, err := s.FindSegments(as(bob), m.ID, meetingintel.SegmentFilter{Speaker: "bob", Limit: 2, Cursor: next})
	mustNil(t, "FindSegments by speaker, page 2", err)
	if len(sg) != 2 || len(sg2) != 2 || sg2[0].Seq != 5 {
		t.Errorf("filtered paging: %+v then %+v", sg, sg2)
	}
	_, _, err = s.FindSegments(as(bob), m.ID+1000, meetingintel.SegmentFilter{})
	wantCode(t, "FindSegments of a missing meeting", err, meetingintel.ENOTFOUND)
}

func testTalkTime(t *testing.T, s meetingintel.Store) {
	sg := []meetingintel.Segment{
		{Speaker: "Alice", StartMS: 0, EndMS: 1000, Text: "a"},
		{Speaker: "Bob", StartMS: 1000, EndMS: 4000, Text: "b"},
		{Speaker: "Alice", StartMS: 4000, EndMS: 5000, Text: "c"},
		{Speaker: "Cleo", StartMS: 5000, EndMS: 5000, Text: "d"},
	}
	m := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Talk", Date: day(3)}, sg)
	got, err := s.TalkTime(as(carol), m.ID)
	mustNil(t, "TalkTime", err)
	want := meetingintel.TalkTime(sg)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TalkTime = %+v, want %+v", got, want)
	}
	empty := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Silent", Date: day(3)}, nil)
	got, err = s.TalkTime(as(carol), empty.ID)
	mustNil(t, "TalkTime of an empty transcript", err)
	if len(got) != 0 {
		t.Errorf("TalkTime of an empty transcript = %+v", got)
	}
}

func testImport(t *testing.T, s meetingintel.Store) {
	// alice re-imports carol's meeting, which updates it: she chairs
	// General for it (a plain member may not change carol's meeting).
	chairGeneral(t, s, alice)
	first := &meetingintel.Meeting{Title: "Standup", Date: day(3), Source: "Zoom", SourceMeetingID: "z-1", Tags: []string{"a"}}
	created, err := s.ImportMeeting(as(carol), first, segs(3, "first import"))
	mustNil(t, "ImportMeeting", err)
	if !created || first.ID == 0 {
		t.Fatalf("first import: created=%v id=%d", created, first.ID)
	}
	second := &meetingintel.Meeting{Title: "Standup (fixed)", Date: day(4), Source: "Zoom", SourceMeetingID: "z-1", Summary: "new"}
	created, err = s.ImportMeeting(as(alice), second, segs(2, "second import"))
	mustNil(t, "ImportMeeting again", err)
	if created || second.ID != first.ID {
		t.Fatalf("second import: created=%v id=%d, want false and %d", created, second.ID, first.ID)
	}
	got, err := s.FindMeetingByID(as(carol), first.ID)
	mustNil(t, "FindMeetingByID", err)
	if got.Title != "Standup (fixed)" || !got.Date.Equal(day(4)) || got.Summary != "new" || len(got.Tags) != 0 ||
		got.SegmentCount != 2 || got.CreatedBy != carol.Email || got.UpdatedBy != alice.Email {
		t.Errorf("after upsert: %+v", got)
	}
	sg, _, _ := s.FindSegments(as(carol), first.ID, meetingintel.SegmentFilter{})
	if len(sg) != 2 || sg[0].Text != "second import 0" {
		t.Errorf("transcript not replaced: %+v", sg)
	}
	// Same id from another source is another meeting.
	other := &meetingintel.Meeting{Title: "Other", Date: day(4), Source: "Teams", SourceMeetingID: "z-1"}
	created, err = s.ImportMeeting(as(carol), other, nil)
	mustNil(t, "ImportMeeting from another source", err)
	if !created || other.ID == first.ID {
		t.Errorf("same source id from another source must create: created=%v id=%d", created, other.ID)
	}
	// Without a source meeting id every import creates.
	for i := 0; i < 2; i++ {
		m := &meetingintel.Meeting{Title: "Manual", Date: day(5)}
		created, err := s.ImportMeeting(as(carol), m, nil)
		mustNil(t, "ImportMeeting without source id", err)
		if !created {
			t.Errorf("import %d without a source meeting id did not create", i)
		}
	}
	ms, _, _ := s.FindMeetings(as(carol), meetingintel.MeetingFilter{})
	if len(ms) != 4 {
		t.Errorf("%d meetings stored, want 4", len(ms))
	}
	// Replacing a meeting the actor may not see is a conflict.
	priv := &meetingintel.Meeting{Title: "Secret", Date: day(3), Source: "Zoom", SourceMeetingID: "z-secret", Visibility: meetingintel.VisibilityPrivate}
	_, err = s.ImportMeeting(as(carol), priv, nil)
	mustNil(t, "ImportMeeting private", err)
	_, err = s.ImportMeeting(as(bob), &meetingintel.Meeting{Title: "Hijack", Date: day(3), Source: "Zoom", SourceMeetingID: "z-secret"}, nil)
	wantCode(t, "ImportMeeting over an invisible meeting", err, meetingintel.ECONFLICT)
	got, _ = s.FindMeetingByID(as(carol), priv.ID)
	if got == nil || got.Title != "Secret" {
		t.Errorf("invisible meeting was changed: %+v", got)
	}
}

func testTransactions(t *testing.T, s meetingintel.Store) {
	bad := segs(5, "fine")
	bad[3].Text = "  "
	m := &meetingintel.Meeting{Title: "Half", Date: day(3)}
	wantCode(t, "CreateMeeting with a blank segment", s.CreateMeeting(as(carol), m, bad), meetingintel.EINVALID)
	bad2 := segs(2, "fine")
	bad2[1].EndMS = -1
	_, err := s.ImportMeeting(as(carol), &meetingintel.Meeting{Title: "Half", Date: day(3), Source: "Zoom", SourceMeetingID: "h"}, bad2)
	wantCode(t, "ImportMeeting with a bad time range", err, meetingintel.EINVALID)
	ms, _, err := s.FindMeetings(as(carol), meetingintel.MeetingFilter{})
	mustNil(t, "FindMeetings", err)
	if len(ms) != 0 {
		t.Fatalf("a failed create stored %d meetings", len(ms))
	}
	if _, err := s.Search(as(carol), meetingintel.SearchQuery{Query: "fine"}); err != nil {
		t.Fatalf("Search: %v", err)
	} else if hits, _ := s.Search(as(carol), meetingintel.SearchQuery{Query: "fine"}); len(hits) != 0 {
		t.Errorf("a failed create left %d search hits", len(hits))
	}

	ok := mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Whole", Date: day(3)}, segs(3, "kept"))
	_, err = s.UpdateMeeting(as(carol), ok.ID, meetingintel.MeetingUpdate{Title: ptr("Changed"), Segments: &bad})
	wantCode(t, "UpdateMeeting with a blank segment", err, meetingintel.EINVALID)
	got, _ := s.FindMeetingByID(as(carol), ok.ID)
	sg, _, _ := s.FindSegments(as(carol), ok.ID, meetingintel.SegmentFilter{})
	if got.Title != "Whole" || len(sg) != 3 {
		t.Errorf("a failed update changed the meeting: title %q, %d segments", got.Title, len(sg))
	}
	// A unique clash inside the transaction rolls back the whole update.
	mustCreate(t, s, carol, &meetingintel.Meeting{Title: "Taken", Date: day(3), Source: "Zoom", SourceMeetingID: "taken"}, nil)
	_, err = s.UpdateMeeting(as(carol), ok.ID, meetingintel.MeetingUpdate{Title: ptr("Clash"), Source: ptr("Zoom"), SourceMeetingID: ptr("taken")})
	wantCode(t, "UpdateMeeting to a taken source id", err, meetingintel.ECONFLICT)
	got, _ = s.FindMeetingByID(as(carol), ok.ID)
	if got.Title != "Whole" {
		t.Errorf("a conflicting update changed the title to %q", got.Title)
	}
	err = s.CreateMeeting(as(carol), &meetingintel.Meeting{Title: "Taken again", Date: day(3), Source: "Zoom", SourceMeetingID: "taken"}, nil)
	wantCode(t, "CreateMeeting with a taken source id", err, meetingintel.ECONFLICT)
}
