package ratelimit_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel/ratelimit"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func TestALimiterAllowsItsLimitPerWindowThenSaysHowLongToWait(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 4, 10, 0, 15, 0, time.UTC)}
	l := &ratelimit.Limiter{Counter: &ratelimit.Memory{}, Limit: 3, Now: c.Now}
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		if ok, _ := l.Allow(ctx, "k"); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	ok, wait := l.Allow(ctx, "k")
	if ok || wait != 45*time.Second {
		t.Fatalf("the 4th: ok %v, wait %v; want refused, 45s", ok, wait)
	}
	if ok, _ := l.Allow(ctx, "other"); !ok {
		t.Fatal("another key shares the allowance")
	}
	c.Set(c.Now().Add(45 * time.Second)) // the next window
	if ok, _ := l.Allow(ctx, "k"); !ok {
		t.Fatal("the next window is still refused")
	}
	off := &ratelimit.Limiter{Counter: &ratelimit.Memory{}, Limit: 0}
	for i := 0; i < 1000; i++ {
		if ok, _ := off.Allow(ctx, "k"); !ok {
			t.Fatal("a limit of 0 refused")
		}
	}
}

func TestMemoryForgetsOldWindows(t *testing.T) {
	m := &ratelimit.Memory{}
	ctx := context.Background()
	w := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 100; i++ {
		_, _ = m.CountRate(ctx, "k"+strconv.Itoa(i), w)
	}
	// The previous window is kept (a request may straddle the boundary)...
	_, _ = m.CountRate(ctx, "k0", w.Add(time.Minute))
	if n, _ := m.SweepRates(ctx, w); n != 0 {
		t.Errorf("swept %d counts older than the previous window: there should be none", n)
	}
	// ...and dropped as soon as a newer one arrives, without a sweep.
	_, _ = m.CountRate(ctx, "x", w.Add(2*time.Minute))
	if n, _ := m.SweepRates(ctx, w.Add(time.Minute)); n != 0 {
		t.Errorf("%d stale counts survived", n)
	}
	if n, _ := m.CountRate(ctx, "k0", w.Add(2*time.Minute)); n != 1 {
		t.Errorf("count %d in a new window, want 1", n)
	}
	if n, _ := m.SweepRates(ctx, w.Add(3*time.Minute)); n != 3 {
		t.Errorf("a sweep removed %d counts, want 3", n)
	}
}

func TestConcurrentCountsAreExact(t *testing.T) {
	m := &ratelimit.Memory{}
	at := time.Date(2026, 3, 4, 10, 0, 30, 0, time.UTC)
	l := &ratelimit.Limiter{Counter: m, Limit: 50, Now: func() time.Time { return at }}
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := l.Allow(context.Background(), "k"); ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 50 {
		t.Fatalf("%d of 200 allowed, want 50", allowed)
	}
}

// server serves "ok" behind the middleware on a real loopback port.
func server(t *testing.T, mcp, api int) *httptest.Server {
	t.Helper()
	cfg := ratelimit.Config{
		MCP: &ratelimit.Limiter{Counter: &ratelimit.Memory{}, Limit: mcp},
		API: &ratelimit.Limiter{Counter: &ratelimit.Memory{}, Limit: api},
	}
	srv := httptest.NewServer(ratelimit.Middleware(cfg)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})))
	t.Cleanup(srv.Close)
	return srv
}

type reply struct {
	status     int
	retryAfter string
	ctype      string
	body       map[string]any
}

func get(t *testing.T, method, u string, hdr map[string]string) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, u, strings.NewReader("{}"))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := reply{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After"), ctype: res.Header.Get("Content-Type")}
	_ = json.Unmarshal(b, &r.body)
	return r
}

