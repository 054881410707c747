// Command mibench measures Meeting Intelligence on a synthetic corpus and
// writes the figures to a markdown report (make bench).
//
// It measures, in one run on one machine: import rate, indexed search
// latency against the LIKE '%query%' scan of the system we replace, and the
// peak memory of `meetingintel serve` answering searches on that corpus.
// Figures are compared as ratios, since these machines are noisy.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/sqlite"
	_ "modernc.org/sqlite"
)

func main() {
	nMeetings := flag.Int("meetings", 10000, "meetings in the corpus")
	nSegs := flag.Int("segments", 300, "segments per meeting")
	dir := flag.String("dir", "bench-out", "folder for the corpus database")
	reuse := flag.Bool("reuse", false, "reuse an existing corpus database of the same size (skips the import measurement)")
	out := flag.String("out", "docs/benchmarks.md", "report file")
	bin := flag.String("bin", "bin/meetingintel", "meetingintel binary, for the serve memory measurement")
	pg := flag.String("postgres", "", "PostgreSQL URL: measure search there instead (imports the corpus into an empty database); -out names its report")
	flag.Parse()
	if *pg != "" {
		if err := runPostgres(context.Background(), *pg, *nMeetings, *nSegs, *out); err != nil {
			fmt.Fprintln(os.Stderr, "mibench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(context.Background(), *nMeetings, *nSegs, *dir, *reuse, *out, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "mibench:", err)
		os.Exit(1)
	}
}

type report struct {
	meetings, segments int
	importSegsPerSec   float64
	importDur          time.Duration
	dbBytes            int64
	indexBuild         time.Duration
	every              latencies
	ftsCPU, everyCPU   time.Duration
	indexHeap          uint64
	fts                latencies
	ftsWords, ftsQs    latencies
	like               latencies
	likeFound          int
	ftsFound           int
	serveHWM           int64 // bytes
	serveRSS           int64
	serveQueries       int
	serveErr           string
}

type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := append(latencies(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p * float64(len(s)-1))
	return s[i]
}

func run(ctx context.Context, nMeetings, nSegs int, dir string, reuse bool, out, bin string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, fmt.Sprintf("corpus-%d-%d.db", nMeetings, nSegs))
	rep := &report{meetings: nMeetings, segments: nMeetings * nSegs}
	if !reuse {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer raw.Close()

	user, err := ensureUser(ctx, db)
	if err != nil {
		return err
	}
	uctx := meetingintel.NewContextWithUser(ctx, user)
	existing, _, err := db.FindMeetings(uctx, meetingintel.MeetingFilter{Limit: 1})
	if err != nil {
		return err
	}
	if !reuse || len(existing) == 0 {
		if err := importCorpus(uctx, db, raw, nMeetings, nSegs, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(os.Stderr, "reusing", path)
	}
	if st, err := os.Stat(path); err == nil {
		rep.dbBytes = st.Size()
	}

	// The first search builds the in-process index from the database.
	t0 := time.Now()
	if _, err := db.Search(uctx, meetingintel.SearchQuery{Query: queries[0], Limit: 10}); err != nil {
		return fmt.Errorf("first search: %w", err)
	}
	rep.indexBuild = time.Since(t0)
	runtime.GC()
	var mst runtime.MemStats
	runtime.ReadMemStats(&mst)
	rep.indexHeap = mst.HeapInuse
	fmt.Fprintf(os.Stderr, "index built in %v, heap in use %d MB\n", rep.indexBuild, mst.HeapInuse>>20)

	// Indexed search: every query three times (the first warms the cache).
	for _, q := range queries {
		_, _ = db.Search(uctx, meetingintel.SearchQuery{Query: q, Limit: 10})
	}
	cpu0 := cpuTime()
	for _, q := range queries {
		var hits []meetingintel.SearchHit
		for k := 0; k < 3; k++ {
			t0 := time.Now()
			hits, err = db.Search(uctx, meetingintel.SearchQuery{Query: q, Limit: 10})
			d := time.Since(t0)
			if err != nil {
				return fmt.Errorf("search %q: %w", q, err)
			}
			rep.fts = append(rep.fts, d)
			if strings.Contains(q, " ") {
				rep.ftsQs = append(rep.ftsQs, d)
			} else {
				rep.ftsWords = append(rep.ftsWords, d)
			}
		}
		if len(hits) > 0 {
			rep.ftsFound++
		}
	}
	rep.ftsCPU = (cpuTime() - cpu0) / time.Duration(len(rep.fts))
	fmt.Fprintf(os.Stderr, "search: median %v p95 %v, CPU %v per search\n", rep.fts.pct(0.5), rep.fts.pct(0.95), rep.ftsCPU)

	// The baseline: the old service's LIKE '%query%' over a raw transcript
	// column of the same meetings, in the same database file.
	for _, q := range queries {
		t0 := time.Now()
		rows, err := raw.QueryContext(ctx, `SELECT id, title FROM legacy_meeting
			WHERE raw_transcript LIKE '%' || ? || '%' OR title LIKE '%' || ? || '%'
			ORDER BY meeting_date DESC LIMIT 10`, q, q)
		if err != nil {
			return fmt.Errorf("like baseline: %w", err)
		}
		found := false
		for rows.Next() {
			found = true
		}
		rows.Close()
		rep.like = append(rep.like, time.Since(t0))
		if found {
			rep.likeFound++
		}
	}
	fmt.Fprintf(os.Stderr, "LIKE: median %v p95 %v\n", rep.like.pct(0.5), rep.like.pct(0.95))

	// The every-line corpus, in its own file beside the main one.
	edb, err := sqlite.Open(ctx, filepath.Join(dir, fmt.Sprintf("corpus-every-%d-%d.db", everyMeetings, everyLines)))
	if err != nil {
		return err
	}
	eu, err := ensureUser(ctx, edb)
	if err == nil {
		rep.every, rep.everyCPU, err = measureEvery(ctx, edb, eu)
	}
	edb.Close()
	if err != nil {
		return err
	}

	if err := measureServe(ctx, db, user, path, bin, rep); err != nil {
		rep.serveErr = err.Error()
		fmt.Fprintln(os.Stderr, "serve memory:", err)
	}
	return writeReport(out, rep)
}

func ensureUser(ctx context.Context, db *sqlite.DB) (*meetingintel.User, error) {
	u, err := db.FindUserByEmail(ctx, "priya.natarajan@corp.example")
	if err == nil {
		return u, nil
	}
	u = &meetingintel.User{Email: "priya.natarajan@corp.example", Name: "Priya Natarajan", Active: true}
	return u, db.CreateUser(ctx, u)
}

func importCorpus(ctx context.Context, db *sqlite.DB, raw *sql.DB, nMeetings, nSegs int, rep *report) error {
	if _, err := raw.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS legacy_meeting (
		id INTEGER PRIMARY KEY, title TEXT, meeting_date TEXT, raw_transcript TEXT)`); err != nil {
		return err
	}
	c := newCorpus(42)
	var storeTime time.Duration
	var b strings.Builder
	for i := 0; i < nMeetings; i++ {
		m, segs := c.meeting(i, nSegs)
		t0 := time.Now()
		if _, err := db.ImportMeeting(ctx, m, segs); err != nil {
			return fmt.Errorf("import meeting %d: %w", i, err)
		}
		storeTime += time.Since(t0)
		b.Reset()
		for _, s := range segs {
			b.WriteString(s.Speaker)
			b.WriteString(": ")
			b.WriteString(s.Text)
			b.WriteByte('\n')
		}
		if _, err := raw.ExecContext(ctx, `INSERT OR REPLACE INTO legacy_meeting VALUES (?, ?, ?, ?)`,
			m.ID, m.Title, m.Date.Format(time.RFC3339), b.String()); err != nil {
			return err
		}
		if (i+1)%1000 == 0 {
			fmt.Fprintf(os.Stderr, "imported %d meetings (%.0f segments/s)\n", i+1, float64((i+1)*nSegs)/storeTime.Seconds())
		}
	}
	rep.importDur = storeTime
	rep.importSegsPerSec = float64(nMeetings*nSegs) / storeTime.Seconds()
	return nil
}

// measureServe starts the real binary on the corpus, sends it searches over
// MCP, and reads its peak resident memory (VmHWM) from /proc.
func measureServe(ctx context.Context, db *sqlite.DB, u *meetingintel.User, path, bin string, rep *report) error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("needs /proc (linux)")
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("binary %s: %w (run make build)", bin, err)
	}
	tok, _, err := db.CreateToken(ctx, u.ID, "mibench")
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--db", path, "--addr", addr)
	cmd.Env = append(os.Environ(), "LOG_LEVEL=warn", "MCP_RATE_PER_MIN=0", "API_RATE_PER_MIN=0") // a benchmark is not abuse
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	base := "http://" + addr
	// Generous: serve builds its search index at start, and the first
	// searches wait for it (this measures memory, not latency).
	client := &http.Client{Timeout: 180 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := client.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server did not become ready")
		}
		time.Sleep(200 * time.Millisecond)
	}
	for round := 0; round < 3; round++ {
		for i, q := range queries {
			body, _ := json.Marshal(map[string]any{
				"jsonrpc": "2.0", "id": i + 1, "method": "tools/call",
				"params": map[string]any{"name": "search_meetings", "arguments": map[string]any{"query": q, "limit": 20}},
			})
			req, _ := http.NewRequestWithContext(ctx, "POST", base+"/mcp", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("search over /mcp answered %d", resp.StatusCode)
			}
			rep.serveQueries++
		}
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(status), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && (f[0] == "VmHWM:" || f[0] == "VmRSS:") {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			if f[0] == "VmHWM:" {
				rep.serveHWM = kb * 1024
			} else {
				rep.serveRSS = kb * 1024
			}
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func writeReport(out string, r *report) error {
	var b strings.Builder
	cpu := runtime.NumCPU()
	fmt.Fprintf(&b, "# Benchmarks\n\nWritten by `make bench` (`go run ./cmd/mibench`) on %s, %d CPUs, %s/%s, Go %s.\n",
		time.Now().UTC().Format("2006-01-02"), cpu, runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(&b, "Machines here are noisy: compare the ratios inside one run, not absolute figures across runs.\n\n")
	fmt.Fprintf(&b, "## Corpus\n\n%d synthetic meetings, %d transcript segments (Zipf-distributed English and domain words), 5%% private; searched as a non-admin member. SQLite file: %.0f MB.\n\n",
		r.meetings, r.segments, float64(r.dbBytes)/1e6)
	fmt.Fprintf(&b, "## Import\n\n| measure | result | target |\n|---|---|---|\n")
	if r.importDur > 0 {
		fmt.Fprintf(&b, "| segments per second (ImportMeeting, one transaction per meeting, search documents and log written) | %.0f | ≥ 20,000 |\n\n", r.importSegsPerSec)
	} else {
		fmt.Fprintf(&b, "| segments per second | not measured (corpus reused) | ≥ 20,000 |\n\n")
	}
	fmt.Fprintf(&b, "## Search index\n\nThe in-process index (package postings) is built from the database at the first search: **%.1f s**; Go heap in use after it, the index and the open database: **%.0f MB**.\n\n",
		r.indexBuild.Seconds(), float64(r.indexHeap)/1e6)
	fmt.Fprintf(&b, "## Search: indexed (in-process index, exact top-k by RankDocs) against the LIKE baseline\n\n50 fixed queries (20 single words, 10 phrases, 20 questions), limit 10; indexed search run 3 times per query after one warm-up pass, LIKE once per query.\n\n")
	fmt.Fprintf(&b, "| | median | p95 | queries with hits |\n|---|---|---|---|\n")
	fmt.Fprintf(&b, "| indexed, all queries | %s | %s | %d / %d |\n", ms(r.fts.pct(.5)), ms(r.fts.pct(.95)), r.ftsFound, len(queries))
	fmt.Fprintf(&b, "| indexed, all queries: this process's CPU time per search (mean; steadier than latency on a busy machine) | %s | | |\n", ms(r.ftsCPU))
	fmt.Fprintf(&b, "| indexed, single words | %s | %s | |\n", ms(r.ftsWords.pct(.5)), ms(r.ftsWords.pct(.95)))
	fmt.Fprintf(&b, "| indexed, phrases and questions | %s | %s | |\n", ms(r.ftsQs.pct(.5)), ms(r.ftsQs.pct(.95)))
	fmt.Fprintf(&b, "| `LIKE '%%query%%'` over a raw transcript column | %s | %s | %d / %d |\n", ms(r.like.pct(.5)), ms(r.like.pct(.95)), r.likeFound, len(queries))
	fmt.Fprintf(&b, "| indexed, every-line corpus (%d × %d lines of %d common words; %d queries) | %s | %s | |\n",
		everyMeetings, everyLines, len(everyWords), len(everyQueries), ms(r.every.pct(.5)), ms(r.every.pct(.95)))
	fmt.Fprintf(&b, "| indexed, every-line corpus: CPU time per search (mean) | %s | | |\n\n", ms(r.everyCPU))
	ratio := float64(r.like.pct(.5)) / float64(max(r.fts.pct(.5), time.Microsecond))
	fmt.Fprintf(&b, "**Indexed search is %.0f× faster than the LIKE baseline at the median** (target ≥ 100×; median target under 20 ms). ", ratio)
	fmt.Fprintf(&b, "The baseline also finds nothing for most questions, since it looks for the whole question as one substring.\n\n")
	fmt.Fprintf(&b, "## Memory of `meetingintel serve` on this corpus\n\n")
	if r.serveErr != "" {
		fmt.Fprintf(&b, "Not measured: %s\n", r.serveErr)
	} else {
		fmt.Fprintf(&b, "After %d `search_meetings` calls over `/mcp`: peak resident memory (VmHWM) **%.0f MB**, resident at the end %.0f MB (target: peak under 200 MB).\n",
			r.serveQueries, float64(r.serveHWM)/1e6, float64(r.serveRSS)/1e6)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "wrote", out)
	return nil
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
