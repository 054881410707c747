package legacy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel"
)

// exportWorkspace writes one workspace's export as export_client_data.py
// does: meeting.json, action.json and decision.json (its tables' rows,
// snake_case) and export-manifest.json. Both workspaces of a test use the
// same old ids, as two databases of the old system would.
func exportWorkspace(t *testing.T, dir, slug, name, topic string, manifest map[string]any) string {
	t.Helper()
	ws := filepath.Join(dir, slug)
	if err := os.MkdirAll(ws, 0o755); err != nil {
		t.Fatal(err)
	}
	meetings := []map[string]any{
		{"id": 1, "workspace_id": 7, "title": topic + " kickoff", "meeting_date": "2026-10-01T09:00:00Z",
			"raw_transcript": "Ana: we start the " + topic + " work.\nBen: agreed.", "summary": "Started " + topic + ".",
			"attendees": "Ana Ruiz, ben@example.com", "source": "Manual", "tags": topic + ", kickoff", "created_by": "ben@example.com"},
		{"id": 2, "workspace_id": 7, "title": topic + " review", "meeting_date": "2026-10-08 09:00:00",
			"summary": "Reviewed " + topic + ".", "source": "Manual", "created_by": "ana@example.com"},
	}
	actions := []map[string]any{
		{"id": 1, "meeting_id": 1, "action_text": "Draft the " + topic + " plan", "owner": "Ana Ruiz", "status": "Open", "due_date": "2026-10-15"},
		{"id": 2, "meeting_id": 2, "action_text": "Send the " + topic + " notes", "owner": "Ben", "status": "Complete"},
	}
	decisions := []map[string]any{
		{"id": 1, "meeting_id": 1, "decision_text": "We do " + topic + " first", "context": "Budget allows it."},
	}
	if manifest == nil {
		manifest = map[string]any{
			"workspace":   map[string]any{"id": 7, "slug": slug, "name": name},
			"exported_at": "2026-11-30T17:45:00Z",
			"counts":      map[string]any{"meetings": len(meetings), "actions": len(actions), "decisions": len(decisions)},
		}
	}
	for file, v := range map[string]any{"meeting.json": meetings, "action.json": actions, "decision.json": decisions, ManifestName: manifest} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ws, file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return ws
}

func TestAMultiWorkspaceExportReadsAsOneBatchPerWorkspace(t *testing.T) {
	dir := t.TempDir()
	exportWorkspace(t, dir, "globex", "Globex Inc.", "pricing", nil)
	exportWorkspace(t, dir, "acme", "Acme Corp", "hiring", nil)
	bs, err := ReadAll(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 {
		t.Fatalf("%d batches, want one per workspace", len(bs))
	}
	for i, want := range []struct{ slug, name, topic string }{{"acme", "Acme Corp", "hiring"}, {"globex", "Globex Inc.", "pricing"}} {
		b := bs[i]
		m := b.Workspace
		if m == nil || m.Slug != want.slug || m.Name != want.name || m.ExportedAt != "2026-11-30T17:45:00Z" || m.At.IsZero() {
			t.Fatalf("batch %d manifest %+v, want workspace %s", i, m, want.slug)
		}
		if m.Counts["meeting"] != 2 || m.Counts["action"] != 2 || m.Counts["decision"] != 1 {
			t.Errorf("%s counts %v", want.slug, m.Counts)
		}
		if len(b.Meetings) != 2 || len(b.Actions) != 2 || len(b.Decisions) != 1 || !strings.HasPrefix(b.Meetings[0].Title, want.topic) {
			t.Errorf("%s read %d meetings, %d actions, %d decisions (%q)", want.slug, len(b.Meetings), len(b.Actions), len(b.Decisions), b.Meetings[0].Title)
		}
		if !strings.HasPrefix(b.Meetings[0].Ref, want.slug+string(filepath.Separator)+"meeting.json[") {
			t.Errorf("ref %q does not name the workspace's folder", b.Meetings[0].Ref)
		}
		if ms := b.CountMismatches(); ms != nil {
			t.Errorf("%s: mismatches %v", want.slug, ms)
		}
	}
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "2 workspace exports") {
		t.Fatalf("Read of two workspaces: %v, want a refusal", err)
	}
	// One workspace's folder given alone reads as one batch.
	b, err := Read(filepath.Join(dir, "acme"))
	if err != nil || b.Workspace == nil || b.Workspace.Slug != "acme" {
		t.Fatalf("one workspace: %v %+v", err, b)
	}
}

