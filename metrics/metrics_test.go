package metrics

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "0123456789abcdef-metrics"

// serve starts a real HTTP server with the middleware around a mux and
// /metrics on it, as the server wires them.
func serve(t *testing.T, m *Metrics) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadRequest) })
	mux.HandleFunc("/mcp/{token}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
	mux.Handle("GET /metrics", m.Handler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: m.Middleware(mux), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// parse reads the text format into sample name+labels -> value, checking
// every line is a comment or a well-formed sample.
func parse(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "# HELP ") || strings.HasPrefix(l, "# TYPE ") {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		if i < 0 {
			t.Fatalf("malformed line %q", l)
		}
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err != nil {
			t.Fatalf("malformed value in %q", l)
		}
		out[l[:i]] = v
	}
	return out
}

func TestMetricsEndpointNeedsTheBearerToken(t *testing.T) {
	base := serve(t, New(testToken))
	cases := []struct {
		name  string
		token string
		want  int
	}{
		{"no token is refused", "", http.StatusUnauthorized},
		{"a wrong token is refused", "0123456789abcdef-metricX", http.StatusUnauthorized},
		{"a prefix of the token is refused", testToken[:16], http.StatusUnauthorized},
		{"the right token is served", testToken, http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := get(t, base+"/metrics", c.token)
			if code != c.want {
				t.Fatalf("status %d, want %d (%s)", code, c.want, body)
			}
			if code == 200 && !strings.Contains(body, "# TYPE meetingintel_http_requests_total counter") {
				t.Fatalf("body is not the exposition format:\n%s", body)
			}
		})
	}
}

func TestMetricsOffAnswersNotFoundAndCountsNothing(t *testing.T) {
	var m *Metrics // off: METRICS_TOKEN unset
	base := serve(t, m)
	if code, _ := get(t, base+"/metrics", testToken); code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", code)
	}
	m.ToolCall("search", OutcomeOK) // must not panic
	m.TokenIssued("refresh_token")
	m.TokenRefused("refresh_token", "invalid_grant")
}

