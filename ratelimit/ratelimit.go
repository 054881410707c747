// Package ratelimit limits requests in fixed one-minute windows: /mcp (all
// its forms: /mcp/{token}, /sse, /messages) per credential, /api per client
// address. A refusal is 429 with Retry-After and a JSON body saying why.
//
// Counting is a meetingintel.RateCounter: the PostgreSQL store's atomic
// upsert, so replicas on one database share a limit, or Memory, for one
// process (SQLite). A credential is counted by a hash of it, never the
// token itself. When the counter fails (the database is down) requests
// pass: the limit protects the service, and refusing everyone because the
// counter is unreachable would be the outage it guards against; the
// failure is logged.
package ratelimit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meetingintel/meetingintel"
)

// Window is the length of one counting window.
const Window = time.Minute

// Limiter allows Limit requests per key and window.
type Limiter struct {
	Counter meetingintel.RateCounter
	Limit   int              // per Window; 0 or less means no limit
	Now     func() time.Time // nil means time.Now
	Logger  *slog.Logger
}

// Allow counts one request of key and reports whether it is within the
// limit; when not, how long until the window ends.
func (l *Limiter) Allow(ctx context.Context, key string) (bool, time.Duration) {
	if l == nil || l.Limit <= 0 {
		return true, 0
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	start := now.UTC().Truncate(Window)
	n, err := l.Counter.CountRate(ctx, key, start)
	if err != nil {
		if ctx.Err() == nil && l.Logger != nil {
			l.Logger.Error("rate limit counter failed; request let through", "err", err)
		}
		return true, 0
	}
	if n <= int64(l.Limit) {
		return true, 0
	}
	return false, start.Add(Window).Sub(now)
}

// Sweep removes the counts of windows before the previous one from the
// counters of the limits that are on, every window, until ctx ends. Each
// replica may run it: the delete is idempotent.
func (cfg Config) Sweep(ctx context.Context) {
	seen := map[meetingintel.RateCounter]bool{}
	var ls []*Limiter
	for _, l := range []*Limiter{cfg.MCP, cfg.API} {
		if l != nil && l.Limit > 0 && !seen[l.Counter] {
			seen[l.Counter] = true
			ls = append(ls, l)
		}
	}
	if len(ls) == 0 {
		return
	}
	t := time.NewTicker(Window)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, l := range ls {
			if _, err := l.Counter.SweepRates(ctx, time.Now().UTC().Truncate(Window).Add(-Window)); err != nil && ctx.Err() == nil && l.Logger != nil {
				l.Logger.Warn("rate limit sweep failed", "err", err)
			}
		}
	}
}

// Memory is a RateCounter in this process's memory: one instance's
// limit (SQLite serves from one process). It forgets windows before the
// previous one as it goes, so it holds at most two windows of keys.
type Memory struct {
	mu     sync.Mutex
	counts map[memKey]int64
	latest time.Time // the newest window seen
}

type memKey struct {
	key    string
	window int64
}

// CountRate implements meetingintel.RateCounter.
func (m *Memory) CountRate(_ context.Context, key string, window time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counts == nil {
		m.counts = map[memKey]int64{}
	}
	if window.After(m.latest) {
		m.latest = window
		m.sweep(window.Add(-Window))
	}
	k := memKey{key, window.UnixMilli()}
	m.counts[k]++
	return m.counts[k], nil
}

// SweepRates implements meetingintel.RateCounter.
func (m *Memory) SweepRates(_ context.Context, before time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sweep(before), nil
}

func (m *Memory) sweep(before time.Time) int64 {
	var n int64
	for k := range m.counts {
		if k.window < before.UnixMilli() {
			delete(m.counts, k)
			n++
		}
	}
	return n
}

// Config is what Middleware limits.
type Config struct {
	MCP *Limiter // /mcp, /mcp/{token}, /sse, /messages: per credential
	API *Limiter // /api/: per address
	// ClientAddr returns the address /api counts by (behind a trusted
	// proxy, the forwarded one); nil uses r.RemoteAddr's host.
	ClientAddr func(r *http.Request) string
}

// Middleware applies the limits of cfg in front of next.
func Middleware(cfg Config) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := r.URL.Path
			switch {
			case p == "/mcp" || strings.HasPrefix(p, "/mcp/") || p == "/sse" || p == "/messages":
				if ok, wait := cfg.MCP.Allow(r.Context(), mcpKey(r, cfg.addr(r))); !ok {
					refuse(w, wait, "application/json", map[string]any{"error": "rate_limited", "error_description": fmt.Sprintf(
						"Too many requests: at most %d a minute per credential on the MCP endpoints. Retry in %d s.", cfg.MCP.Limit, seconds(wait))})
					return
				}
			case strings.HasPrefix(p, "/api/"):
				if ok, wait := cfg.API.Allow(r.Context(), "api:"+cfg.addr(r)); !ok {
					refuse(w, wait, "application/problem+json", map[string]any{"type": "about:blank", "title": "Too Many Requests", "status": http.StatusTooManyRequests,
						"detail": fmt.Sprintf("Too many requests: at most %d a minute from one address on the REST API. Retry in %d s.", cfg.API.Limit, seconds(wait))})
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

func (cfg Config) addr(r *http.Request) string {
	if cfg.ClientAddr != nil {
		if a := cfg.ClientAddr(r); a != "" {
			return a
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// mcpKey is the counting key of an MCP request: a hash of its credential
// wherever it came (Authorization, X-API-Key, the /mcp/{token} path,
// ?token=), else an SSE post's session (a legacy client posts without a
// credential: the session stands for the one that opened it), else the
// address (a request without a credential is refused anyway).
func mcpKey(r *http.Request, addr string) string {
	cred := ""
	if h := strings.TrimSpace(r.Header.Get("Authorization")); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			cred = strings.TrimSpace(tok)
		}
	}
	if cred == "" {
		cred = strings.TrimSpace(r.Header.Get("X-API-Key"))
	}
	if cred == "" {
		if tok, ok := strings.CutPrefix(r.URL.Path, "/mcp/"); ok {
			cred = tok
		}
	}
	if cred == "" {
		cred = r.URL.Query().Get("token")
	}
	if cred != "" {
		return "mcp:c:" + meetingintel.HashToken(cred)
	}
	if id := r.URL.Query().Get("session_id"); id != "" && r.URL.Path == "/messages" {
		return "mcp:s:" + meetingintel.HashToken(id)
	}
	return "mcp:a:" + addr
}

// seconds rounds a wait up to whole seconds, at least 1.
func seconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

func refuse(w http.ResponseWriter, wait time.Duration, contentType string, body map[string]any) {
	w.Header().Set("Retry-After", strconv.Itoa(seconds(wait)))
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(body)
}
