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
