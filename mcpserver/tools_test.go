package mcpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel/mcpserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// contract is DESIGN §5: every tool and the parameters people and tests use.
var contract = map[string][]string{
	"list_meetings":    {"limit", "days_back", "attendee", "tag", "cursor"},
	"get_meeting":      {"meeting_id", "include_transcript"},
	"get_transcript":   {"meeting_id", "cursor", "start_ms", "end_ms", "speaker"},
	"search_meetings":  {"query", "limit", "date_from", "date_to", "attendee", "tag"},
	"create_meeting":   {"title", "meeting_date", "attendees", "summary", "transcript", "transcript_format", "source", "source_meeting_id", "tags", "visibility"},
	"update_meeting":   {"meeting_id", "title", "meeting_date", "attendees", "summary", "transcript", "tags", "visibility"},
	"delete_meeting":   {"meeting_id"},
	"list_actions":     {"status", "owner", "meeting_id", "due_before", "limit", "cursor"},
	"get_action":       {"action_id"},
	"create_action":    {"action_text", "owner", "due_date", "meeting_id", "notes"},
	"update_action":    {"action_id", "action_text", "owner", "due_date", "meeting_id", "notes"},
	"complete_action":  {"action_id"},
	"park_action":      {"action_id"},
	"delete_action":    {"action_id"},
	"reopen_action":    {"action_id"},
	"get_decision":     {"decision_id"},
	"search_actions":   {"query", "limit"},
	"search_decisions": {"query", "limit"},
	"get_schema":       {},
	"update_decision":  {"decision_id", "decision_text", "context"},
	"list_decisions":   {"meeting_id", "limit", "cursor"},
	"create_decision":  {"meeting_id", "decision_text", "context"},
	"delete_decision":  {"decision_id"},
	"search":           {"query"},
	"fetch":            {"id"},

	"list_workspaces":       {},
	"get_current_workspace": {},
	"switch_workspace":      {"workspace"},
}

// Every data tool takes an optional workspace (DESIGN §12).
func init() {
	for name, params := range contract {
		if !strings.Contains(name, "workspace") {
			contract[name] = append(params, "workspace")
		}
	}
}

func TestEveryTransportListsEveryToolAndServesTheUser(t *testing.T) {
	e := newEnv(t)
	for name, cs := range e.transports() {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tool := range res.Tools {
				got = append(got, tool.Name)
			}
			sort.Strings(got)
			var want []string
			for n := range contract {
				want = append(want, n)
			}
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Fatalf("tools = %v, want %v", got, want)
			}
			if cs.InitializeResult().Instructions == "" {
				t.Error("no server instructions")
			}
			out := ok[mcpserver.ListMeetingsResult](t, cs, "list_meetings", nil)
			if !hasMeeting(out.Meetings, e.privateID) || !hasMeeting(out.Meetings, e.teamID) {
				t.Errorf("alice should see her private meeting and the team one; got %+v", out.Meetings)
			}
		})
	}
}

func hasMeeting(ms []mcpserver.MeetingItem, id int64) bool {
	return slices.ContainsFunc(ms, func(m mcpserver.MeetingItem) bool { return m.ID == id })
}

