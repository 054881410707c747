// Command testreport reads `go test -json` on stdin and prints what plain
// `go test` prints (package results, build errors, the output of failing
// tests), then every skipped test with its reason, so that a skip is never
// silent in CI's log. It exits non-zero when any test or build failed or
// the input ends without a result for a package, or, with -no-skips, when
// any test was skipped (CI: every suite must run). It also fails the run
// when a server log line in the output (internal/logguard marks them)
// carries a token-shaped value: no credential may reach any log of the
// whole suite.
//
//	go test -json ./... | go run ./internal/testreport [-no-skips]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/logguard"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action      string
	Package     string
	ImportPath  string
	Test        string
	Output      string
	Elapsed     float64
	FailedBuild string
}

type skip struct{ pkg, test, reason string }

func main() {
	noSkips := flag.Bool("no-skips", false, "fail when any test was skipped")
	flag.Parse()
	failed, skipped, err := report(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	if *noSkips && skipped > 0 {
		fmt.Printf("FAIL: %d tests skipped, and -no-skips asks for every suite to run\n", skipped)
		failed = true
	}
	if failed {
		os.Exit(1)
	}
}

// report copies the essential lines of a test run to w and says whether
// anything failed and how many tests were skipped.
func report(r io.Reader, w io.Writer) (failed bool, skipped int, err error) {
	outputs := map[string][]string{} // package + test → its output so far
	var skips []skip
	pending := map[string]bool{}   // packages started without a result yet
	partial := map[string]string{} // package + test → output not yet ended by a newline
	leaks := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if json.Unmarshal(line, &e) != nil || e.Action == "" {
			fmt.Fprintf(w, "%s\n", line) // not an event (e.g. a build error printed as text)
			continue
		}
		key := e.Package + " " + e.Test
		if e.Action == "output" {
			leaks += scanLeaks(w, partial, key, e.Output)
		}
		switch {
		case e.Action == "build-output":
			fmt.Fprint(w, e.Output)
		case e.Action == "build-fail":
			failed = true
		case e.Test == "" && e.Action == "start":
			pending[e.Package] = true
		case e.Test == "" && e.Action == "output":
			// Package-level lines: "ok  pkg 1.2s", "FAIL", "--- FAIL" summaries, panics.
			if !strings.HasPrefix(e.Output, "=== ") && !strings.HasPrefix(e.Output, "PASS\n") &&
				!strings.HasPrefix(e.Output, logguard.Marker) { // a server log, not a summary
				fmt.Fprint(w, e.Output)
			}
		case e.Test == "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			delete(pending, e.Package)
			if e.Action == "fail" {
				failed = true
			}
		case e.Action == "output":
			outputs[key] = append(outputs[key], e.Output)
		case e.Action == "fail":
			failed = true
			fmt.Fprint(w, redactServerLogs(strings.Join(outputs[key], "")))
			delete(outputs, key)
		case e.Action == "skip":
			skips = append(skips, skip{e.Package, e.Test, skipReason(outputs[key])})
			delete(outputs, key)
		case e.Action == "pass":
			delete(outputs, key)
		}
	}
	if err := sc.Err(); err != nil {
		return true, len(skips), err
	}
	for key, rest := range partial {
		if rest != "" {
			leaks += scanLeaks(w, partial, key, "\n")
		}
	}
	if leaks > 0 {
		fmt.Fprintf(w, "FAIL: %d token-shaped values in server logs (no credential may reach a log)\n", leaks)
		failed = true
	}
	for pkg := range pending {
		fmt.Fprintf(w, "FAIL\t%s\t(no result: the run ended early)\n", pkg)
		failed = true
	}
	sort.Slice(skips, func(i, j int) bool { return skips[i].pkg+skips[i].test < skips[j].pkg+skips[j].test })
	fmt.Fprintf(w, "\nSkipped tests: %d\n", len(skips))
	for _, s := range skips {
		fmt.Fprintf(w, "  SKIP %s %s: %s\n", s.pkg, s.test, s.reason)
	}
	return failed, len(skips), nil
}

// skipReason finds the message a test gave t.Skip, from its output.
func skipReason(out []string) string {
	for i := len(out) - 1; i >= 0; i-- {
		l := strings.TrimSpace(out[i])
		if l == "" || strings.HasPrefix(l, "--- SKIP") || strings.HasPrefix(l, "=== ") {
			continue
		}
		return l
	}
	return "(no reason given)"
}

// scanLeaks checks every complete line of a test's output for a credential
// in a server log line, keeping an unfinished line until its rest arrives
// (test2json may split a long line across events). It reports each leak
// with the token itself redacted, so that the report does not leak it
// again, and returns how many it found.
func scanLeaks(w io.Writer, partial map[string]string, key, output string) int {
	text := partial[key] + output
	delete(partial, key)
	n := 0
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			break
		}
		line := text[:i]
		text = text[i+1:]
		if found := logguard.Leaks(line); len(found) > 0 {
			n += len(found)
			fmt.Fprintf(w, "FAIL: %s: a server log carries a token: %s\n", strings.TrimSpace(key), meetingintel.Redact(line))
		}
	}
	if text != "" {
		partial[key] = text
	}
	return n
}

// redactServerLogs hides tokens in the server log lines of a failing
// test's output, which the report shows to help debug it; the test's own
// lines are shown as they are.
func redactServerLogs(out string) string {
	if !strings.Contains(out, logguard.Marker) {
		return out
	}
	lines := strings.SplitAfter(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, logguard.Marker) {
			lines[i] = meetingintel.Redact(l)
		}
	}
	return strings.Join(lines, "")
}
