// Package httpserver is the HTTP edge of meetingintel: it owns the listener,
// the route table, and the middleware every request passes through (request
// ids, access logs with credentials redacted, panic recovery, body limits).
// Feature packages (mcpserver, api, web, oauth) mount their handlers on it.
//
// It never logs a token: paths under /mcp/, any token-shaped path segment
// and every query value are redacted before they reach the log, and
// RedactAttr filters every log line of the process.
package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// Timeouts and limits of the HTTP server. WriteTimeout is zero because SSE
// streams stay open; handlers bound their own work.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 60 * time.Second
	IdleTimeout       = 120 * time.Second
	ShutdownTimeout   = 10 * time.Second
	MaxBodyBytes      = 12 << 20 // a transcript (10 MiB) plus JSON framing
	// HSTS is the Strict-Transport-Security of https instances: browsers
	// then refuse plain http to them for a year. No includeSubDomains: the
	// instance does not own its parent domain's other hosts.
	HSTS = "max-age=31536000"
)

// Config configures a Server.
type Config struct {
	Addr      string // listen address, e.g. 127.0.0.1:8080
	PublicURL string // how clients reach us, e.g. https://team.example.com
	Store     meetingintel.Store
	Logger    *slog.Logger
	// Middleware, when set, wraps the route table directly (innermost), so
	// it sees r.Pattern after routing (metrics by route).
	Middleware func(http.Handler) http.Handler
}

// Server serves the HTTP surface of DESIGN §4.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	log     *slog.Logger
	server  *http.Server
	ln      net.Listener
	streams context.Context
}

// New returns a Server with the health routes mounted.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), log: cfg.Logger}
	s.mux.HandleFunc("GET /healthz", s.handleHealthz)
	s.mux.HandleFunc("GET /readyz", s.handleReadyz)
	s.mux.HandleFunc("/", s.handleNotFound)
	s.server = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		IdleTimeout:       IdleTimeout,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return s
}

// Handle mounts h on the route table; pattern is an http.ServeMux pattern.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Handler returns the mux wrapped in the middleware chain.
func (s *Server) Handler() http.Handler {
	return requestID(s.hsts(recoverer(s.log, accessLog(s.log, limitBody(s.closeStreams(s.routes()))))))
}

// Listen opens the listener, so callers learn the real address (":0").
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	return nil
}

// Addr returns the address the server listens on, once Listen succeeded.
func (s *Server) Addr() string {
	if s.ln == nil {
		return s.cfg.Addr
	}
	return s.ln.Addr().String()
}

// Serve serves until ctx is cancelled, then shuts down gracefully: it stops
// accepting, lets in-flight requests finish within ShutdownTimeout, and
// closes long-lived streams.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	// Requests in flight outlive the signal (Shutdown waits for them);
	// streams (SSE) are cancelled when Shutdown starts.
	base := context.WithoutCancel(ctx)
	streams, closeStreams := context.WithCancel(base)
	s.streams = streams
	s.server.RegisterOnShutdown(closeStreams)
	s.server.BaseContext = func(net.Listener) context.Context { return base }
	errc := make(chan error, 1)
	go func() { errc <- s.server.Serve(s.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := s.server.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.server.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database unreachable"})
		return
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	WriteProblem(w, r, http.StatusNotFound, "Not found", "No such path: "+RedactPath(r.URL.Path))
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// WriteProblem writes an RFC 9457 problem document.
func WriteProblem(w http.ResponseWriter, r *http.Request, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":   "about:blank",
		"title":  title,
		"status": status,
		"detail": detail,
	})
}

// StatusFor maps an application error code to an HTTP status.
func StatusFor(err error) int {
	switch meetingintel.ErrorCode(err) {
	case meetingintel.EINVALID:
		return http.StatusBadRequest
	case meetingintel.ENOTFOUND:
		return http.StatusNotFound
	case meetingintel.ECONFLICT:
		return http.StatusConflict
	case meetingintel.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case meetingintel.EFORBIDDEN:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// closeStreams ties long-lived event streams to shutdown: their context
// ends when Shutdown starts, so they return and Shutdown can finish.
func (s *Server) closeStreams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.streams == nil || r.Method != http.MethodGet || !strings.Contains(r.Header.Get("Accept"), "text/event-stream") && r.URL.Path != "/sse" {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(s.streams, cancel)
		defer stop()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// hsts sends Strict-Transport-Security on every answer of an https
// instance: one whose PUBLIC_URL is https (TLS ends at the ingress, which
// forwards plain http), or a request that arrived over TLS or through a
// proxy that says so (X-Forwarded-Proto). Browsers ignore the header on
// plain http (RFC 6797 §8.1), so a forged X-Forwarded-Proto gains nothing.
// It adds a header and changes none: 401 and 403 keep their
// WWW-Authenticate exactly.
func (s *Server) hsts(next http.Handler) http.Handler {
	httpsInstance := strings.HasPrefix(strings.ToLower(s.cfg.PublicURL), "https://")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if httpsInstance || r.TLS != nil || strings.EqualFold(strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0]), "https") {
			w.Header().Set("Strict-Transport-Security", HSTS)
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) routes() http.Handler {
	if s.cfg.Middleware != nil {
		return s.cfg.Middleware(s.mux)
	}
	return s.mux
}
