package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel/api"
	"github.com/meetingintel/meetingintel/transcript"
)

const vtt = `WEBVTT

00:00:00.000 --> 00:00:05.000
<v Alice Ng>We agreed to ship the pricing page on Friday.</v>

00:00:05.000 --> 00:00:09.000
<v Bob Ray>I will write the launch email.</v>
`

// TestEveryRouteWorksForAMember walks every route's happy path, as a
// script with a PAT would.
func TestEveryRouteWorksForAMember(t *testing.T) {
	e := newEnv(t)
	me := e.must(200, req{Method: "GET", Path: "/api/me", Token: e.aliceTok})
	if me.JSON["email"] != "alice@example.com" || me.JSON["auth_method"] != "pat" {
		t.Fatalf("me: %s", me.Raw)
	}

	created := e.must(201, req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: map[string]any{
		"title": "Pricing review", "meeting_date": "2026-03-04T10:00:00Z", "attendees": []any{"Carol <carol@example.com>", map[string]string{"name": "Dan", "email": "dan@example.com"}},
		"tags": []string{"Pricing"}, "summary": "We talked **pricing**.", "transcript": vtt, "transcript_format": "vtt",
	}})
	mid := id(created.JSON, "id")
	if loc := created.Header.Get("Location"); loc != fmt.Sprintf("/api/meetings/%d", mid) {
		t.Fatalf("Location %q", loc)
	}
	if created.JSON["created_by"] != "alice@example.com" || created.JSON["updated_by"] != "alice@example.com" {
		t.Fatalf("audit fields not recorded: %s", created.Raw)
	}
	if id(created.JSON, "segment_count") != 2 || len(created.JSON["talk_time"].([]any)) != 2 {
		t.Fatalf("transcript not stored: %s", created.Raw)
	}
	if n := len(created.JSON["attendees"].([]any)); n != 4 {
		t.Fatalf("want the 2 attendees sent plus the 2 speakers, got %d: %s", n, created.Raw)
	}
	mpath := fmt.Sprintf("/api/meetings/%d", mid)

	got := e.must(200, req{Method: "GET", Path: mpath, Token: e.aliceTok})
	if got.JSON["summary"] != "We talked **pricing**." || got.JSON["tags"].([]any)[0] != "pricing" {
		t.Fatalf("get: %s", got.Raw)
	}
	list := e.must(200, req{Method: "GET", Path: "/api/meetings?tag=pricing&from=2026-03-01&to=2026-03-04", Token: e.aliceTok})
	if len(items(list)) != 1 || items(list)[0].(map[string]any)["summary"] != nil {
		t.Fatalf("list (with a bare to-day that includes the day, without summaries): %s", list.Raw)
	}
	tr := e.must(200, req{Method: "GET", Path: mpath + "/transcript?speaker=bob%20ray", Token: e.aliceTok})
	if len(items(tr)) != 1 || items(tr)[0].(map[string]any)["text"] != "I will write the launch email." {
		t.Fatalf("transcript: %s", tr.Raw)
	}
	hits := e.must(200, req{Method: "GET", Path: "/api/search?q=launch+email", Token: e.aliceTok})
	if len(items(hits)) == 0 || id(items(hits)[0].(map[string]any), "meeting_id") != mid {
		t.Fatalf("search: %s", hits.Raw)
	}
	// A segment hit carries the line before it: the transcript has two.
	if top := items(hits)[0].(map[string]any); top["kind"] == "segment" {
		if c, _ := top["context"].([]any); len(c) != 1 || id(c[0].(map[string]any), "seq") != 0 {
			t.Fatalf("search context: %s", hits.Raw)
		}
	} else {
		t.Fatalf("search: top hit is not the line: %s", hits.Raw)
	}

	// bob, a plain member of General as every new user, may not edit
	// alice's meeting; made its chair, he edits it: updated_by moves,
	// created_by stays.
	problemOK(t, e.do(req{Method: "PATCH", Path: mpath, Token: e.bobTok, Body: map[string]any{"title": "Pricing review (final)"}}), 403)
	e.chairGeneral(e.bob)
	patched := e.must(200, req{Method: "PATCH", Path: mpath, Token: e.bobTok, Body: map[string]any{"title": "Pricing review (final)", "summary": nil}})
	if patched.JSON["title"] != "Pricing review (final)" || patched.JSON["summary"] != "" ||
		patched.JSON["updated_by"] != "bob@example.com" || patched.JSON["created_by"] != "alice@example.com" {
		t.Fatalf("patch: %s", patched.Raw)
	}

	act := e.must(201, req{Method: "POST", Path: "/api/actions", Token: e.aliceTok, Body: map[string]any{
		"action_text": "Write the launch email", "owner": "Bob", "due_date": "2026-03-06", "meeting_id": mid}})
	aid := id(act.JSON, "id")
	apath := fmt.Sprintf("/api/actions/%d", aid)
	if act.JSON["status"] != "Open" || act.JSON["created_by"] != "alice@example.com" {
		t.Fatalf("create action: %s", act.Raw)
	}
	e.must(200, req{Method: "GET", Path: apath, Token: e.aliceTok})
	if r := e.must(200, req{Method: "PATCH", Path: apath, Token: e.bobTok, Body: map[string]any{"notes": "draft in docs", "status": "parked"}}); r.JSON["status"] != "Parked" || r.JSON["updated_by"] != "bob@example.com" {
		t.Fatalf("patch action: %s", r.Raw)
	}
	// In this order, so the action ends Open for the listing below.
	for _, step := range []struct{ op, want string }{{"complete", "Complete"}, {"park", "Parked"}, {"reopen", "Open"}} {
		if r := e.must(200, req{Method: "POST", Path: apath + "/" + step.op, Token: e.aliceTok}); r.JSON["status"] != step.want {
			t.Fatalf("%s: %s", step.op, r.Raw)
		}
	}
	if r := e.must(200, req{Method: "GET", Path: fmt.Sprintf("/api/actions?meeting_id=%d&owner=bo&due_before=2026-03-07", mid), Token: e.aliceTok}); len(items(r)) != 1 ||
		items(r)[0].(map[string]any)["meeting_title"] != "Pricing review (final)" {
		t.Fatalf("list actions (with the meeting's title): %s", r.Raw)
	}
	if r := e.must(200, req{Method: "GET", Path: "/api/actions/owners", Token: e.aliceTok}); fmt.Sprint(r.JSON["owners"]) != "[Bob]" {
		t.Fatalf("owners: %s", r.Raw)
	}
	// The replaced system's status change: notes are a note on the change,
	// appended (with the day, status and who), never replacing the notes.
	if r := e.must(200, req{Method: "PATCH", Path: apath + "/status", Token: e.bobTok, Body: map[string]any{"status": "complete", "notes": "sent on Tuesday"}}); r.JSON["status"] != "Complete" ||
		!strings.HasPrefix(r.JSON["notes"].(string), "draft in docs\n\n") || !strings.HasSuffix(r.JSON["notes"].(string), ", Complete (bob@example.com): sent on Tuesday") {
		t.Fatalf("status with a note: %s", r.Raw)
	}
	if r := e.must(200, req{Method: "PATCH", Path: apath + "/status", Token: e.aliceTok, Body: map[string]any{"status": "Open"}}); r.JSON["status"] != "Open" ||
		strings.Count(r.JSON["notes"].(string), "\n\n") != 1 {
		t.Fatalf("status without a note leaves the notes: %s", r.Raw)
	}
	for _, bad := range []string{`{}`, `{"status": "Done"}`, `{"notes": "x"}`, `{"status": "Open", "extra": 1}`} {
		problemOK(t, e.do(req{Method: "PATCH", Path: apath + "/status", Token: e.aliceTok, Body: bad}), 400)
	}
	e.must(200, req{Method: "POST", Path: apath + "/complete", Token: e.aliceTok})
	if r := e.must(200, req{Method: "GET", Path: "/api/actions", Token: e.aliceTok}); len(items(r)) != 0 {
		t.Fatalf("open actions by default, got %s", r.Raw)
	}
	if r := e.must(200, req{Method: "GET", Path: "/api/actions?status=all", Token: e.aliceTok}); len(items(r)) != 1 {
		t.Fatalf("status=all: %s", r.Raw)
	}

	dec := e.must(201, req{Method: "POST", Path: "/api/decisions", Token: e.aliceTok, Body: map[string]any{
		"meeting_id": mid, "decision_text": "Ship on Friday", "context": "sales asked"}})
	did := id(dec.JSON, "id")
	if dec.JSON["text"] != "Ship on Friday" || dec.JSON["created_by"] != "alice@example.com" {
		t.Fatalf("create decision: %s", dec.Raw)
	}
	e.must(200, req{Method: "GET", Path: fmt.Sprintf("/api/decisions/%d", did), Token: e.aliceTok})
	dpath := fmt.Sprintf("/api/decisions/%d", did)
	if r := e.must(200, req{Method: "PATCH", Path: dpath, Token: e.bobTok, Body: map[string]any{"decision_text": "Ship on Monday"}}); r.JSON["text"] != "Ship on Monday" ||
		r.JSON["context"] != "sales asked" || r.JSON["updated_by"] != "bob@example.com" || r.JSON["created_by"] != "alice@example.com" {
		t.Fatalf("patch decision: %s", r.Raw)
	}
	if r := e.must(200, req{Method: "PATCH", Path: dpath, Token: e.aliceTok, Body: `{"context": null}`}); r.JSON["text"] != "Ship on Monday" || r.JSON["context"] != nil {
		t.Fatalf("clearing a decision's context: %s", r.Raw)
	}
	for _, bad := range []struct{ body, field string }{
		{`{}`, ""}, {`{"text": " "}`, "text"}, {`{"text": null}`, "text"}, {`{"text": "a", "decision_text": "b"}`, "decision_text"},
		{`{"meeting_id": 5}`, "meeting_id"}, {`{"context": 5}`, "context"},
	} {
		r := e.do(req{Method: "PATCH", Path: dpath, Token: e.aliceTok, Body: bad.body})
		problemOK(t, r, 400)
		if fieldOf(r) != bad.field {
			t.Errorf("PATCH %s: field %q, want %q: %s", bad.body, fieldOf(r), bad.field, r.Raw)
		}
	}
	if r := e.must(200, req{Method: "GET", Path: dpath, Token: e.aliceTok}); r.JSON["text"] != "Ship on Monday" {
		t.Fatalf("refused patches changed the decision: %s", r.Raw)
	}
	if r := e.must(200, req{Method: "GET", Path: fmt.Sprintf("/api/decisions?meeting_id=%d", mid), Token: e.aliceTok}); len(items(r)) != 1 {
		t.Fatalf("list decisions: %s", r.Raw)
	}
	detail := e.must(200, req{Method: "GET", Path: mpath, Token: e.aliceTok})
	if len(detail.JSON["actions"].([]any)) != 1 || len(detail.JSON["decisions"].([]any)) != 1 {
		t.Fatalf("meeting lacks its action and decision: %s", detail.Raw)
	}

	e.must(204, req{Method: "DELETE", Path: fmt.Sprintf("/api/decisions/%d", did), Token: e.aliceTok})
	e.must(404, req{Method: "GET", Path: fmt.Sprintf("/api/decisions/%d", did), Token: e.aliceTok})
	e.must(204, req{Method: "DELETE", Path: apath, Token: e.aliceTok})
	e.must(404, req{Method: "GET", Path: apath, Token: e.aliceTok})
	e.must(204, req{Method: "DELETE", Path: mpath, Token: e.aliceTok})
	e.must(404, req{Method: "GET", Path: mpath, Token: e.aliceTok})
}