func TestRequestsAreCountedByRoutePatternNeverByPath(t *testing.T) {
	m := New(testToken)
	base := serve(t, m)
	get(t, base+"/healthz", "")
	get(t, base+"/healthz", "")
	get(t, base+"/mcp/mi_pat_secretsecretsecret", "")
	get(t, base+"/nowhere", "")
	resp, err := http.Post(base+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader("grant_type=x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, body := get(t, base+"/metrics", testToken)
	if strings.Contains(body, "mi_pat_") {
		t.Fatalf("a token from the path reached the metrics:\n%s", body)
	}
	got := parse(t, body)
	for series, want := range map[string]float64{
		`meetingintel_http_requests_total{route="GET /healthz",method="GET",status="200"}`:       2,
		`meetingintel_http_requests_total{route="/mcp/{token}",method="GET",status="401"}`:       1,
		`meetingintel_http_requests_total{route="POST /oauth/token",method="POST",status="400"}`: 1,
		`meetingintel_http_request_duration_seconds_count{route="GET /healthz"}`:                 2,
		`meetingintel_http_request_duration_seconds_bucket{route="GET /healthz",le="+Inf"}`:      2,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
	// An unmatched path falls to the mux's NotFound handler, whose pattern is "".
	if got[`meetingintel_http_requests_total{route="unmatched",method="GET",status="404"}`] != 1 {
		t.Errorf("the unmatched request was not counted as such:\n%s", body)
	}
}

func TestToolCallsAndOAuthOutcomesAreCounted(t *testing.T) {
	m := New(testToken)
	m.ToolCall("search_meetings", OutcomeOK)
	m.ToolCall("search_meetings", OutcomeOK)
	m.ToolCall("create_meeting", OutcomeError)
	m.TokenIssued("authorization_code")
	m.TokenIssued("refresh_token")
	m.TokenRefused("refresh_token", "invalid_grant")
	m.TokenRefused("evil\"grant\n", "invalid_client")
	m.Token("refresh_token", "")
	m.Token("authorization_code", "invalid_grant")
	var b strings.Builder
	m.Registry().WriteTo(&b)
	got := parse(t, b.String())
	for series, want := range map[string]float64{
		`meetingintel_mcp_tool_calls_total{tool="search_meetings",outcome="ok"}`:                     2,
		`meetingintel_mcp_tool_calls_total{tool="create_meeting",outcome="error"}`:                   1,
		`meetingintel_oauth_tokens_issued_total{grant_type="authorization_code"}`:                    1,
		`meetingintel_oauth_tokens_refused_total{grant_type="refresh_token",reason="invalid_grant"}`: 1,
		`meetingintel_oauth_tokens_refused_total{grant_type="other",reason="invalid_client"}`:        1,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v\n%s", series, got[series], want, b.String())
		}
	}
}

func TestHistogramBucketsAreCumulative(t *testing.T) {
	r := NewRegistry()
	h := r.NewHistogram("lat_seconds", "Latency.", []float64{0.1, 1}, "route")
	for _, v := range []float64{0.05, 0.1, 0.5, 2, 3} {
		h.Observe(v, "a")
	}
	var b strings.Builder
	r.WriteTo(&b)
	want := `# HELP lat_seconds Latency.
# TYPE lat_seconds histogram
lat_seconds_bucket{route="a",le="0.1"} 2
lat_seconds_bucket{route="a",le="1"} 3
lat_seconds_bucket{route="a",le="+Inf"} 5
lat_seconds_sum{route="a"} 5.65
lat_seconds_count{route="a"} 5
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestLabelValuesAreEscaped(t *testing.T) {
	r := NewRegistry()
	c := r.NewCounter("x_total", "Help with \\ and\nnewline.", "v")
	c.Inc("a\"b\\c\nd")
	var b strings.Builder
	r.WriteTo(&b)
	if !strings.Contains(b.String(), `x_total{v="a\"b\\c\nd"} 1`) || !strings.Contains(b.String(), `# HELP x_total Help with \\ and\nnewline.`) {
		t.Fatalf("not escaped:\n%s", b.String())
	}
}

func TestSeriesBeyondTheCapFoldIntoOverflow(t *testing.T) {
	r := NewRegistry()
	c := r.NewCounter("tools_total", "Tools.", "tool")
	for i := range MaxSeries + 50 {
		c.Inc(fmt.Sprintf("made_up_%d", i))
	}
	if got := c.Value(OverflowLabel); got != 50 {
		t.Fatalf("overflow series = %v, want 50", got)
	}
	var b strings.Builder
	r.WriteTo(&b)
	if n := strings.Count(b.String(), "\ntools_total{"); n != MaxSeries+1 {
		t.Fatalf("%d series written, want the cap %d plus the overflow series", n, MaxSeries)
	}
}

func TestCountersAreSafeUnderConcurrency(t *testing.T) {
	m := New(testToken)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				m.ToolCall("fetch", OutcomeOK)
				m.ObserveRequest("POST /mcp", "POST", 200, time.Millisecond)
			}
		}()
	}
	wg.Wait()
	if got := m.toolCalls.Value("fetch", OutcomeOK); got != 8000 {
		t.Fatalf("tool calls = %v, want 8000", got)
	}
	if got := m.latency.Count("POST /mcp"); got != 8000 {
		t.Fatalf("latency count = %v, want 8000", got)
	}
}

func TestFromEnv(t *testing.T) {
	cases := []struct {
		name    string
		token   string
		on      bool
		wantErr string
	}{
		{"no METRICS_TOKEN leaves metrics off", "", false, ""},
		{"a short METRICS_TOKEN is refused naming the setting", "short", false, "METRICS_TOKEN"},
		{"a long METRICS_TOKEN turns metrics on", testToken, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := FromEnv(func(k string) string { return map[string]string{"METRICS_TOKEN": c.token}[k] })
			if c.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want one starting %q", err, c.wantErr)
				}
				return
			}
			if err != nil || (m != nil) != c.on {
				t.Fatalf("m=%v err=%v, want on=%v", m, err, c.on)
			}
		})
	}
}