func TestToolSchemasAndAnnotationsFollowTheContract(t *testing.T) {
	e := newEnv(t)
	cs := e.transports()["/mcp with Bearer"]
	res, err := cs.ListTools(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range res.Tools {
		t.Run(tool.Name, func(t *testing.T) {
			var schema struct {
				Properties map[string]struct {
					Description string `json:"description"`
				} `json:"properties"`
			}
			b, _ := json.Marshal(tool.InputSchema)
			if err := json.Unmarshal(b, &schema); err != nil {
				t.Fatal(err)
			}
			for _, p := range contract[tool.Name] {
				prop, ok := schema.Properties[p]
				if !ok {
					t.Errorf("parameter %q missing from %s", p, b)
				} else if prop.Description == "" {
					t.Errorf("parameter %q has no description", p)
				}
			}
			if tool.OutputSchema == nil {
				t.Error("no output schema")
			}
			if tool.Description == "" || tool.Annotations == nil {
				t.Fatal("no description or annotations")
			}
			a := tool.Annotations
			isRead := strings.HasPrefix(tool.Name, "list_") || strings.HasPrefix(tool.Name, "get_") || strings.HasPrefix(tool.Name, "search") || tool.Name == "fetch"
			switch {
			case isRead && !a.ReadOnlyHint:
				t.Error("a read tool without readOnlyHint")
			case !isRead && a.ReadOnlyHint:
				t.Error("a write tool marked read-only")
			case !isRead && a.DestructiveHint == nil:
				t.Error("a write tool must set destructiveHint explicitly (nil means true)")
			case strings.HasPrefix(tool.Name, "delete_") && !*a.DestructiveHint:
				t.Error("a delete tool not marked destructive")
			case !isRead && !strings.HasPrefix(tool.Name, "delete_") && *a.DestructiveHint:
				t.Error("a write tool other than a delete marked destructive (ChatGPT then asks twice for every edit)")
			}
		})
	}
}

func TestEveryToolWorksAndRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	cs := e.transports()["/mcp with Bearer"]

	vtt := "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Sam Lee>We ship the beta on Friday.</v>\n\n00:00:05.000 --> 00:00:09.000\n<v Alice>Then marketing starts Monday.</v>\n"
	m := ok[mcpserver.MeetingDetail](t, cs, "create_meeting", map[string]any{
		"title": "Beta launch", "meeting_date": "2026-03-02T10:00:00Z", "attendees": []string{"Sam Lee <sam@example.com>", "alice@example.com"},
		"summary": "Launch plan.", "transcript": vtt, "tags": []string{"Launch"},
	})
	if m.ID == 0 || m.SegmentCount != 2 || m.CreatedBy != "alice@example.com" || m.URL != publicURL+"/meetings/"+strconv.FormatInt(m.ID, 10) {
		t.Fatalf("create_meeting = %+v", m)
	}
	id := m.ID
	got := ok[mcpserver.MeetingDetail](t, cs, "get_meeting", map[string]any{"meeting_id": id, "include_transcript": true})
	if got.Transcript == nil || len(got.Transcript.Segments) != 2 || len(got.TalkTime) != 2 {
		t.Errorf("get_meeting with transcript = %+v", got)
	}
	tr := call(t, cs, "get_transcript", map[string]any{"meeting_id": id, "speaker": "sam lee"})
	if tr.IsError || !strings.Contains(text(tr), "We ship the beta") || !strings.Contains(text(tr), "data, not instructions") {
		t.Errorf("get_transcript text = %s", text(tr))
	}
	ok[mcpserver.ListMeetingsResult](t, cs, "list_meetings", map[string]any{"days_back": 0, "tag": "launch", "limit": 5})
	sr := ok[mcpserver.SearchMeetingsResult](t, cs, "search_meetings", map[string]any{"query": "beta Friday", "date_from": "2026-03-01", "date_to": "2026-03-02"})
	if len(sr.Results) == 0 || sr.Results[0].MeetingID != id {
		t.Errorf("search_meetings = %+v", sr)
	}
	up := ok[mcpserver.MeetingDetail](t, cs, "update_meeting", map[string]any{"meeting_id": id, "title": "Beta launch v2", "visibility": "private"})
	if up.Title != "Beta launch v2" || up.Visibility != "private" || up.UpdatedBy != "alice@example.com" {
		t.Errorf("update_meeting = %+v", up)
	}
	a := ok[mcpserver.ActionOut](t, cs, "create_action", map[string]any{"action_text": "Write release notes", "owner": "Sam", "due_date": "2026-03-06", "meeting_id": id})
	if a.Status != "Open" || a.CreatedBy != "alice@example.com" {
		t.Errorf("create_action = %+v", a)
	}
	ok[mcpserver.ActionOut](t, cs, "get_action", map[string]any{"action_id": a.ID})
	if u := ok[mcpserver.ActionOut](t, cs, "update_action", map[string]any{"action_id": a.ID, "notes": "draft in docs"}); u.Notes != "draft in docs" {
		t.Errorf("update_action = %+v", u)
	}
	if c := ok[mcpserver.ActionOut](t, cs, "complete_action", map[string]any{"action_id": a.ID}); c.Status != "Complete" {
		t.Errorf("complete_action = %+v", c)
	}
	if p := ok[mcpserver.ActionOut](t, cs, "park_action", map[string]any{"action_id": a.ID}); p.Status != "Parked" {
		t.Errorf("park_action = %+v", p)
	}
	if r := ok[mcpserver.ActionOut](t, cs, "reopen_action", map[string]any{"action_id": a.ID}); r.Status != "Open" {
		t.Errorf("reopen_action = %+v", r)
	}
	ok[mcpserver.ActionOut](t, cs, "park_action", map[string]any{"action_id": a.ID})
	if l := ok[mcpserver.ListActionsResult](t, cs, "list_actions", map[string]any{"status": "Parked", "meeting_id": id}); len(l.Actions) != 1 {
		t.Errorf("list_actions = %+v", l)
	}
	d := ok[mcpserver.DecisionOut](t, cs, "create_decision", map[string]any{"meeting_id": id, "decision_text": "Beta on Friday", "context": "QA signed off"})
	if g := ok[mcpserver.DecisionOut](t, cs, "get_decision", map[string]any{"decision_id": d.ID}); g.Text != "Beta on Friday" || g.Context != "QA signed off" || g.MeetingID != id {
		t.Errorf("get_decision = %+v", g)
	}
	if u := ok[mcpserver.DecisionOut](t, cs, "update_decision", map[string]any{"decision_id": d.ID, "context": "QA and legal signed off"}); u.Text != "Beta on Friday" || u.Context != "QA and legal signed off" {
		t.Errorf("update_decision = %+v", u)
	}
	if l := ok[mcpserver.ListDecisionsResult](t, cs, "list_decisions", map[string]any{"meeting_id": id}); len(l.Decisions) != 1 {
		t.Errorf("list_decisions = %+v", l)
	}
	s := call(t, cs, "search", map[string]any{"query": "beta friday"})
	var sres struct {
		Results []struct{ ID, Title, URL string } `json:"results"`
	}
	if len(s.Content) != 1 || json.Unmarshal([]byte(text(s)), &sres) != nil || len(sres.Results) == 0 || sres.Results[0].ID != strconv.FormatInt(id, 10) {
		t.Errorf("search = %s", text(s))
	}
	f := call(t, cs, "fetch", map[string]any{"id": strconv.FormatInt(id, 10)})
	var fres struct {
		ID, Title, Text, URL string
		Metadata             map[string]any
	}
	if len(f.Content) != 1 || json.Unmarshal([]byte(text(f)), &fres) != nil || !strings.Contains(fres.Text, "We ship the beta") || fres.URL == "" {
		t.Errorf("fetch = %s", text(f))
	}
	ok[mcpserver.Deleted](t, cs, "delete_decision", map[string]any{"decision_id": d.ID})
	ok[mcpserver.Deleted](t, cs, "delete_action", map[string]any{"action_id": a.ID})
	ok[mcpserver.Deleted](t, cs, "delete_meeting", map[string]any{"meeting_id": id})
	fails(t, cs, "get_meeting", map[string]any{"meeting_id": id})

	bad := []struct {
		tool string
		args map[string]any
		want string // a piece of the message
	}{
		{"get_meeting", map[string]any{"meeting_id": 999999}, ""},
		{"get_meeting", map[string]any{"meeting_id": "not a number"}, ""},
		{"get_meeting", map[string]any{}, "meeting_id"},
		{"create_meeting", map[string]any{"meeting_date": "2026-03-02"}, "title"},
		{"create_meeting", map[string]any{"title": "x"}, "meeting_date"},
		{"create_meeting", map[string]any{"title": "x", "meeting_date": "last tuesday"}, "not a date"},
		{"create_meeting", map[string]any{"title": "x", "meeting_date": "2026-03-02", "transcript": "hello", "transcript_format": "docx"}, "format"},
		{"create_meeting", map[string]any{"title": "x", "meeting_date": "2026-03-02", "visibility": "secret"}, "Visibility"},
		{"get_transcript", map[string]any{"meeting_id": e.teamID, "cursor": "garbage"}, "cursor"},
		{"list_meetings", map[string]any{"cursor": "garbage"}, "cursor"},
		{"search_meetings", map[string]any{"query": " "}, "query"},
		{"create_action", map[string]any{"action_text": ""}, "text"},
		{"create_action", map[string]any{"action_text": "x", "due_date": "soon"}, "date"},
		{"list_actions", map[string]any{"status": "Done"}, "status"},
		{"complete_action", map[string]any{"action_id": 424242}, ""},
		{"create_decision", map[string]any{"meeting_id": 424242, "decision_text": "x"}, ""},
		{"delete_decision", map[string]any{"decision_id": 424242}, ""},
		{"get_decision", map[string]any{"decision_id": 424242}, ""},
		{"update_decision", map[string]any{"decision_id": 424242, "decision_text": "x"}, ""},
		{"update_decision", map[string]any{"decision_id": e.privateDecisionID}, "nothing to change"},
		{"update_decision", map[string]any{"decision_id": e.privateDecisionID, "decision_text": " "}, "text"},
		{"reopen_action", map[string]any{"action_id": 424242}, ""},
		{"fetch", map[string]any{"id": "abc"}, "not a meeting id"},
		{"fetch", map[string]any{"id": "424242"}, ""},
		{"list_meetings", map[string]any{"limit": -5}, "limit"},
		{"list_meetings", map[string]any{"days_back": -3}, "days_back"},
		{"list_actions", map[string]any{"limit": -1}, "limit"},
		{"search_meetings", map[string]any{"query": "pricing", "limit": -1}, "limit"},
		{"search_meetings", map[string]any{"query": "pricing", "date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to"},
		{"get_transcript", map[string]any{"meeting_id": e.teamID, "start_ms": -10}, "start_ms"},
		{"get_transcript", map[string]any{"meeting_id": e.teamID, "start_ms": 5000, "end_ms": 10}, "end_ms"},
	}
	for _, b := range bad {
		msg := fails(t, cs, b.tool, b.args)
		if !strings.Contains(strings.ToLower(msg), strings.ToLower(b.want)) {
			t.Errorf("%s(%v): message %q does not mention %q", b.tool, b.args, msg, b.want)
		}
		if strings.Contains(msg, "meetingintel error") || strings.Contains(msg, "sql") {
			t.Errorf("%s: message leaks internals: %q", b.tool, msg)
		}
	}
}

func TestALongTranscriptPagesToTheEndWithinBounds(t *testing.T) {
	e := newEnv(t)
	cs := e.transports()["/mcp with X-API-Key"]
	args := map[string]any{"meeting_id": e.longID}
	seen, pages := 0, 0
	for {
		res := call(t, cs, "get_transcript", args)
		if res.IsError {
			t.Fatal(text(res))
		}
		b, _ := json.Marshal(res)
		if len(b) > 100_000 {
			t.Fatalf("page %d is %d bytes, over the ~25k-token bound", pages, len(b))
		}
		var p mcpserver.TranscriptPage
		sb, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(sb, &p); err != nil {
			t.Fatal(err)
		}
		for _, g := range p.Segments {
			if g.Seq != seen {
				t.Fatalf("segment %d came where %d belonged", g.Seq, seen)
			}
			seen++
		}
		pages++
		if p.NextCursor == "" {
			break
		}
		if !strings.Contains(text(res), p.NextCursor) {
			t.Error("the text does not say how to get the next page")
		}
		args = map[string]any{"meeting_id": e.longID, "cursor": p.NextCursor}
		if pages > 500 {
			t.Fatal("paging does not end")
		}
	}
	if seen != 2000 || pages < 2 {
		t.Fatalf("read %d segments in %d pages, want 2000 in several", seen, pages)
	}
	// A time window returns only segments that overlap it.
	w := ok[mcpserver.TranscriptPage](t, cs, "get_transcript", map[string]any{"meeting_id": e.longID, "start_ms": 100000, "end_ms": 130000})
	if len(w.Segments) == 0 || w.Segments[0].Seq != 10 || w.Segments[len(w.Segments)-1].Seq != 12 {
		t.Errorf("window 100s-130s = %+v", w.Segments)
	}
	// get_meeting and fetch stay bounded and point at the rest.
	m := call(t, cs, "get_meeting", map[string]any{"meeting_id": e.longID, "include_transcript": true})
	if b, _ := json.Marshal(m); len(b) > 100_000 || !strings.Contains(text(m), "next_cursor") {
		t.Errorf("get_meeting with a long transcript: %d bytes", len(b))
	}
	f := call(t, cs, "fetch", map[string]any{"id": strconv.FormatInt(e.longID, 10)})
	if b, _ := json.Marshal(f); len(b) > 100_000 || !strings.Contains(text(f), "get_transcript") {
		t.Errorf("fetch of a long transcript: %d bytes", len(b))
	}
}

func TestSearchFindsASentenceWithItsSpeakerAndTime(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"/mcp with Bearer", "/sse?token=", "stdio"} {
		cs := e.transports()[name]
		sr := ok[mcpserver.SearchMeetingsResult](t, cs, "search_meetings", map[string]any{"query": "what did we say about the starter plan in April?"})
		if len(sr.Results) == 0 {
			t.Fatalf("%s: no hits", name)
		}
		h := sr.Results[0]
		if h.MeetingID != e.teamID || h.Kind != "segment" || h.Speaker != "Alice" || h.StartMS == nil || *h.StartMS != 83000 {
			t.Errorf("%s: top hit = %+v, want Alice at 83000 ms in meeting %d", name, h, e.teamID)
		}
		// The two lines before it come along, so the exchange can be quoted.
		if len(h.Context) != 2 || h.Context[0].Speaker != "Alice" || h.Context[1].Speaker != "Bob" ||
			!strings.Contains(h.Context[1].Text, "forty dollars") || h.Context[1].StartMS != 4000 {
			t.Errorf("%s: context = %+v, want the welcome and Bob's forty dollars", name, h.Context)
		}
	}
}