func TestTwoWorkspacesWithTheSameOldIDsImportApartAndReRunsDuplicateNothing(t *testing.T) {
	ctx, s, admin := fixture(t)
	dir := t.TempDir()
	exportWorkspace(t, dir, "acme", "Acme Corp", "hiring", nil)
	exportWorkspace(t, dir, "globex", "Globex Inc.", "pricing", nil)
	importAll := func() []*Report {
		bs, err := ReadAll(dir)
		if err != nil {
			t.Fatal(err)
		}
		var reps []*Report
		for _, b := range bs {
			rep, err := Import(ctx, s, admin, b)
			if err != nil {
				t.Fatal(err)
			}
			reps = append(reps, rep)
		}
		return reps
	}
	for _, rep := range importAll() {
		if rep.Meetings.Imported != 2 || rep.Actions.Imported != 2 || rep.Decisions.Imported != 1 || len(rep.Skips) != 0 {
			var sb strings.Builder
			rep.WriteTo(&sb)
			t.Fatalf("first import:\n%s", sb.String())
		}
	}
	ms := allMeetings(t, ctx, s)
	if len(ms) != 4 {
		t.Fatalf("%d meetings stored, want both workspaces' two", len(ms))
	}
	// Each workspace's action 1 links to its own meeting 1.
	as := allActions(t, ctx, s)
	for _, c := range []struct{ action, meeting string }{{"Draft the hiring plan", "hiring kickoff"}, {"Draft the pricing plan", "pricing kickoff"}} {
		a := as[c.action]
		if a == nil || a.MeetingID == nil || *a.MeetingID != ms[c.meeting].ID {
			t.Errorf("action %q is not linked to %q: %+v", c.action, c.meeting, a)
		}
		if a != nil && !strings.Contains(a.Notes, ActionMarkerPrefix) {
			t.Errorf("action %q carries no old-id marker: %q", c.action, a.Notes)
		}
	}
	ds := allDecisions(t, ctx, s)
	if d := ds["We do pricing first"]; d == nil || d.MeetingID != ms["pricing kickoff"].ID {
		t.Errorf("globex's decision is not on globex's meeting: %+v", d)
	}
	if m := ms["hiring kickoff"]; m.Source != SourceLegacy || m.SourceMeetingID != SourceIDPrefix+"acme/1" {
		t.Errorf("acme's meeting 1 keyed %q %q", m.Source, m.SourceMeetingID)
	}
	for _, rep := range importAll() {
		if rep.Meetings.Imported != 0 || rep.Actions.Imported != 0 || rep.Actions.Unchanged != 2 || rep.Decisions.Unchanged != 1 {
			var sb strings.Builder
			rep.WriteTo(&sb)
			t.Fatalf("re-run:\n%s", sb.String())
		}
	}
	if n := len(allMeetings(t, ctx, s)); n != 4 {
		t.Fatalf("re-run: %d meetings", n)
	}
	var sb strings.Builder
	reps := importAll()
	reps[0].WriteTo(&sb)
	if !strings.Contains(sb.String(), "Workspace: acme (Acme Corp), exported 2026-11-30T17:45:00Z") {
		t.Errorf("the report does not name the workspace:\n%s", sb.String())
	}
}

