package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/api"
	"github.com/meetingintel/meetingintel/auth"
	"github.com/meetingintel/meetingintel/httpserver"
	"github.com/meetingintel/meetingintel/internal/logguard"
	"github.com/meetingintel/meetingintel/sqlite"
)

const (
	publicURL = "https://mi.example.com"
	// oauthToken stands in for a valid OAuth access token: the verifier
	// below accepts it, so a refusal proves the API refuses OAuth as such.
	oauthToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"
	aliceCSRF  = "csrf-of-alice"
)

// env is a real server on 127.0.0.1 over a real SQLite file with the API
// mounted. alice and bob are members of General, as every new non-admin
// user (a test that has one edit the other's work makes them a chair with
// chairGeneral); alice also has a web session whose cookie is "sid=alice".
type env struct {
	t          *testing.T
	ctx        context.Context
	db         *sqlite.DB
	url        string
	client     *http.Client
	alice, bob *meetingintel.User
	aliceTok   string
	bobTok     string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "mi.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, ctx: ctx, db: db, client: &http.Client{Timeout: 30 * time.Second}}
	e.alice = e.user("alice@example.com", "Alice")
	e.bob = e.user("bob@example.com", "Bob")
	if e.aliceTok, _, err = db.CreateToken(ctx, e.alice.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if e.bobTok, _, err = db.CreateToken(ctx, e.bob.ID, "test"); err != nil {
		t.Fatal(err)
	}
	logger := httpserver.NewLogger(logguard.Writer(), slog.LevelInfo)
	a := &auth.Authenticator{Tokens: db, Logger: logger, OAuth: func(ctx context.Context, token string) (*auth.Principal, error) {
		if token != oauthToken {
			return nil, meetingintel.Errorf(meetingintel.EUNAUTHORIZED, "bad token")
		}
		return &auth.Principal{User: e.alice, Scopes: auth.AllScopes}, nil
	}}
	session := func(r *http.Request) (*meetingintel.User, string, bool) {
		c, err := r.Cookie("sid")
		if err != nil || c.Value != "alice" {
			return nil, "", false
		}
		return e.alice, aliceCSRF, true
	}
	hs := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0", PublicURL: publicURL, Store: db, Logger: logger})
	api.New(api.Config{Store: db, Auth: a, Session: session, PublicURL: publicURL, Logger: logger}).Register(hs)
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

// chairGeneral makes u a chair of the default workspace, General, as an
// org admin does (members set-role): a new user is only a member there.
func (e *env) chairGeneral(u *meetingintel.User) {
	e.t.Helper()
	admin := &meetingintel.User{Email: "root@example.com", Name: "Root", Admin: true, Active: true}
	if found, err := e.db.FindUserByEmail(e.ctx, admin.Email); err == nil {
		admin = found
	} else if err := e.db.CreateUser(e.ctx, admin); err != nil {
		e.t.Fatal(err)
	}
	actx := meetingintel.NewContextWithUser(e.ctx, admin)
	def, err := e.db.FindWorkspace(actx, "general")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.SetMember(actx, def.ID, u.Email, meetingintel.RoleChair); err != nil {
		e.t.Fatal(err)
	}
}

// req describes one request; Token "" sends no Authorization.
type req struct {
	Method, Path string
	Token        string
	Body         any // string, []byte or a value sent as JSON
	Type         string
	Header       map[string]string
}

// resp is a response with its body read and, when it is JSON, decoded.
type resp struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
}

func (e *env) do(q req) *resp {
	e.t.Helper()
	var body io.Reader
	ctype := q.Type
	switch b := q.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(j)
		if ctype == "" {
			ctype = "application/json"
		}
	}
	if body != nil && ctype == "" {
		ctype = "application/json"
	}
	r, err := http.NewRequestWithContext(e.ctx, q.Method, e.url+q.Path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if q.Token != "" {
		r.Header.Set("Authorization", "Bearer "+q.Token)
	}
	for k, v := range q.Header {
		r.Header.Set(k, v)
	}
	res, err := e.client.Do(r)
	if err != nil {
		e.t.Fatalf("%s %s: %v", q.Method, q.Path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := &resp{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 && (strings.Contains(res.Header.Get("Content-Type"), "json")) {
		if err := json.Unmarshal(raw, &out.JSON); err != nil {
			e.t.Fatalf("%s %s: body is not a JSON object: %v\n%s", q.Method, q.Path, err, raw)
		}
	}
	return out
}

// must does q and fails unless the status is want.
func (e *env) must(want int, q req) *resp {
	e.t.Helper()
	r := e.do(q)
	if r.Status != want {
		e.t.Fatalf("%s %s: status %d, want %d\n%s", q.Method, q.Path, r.Status, want, r.Raw)
	}
	return r
}

// id reads a numeric field of a JSON object.
func id(m map[string]any, key string) int64 {
	f, _ := m[key].(float64)
	return int64(f)
}

func items(r *resp) []any {
	it, _ := r.JSON["items"].([]any)
	return it
}

// multipartBody builds a form with fields and, when file is not nil, a
// file part named "file".
func multipartBody(t *testing.T, fields map[string]string, filename string, file []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		fw, err := w.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

// problemOK checks r is RFC 9457 problem JSON with status.
func problemOK(t *testing.T, r *resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Raw)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	if got := id(r.JSON, "status"); got != int64(status) {
		t.Fatalf("problem status %d, want %d", got, status)
	}
	if r.JSON["title"] == "" || r.JSON["type"] == nil || r.JSON["detail"] == "" {
		t.Fatalf("problem lacks type, title or detail: %s", r.Raw)
	}
}

// fieldOf returns the field named by a problem's first error.
func fieldOf(r *resp) string {
	errs, _ := r.JSON["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	f, _ := errs[0].(map[string]any)["field"].(string)
	return f
}
