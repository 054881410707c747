package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/mcpserver"
)

// testData writes n meetings, newest first, with the corpus's title words,
// as exportMeetings would.
func testData(t *testing.T, n int) string {
	t.Helper()
	titles := []string{"Pricing page review", "Budget review", "Sprint planning", "Hiring debrief"}
	start := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	var ms []mcpserver.MeetingItem
	for i := n; i > 0; i-- {
		ms = append(ms, mcpserver.MeetingItem{
			ID: int64(i), Title: fmt.Sprintf("%s #%d", titles[i%len(titles)], i),
			Date:      start.Add(time.Duration(i) * time.Hour).Format(time.RFC3339),
			Attendees: []meetingintel.Attendee{{Name: "Sam Okafor", Email: "sam.okafor@corp.example"}},
			Source:    "Bench", Tags: []string{"pricing"}, Visibility: "team", SegmentCount: 300,
			URL: fmt.Sprintf("http://127.0.0.1/meetings/%d", i),
		})
	}
	b, err := json.Marshal(ms)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "meetings.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// call posts body to url as the benchmark does and returns the result's
// structuredContent and whether it was a tool error.
func call(t *testing.T, url string, body []byte) (json.RawMessage, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	setHeaders(req, "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msg struct {
		Result *struct {
			IsError           bool            `json:"isError"`
			StructuredContent json.RawMessage `json:"structuredContent"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil || resp.StatusCode != http.StatusOK || msg.Result == nil {
		t.Fatalf("POST %s: status %d, decode error %v", body, resp.StatusCode, err)
	}
	return msg.Result.StructuredContent, msg.Result.IsError
}

func TestTheInMemoryServersAnswerTheSameResults(t *testing.T) {
	d, err := loadMemData(testData(t, 100))
	if err != nil {
		t.Fatal(err)
	}
	gosdk := httptest.NewServer(goSDKHandler(d))
	defer gosdk.Close()
	bare := httptest.NewServer(bareHandler(d))
	defer bare.Close()

	tests := []struct {
		name      string
		body      string
		wantItems int
		wantError bool
	}{
		{"list_meetings of all time gives a page of 20", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_meetings","arguments":{"days_back":0}}}`, 20, false},
		{"list_meetings of the last 30 days finds none in a past corpus", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_meetings","arguments":{}}}`, 0, false},
		{"a list_meetings cursor continues where the page ended", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_meetings","arguments":{"cursor":"eyJ0IjoibGlzdF9tZWV0aW5ncyIsInMiOjkwLCJsIjoyMH0"}}}`, 10, false},
		{"search_meetings finds title words in any letter case", `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"search_meetings","arguments":{"query":"SPRINT planning","limit":5}}}`, 5, false},
		{"search_meetings without a match says so", `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"search_meetings","arguments":{"query":"kubernetes"}}}`, 0, false},
		{"search_meetings without a query is a tool error", `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"search_meetings","arguments":{"query":" "}}}`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, aErr := call(t, gosdk.URL+"/mcp", []byte(tt.body))
			b, bErr := call(t, bare.URL+"/mcp", []byte(tt.body))
			if aErr != tt.wantError || bErr != tt.wantError {
				t.Fatalf("tool error: go-sdk %v, net/http %v, want %v", aErr, bErr, tt.wantError)
			}
			if tt.wantError {
				return
			}
			// The go-sdk encodes structured content through a map, so
			// keys come sorted: compare values, not bytes.
			var av, bv any
			if json.Unmarshal(a, &av) != nil || json.Unmarshal(b, &bv) != nil || !reflect.DeepEqual(av, bv) {
				t.Errorf("structuredContent differs:\ngo-sdk   %s\nnet/http %s", a, b)
			}
			var out struct {
				Meetings []json.RawMessage `json:"meetings"`
				Results  []json.RawMessage `json:"results"`
			}
			if err := json.Unmarshal(a, &out); err != nil {
				t.Fatal(err)
			}
			if n := len(out.Meetings) + len(out.Results); n != tt.wantItems {
				t.Errorf("got %d items, want %d: %s", n, tt.wantItems, a)
			}
		})
	}
}