func TestPatchingATranscriptReplacesOrRemovesIt(t *testing.T) {
	e := newEnv(t)
	m := e.must(201, req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: map[string]any{"title": "T", "meeting_date": "2026-03-01", "transcript": vtt, "tags": []string{"a"}}})
	path := fmt.Sprintf("/api/meetings/%d", id(m.JSON, "id"))
	r := e.must(200, req{Method: "PATCH", Path: path, Token: e.aliceTok, Body: map[string]any{"transcript": "Carol: one\nDan: two\nCarol: three\n", "transcript_format": "text", "tags": nil}})
	if id(r.JSON, "segment_count") != 3 || len(r.JSON["tags"].([]any)) != 0 || r.JSON["title"] != "T" {
		t.Fatalf("replace transcript, clear tags, keep title: %s", r.Raw)
	}
	r = e.must(200, req{Method: "PATCH", Path: path, Token: e.aliceTok, Body: `{"transcript": null}`})
	if id(r.JSON, "segment_count") != 0 {
		t.Fatalf("null removes the transcript: %s", r.Raw)
	}
}

func TestListingsPageWithNextCursor(t *testing.T) {
	e := newEnv(t)
	for i := 1; i <= 3; i++ {
		e.must(201, req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: map[string]any{
			"title": fmt.Sprintf("Standup %d", i), "meeting_date": fmt.Sprintf("2026-03-0%dT09:00:00Z", i)}})
	}
	first := e.must(200, req{Method: "GET", Path: "/api/meetings?limit=2", Token: e.aliceTok})
	cur, _ := first.JSON["next_cursor"].(string)
	if len(items(first)) != 2 || cur == "" || items(first)[0].(map[string]any)["title"] != "Standup 3" {
		t.Fatalf("first page, newest first, with a cursor: %s", first.Raw)
	}
	second := e.must(200, req{Method: "GET", Path: "/api/meetings?limit=2&cursor=" + cur, Token: e.aliceTok})
	if len(items(second)) != 1 || second.JSON["next_cursor"] != nil || items(second)[0].(map[string]any)["title"] != "Standup 1" {
		t.Fatalf("last page has no next_cursor: %s", second.Raw)
	}
}

