// Command mcpbench measures MCP tools/call throughput and latency of
// meetingintel against three comparison servers, side by side in one run,
// and writes a markdown report (issue 3, "Measure").
//
// The servers, each its own process on a free 127.0.0.1 port:
//
//   - meetingintel serve on a copy of the corpus: /mcp with a PAT, real
//     SQLite store, visibility rules and ranked full-text search;
//   - a bare go-sdk server with the same tool names and result types over
//     an in-memory slice of the same meetings, no auth, stateless;
//   - a bare net/http JSON-RPC handler computing the same results from the
//     same slice: the floor;
//   - the official TypeScript SDK server (bench/tsserver, Node) over the
//     same meetings as an in-memory array.
//
// One Go client with keep-alive connections sends the same request bodies
// and headers to each, with the same concurrency, warm-up and duration.
//
//	go run ./cmd/mcpbench -corpus corpus-10000-300.db -bin bin/meetingintel -out docs/benchmarks-mcp.md
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// benchEmail is the corpus's member the PAT belongs to (cmd/mibench creates
// that user); a non-admin, so visibility rules apply.
const benchEmail = "priya.natarajan@corp.example"

type options struct {
	corpus   string
	bin      string
	out      string
	work     string
	tsDir    string
	email    string
	clients  []int
	warmup   time.Duration
	duration time.Duration
	rounds   int
}

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
	flag.Parse()
	for _, s := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "mcpbench: -clients %q: want positive numbers like 1,8\n", *clients)
			os.Exit(2)
		}
		o.clients = append(o.clients, n)
	}
	if o.rounds < 1 || o.duration <= 0 || o.warmup < 0 {
		fmt.Fprintln(os.Stderr, "mcpbench: -rounds must be at least 1 and -duration positive")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mcpbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) (err error) {
	if _, err := os.Stat(o.bin); err != nil {
		return fmt.Errorf("meetingintel binary: %w (build it with make build)", err)
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

	rep := &report{started: time.Now().UTC(), opts: o}
	procs := &processes{}
	defer procs.stopAll() // every server stops, also on error or interrupt

	fmt.Fprintln(os.Stderr, "copying the corpus")
	db, err := copyCorpus(o.corpus, work)
	if err != nil {
		return err
	}
	pat, err := createPAT(ctx, o.bin, db, o.email)
	if err != nil {
		return err
	}

	ours, err := procs.startOurs(ctx, o.bin, db, work, pat)
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
	for _, kind := range []string{"gosdk", "bare"} {
		s, err := procs.startInmem(ctx, kind, data, work)
		if err != nil {
			return err
		}
		servers = append(servers, s)
	}
	ts, tsVersion, err := procs.startNode(ctx, o.tsDir, data, work)
	if err != nil {
		fmt.Fprintln(os.Stderr, "TypeScript peer not run:", err)
		ts = &server{key: "ts", name: nameOf["ts"], missing: err.Error()}
	}
	rep.tsSDK = tsVersion
	servers = append(servers, ts)
	rep.servers = servers

	c := newClient(pat)
	for _, s := range servers {
		if s.missing != "" {
			continue
		}
		if err := c.checkShapes(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	rep.results, err = c.runAll(ctx, o, servers)
	if err != nil {
		return err
	}
	rep.finished = time.Now().UTC()
	procs.stopAll()
	return rep.write(o.out)
}

var errStopped = errors.New("interrupted")
