// Command mcpbench measures MCP tools/call throughput and latency of
// meetingintel against three comparison servers, side by side in one run,
// and writes a markdown report (issue 3, "Measure"), with the OAuth figures
// of issue 4 and the PostgreSQL and replica figures of issue 6.
//
// The servers, each its own process on a free 127.0.0.1 port:
//
//   - meetingintel serve on a copy of the corpus: /mcp with a PAT, real
//     SQLite store, visibility rules and ranked full-text search; and the
//     same server called with an OAuth access token got through the real
//     authorization code flow (part oauth);
//   - a bare go-sdk server with the same tool names and result types over
//     an in-memory slice of the same meetings, no auth, stateless;
//   - a bare net/http JSON-RPC handler computing the same results from the
//     same slice: the floor;
//   - the official TypeScript SDK server (bench/tsserver, Node) over the
//     same meetings as an in-memory array (these three: part sqlite);
//   - meetingintel serve on PostgreSQL filled with the corpus's meetings,
//     with a PAT and an OAuth token (part postgres), and one against two
//     replicas on that database (part replicas).
//
// One Go client with keep-alive connections sends the same request bodies
// and headers to each, with the same concurrency, warm-up and duration.
// Part oauth also runs the authentication benchmarks of ./auth and ./oauth
// with go test, so it must run from the module root.
//
//	go run ./cmd/mcpbench -corpus corpus-10000-300.db -bin bin/meetingintel -out docs/benchmarks-mcp.md
//	scripts/with-postgres.sh go run ./cmd/mcpbench -corpus corpus-10000-300.db -bin bin/meetingintel -postgres env
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// benchEmail is the corpus's member the PAT belongs to (cmd/mibench creates
// that user); a non-admin, so visibility rules apply.
const benchEmail = "priya.natarajan@corp.example"

type options struct {
	corpus          string
	bin             string
	out             string
	work            string
	tsDir           string
	email           string
	clients         []int
	warmup          time.Duration
	duration        time.Duration
	rounds          int
	parts           map[string]bool
	postgres        string // database URL; "" when not given
	postgresFromEnv bool   // -postgres env: scripts/with-postgres.sh's throwaway database
	pgMeetings      int    // meetings copied to PostgreSQL; 0: all
	replicaClients  []int
	baselineBin     string // an earlier meetingintel build measured beside bin; "" when not given
	baselineLabel   string // what the report calls it
	baselineCorpus  string // the baseline's own corpus; "" to share the copy of corpus
}

// allParts are the parts of the benchmark, in the order they are reported.
var allParts = []string{"sqlite", "oauth", "postgres", "replicas"}

