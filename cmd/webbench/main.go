// Command webbench measures the web UI: the median time to first byte of
// the meetings page and of meeting pages (one of the corpus's hour-long
// meetings, and a 3,000-segment all-day meeting it adds) on a large corpus,
// as a signed-in user with a session cookie, over real HTTP on 127.0.0.1.
// It writes a markdown report.
//
//	go run ./cmd/webbench -corpus bench-out/corpus-10000-300.db -out docs/benchmarks-web.md
//
// The corpus (made by cmd/mibench) is copied first and never written.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/httpserver"
	"github.com/meetingintel/meetingintel/sqlite"
	"github.com/meetingintel/meetingintel/web"
)

// searchQuery is a question typed into the meetings page's search box.
const searchQuery = "what did we decide about the budget?"

// Target is issue 5's goal for the median time to first byte.
const Target = 50 * time.Millisecond

type options struct {
	corpus, email, out string
	n                  int
}

func main() {
	var o options
	flag.StringVar(&o.corpus, "corpus", "bench-out/corpus-10000-300.db", "corpus database written by cmd/mibench (read only: it is copied first)")
	flag.StringVar(&o.email, "email", "priya.natarajan@corp.example", "the corpus user to sign in as")
	flag.StringVar(&o.out, "out", "docs/benchmarks-web.md", "report file")
	flag.IntVar(&o.n, "n", 200, "requests per page")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "webbench:", err)
		os.Exit(1)
	}
}

// result is one page's measurements.
type result struct {
	name, what  string
	ttfb, total []time.Duration
	bytes       int
}

func run(ctx context.Context, o options) error {
	if o.n < 1 {
		return fmt.Errorf("-n must be at least 1")
	}
	if _, err := os.Stat(o.corpus); err != nil {
		return fmt.Errorf("corpus: %w (make it with go run ./cmd/mibench)", err)
	}
	work, err := os.MkdirTemp("", "webbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Fprintln(os.Stderr, "copying the corpus")
	path, err := copyCorpus(o.corpus, work)
	if err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.FindUserByEmail(ctx, o.email)
	if err != nil {
		return fmt.Errorf("user %s: %s", o.email, meetingintel.ErrorMessage(err))
	}
	actx := meetingintel.NewContextWithUser(ctx, u)
	ms, _, err := db.FindMeetings(actx, meetingintel.MeetingFilter{Limit: 1})
	if err != nil || len(ms) == 0 {
		return fmt.Errorf("the corpus has no meeting %s may see: %v", o.email, err)
	}
	hour := ms[0]
	long, err := addLongMeeting(actx, db)
	if err != nil {
		return err
	}
	tok, _, err := db.CreateToken(ctx, u.ID, "webbench")
	if err != nil {
		return err
	}
	total, err := countMeetings(actx, db)
	if err != nil {
		return err
	}

	log := slog.New(slog.DiscardHandler)
	hs := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0", Store: db, Logger: log})
	if err := hs.Listen(); err != nil {
		return err
	}
	base := "http://" + hs.Addr()
	w, err := web.New(web.Config{Store: db, Sessions: db, OAuth: db, PublicURL: base, Logger: log, Version: "webbench"})
	if err != nil {
		return err
	}
	w.Register(hs)
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(sctx) }()
	defer func() { stop(); <-done }()

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.PostForm(base+"/signin", url.Values{"token": {tok}})
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("sign-in answered %d", res.StatusCode)
	}

	pages := []*result{
		{name: "/meetings", what: fmt.Sprintf("meetings list, first page (%d of %d visible meetings)", web.MeetingsPerPage, total)},
		{name: "/meetings/" + strconv.FormatInt(hour.ID, 10), what: fmt.Sprintf("meeting page, %d-segment transcript", hour.SegmentCount)},
		{name: "/meetings/" + strconv.FormatInt(long.ID, 10), what: fmt.Sprintf("meeting page, %d-segment transcript (all-day)", long.SegmentCount)},
		{name: "/meetings?q=" + url.QueryEscape(searchQuery), what: "search results (for comparison; ranked full-text search over every transcript)"},
	}
	for _, p := range pages {
		fmt.Fprintf(os.Stderr, "measuring %s\n", p.name)
		for i := range o.n + 10 {
			ttfb, tot, n, err := fetch(ctx, hc, base+p.name)
			if err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			if i < 10 {
				continue // warm-up: caches, connections
			}
			p.ttfb, p.total, p.bytes = append(p.ttfb, ttfb), append(p.total, tot), n
		}
	}
	return report(o, pages, total)
}

