package demo_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/demo"
	"github.com/meetingintel/meetingintel/sqlite"
	"github.com/meetingintel/meetingintel/transcript"
)

// now is a fixed load time, so dates in failures are reproducible.
var now = time.Date(2026, 5, 14, 10, 37, 42, 0, time.UTC)

// pricingTitle is the meeting that decided the pricing page.
const pricingTitle = "Pricing page redesign"

func entries(t *testing.T) []demo.Entry {
	t.Helper()
	es, err := demo.Meetings()
	if err != nil {
		t.Fatal(err)
	}
	if len(es) < 15 {
		t.Fatalf("the demo has %d meetings; it should feel like two months of a team's work", len(es))
	}
	return es
}

func TestEveryTranscriptParsesWithItsDeclaredFormatAndIsDetectedAsThatFormat(t *testing.T) {
	for _, e := range entries(t) {
		t.Run(e.File, func(t *testing.T) {
			declared, err := e.Transcript()
			if err != nil {
				t.Fatal(err)
			}
			if string(declared.Format) != e.Format || len(declared.Segments) < 25 {
				t.Errorf("parsed as %s with %d segments; want %s with at least 25", declared.Format, len(declared.Segments), e.Format)
			}
			b, err := e.Data()
			if err != nil {
				t.Fatal(err)
			}
			auto, err := transcript.Parse(b, transcript.Auto)
			if err != nil {
				t.Fatalf("auto-detection: %v", err)
			}
			if auto.Format != declared.Format || len(auto.Segments) != len(declared.Segments) {
				t.Errorf("auto-detected %s with %d segments; declared %s gives %d", auto.Format, len(auto.Segments), declared.Format, len(declared.Segments))
			}
			if err := meetingintel.ValidateSegments(declared.Segments); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestEveryManifestMeetingIsAValidMeetingWithValidActionsAndDecisions(t *testing.T) {
	ids := map[string]bool{}
	for _, e := range entries(t) {
		t.Run(e.File, func(t *testing.T) {
			m, err := e.Meeting(now, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ids[m.SourceMeetingID] || m.SourceMeetingID == "" {
				t.Errorf("source meeting id %q is empty or used twice; re-loading would merge meetings", m.SourceMeetingID)
			}
			ids[m.SourceMeetingID] = true
			if n := len(m.Attendees); n < 2 || n > 6 {
				t.Errorf("%d attendees; want 2 to 6", n)
			}
			for _, a := range m.Attendees {
				if a.Name == "" || !strings.HasSuffix(a.Email, ".example") {
					t.Errorf("attendee %+v needs a name and an address at a .example domain", a)
				}
			}
			if len(m.Tags) == 0 || !strings.HasPrefix(m.Summary, "## ") {
				t.Errorf("want tags and a markdown summary starting with a heading; got %q and %.20q", m.Tags, m.Summary)
			}
			if end := m.Date.Add(time.Duration(m.DurationMS) * time.Millisecond); end.After(now) || now.Sub(m.Date) > 62*24*time.Hour {
				t.Errorf("meeting runs %v to %v; want it within the two months before %v", m.Date, end, now)
			}
			if n := len(e.Actions); n < 1 || n > 5 {
				t.Errorf("%d actions; want 1 to 5", n)
			}
			if n := len(e.Decisions); n < 1 || n > 3 {
				t.Errorf("%d decisions; want 1 to 3", n)
			}
			for _, ae := range e.Actions {
				a := ae.Action(1, m.Date)
				if err := a.Validate(); err != nil {
					t.Errorf("action %q: %v", ae.Text, err)
				}
				if !attends(m, a.Owner) {
					t.Errorf("action %q is owned by %q, who is not at the meeting", ae.Text, a.Owner)
				}
			}
			for _, de := range e.Decisions {
				d := &meetingintel.Decision{MeetingID: 1, Text: de.Text, Context: de.Context}
				if err := d.Validate(); err != nil || d.Context == "" {
					t.Errorf("decision %q: %v (context %q)", de.Text, err, d.Context)
				}
			}
		})
	}
}

func TestEverySpeakerIsAnAttendeeOfThatMeetingByName(t *testing.T) {
	for _, e := range entries(t) {
		t.Run(e.File, func(t *testing.T) {
			tr, err := e.Transcript()
			if err != nil {
				t.Fatal(err)
			}
			m, err := e.Meeting(now, tr)
			if err != nil {
				t.Fatal(err)
			}
			spoke := map[string]bool{}
			for _, s := range tr.Segments {
				if !attends(m, s.Speaker) {
					t.Errorf("segment %d is spoken by %q, who is not an attendee", s.Seq, s.Speaker)
				}
				spoke[s.Speaker] = true
			}
			for _, a := range m.Attendees {
				if !spoke[a.Name] {
					t.Errorf("attendee %q never speaks", a.Name)
				}
			}
		})
	}
}

func TestTheSetShowsEveryKindOfStateANewcomerShouldSee(t *testing.T) {
	formats := map[string]int{}
	statuses := map[meetingintel.ActionStatus]int{}
	var private, overdue int
	cast := map[string]bool{}
	for _, e := range entries(t) {
		formats[e.Format]++
		if e.Visibility == meetingintel.VisibilityPrivate {
			private++
		}
		for _, a := range e.Attendees {
			cast[a.Email] = true
		}
		date := e.Date(now)
		for _, a := range e.Actions {
			statuses[a.Status]++
			if a.Status == meetingintel.StatusOpen && a.DueInDays != nil && date.AddDate(0, 0, *a.DueInDays).Before(now) {
				overdue++
			}
		}
	}
	for _, f := range []string{"vtt", "srt", "otter", "fireflies", "text"} {
		if formats[f] == 0 {
			t.Errorf("no transcript in %s format; the loader should exercise every parser", f)
		}
	}
	if private == 0 {
		t.Error("no private meeting")
	}
	if statuses[meetingintel.StatusOpen] <= statuses[meetingintel.StatusParked] || statuses[meetingintel.StatusComplete] == 0 || statuses[meetingintel.StatusParked] == 0 {
		t.Errorf("action statuses %v; want some of each, Parked the rarest of Open and Parked", statuses)
	}
	if overdue < 1 || overdue > 4 {
		t.Errorf("%d overdue open actions; want a couple", overdue)
	}
	if len(cast) > 16 {
		t.Errorf("%d different people; a small team and two clients should be fewer", len(cast))
	}
}

func TestLoadStoresTheSetSearchFindsThePricingDecisionAndReloadingDuplicatesNothing(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	admin := &meetingintel.User{Email: "admin@example.com", Name: "Admin", Admin: true, Active: true}
	marcus := &meetingintel.User{Email: "marcus@fernhill.example", Name: "Marcus Webb", Active: true}
	for _, u := range []*meetingintel.User{admin, marcus} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	asAdmin := meetingintel.NewContextWithUser(ctx, admin)
	asMarcus := meetingintel.NewContextWithUser(ctx, marcus)

	var want demo.Stats
	var private int
	for _, e := range entries(t) {
		tr, err := e.Transcript()
		if err != nil {
			t.Fatal(err)
		}
		want.Meetings++
		want.Segments += len(tr.Segments)
		want.Actions += len(e.Actions)
		want.Decisions += len(e.Decisions)
		if e.Visibility == meetingintel.VisibilityPrivate && !attendsEmail(e.Attendees, marcus.Email) {
			private++
		}
	}

	got, err := demo.Load(asAdmin, db, now)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("first load stored %+v, want %+v", got, want)
	}
	if n := countMeetings(t, asAdmin, db); n != want.Meetings {
		t.Errorf("admin sees %d meetings, want %d", n, want.Meetings)
	}
	if n := countMeetings(t, asMarcus, db); n != want.Meetings-private {
		t.Errorf("Marcus sees %d meetings, want %d: private meetings he did not attend must stay hidden", n, want.Meetings-private)
	}

	hits, err := db.Search(asMarcus, meetingintel.SearchQuery{Query: "what did we decide about the pricing page?"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].Title != pricingTitle {
		t.Fatalf("searching for the pricing decision found %s first, want %q", firstTitle(hits), pricingTitle)
	}
	m, err := db.FindMeetingByID(asMarcus, hits[0].MeetingID)
	if err != nil {
		t.Fatal(err)
	}
	if wantDate := time.Date(2026, 4, 2, 13, 0, 0, 0, time.UTC); !m.Date.Equal(wantDate) {
		t.Errorf("pricing meeting dated %v, want %v (42 days before the load, at 13:00 UTC)", m.Date, wantDate)
	}
	decs, _, err := db.FindDecisions(asMarcus, meetingintel.DecisionFilter{MeetingID: &m.ID})
	if err != nil || len(decs) == 0 || !strings.Contains(decs[0].Text+decs[len(decs)-1].Text, "Enterprise") {
		t.Errorf("pricing meeting decisions %v (%v); want the Enterprise tier decision", decs, err)
	}

	actions := countActions(t, asAdmin, db)
	again, err := demo.Load(asAdmin, db, now.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if again.Meetings != want.Meetings || again.Actions != 0 || again.Decisions != 0 {
		t.Errorf("second load stored %+v; want every meeting updated and no new actions or decisions", again)
	}
	if n := countMeetings(t, asAdmin, db); n != want.Meetings {
		t.Errorf("after a second load the admin sees %d meetings, want %d", n, want.Meetings)
	}
	if n := countActions(t, asAdmin, db); n != actions || n != want.Actions {
		t.Errorf("after a second load there are %d actions, want %d", n, want.Actions)
	}
	m, err = db.FindMeetingByID(asAdmin, m.ID)
	if err != nil || !m.Date.Equal(time.Date(2026, 4, 3, 13, 0, 0, 0, time.UTC)) {
		t.Errorf("after loading a day later the pricing meeting is dated %v (%v); want it moved a day on", m.Date, err)
	}
}

func TestLoadRefusesAContextWithoutAUser(t *testing.T) {
	_, err := demo.Load(context.Background(), nil, now)
	if meetingintel.ErrorCode(err) != meetingintel.EUNAUTHORIZED {
		t.Errorf("got %v, want an unauthorized error", err)
	}
}

func attends(m *meetingintel.Meeting, name string) bool {
	for _, a := range m.Attendees {
		if a.Name == name {
			return true
		}
	}
	return false
}

func attendsEmail(as []meetingintel.Attendee, email string) bool {
	for _, a := range as {
		if strings.EqualFold(a.Email, email) {
			return true
		}
	}
	return false
}

func firstTitle(hits []meetingintel.SearchHit) string {
	if len(hits) == 0 {
		return "nothing"
	}
	return "\"" + hits[0].Title + "\""
}

func countMeetings(t *testing.T, ctx context.Context, s meetingintel.Store) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		ms, next, err := s.FindMeetings(ctx, meetingintel.MeetingFilter{Limit: meetingintel.MaxLimit, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		n += len(ms)
		if next == "" {
			return n
		}
		cursor = next
	}
}

func countActions(t *testing.T, ctx context.Context, s meetingintel.Store) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		as, next, err := s.FindActions(ctx, meetingintel.ActionFilter{Limit: meetingintel.MaxLimit, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		n += len(as)
		if next == "" {
			return n
		}
		cursor = next
	}
}
