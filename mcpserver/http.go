package mcpserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/auth"
	"github.com/meetingintel/meetingintel/httpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// MaxBodyBytes bounds an MCP request: the HTTP server's own limit, a
// transcript of up to 10 MiB plus JSON framing.
const MaxBodyBytes = httpserver.MaxBodyBytes

// Register mounts the MCP endpoints of DESIGN §4 on mux: POST /mcp (GET and
// DELETE answer 405; a PAT may come in ?token=), POST /mcp/{token}, GET /sse (POST answers 405 with
// Allow: GET) and POST /messages.
func (s *Server) Register(mux interface {
	Handle(pattern string, h http.Handler)
}) {
	streamable := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.mcp }, &mcp.StreamableHTTPOptions{
		Stateless:    true, // any replica answers any request
		JSONResponse: true,
		Logger:       s.log,
		// guard performs the same loopback Host check, but also accepts
		// PublicURL's host and AllowedHosts (a reverse proxy in front of a
		// loopback listener), which the SDK's own check cannot.
		DisableLocalhostProtection: true,
		MaxRequestBodyBytes:        MaxBodyBytes,
	})
	// ?token= is the replaced system's documented Claude.ai connector URL
	// (/mcp?token=PAT, DESIGN §12); like every legacy location it takes
	// PATs only, and the access log redacts every query value.
	mux.Handle("/mcp", s.guard(s.serveMCP(streamable, auth.FromHeaders|auth.FromQuery)))
	mux.Handle("/mcp/{token}", s.guard(s.serveMCP(streamable, auth.FromPath)))
	mux.Handle("/sse", s.guard(http.HandlerFunc(s.serveSSE)))
	mux.Handle("/messages", s.guard(http.HandlerFunc(s.serveMessage)))
}

// serveMCP authenticates a Streamable HTTP request from the locations src
// allows, checks the write scope of the tools it calls, and hands it to the
// SDK with the principal in its context.
func (s *Server) serveMCP(streamable http.Handler, src auth.Sources) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			// Stateless: no GET stream, no session to DELETE. 405 (not 404)
			// tells clients the endpoint exists.
			w.Header().Set("Allow", "POST")
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Use POST for MCP requests on this endpoint.")
			return
		}
		p, err := s.auth.Authenticate(r, src)
		if err != nil {
			s.auth.WriteError(w, err, "/mcp")
			return
		}
		if !p.HasScope(auth.ScopeWrite) {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
			if err != nil {
				writeError(w, http.StatusRequestEntityTooLarge, "request_too_large", "The request body is too large.")
				return
			}
			if tool, args, ok := s.callsWriteTool(body); ok {
				// Refused before the SDK sees it, and still a tool call.
				ctx := meetingintel.NewContextWithAuditSource(auth.NewContext(r.Context(), p), p.AuditSource(meetingintel.AuditViaMCP))
				s.auditTool(ctx, tool, args, meetingintel.EFORBIDDEN)
				s.auth.WriteInsufficientScope(w, "/mcp", auth.ScopeWrite)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		ctx := meetingintel.NewContextWithAuditSource(auth.NewContext(r.Context(), p), p.AuditSource(meetingintel.AuditViaMCP))
		streamable.ServeHTTP(w, r.WithContext(ctx))
	})
}

// callsWriteTool reports whether a JSON-RPC message (or batch) calls a tool
// that needs meetings:write, and the first such call's tool and arguments
// (for the audit trail). On /mcp that answers 403 before the SDK sees
// the request, so OAuth clients can step up their scope (DESIGN §6).
func (s *Server) callsWriteTool(body []byte) (tool string, args json.RawMessage, ok bool) {
	type call struct {
		Method string `json:"method"`
		Params struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"params"`
	}
	var msgs []call
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		_ = json.Unmarshal(body, &msgs)
	} else {
		var c call
		if json.Unmarshal(body, &c) == nil {
			msgs = []call{c}
		}
	}
	for _, m := range msgs {
		if m.Method == "tools/call" && s.writeTools[m.Params.Name] {
			return m.Params.Name, m.Params.Arguments, true
		}
	}
	return "", nil, false
}

// guard applies DNS-rebinding protection and CORS to every MCP endpoint.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r) {
			writeError(w, http.StatusForbidden, "forbidden", "This server does not answer for that Host or Origin.")
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" {
			// Credentials are bearer tokens, never cookies, so any allowed
			// origin may call; the loopback case is checked in hostAllowed.
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", "WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID, X-API-Key")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// hostAllowed is DNS-rebinding protection: a request that reached a
// loopback listener must name a loopback host (or one we were told about)
// in Host, and in Origin when it has one. Other listeners are reachable
// by name anyway, so there is nothing to rebind.
func (s *Server) hostAllowed(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || local == nil || !isLoopback(hostOnly(local.String())) {
		return true
	}
	if h := hostOnly(r.Host); !isLoopback(h) && !s.hosts[h] {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil {
			return false
		}
		if h := strings.ToLower(u.Hostname()); !isLoopback(h) && !s.hosts[h] {
			return false
		}
	}
	return true
}

func allowedHosts(publicURL string, extra []string) map[string]bool {
	m := map[string]bool{}
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
		m[strings.ToLower(u.Hostname())] = true
	}
	for _, h := range extra {
		if h = strings.TrimSpace(h); h != "" {
			m[hostOnly(h)] = true
		}
	}
	return m
}

// hostOnly strips a port and brackets and lower-cases.
func hostOnly(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	return strings.ToLower(strings.Trim(h, "[]"))
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": msg})
}
