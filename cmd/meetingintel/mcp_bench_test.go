package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/internal/logguard"
	"github.com/meetingintel/meetingintel/sqlite"
)

// BenchmarkMCPListMeetings is one stateless tools/call of list_meetings (a
// page of 20, PAT, a non-admin member, so visibility applies) against
// `meetingintel serve` in this process on a real loopback port, from 8
// concurrent keep-alive clients, as cmd/mcpbench's headline cell. It is
// here to be profiled: in-process, -cpuprofile and -memprofile see the
// server's whole request path (auth, middleware, the go-sdk, the store,
// result shaping) next to the client's.
//
//	go test -run '^$' -bench MCPListMeetings -benchmem -cpuprofile cpu.out -memprofile mem.out ./cmd/meetingintel/
func BenchmarkMCPListMeetings(b *testing.B) {
	dir := b.TempDir()
	db := filepath.Join(dir, "mi.db")
	mustOK(b, cli(b, nil, "users", "add", "--db", db, "--email", "admin@example.com", "--name", "Admin", "--admin"))
	pat := strings.TrimSpace(mustOK(b, cli(b, nil, "users", "add", "--db", db, "--email", "priya@example.com", "--name", "Priya")).stdout)
	fillMeetings(b, db, "priya@example.com", 200)

	addr := freeAddr(b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var log syncBuffer
	envs := map[string]string{"LOG_LEVEL": "warn"}
	e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: logguard.Tee(&log), getenv: func(k string) string { return envs[k] }}
	go func() { done <- run(ctx, []string{"serve", "--db", db, "--addr", addr}, e) }()
	b.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			b.Errorf("serve did not stop")
		}
	})
	if err := waitReady("http://"+addr, func() error {
		select {
		case code := <-done:
			return fmt.Errorf("serve exited with %d: %s", code, log.String())
		default:
			return nil
		}
	}); err != nil {
		b.Fatal(err)
	}

	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_meetings","arguments":{"days_back":0}}}`)
	url := "http://" + addr + "/mcp"
	call := func(c *http.Client) error {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+pat)
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || !bytes.Contains(out, []byte(`"structuredContent"`)) || bytes.Contains(out, []byte(`"isError":true`)) {
			return fmt.Errorf("status %d: %.300s", resp.StatusCode, out)
		}
		return nil
	}
	newClient := func() *http.Client {
		return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	}
	if err := call(newClient()); err != nil {
		b.Fatal(err)
	}
	// 8 clients on any GOMAXPROCS, as mcpbench's cell.
	b.SetParallelism(max(1, 8/testingProcs()))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := newClient()
		for pb.Next() {
			if err := call(c); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// fillMeetings stores n team meetings of 20 lines each, created by email.
func fillMeetings(b *testing.B, db, email string, n int) {
	b.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	u, err := s.FindUserByEmail(ctx, email)
	if err != nil {
		b.Fatal(err)
	}
	uctx := meetingintel.NewContextWithUser(ctx, u)
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i := range n {
		m := &meetingintel.Meeting{
			Title: fmt.Sprintf("Pricing review %d", i), Date: start.Add(time.Duration(i) * 24 * time.Hour),
			Summary:    "We went through the pricing page, the onboarding flow and the launch plan; two decisions, three actions.",
			Visibility: meetingintel.VisibilityTeam, Tags: []string{"pricing", "web"},
			Attendees: []meetingintel.Attendee{{Name: "Priya Natarajan", Email: email}, {Name: "Ben Ode", Email: "ben@example.com"}},
		}
		segs := make([]meetingintel.Segment, 20)
		for j := range segs {
			segs[j] = meetingintel.Segment{Seq: j, Speaker: "Priya Natarajan", StartMS: int64(j) * 5000, EndMS: int64(j)*5000 + 4000,
				Text: "Let us settle the annual price shown by default on the pricing page."}
		}
		if err := s.CreateMeeting(uctx, m, segs); err != nil {
			b.Fatal(err)
		}
	}
}

func testingProcs() int { return runtime.GOMAXPROCS(0) }
