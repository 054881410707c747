package httpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/httpserver"
)

func TestRedactHidesCredentialsInPathsAndQueries(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/mcp/mi_pat_secret", "/mcp/[redacted]"},
		{"/mcp", "/mcp"},
		{"/mcp/", "/mcp/"},
		{"/api/meetings/3", "/api/meetings/3"},
		{"/mcp/legacy-static-token", "/mcp/[redacted]"},
		{"/.well-known/oauth-protected-resource/mcp/mi_pat_abc", "/.well-known/oauth-protected-resource/mcp/[redacted]"},
		{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource/mcp"},
		{"/sse/mi_pat_abc/x", "/sse/[redacted]"},
		{"/oauth/mi_rt_abc", "/oauth/[redacted]"},
		{"/api/MI_AC_abc/x", "/api/[redacted]/x"},
		{"/x/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "/x/[redacted]"},
		{"/x/0123456789abcdefghij0123456789ABCDEF", "/x/[redacted]"},
		{"/oauth/static/consent.css", "/oauth/static/consent.css"},
		{"/meetings/weekly-sync-notes", "/meetings/weekly-sync-notes"},
	} {
		if got := httpserver.RedactPath(tc.in); got != tc.want {
			t.Errorf("RedactPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := httpserver.RedactQuery("token=mi_pat_x&session_id=abc&code=c"); strings.Contains(got, "mi_pat_x") ||
		strings.Contains(got, "abc") || got != "code=[redacted]&session_id=[redacted]&token=[redacted]" {
		t.Errorf("RedactQuery = %q", got)
	}
}

func TestTheLogHidesTokensWhereverTheyAre(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: httpserver.RedactAttr}))
	log.Info("refused mi_pat_inmsg", "err", errors.New("bad token mi_rt_inerr"), "note", "code mi_ac_inattr",
		slog.Group("g", "jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"), "n", 3)
	out := buf.String()
	for _, leak := range []string{"mi_pat_inmsg", "mi_rt_inerr", "mi_ac_inattr", "eyJzdWIiOiIxIn0"} {
		if strings.Contains(out, leak) {
			t.Errorf("the log shows %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, `"n":3`) || strings.Count(out, "[redacted]") != 4 {
		t.Errorf("the log lost what is not a token, or redacted too little: %s", out)
	}
}

// failingStore answers Ping with an error, for readiness.
type failingStore struct{ meetingintel.Store }

func (failingStore) Ping(context.Context) error { return errors.New("connection refused") }

func TestServerLogsRedactedRequestsRecoversPanicsAndReportsReadiness(t *testing.T) {
	var logBuf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logBuf, nil))
	s := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0", Store: failingStore{}, Logger: log})
	s.Handle("GET /boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("kaboom") }))
	s.Handle("GET /mcp/{token}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	base := "http://" + s.Addr()
	c := &http.Client{Timeout: 5 * time.Second}

	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, body := get("/boom"); resp.StatusCode != 500 || !strings.Contains(body, "request id") ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("a panicking handler: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get("/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
	if resp, body := get("/readyz"); resp.StatusCode != 503 || strings.Contains(body, "refused") {
		t.Errorf("readyz with the database down: %d %s (the cause stays in the log)", resp.StatusCode, body)
	}
	if resp, body := get("/nowhere"); resp.StatusCode != 404 {
		t.Errorf("unknown path: %d %s", resp.StatusCode, body)
	} else {
		var p map[string]any
		if err := json.Unmarshal([]byte(body), &p); err != nil || p["status"] != float64(404) {
			t.Errorf("unknown path is not problem JSON: %s", body)
		}
	}
	get("/mcp/mi_pat_topsecret?token=mi_pat_othersecret")
	cancel()
	<-done
	done <- nil
	logs := logBuf.String()
	if strings.Contains(logs, "topsecret") || strings.Contains(logs, "othersecret") {
		t.Errorf("a token reached the log:\n%s", logs)
	}
	if !strings.Contains(logs, `"path":"/mcp/[redacted]"`) || !strings.Contains(logs, "kaboom") {
		t.Errorf("the log lacks the redacted request or the panic:\n%s", logs)
	}
}
