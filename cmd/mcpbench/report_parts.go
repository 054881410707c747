package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// authTarget is issue 4's target: authenticating a request costs under 5%
// of the tools/call median.
const authTarget = 0.05

// pair is one comparison row: a base and another row of the same tool and
// clients, as ratios other ÷ base.
func pairRow(b *strings.Builder, label string, base, other *cell) {
	if base == nil || other == nil {
		fmt.Fprintf(b, "| %s | not measured | | | | | |\n", label)
		return
	}
	fmt.Fprintf(b, "| %s | %.0f | %.0f | **%.2f** | %s | %s | %.2f |\n", label,
		base.rps(), other.rps(), other.rps()/base.rps(),
		msString(base.pct(.5)), msString(other.pct(.5)), float64(other.pct(.5))/float64(base.pct(.5)))
}

// writeBaseline compares meetingintel with an earlier build of itself
// (-baseline-bin), measured in the same rounds against the same database.
func (r *report) writeBaseline(b *strings.Builder) {
	o := r.opts
	if o.baselineBin == "" {
		return
	}
	fmt.Fprintf(b, "\n## Before and after (this build against %s)\n\n", o.baselineLabel)
	if o.baselineCorpus != "" {
		fmt.Fprintf(b, "Each build serves its own copy of the same corpus (`-baseline-corpus %s` for the earlier one, whose schema this build's migrations would change), with a PAT of the same user, in the same rounds and reversed order as every other row.\n\n", filepath.Base(o.baselineCorpus))
	} else {
		fmt.Fprintf(b, "Both builds serve the same SQLite file at once (WAL mode), with the same PAT, in the same rounds and reversed order as every other row.\n\n")
	}
	fmt.Fprintf(b, "| tool | clients | before req/s | after req/s | after ÷ before req/s | before p50 | after p50 | after ÷ before p50 |\n")
	fmt.Fprintf(b, "|---|---|---|---|---|---|---|---|\n")
	for _, tool := range tools {
		for _, n := range o.clients {
			pairRow(b, fmt.Sprintf("%s | %d", tool, n), r.measured(tool, n, "base"), r.measured(tool, n, "ours"))
		}
	}
}

