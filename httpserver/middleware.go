package httpserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the id of the request in ctx ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// requestID gives every request an id, echoed in X-Request-Id, for logs.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// RedactPath hides credentials carried in a path: everything after an
// "mcp" or "sse" segment (Copilot's PAT in /mcp/{token}, which clients also
// carry into /.well-known/oauth-protected-resource/mcp/{token}, or a legacy
// token of any shape), and any other segment that looks like a token.
func RedactPath(p string) string {
	segs := strings.Split(p, "/")
	changed := false
	for i, seg := range segs {
		if (seg == "mcp" || seg == "sse") && i+1 < len(segs) && strings.Join(segs[i+1:], "") != "" {
			segs = append(segs[:i+1], meetingintel.Redacted)
			changed = true
			break
		}
		if meetingintel.LooksLikeSecret(seg) {
			segs[i] = meetingintel.Redacted
			changed = true
		}
	}
	if !changed {
		return p
	}
	return strings.Join(segs, "/")
}

// PathHasSecret reports whether RedactPath would hide part of p.
func PathHasSecret(p string) bool { return RedactPath(p) != p }

// RedactQuery keeps a query's parameter names and hides every value, since
// tokens, codes and session ids all travel in queries.
func RedactQuery(q string) string {
	if q == "" {
		return ""
	}
	vals, err := url.ParseQuery(q)
	if err != nil {
		return "[unparsable]"
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, meetingintel.Redact(url.QueryEscape(k))+"=[redacted]")
	}
	sort.Strings(keys)
	return strings.Join(keys, "&")
}

// NewLogger is the server's logger: one JSON object per line on w, at
// level, every string passed through RedactAttr. The commands and the test
// harnesses share it, so the suite-wide log guard (internal/logguard) reads
// exactly what production writes.
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: RedactAttr}))
}

// RedactAttr is a slog.HandlerOptions.ReplaceAttr that hides every
// token-shaped value in every string a log line carries (its message, its
// attributes, errors): the last line of defence, so that a token that
// reached a log call by a path nobody foresaw still never reaches the log.
func RedactAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); meetingintel.Redact(s) != s {
			return slog.String(a.Key, meetingintel.Redact(s))
		}
	case slog.KindAny:
		v := a.Value.Any()
		var s string
		switch v := v.(type) {
		case error:
			s = v.Error()
		case fmt.Stringer:
			s = v.String()
		default:
			return a
		}
		if r := meetingintel.Redact(s); r != s {
			return slog.String(a.Key, r)
		}
	}
	return a
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
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
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines (SSE).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush forwards to the underlying writer, for streaming responses.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// accessLog logs one line per request, with credentials redacted.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			return // probes every few seconds would drown the log
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("id", RequestID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", RedactPath(r.URL.Path)),
			slog.String("query", RedactQuery(r.URL.RawQuery)),
			slog.Int("status", sw.status),
			slog.Int64("bytes", sw.bytes),
			slog.Duration("dur", time.Since(start)),
		)
	})
}

// recoverer turns a handler panic into a 500 and a log line, never a crash.
func recoverer(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic serving request", "id", RequestID(r.Context()), "path", RedactPath(r.URL.Path), "panic", v, "stack", string(debug.Stack()))
				WriteProblem(w, r, http.StatusInternalServerError, "Internal error", "Something went wrong on our side; the request id is "+RequestID(r.Context())+".")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody bounds every request body; handlers that need less bound further.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}
