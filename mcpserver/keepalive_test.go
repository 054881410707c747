package mcpserver_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// An idle SSE stream carries comment lines, so proxies do not close it,
// and clients (which ignore comments) keep working through them.
func TestAnIdleSSEStreamGetsKeepAliveComments(t *testing.T) {
	old := mcpserver.SSEKeepAlive
	mcpserver.SSEKeepAlive = 30 * time.Millisecond
	t.Cleanup(func() { mcpserver.SSEKeepAlive = old })
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/sse?token="+e.aliceTok, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	comments := 0
	for sc.Scan() && comments < 2 {
		if strings.HasPrefix(sc.Text(), ": keepalive") {
			comments++
		}
	}
	if comments < 2 {
		t.Fatalf("saw %d keep-alive comments on an idle stream (%v)", comments, sc.Err())
	}

	// The go-sdk client works across keep-alives.
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx,
		&mcp.SSEClientTransport{Endpoint: e.url + "/sse?token=" + e.aliceTok}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	time.Sleep(100 * time.Millisecond) // a few keep-alives pass
	if _, err := cs.ListTools(ctx, nil); err != nil {
		t.Fatalf("tools/list after keep-alives: %v", err)
	}
}
