package legacy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/sqlite"
)

// fixture opens a real SQLite store with an admin who runs the import and
// ben@example.com, a user the old data names as an author.
func fixture(t *testing.T) (context.Context, *sqlite.DB, *meetingintel.User) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "mi.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	admin := &meetingintel.User{Email: "admin@example.com", Name: "Admin", Admin: true, Active: true}
	ben := &meetingintel.User{Email: "ben@example.com", Name: "Ben Ode", Active: true}
	for _, u := range []*meetingintel.User{admin, ben} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	return meetingintel.NewContextWithUser(ctx, admin), s, admin
}

func mustImport(t *testing.T, ctx context.Context, s *sqlite.DB, actor *meetingintel.User, paths ...string) *Report {
	t.Helper()
	b, err := Read(paths...)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(ctx, s, actor, b)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func allMeetings(t *testing.T, ctx context.Context, s *sqlite.DB) map[string]*meetingintel.Meeting {
	t.Helper()
	ms, _, err := s.FindMeetings(ctx, meetingintel.MeetingFilter{Limit: meetingintel.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*meetingintel.Meeting{}
	for _, m := range ms {
		out[m.Title] = m
	}
	return out
}

func allActions(t *testing.T, ctx context.Context, s *sqlite.DB) map[string]*meetingintel.Action {
	t.Helper()
	as, _, err := s.FindActions(ctx, meetingintel.ActionFilter{Limit: meetingintel.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*meetingintel.Action{}
	for _, a := range as {
		if out[a.Text] != nil {
			t.Fatalf("action %q is stored twice", a.Text)
		}
		out[a.Text] = a
	}
	return out
}

func allDecisions(t *testing.T, ctx context.Context, s *sqlite.DB) map[string]*meetingintel.Decision {
	t.Helper()
	ds, _, err := s.FindDecisions(ctx, meetingintel.DecisionFilter{Limit: meetingintel.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*meetingintel.Decision{}
	for _, d := range ds {
		if out[d.Text] != nil {
			t.Fatalf("decision %q is stored twice", d.Text)
		}
		out[d.Text] = d
	}
	return out
}

func skipReason(rep *Report, kind, id string) string {
	for _, s := range rep.Skips {
		if s.Kind == kind && s.ID == id {
			return s.Reason
		}
	}
	return ""
}

func hasNote(rep *Report, sub string) bool {
	for _, n := range rep.Notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

func TestTheAPIExportImportsWithLinksAndReportsWhatItSkipped(t *testing.T) {
	ctx, s, admin := fixture(t)
	rep := mustImport(t, ctx, s, admin, "testdata/api")

	want := Report{
		Meetings:  Counts{Imported: 4, Skipped: 1},
		Actions:   Counts{Imported: 4, Skipped: 3},
		Decisions: Counts{Imported: 2, Skipped: 3},
	}
	if rep.Meetings != want.Meetings || rep.Actions != want.Actions || rep.Decisions != want.Decisions {
		t.Fatalf("counts: meetings %+v actions %+v decisions %+v", rep.Meetings, rep.Actions, rep.Decisions)
	}
	for _, c := range []struct{ kind, id, reason string }{
		{"meeting", "4", "bad MeetingDate"},
		{"action", "14", "unknown meeting 999"},
		{"action", "15", "no ActionText"},
		{"action", "17", "its meeting 4 was skipped"},
		{"decision", "23", "no DecisionText"},
		{"decision", "24", "unknown meeting 42"},
		{"decision", "25", "no MeetingId"},
	} {
		if r := skipReason(rep, c.kind, c.id); !strings.Contains(r, c.reason) {
			t.Errorf("%s %s: skip reason %q, want one containing %q", c.kind, c.id, r, c.reason)
		}
	}

	ms := allMeetings(t, ctx, s)
	pricing, contoso := ms["Pricing page review"], ms["Weekly sync with Contoso"]
	if pricing == nil || contoso == nil {
		t.Fatalf("meetings stored: %v", ms)
	}
	// The list and the detail of meeting 1 were merged: list fields plus the transcript.
	if pricing.SegmentCount != 3 || pricing.Source != SourceLegacy || pricing.SourceMeetingID != "legacy-1" ||
		!pricing.Date.Equal(time.Date(2024, 3, 5, 14, 0, 0, 0, time.UTC)) || strings.Join(pricing.Tags, ",") != "pricing,web" {
		t.Errorf("meeting 1: %+v", pricing)
	}
	if len(pricing.Attendees) != 2 || pricing.Attendees[1].Name != "Ben Ode" || pricing.Attendees[1].Email != "ben@example.com" {
		t.Errorf("meeting 1 attendees: %+v", pricing.Attendees)
	}
	// A row with its own source and id keeps them; the date's offset is
	// honoured (stored to the millisecond); the detail's named attendee wins
	// over the list's bare address.
	if len(contoso.Attendees) != 2 || contoso.Attendees[1].Name != "Dev Patel" {
		t.Errorf("meeting 2 attendees: %+v", contoso.Attendees)
	}
	if contoso.Source != "Teams" || !strings.HasPrefix(contoso.SourceMeetingID, "MSo1") || contoso.SegmentCount != 2 ||
		!contoso.Date.Equal(time.Date(2024, 3, 7, 8, 30, 0, 123_000_000, time.UTC)) {
		t.Errorf("meeting 2: %+v", contoso)
	}
	if ms["Meeting of 2024-03-08 00:00 UTC"] == nil || !hasNote(rep, "no Title") {
		t.Errorf("the untitled meeting 3 was not titled from its date: %v %v", ms, rep.Notes)
	}
	retro := ms["Retro notes pasted by hand"]
	if retro == nil || retro.SegmentCount == 0 || !hasNote(rep, "could not be parsed") {
		t.Fatalf("meeting 5's unparsable transcript was not kept as text: %+v notes %v", retro, rep.Notes)
	}
	segs, _, err := s.FindSegments(ctx, retro.ID, meetingintel.SegmentFilter{})
	if err != nil || !strings.Contains(segs[len(segs)-1].Text, "fix staging first") {
		t.Fatalf("retro transcript: %+v %v", segs, err)
	}

	as := allActions(t, ctx, s)
	copyAction := as["Update the pricing page copy"]
	if copyAction == nil || copyAction.MeetingID == nil || *copyAction.MeetingID != pricing.ID || copyAction.DueDate != "2024-03-12" ||
		copyAction.Notes != "Ask marketing for the new tagline.\n\n[legacy-action:11]" || copyAction.CreatedBy != "ben@example.com" {
		t.Errorf("action 11 (nested in meeting 1 and listed in /api/actions): %+v", copyAction)
	}
	if a := as["QA sign-off for the April launch"]; a == nil || *a.MeetingID != contoso.ID || a.Status != meetingintel.StatusOpen {
		t.Errorf("action 12: %+v", a)
	}
	if a := as["Send Contoso the revised plan"]; a == nil || a.DueDate != "" || !hasNote(rep, `DueDate "next week"`) || !hasNote(rep, `status "Waiting on client"`) {
		t.Errorf("action 13: %+v notes %v", a, rep.Notes)
	}
	if a := as["Renew the domain"]; a == nil || a.MeetingID != nil || a.Status != meetingintel.StatusComplete || a.CreatedBy != admin.Email {
		t.Errorf("action 16: %+v", a)
	}
	ds := allDecisions(t, ctx, s)
	if d := ds["Show annual prices by default"]; d == nil || d.MeetingID != pricing.ID || d.Context != "Most customers pay yearly." {
		t.Errorf("decision 21: %+v", d)
	}
	if d := ds["Launch moves to April"]; d == nil || d.MeetingID != contoso.ID {
		t.Errorf("decision 22: %+v", d)
	}
	// Meeting 1 names ana@example.com, who is not a user here.
	if pricing.CreatedBy != admin.Email || strings.Join(rep.UnknownAuthors, ",") != "ana@example.com,mcp-service" {
		t.Errorf("authors: meeting 1 by %s, unknown %v", pricing.CreatedBy, rep.UnknownAuthors)
	}
}

func TestARerunDuplicatesNothing(t *testing.T) {
	for _, dir := range []string{"testdata/api", "testdata/csv"} {
		t.Run(dir, func(t *testing.T) {
			ctx, s, admin := fixture(t)
			first := mustImport(t, ctx, s, admin, dir)
			ms, as, ds := allMeetings(t, ctx, s), allActions(t, ctx, s), allDecisions(t, ctx, s)
			again := mustImport(t, ctx, s, admin, dir)
			if again.Meetings != (Counts{Updated: first.Meetings.Imported, Skipped: first.Meetings.Skipped}) ||
				again.Actions != (Counts{Unchanged: first.Actions.Imported, Skipped: first.Actions.Skipped}) ||
				again.Decisions != (Counts{Unchanged: first.Decisions.Imported, Skipped: first.Decisions.Skipped}) {
				t.Fatalf("re-run counts: meetings %+v actions %+v decisions %+v", again.Meetings, again.Actions, again.Decisions)
			}
			ms2, as2, ds2 := allMeetings(t, ctx, s), allActions(t, ctx, s), allDecisions(t, ctx, s)
			if len(ms2) != len(ms) || len(as2) != len(as) || len(ds2) != len(ds) {
				t.Fatalf("re-run changed the numbers: meetings %d->%d actions %d->%d decisions %d->%d", len(ms), len(ms2), len(as), len(as2), len(ds), len(ds2))
			}
			for title, m := range ms {
				if ms2[title].ID != m.ID || ms2[title].SegmentCount != m.SegmentCount {
					t.Errorf("meeting %q: %+v, then %+v", title, m, ms2[title])
				}
			}
		})
	}
}

func TestAnActionEditedHereIsFoundAgainByItsOldID(t *testing.T) {
	ctx, s, admin := fixture(t)
	mustImport(t, ctx, s, admin, "testdata/api")
	a := allActions(t, ctx, s)["Update the pricing page copy"]
	edited := "Update the pricing page copy and the FAQ"
	if _, err := s.UpdateAction(ctx, a.ID, meetingintel.ActionUpdate{Text: &edited}); err != nil {
		t.Fatal(err)
	}
	rep := mustImport(t, ctx, s, admin, "testdata/api")
	if rep.Actions.Updated != 1 || rep.Actions.Imported != 0 {
		t.Fatalf("actions on re-run: %+v", rep.Actions)
	}
	got, err := s.FindActionByID(ctx, a.ID)
	if err != nil || got.Text != "Update the pricing page copy" {
		t.Fatalf("the re-run did not bring action 11 back in line with the old data: %+v %v", got, err)
	}
}

func TestTheCSVExportWithBOMCRLFAndQuotedNewlines(t *testing.T) {
	ctx, s, admin := fixture(t)
	b, err := Read("testdata/csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Ignored) != 1 || !strings.HasSuffix(b.Ignored[0], "README.txt") {
		t.Errorf("ignored files: %v", b.Ignored)
	}
	rep, err := Import(ctx, s, admin, b)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Meetings != (Counts{Imported: 2, Skipped: 1}) || rep.Actions != (Counts{Imported: 2, Skipped: 2}) || rep.Decisions != (Counts{Imported: 2}) {
		t.Fatalf("counts: meetings %+v actions %+v decisions %+v\n%+v", rep.Meetings, rep.Actions, rep.Decisions, rep.Skips)
	}
	if r := skipReason(rep, "meeting", "103"); !strings.Contains(r, "no date") {
		t.Errorf("meeting 103: %q", r)
	}
	if r := skipReason(rep, "action", "203"); !strings.Contains(r, "unknown meeting 777") {
		t.Errorf("action 203: %q", r)
	}
	ms := allMeetings(t, ctx, s)
	board, zoom := ms["Board prep"], ms["Zoom call with Fabrikam"]
	if board == nil || board.SegmentCount != 3 || board.CreatedBy != "ben@example.com" || board.Summary != "Board prep went fine." ||
		!board.Date.Equal(time.Date(2024, 4, 2, 10, 0, 0, 0, time.UTC)) || len(board.Attendees) != 2 {
		t.Fatalf("meeting 101: %+v", board)
	}
	segs, _, _ := s.FindSegments(ctx, board.ID, meetingintel.SegmentFilter{})
	if len(segs) != 3 || segs[1].Speaker != "Ben Ode" || !strings.Contains(segs[1].Text, `"margins"`) || strings.Contains(segs[1].Text, "\r") {
		t.Fatalf("meeting 101 transcript: %+v", segs)
	}
	if zoom == nil || zoom.Source != "Zoom" || zoom.SourceMeetingID != "84512345678" || zoom.SegmentCount != 2 || zoom.Summary != "" {
		t.Fatalf("meeting 102 (NULLs, its own source): %+v", zoom)
	}
	as := allActions(t, ctx, s)
	if a := as["Draft the board numbers"]; a == nil || *a.MeetingID != board.ID || a.Notes != "Split out margins.\nUse Q1 actuals.\n\n[legacy-action:201]" || a.DueDate != "2024-04-05" {
		t.Fatalf("action 201: %+v", a)
	}
	if a := as["Send Fabrikam the contract"]; a == nil || *a.MeetingID != zoom.ID || a.Status != meetingintel.StatusComplete {
		t.Fatalf("action 202: %+v", a)
	}
}

func TestActionsImportedInALaterRunFindTheirMeetings(t *testing.T) {
	ctx, s, admin := fixture(t)
	mustImport(t, ctx, s, admin, "testdata/csv/Meeting.csv")
	rep := mustImport(t, ctx, s, admin, "testdata/csv/Action.csv")
	board := allMeetings(t, ctx, s)["Board prep"]
	if a := allActions(t, ctx, s)["Draft the board numbers"]; a == nil || *a.MeetingID != board.ID {
		t.Fatalf("action 201 did not find meeting 101 from the earlier run: %+v", a)
	}
	// A meeting keyed by its own source id (Zoom) cannot be found from its
	// old id alone: import the tables together (a folder) to link to it.
	if r := skipReason(rep, "action", "202"); !strings.Contains(r, "unknown meeting 102") {
		t.Fatalf("action 202: %q", r)
	}
}

func TestUnreadableFilesStopTheImportNamingTheFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, file, content, want string
	}{
		{"broken JSON names the line", "broken.json", "[\n{\"MeetingId\": 1,\n\"Title\": }\n]", "broken.json: not valid JSON: line 3"},
		{"a CSV of another table", "users.csv", "UserId,Email\n1,a@example.com\n", "is not that of the Meeting, Action or Decision table"},
		{"an empty file", "empty.csv", "\r\n", "the file is empty"},
		{"JSON that is not the old data", "other.json", `[{"foo": 1}]`, "other.json[0] is not a meeting, action or decision"},
		{"a CSV with a bad quote", "bad.csv", "MeetingId,Title,MeetingDate\n1,\"Board,2024-01-01\n", "not valid CSV"},
		{"a file that is not text", "blob.json", "[\"\xff\xfe\"]", "not UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read("testdata/api", write(c.file, c.content))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.file) {
				t.Fatalf("err %v, want one naming %s and containing %q", err, c.file, c.want)
			}
		})
	}
	if _, err := Read(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("a missing file: %v", err)
	}
}

func TestParseTime(t *testing.T) {
	utc := func(y, mo, d, h, mi int) time.Time { return time.Date(y, time.Month(mo), d, h, mi, 0, 0, time.UTC) }
	cases := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-03-05T14:00:00Z", utc(2024, 3, 5, 14, 0), true},
		{"2024-03-05T14:00:00", utc(2024, 3, 5, 14, 0), true},
		{"2024-03-05T15:00:00+01:00", utc(2024, 3, 5, 14, 0), true},
		{"2024-03-05 14:00:00.0000000", utc(2024, 3, 5, 14, 0), true},
		{"2024-03-05 16:00:00.0000000 +02:00", utc(2024, 3, 5, 14, 0), true},
		{"2024-03-05 14:00", utc(2024, 3, 5, 14, 0), true},
		{"2024-03-05", utc(2024, 3, 5, 0, 0), true},
		{"31/02/2024", time.Time{}, false},
		{"0001-01-01T00:00:00", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, c := range cases {
		got, err := parseTime(c.in)
		if (err == nil) != c.ok || !got.Equal(c.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestAttendeesAreReadFromEitherSeparatorAndTyposStayNames(t *testing.T) {
	got := parseAttendees("ana@example.com; Ben Ode <ben@example.com>, Carla ,bob@, ")
	want := []meetingintel.Attendee{{Email: "ana@example.com"}, {Name: "Ben Ode", Email: "ben@example.com"}, {Name: "Carla"}, {Name: "bob@"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("attendee %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestReportNamesEverySkipAndNote(t *testing.T) {
	ctx, s, admin := fixture(t)
	rep := mustImport(t, ctx, s, admin, "testdata/api")
	var b strings.Builder
	rep.WriteTo(&b)
	out := b.String()
	t.Log("\n" + out)
	for _, want := range []string{
		"Meetings:  4 imported, 0 updated, 0 unchanged, 1 skipped",
		"Actions:   4 imported, 0 updated, 0 unchanged, 3 skipped",
		"action 14 (actions.json[3]): unknown meeting 999",
		"meeting 4 (meetings.json[3]): bad MeetingDate",
		"Stored as:  admin@example.com (",
		"ben@example.com (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}