// TestBadInputIsAProblemWithTheRightStatus pins the status and the field
// named for each kind of bad input.
func TestBadInputIsAProblemWithTheRightStatus(t *testing.T) {
	e := newEnv(t)
	m := e.must(201, req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: map[string]any{"title": "T", "meeting_date": "2026-03-01"}})
	mpath := fmt.Sprintf("/api/meetings/%d", id(m.JSON, "id"))
	a := e.must(201, req{Method: "POST", Path: "/api/actions", Token: e.aliceTok, Body: map[string]any{"text": "x"}})
	apath := fmt.Sprintf("/api/actions/%d", id(a.JSON, "id"))
	tests := []struct {
		name      string
		q         req
		status    int
		field     string // "" when no field is named
		inDetail  string
		allowWant string
	}{
		{name: "malformed JSON is 400", q: req{Method: "POST", Path: "/api/actions", Body: `{"text": "x",`}, status: 400, inDetail: "JSON"},
		{name: "a JSON syntax error is 400", q: req{Method: "POST", Path: "/api/actions", Body: `{"text": x}`}, status: 400, inDetail: "not valid JSON"},
		{name: "trailing data is 400", q: req{Method: "POST", Path: "/api/actions", Body: `{"text": "x"} {"text": "y"}`}, status: 400, inDetail: "after its JSON"},
		{name: "an unknown field is 400 naming it", q: req{Method: "POST", Path: "/api/actions", Body: `{"text": "x", "colour": "red"}`}, status: 400, field: "colour"},
		{name: "a wrong type is 400 naming the field", q: req{Method: "POST", Path: "/api/actions", Body: `{"text": "x", "meeting_id": "seven"}`}, status: 400, field: "meeting_id"},
		{name: "an array body is 400", q: req{Method: "POST", Path: "/api/actions", Body: `[1]`}, status: 400},
		{name: "an empty body is 400", q: req{Method: "POST", Path: "/api/actions", Body: ``, Type: "application/json"}, status: 400, inDetail: "empty"},
		{name: "a missing action text is 400", q: req{Method: "POST", Path: "/api/actions", Body: `{"owner": "Bob"}`}, status: 400, field: "text"},
		{name: "a bad due date is 400", q: req{Method: "POST", Path: "/api/actions", Body: `{"text": "x", "due_date": "Friday"}`}, status: 400, field: "due_date"},
		{name: "an unknown meeting_id on an action is 400", q: req{Method: "POST", Path: "/api/actions", Body: `{"text": "x", "meeting_id": 999}`}, status: 400, field: "meeting_id"},
		{name: "a form where JSON is expected is 415", q: req{Method: "POST", Path: "/api/actions", Body: "text=x", Type: "application/x-www-form-urlencoded"}, status: 415},
		{name: "text/plain to meetings is 415", q: req{Method: "POST", Path: "/api/meetings", Body: "hello", Type: "text/plain"}, status: 415},
		{name: "a meeting without a title is 400", q: req{Method: "POST", Path: "/api/meetings", Body: `{"meeting_date": "2026-03-01"}`}, status: 400, field: "title"},
		{name: "a meeting without a date is 400", q: req{Method: "POST", Path: "/api/meetings", Body: `{"title": "x"}`}, status: 400, field: "meeting_date"},
		{name: "a bad meeting date is 400", q: req{Method: "POST", Path: "/api/meetings", Body: `{"title": "x", "meeting_date": "yesterday"}`}, status: 400, field: "meeting_date"},
		{name: "a bad visibility is 400", q: req{Method: "POST", Path: "/api/meetings", Body: `{"title": "x", "meeting_date": "2026-03-01", "visibility": "secret"}`}, status: 400, inDetail: "Visibility"},
		{name: "an unknown transcript format is 400", q: req{Method: "POST", Path: "/api/meetings", Body: `{"title": "x", "meeting_date": "2026-03-01", "transcript": "A: hi", "transcript_format": "docx"}`}, status: 400, field: "transcript_format"},
		{name: "a bad transcript is 400 naming the line", q: req{Method: "POST", Path: "/api/meetings", Body: map[string]any{"title": "x", "meeting_date": "2026-03-01", "transcript": "WEBVTT\n\n00:0x:01.000 --> 00:00:02.000\nhi\n", "transcript_format": "vtt"}}, status: 400, field: "transcript", inDetail: "line 3"},
		{name: "an attendee with an unknown key is 400", q: req{Method: "POST", Path: "/api/meetings", Body: `{"title": "x", "meeting_date": "2026-03-01", "attendees": [{"mail": "a@b.c"}]}`}, status: 400, field: "attendees"},
		{name: "a null title in a patch is 400", q: req{Method: "PATCH", Path: mpath, Body: `{"title": null}`}, status: 400, field: "title"},
		{name: "a number as a title in a patch is 400 naming it", q: req{Method: "PATCH", Path: mpath, Body: `{"title": 5}`}, status: 400, field: "title"},
		{name: "a string as tags in a patch is 400 naming it", q: req{Method: "PATCH", Path: mpath, Body: `{"tags": "a,b"}`}, status: 400, field: "tags"},
		{name: "an empty transcript in a patch is 400", q: req{Method: "PATCH", Path: mpath, Body: `{"transcript": " "}`}, status: 400, field: "transcript"},
		{name: "both text and action_text is 400", q: req{Method: "POST", Path: "/api/actions", Body: `{"text": "a", "action_text": "b"}`}, status: 400, field: "action_text"},
		{name: "an empty patch is 400", q: req{Method: "PATCH", Path: mpath, Body: `{}`}, status: 400, inDetail: "Nothing to change"},
		{name: "a negative duration is 400", q: req{Method: "PATCH", Path: mpath, Body: `{"duration_ms": -5}`}, status: 400, inDetail: "negative"},
		{name: "a bad status in an action patch is 400", q: req{Method: "PATCH", Path: apath, Body: `{"status": "Done"}`}, status: 400, field: "status"},
		{name: "a decision without a meeting is 400", q: req{Method: "POST", Path: "/api/decisions", Body: `{"text": "x"}`}, status: 400, field: "meeting_id"},
		{name: "a limit over 100 is 400", q: req{Method: "GET", Path: "/api/meetings?limit=500"}, status: 400, field: "limit"},
		{name: "a limit that is not a number is 400", q: req{Method: "GET", Path: "/api/actions?limit=ten"}, status: 400, field: "limit"},
		{name: "a forged cursor is 400", q: req{Method: "GET", Path: "/api/meetings?cursor=bm9wZQ"}, status: 400, field: "cursor"},
		{name: "a bad from date is 400", q: req{Method: "GET", Path: "/api/meetings?from=soon"}, status: 400, field: "from"},
		{name: "to before from is 400", q: req{Method: "GET", Path: "/api/search?q=x&from=2026-03-05&to=2026-03-01"}, status: 400, field: "to"},
		{name: "a search without q is 400", q: req{Method: "GET", Path: "/api/search"}, status: 400, field: "q"},
		{name: "an unknown status filter is 400", q: req{Method: "GET", Path: "/api/actions?status=done"}, status: 400, field: "status"},
		{name: "a bad meeting_id filter is 400", q: req{Method: "GET", Path: "/api/decisions?meeting_id=-1"}, status: 400, field: "meeting_id"},
		{name: "a negative start_ms is 400", q: req{Method: "GET", Path: mpath + "/transcript?start_ms=-1"}, status: 400, field: "start_ms"},
		{name: "a non-numeric id is 404", q: req{Method: "GET", Path: "/api/meetings/abc"}, status: 404},
		{name: "a missing meeting is 404", q: req{Method: "GET", Path: "/api/meetings/999999"}, status: 404},
		{name: "a missing action is 404", q: req{Method: "POST", Path: "/api/actions/999999/complete"}, status: 404},
		{name: "an unknown route is 404 JSON", q: req{Method: "GET", Path: "/api/nothing/here"}, status: 404, inDetail: "openapi.json"},
		{name: "a wrong method is 405 with Allow", q: req{Method: "PUT", Path: mpath, Body: `{}`}, status: 405, allowWant: "GET, HEAD, PATCH, DELETE"},
		{name: "POST on a decision is 405", q: req{Method: "POST", Path: "/api/decisions/1"}, status: 405, allowWant: "GET, HEAD, PATCH, DELETE"},
		{name: "DELETE on /api/me is 405", q: req{Method: "DELETE", Path: "/api/me"}, status: 405, allowWant: "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Token = e.aliceTok
			r := e.do(tt.q)
			problemOK(t, r, tt.status)
			if tt.field != "" && fieldOf(r) != tt.field {
				t.Errorf("errors name %q, want %q: %s", fieldOf(r), tt.field, r.Raw)
			}
			if tt.inDetail != "" && !strings.Contains(r.JSON["detail"].(string), tt.inDetail) {
				t.Errorf("detail %q lacks %q", r.JSON["detail"], tt.inDetail)
			}
			if tt.allowWant != "" && r.Header.Get("Allow") != tt.allowWant {
				t.Errorf("Allow %q, want %q", r.Header.Get("Allow"), tt.allowWant)
			}
		})
	}
}

