package main

import (
	"strings"
	"testing"
)

const run = `{"Action":"start","Package":"ex/a"}
{"Action":"run","Package":"ex/a","Test":"TestOK"}
{"Action":"output","Package":"ex/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"pass","Package":"ex/a","Test":"TestOK"}
{"Action":"run","Package":"ex/a","Test":"TestBrowser"}
{"Action":"output","Package":"ex/a","Test":"TestBrowser","Output":"    browser_test.go:47: MI_SKIP_BROWSER=1: browser tests skipped\n"}
{"Action":"output","Package":"ex/a","Test":"TestBrowser","Output":"--- SKIP: TestBrowser (0.00s)\n"}
{"Action":"skip","Package":"ex/a","Test":"TestBrowser"}
{"Action":"run","Package":"ex/a","Test":"TestBad"}
{"Action":"output","Package":"ex/a","Test":"TestBad","Output":"    a_test.go:9: want 2, got 3\n"}
{"Action":"output","Package":"ex/a","Test":"TestBad","Output":"--- FAIL: TestBad (0.00s)\n"}
{"Action":"fail","Package":"ex/a","Test":"TestBad"}
{"Action":"output","Package":"ex/a","Output":"FAIL\n"}
{"Action":"output","Package":"ex/a","Output":"FAIL\tex/a\t0.01s\n"}
{"Action":"fail","Package":"ex/a"}
{"Action":"start","Package":"ex/b"}
{"Action":"output","Package":"ex/b","Output":"ok  \tex/b\t0.02s\n"}
{"Action":"pass","Package":"ex/b"}
`

func TestReportShowsFailuresAndListsEverySkip(t *testing.T) {
	var out strings.Builder
	failed, skipped, err := report(strings.NewReader(run), &out)
	if err != nil || !failed || skipped != 1 {
		t.Fatalf("failed=%v err=%v, want a failure reported", failed, err)
	}
	got := out.String()
	for _, want := range []string{"a_test.go:9: want 2, got 3", "FAIL\tex/a", "ok  \tex/b",
		"Skipped tests: 1", "SKIP ex/a TestBrowser: browser_test.go:47: MI_SKIP_BROWSER=1: browser tests skipped"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "=== RUN") {
		t.Errorf("report shows passing tests' chatter:\n%s", got)
	}
}

func TestReportFailsWhenAPackageHasNoResult(t *testing.T) {
	var out strings.Builder
	failed, _, _ := report(strings.NewReader(`{"Action":"start","Package":"ex/c"}`+"\n"), &out)
	if !failed || !strings.Contains(out.String(), "no result") {
		t.Fatalf("a truncated run passed: %q", out.String())
	}
}

func TestReportPassesACleanRun(t *testing.T) {
	var out strings.Builder
	failed, _, err := report(strings.NewReader(`{"Action":"start","Package":"ex/b"}
{"Action":"output","Package":"ex/b","Output":"ok  \tex/b\t0.02s\n"}
{"Action":"pass","Package":"ex/b"}
`), &out)
	if failed || err != nil || !strings.Contains(out.String(), "Skipped tests: 0") {
		t.Fatalf("failed=%v err=%v out=%q", failed, err, out.String())
	}
}

// A PAT-shaped value and an HS256-JWT-shaped value, as the server issues them.
const (
	leakedPAT = "mi_pat_Q2hlY2tUaGVHdWFyZENhdGNoZXNUaGlzVG9rZW4x"
	leakedJWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1MSIsImV4cCI6MX0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl"
)

