package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// report is everything the markdown report says.
type report struct {
	opts              options
	started, finished time.Time
	meetings          int
	tsSDK             string
	servers           []*server
	replicas          []*server
	results           map[cellKey]*cell
	authBench         []goBench // part oauth: the Go authentication benchmarks
	authBenchErr      string
	fill              *filled // parts postgres and replicas: what went into PostgreSQL
}

// serverName names a row by its key.
func (r *report) serverName(key string) string {
	for _, s := range append(slices.Clone(r.servers), r.replicas...) {
		if s.key == key {
			return s.name
		}
	}
	return key
}

// measured returns the cell of a row if it has latencies.
func (r *report) measured(tool string, clients int, key string) *cell {
	if c := r.results[cellKey{tool, clients, key}]; c != nil && len(c.lat) > 0 {
		return c
	}
	return nil
}

func msString(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func (r *report) write(out string) error {
	var b strings.Builder
	o := r.opts
	fmt.Fprintf(&b, "# MCP tools/call: meetingintel against bare servers and the TypeScript SDK, with OAuth, PostgreSQL and replicas\n\n")
	fmt.Fprintf(&b, "Written by `go run ./cmd/mcpbench` on %s, from %s to %s UTC.\n",
		r.started.Format("2006-01-02"), r.started.Format("15:04"), r.finished.Format("15:04"))
	fmt.Fprintf(&b, "**Absolute numbers are noisy** (a small shared machine; the load generator runs on the same cores as the servers): "+
		"compare the ratios inside this one run, not figures across runs or machines.\n\n")

	ours, gosdk := "ours", "gosdk"
	if o.parts["sqlite"] {
		r.writeVerdict(&b)
	}
	fmt.Fprintf(&b, "## Results\n\n")
	fmt.Fprintf(&b, "| server | tool | clients | requests/s | p50 | p95 | p99 | response bytes | p50 ratio to bare go-sdk | req/s ratio to bare go-sdk |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|\n")
	for _, tool := range tools {
		for _, n := range o.clients {
			g := r.results[cellKey{tool, n, gosdk}]
			for _, s := range r.servers {
				c := r.results[cellKey{tool, n, s.key}]
				if s.missing != "" || c == nil {
					fmt.Fprintf(&b, "| %s | %s | %d | not run | | | | | | |\n", s.name, tool, n)
					continue
				}
				if len(c.lat) == 0 {
					fmt.Fprintf(&b, "| %s | %s | %d | %s | | | | | | |\n", s.name, tool, n, noneCounted(c))
					continue
				}
				pr, rr := "", ""
				if g != nil && len(g.lat) > 0 {
					pr = fmt.Sprintf("%.2f×", float64(c.pct(.5))/float64(g.pct(.5)))
					rr = fmt.Sprintf("%.2f×", c.rps()/g.rps())
				}
				name := s.name
				if s.key == ours {
					name = "**" + name + "**"
				}
				fmt.Fprintf(&b, "| %s | %s | %d | %.0f | %s | %s | %s | %d | %s | %s |\n",
					name, tool, n, c.rps(), msString(c.pct(.5)), msString(c.pct(.95)), msString(c.pct(.99)),
					c.bytes/int64(len(c.lat)), pr, rr)
			}
		}
	}
	var errs []string
	for k, c := range r.results {
		if c.errs > 0 {
			errs = append(errs, fmt.Sprintf("%s %s %d clients: %d failed requests (first: %s)", r.serverName(k.server), k.tool, k.clients, c.errs, c.firstErr))
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(&b, "\nFailed requests (not in the latencies):\n\n")
		for _, e := range errs {
			fmt.Fprintf(&b, "- %s\n", mdEscape(e))
		}
	} else {
		fmt.Fprintf(&b, "\nEvery request succeeded (HTTP 200, a JSON-RPC result, no tool error).\n")
	}
	r.writeBaseline(&b)
	r.writeOAuth(&b)
	r.writePostgres(&b)
	r.writeReplicas(&b)

	fmt.Fprintf(&b, "\n## How it was measured\n\n")
	fmt.Fprintf(&b, "The servers, each its own process on 127.0.0.1, all running at once; one at a time under load (parts run: %s):\n\n", r.partList())
	fmt.Fprintf(&b, "- **meetingintel**: `meetingintel serve` on a copy of `cmd/mibench`'s synthetic SQLite corpus (%s), with `LOG_LEVEL=warn`. "+
		"Every request is authenticated with a personal access token (`Authorization: Bearer`), or in the OAuth rows an OAuth access token, of a non-admin member, who sees %d meetings; the store's visibility rules run in every query; "+
		"`list_meetings` is a keyset-paged query, `search_meetings` the ranked search (exact top k on the in-process index, package postings) over titles, summaries, transcripts, actions and decisions.\n", filepath.Base(o.corpus), r.meetings)
	if !o.parts["sqlite"] {
		fmt.Fprintf(&b, "\n")
	} else {
		fmt.Fprintf(&b, "- **bare go-sdk**: `github.com/modelcontextprotocol/go-sdk` %s, the same tool names and result types (`mcpserver.ListMeetingsResult`, `SearchMeetingsResult`, so the same input and output schemas), "+
			"stateless Streamable HTTP with JSON responses, no auth, over an in-memory slice of the %d meetings the member can see.\n", moduleVersion("github.com/modelcontextprotocol/go-sdk"), r.meetings)
		fmt.Fprintf(&b, "- **bare net/http**: `net/http` and `encoding/json` decoding the JSON-RPC `tools/call` and encoding the same result shape (text content plus `structuredContent`) from the same slice; no MCP library, no schema validation. The floor.\n")
		tsv := r.tsSDK
		if tsv == "" {
			tsv = "(not run)"
		}
		fmt.Fprintf(&b, "- **TypeScript SDK**: `@modelcontextprotocol/sdk` %s on Node %s (`bench/tsserver/server.mjs`), set up as the SDK's own stateless example: `createMcpExpressApp`, a new `McpServer` and `StreamableHTTPServerTransport` per request (`sessionIdGenerator: undefined`, `enableJsonResponse: true`), zod input and output schemas, the same meetings as an in-memory array.\n\n",
			tsv, nodeVersion())
		fmt.Fprintf(&b, "The in-memory servers' `search_meetings` is a naive case-insensitive substring filter over titles, newest first, stopping at 20 hits: no index, no ranking, no transcripts. "+
			"Their `list_meetings` returns the newest 20 with a next cursor. So the comparison is of protocol and server overhead against meetingintel with real auth, a real database and ranked search.\n\n")
	}
	fmt.Fprintf(&b, "Load: a Go client (`net/http`, keep-alive, one connection per client, fresh for each cell) sends the same bytes and headers to every server "+
		"(`Authorization: Bearer` with the row's PAT or OAuth access token, `Accept: application/json, text/event-stream`, `Content-Type: application/json`, `Mcp-Protocol-Version: 2025-06-18`; the in-memory servers ignore the token). "+
		"`list_meetings` is called with `{\"days_back\": 0}` (all time, default page of 20); `search_meetings` cycles through %d queries that are words of the corpus's titles (%s), default limit 20. "+
		"Before the load every server answered every request once with exactly 20 items; the response bytes column is the mean size of the measured answers.\n\n",
		len(searchQueries), "`"+strings.Join(searchQueries, "`, `")+"`")
	fmt.Fprintf(&b, "Each cell: %s of warm-up (not measured), then %s measured, with %s concurrent clients each sending its next request as soon as the previous answer is read; %s, the servers in reverse order every second round; "+
		"a request counts when it started after the warm-up and ended within the measured time. Requests per second are counted requests over measured time; percentiles are nearest-rank over every counted request of the rounds.\n\n",
		o.warmup, o.duration, joinInts(o.clients), plural(o.rounds, "round"))
	if o.parts["oauth"] {
		fmt.Fprintf(&b, "The OAuth rows (`meetingintel (OAuth, …)`) are the same server processes as the PAT rows, called with an OAuth access token instead of the PAT; they take part in the rounds and the reversed order like every other row.\n\n")
	}
	fmt.Fprintf(&b, "Command: `scripts/with-postgres.sh go run ./cmd/mcpbench -corpus bench-out/corpus-10000-300.db -bin bin/meetingintel -postgres env -out docs/benchmarks-mcp.md` "+
		"(after `make build` and `go run ./cmd/mibench`; `-parts %s` selects parts, and without `-postgres` the PostgreSQL parts are left out).\n\n", strings.Join(allParts, ","))
	if o.baselineBin != "" {
		fmt.Fprintf(&b, "This run also measured an earlier build beside it: `-baseline-bin %s -baseline-label %q` (a binary built from that commit; \"Before and after\" above).\n\n",
			filepath.Base(o.baselineBin), o.baselineLabel)
	}

	fmt.Fprintf(&b, "## Machine\n\n")
	fmt.Fprintf(&b, "- %s, %d logical CPUs, %s/%s, Linux %s\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, osRelease())
	fmt.Fprintf(&b, "- Go %s; Node %s\n", strings.TrimPrefix(runtime.Version(), "go"), nodeVersion())
	if rev := gitRevision(); rev != "" {
		fmt.Fprintf(&b, "- meetingintel source: %s\n", rev)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	b.WriteString(keptSection(out))
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "wrote", out)
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}

func joinInts(ns []int) string {
	var s []string
	for _, n := range ns {
		s = append(s, fmt.Sprint(n))
	}
	return strings.Join(s, " and ")
}

func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return "(unknown version)"
}

func nodeVersion() string {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "(not installed)"
	}
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func osRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// gitRevision names the commit the benchmark ran on, and says when the
// working tree differed from it (other work in progress is measured too).
func gitRevision() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	rev := "commit " + strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		rev += ", with uncommitted changes"
	}
	return rev
}

