package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

func TestMCPOverStdioStartsInTheNamedWorkspace(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "mi.db")
	mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana"))
	mustOK(t, cli(t, nil, "workspaces", "create", "--db", db, "--name", "Fern Hill"))
	mustOK(t, cli(t, nil, "members", "add", "--db", db, "--workspace", "fern-hill", "--email", "ana@example.com", "--role", "member"))
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_current_workspace","arguments":{}}}`,
	}, "\n") + "\n"
	for _, tc := range []struct{ flag, want string }{{"", `"slug":"general"`}, {"Fern Hill", `"slug":"fern-hill"`}} {
		args := []string{"mcp", "--db", db, "--email", "ana@example.com"}
		if tc.flag != "" {
			args = append(args, "--workspace", tc.flag)
		}
		var out, errb bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		code := run(ctx, args, env{stdin: strings.NewReader(in), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
		cancel()
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("--workspace %q: get_current_workspace answered %s", tc.flag, out.String())
		}
	}
	if r := cli(t, nil, "mcp", "--db", db, "--email", "ana@example.com", "--workspace", "nowhere"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
		t.Errorf("an unknown workspace: exit %d, %s", r.code, r.stderr)
	}
}