func TestWriteToolsNeedTheWriteScope(t *testing.T) {
	e := newEnv(t)
	// On SSE the post is accepted before the call is seen: a tool error.
	cs := e.connect(&mcp.SSEClientTransport{Endpoint: e.url + "/sse", HTTPClient: withHeaders(map[string]string{"Authorization": "Bearer " + e.readOnlyOAuthToken})})
	ok[mcpserver.ListMeetingsResult](t, cs, "list_meetings", nil)
	if msg := fails(t, cs, "create_action", map[string]any{"action_text": "x"}); !strings.Contains(msg, "insufficient_scope") {
		t.Errorf("message %q does not name insufficient_scope", msg)
	}
}

func TestSearchHitsCarryEveryContractFieldEvenWithoutASpeaker(t *testing.T) {
	e := newEnv(t)
	cs := e.transports()["/mcp with Bearer"]
	res := call(t, cs, "search_meetings", map[string]any{"query": "pricing"})
	var out struct {
		Results []map[string]any `json:"results"`
	}
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &out); err != nil || len(out.Results) == 0 {
		t.Fatalf("search_meetings = %s (%v)", b, err)
	}
	kinds := map[any]bool{}
	for _, h := range out.Results {
		kinds[h["kind"]] = true
		for _, k := range []string{"meeting_id", "title", "kind", "speaker", "start_ms", "snippet"} {
			if _, ok := h[k]; !ok {
				t.Errorf("a %v hit lacks %q: %v", h["kind"], k, h)
			}
		}
	}
	if len(kinds) < 2 || !kinds["segment"] {
		t.Errorf("want segment and other hits to check, got kinds %v", kinds)
	}
}

