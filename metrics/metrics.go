package metrics

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MinTokenLen is the shortest METRICS_TOKEN accepted: the endpoint shows
// traffic patterns, so its token must not be guessable.
const MinTokenLen = 16

// Tool call outcomes, the values of the outcome label.
const (
	OutcomeOK    = "ok"    // the tool returned a result
	OutcomeError = "error" // the tool returned a tool error (isError)
)

// Metrics is the server's set of metrics. A nil *Metrics is valid and
// records nothing, so callers need no "metrics on?" checks: metrics are
// off by default (DESIGN §9 operations).
type Metrics struct {
	reg           *Registry
	requests      *CounterVec
	latency       *HistogramVec
	toolCalls     *CounterVec
	grantsIssued  *CounterVec
	grantsRefused *CounterVec
	token         string
}

// New returns the server's metrics, served to requests that present
// token as a bearer token.
func New(token string) *Metrics {
	r := NewRegistry()
	return &Metrics{
		reg:   r,
		token: token,
		requests: r.NewCounter("meetingintel_http_requests_total",
			"HTTP requests by route pattern, method and status.", "route", "method", "status"),
		latency: r.NewHistogram("meetingintel_http_request_duration_seconds",
			"HTTP request latency by route pattern (SSE streams count until they close).", DefaultBuckets, "route"),
		toolCalls: r.NewCounter("meetingintel_mcp_tool_calls_total",
			"MCP tool calls by tool and outcome (ok or error).", "tool", "outcome"),
		grantsIssued: r.NewCounter("meetingintel_oauth_tokens_issued_total",
			"OAuth token responses issued, by grant type (authorization_code, refresh_token).", "grant_type"),
		grantsRefused: r.NewCounter("meetingintel_oauth_tokens_refused_total",
			"OAuth token requests refused, by grant type and RFC 6749 error code.", "grant_type", "reason"),
	}
}

// FromEnv reads METRICS_TOKEN: unset or empty means metrics are off (nil,
// nil); a token shorter than MinTokenLen is an error naming the setting.
func FromEnv(getenv func(string) string) (*Metrics, error) {
	tok := strings.TrimSpace(getenv("METRICS_TOKEN"))
	if tok == "" {
		return nil, nil
	}
	if len(tok) < MinTokenLen {
		return nil, fmt.Errorf("METRICS_TOKEN: must be at least %d characters (generate one with: openssl rand -hex 24)", MinTokenLen)
	}
	return New(tok), nil
}

// Registry returns the registry behind m, for tests and extra metrics.
func (m *Metrics) Registry() *Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// Handler serves GET /metrics: the text format to a request carrying
// "Authorization: Bearer <METRICS_TOKEN>", 401 to anyone else. On a nil
// *Metrics it answers 404, as if the route did not exist.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m == nil {
			http.NotFound(w, r)
			return
		}
		if !m.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"unauthorized","detail":"GET /metrics needs Authorization: Bearer <METRICS_TOKEN>."}` + "\n"))
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = m.reg.WriteTo(w)
	})
}

// authorized compares the bearer token in constant time (hashing first
// makes the comparison independent of the token's length too).
func (m *Metrics) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	a, b := sha256.Sum256([]byte(strings.TrimSpace(tok))), sha256.Sum256([]byte(m.token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// Middleware counts every request by the route pattern that served it
// (r.Pattern, set by http.ServeMux: "POST /oauth/token", "/mcp/{token}";
// never the raw path, which may carry a token), method and status, and
// observes its latency. It must wrap the ServeMux with no handler between
// them that copies the request (r.WithContext), or the pattern is lost and
// the route reads "unmatched". On a nil *Metrics it returns next.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		m.ObserveRequest(route, r.Method, status, time.Since(start))
	})
}

// ObserveRequest records one HTTP request; Middleware calls it, and so can
// a server whose routing is not an http.ServeMux.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.Inc(route, method, strconv.Itoa(status))
	m.latency.Observe(d.Seconds(), route)
}

// ToolCall records one MCP tools/call: the tool's name and OutcomeOK or
// OutcomeError. Call it once per call, after the tool handler returns.
func (m *Metrics) ToolCall(tool, outcome string) {
	if m == nil {
		return
	}
	m.toolCalls.Inc(tool, outcome)
}

// TokenIssued records a successful token response for grantType
// ("authorization_code" or "refresh_token").
func (m *Metrics) TokenIssued(grantType string) {
	if m == nil {
		return
	}
	m.grantsIssued.Inc(safeLabel(grantType))
}

// TokenRefused records a refused token request: grantType as the client
// sent it (folded to "other" when not a known grant type) and reason, the
// RFC 6749 error code sent back (invalid_grant, invalid_client,
// invalid_scope, invalid_target, unsupported_grant_type, ...).
func (m *Metrics) TokenRefused(grantType, reason string) {
	if m == nil {
		return
	}
	m.grantsRefused.Inc(safeLabel(grantType), safeLabel(reason))
}

// Token records one token endpoint answer: issued when errCode is "",
// else refused with errCode as the reason. It fits a hook of the form
// func(grantType, errCode string) in the authorization server.
func (m *Metrics) Token(grantType, errCode string) {
	if errCode == "" {
		m.TokenIssued(grantType)
		return
	}
	m.TokenRefused(grantType, errCode)
}

// safeLabel keeps client-chosen values (a grant_type can be anything) to a
// short identifier, so a client cannot fill the series with junk.
func safeLabel(s string) string {
	switch s {
	case "authorization_code", "refresh_token", "client_credentials", "password",
		"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
		"unsupported_grant_type", "invalid_scope", "invalid_target", "access_denied",
		"server_error", "temporarily_unavailable", "slow_down", "rate_limited":
		return s
	case "":
		return "none"
	}
	return "other"
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and deadlines (SSE).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush forwards to the underlying writer, for streaming responses.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