// partHelp says what each part adds; meetingintel on SQLite with a PAT is
// measured in every run, since every other row is compared with it.
const partHelp = "parts to run, comma-separated: sqlite (the bare go-sdk, net/http and TypeScript peers), " +
	"oauth (OAuth access tokens next to PATs, and the authentication benchmarks), " +
	"postgres (the same on PostgreSQL), replicas (one against two replicas on PostgreSQL)"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve-inmem" {
		if err := serveInmem(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "mcpbench serve-inmem:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.corpus, "corpus", "bench-out/corpus-10000-300.db", "corpus database written by cmd/mibench (read only: it is copied first)")
	flag.StringVar(&o.bin, "bin", "bin/meetingintel", "meetingintel binary")
	flag.StringVar(&o.out, "out", "docs/benchmarks-mcp.md", "report file")
	flag.StringVar(&o.work, "work", "", "folder for the corpus copy and server logs (default: a temporary folder, removed at the end)")
	flag.StringVar(&o.tsDir, "tsserver", "bench/tsserver", "folder of the TypeScript SDK server")
	flag.StringVar(&o.email, "email", benchEmail, "user of the corpus the PAT is made for")
	clients := flag.String("clients", "1,8", "concurrent clients per cell, comma-separated")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "warm-up per cell, not measured")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per cell and round")
	flag.IntVar(&o.rounds, "rounds", 2, "rounds per cell; every second round runs the servers in reverse order")
	parts := flag.String("parts", strings.Join(allParts, ","), partHelp)
	flag.StringVar(&o.postgres, "postgres", "", `PostgreSQL database URL the benchmark may fill (parts postgres and replicas); "env" reads MI_TEST_POSTGRES_URL, as scripts/with-postgres.sh sets it`)
	flag.IntVar(&o.pgMeetings, "pg-meetings", 0, "copy only the newest N meetings to PostgreSQL, and compare it with a SQLite database of the same N (0: the whole corpus)")
	flag.StringVar(&o.baselineBin, "baseline-bin", "", "an earlier meetingintel build, measured beside -bin on the same corpus copy with the same PAT: before and after a change in one run")
	flag.StringVar(&o.baselineCorpus, "baseline-corpus", "", "a corpus for -baseline-bin alone, copied apart and given its own PAT, for when this build's migrations change what the earlier build reads (default: both serve one copy of -corpus)")
	flag.StringVar(&o.baselineLabel, "baseline-label", "", `what the report calls the -baseline-bin build, e.g. "commit 4c4aadb" (default: its file name)`)
	replicaClients := flag.String("replica-clients", "8", "concurrent clients per cell of the replica comparison, comma-separated")
	flag.Parse()
	var err error
	if o.clients, err = parseCounts(*clients); err != nil {
		fail("-clients", err)
	}
	if o.replicaClients, err = parseCounts(*replicaClients); err != nil {
		fail("-replica-clients", err)
	}
	if o.rounds < 1 || o.duration <= 0 || o.warmup < 0 || o.pgMeetings < 0 {
		fmt.Fprintln(os.Stderr, "mcpbench: -rounds must be at least 1, -duration positive and -pg-meetings not negative")
		os.Exit(2)
	}
	if o.pgMeetings > 0 && o.pgMeetings < meetingsNeeded {
		fail("-pg-meetings", fmt.Errorf("%d: at least %d meetings are needed, so every search fills a page", o.pgMeetings, meetingsNeeded))
	}
	if o.parts, err = parseParts(*parts); err != nil {
		fail("-parts", err)
	}
	if o.postgres == "env" {
		o.postgresFromEnv = true
		if o.postgres = os.Getenv("MI_TEST_POSTGRES_URL"); o.postgres == "" {
			fail("-postgres", errors.New("env: MI_TEST_POSTGRES_URL is not set (run under scripts/with-postgres.sh)"))
		}
	}
	if (o.parts["postgres"] || o.parts["replicas"]) && o.postgres == "" {
		if *parts != strings.Join(allParts, ",") {
			fail("-parts", errors.New("postgres and replicas need -postgres URL"))
		}
		fmt.Fprintln(os.Stderr, "mcpbench: no -postgres given: the postgres and replicas parts are not run")
		o.parts["postgres"], o.parts["replicas"] = false, false
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mcpbench:", err)
		os.Exit(1)
	}
}

func fail(flagName string, err error) {
	fmt.Fprintf(os.Stderr, "mcpbench: %s: %v\n", flagName, err)
	os.Exit(2)
}

// parseCounts reads a comma-separated list of positive numbers.
func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want positive numbers like 1,8", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseParts reads a comma-separated list of allParts.
func parseParts(s string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(allParts, f) {
			return nil, fmt.Errorf("unknown part %q; the parts are %s", f, strings.Join(allParts, ", "))
		}
		out[f] = true
	}
	return out, nil
}