// writeOAuth is issue 4's measure: tools/call with an OAuth access token
// next to the PAT, and what authenticating one request costs.
func (r *report) writeOAuth(b *strings.Builder) {
	o := r.opts
	if !o.parts["oauth"] {
		return
	}
	fmt.Fprintf(b, "\n## OAuth access token next to the PAT (issue 4)\n\n")
	fmt.Fprintf(b, "The same server process, the same requests; only the bearer token differs. The access token was obtained by driving the real flow over HTTP against the started server "+
		"(dynamic registration of a public client, authorization request with PKCE S256, sign-in on the consent page with the member's PAT, approval, code exchanged at `/oauth/token`), so each call "+
		"is checked as a client's would be: signature, issuer, audience, expiry, the grant's status (cached for 2 s), then the user.\n\n")
	fmt.Fprintf(b, "| store | tool | clients | PAT req/s | OAuth req/s | OAuth ÷ PAT req/s | PAT p50 | OAuth p50 | OAuth ÷ PAT p50 |\n|---|---|---|---|---|---|---|---|---|\n")
	stores := [][2]string{{"SQLite", "ours"}}
	if r.fill != nil && r.fill.prefix && o.parts["postgres"] {
		stores = append(stores, [2]string{fmt.Sprintf("SQLite, %d meetings", r.fill.meetings), "litn"})
	}
	if r.fill != nil && o.parts["postgres"] {
		stores = append(stores, [2]string{"PostgreSQL", "pg"})
	}
	for _, st := range stores {
		for _, tool := range tools {
			for _, n := range o.clients {
				pairRow(b, fmt.Sprintf("%s | %s | %d", st[0], tool, n), r.measured(tool, n, st[1]), r.measured(tool, n, st[1]+"-oauth"))
			}
		}
	}

	fmt.Fprintf(b, "\n### Authentication cost\n\n")
	if r.authBenchErr != "" {
		fmt.Fprintf(b, "The Go benchmarks did not run: %s\n", mdEscape(r.authBenchErr))
		return
	}
	what := map[string]string{
		"AuthenticatePAT":   "one PAT-authenticated request: header, SHA-256 of the token, one indexed lookup (SQLite)",
		"VerifyAccessToken": "one OAuth access token: JWT signature and claims, then the grant's status (cached for 2 s)",
		"RefreshTokenGrant": "the token endpoint's refresh grant over HTTP: client, rotation in the database, a new JWT",
	}
	fmt.Fprintf(b, "From `go test -run '^$' -bench '%s' -benchmem ./auth/ ./oauth/`, run by mcpbench before any server started:\n\n", authBenchPattern)
	fmt.Fprintf(b, "| benchmark | package | ns/op | B/op | allocs/op | per second, one goroutine | what it measures |\n|---|---|---|---|---|---|---|\n")
	for _, g := range r.authBench {
		fmt.Fprintf(b, "| %s | %s | %.0f | %d | %d | %.0f | %s |\n", g.name, strings.TrimPrefix(g.pkg, "github.com/meetingintel/meetingintel/"),
			g.nsOp, g.bytesOp, g.allocsOp, 1e9/g.nsOp, what[g.name])
	}
	n := slices.Min(o.clients)
	fmt.Fprintf(b, "\nAuthentication as a share of the `tools/call` median of meetingintel on SQLite with %s (target: under %.0f%%):\n\n", plural(n, "client"), authTarget*100)
	fmt.Fprintf(b, "| credential | benchmark | tool | authentication | tools/call p50 | share | under %.0f%% |\n|---|---|---|---|---|---|---|\n", authTarget*100)
	for _, row := range [][3]string{{"PAT", "AuthenticatePAT", "ours"}, {"OAuth access token", "VerifyAccessToken", "ours-oauth"}} {
		g := findBench(r.authBench, row[1])
		for _, tool := range tools {
			c := r.measured(tool, n, row[2])
			if g == nil || c == nil {
				fmt.Fprintf(b, "| %s | %s | %s | not measured | | | |\n", row[0], row[1], tool)
				continue
			}
			share := g.nsOp / float64(c.pct(.5))
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %.2f%% | %s |\n", row[0], row[1], tool,
				usString(g.nsOp), msString(c.pct(.5)), share*100, yesNo(share < authTarget))
		}
	}
	fmt.Fprintf(b, "\nThe benchmarks run on a small SQLite database in one process; in `serve`, an OAuth-authenticated request also looks its user up by id after `VerifyAccessToken` "+
		"(one indexed query, like the PAT's). The end-to-end cost of either credential, on either store, is the PAT against OAuth table above.\n")
}

func usString(ns float64) string {
	return fmt.Sprintf("%.1f µs", ns/float64(time.Microsecond))
}

