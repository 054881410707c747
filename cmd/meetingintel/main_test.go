package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/logguard"
	"github.com/meetingintel/meetingintel/sqlite"
)

// result is what one command run printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// cli runs the command in-process with its own stdout, stderr and env.
func cli(t testing.TB, envs map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, args, env{stdin: strings.NewReader(""), stdout: &out, stderr: logguard.Tee(&errb), getenv: func(k string) string { return envs[k] }})
	return result{code, out.String(), errb.String()}
}

func mustOK(t testing.TB, r result) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, stderr: %s", r.code, r.stderr)
	}
	return r
}

var patRE = regexp.MustCompile(`^mi_pat_[A-Za-z0-9_-]{43}\n$`)

const teamsVTT = "WEBVTT\n\n" +
	"0f8d3c7e-1a2b-4c5d-9e8f-0a1b2c3d4e5f/12-0\n00:00:03.120 --> 00:00:07.480\n<v Ana Ruiz>Let&#39;s settle the pricing page today.</v>\n\n" +
	"0f8d3c7e-1a2b-4c5d-9e8f-0a1b2c3d4e5f/13-0\n00:00:07.900 --> 00:00:12.000\n<v Ben Ode>I propose we show annual prices by default &amp; hide the enterprise tier.</v>\n\n" +
	"0f8d3c7e-1a2b-4c5d-9e8f-0a1b2c3d4e5f/14-0\n00:00:12.500 --> 00:00:15.000\n<v Ana Ruiz>Agreed, the flamingo budget can wait.</v>\n"

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUsersAddPrintsTheTokenAloneOnStdout(t *testing.T) {
	db := filepath.Join(t.TempDir(), "mi.db")
	r := mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "Ana@Example.com", "--name", "Ana Ruiz", "--admin"))
	if !patRE.MatchString(r.stdout) {
		t.Fatalf("stdout is not one PAT line: %q", r.stdout)
	}
	if strings.Contains(r.stderr, "mi_pat_") {
		t.Fatalf("the token leaked to stderr: %q", r.stderr)
	}
	// The same email again is a conflict, exit 1, one line.
	r = cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana")
	if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || r.stdout != "" {
		t.Fatalf("duplicate user: code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	r = mustOK(t, cli(t, nil, "users", "list", "--db", db))
	if !strings.Contains(r.stdout, "ana@example.com") || !strings.Contains(r.stdout, "true") {
		t.Fatalf("users list: %q", r.stdout)
	}
}

func TestTokensCreateListRevoke(t *testing.T) {
	db := filepath.Join(t.TempDir(), "mi.db")
	mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "sam@example.com", "--name", "Sam"))
	r := mustOK(t, cli(t, nil, "tokens", "create", "--db", db, "--email", "sam@example.com", "--label", "Copilot Studio"))
	if !patRE.MatchString(r.stdout) {
		t.Fatalf("tokens create stdout: %q", r.stdout)
	}
	tok := strings.TrimSpace(r.stdout)
	r = mustOK(t, cli(t, nil, "tokens", "list", "--db", db, "--email", "sam@example.com"))
	if !strings.Contains(r.stdout, "Copilot Studio") || strings.Contains(r.stdout, tok) {
		t.Fatalf("tokens list: %q", r.stdout)
	}
	m := regexp.MustCompile(`(?m)^(\d+)\s+Copilot Studio`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no id in %q", r.stdout)
	}
	mustOK(t, cli(t, nil, "tokens", "revoke", m[1], "--db", db))

	s, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, _, err := s.AuthenticateToken(context.Background(), tok); meetingintel.ErrorCode(err) != meetingintel.EUNAUTHORIZED {
		t.Fatalf("revoked token still authenticates: %v", err)
	}
	r = mustOK(t, cli(t, nil, "tokens", "list", "--db", db, "--email", "sam@example.com"))
	if !strings.Contains(r.stdout, "revoked") {
		t.Fatalf("tokens list after revoke: %q", r.stdout)
	}
	mustOK(t, cli(t, nil, "tokens", "create", "--db", db, "--email", "sam@example.com", "--label", "Monthly", "--expires-days", "30"))
	r = mustOK(t, cli(t, nil, "tokens", "list", "--db", db, "--email", "sam@example.com"))
	want := time.Now().AddDate(0, 0, 30).UTC().Format(time.DateOnly)
	if !regexp.MustCompile(`(?m)^\d+\s+Monthly\s+\S+\s+never\s+` + want + `T\S+\s+active$`).MatchString(r.stdout) {
		t.Fatalf("tokens list does not show the expiry %s:\n%s", want, r.stdout)
	}
	if r := cli(t, nil, "tokens", "create", "--db", db, "--email", "sam@example.com", "--expires-days", "-1"); r.code != 2 {
		t.Fatalf("negative expiry: code %d", r.code)
	}
	if r := cli(t, nil, "tokens", "revoke", "abc", "--db", db); r.code != 2 {
		t.Fatalf("bad id: code %d", r.code)
	}
	if r := cli(t, nil, "tokens", "create", "--db", db, "--email", "nobody@example.com"); r.code != 1 || !strings.Contains(r.stderr, "no user nobody@example.com") {
		t.Fatalf("unknown user: %+v", r)
	}
}