// partList names the parts that ran.
func (r *report) partList() string {
	var on []string
	for _, p := range allParts {
		if r.opts.parts[p] {
			on = append(on, p)
		}
	}
	return strings.Join(on, ", ")
}

// writeVerdict is issue 3's verdict: meetingintel on SQLite with a PAT
// against the bare go-sdk server and the TypeScript peer.
func (r *report) writeVerdict(b *strings.Builder) {
	o := r.opts
	ours, gosdk, ts := "ours", "gosdk", "ts"
	fmt.Fprintf(b, "## Verdict\n\nTargets: meetingintel's latency within 1.5× of the bare go-sdk server's, and ahead of the TypeScript peer (issue 3); "+
		"`list_meetings` with 8 clients within 1.2× (issue 11).\n\n")
	fmt.Fprintf(b, "| tool | clients | p50 ÷ bare go-sdk | within the target | req/s ÷ TypeScript | ahead of TypeScript |\n|---|---|---|---|---|---|\n")
	for _, tool := range tools {
		for _, n := range o.clients {
			c, g, t := r.results[cellKey{tool, n, ours}], r.results[cellKey{tool, n, gosdk}], r.results[cellKey{tool, n, ts}]
			if c == nil || g == nil || len(c.lat) == 0 || len(g.lat) == 0 {
				continue
			}
			ratio := float64(c.pct(.5)) / float64(g.pct(.5))
			tsRatio, ahead := "not run", "not run"
			if t != nil && len(t.lat) > 0 {
				tsRatio = fmt.Sprintf("%.2f", c.rps()/t.rps())
				ahead = yesNo(c.rps() > t.rps() && c.pct(.5) < t.pct(.5))
			}
			target := 1.5
			if tool == "list_meetings" && n == 8 {
				target = 1.2
			}
			fmt.Fprintf(b, "| %s | %d | %.2f | %s (%.1f×) | %s | %s |\n", tool, n, ratio, yesNo(ratio <= target), target, tsRatio, ahead)
		}
	}
	fmt.Fprintf(b, "\n\"Ahead\" means more requests per second and a lower median latency.\n\n")
}

// noneCounted says why a cell has no latencies: requests failed, or none
// both started after the warm-up and ended within the measured time (each
// took longer than that), which is not a failure.
func noneCounted(c *cell) string {
	if c.errs > 0 {
		return "no request succeeded: " + mdEscape(c.firstErr)
	}
	return fmt.Sprintf("none measured: no request started after the warm-up ended within the %s measured", c.measured)
}

// keepMarker starts the hand-written part of a report (a profile's
// reading, say): a new run keeps everything from it on.
const keepMarker = "<!-- mcpbench keeps what follows this line when it rewrites the file -->"

// keptSection returns the hand-written part of the report file out, from
// keepMarker to its end, "" when the file or the marker is missing.
func keptSection(out string) string {
	old, err := os.ReadFile(out)
	if err != nil {
		return ""
	}
	i := strings.Index(string(old), keepMarker)
	if i < 0 {
		return ""
	}
	return "\n" + string(old[i:])
}