func TestBadTranscriptLeavesNothingBehind(t *testing.T) {
	e := newEnv(t)
	r := e.do(req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: map[string]any{"title": "x", "meeting_date": "2026-03-01", "transcript": "WEBVTT\n\n00:0x:01.000 --> 00:00:02.000\nhi\n"}})
	problemOK(t, r, 400)
	errs := r.JSON["errors"].([]any)
	if line := id(errs[0].(map[string]any), "line"); line != 3 {
		t.Fatalf("errors[0].line = %d, want 3: %s", line, r.Raw)
	}
	if l := e.must(200, req{Method: "GET", Path: "/api/meetings", Token: e.aliceTok}); len(items(l)) != 0 {
		t.Fatalf("a refused meeting was stored: %s", l.Raw)
	}
}

// TestPrivateMeetingsAreInvisibleToOthers: for bob, alice's private meeting
// and everything attached to it do not exist.
func TestPrivateMeetingsAreInvisibleToOthers(t *testing.T) {
	e := newEnv(t)
	m := e.must(201, req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: map[string]any{
		"title": "Salary review", "meeting_date": "2026-03-01", "visibility": "private", "summary": "confidential zebra budget"}})
	mid := id(m.JSON, "id")
	a := e.must(201, req{Method: "POST", Path: "/api/actions", Token: e.aliceTok, Body: map[string]any{"text": "zebra follow-up", "meeting_id": mid}})
	d := e.must(201, req{Method: "POST", Path: "/api/decisions", Token: e.aliceTok, Body: map[string]any{"text": "zebra raise", "meeting_id": mid}})
	aid, did := id(a.JSON, "id"), id(d.JSON, "id")
	e.must(201, req{Method: "POST", Path: "/api/actions", Token: e.aliceTok, Body: map[string]any{"text": "zebra payroll", "owner": "Zorro Payroll", "meeting_id": mid}})
	if r := e.must(200, req{Method: "GET", Path: "/api/actions/owners", Token: e.bobTok}); strings.Contains(string(r.Raw), "Zorro") {
		t.Errorf("bob's owner list shows a private meeting's owner: %s", r.Raw)
	}
	if r := e.must(200, req{Method: "GET", Path: "/api/actions/owners", Token: e.aliceTok}); !strings.Contains(string(r.Raw), "Zorro") {
		t.Errorf("alice's owner list lacks her private meeting's owner: %s", r.Raw)
	}

	for _, q := range []req{
		{Method: "GET", Path: fmt.Sprintf("/api/meetings/%d", mid)},
		{Method: "GET", Path: fmt.Sprintf("/api/meetings/%d/transcript", mid)},
		{Method: "PATCH", Path: fmt.Sprintf("/api/meetings/%d", mid), Body: `{"title": "mine now"}`},
		{Method: "DELETE", Path: fmt.Sprintf("/api/meetings/%d", mid)},
		{Method: "GET", Path: fmt.Sprintf("/api/actions/%d", aid)},
		{Method: "PATCH", Path: fmt.Sprintf("/api/actions/%d", aid), Body: `{"notes": "x"}`},
		{Method: "POST", Path: fmt.Sprintf("/api/actions/%d/complete", aid)},
		{Method: "DELETE", Path: fmt.Sprintf("/api/actions/%d", aid)},
		{Method: "GET", Path: fmt.Sprintf("/api/decisions/%d", did)},
		{Method: "PATCH", Path: fmt.Sprintf("/api/decisions/%d", did), Body: `{"text": "mine now"}`},
		{Method: "DELETE", Path: fmt.Sprintf("/api/decisions/%d", did)},
	} {
		q.Token = e.bobTok
		r := e.do(q)
		problemOK(t, r, 404)
	}
	for _, q := range []req{
		{Method: "POST", Path: "/api/decisions", Body: map[string]any{"text": "x", "meeting_id": mid}},
		{Method: "POST", Path: "/api/actions", Body: map[string]any{"text": "x", "meeting_id": mid}},
	} {
		q.Token = e.bobTok
		r := e.do(q)
		problemOK(t, r, 400)
		if fieldOf(r) != "meeting_id" || !strings.Contains(r.JSON["detail"].(string), "not found") {
			t.Fatalf("linking to an invisible meeting should read as not found: %s", r.Raw)
		}
	}
	for _, path := range []string{fmt.Sprintf("/api/actions?meeting_id=%d", mid), fmt.Sprintf("/api/decisions?meeting_id=%d", mid)} {
		r := e.do(req{Method: "GET", Path: path, Token: e.bobTok})
		problemOK(t, r, 400)
		if fieldOf(r) != "meeting_id" {
			t.Errorf("%s: filtering by an invisible meeting should name meeting_id: %s", path, r.Raw)
		}
	}
	for _, path := range []string{"/api/meetings", "/api/search?q=zebra", "/api/actions?status=all", "/api/decisions"} {
		if r := e.must(200, req{Method: "GET", Path: path, Token: e.bobTok}); len(items(r)) != 0 {
			t.Errorf("%s shows bob alice's private data: %s", path, r.Raw)
		}
	}
	// The private meeting is still whole for alice.
	if r := e.must(200, req{Method: "GET", Path: "/api/search?q=zebra", Token: e.aliceTok}); len(items(r)) == 0 {
		t.Fatalf("alice finds her own private meeting: %s", r.Raw)
	}
}