func TestImportThenSearchFindsTheSentence(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "mi.db")
	mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana Ruiz"))
	vtt := writeFile(t, dir, "pricing_review.vtt", teamsVTT)
	r := mustOK(t, cli(t, nil, "import", "--db", db, "--email", "ana@example.com", "--date", "2026-03-04T14:00:00Z",
		"--tags", "Pricing,web", "--attendees", "ana@example.com,ben.ode@example.com", vtt))
	id := strings.TrimSpace(r.stdout)
	if !regexp.MustCompile(`^\d+$`).MatchString(id) {
		t.Fatalf("import stdout is not one id: %q", r.stdout)
	}

	// Re-importing the same file updates, it does not duplicate.
	r = mustOK(t, cli(t, nil, "import", "--db", db, "--email", "ana@example.com", "--title", "Pricing page review", vtt))
	if strings.TrimSpace(r.stdout) != id {
		t.Fatalf("re-import made meeting %q, want the same id %s", r.stdout, id)
	}

	r = mustOK(t, cli(t, nil, "search", "--db", db, "--email", "ana@example.com", "--json", "what did we say about the flamingo budget?"))
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var hit map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &hit); err != nil {
		t.Fatalf("search --json line %q: %v", lines[0], err)
	}
	if fmt.Sprint(hit["meeting_id"]) != id || hit["kind"] != "segment" || hit["speaker"] != "Ana Ruiz" ||
		fmt.Sprint(hit["start_ms"]) != "12500" || !strings.Contains(fmt.Sprint(hit["snippet"]), "flamingo") {
		t.Fatalf("first hit: %v", hit)
	}

	r = mustOK(t, cli(t, nil, "search", "--db", db, "--email", "ana@example.com", "flamingo"))
	if !strings.Contains(r.stdout, "#"+id+"  Pricing page review") || !strings.Contains(r.stdout, "Ana Ruiz @ 0:12") {
		t.Fatalf("human search output: %q", r.stdout)
	}
}

func TestPrivateImportIsInvisibleToOtherMembers(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "mi.db")
	mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana"))
	mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "eve@example.com", "--name", "Eve"))
	vtt := writeFile(t, dir, "one-on-one.vtt", teamsVTT)
	mustOK(t, cli(t, nil, "import", "--db", db, "--email", "ana@example.com", "--visibility", "private", vtt))
	r := mustOK(t, cli(t, nil, "search", "--db", db, "--email", "eve@example.com", "--json", "flamingo"))
	if strings.TrimSpace(r.stdout) != "" {
		t.Fatalf("another member found a private meeting: %q", r.stdout)
	}
	r = mustOK(t, cli(t, nil, "search", "--db", db, "--email", "ana@example.com", "--json", "flamingo"))
	if strings.TrimSpace(r.stdout) == "" {
		t.Fatal("the creator cannot find their own private meeting")
	}
}

func TestImportRefusesBadInputAndStoresNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "mi.db")
	mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana"))
	good := writeFile(t, dir, "good.vtt", teamsVTT)
	big := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(big, bytes.Repeat([]byte("Ana: hello there\n"), 11<<20/17+1), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"an unknown format", []string{"--format", "docx", good}, 1, "docx"},
		{"an empty file", []string{writeFile(t, dir, "empty.vtt", "")}, 1, "empty.vtt"},
		{"a binary file", []string{writeFile(t, dir, "blob.bin", "\x00\x01\x02\xff\xfe\x00PK\x03\x04")}, 1, "blob.bin"},
		{"a broken timestamp names the line", []string{writeFile(t, dir, "broken.vtt", "WEBVTT\n\n00:00:01.000 --> 00:0x:02.000\n<v Ana>hi</v>\n")}, 1, "broken.vtt: line 3"},
		{"a file over the size limit", []string{big}, 1, "limit"},
		{"a missing file", []string{filepath.Join(dir, "nope.vtt")}, 1, "nope.vtt"},
		{"an unknown user", []string{"--email", "ghost@example.com", good}, 1, "no user ghost@example.com"},
		{"a bad date", []string{"--date", "yesterday", good}, 2, "RFC 3339"},
		{"a bad visibility", []string{"--visibility", "secret", good}, 2, "visibility"},
		{"one bad file among good ones", []string{good, writeFile(t, dir, "bad.srt", "1\n00:00:01,000 --> nonsense\nAna: hi\n")}, 1, "bad.srt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"import", "--db", db, "--email", "ana@example.com"}, c.args...)
			r := cli(t, nil, args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d (stderr %q)", r.code, c.code, r.stderr)
			}
			if r.stdout != "" {
				t.Fatalf("stdout not empty: %q", r.stdout)
			}
			if !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Fatalf("stderr %q should be one line containing %q", r.stderr, c.want)
			}
		})
	}
	r := mustOK(t, cli(t, nil, "search", "--db", db, "--email", "ana@example.com", "--json", "flamingo"))
	if strings.TrimSpace(r.stdout) != "" {
		t.Fatalf("a refused import stored something: %q", r.stdout)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"users"}, {"users", "add", "--email", "x@example.com"}, {"search", "--email", "a@example.com"}, {"serve", "--nope"}} {
		if r := cli(t, nil, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
	}
}

func TestServeConfigErrorsNameTheSetting(t *testing.T) {
	db := filepath.Join(t.TempDir(), "mi.db")
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"INSTANCE": "staging"}, "INSTANCE"},
		{map[string]string{"INSTANCE": "team"}, "PUBLIC_URL"},
		{map[string]string{"INSTANCE": "team", "PUBLIC_URL": "http://team.example.com"}, "PUBLIC_URL: must be https"},
		{map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{map[string]string{"PUBLIC_URL": "team.example.com"}, "PUBLIC_URL"},
		{map[string]string{"ADDR": "nonsense"}, "ADDR"},
		{map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{map[string]string{"MCP_AUTH_TOKENS": "{not json"}, "MCP_AUTH_TOKENS"},
		{map[string]string{"OAUTH_REGISTER_PER_MIN": "0"}, "OAUTH_REGISTER_PER_MIN"},
		{map[string]string{"OAUTH_REGISTER_TOTAL_PER_MIN": "lots"}, "OAUTH_REGISTER_TOTAL_PER_MIN"},
		{map[string]string{"SEARCH_LOG_RETENTION": "2"}, "SEARCH_LOG_RETENTION"},
		{map[string]string{"SEARCH_LOG_RETENTION": "5m"}, "SEARCH_LOG_RETENTION: must be a duration of at least 1h0m0s"},
	}
	for _, c := range cases {
		args := []string{"serve", "--db", db, "--addr", firstNonEmpty(c.env["ADDR"], "127.0.0.1:0")}
		if c.env["DATABASE_URL"] != "" {
			args = []string{"serve", "--addr", "127.0.0.1:0"} // --db would win over DATABASE_URL
		}
		r := cli(t, c.env, args...)
		if r.code == 0 || !strings.HasPrefix(r.stderr[strings.LastIndex(strings.TrimSpace(r.stderr), "\n")+1:], "meetingintel: "+c.want) {
			t.Errorf("env %v: exit %d, stderr %q; want a line starting %q", c.env, r.code, r.stderr, c.want)
		}
	}
}