func TestReportFailsOnATokenInAServerLog(t *testing.T) {
	for name, stream := range map[string]string{
		"PAT in a request path": `{"Action":"start","Package":"ex/a"}
{"Action":"output","Package":"ex/a","Test":"TestServe","Output":"mi-server-log: {\"time\":\"t\",\"level\":\"INFO\",\"msg\":\"request\",\"path\":\"/mcp/` + leakedPAT + `\"}\n"}
{"Action":"pass","Package":"ex/a","Test":"TestServe"}
{"Action":"pass","Package":"ex/a"}
`,
		// test2json may cut a long line; the halves meet again.
		"JWT split across events": `{"Action":"start","Package":"ex/a"}
{"Action":"output","Package":"ex/a","Test":"TestServe","Output":"mi-server-log: {\"time\":\"t\",\"msg\":\"auth\",\"header\":\"Bearer ` + leakedJWT[:20] + `"}
{"Action":"output","Package":"ex/a","Test":"TestServe","Output":"` + leakedJWT[20:] + `\"}\n"}
{"Action":"pass","Package":"ex/a","Test":"TestServe"}
{"Action":"pass","Package":"ex/a"}
`,
		// A failing test's output is shown, its server logs redacted.
		"PAT in a failing test's log": `{"Action":"start","Package":"ex/a"}
{"Action":"output","Package":"ex/a","Test":"TestServe","Output":"mi-server-log: {\"time\":\"t\",\"msg\":\"request\",\"path\":\"/sse/` + leakedPAT + `\"}\n"}
{"Action":"output","Package":"ex/a","Test":"TestServe","Output":"--- FAIL: TestServe (0.00s)\n"}
{"Action":"fail","Package":"ex/a","Test":"TestServe"}
{"Action":"fail","Package":"ex/a"}
`,
		// Written while no test ran, and never ended by a newline.
		"package-level line at the end": `{"Action":"start","Package":"ex/a"}
{"Action":"output","Package":"ex/a","Output":"mi-server-log: {\"time\":\"t\",\"msg\":\"x\",\"code\":\"MI_AC_abcdefghijkl\"}"}
{"Action":"pass","Package":"ex/a"}
`,
	} {
		t.Run(name, func(t *testing.T) {
			var out strings.Builder
			failed, _, err := report(strings.NewReader(stream), &out)
			if err != nil || !failed {
				t.Fatalf("failed=%v err=%v, want the leak to fail the run:\n%s", failed, err, out.String())
			}
			got := out.String()
			if !strings.Contains(got, "a server log carries a token") || !strings.Contains(got, "token-shaped values in server logs") {
				t.Errorf("report does not name the leak:\n%s", got)
			}
			// The report must not leak the token a second time.
			for _, tok := range []string{leakedPAT, leakedJWT, "MI_AC_abcdefghijkl"} {
				if strings.Contains(got, tok) {
					t.Errorf("report repeats the token %.12s...:\n%s", tok, got)
				}
			}
		})
	}
}

func TestReportLeavesTokensOutsideServerLogsAlone(t *testing.T) {
	// A failing assertion may print a token, a command prints the PAT it
	// created, and a redacted log line or a bare prefix is no leak.
	stream := `{"Action":"start","Package":"ex/a"}
{"Action":"output","Package":"ex/a","Test":"TestCreate","Output":"    token_test.go:9: got ` + leakedPAT + `, want another\n"}
{"Action":"output","Package":"ex/a","Test":"TestCreate","Output":"` + leakedPAT + `\n"}
{"Action":"output","Package":"ex/a","Test":"TestCreate","Output":"{\"time\":\"t\",\"msg\":\"not marked\",\"token\":\"` + leakedJWT + `\"}\n"}
{"Action":"output","Package":"ex/a","Test":"TestCreate","Output":"mi-server-log: {\"time\":\"t\",\"msg\":\"request\",\"path\":\"/mcp/[redacted]\",\"note\":\"PATs start with mi_pat_\"}\n"}
{"Action":"pass","Package":"ex/a","Test":"TestCreate"}
{"Action":"pass","Package":"ex/a"}
`
	var out strings.Builder
	failed, _, err := report(strings.NewReader(stream), &out)
	if err != nil || failed {
		t.Fatalf("failed=%v err=%v, want a clean run:\n%s", failed, err, out.String())
	}
}