func TestManifestShapesAndCounts(t *testing.T) {
	cases := []struct {
		name     string
		manifest map[string]any
		slug     string
		wsName   string
		counts   map[string]int
	}{
		{"flat snake_case", map[string]any{"workspace_slug": "acme", "workspace_name": "Acme", "meeting_count": 2, "action_count": 2, "decision_count": 1},
			"acme", "Acme", map[string]int{"meeting": 2, "action": 2, "decision": 1}},
		{"camelCase, a slug string", map[string]any{"workspace": "acme", "exportedAt": "2026-11-30", "counts": map[string]any{"Meeting": 2}},
			"acme", "acme", map[string]int{"meeting": 2}},
		{"per-file tables", map[string]any{"workspace": map[string]any{"name": "Acme Corp."}, "tables": []any{
			map[string]any{"table": "meeting", "file": "meeting.json", "rows": 2}, map[string]any{"table": "decision", "rows": 1}}},
			"acme-corp", "Acme Corp.", map[string]int{"meeting": 2, "decision": 1}},
		{"files map", map[string]any{"workspace": map[string]any{"slug": "acme"}, "files": map[string]any{"meeting.json": map[string]any{"count": 2}, "action.json": 2}},
			"acme", "acme", map[string]int{"meeting": 2, "action": 2}},
		{"no workspace: the folder's name", map[string]any{"version": 1}, "acme", "acme", map[string]int{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			exportWorkspace(t, dir, "acme", "", "hiring", c.manifest)
			b, err := Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			m := b.Workspace
			if m == nil || m.Slug != c.slug || m.Name != c.wsName || len(m.Counts) != len(c.counts) {
				t.Fatalf("manifest %+v, want slug %q name %q counts %v", m, c.slug, c.wsName, c.counts)
			}
			for k, v := range c.counts {
				if m.Counts[k] != v {
					t.Errorf("count %s = %d, want %d", k, m.Counts[k], v)
				}
			}
			if err := CheckCounts([]*Batch{b}); err != nil {
				t.Errorf("counts that hold: %v", err)
			}
		})
	}
}

func TestACutOffExportIsNamedAndNothingIsImported(t *testing.T) {
	dir := t.TempDir()
	exportWorkspace(t, dir, "acme", "Acme", "hiring", map[string]any{
		"workspace": map[string]any{"slug": "acme"}, "counts": map[string]any{"meetings": 3, "actions": 2, "decisions": 4}})
	exportWorkspace(t, dir, "globex", "Globex", "pricing", nil)
	bs, err := ReadAll(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = CheckCounts(bs)
	if err == nil {
		t.Fatal("no mismatch reported")
	}
	for _, want := range []string{filepath.Join("acme", ManifestName) + " says 3 meetings, the export's files hold 2",
		"says 4 decisions, the export's files hold 1", "nothing was imported"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "globex") || strings.Contains(err.Error(), "actions") {
		t.Errorf("reports a count that holds: %v", err)
	}
}

func TestBadManifestsStopTheReadNamingTheFile(t *testing.T) {
	cases := []struct {
		name, manifest, want string
	}{
		{"broken JSON", "{\n\"workspace\": \n}", "not valid JSON: line 3"},
		{"not an object", `["acme"]`, "not a JSON object"},
		{"a bad slug", `{"workspace": {"slug": "Acme Corp"}}`, `Workspace slug "Acme Corp" must be 2 to 100 lower-case letters`},
		{"a reserved slug", `{"workspace": "admin"}`, `Workspace slug "admin" is reserved`},
		{"a count that is not a number", `{"workspace": "acme", "counts": {"meetings": "many"}}`, "counts meetings: many is not a number"},
		{"a negative count", `{"workspace": "acme", "counts": {"meetings": -1}}`, "is not a row count"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			ws := exportWorkspace(t, dir, "acme", "Acme", "hiring", nil)
			if err := os.WriteFile(filepath.Join(ws, ManifestName), []byte(c.manifest), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadAll(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), ManifestName) {
				t.Fatalf("err %v, want one naming %s with %q", err, ManifestName, c.want)
			}
		})
	}
	t.Run("two folders of one workspace", func(t *testing.T) {
		dir := t.TempDir()
		exportWorkspace(t, dir, "acme", "Acme", "hiring", nil)
		exportWorkspace(t, dir, "acme-copy", "Acme", "hiring", map[string]any{"workspace": "acme"})
		if _, err := ReadAll(dir); err == nil || !strings.Contains(err.Error(), `both workspace "acme"`) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a bad row names its workspace's file and row", func(t *testing.T) {
		dir := t.TempDir()
		ws := exportWorkspace(t, dir, "acme", "Acme", "hiring", nil)
		if err := os.WriteFile(filepath.Join(ws, "action.json"), []byte(`[{"id": 1, "action_text": "ok"}, {"foo": 2}]`), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadAll(dir)
		if err == nil || !strings.Contains(err.Error(), filepath.Join("acme", "action.json")+"[1] is not a meeting, action or decision") {
			t.Fatalf("err %v", err)
		}
	})
}

func TestATopLevelIndexManifestIsNotAWorkspace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "export-2026-11-30")
	exportWorkspace(t, dir, "acme", "Acme", "hiring", nil)
	exportWorkspace(t, dir, "globex", "Globex", "pricing", nil)
	index := `{"exported_at": "2026-11-30T17:45:00Z", "workspaces": ["acme", "globex"], "counts": {"meetings": 4}}`
	if err := os.WriteFile(filepath.Join(dir, ManifestName), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	bs, err := ReadAll(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].Workspace.Slug != "acme" || bs[1].Workspace.Slug != "globex" {
		t.Fatalf("%d batches", len(bs))
	}
	if err := CheckCounts(bs); err != nil {
		t.Fatal(err)
	}
}

