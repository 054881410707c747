package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/meetingintel/meetingintel/mcpserver"
)

// server is one row under test: a server process and the token sent to
// it, or (for replicas) several processes sharing one database, the load
// spread over them.
type server struct {
	key     string // ours, ours-oauth, gosdk, bare, ts, pg, ...
	name    string
	url     string   // the /mcp endpoint
	more    []string // further /mcp endpoints the clients are spread over (replicas)
	token   string   // sent as the bearer token; the in-memory servers ignore it
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	log     string        // its stdout and stderr
	missing string        // why it did not run, if it did not
}

// endpoint is the /mcp URL that client number i of a cell talks to: the
// clients are spread evenly over the replicas.
func (s *server) endpoint(i int) string {
	if i %= 1 + len(s.more); i > 0 {
		return s.more[i-1]
	}
	return s.url
}

// base is the server's root URL, for the OAuth endpoints.
func (s *server) base() string { return strings.TrimSuffix(s.url, "/mcp") }

// as returns a row for the same server with another token.
func (s *server) as(key, name, token string) *server {
	return &server{key: key, name: name, url: s.url, more: s.more, token: token}
}

// nameOf names the fixed servers in the report.
var nameOf = map[string]string{
	"ours":       "meetingintel (PAT, SQLite, ranked search)",
	"ours-oauth": "meetingintel (OAuth, SQLite, ranked search)",
	"gosdk":      "bare go-sdk, in-memory",
	"bare":       "bare net/http JSON-RPC, in-memory (floor)",
	"ts":         "TypeScript SDK (Node), in-memory",
	"pg":         "meetingintel (PAT, PostgreSQL)",
	"pg-oauth":   "meetingintel (OAuth, PostgreSQL)",
	"litn":       "meetingintel (PAT, SQLite, same meetings as PostgreSQL)",
	"litn-oauth": "meetingintel (OAuth, SQLite, same meetings as PostgreSQL)",
	"rep1":       "one replica on PostgreSQL (PAT)",
	"rep2":       "two replicas on one PostgreSQL (PAT)",
}

// processes are the servers started; stopAll ends them all.
type processes struct {
	mu    sync.Mutex
	procs []*server
}

func (p *processes) add(s *server) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.procs = append(p.procs, s)
}

// stopAll sends SIGTERM to every server still running, and SIGKILL to any
// that has not exited after five seconds. It may be called more than once.
func (p *processes) stopAll() {
	p.mu.Lock()
	procs := p.procs
	p.procs = nil
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(5 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.done
			}
		}()
	}
	wg.Wait()
}

// start runs cmd with its output in a log file in work, registers it for
// stopAll and waits until a list_meetings call answers 200.
func (p *processes) start(ctx context.Context, s *server, cmd *exec.Cmd, work, pat string) error {
	s.log = filepath.Join(work, s.key+".log")
	f, err := os.Create(s.log)
	if err != nil {
		return err
	}
	defer f.Close() // the child holds its own descriptor
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.name, err)
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.done) }()
	p.add(s)
	if err := waitReady(ctx, s, pat, 90*time.Second); err != nil {
		return fmt.Errorf("%s: %w\n%s", s.name, err, tail(s.log, 2000))
	}
	return nil
}

// startOurs starts meetingintel serve on a SQLite file, OAuth on as it is
// by default locally (the JWT secret is kept beside the database).
func (p *processes) startOurs(ctx context.Context, key, bin, db, work, pat string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &server{key: key, name: nameOf[key], url: "http://" + addr + "/mcp", token: pat}
	cmd := exec.Command(bin, "serve", "--db", db, "--addr", addr)
	cmd.Env = append(os.Environ(), "LOG_LEVEL=warn", "OAUTH_ENABLED=true", "MCP_RATE_PER_MIN=0", "API_RATE_PER_MIN=0") // a benchmark is not abuse
	return s, p.start(ctx, s, cmd, work, pat)
}

// startPostgres starts meetingintel serve on PostgreSQL as a replica
// would run: DATABASE_URL, the shared JWT_SECRET, OAuth on, and PUBLIC_URL
// (publicURL, or its own address when empty; every replica of one instance
// has the first one's, so tokens are valid on all).
func (p *processes) startPostgres(ctx context.Context, key, bin, dbURL, secret, publicURL, work, pat string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	if publicURL == "" {
		publicURL = "http://" + addr
	}
	s := &server{key: key, name: key, url: "http://" + addr + "/mcp", token: pat}
	cmd := exec.Command(bin, "serve", "--addr", addr)
	cmd.Env = append(os.Environ(), "LOG_LEVEL=warn", "OAUTH_ENABLED=true", "MCP_RATE_PER_MIN=0", "API_RATE_PER_MIN=0", "DATABASE_URL="+dbURL,
		"JWT_SECRET="+secret, "PUBLIC_URL="+publicURL)
	return s, p.start(ctx, s, cmd, work, pat)
}

func (p *processes) startInmem(ctx context.Context, kind, data, work string) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &server{key: kind, name: nameOf[kind], url: "http://" + addr + "/mcp"}
	cmd := exec.Command(self, "serve-inmem", "-kind", kind, "-addr", addr, "-data", data)
	return s, p.start(ctx, s, cmd, work, "")
}

