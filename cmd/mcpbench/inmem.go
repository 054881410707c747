package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The two in-memory comparison servers run in a child process of mcpbench
// (`mcpbench serve-inmem`), as meetingintel and Node do, so no server
// shares a Go runtime or its garbage collector with the load generator.
// They answer from the same slice of meetings, in meetingintel's own result
// types, so every server returns the same shape and nearly the same bytes.

// memData is the in-memory corpus: meetings newest first, as meetingintel's
// list_meetings returned them to the benchmark user.
type memData struct {
	meetings []mcpserver.MeetingItem
	titles   []string // lower-cased titles, for the naive search
}

func loadMemData(path string) (*memData, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := &memData{}
	if err := json.Unmarshal(b, &d.meetings); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d.titles = make([]string, len(d.meetings))
	for i, m := range d.meetings {
		d.titles[i] = strings.ToLower(m.Title)
	}
	return d, nil
}

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return meetingintel.DefaultLimit
	case n > meetingintel.MaxLimit:
		return meetingintel.MaxLimit
	}
	return n
}

// memCursor is the in-memory servers' opaque cursor: an offset and the
// filters of the first page, as meetingintel's cursors carry them.
type memCursor struct {
	Tool  string `json:"t"`
	Skip  int    `json:"s"`
	Limit int    `json:"l"`
	From  string `json:"f,omitempty"`
}

// list answers list_meetings: the newest meetings of the last days_back
// days (0: all), with a cursor when more follow.
func (d *memData) list(in mcpserver.ListMeetingsArgs) (*mcpserver.ListMeetingsResult, error) {
	c := memCursor{Tool: "list_meetings", Limit: clampLimit(in.Limit)}
	if in.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.Cursor)
		if err == nil {
			err = json.Unmarshal(b, &c)
		}
		if err != nil || c.Tool != "list_meetings" || c.Skip < 0 {
			return nil, errors.New("That cursor does not belong to list_meetings.")
		}
		c.Limit = clampLimit(c.Limit)
	} else {
		days := 30
		if in.DaysBack != nil {
			days = *in.DaysBack
		}
		if days > 0 {
			c.From = time.Now().UTC().AddDate(0, 0, -days).Format(time.RFC3339)
		}
	}
	n, start, from := c.Limit, c.Skip, c.From
	out := &mcpserver.ListMeetingsResult{Meetings: []mcpserver.MeetingItem{}}
	i := start
	for ; i < len(d.meetings) && len(out.Meetings) < n; i++ {
		if from != "" && d.meetings[i].Date < from {
			i = len(d.meetings)
			break
		}
		out.Meetings = append(out.Meetings, d.meetings[i])
	}
	if i < len(d.meetings) {
		next := c
		next.Skip = i
		b, _ := json.Marshal(next)
		out.NextCursor = base64.RawURLEncoding.EncodeToString(b)
		out.Note = "More meetings: call list_meetings with cursor set to next_cursor."
	}
	return out, nil
}

// search answers search_meetings with a naive case-insensitive substring
// filter over titles, newest first, stopping at the limit: no index, no
// ranking, no transcripts. The point is protocol and server overhead.
func (d *memData) search(in mcpserver.SearchMeetingsArgs) (*mcpserver.SearchMeetingsResult, error) {
	q := strings.ToLower(strings.TrimSpace(in.Query))
	if q == "" {
		return nil, errors.New("query is required: give words or a question to search for.")
	}
	n := clampLimit(in.Limit)
	out := &mcpserver.SearchMeetingsResult{Results: []mcpserver.SearchHit{}}
	for i := 0; i < len(d.meetings) && len(out.Results) < n; i++ {
		at := strings.Index(d.titles[i], q)
		if at < 0 {
			continue
		}
		m := d.meetings[i]
		t := m.Title
		out.Results = append(out.Results, mcpserver.SearchHit{
			MeetingID: m.ID, Title: t, MeetingDate: m.Date, Kind: "title",
			Snippet: t[:at] + "**" + t[at:at+len(q)] + "**" + t[at+len(q):], URL: m.URL,
		})
	}
	if len(out.Results) == 0 {
		out.Note = "No matches. Try other words, fewer filters, or list_meetings to browse."
	}
	return out, nil
}

