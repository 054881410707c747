package meetinginput

import (
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/transcript"
)

func TestDateTime(t *testing.T) {
	tests := []struct {
		name, in string
		want     time.Time
		ok       bool
	}{
		{"RFC 3339 with a zone is read as UTC", "2026-03-31T16:00:00+02:00", time.Date(2026, 3, 31, 14, 0, 0, 0, time.UTC), true},
		{"a date-time without a zone is UTC", " 2026-03-31T14:00:00 ", time.Date(2026, 3, 31, 14, 0, 0, 0, time.UTC), true},
		{"a calendar day is its midnight UTC", "2026-03-31", time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), true},
		{"words are refused", "last tuesday", time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DateTime("meeting_date", tc.in)
			if (err == nil) != tc.ok || !got.Equal(tc.want) {
				t.Fatalf("DateTime(%q) = %v, %v", tc.in, got, err)
			}
			if err != nil && meetingintel.ErrorCode(err) != meetingintel.EINVALID {
				t.Errorf("error code = %q, want EINVALID", meetingintel.ErrorCode(err))
			}
		})
	}
}

func TestUpToIncludesTheWholeOfABareDay(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-03-31", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-03-31T14:00:00Z", time.Date(2026, 3, 31, 14, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		if got, err := UpTo("to", tc.in); err != nil || !got.Equal(tc.want) {
			t.Errorf("UpTo(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestAttendee(t *testing.T) {
	tests := []struct {
		name, in string
		want     meetingintel.Attendee
		ok       bool
	}{
		{"a name with an address", "Sam Lee <sam@example.com>", meetingintel.Attendee{Name: "Sam Lee", Email: "sam@example.com"}, true},
		{"a bare address", "sam@example.com", meetingintel.Attendee{Email: "sam@example.com"}, true},
		{"a bare name", " Sam Lee ", meetingintel.Attendee{Name: "Sam Lee"}, true},
		{"a broken address is refused", "Sam <not an address>", meetingintel.Attendee{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Attendee(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("Attendee(%q) = %+v, %v", tc.in, got, err)
			}
		})
	}
}

func TestTitleFromFile(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2026-03-04 pricing_review.vtt", "2026-03-04 pricing review"},
		{`C:\Users\sam\Downloads\weekly__sync.srt`, "weekly sync"},
		{"/tmp/notes/standup.txt", "standup"},
		{".vtt", "Imported meeting"},
		{"", "Imported meeting"},
	}
	for _, tc := range tests {
		if got := TitleFromFile(tc.in); got != tc.want {
			t.Errorf("TitleFromFile(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFillFromTranscriptKeepsWhatTheMeetingSays(t *testing.T) {
	tr := &transcript.Transcript{
		Title: "From the file", Date: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), DurationMS: 60_000,
		Source: "Teams", SourceMeetingID: "abc", Attendees: []meetingintel.Attendee{{Name: "Carol"}},
	}
	given := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m := &meetingintel.Meeting{Title: "Given", Date: given, Attendees: []meetingintel.Attendee{{Name: "Dan"}}}
	FillFromTranscript(m, tr)
	if m.Title != "Given" || !m.Date.Equal(given) {
		t.Errorf("given title and date were replaced: %q, %v", m.Title, m.Date)
	}
	if m.DurationMS != 60_000 || m.Source != "Teams" || m.SourceMeetingID != "abc" {
		t.Errorf("blanks not filled: duration %d, source %q, source id %q", m.DurationMS, m.Source, m.SourceMeetingID)
	}
	if len(m.Attendees) != 2 || m.Attendees[0].Name != "Dan" || m.Attendees[1].Name != "Carol" {
		t.Errorf("attendees = %+v, want Dan then the speaker Carol", m.Attendees)
	}
}