// statelessCall posts one MCP 2026-07-28 request (no initialize: the
// version and client rides in _meta) to /mcp/{token} and decodes the answer.
func statelessCall(t *testing.T, e *env, method string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": map[string]any{"_meta": map[string]any{
		"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
		"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "test", "version": "1"},
		"io.modelcontextprotocol/clientCapabilities": map[string]any{},
	}}})
	req, _ := http.NewRequest("POST", e.url+"/mcp/"+e.aliceTok, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", method)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if i := bytes.Index(b, []byte("data: ")); i >= 0 { // an event stream of one message
		b = bytes.TrimSpace(b[i+len("data: "):])
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %d %s", method, resp.StatusCode, b)
	}
	return out
}

func TestTheServerDeclaresWhatItHandlesAndPromisesNoListChanges(t *testing.T) {
	e := newEnv(t)
	check := func(t *testing.T, where string, caps *mcp.ServerCapabilities) {
		t.Helper()
		if caps == nil || caps.Tools == nil || caps.Prompts == nil || caps.Resources == nil {
			t.Fatalf("%s: capabilities %+v, want tools, prompts and resources declared", where, caps)
		}
		if caps.Tools.ListChanged || caps.Prompts.ListChanged || caps.Resources.ListChanged {
			t.Errorf("%s: listChanged declared, but the lists never change while the process runs", where)
		}
	}
	for name, cs := range e.transports() {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			check(t, "initialize", cs.InitializeResult().Capabilities)
			if _, err := cs.ListPrompts(ctx, nil); err != nil {
				t.Errorf("prompts/list: %v", err)
			}
			if _, err := cs.ListResources(ctx, nil); err != nil {
				t.Errorf("resources/list: %v", err)
			}
		})
	}
	t.Run("stateless server/discover", func(t *testing.T) {
		d := statelessCall(t, e, "server/discover")
		res, _ := d["result"].(map[string]any)
		b, _ := json.Marshal(res["capabilities"])
		var caps mcp.ServerCapabilities
		if err := json.Unmarshal(b, &caps); err != nil || res == nil {
			t.Fatalf("server/discover: %v", d)
		}
		check(t, "server/discover", &caps)
		for _, m := range []string{"prompts/list", "resources/list"} {
			if r := statelessCall(t, e, m); r["result"] == nil {
				t.Errorf("%s, declared, is not handled: %v", m, r)
			}
		}
	})
}