// goSDKHandler is server (a): the go-sdk with the same tool names and
// types, stateless Streamable HTTP with JSON responses, no auth.
func goSDKHandler(d *memData) http.Handler {
	s := mcp.NewServer(&mcp.Implementation{Name: "bare-go-sdk", Version: "1.0.0"}, nil)
	ro := &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true}
	mcp.AddTool(s, &mcp.Tool{Name: "list_meetings", Description: "List meetings, newest first.", Annotations: ro},
		func(_ context.Context, _ *mcp.CallToolRequest, in mcpserver.ListMeetingsArgs) (*mcp.CallToolResult, *mcpserver.ListMeetingsResult, error) {
			out, err := d.list(in)
			return nil, out, err
		})
	mcp.AddTool(s, &mcp.Tool{Name: "search_meetings", Description: "Search meeting titles (naive substring filter).", Annotations: ro},
		func(_ context.Context, _ *mcp.CallToolRequest, in mcpserver.SearchMeetingsArgs) (*mcp.CallToolResult, *mcpserver.SearchMeetingsResult, error) {
			out, err := d.search(in)
			return nil, out, err
		})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s },
		&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
	mux := http.NewServeMux()
	mux.Handle("/mcp", h)
	return mux
}

// bareHandler is server (b), the floor: net/http and encoding/json answering
// a JSON-RPC tools/call with the result shape an MCP server sends
// (content text plus structuredContent), and nothing else of MCP.
func bareHandler(d *memData) http.Handler {
	type request struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Method  string          `json:"method"`
		Params  struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"params"`
	}
	type content struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type result struct {
		Content           []content `json:"content"`
		StructuredContent any       `json:"structuredContent,omitempty"`
		IsError           bool      `json:"isError,omitempty"`
	}
	type rpcError struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	type response struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Result  *result         `json:"result,omitempty"`
		Error   *rpcError       `json:"error,omitempty"`
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /mcp", func(w http.ResponseWriter, r *http.Request) {
		var req request
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			http.Error(w, "bad JSON", http.StatusBadRequest)
			return
		}
		resp := response{JSONRPC: "2.0", ID: req.ID}
		var out any
		var err error
		switch {
		case req.Method != "tools/call":
			resp.Error = &rpcError{Code: -32601, Message: "method not found"}
		case req.Params.Name == "list_meetings":
			var in mcpserver.ListMeetingsArgs
			if err = json.Unmarshal(req.Params.Arguments, &in); err == nil {
				out, err = d.list(in)
			}
		case req.Params.Name == "search_meetings":
			var in mcpserver.SearchMeetingsArgs
			if err = json.Unmarshal(req.Params.Arguments, &in); err == nil {
				out, err = d.search(in)
			}
		default:
			resp.Error = &rpcError{Code: -32602, Message: "unknown tool"}
		}
		switch {
		case err != nil:
			resp.Result = &result{Content: []content{{Type: "text", Text: err.Error()}}, IsError: true}
		case out != nil:
			text, _ := json.Marshal(out)
			resp.Result = &result{Content: []content{{Type: "text", Text: string(text)}}, StructuredContent: out}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	})
	return mux
}

// serveInmem is the child process: `mcpbench serve-inmem -kind gosdk|bare
// -addr A -data F` serves until SIGTERM or SIGINT.
func serveInmem(args []string) error {
	fs := flag.NewFlagSet("serve-inmem", flag.ContinueOnError)
	kind := fs.String("kind", "gosdk", "gosdk or bare")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	data := fs.String("data", "", "meetings JSON file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := loadMemData(*data)
	if err != nil {
		return err
	}
	var h http.Handler
	switch *kind {
	case "gosdk":
		h = goSDKHandler(d)
	case "bare":
		h = bareHandler(d)
	default:
		return fmt.Errorf("unknown -kind %q", *kind)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