func TestCredentials(t *testing.T) {
	e := newEnv(t)
	revoked, tok, err := e.db.CreateToken(e.ctx, e.bob.ID, "old")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.RevokeToken(e.ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		header   map[string]string
		inDetail string
	}{
		{name: "no credential is 401", inDetail: "Authentication required"},
		{name: "an unknown PAT is 401", header: map[string]string{"Authorization": "Bearer mi_pat_nope"}, inDetail: "invalid"},
		{name: "a revoked PAT is 401", header: map[string]string{"Authorization": "Bearer " + revoked}, inDetail: "invalid"},
		{name: "an OAuth-shaped token is refused as PATs only", header: map[string]string{"Authorization": "Bearer aaa.bbb.ccc"}, inDetail: "personal access tokens"},
		{name: "a valid OAuth access token is refused as PATs only", header: map[string]string{"Authorization": "Bearer " + oauthToken}, inDetail: "personal access tokens"},
		{name: "Basic auth is 401", header: map[string]string{"Authorization": "Basic YTpi"}, inDetail: "invalid"},
		{name: "a PAT in X-API-Key is not accepted", header: map[string]string{"X-API-Key": e.aliceTok}, inDetail: "Authentication required"},
		{name: "a bad Bearer is not rescued by a good session cookie", header: map[string]string{"Authorization": "Bearer mi_pat_nope", "Cookie": "sid=alice"}, inDetail: "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(req{Method: "GET", Path: "/api/me", Header: tt.header})
			problemOK(t, r, 401)
			if got := r.Header.Get("WWW-Authenticate"); got != "Bearer" {
				t.Errorf("WWW-Authenticate %q, want plain Bearer", got)
			}
			if !strings.Contains(r.JSON["detail"].(string), tt.inDetail) {
				t.Errorf("detail %q lacks %q", r.JSON["detail"], tt.inDetail)
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", r.Header.Get("Cache-Control"))
			}
		})
	}
	t.Run("an authenticated answer is not stored by caches", func(t *testing.T) {
		r := e.must(200, req{Method: "GET", Path: "/api/meetings", Token: e.aliceTok})
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("Cache-Control %q", r.Header.Get("Cache-Control"))
		}
	})
	t.Run("a deactivated user's PAT stops working", func(t *testing.T) {
		if err := e.db.SetUserActive(e.ctx, e.bob.ID, false); err != nil {
			t.Fatal(err)
		}
		problemOK(t, e.do(req{Method: "GET", Path: "/api/me", Token: e.bobTok}), 401)
	})
}

