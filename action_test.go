package meetingintel_test

import (
	"testing"

	"github.com/meetingintel/meetingintel"
)

func TestActionValidateMakesStatusAndMeetingLinkCanonical(t *testing.T) {
	zero, seven := int64(0), int64(7)
	for _, tc := range []struct {
		name        string
		status      meetingintel.ActionStatus
		meetingID   *int64
		wantStatus  meetingintel.ActionStatus
		wantMeeting *int64
	}{
		{"a lower-case status is stored in its canonical case", "complete", &seven, meetingintel.StatusComplete, &seven},
		{"no status means Open", "", nil, meetingintel.StatusOpen, nil},
		{"meeting 0 means no meeting", "Parked", &zero, meetingintel.StatusParked, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &meetingintel.Action{Text: "ship it", Status: tc.status, MeetingID: tc.meetingID}
			if err := a.Validate(); err != nil {
				t.Fatal(err)
			}
			if a.Status != tc.wantStatus {
				t.Errorf("status %q, want %q", a.Status, tc.wantStatus)
			}
			if (a.MeetingID == nil) != (tc.wantMeeting == nil) || (a.MeetingID != nil && *a.MeetingID != *tc.wantMeeting) {
				t.Errorf("meeting %v, want %v", a.MeetingID, tc.wantMeeting)
			}
		})
	}
}

func TestActionUpdateApplyUnlinksOnZeroWithoutAliasing(t *testing.T) {
	old := int64(3)
	a := &meetingintel.Action{Text: "x", MeetingID: &old}
	meetingintel.ActionUpdate{MeetingID: new(int64(0))}.Apply(a)
	if a.MeetingID != nil {
		t.Fatalf("meeting %v after unlinking, want none", *a.MeetingID)
	}
	id := int64(9)
	meetingintel.ActionUpdate{MeetingID: &id}.Apply(a)
	id = 10
	if a.MeetingID == nil || *a.MeetingID != 9 {
		t.Fatalf("meeting %v, want 9 (not the update's variable)", a.MeetingID)
	}
}

func TestRankTalkTimeSharesAndOrdersLikeTalkTime(t *testing.T) {
	segs := []meetingintel.Segment{
		{Speaker: "Ana", StartMS: 0, EndMS: 1000},
		{Speaker: "Ben", StartMS: 1000, EndMS: 4000},
		{Speaker: "Cy", StartMS: 4000, EndMS: 5000},
	}
	got := meetingintel.TalkTime(segs)
	if got[0].Speaker != "Ben" || got[0].Share != 0.6 || got[1].Speaker != "Ana" || got[2].Speaker != "Cy" {
		t.Fatalf("TalkTime = %+v, want Ben (0.6) then Ana and Cy in order of appearance", got)
	}
	none := []meetingintel.SpeakerTime{{Speaker: "Ana"}}
	meetingintel.RankTalkTime(none)
	if none[0].Share != 0 {
		t.Fatalf("share of silence %v, want 0", none[0].Share)
	}
}