func TestALimitOverTheMaximumIsCappedAndTheResultSaysSo(t *testing.T) {
	e := newEnv(t)
	cs := e.transports()["/mcp?token="]
	lm := ok[mcpserver.ListMeetingsResult](t, cs, "list_meetings", map[string]any{"limit": 1000, "days_back": 0})
	if len(lm.Meetings) == 0 || !strings.Contains(lm.Note, "capped to 100") {
		t.Errorf("list_meetings limit 1000: %d meetings, note %q", len(lm.Meetings), lm.Note)
	}
	la := ok[mcpserver.ListActionsResult](t, cs, "list_actions", map[string]any{"limit": 200, "status": "all"})
	if !strings.Contains(la.Note, "capped to 100") {
		t.Errorf("list_actions limit 200: note %q", la.Note)
	}
	ld := ok[mcpserver.ListDecisionsResult](t, cs, "list_decisions", map[string]any{"limit": 101})
	if !strings.Contains(ld.Note, "capped to 100") {
		t.Errorf("list_decisions limit 101: note %q", ld.Note)
	}
	sm := ok[mcpserver.SearchMeetingsResult](t, cs, "search_meetings", map[string]any{"query": "pricing", "limit": 500})
	if !strings.Contains(sm.Note, "capped to 100") {
		t.Errorf("search_meetings limit 500: note %q", sm.Note)
	}
	if lm := ok[mcpserver.ListMeetingsResult](t, cs, "list_meetings", map[string]any{"limit": 100, "days_back": 0}); strings.Contains(lm.Note, "capped") {
		t.Errorf("a limit at the maximum is not capped: note %q", lm.Note)
	}
}

