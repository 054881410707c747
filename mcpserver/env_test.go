package mcpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/auth"
	"github.com/meetingintel/meetingintel/httpserver"
	"github.com/meetingintel/meetingintel/internal/logguard"
	"github.com/meetingintel/meetingintel/mcpserver"
	"github.com/meetingintel/meetingintel/sqlite"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const publicURL = "https://mi.example.com"

// syncBuffer is a log sink tests can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a real server on 127.0.0.1 over a real SQLite file, with two
// users: alice owns a private meeting, bob is not invited to it.
type env struct {
	t                   *testing.T
	ctx                 context.Context
	db                  *sqlite.DB
	ms                  *mcpserver.Server
	url                 string
	log                 *syncBuffer
	alice, bob          *meetingintel.User
	aliceTok, bobTok    string
	aliceTokID          int64
	teamID, privateID   int64
	privateActionID     int64
	privateDecisionID   int64
	longID              int64
	readOnlyOAuthToken  string // a stand-in OAuth token with meetings:read only
	readOnlyOAuthHolder *meetingintel.User
}

// readOnlyGrantID is the grant id of the stand-in read-only OAuth token:
// a switch_workspace choice is kept per grant.
const readOnlyGrantID = 9001

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "mi.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, ctx: ctx, db: db, log: &syncBuffer{}}
	e.alice = e.user("alice@example.com", "Alice")
	e.bob = e.user("bob@example.com", "Bob")
	var tok *meetingintel.Token
	if e.aliceTok, tok, err = db.CreateToken(ctx, e.alice.ID, "test"); err != nil {
		t.Fatal(err)
	}
	e.aliceTokID = tok.ID
	if e.bobTok, _, err = db.CreateToken(ctx, e.bob.ID, "test"); err != nil {
		t.Fatal(err)
	}
	e.seed()

	// This verifier stands in for OAuth so tests can hold a token that has
	// meetings:read only.
	e.readOnlyOAuthToken = "header.readonly.sig"
	logger := httpserver.NewLogger(logguard.Tee(e.log), slog.LevelDebug)
	a := &auth.Authenticator{Tokens: db, Logger: logger, OAuth: func(ctx context.Context, token string) (*auth.Principal, error) {
		if token != e.readOnlyOAuthToken {
			return nil, meetingintel.Errorf(meetingintel.EUNAUTHORIZED, "bad token")
		}
		return &auth.Principal{User: e.bob, Kind: auth.KindOAuth, TokenID: readOnlyGrantID, ClientID: "read-only-client", Scopes: []string{auth.ScopeRead}}, nil
	}}
	hs := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0", PublicURL: publicURL, Store: db, Logger: logger})
	e.ms = mcpserver.New(mcpserver.Config{Store: db, Logger: logger, PublicURL: publicURL, Version: "test", Auth: a})
	e.ms.Register(hs)
	if err := hs.Listen(); err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(sctx) }()
	t.Cleanup(func() { stop(); <-done })
	e.url = "http://" + hs.Addr()
	return e
}