// TestServeBinary builds the real binary, starts it with demo data, checks
// health, readiness and the welcome message, and stops it with SIGTERM.
func TestServeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	addr := freeAddr(t)
	db := filepath.Join(t.TempDir(), "data", "mi.db")
	srv := startServeProcess(t, bin, addr, nil, "--demo", "--db", db)
	resp, err := plainHTTP.Get(srv.base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	resp.Body.Close()

	start := time.Now()
	if err := srv.signal(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve did not exit cleanly on SIGTERM: %v\n%s", err, srv.log.String())
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
	log := srv.log.String()
	if !strings.Contains(log, "demo data loaded") || !regexp.MustCompile(`mi_pat_[A-Za-z0-9_-]{43}`).MatchString(log) || !strings.Contains(log, "admin@localhost") {
		t.Fatalf("welcome/demo messages missing:\n%s", log)
	}

	// A second start on the same database creates no admin and prints no token.
	srv = startServeProcess(t, bin, addr, nil, "--demo", "--db", db)
	if err := srv.signal(t, syscall.SIGTERM); err != nil {
		t.Fatalf("second serve: %v\n%s", err, srv.log.String())
	}
	if out := srv.log.String(); strings.Contains(out, "mi_pat_") || !strings.Contains(out, "already has meetings") {
		t.Fatalf("second start:\n%s", out)
	}
}

func TestSearchJSONHitsAlwaysCarryTheContractFields(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "mi.db")
	mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana Ruiz"))
	mustOK(t, cli(t, nil, "import", "--db", db, "--email", "ana@example.com", "--title", "Pricing page review",
		"--date", "2026-03-04T14:00:00Z", writeFile(t, dir, "p.vtt", teamsVTT)))
	// "pricing" matches the title (no speaker, no time) and a segment.
	r := mustOK(t, cli(t, nil, "search", "--db", db, "--email", "ana@example.com", "--json", "pricing"))
	kinds := map[any]bool{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var hit map[string]any
		if err := json.Unmarshal([]byte(line), &hit); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		kinds[hit["kind"]] = true
		for _, k := range []string{"meeting_id", "kind", "speaker", "start_ms", "snippet"} {
			if _, ok := hit[k]; !ok {
				t.Errorf("a %v hit lacks %q: %s", hit["kind"], k, line)
			}
		}
	}
	if !kinds["title"] || !kinds["segment"] {
		t.Fatalf("want a title and a segment hit to check, got %v", kinds)
	}
}

func TestMCPOverStdioLinksMeetingsToThePublicURL(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "mi.db")
	mustOK(t, cli(t, nil, "users", "add", "--db", db, "--email", "ana@example.com", "--name", "Ana Ruiz"))
	id := strings.TrimSpace(mustOK(t, cli(t, nil, "import", "--db", db, "--email", "ana@example.com", "--title", "Pricing page review",
		"--date", "2026-03-04T14:00:00Z", writeFile(t, dir, "p.vtt", teamsVTT))).stdout)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"fetch","arguments":{"id":"` + id + `"}}}`,
	}, "\n") + "\n"
	var out, errb bytes.Buffer
	envs := map[string]string{"PUBLIC_URL": "https://mi.example.com"}
	code := run(ctx, []string{"mcp", "--db", db, "--email", "ana@example.com"},
		env{stdin: strings.NewReader(in), stdout: &out, stderr: logguard.Tee(&errb), getenv: func(k string) string { return envs[k] }})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var fetched struct {
		ID     int `json:"id"`
		Result struct {
			StructuredContent struct {
				URL string `json:"url"`
			} `json:"structuredContent"`
		} `json:"result"`
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if json.Unmarshal([]byte(line), &fetched) == nil && fetched.ID == 2 {
			found = true
			break
		}
	}
	if !found {
		t.Fatalf("no answer to the fetch call (a piped request must be answered before stdin's end stops the server): %q", out.String())
	}
	if want := "https://mi.example.com/meetings/" + id; fetched.Result.StructuredContent.URL != want {
		t.Fatalf("fetch url = %q, want %q", fetched.Result.StructuredContent.URL, want)
	}
}
