package meetingintel_test

import (
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
)

func TestMeetingValidateRefusesWhatNoMeetingHas(t *testing.T) {
	base := func() *meetingintel.Meeting {
		return &meetingintel.Meeting{Title: "Sync", Date: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC),
			Attendees: []meetingintel.Attendee{{Name: "Ana", Email: "ana@example.com"}}}
	}
	for _, tc := range []struct {
		name   string
		change func(m *meetingintel.Meeting)
		want   string
	}{
		{"an attendee name of 5,000 characters", func(m *meetingintel.Meeting) { m.Attendees[0].Name = strings.Repeat("a", 5000) }, "longer than 200"},
		{"a tag of 5,000 characters, quoted short", func(m *meetingintel.Meeting) { m.Tags = []string{strings.Repeat("t", 5000)} }, "longer than 50"},
		{"no title", func(m *meetingintel.Meeting) { m.Title = "" }, "title is required"},
		{"a bad visibility", func(m *meetingintel.Meeting) { m.Visibility = "secret" }, "Visibility"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.change(m)
			m.Normalize()
			err := m.Validate()
			msg := meetingintel.ErrorMessage(err)
			if meetingintel.ErrorCode(err) != meetingintel.EINVALID || !strings.Contains(msg, tc.want) || len(msg) > 200 {
				t.Fatalf("Validate: %v (message %q), want EINVALID containing %q and short", err, msg, tc.want)
			}
		})
	}
	valid := base()
	valid.Normalize()
	if err := valid.Validate(); err != nil {
		t.Fatalf("a valid meeting: %v", err)
	}
}

func TestTidySnippetKeepsOneBoldAroundAWordThatWasBoldAlready(t *testing.T) {
	if got := meetingintel.TidySnippet("We reviewed ****pricing**** today"); got != "We reviewed **pricing** today" {
		t.Fatalf("got %q", got)
	}
	if got := meetingintel.TidySnippet("plain **word**"); got != "plain **word**" {
		t.Fatalf("got %q", got)
	}
}
