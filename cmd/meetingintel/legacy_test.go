package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/logguard"
	"github.com/meetingintel/meetingintel/sqlite"
)

// importLegacy runs cmdImportLegacy in-process (it is called directly so
// the test does not depend on the dispatcher entry).
func importLegacy(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: logguard.Tee(&errb), getenv: func(string) string { return "" }}
	err := cmdImportLegacy(context.Background(), args, e)
	code := 0
	if _, usage := err.(*usageError); usage {
		code = 2
	} else if err != nil {
		code = 1
		errb.WriteString(errorLine(err))
	}
	return result{code, out.String(), errb.String()}
}

func TestImportLegacyPrintsASummaryAndIsIdempotent(t *testing.T) {
	db := filepath.Join(t.TempDir(), "mi.db")
	mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "admin@example.com", "--name", "Admin", "--admin"))
	data := filepath.Join("..", "..", "legacy", "testdata")
	r := importLegacy(t, "--db", db, "--email", "admin@example.com", data)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"Meetings:  6 imported", "Actions:   6 imported", "Decisions: 4 imported", "Skipped:", "unknown meeting 999"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "README.txt") {
		t.Errorf("the ignored README.txt was not mentioned: %q", r.stderr)
	}
	r = importLegacy(t, "--db", db, "--email", "admin@example.com", data)
	if r.code != 0 || !strings.Contains(r.stdout, "Meetings:  0 imported, 6 updated") || !strings.Contains(r.stdout, "Actions:   0 imported, 0 updated, 6 unchanged") {
		t.Fatalf("re-run: exit %d\n%s", r.code, r.stdout)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no path is a usage error", []string{"--db", db, "--email", "admin@example.com"}, 2, ""},
		{"no email is a usage error", []string{"--db", db, data}, 2, ""},
		{"an unknown user is refused", []string{"--db", db, "--email", "ghost@example.com", data}, 1, "no user ghost@example.com"},
		{"a missing path is named", []string{"--db", db, "--email", "admin@example.com", "nope.json"}, 1, "nope.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := importLegacy(t, c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q)", r.code, c.code, r.stderr, c.want)
			}
		})
	}
}

// writeWorkspaceExport writes one workspace of the replaced system's
// offboarding export (export_client_data.py: its tables' rows as
// meeting.json, action.json, decision.json, and export-manifest.json).
func writeWorkspaceExport(t *testing.T, dir, slug, name, topic string, meetingCount int) {
	t.Helper()
	ws := filepath.Join(dir, slug)
	if err := os.MkdirAll(ws, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, ws, "meeting.json", `[
  {"id": 1, "title": "`+topic+` kickoff", "meeting_date": "2026-10-01T09:00:00Z", "summary": "Started.", "raw_transcript": "Ana: let us start.", "source": "Manual"},
  {"id": 2, "title": "`+topic+` review", "meeting_date": "2026-10-08T09:00:00Z", "summary": "Reviewed.", "source": "Manual"}
]`)
	writeFile(t, ws, "action.json", `[{"id": 1, "meeting_id": 2, "action_text": "Follow up on `+topic+`", "owner": "Ana", "status": "Open"}]`)
	writeFile(t, ws, "decision.json", `[{"id": 1, "meeting_id": 1, "decision_text": "`+topic+` goes first"}]`)
	writeFile(t, ws, "export-manifest.json", fmt.Sprintf(`{"workspace": {"slug": %q, "name": %q}, "exported_at": "2026-11-30T17:45:00Z",
  "counts": {"meetings": %d, "actions": 1, "decisions": 1}}`, slug, name, meetingCount))
}