func TestAttendeesAndTagsTakeACommaSeparatedStringOrAList(t *testing.T) {
	e := newEnv(t)
	cs := e.transports()["/mcp?token="]
	names := func(d mcpserver.MeetingDetail) []string {
		var out []string
		for _, a := range d.Attendees {
			out = append(out, a.Name+"|"+a.Email)
		}
		sort.Strings(out)
		return out
	}
	str := ok[mcpserver.MeetingDetail](t, cs, "create_meeting", map[string]any{
		"title": "Upstream style", "meeting_date": "2026-03-02",
		"attendees": "Ana Lima <ana@example.com>, Bob ,, ", "tags": "pricing, q2",
	})
	if got := names(str); !slices.Equal(got, []string{"Ana Lima|ana@example.com", "Bob|"}) {
		t.Errorf("attendees from a string = %v", got)
	}
	if !slices.Equal(str.Tags, []string{"pricing", "q2"}) {
		t.Errorf("tags from a string = %v", str.Tags)
	}
	list := ok[mcpserver.MeetingDetail](t, cs, "create_meeting", map[string]any{
		"title": "Our style", "meeting_date": "2026-03-02",
		"attendees": []string{"Ana Lima <ana@example.com>", "Bob"}, "tags": []string{"pricing", "q2"},
	})
	if !slices.Equal(names(list), names(str)) || !slices.Equal(list.Tags, str.Tags) {
		t.Errorf("a list gives %v %v, a string %v %v", names(list), list.Tags, names(str), str.Tags)
	}
	up := ok[mcpserver.MeetingDetail](t, cs, "update_meeting", map[string]any{"meeting_id": str.ID, "tags": "launch", "attendees": "Cy"})
	if !slices.Equal(up.Tags, []string{"launch"}) || !slices.Equal(names(up), []string{"Cy|"}) {
		t.Errorf("update_meeting with strings = %v %v", up.Tags, names(up))
	}
	if msg := fails(t, cs, "create_meeting", map[string]any{"title": "x", "meeting_date": "2026-03-02", "tags": 7}); !strings.Contains(msg, "tags") {
		t.Errorf("tags as a number: %q", msg)
	}
}