// Plain data beside a workspace export stays its own batch, keyed as before.
func TestPlainDataBesideAnExportIsItsOwnBatch(t *testing.T) {
	dir := t.TempDir()
	exportWorkspace(t, dir, "acme", "Acme", "hiring", nil)
	bs, err := ReadAll("testdata/api", dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].Workspace != nil || bs[1].Workspace == nil || len(bs[0].Meetings) == 0 {
		t.Fatalf("batches %d", len(bs))
	}
	ctx, s, admin := fixture(t)
	rep, err := Import(ctx, s, admin, bs[0])
	if err != nil || rep.Workspace != nil {
		t.Fatal(err)
	}
	ms, _, err := s.FindMeetings(ctx, meetingintel.MeetingFilter{Limit: meetingintel.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if strings.Contains(m.SourceMeetingID, "/") {
			t.Errorf("plain data keyed as a workspace's: %q", m.SourceMeetingID)
		}
	}
}

func TestAnAuthorWhoMayNotAddToTheWorkspaceIsStoredAsTheActor(t *testing.T) {
	ctx, s, admin := fixture(t)
	w := &meetingintel.Workspace{Slug: "acme", Name: "Acme Corp"}
	if err := s.CreateWorkspace(ctx, w); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetMember(ctx, w.ID, admin.Email, meetingintel.RoleChair); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	exportWorkspace(t, dir, "acme", "Acme Corp", "hiring", nil) // meeting 1 by ben@example.com, a user outside acme
	b, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	wctx := meetingintel.NewContextWithWorkspace(ctx, "acme")
	rep, err := Import(wctx, s, admin, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Skips) != 0 || rep.Meetings.Imported != 2 || len(rep.NonMembers) != 1 || rep.NonMembers[0] != "ben@example.com" {
		var sb strings.Builder
		rep.WriteTo(&sb)
		t.Fatalf("report:\n%s", sb.String())
	}
	ms, _, err := s.FindMeetings(wctx, meetingintel.MeetingFilter{Limit: 10})
	if err != nil || len(ms) != 2 {
		t.Fatalf("acme holds %d meetings: %v", len(ms), err)
	}
	for _, m := range ms {
		if m.CreatedBy != admin.Email || m.WorkspaceID != w.ID {
			t.Errorf("%q stored as %s in workspace %d, want the actor in acme (%d)", m.Title, m.CreatedBy, m.WorkspaceID, w.ID)
		}
	}
}