func run(ctx context.Context, o options) (err error) {
	if _, err := os.Stat(o.bin); err != nil {
		return fmt.Errorf("meetingintel binary: %w (build it with make build)", err)
	}
	if o.baselineBin != "" {
		if _, err := os.Stat(o.baselineBin); err != nil {
			return fmt.Errorf("-baseline-bin: %w", err)
		}
		if o.baselineLabel == "" {
			o.baselineLabel = filepath.Base(o.baselineBin)
		}
	}
	if _, err := os.Stat(o.corpus); err != nil {
		return fmt.Errorf("corpus: %w (make it with go run ./cmd/mibench)", err)
	}
	work := o.work
	if work == "" {
		if work, err = os.MkdirTemp("", "mcpbench-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}

	rep := &report{started: time.Now().UTC(), opts: o, results: map[cellKey]*cell{}}
	procs := &processes{}
	defer procs.stopAll() // every server stops, also on error or interrupt

	if o.parts["oauth"] {
		// Before any server starts, so nothing else competes for the CPUs.
		fmt.Fprintln(os.Stderr, "go test -bench", authBenchPattern)
		if rep.authBench, err = runAuthBench(ctx); err != nil {
			if ctx.Err() != nil {
				return errStopped
			}
			fmt.Fprintln(os.Stderr, "authentication benchmarks not run:", err)
			rep.authBenchErr = err.Error()
		}
	}

	fmt.Fprintln(os.Stderr, "copying the corpus")
	db, err := copyCorpus(o.corpus, work, "corpus.db")
	if err != nil {
		return err
	}
	pat, err := createPAT(ctx, o.bin, db, o.email)
	if err != nil {
		return err
	}
	if o.parts["postgres"] || o.parts["replicas"] {
		// Before the SQLite server starts: it reads the corpus copy alone.
		fmt.Fprintln(os.Stderr, "copying the meetings to PostgreSQL")
		if rep.fill, err = fillPostgres(ctx, db, o.email, o.pgMeetings, o.postgres, filepath.Join(work, "prefix.db")); err != nil {
			return fmt.Errorf("fill PostgreSQL: %w", err)
		}
	}

	ours, err := procs.startOurs(ctx, "ours", o.bin, db, work, pat)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "loading the meetings the benchmark user sees")
	data, n, err := exportMeetings(ctx, ours.url, pat, o.email, work)
	if err != nil {
		return err
	}
	rep.meetings = n

	servers := []*server{ours}
	if o.baselineBin != "" {
		// The same database file: SQLite in WAL mode serves two processes,
		// and both then read the very same pages and token; or, when this
		// build's migrations change what the earlier one reads, a copy of
		// its own corpus.
		baseDB, basePAT := db, pat
		if o.baselineCorpus != "" {
			if baseDB, err = copyCorpus(o.baselineCorpus, work, "baseline.db"); err != nil {
				return fmt.Errorf("-baseline-corpus: %w", err)
			}
			if basePAT, err = createPAT(ctx, o.baselineBin, baseDB, o.email); err != nil {
				return fmt.Errorf("-baseline-corpus: %w", err)
			}
		}
		base, err := procs.startOurs(ctx, "base", o.baselineBin, baseDB, work, basePAT)
		if err != nil {
			return fmt.Errorf("-baseline-bin: %w", err)
		}
		base.name = "meetingintel before (" + o.baselineLabel + "; PAT, SQLite)"
		servers = append(servers, base)
	}
	// withOAuth adds the row of s called with an OAuth access token.
	withOAuth := func(s *server) error {
		if !o.parts["oauth"] {
			return nil
		}
		fmt.Fprintln(os.Stderr, "OAuth authorization code flow on", s.base())
		tok, err := oauthToken(ctx, s.base(), s.token)
		if err != nil {
			return fmt.Errorf("%s: OAuth flow: %w", s.name, err)
		}
		servers = append(servers, s.as(s.key+"-oauth", nameOf[s.key+"-oauth"], tok))
		return nil
	}
	if err := withOAuth(ours); err != nil {
		return err
	}

	var replicas []*server
	if f := rep.fill; f != nil {
		secret, err := newSecret()
		if err != nil {
			return err
		}
		a, err := procs.startPostgres(ctx, "pg-a", o.bin, o.postgres, secret, "", work, f.pgPAT)
		if err != nil {
			return err
		}
		if o.parts["postgres"] {
			if f.prefix {
				lite, err := procs.startOurs(ctx, "litn", o.bin, f.sqlitePath, work, f.sqlitePAT)
				if err != nil {
					return err
				}
				servers = append(servers, lite)
				if err := withOAuth(lite); err != nil {
					return err
				}
			}
			pg := a.as("pg", nameOf["pg"], f.pgPAT)
			servers = append(servers, pg)
			if err := withOAuth(pg); err != nil {
				return err
			}
		}
		if o.parts["replicas"] {
			b, err := procs.startPostgres(ctx, "pg-b", o.bin, o.postgres, secret, a.base(), work, f.pgPAT)
			if err != nil {
				return err
			}
			two := a.as("rep2", nameOf["rep2"], f.pgPAT)
			two.more = []string{b.url}
			replicas = []*server{a.as("rep1", nameOf["rep1"], f.pgPAT), two}
		}
	}

	if o.parts["sqlite"] {
		for _, kind := range []string{"gosdk", "bare"} {
			s, err := procs.startInmem(ctx, kind, data, work)
			if err != nil {
				return err
			}
			s.token = pat
			servers = append(servers, s)
		}
		ts, tsVersion, err := procs.startNode(ctx, o.tsDir, data, work)
		if err != nil {
			fmt.Fprintln(os.Stderr, "TypeScript peer not run:", err)
			ts = &server{key: "ts", name: nameOf["ts"], missing: err.Error()}
		}
		ts.token = pat
		rep.tsSDK = tsVersion
		servers = append(servers, ts)
	}
	rep.servers, rep.replicas = servers, replicas

	c := newClient()
	for _, s := range append(slices.Clone(servers), replicas...) {
		if s.missing != "" {
			continue
		}
		if err := c.checkShapes(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	if err := c.runAll(ctx, o, servers, o.clients, rep.results); err != nil {
		return err
	}
	if len(replicas) > 0 {
		if err := c.runAll(ctx, o, replicas, o.replicaClients, rep.results); err != nil {
			return err
		}
	}
	rep.finished = time.Now().UTC()
	procs.stopAll()
	return rep.write(o.out)
}

// newSecret returns a random JWT_SECRET for the PostgreSQL replicas, which
// must share one; it lives in memory and in their environment only.
func newSecret() (string, error) {
	b := make([]byte, 48)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

var errStopped = errors.New("interrupted")