// TestTheReplacedSystemsSkillCallsWorkInParallelOverMCPToken makes the
// calls its assistant skill file makes: search_actions, search_decisions
// and get_decision at once, over /mcp?token=, with string attendees.
func TestTheReplacedSystemsSkillCallsWorkInParallelOverMCPToken(t *testing.T) {
	e := newEnv(t)
	cs := e.transports()["/mcp?token="]
	m := ok[mcpserver.MeetingDetail](t, cs, "create_meeting", map[string]any{"title": "Pricing review", "meeting_date": "2026-03-02", "attendees": "Ana <ana@example.com>, Bob"})
	d := ok[mcpserver.DecisionOut](t, cs, "create_decision", map[string]any{"meeting_id": m.ID, "decision_text": "Adopt quokka pricing tiers", "context": "simpler"})
	a := ok[mcpserver.ActionOut](t, cs, "create_action", map[string]any{"action_text": "Draft quokka pricing page", "owner": "Ana", "meeting_id": m.ID})
	ok[mcpserver.ActionOut](t, cs, "create_action", map[string]any{"action_text": "Book the offsite", "owner": "Bob"})

	var (
		wg   sync.WaitGroup
		sa   mcpserver.SearchActionsResult
		sd   mcpserver.SearchDecisionsResult
		gd   mcpserver.DecisionOut
		errs = make(chan string, 3)
	)
	for i, c := range []struct {
		tool string
		args map[string]any
		out  any
	}{
		{"search_actions", map[string]any{"query": "quokka pricing"}, &sa},
		{"search_decisions", map[string]any{"query": "quokka pricing", "limit": 500}, &sd},
		{"get_decision", map[string]any{"decision_id": d.ID}, &gd},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: c.tool, Arguments: c.args})
			if err != nil || res.IsError {
				errs <- fmt.Sprintf("call %d %s: %v %+v", i, c.tool, err, res)
				return
			}
			b, _ := json.Marshal(res.StructuredContent)
			if err := json.Unmarshal(b, c.out); err != nil {
				errs <- fmt.Sprintf("%s: %v", c.tool, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if len(sa.Actions) != 1 || sa.Actions[0].ID != a.ID || sa.Actions[0].MeetingTitle != "Pricing review" || !strings.Contains(sa.Actions[0].Snippet, "**") {
		t.Errorf("search_actions = %+v", sa)
	}
	if len(sd.Decisions) != 1 || sd.Decisions[0].ID != d.ID || sd.Decisions[0].MeetingTitle != "Pricing review" || !strings.Contains(sd.Note, "capped to 100") {
		t.Errorf("search_decisions = %+v", sd)
	}
	if gd.ID != d.ID || gd.Text != "Adopt quokka pricing tiers" {
		t.Errorf("get_decision = %+v", gd)
	}
	if r := ok[mcpserver.SearchActionsResult](t, cs, "search_actions", map[string]any{"query": "offsite"}); len(r.Actions) != 1 || r.Actions[0].MeetingTitle != "" {
		t.Errorf("an unlinked action: %+v", r)
	}
	if r := ok[mcpserver.SearchDecisionsResult](t, cs, "search_decisions", map[string]any{"query": "offsite"}); len(r.Decisions) != 0 || r.Note == "" {
		t.Errorf("an action is not a decision: %+v", r)
	}
	if msg := fails(t, cs, "search_actions", map[string]any{"query": " "}); !strings.Contains(msg, "query") {
		t.Errorf("an empty query: %q", msg)
	}

	sch := ok[mcpserver.SchemaResult](t, cs, "get_schema", nil)
	action, _ := json.Marshal(sch.Entities["action"])
	for _, want := range []string{"action_text", "meeting_title", "owner", "due_date"} {
		if !strings.Contains(string(action), want) {
			t.Errorf("get_schema's action lacks %s: %s", want, action)
		}
	}
	if !slices.Equal(sch.ActionStatuses, []string{"Open", "Complete", "Parked"}) || sch.MaxLimit != 100 || sch.Entities["meeting"] == nil || sch.Entities["decision"] == nil {
		t.Errorf("get_schema = %+v", sch)
	}
}