// workspaceTitles opens the database as email and returns the titles of
// the meetings in each workspace they are a member of, by slug.
func workspaceTitles(t *testing.T, db, email string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.FindUserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	uctx := meetingintel.NewContextWithUser(ctx, u)
	ws, err := s.FindWorkspaces(uctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, w := range ws {
		if w.Role == "" {
			continue // an org admin's view of a workspace they are not in
		}
		ms, _, err := s.FindMeetings(meetingintel.NewContextWithWorkspace(uctx, w.Slug), meetingintel.MeetingFilter{Limit: meetingintel.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		titles := []string{}
		for _, m := range ms {
			titles = append(titles, m.Title)
		}
		sort.Strings(titles)
		out[w.Slug] = titles
	}
	return out
}

func TestImportLegacyReadsAMultiWorkspaceExportIntoOneWorkspaceEach(t *testing.T) {
	db := filepath.Join(t.TempDir(), "mi.db")
	mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "admin@example.com", "--name", "Admin", "--admin"))
	export := t.TempDir()
	writeWorkspaceExport(t, export, "acme", "Acme Corp", "hiring", 2)
	writeWorkspaceExport(t, export, "globex", "Globex", "pricing", 2)
	r := importLegacy(t, "--db", db, "--email", "admin@example.com", export)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"Into workspace acme (Acme Corp, created, you its chair)", "Workspace: acme (Acme Corp), exported 2026-11-30T17:45:00Z",
		"Into workspace globex (Globex, created, you its chair)", "Workspace: globex (Globex)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := strings.Count(r.stdout, "Meetings:  2 imported"); n != 2 {
		t.Errorf("want both workspaces' 2 meetings imported (same old ids), summary:\n%s", r.stdout)
	}
	want := map[string][]string{"acme": {"hiring kickoff", "hiring review"}, "globex": {"pricing kickoff", "pricing review"}}
	got := workspaceTitles(t, db, "admin@example.com")
	for slug, titles := range want {
		if !slices.Equal(got[slug], titles) {
			t.Errorf("workspace %s holds %v, want %v", slug, got[slug], titles)
		}
	}
	for slug, titles := range got {
		if want[slug] == nil && len(titles) > 0 {
			t.Errorf("workspace %s got %v", slug, titles)
		}
	}
	r = importLegacy(t, "--db", db, "--email", "admin@example.com", export)
	if r.code != 0 || strings.Contains(r.stdout, "created") || strings.Count(r.stdout, "Meetings:  0 imported, 2 updated") != 2 ||
		strings.Count(r.stdout, "Actions:   0 imported, 0 updated, 1 unchanged") != 2 ||
		strings.Count(r.stdout, "Decisions: 0 imported, 0 updated, 1 unchanged") != 2 {
		t.Fatalf("re-run: exit %d\n%s", r.code, r.stdout)
	}
	if r := importLegacy(t, "--db", db, "--email", "admin@example.com", "--workspace", "acme", export); r.code != 2 || r.stdout != "" {
		t.Errorf("--workspace with two exports: exit %d, %q", r.code, r.stderr)
	}
}

func TestImportLegacyIntoANamedWorkspace(t *testing.T) {
	db := filepath.Join(t.TempDir(), "mi.db")
	mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "admin@example.com", "--name", "Admin", "--admin"))
	mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ben@example.com", "--name", "Ben"))
	export := t.TempDir()
	writeWorkspaceExport(t, export, "acme", "Acme Corp", "hiring", 2)
	// A user who is not an org admin cannot create the workspace: nothing is stored.
	if r := importLegacy(t, "--db", db, "--email", "ben@example.com", "--workspace", "Client One", filepath.Join(export, "acme")); r.code != 1 ||
		!strings.Contains(r.stderr, "only an org admin may create one") || r.stdout != "" {
		t.Fatalf("non-admin: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	r := importLegacy(t, "--db", db, "--email", "admin@example.com", "--workspace", "Client One", filepath.Join(export, "acme"))
	if r.code != 0 || !strings.Contains(r.stdout, "Into workspace client-one (Client One, created, you its chair)") {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if got := workspaceTitles(t, db, "admin@example.com")["client-one"]; !slices.Equal(got, []string{"hiring kickoff", "hiring review"}) {
		t.Fatalf("client-one holds %v", got)
	}
	// Ben is in the default workspace only: he may not add to client-one.
	if r := importLegacy(t, "--db", db, "--email", "ben@example.com", "--workspace", "client-one", filepath.Join(export, "acme")); r.code != 1 ||
		!strings.Contains(r.stderr, `ben@example.com is not a member of a workspace "client-one"`) {
		t.Fatalf("non-member: exit %d stderr %q", r.code, r.stderr)
	}
	// Plain data goes to the default workspace.
	r = importLegacy(t, "--db", db, "--email", "ben@example.com", filepath.Join("..", "..", "legacy", "testdata", "api"))
	if r.code != 0 || !strings.Contains(r.stdout, "Into workspace general (General)") {
		t.Fatalf("plain data: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestImportLegacyRefusesACutOffExportAndStoresNothing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "mi.db")
	mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "admin@example.com", "--name", "Admin", "--admin"))
	export := t.TempDir()
	writeWorkspaceExport(t, export, "acme", "Acme Corp", "hiring", 2)
	writeWorkspaceExport(t, export, "globex", "Globex", "pricing", 5) // the file holds 2
	r := importLegacy(t, "--db", db, "--email", "admin@example.com", export)
	if r.code != 1 || !strings.Contains(r.stderr, "says 5 meetings, the export's files hold 2") || !strings.Contains(r.stderr, "globex") ||
		!strings.Contains(r.stderr, "--ignore-counts") || r.stdout != "" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if got := workspaceTitles(t, db, "admin@example.com"); len(got["acme"])+len(got["globex"]) > 0 || got["acme"] != nil {
		t.Fatalf("stored although globex's export is cut off: %v", got)
	}
	r = importLegacy(t, "--db", db, "--email", "admin@example.com", "--ignore-counts", export)
	if r.code != 0 || !strings.Contains(r.stderr, "Warning:") || strings.Count(r.stdout, "Meetings:  2 imported") != 2 {
		t.Fatalf("--ignore-counts: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}