// startNode installs the TypeScript server's locked dependencies when
// node_modules is missing or older than package-lock.json, then starts it.
// It returns the SDK version it runs.
func (p *processes) startNode(ctx context.Context, dir, data, work string) (*server, string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, "", fmt.Errorf("node is not installed (Node 20 or newer is needed)")
	}
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return nil, "", fmt.Errorf("%s has no package-lock.json", dir)
	}
	if st, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err != nil || st.ModTime().Before(lock.ModTime()) {
		npm, err := exec.LookPath("npm")
		if err != nil {
			return nil, "", fmt.Errorf("npm is not installed, and %s/node_modules is missing", dir)
		}
		fmt.Fprintln(os.Stderr, "npm ci in", dir)
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, "", fmt.Errorf("npm ci in %s failed: %v\n%s", dir, err, lastBytes(out, 2000))
		}
	}
	version := "unknown"
	if b, err := os.ReadFile(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk", "package.json")); err == nil {
		var pkg struct{ Version string }
		if json.Unmarshal(b, &pkg) == nil {
			version = pkg.Version
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	_, port, _ := net.SplitHostPort(addr)
	s := &server{key: "ts", name: nameOf["ts"], url: "http://" + addr + "/mcp"}
	absData, err := filepath.Abs(data)
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(node, "server.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT="+port, "DATA="+absData, "NODE_ENV=production")
	return s, version, p.start(ctx, s, cmd, work, "")
}

// freeAddr returns a free 127.0.0.1 address for a server to listen on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitReady calls list_meetings until it answers 200, the server exits, or
// the timeout passes.
func waitReady(ctx context.Context, s *server, pat string, timeout time.Duration) error {
	c := &http.Client{Timeout: 10 * time.Second}
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_meetings","arguments":{"days_back":0}}}`)
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
		setHeaders(req, pat)
		resp, err := c.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("answered %d: %s", resp.StatusCode, lastBytes(b, 300))
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return errStopped
		case <-s.done:
			return fmt.Errorf("exited before it was ready")
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("not ready after %v (last: %s)", timeout, last)
}

// copyCorpus copies the corpus database (and its WAL, if any) into work,
// since the benchmark writes a token into it and serve may migrate it.
func copyCorpus(src, work, name string) (string, error) {
	dst := filepath.Join(work, name)
	for _, suffix := range []string{"", "-wal"} {
		in, err := os.Open(src + suffix)
		if err != nil {
			if suffix != "" && os.IsNotExist(err) {
				continue
			}
			return "", err
		}
		out, err := os.Create(dst + suffix)
		if err == nil {
			_, err = io.Copy(out, in)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		in.Close()
		if err != nil {
			return "", fmt.Errorf("copy the corpus: %w", err)
		}
	}
	return dst, nil
}

// createPAT creates a personal access token for email with the binary's
// own command. It lives in memory only, never in the report.
func createPAT(ctx context.Context, bin, db, email string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "tokens", "create", "--db", db, "--email", email, "--label", "mcpbench")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("tokens create: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	pat := strings.TrimSpace(stdout.String())
	if pat == "" {
		return "", fmt.Errorf("tokens create printed no token")
	}
	return pat, nil
}

// exportMeetings pages through list_meetings (all time, 100 a page) on our
// server as the benchmark user and writes the meetings, newest first, to
// work/meetings.json: the in-memory servers' data, the same meetings in the
// same shape.
func exportMeetings(ctx context.Context, url, pat, email, work string) (string, int, error) {
	c := &http.Client{Timeout: 60 * time.Second}
	var all []mcpserver.MeetingItem
	cursor := ""
	for page := 0; ; page++ {
		args := map[string]any{"days_back": 0, "limit": 100}
		if cursor != "" {
			args = map[string]any{"cursor": cursor}
		}
		body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": page + 1, "method": "tools/call",
			"params": map[string]any{"name": "list_meetings", "arguments": args}})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		setHeaders(req, pat)
		resp, err := c.Do(req)
		if err != nil {
			return "", 0, err
		}
		var msg struct {
			Result struct {
				IsError           bool                         `json:"isError"`
				StructuredContent mcpserver.ListMeetingsResult `json:"structuredContent"`
			} `json:"result"`
			Error *struct{ Message string } `json:"error"`
		}
		err = json.NewDecoder(resp.Body).Decode(&msg)
		resp.Body.Close()
		switch {
		case err != nil:
			return "", 0, fmt.Errorf("list_meetings page %d: %w", page+1, err)
		case msg.Error != nil:
			return "", 0, fmt.Errorf("list_meetings page %d: %s", page+1, msg.Error.Message)
		case msg.Result.IsError:
			return "", 0, fmt.Errorf("list_meetings page %d: tool error", page+1)
		}
		all = append(all, msg.Result.StructuredContent.Meetings...)
		cursor = msg.Result.StructuredContent.NextCursor
		if cursor == "" {
			break
		}
	}
	if len(all) < meetingsNeeded {
		return "", 0, fmt.Errorf("the corpus shows only %d meetings to %s; the benchmark needs at least %d", len(all), email, meetingsNeeded)
	}
	b, err := json.Marshal(all)
	if err != nil {
		return "", 0, err
	}
	path := filepath.Join(work, "meetings.json")
	return path, len(all), os.WriteFile(path, b, 0o644)
}

// meetingsNeeded: every search query must find a full page in titles.
const meetingsNeeded = 1000

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	return lastBytes(b, n)
}

func lastBytes(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}
