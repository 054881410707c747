package mcpserver

import (
	"context"
	"crypto/rand"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// sseSession is a legacy HTTP+SSE session, bound to the user who opened it.
// The go-sdk's SSEHandler binds sessions to nobody, so we run its transport
// ourselves (DESIGN §4 "SSE sessions").
type sseSession struct {
	principal *auth.Principal // who opened it; the tools act as this principal
	byQuery   bool            // opened with ?token=: credential-less posts are accepted
	transport *mcp.SSEServerTransport
	end       context.CancelFunc
}

// serveSSE opens a session: GET /sse.
func (s *Server) serveSSE(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		// Clients that POST initialize here first fall back on a 405.
		w.Header().Set("Allow", "GET")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Open the SSE stream with GET; Streamable HTTP is at /mcp.")
		return
	}
	p, err := s.auth.Authenticate(r, auth.FromHeaders|auth.FromQuery)
	if err != nil {
		s.auth.WriteError(w, err, "/sse")
		return
	}
	// rand.Text has 130 bits; the id is the capability of ?token= sessions.
	id := rand.Text()
	lw := &lockedWriter{ResponseWriter: w}
	t := &mcp.SSEServerTransport{
		Endpoint:            s.basePath() + "/messages?session_id=" + id,
		Response:            lw,
		MaxRequestBodyBytes: MaxBodyBytes,
	}
	// The stream outlives the server's ReadTimeout; without this the
	// connection's read deadline would cancel the request after it.
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache, no-transform")
	w.Header().Set("X-Accel-Buffering", "no")

	ctx, cancel := context.WithCancel(meetingintel.NewContextWithAuditSource(auth.NewContext(r.Context(), p), p.AuditSource(meetingintel.AuditViaSSE)))
	defer cancel()
	sess := &sseSession{principal: p, byQuery: p.Method == auth.MethodQuery, transport: t, end: cancel}
	s.mu.Lock()
	s.sessions[id] = sess
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, id)
		s.mu.Unlock()
	}()

	ss, err := s.mcp.Connect(ctx, t, nil)
	if err != nil {
		s.log.Error("opening an SSE session failed", "err", err)
		writeError(w, http.StatusInternalServerError, "server_error", "Could not open the session.")
		return
	}
	done := make(chan struct{})
	go func() { _ = ss.Wait(); close(done) }()
	kaDone := make(chan struct{})
	go func() { keepAlive(ctx, lw, SSEKeepAlive); close(kaDone) }()
	// The keep-alive writer must be gone before the handler returns: the
	// response is not ours to touch after that.
	defer func() { cancel(); <-kaDone }()
	select {
	case <-ctx.Done():
	case <-done:
	}
	_ = ss.Close()
}

// serveMessage takes a client message for a session: POST /messages.
func (s *Server) serveMessage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Post messages with POST.")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json.")
		return
	}
	id := r.URL.Query().Get("session_id")
	s.mu.Lock()
	sess := s.sessions[id]
	s.mu.Unlock()
	if sess == nil {
		writeError(w, http.StatusNotFound, "session_not_found", "No such session; open a new one with GET /sse.")
		return
	}
	token, method, err := auth.Credential(r, auth.FromHeaders|auth.FromQuery)
	switch {
	case errors.Is(err, auth.ErrNoCredential):
		if !sess.byQuery {
			// A session opened with a header credential takes posts only
			// with a credential of the same user.
			s.auth.WriteError(w, err, "/sse")
			return
		}
	case err != nil:
		s.auth.WriteError(w, err, "/sse")
		return
	default:
		p, err := s.auth.Verify(r.Context(), token, method)
		if err != nil {
			s.auth.WriteError(w, err, "/sse")
			return
		}
		if p.User.ID != sess.principal.User.ID {
			writeError(w, http.StatusForbidden, "forbidden", "This session belongs to another user.")
			return
		}
	}
	// The credential that opened the session must still be good: revoking
	// it (or deactivating its user) ends the session.
	if err := s.auth.Recheck(r.Context(), sess.principal); err != nil {
		if meetingintel.ErrorCode(err) == meetingintel.EUNAUTHORIZED {
			// Forget the session now, not when its stream goroutine gets
			// round to it, so no post slips in between.
			s.mu.Lock()
			delete(s.sessions, id)
			s.mu.Unlock()
			sess.end()
		}
		s.auth.WriteError(w, err, "/sse")
		return
	}
	sess.transport.ServeHTTP(w, r)
}

// basePath is PublicURL's path (for a server behind a path prefix), so the
// endpoint event names a URL that reaches us.
func (s *Server) basePath() string {
	u, err := url.Parse(s.publicURL)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

// SSEKeepAlive is how often an idle SSE stream gets a comment line, so
// proxies and load balancers (Azure Container Apps' ingress among them)
// do not close it as idle. Clients ignore comments.
var SSEKeepAlive = 25 * time.Second

// keepAlive writes an SSE comment every interval until ctx ends.
func keepAlive(ctx context.Context, w *lockedWriter, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := w.comment("keepalive"); err != nil {
				return
			}
		}
	}
}

// lockedWriter serialises writes to an SSE stream, so a keep-alive comment
// never lands inside an event the transport is writing (it writes each
// event with one Write, then flushes).
type lockedWriter struct {
	http.ResponseWriter
	mu sync.Mutex
}

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ResponseWriter.Write(b)
}

// Flush flushes under the same lock (http.ResponseController finds it).
func (w *lockedWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *lockedWriter) comment(text string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.ResponseWriter.Write([]byte(": " + text + "\n\n")); err != nil {
		return err
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}
