package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestWorkspacesAndMembersCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "mi.db")
	for _, u := range []string{"ana", "ben", "eve"} {
		mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", u+"@example.com", "--name", u))
	}
	if r := cli(t, nil, "workspaces", "create", "--db", db, "--name", "API", "--slug", "api"); r.code != 1 || !strings.Contains(r.stderr, "reserved") {
		t.Errorf("a reserved slug: exit %d, %s", r.code, r.stderr)
	}
	if r := cli(t, nil, "workspaces", "create", "--db", db); r.code != 2 {
		t.Errorf("no --name: exit %d", r.code)
	}
	id := strings.TrimSpace(mustOK(t, cli(t, nil, "workspaces", "create", "--db", db, "--name", "Fern Hill")).stdout)
	if id == "" {
		t.Fatal("workspaces create printed no id")
	}
	mustOK(t, cli(t, nil, "members", "add", "--db", db, "--workspace", "fern-hill", "--email", "ana@example.com", "--role", "chair"))
	mustOK(t, cli(t, nil, "members", "add", "--db", db, "--workspace", "Fern Hill", "--email", "ben@example.com", "--role", "viewer"))
	list := mustOK(t, cli(t, nil, "members", "list", "--db", db, "--workspace", id)).stdout
	if !strings.Contains(list, "ana@example.com") || !strings.Contains(list, "chair") || !strings.Contains(list, "viewer") || strings.Contains(list, "eve@") {
		t.Errorf("members list:\n%s", list)
	}
	if r := cli(t, nil, "members", "set-role", "--db", db, "--workspace", "fern-hill", "--email", "ana@example.com", "--role", "member"); r.code != 1 || !strings.Contains(r.stderr, "at least one chair") {
		t.Errorf("demoting the last chair: exit %d, %s", r.code, r.stderr)
	}
	if r := cli(t, nil, "members", "add", "--db", db, "--workspace", "fern-hill", "--email", "eve@example.com", "--role", "owner"); r.code != 2 {
		t.Errorf("an unknown role: exit %d", r.code)
	}

	// --workspace on the data commands.
	vtt := writeFile(t, dir, "review.vtt", teamsVTT)
	mustOK(t, cli(t, nil, "import", "--db", db, "--email", "ana@example.com", "--workspace", "fern-hill", vtt))
	if r := cli(t, nil, "import", "--db", db, "--email", "ben@example.com", "--workspace", "fern-hill", "--title", "Other", vtt); r.code != 1 {
		t.Errorf("a viewer importing: exit %d, %s", r.code, r.stderr)
	}
	for _, tc := range []struct {
		email, ws string
		found     bool
	}{
		{"ana@example.com", "fern-hill", true},
		{"ben@example.com", "FERN-HILL", true},
		{"ana@example.com", "", false}, // her default is the General workspace
		{"ana@example.com", "all", true},
		{"eve@example.com", "all", false},
	} {
		args := []string{"search", "--db", db, "--email", tc.email, "--json", "flamingo"}
		if tc.ws != "" {
			args = append(args, "--workspace", tc.ws)
		}
		r := mustOK(t, cli(t, nil, args...))
		if found := strings.TrimSpace(r.stdout) != ""; found != tc.found {
			t.Errorf("%s searching in %q: found %v, want %v", tc.email, tc.ws, found, tc.found)
		}
	}
	if r := cli(t, nil, "search", "--db", db, "--email", "eve@example.com", "--workspace", "fern-hill", "flamingo"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
		t.Errorf("a non-member naming the workspace: exit %d, %s", r.code, r.stderr)
	}

	mustOK(t, cli(t, nil, "workspaces", "archive", "--db", db, "fern-hill"))
	ws := mustOK(t, cli(t, nil, "workspaces", "list", "--db", db)).stdout
	if !strings.Contains(ws, "general") || !strings.Contains(ws, "archived") {
		t.Errorf("workspaces list:\n%s", ws)
	}
	if r := cli(t, nil, "import", "--db", db, "--email", "ana@example.com", "--workspace", "fern-hill", "--title", "Late", vtt); r.code != 1 || !strings.Contains(r.stderr, "archived") {
		t.Errorf("importing into an archived workspace: exit %d, %s", r.code, r.stderr)
	}
	mustOK(t, cli(t, nil, "workspaces", "archive", "--db", db, "--restore", "fern-hill"))
	mustOK(t, cli(t, nil, "members", "remove", "--db", db, "--workspace", "fern-hill", "--email", "ben@example.com"))
	if r := cli(t, nil, "search", "--db", db, "--email", "ben@example.com", "--workspace", "fern-hill", "flamingo"); r.code != 1 {
		t.Errorf("a removed member searching: exit %d", r.code)
	}
}