func (e *env) user(email, name string) *meetingintel.User {
	u := &meetingintel.User{Email: email, Name: name, Active: true}
	if err := e.db.CreateUser(e.ctx, u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) seed() {
	t := e.t
	actx := meetingintel.NewContextWithUser(e.ctx, e.alice)
	team := &meetingintel.Meeting{Title: "Pricing review", Date: time.Now().Add(-48 * time.Hour), Summary: "We reviewed **pricing**.",
		Attendees: []meetingintel.Attendee{{Name: "Alice", Email: "alice@example.com"}, {Name: "Bob", Email: "bob@example.com"}}, Tags: []string{"sales"}}
	team.Normalize()
	segs := []meetingintel.Segment{
		{Speaker: "Alice", StartMS: 0, EndMS: 4000, Text: "Welcome everyone to the pricing review."},
		{Speaker: "Bob", StartMS: 4000, EndMS: 9000, Text: "I think the enterprise tier should cost forty dollars per seat."},
		{Speaker: "Alice", StartMS: 83000, EndMS: 90000, Text: "Agreed, we will raise the starter plan in April."},
	}
	if err := e.db.CreateMeeting(actx, team, segs); err != nil {
		t.Fatal(err)
	}
	e.teamID = team.ID
	priv := &meetingintel.Meeting{Title: "Secret reorganisation", Date: time.Now().Add(-24 * time.Hour), Summary: "Confidential zebra plan.",
		Visibility: meetingintel.VisibilityPrivate, Attendees: []meetingintel.Attendee{{Name: "Alice", Email: "alice@example.com"}}}
	priv.Normalize()
	if err := e.db.CreateMeeting(actx, priv, []meetingintel.Segment{{Speaker: "Alice", StartMS: 0, EndMS: 1000, Text: "The zebra plan stays between us."}}); err != nil {
		t.Fatal(err)
	}
	e.privateID = priv.ID
	a := &meetingintel.Action{Text: "Draft the zebra memo", Owner: "Alice", MeetingID: &priv.ID}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateAction(actx, a); err != nil {
		t.Fatal(err)
	}
	e.privateActionID = a.ID
	d := &meetingintel.Decision{MeetingID: priv.ID, Text: "Zebra goes ahead"}
	if err := e.db.CreateDecision(actx, d); err != nil {
		t.Fatal(err)
	}
	e.privateDecisionID = d.ID

	long := &meetingintel.Meeting{Title: "All-day workshop", Date: time.Now().Add(-72 * time.Hour)}
	long.Normalize()
	many := make([]meetingintel.Segment, 2000)
	for i := range many {
		many[i] = meetingintel.Segment{Speaker: fmt.Sprintf("Speaker %d", i%5), StartMS: int64(i) * 10000, EndMS: int64(i)*10000 + 9000,
			Text: fmt.Sprintf("Segment number %d: %s", i, strings.Repeat("talking about the roadmap and budgets ", 8))}
	}
	if err := e.db.CreateMeeting(actx, long, many); err != nil {
		t.Fatal(err)
	}
	e.longID = long.ID
}

// headerRT adds headers to every request, as a configured client would.
type headerRT struct{ h map[string]string }

func (rt headerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range rt.h {
		r.Header.Set(k, v)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func withHeaders(h map[string]string) *http.Client { return &http.Client{Transport: headerRT{h}} }

// connect opens a go-sdk client session over t.
func (e *env) connect(t mcp.Transport) *mcp.ClientSession {
	e.t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, nil)
	cs, err := c.Connect(e.ctx, t, nil)
	if err != nil {
		e.t.Fatalf("connect: %v", err)
	}
	e.t.Cleanup(func() { cs.Close() })
	return cs
}

// transports returns a client session per transport, all as alice.
func (e *env) transports() map[string]*mcp.ClientSession {
	ct, st := mcp.NewInMemoryTransports()
	go func() { _ = e.ms.ServeTransport(e.ctx, e.alice, st) }()
	return map[string]*mcp.ClientSession{
		"/mcp with Bearer":    e.connect(&mcp.StreamableClientTransport{Endpoint: e.url + "/mcp", HTTPClient: withHeaders(map[string]string{"Authorization": "Bearer " + e.aliceTok})}),
		"/mcp with X-API-Key": e.connect(&mcp.StreamableClientTransport{Endpoint: e.url + "/mcp", HTTPClient: withHeaders(map[string]string{"X-API-Key": e.aliceTok})}),
		"/mcp/{token}":        e.connect(&mcp.StreamableClientTransport{Endpoint: e.url + "/mcp/" + e.aliceTok}),
		"/mcp?token=":         e.connect(&mcp.StreamableClientTransport{Endpoint: e.url + "/mcp?token=" + e.aliceTok}),
		"/sse?token=":         e.connect(&mcp.SSEClientTransport{Endpoint: e.url + "/sse?token=" + e.aliceTok}),
		"/sse with Bearer":    e.connect(&mcp.SSEClientTransport{Endpoint: e.url + "/sse", HTTPClient: withHeaders(map[string]string{"Authorization": "Bearer " + e.aliceTok})}),
		"stdio":               e.connect(ct),
	}
}

// call calls a tool and returns its result; a protocol error fails the test.
func call(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error %v", name, err)
	}
	return res
}

// ok calls a tool that must succeed and decodes its structured result.
func ok[T any](t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) T {
	t.Helper()
	res := call(t, cs, name, args)
	if res.IsError {
		t.Fatalf("%s(%v): tool error %s", name, args, text(res))
	}
	var out T
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: decoding %s: %v", name, b, err)
	}
	return out
}

// fails calls a tool that must answer a tool error and returns its text.
func fails(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) string {
	t.Helper()
	res := call(t, cs, name, args)
	if !res.IsError {
		t.Fatalf("%s(%v) succeeded, want a tool error; got %s", name, args, text(res))
	}
	return text(res)
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}