// TestCookieSessionWrites: reads need only the cookie; writes need the
// CSRF token and a same-origin request; PAT calls need neither.
func TestCookieSessionWrites(t *testing.T) {
	e := newEnv(t)
	cookie := map[string]string{"Cookie": "sid=alice"}
	with := func(extra map[string]string) map[string]string {
		h := map[string]string{"Cookie": "sid=alice"}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	if r := e.must(200, req{Method: "GET", Path: "/api/me", Header: cookie}); r.JSON["auth_method"] != "session" {
		t.Fatalf("me by session: %s", r.Raw)
	}
	problemOK(t, e.do(req{Method: "GET", Path: "/api/me", Header: map[string]string{"Cookie": "sid=mallory"}}), 401)

	body := map[string]any{"text": "Call the client"}
	tests := []struct {
		name   string
		header map[string]string
		status int
	}{
		{name: "a write with token and Origin succeeds", header: with(map[string]string{"X-CSRF-Token": aliceCSRF, "Origin": publicURL}), status: 201},
		{name: "a write with token and Sec-Fetch-Site same-origin succeeds", header: with(map[string]string{"X-CSRF-Token": aliceCSRF, "Sec-Fetch-Site": "same-origin"}), status: 201},
		{name: "a write without a CSRF token is 403", header: with(map[string]string{"Origin": publicURL}), status: 403},
		{name: "a write with a wrong CSRF token is 403", header: with(map[string]string{"X-CSRF-Token": "guess", "Origin": publicURL}), status: 403},
		{name: "a cross-site Origin is 403 even with the token", header: with(map[string]string{"X-CSRF-Token": aliceCSRF, "Origin": "https://evil.example"}), status: 403},
		{name: "a same-site but other-origin request is 403", header: with(map[string]string{"X-CSRF-Token": aliceCSRF, "Sec-Fetch-Site": "same-site"}), status: 403},
		{name: "a cross-site fetch is 403", header: with(map[string]string{"X-CSRF-Token": aliceCSRF, "Sec-Fetch-Site": "cross-site"}), status: 403},
		{name: "a write that says nothing of its origin is 403", header: with(map[string]string{"X-CSRF-Token": aliceCSRF}), status: 403},
		{name: "a PAT write needs neither token nor origin", header: map[string]string{"Authorization": "Bearer " + e.aliceTok, "Origin": "https://evil.example"}, status: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(req{Method: "POST", Path: "/api/actions", Body: body, Header: tt.header})
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Raw)
			}
			if tt.status == 403 {
				problemOK(t, r, 403)
			}
			if tt.status == 201 && r.JSON["created_by"] != "alice@example.com" {
				t.Fatalf("created_by: %s", r.Raw)
			}
		})
	}
	t.Run("status changes and deletes need the token too", func(t *testing.T) {
		a := e.must(201, req{Method: "POST", Path: "/api/actions", Token: e.aliceTok, Body: body})
		path := fmt.Sprintf("/api/actions/%d", id(a.JSON, "id"))
		problemOK(t, e.do(req{Method: "POST", Path: path + "/complete", Header: with(map[string]string{"Origin": publicURL})}), 403)
		problemOK(t, e.do(req{Method: "DELETE", Path: path, Header: with(map[string]string{"Origin": publicURL})}), 403)
		e.must(200, req{Method: "POST", Path: path + "/complete", Header: with(map[string]string{"Origin": publicURL, "X-CSRF-Token": aliceCSRF})})
		e.must(204, req{Method: "DELETE", Path: path, Header: with(map[string]string{"Origin": publicURL, "X-CSRF-Token": aliceCSRF})})
	})
	t.Run("an upload may carry the token as the csrf form field", func(t *testing.T) {
		fields := map[string]string{"title": "Upload", "meeting_date": "2026-03-01", "csrf": aliceCSRF}
		b, ct := multipartBody(t, fields, "a.vtt", []byte(vtt))
		e.must(201, req{Method: "POST", Path: "/api/meetings", Body: b, Type: ct, Header: with(map[string]string{"Origin": publicURL})})
		fields["csrf"] = "guess"
		b, ct = multipartBody(t, fields, "a.vtt", []byte(vtt))
		problemOK(t, e.do(req{Method: "POST", Path: "/api/meetings", Body: b, Type: ct, Header: with(map[string]string{"Origin": publicURL})}), 403)
		delete(fields, "csrf")
		b, ct = multipartBody(t, fields, "a.vtt", []byte(vtt))
		problemOK(t, e.do(req{Method: "POST", Path: "/api/meetings", Body: b, Type: ct, Header: with(map[string]string{"Origin": publicURL})}), 403)
		if l := e.must(200, req{Method: "GET", Path: "/api/meetings", Header: cookie}); len(items(l)) != 1 {
			t.Fatalf("refused uploads were stored: %s", l.Raw)
		}
	})
}