// fetch GETs a page and returns the time to first byte, the total time and
// the body size.
func fetch(ctx context.Context, hc *http.Client, u string) (time.Duration, time.Duration, int, error) {
	var first time.Time
	trace := &httptrace.ClientTrace{GotFirstResponseByte: func() { first = time.Now() }}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, u, nil)
	start := time.Now()
	res, err := hc.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	end := time.Now()
	if err != nil {
		return 0, 0, 0, err
	}
	if res.StatusCode != http.StatusOK {
		return 0, 0, 0, fmt.Errorf("status %d", res.StatusCode)
	}
	return first.Sub(start), end.Sub(start), int(n), nil
}

// addLongMeeting stores an all-day meeting of 3,000 segments in the copy.
func addLongMeeting(ctx context.Context, db *sqlite.DB) (*meetingintel.Meeting, error) {
	const n = 3000
	segs := make([]meetingintel.Segment, n)
	speakers := []string{"Priya Natarajan", "Tom Becker", "Amara Okafor", "Kenji Watanabe", "Sofia Rossi", "Marcus Webb"}
	for i := range segs {
		segs[i] = meetingintel.Segment{Speaker: speakers[i%len(speakers)], StartMS: int64(i) * 9_000, EndMS: int64(i)*9_000 + 8_000,
			Text: "We went through item " + strconv.Itoa(i) + " of the workshop plan and agreed who follows up on the open questions before the next session."}
	}
	m := &meetingintel.Meeting{Title: "All-day planning workshop (webbench)", Date: time.Now().UTC(), DurationMS: n * 9_000,
		Visibility: meetingintel.VisibilityTeam, Source: "webbench", Summary: "A long meeting, to measure transcript paging."}
	if err := db.CreateMeeting(ctx, m, segs); err != nil {
		return nil, err
	}
	return m, nil
}

// countMeetings counts the meetings the user may see.
func countMeetings(ctx context.Context, db *sqlite.DB) (int, error) {
	n, cursor := 0, ""
	for {
		ms, next, err := db.FindMeetings(ctx, meetingintel.MeetingFilter{Limit: meetingintel.MaxLimit, Cursor: cursor})
		if err != nil {
			return 0, err
		}
		n += len(ms)
		if next == "" {
			return n, nil
		}
		cursor = next
	}
}

func copyCorpus(src, work string) (string, error) {
	dst := filepath.Join(work, "corpus.db")
	for _, suffix := range []string{"", "-wal"} {
		in, err := os.Open(src + suffix)
		if err != nil {
			if suffix != "" && os.IsNotExist(err) {
				continue
			}
			return "", err
		}
		out, err := os.Create(dst + suffix)
		if err == nil {
			_, err = io.Copy(out, in)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		in.Close()
		if err != nil {
			return "", fmt.Errorf("copy the corpus: %w", err)
		}
	}
	return dst, nil
}

func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(int(float64(len(s))*q), len(s)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func report(o options, pages []*result, total int) error {
	var b strings.Builder
	now := time.Now().UTC()
	fmt.Fprintf(&b, "# Web UI: time to first byte\n\nWritten by `go run ./cmd/webbench` on %s at %s UTC: %s/%s, %d CPUs, %s.\n",
		now.Format("2006-01-02"), now.Format("15:04"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(&b, "Corpus `%s` (copied first), signed in as `%s` with a session cookie, who sees %d meetings. "+
		"%d requests per page after 10 warm-up requests, one at a time, over HTTP on 127.0.0.1; the client runs on the same cores.\n\n",
		filepath.Base(o.corpus), o.email, total, o.n)
	fmt.Fprintf(&b, "Target (issue 5): median time to first byte under %s.\n\n", ms(Target))
	b.WriteString("| page | what | median TTFB | p90 TTFB | p99 TTFB | median total | HTML bytes | under target |\n|---|---|---|---|---|---|---|---|\n")
	for _, p := range pages {
		med := quantile(p.ttfb, .5)
		ok := "yes"
		if med >= Target {
			ok = "**no**"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %d | %s |\n", p.name, p.what, ms(med), ms(quantile(p.ttfb, .9)),
			ms(quantile(p.ttfb, .99)), ms(quantile(p.total, .5)), p.bytes, ok)
	}
	fmt.Fprintf(&b, `
Each page view reads the session (one indexed lookup joined with its user), then the page's data through the store as
that user (visibility applied in SQL), renders the template into a buffer and writes it: the first byte leaves only when
the whole page is ready, so time to first byte is the server's full time for the page.

**Long transcripts are paged, not rendered whole.** A meeting page shows at most %d transcript segments (an hour of talk
is about 300, so an ordinary meeting shows whole); "Continue transcript" follows the store's cursor, and a
search hit deep in a long meeting links to the page that starts a minute before its line ("?t=<ms>#t-<seq>"). So the
3,000-segment meeting costs about what an hour-long one does, and its HTML stays bounded. Talk time per speaker still
covers the whole meeting (the store sums it in SQL).
`, web.TranscriptPerPage)
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(o.out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprint(os.Stderr, b.String())
	return nil
}
