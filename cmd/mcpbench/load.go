package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

// The two tools measured and the requests each cell cycles through; every
// server gets the same bytes. list_meetings asks for all time (the corpus
// ends in the past) and the default page of 20. The search queries are words
// of the corpus's meeting titles, so the in-memory servers' title filter
// fills a page of 20 as meetingintel's ranked search does.
var tools = []string{"list_meetings", "search_meetings"}

var searchQueries = []string{
	"pricing", "budget", "hiring", "incident", "roadmap",
	"onboarding", "security review", "sprint planning", "data migration", "launch plan",
}

func requestBodies(tool string) [][]byte {
	call := func(id int, args map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/call",
			"params": map[string]any{"name": tool, "arguments": args}})
		return b
	}
	if tool == "list_meetings" {
		return [][]byte{call(1, map[string]any{"days_back": 0})}
	}
	var out [][]byte
	for i, q := range searchQueries {
		out = append(out, call(i+1, map[string]any{"query": q}))
	}
	return out
}

// pageSize is what every server must return per call: the tools' default
// limit.
const pageSize = 20

// setHeaders sets the headers of every request, to every server: the
// bearer token, a PAT or an OAuth access token (ignored by the servers
// without auth), and what the MCP Streamable HTTP transport asks of a client.
func setHeaders(req *http.Request, token string) {
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
}

type client struct {
	shapes map[string]map[string]shape // server key, tool
}

// shape is what a server answered to each request of a tool, before the load.
type shape struct {
	minItems, maxItems int
	avgBytes           int
}

func newClient() *client {
	return &client{shapes: map[string]map[string]shape{}}
}

// checkShapes sends every request body once and checks that the answer is
// a successful tool result with a full page, recording its size: the
// comparison is only fair when every server returns the same amount. Every
// replica of a row is checked.
func (c *client) checkShapes(ctx context.Context, s *server) error {
	hc := &http.Client{Timeout: 30 * time.Second}
	c.shapes[s.key] = map[string]shape{}
	for _, tool := range tools {
		sh := shape{minItems: math.MaxInt}
		total := 0
		bodies := requestBodies(tool)
		for i, body := range bodies {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint(i), bytes.NewReader(body))
			setHeaders(req, s.token)
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			_, err = buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			var msg struct {
				Result *struct {
					IsError           bool `json:"isError"`
					StructuredContent struct {
						Meetings []json.RawMessage `json:"meetings"`
						Results  []json.RawMessage `json:"results"`
					} `json:"structuredContent"`
				} `json:"result"`
			}
			if resp.StatusCode != http.StatusOK || json.Unmarshal(buf.Bytes(), &msg) != nil || msg.Result == nil || msg.Result.IsError {
				return fmt.Errorf("%s answered %d: %s", tool, resp.StatusCode, lastBytes(buf.Bytes(), 300))
			}
			n := len(msg.Result.StructuredContent.Meetings) + len(msg.Result.StructuredContent.Results)
			if n != pageSize {
				return fmt.Errorf("%s returned %d items for %s, want %d", tool, n, body, pageSize)
			}
			sh.minItems, sh.maxItems = min(sh.minItems, n), max(sh.maxItems, n)
			total += buf.Len()
		}
		sh.avgBytes = total / len(bodies)
		c.shapes[s.key][tool] = sh
	}
	return nil
}

// cellKey names one cell of the table.
type cellKey struct {
	tool    string
	clients int
	server  string
}

// cell is what was measured for a cell over all rounds.
type cell struct {
	lat      []time.Duration
	measured time.Duration // measured time summed over rounds
	bytes    int64
	errs     int
	firstErr string
}

func (c *cell) rps() float64 { return float64(len(c.lat)) / c.measured.Seconds() }

// pct is the nearest-rank percentile of the sorted latencies.
func (c *cell) pct(p float64) time.Duration {
	if len(c.lat) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(c.lat)))) - 1
	return c.lat[max(0, min(i, len(c.lat)-1))]
}

// runAll measures every cell into out: per tool and number of clients, each
// round runs every server in turn (reversed every second round, so neither
// drift nor a neighbour's leftovers favour one server).
func (c *client) runAll(ctx context.Context, o options, servers []*server, clients []int, out map[cellKey]*cell) error {
	for _, tool := range tools {
		bodies := requestBodies(tool)
		for _, n := range clients {
			for r := 0; r < o.rounds; r++ {
				order := slices.Clone(servers)
				if r%2 == 1 {
					slices.Reverse(order)
				}
				for _, s := range order {
					if s.missing != "" {
						continue
					}
					k := cellKey{tool, n, s.key}
					if out[k] == nil {
						out[k] = &cell{}
					}
					if err := c.runCell(ctx, out[k], s, bodies, n, o.warmup, o.duration); err != nil {
						return err
					}
					fmt.Fprintf(os.Stderr, "%-16s %d clients round %d  %-44s %8.0f req/s\n", tool, n, r+1, s.name, out[k].rps())
				}
			}
		}
	}
	for _, cl := range out {
		slices.Sort(cl.lat)
	}
	return nil
}

// runCell drives s with n clients for warm-up plus d and adds the requests
// that started after the warm-up and ended within d to into. Each client
// has its own keep-alive connection, fresh for the cell; with replicas,
// client i talks to replica i mod their number.
func (c *client) runCell(ctx context.Context, into *cell, s *server, bodies [][]byte, n int, warm, d time.Duration) error {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        n,
		MaxIdleConnsPerHost: n,
		MaxConnsPerHost:     n,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	start := time.Now()
	from, end := start.Add(warm), start.Add(warm+d)

	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var size int64
			errs, firstErr := 0, ""
			var buf bytes.Buffer
			url := s.endpoint(w)
			for k := w; ctx.Err() == nil; k += n {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				err := c.call(ctx, hc, url, s.token, bodies[k%len(bodies)], &buf)
				t1 := time.Now()
				if err != nil {
					if errs == 0 {
						firstErr = err.Error()
					}
					errs++
					continue
				}
				if t0.Before(from) || t1.After(end) {
					continue // warm-up, or ran past the end
				}
				lat = append(lat, t1.Sub(t0))
				size += int64(buf.Len())
			}
			mu.Lock()
			defer mu.Unlock()
			into.lat = append(into.lat, lat...)
			into.bytes += size
			if errs > 0 && into.errs == 0 {
				into.firstErr = firstErr
			}
			into.errs += errs
		}()
	}
	wg.Wait()
	into.measured += d
	if ctx.Err() != nil {
		return errStopped
	}
	return nil
}

var (
	okResult = []byte(`"result"`)
	isError  = []byte(`"isError":true`)
)

// call sends one request and reads the whole answer into buf. A non-200
// status, a JSON-RPC error or a tool error is an error.
func (c *client) call(ctx context.Context, hc *http.Client, url, token string, body []byte, buf *bytes.Buffer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	setHeaders(req, token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(buf.Bytes(), okResult) || bytes.Contains(buf.Bytes(), isError) {
		return fmt.Errorf("status %d: %s", resp.StatusCode, lastBytes(buf.Bytes(), 200))
	}
	return nil
}
