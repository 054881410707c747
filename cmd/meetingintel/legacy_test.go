package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel/internal/logguard"
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