// writePostgres is issue 6's first measure: the MCP and OAuth figures on
// PostgreSQL next to SQLite.
func (r *report) writePostgres(b *strings.Builder) {
	o, f := r.opts, r.fill
	if !o.parts["postgres"] || f == nil {
		return
	}
	lite := "ours"
	fmt.Fprintf(b, "\n## PostgreSQL next to SQLite (issue 6)\n\n")
	if f.prefix {
		lite = "litn"
		fmt.Fprintf(b, "**On %d meetings, not the whole corpus** (`-pg-meetings %d`): PostgreSQL holds the %d newest meetings the member sees, and the SQLite row is a separate SQLite database filled with the very same meetings the same way; "+
			"the rows above on the whole corpus are not comparable with these.\n\n", f.meetings, o.pgMeetings, f.meetings)
	} else {
		fmt.Fprintf(b, "PostgreSQL holds every meeting of the corpus the member sees (%d meetings, %d transcript segments), so the SQLite row is the one above.\n\n", f.meetings, f.segments)
	}
	fmt.Fprintf(b, "| credential | tool | clients | SQLite req/s | PostgreSQL req/s | PostgreSQL ÷ SQLite req/s | SQLite p50 | PostgreSQL p50 | PostgreSQL ÷ SQLite p50 |\n|---|---|---|---|---|---|---|---|---|\n")
	creds := [][2]string{{"PAT", ""}}
	if o.parts["oauth"] {
		creds = append(creds, [2]string{"OAuth", "-oauth"})
	}
	for _, cr := range creds {
		for _, tool := range tools {
			for _, n := range o.clients {
				pairRow(b, fmt.Sprintf("%s | %s | %d", cr[0], tool, n), r.measured(tool, n, lite+cr[1]), r.measured(tool, n, "pg"+cr[1]))
			}
		}
	}
	where := "the database given with `-postgres`"
	if o.postgresFromEnv {
		where = "a throwaway database from `scripts/with-postgres.sh` (`-postgres env`: 127.0.0.1, fsync and synchronous commit off)"
	}
	fmt.Fprintf(b, "\nPostgreSQL %s: %s, on the same machine and cores. "+
		"It was filled through the store API (`FindMeetings` and `FindSegments` on a copy of the corpus, `ImportMeeting` as the member, who is also the creator in the corpus, so the same private meetings are visible): "+
		"%d meetings with %d segments in %s, %.0f meetings/s into PostgreSQL (%s in `ImportMeeting`)",
		f.pgVersion, where, f.meetings, f.segments, f.took.Round(time.Second), float64(f.meetings)/f.pgTook.Seconds(), f.pgTook.Round(time.Second))
	if f.prefix {
		fmt.Fprintf(b, ", %.0f meetings/s into SQLite", float64(f.meetings)/f.sqliteTook.Seconds())
	}
	fmt.Fprintf(b, ". The server is `meetingintel serve` with `DATABASE_URL`, `JWT_SECRET` (random, per run) and `OAUTH_ENABLED=true`. "+
		"Search on PostgreSQL ranks through the same in-process index as SQLite's (package `postings`: one stemmer, one scoring function), so both return the same hits in the same order, with the same snippets.\n")
}

// writeReplicas is issue 6's second measure: one replica against two on
// one PostgreSQL.
func (r *report) writeReplicas(b *strings.Builder) {
	o := r.opts
	if !o.parts["replicas"] || len(r.replicas) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## One replica against two on one PostgreSQL (issue 6)\n\n")
	fmt.Fprintf(b, "| tool | clients | one replica req/s | two replicas req/s | two ÷ one req/s | one replica p50 | two replicas p50 | two ÷ one p50 |\n|---|---|---|---|---|---|---|---|\n")
	for _, tool := range tools {
		for _, n := range o.replicaClients {
			pairRow(b, fmt.Sprintf("%s | %d", tool, n), r.measured(tool, n, "rep1"), r.measured(tool, n, "rep2"))
		}
	}
	fmt.Fprintf(b, "\nTwo `meetingintel serve` processes on the PostgreSQL above, with the same `DATABASE_URL`, `JWT_SECRET`, `OAUTH_ENABLED=true` and `PUBLIC_URL` (the first one's), as replicas of one instance run; "+
		"the member's PAT, since a PAT is what both rows can share. One replica: every client talks to the first process. Two replicas: client *i* talks to replica *i* mod 2, so the connections are spread evenly (as a round-robin ingress without affinity would, `/mcp` being stateless). "+
		"Both rows are measured back to back, alternating as above, with %s.\n\n", joinInts(o.replicaClients)+" concurrent clients")
	fmt.Fprintf(b, "**Read the ratio for what it is on this machine**: both replicas, PostgreSQL and the load generator share the same %d CPUs, so a second replica brings no CPU of its own here; "+
		"the ratio shows what spreading the load over two processes costs or gains with the CPUs fixed (two Go runtimes and connection pools, state shared through the database), not how replicas on separate machines scale.\n", runtime.NumCPU())
}