func TestUploadingATranscriptFile(t *testing.T) {
	e := newEnv(t)
	file, err := os.ReadFile("../transcript/testdata/teams_voice.vtt")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a real Teams VTT becomes a meeting titled after the file", func(t *testing.T) {
		b, ct := multipartBody(t, map[string]string{"meeting_date": "2026-03-04T10:00:00Z", "attendees": "Carol <carol@example.com>, dan@example.com", "tags": "pricing,launch", "visibility": "private"}, "2026-03-04 pricing_review.vtt", file)
		r := e.must(201, req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: b, Type: ct})
		if r.JSON["title"] != "2026-03-04 pricing review" || id(r.JSON, "segment_count") == 0 || r.JSON["visibility"] != "private" ||
			len(r.JSON["tags"].([]any)) != 2 || r.JSON["created_by"] != "alice@example.com" {
			t.Fatalf("upload: %s", r.Raw)
		}
		tr := e.must(200, req{Method: "GET", Path: fmt.Sprintf("/api/meetings/%d/transcript?limit=1", id(r.JSON, "id")), Token: e.aliceTok})
		if len(items(tr)) != 1 || items(tr)[0].(map[string]any)["speaker"] != "Priya Natarajan" || tr.JSON["next_cursor"] == nil {
			t.Fatalf("transcript page: %s", tr.Raw)
		}
	})
	t.Run("uploading the same file again updates its meeting", func(t *testing.T) {
		again := append(append([]byte{}, file...), "\nNOTE uploaded twice\n"...) // content no other subtest uploads
		first, ct := multipartBody(t, map[string]string{"meeting_date": "2026-03-05T10:00:00Z", "title": "Again"}, "again.vtt", again)
		r1 := e.must(201, req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: first, Type: ct})
		second, ct := multipartBody(t, map[string]string{"meeting_date": "2026-03-05T10:00:00Z", "title": "Again, renamed"}, "again.vtt", again)
		r2 := e.must(200, req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: second, Type: ct})
		if id(r1.JSON, "id") != id(r2.JSON, "id") || r2.JSON["title"] != "Again, renamed" {
			t.Fatalf("re-upload made %s after %s", r2.Raw, r1.Raw)
		}
	})
	t.Run("a bad file is 400 naming the line", func(t *testing.T) {
		bad, err := os.ReadFile("../transcript/testdata/bad_timestamp.vtt")
		if err != nil {
			t.Fatal(err)
		}
		b, ct := multipartBody(t, map[string]string{"title": "Bad", "meeting_date": "2026-03-04"}, "bad.vtt", bad)
		r := e.do(req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: b, Type: ct})
		problemOK(t, r, 400)
		if fieldOf(r) != "file" || !strings.Contains(r.JSON["detail"].(string), "line 12") {
			t.Fatalf("want the file's line 12 named: %s", r.Raw)
		}
	})
	t.Run("an unknown form field is 400 naming it", func(t *testing.T) {
		b, ct := multipartBody(t, map[string]string{"title": "x", "meeting_date": "2026-03-04", "colour": "red"}, "a.vtt", file)
		r := e.do(req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: b, Type: ct})
		problemOK(t, r, 400)
		if fieldOf(r) != "colour" {
			t.Fatalf("field %q: %s", fieldOf(r), r.Raw)
		}
	})
	t.Run("a file over the transcript limit is 413", func(t *testing.T) {
		big := []byte("WEBVTT\n\n" + strings.Repeat("x", transcript.MaxSize))
		b, ct := multipartBody(t, map[string]string{"title": "x", "meeting_date": "2026-03-04"}, "big.vtt", big)
		problemOK(t, e.do(req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: b, Type: ct}), 413)
	})
	t.Run("a body over the upload limit is 413", func(t *testing.T) {
		b, ct := multipartBody(t, map[string]string{"title": "x", "summary": strings.Repeat("y", api.MaxUploadBytes)}, "", nil)
		problemOK(t, e.do(req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: b, Type: ct}), 413)
	})
}

