package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/httpserver"
	"github.com/meetingintel/meetingintel/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// cmdMCP serves the MCP tools over stdio as one user (Claude Desktop and
// other local clients that start the server themselves). Logs go to stderr:
// stdout belongs to the protocol.
func cmdMCP(ctx context.Context, args []string, e env) error {
	fs, db := newDBFlagSet("mcp", e)
	email := fs.String("email", "", "act as this user (required)")
	ws := fs.String("workspace", "", "the workspace tools use when given none and not switched (id, slug or name); default: the user's default")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return usagef("--email is required")
	}
	// The same PUBLIC_URL as serve, so the url of search and fetch results
	// is the web UI's page, not a path with no host.
	cfg, err := loadConfig(e, "", "")
	if err != nil {
		return err
	}
	s, _, err := db.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore(s, e)
	_, u, err := actor(ctx, s, *email)
	if err != nil {
		return err
	}
	log := httpserver.NewLogger(e.stderr, slog.LevelWarn)
	srv := mcpserver.New(mcpserver.Config{Store: s, Logger: log, PublicURL: cfg.PublicURL, Version: Version})
	pipe := newDrainIO(ctx, e.stdin, e.stdout, stdinDrainTimeout)
	if *ws != "" {
		// Checked now, so a typo fails at start rather than on every call.
		if _, err := s.CurrentWorkspace(meetingintel.NewContextWithWorkspace(meetingintel.NewContextWithUser(ctx, u), *ws)); err != nil {
			return err
		}
		ctx = meetingintel.NewContextWithWorkspace(ctx, *ws)
	}
	return srv.ServeTransport(ctx, u, &mcp.IOTransport{Reader: pipe, Writer: pipe})
}

// stdinDrainTimeout bounds how long the end of stdin waits for answers.
const stdinDrainTimeout = 2 * time.Minute

// drainIO carries newline-delimited JSON-RPC between stdin/stdout and the
// SDK. The SDK ends the session as soon as its input ends, dropping calls
// still running, so `printf '...' | meetingintel mcp` would lose the
// answers a script piped in for. drainIO counts the requests it reads and
// the responses written, and holds back the end of input until every
// request has been answered (or ctx ends, or the timeout passes).
type drainIO struct {
	ctx     context.Context
	in      *bufio.Reader
	out     io.Writer
	timeout time.Duration
	pending []byte // the rest of the current input line

	mu              sync.Mutex
	asked, answered int
	changed         chan struct{} // a token whenever answered grows
}

func newDrainIO(ctx context.Context, in io.Reader, out io.Writer, timeout time.Duration) *drainIO {
	return &drainIO{ctx: ctx, in: bufio.NewReader(in), out: out, timeout: timeout, changed: make(chan struct{}, 1)}
}

// Read hands the SDK stdin a line at a time, counting the requests.
func (d *drainIO) Read(p []byte) (int, error) {
	if len(d.pending) == 0 {
		line, err := d.in.ReadBytes('\n')
		if len(line) == 0 {
			if errors.Is(err, io.EOF) {
				d.waitAnswered()
			}
			return 0, err
		}
		d.count(line, true)
		d.pending = line
	}
	n := copy(p, d.pending)
	d.pending = d.pending[n:]
	return n, nil
}

// Write passes the SDK's output to stdout, counting the responses.
func (d *drainIO) Write(p []byte) (int, error) {
	n, err := d.out.Write(p)
	for _, line := range bytes.Split(p[:n], []byte{'\n'}) {
		d.count(line, false)
	}
	return n, err
}

// Close leaves stdin and stdout to the process.
func (d *drainIO) Close() error { return nil }

// count adds the requests (incoming) or responses (outgoing) in one
// message or batch.
func (d *drainIO) count(line []byte, incoming bool) {
	type msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	var msgs []msg
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return
	}
	if line[0] == '[' {
		_ = json.Unmarshal(line, &msgs)
	} else {
		var m msg
		if json.Unmarshal(line, &m) == nil {
			msgs = []msg{m}
		}
	}
	n := 0
	for _, m := range msgs {
		hasID := len(m.ID) > 0 && string(m.ID) != "null"
		if hasID && (m.Method != "") == incoming {
			n++
		}
	}
	if n == 0 {
		return
	}
	d.mu.Lock()
	if incoming {
		d.asked += n
	} else {
		d.answered += n
	}
	d.mu.Unlock()
	if !incoming {
		select {
		case d.changed <- struct{}{}:
		default:
		}
	}
}

// waitAnswered blocks until every request read has been answered.
func (d *drainIO) waitAnswered() {
	deadline := time.NewTimer(d.timeout)
	defer deadline.Stop()
	for {
		d.mu.Lock()
		done := d.answered >= d.asked
		d.mu.Unlock()
		if done {
			return
		}
		select {
		case <-d.changed:
		case <-d.ctx.Done():
			return
		case <-deadline.C:
			return
		}
	}
}