func TestMCPIsLimitedPerCredentialWhereverItComes(t *testing.T) {
	srv := server(t, 4, 0)
	tok := "mi_pat_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	// One credential, four ways: they share one allowance.
	for _, r := range []struct {
		method, path string
		hdr          map[string]string
	}{
		{"POST", "/mcp", map[string]string{"Authorization": "Bearer " + tok}},
		{"POST", "/mcp", map[string]string{"X-API-Key": tok}},
		{"POST", "/mcp?token=" + tok, nil},
		{"POST", "/mcp/" + tok, nil},
	} {
		if got := get(t, r.method, srv.URL+r.path, r.hdr); got.status != 200 {
			t.Fatalf("%s %s: %d", r.method, r.path, got.status)
		}
	}
	for _, path := range []string{"/mcp", "/sse?token=" + tok} {
		hdr := map[string]string{"Authorization": "Bearer " + tok}
		if strings.Contains(path, "token=") {
			hdr = nil
		}
		got := get(t, "POST", srv.URL+path, hdr)
		if got.status != 429 || got.retryAfter == "" || got.ctype != "application/json" || got.body["error"] != "rate_limited" ||
			!strings.Contains(got.body["error_description"].(string), "at most 4 a minute per credential") {
			t.Fatalf("%s over the limit: %+v", path, got)
		}
		if n, err := strconv.Atoi(got.retryAfter); err != nil || n < 1 || n > 60 {
			t.Errorf("Retry-After %q", got.retryAfter)
		}
		if strings.Contains(got.body["error_description"].(string), tok) {
			t.Error("the refusal repeats the token")
		}
	}
	if got := get(t, "POST", srv.URL+"/mcp", map[string]string{"Authorization": "Bearer mi_pat_other"}); got.status != 200 {
		t.Errorf("another credential is limited too: %d", got.status)
	}
	// SSE posts without a credential count per session.
	for i := 0; i < 4; i++ {
		get(t, "POST", srv.URL+"/messages?session_id=s1", nil)
	}
	if got := get(t, "POST", srv.URL+"/messages?session_id=s1", nil); got.status != 429 {
		t.Errorf("the 5th post of one SSE session: %d", got.status)
	}
	if got := get(t, "POST", srv.URL+"/messages?session_id=s2", nil); got.status != 200 {
		t.Errorf("another session's post: %d", got.status)
	}
	// /api is off here, and other paths are never limited.
	for i := 0; i < 10; i++ {
		if got := get(t, "GET", srv.URL+"/api/meetings", nil); got.status != 200 {
			t.Fatalf("/api with its limit off: %d", got.status)
		}
		if got := get(t, "GET", srv.URL+"/meetings", nil); got.status != 200 {
			t.Fatalf("the web UI: %d", got.status)
		}
	}
}

func TestAPIIsLimitedPerAddress(t *testing.T) {
	srv := server(t, 0, 3)
	for i := 0; i < 3; i++ {
		if got := get(t, "GET", srv.URL+"/api/meetings", map[string]string{"Authorization": "Bearer mi_pat_" + strconv.Itoa(i)}); got.status != 200 {
			t.Fatalf("request %d: %d", i, got.status)
		}
	}
	got := get(t, "GET", srv.URL+"/api/actions", map[string]string{"Authorization": "Bearer mi_pat_new"})
	if got.status != 429 || got.retryAfter == "" || got.ctype != "application/problem+json" || got.body["status"] != float64(429) ||
		!strings.Contains(got.body["detail"].(string), "at most 3 a minute from one address") {
		t.Fatalf("over the limit (another token, same address): %+v", got)
	}
	for i := 0; i < 10; i++ {
		if got := get(t, "POST", srv.URL+"/mcp", map[string]string{"Authorization": "Bearer x"}); got.status != 200 {
			t.Fatalf("/mcp with its limit off: %d", got.status)
		}
	}
}

// BenchmarkMemoryAllow is the in-memory limit's cost per request (SQLite).
func BenchmarkMemoryAllow(b *testing.B) {
	l := &ratelimit.Limiter{Counter: &ratelimit.Memory{}, Limit: 1 << 30}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		l.Allow(ctx, "mcp:c:0123456789abcdef")
	}
}