func TestOversizedJSONIs413(t *testing.T) {
	e := newEnv(t)
	big := `{"text": "` + strings.Repeat("a", api.MaxJSONBytes) + `"}`
	problemOK(t, e.do(req{Method: "POST", Path: "/api/actions", Token: e.aliceTok, Body: big}), 413)
	// Chunked, so no Content-Length gives the size away up front.
	r, err := http.NewRequestWithContext(e.ctx, "POST", e.url+"/api/decisions", struct{ *strings.Reader }{strings.NewReader(big)})
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+e.aliceTok)
	res, err := e.client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 413 {
		t.Fatalf("chunked oversized body: status %d, want 413", res.StatusCode)
	}
	// A meeting may carry a whole transcript as JSON text: 2 MiB is fine.
	long := strings.Repeat("Alice: we went through the numbers again today.\n", 2<<20/50)
	e.must(201, req{Method: "POST", Path: "/api/meetings", Token: e.aliceTok, Body: map[string]any{"title": "Long", "meeting_date": "2026-03-01", "transcript": long, "transcript_format": "text"}})
}

// routes is the API surface the brief promises; the test checks it against
// both the server and the OpenAPI document.
var routes = []struct{ method, path string }{
	{"GET", "/api/openapi.json"}, {"GET", "/api/me"},
	{"GET", "/api/meetings"}, {"POST", "/api/meetings"}, {"GET", "/api/meetings/{id}"}, {"PATCH", "/api/meetings/{id}"},
	{"DELETE", "/api/meetings/{id}"}, {"GET", "/api/meetings/{id}/transcript"}, {"GET", "/api/search"},
	{"GET", "/api/actions"}, {"POST", "/api/actions"}, {"GET", "/api/actions/owners"}, {"GET", "/api/actions/{id}"}, {"PATCH", "/api/actions/{id}"},
	{"DELETE", "/api/actions/{id}"}, {"POST", "/api/actions/{id}/complete"}, {"POST", "/api/actions/{id}/park"}, {"POST", "/api/actions/{id}/reopen"},
	{"PATCH", "/api/actions/{id}/status"},
	{"GET", "/api/decisions"}, {"POST", "/api/decisions"}, {"GET", "/api/decisions/{id}"}, {"PATCH", "/api/decisions/{id}"}, {"DELETE", "/api/decisions/{id}"},
	{"GET", "/api/workspaces"}, {"GET", "/api/admin/workspaces"}, {"POST", "/api/admin/workspaces"}, {"PATCH", "/api/admin/workspaces/{id}"},
	{"GET", "/api/admin/workspaces/{id}/members"}, {"PUT", "/api/admin/workspaces/{id}/members"}, {"DELETE", "/api/admin/workspaces/{id}/members/{user_id}"},
	{"GET", "/api/audit"},
}

func TestOpenAPIDocumentListsEveryRoute(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, req{Method: "GET", Path: "/api/openapi.json"}) // public: no credential
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.Raw, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	documented := 0
	for _, ops := range doc.Paths {
		documented += len(ops)
	}
	if documented != len(routes) {
		t.Errorf("the document has %d operations, the API %d", documented, len(routes))
	}
	for _, rt := range routes {
		op := doc.Paths[rt.path][strings.ToLower(rt.method)]
		if op == nil {
			t.Errorf("%s %s is not documented", rt.method, rt.path)
			continue
		}
		if op["responses"] == nil || op["summary"] == "" {
			t.Errorf("%s %s lacks a summary or responses", rt.method, rt.path)
		}
		// Served: an unauthenticated call reaches the route (401 or 200),
		// not the 404 or 405 of an unknown one.
		got := e.do(req{Method: rt.method, Path: strings.ReplaceAll(rt.path, "{id}", "1"), Body: "{}"})
		if got.Status == 404 || got.Status == 405 {
			t.Errorf("%s %s is documented but not served (%d)", rt.method, rt.path, got.Status)
		}
	}
	var raw map[string]any
	json.Unmarshal(r.Raw, &raw)
	schemas := raw["components"].(map[string]any)["schemas"].(map[string]any)
	for _, ref := range refs(raw) {
		if _, ok := schemas[strings.TrimPrefix(ref, "#/components/schemas/")]; !ok {
			t.Errorf("dangling $ref %s", ref)
		}
	}
}

// refs collects every $ref in a decoded JSON document.
func refs(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if s, ok := c.(string); ok && k == "$ref" {
				out = append(out, s)
			}
			out = append(out, refs(c)...)
		}
	case []any:
		for _, c := range x {
			out = append(out, refs(c)...)
		}
	}
	return out
}

// TestRegisterLivesBesideAWebUI: the API registers only method patterns
// under /api/, so a web UI's catch-all routes on the same mux do not make
// ServeMux panic with a conflict, and /api/ paths still reach the API.
func TestRegisterLivesBesideAWebUI(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	api.New(api.Config{}).Register(mux)
	for _, path := range []string{"/api/meetings", "/api/unknown"} {
		r, _ := http.NewRequest("GET", path, nil)
		if _, pattern := mux.Handler(r); !strings.HasPrefix(pattern, "GET /api/") {
			t.Errorf("%s is routed to %q, not the API", path, pattern)
		}
	}
}
