package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
)

type obj = map[string]any

// queryParams documents every query parameter a route may name.
var queryParams = map[string]obj{
	"from":          {"name": "from", "description": "meetings from this time on (inclusive), 2026-03-31 or RFC 3339", "schema": obj{"type": "string"}},
	"to":            {"name": "to", "description": "meetings before this time; a bare day (2026-03-31) includes that day", "schema": obj{"type": "string"}},
	"attendee":      {"name": "attendee", "description": "only meetings with this attendee (email or name)", "schema": obj{"type": "string"}},
	"tag":           {"name": "tag", "description": "only meetings with this tag", "schema": obj{"type": "string"}},
	"limit":         {"name": "limit", "description": "items per page", "schema": obj{"type": "integer", "minimum": 1, "maximum": meetingintel.MaxLimit, "default": meetingintel.DefaultLimit}},
	"segment_limit": {"name": "limit", "description": "segments per page", "schema": obj{"type": "integer", "minimum": 1, "maximum": maxSegmentLimit, "default": 100}},
	"cursor":        {"name": "cursor", "description": "next_cursor of the previous page; send the same filters with it", "schema": obj{"type": "string"}},
	"start_ms":      {"name": "start_ms", "description": "only segments still running at or after this time (ms from the start)", "schema": obj{"type": "integer", "minimum": 0}},
	"end_ms":        {"name": "end_ms", "description": "only segments starting before this time (ms from the start)", "schema": obj{"type": "integer", "minimum": 0}},
	"speaker":       {"name": "speaker", "description": "only this speaker's segments (exact name, any letter case)", "schema": obj{"type": "string"}},
	"q":             {"name": "q", "required": true, "description": "words or a question", "schema": obj{"type": "string", "maxLength": 1000}},
	"status":        {"name": "status", "description": "Open (default), Complete, Parked or all", "schema": obj{"type": "string", "enum": []string{"Open", "Complete", "Parked", "all"}, "default": "Open"}},
	"owner":         {"name": "owner", "description": "only actions whose owner contains this (any letter case)", "schema": obj{"type": "string"}},
	"meeting_id":    {"name": "meeting_id", "description": "only items of this meeting", "schema": obj{"type": "integer", "minimum": 1}},
	"user":          {"name": "user", "description": "only rows of this user (email)", "schema": obj{"type": "string"}},
	"client":        {"name": "client", "description": "only rows of this client: an OAuth client id, pat:ID or session", "schema": obj{"type": "string"}},
	"action":        {"name": "action", "description": "only this action (meeting.create, mcp.tool, signin, ...) or family (meeting.)", "schema": obj{"type": "string"}},
	"since":         {"name": "since", "description": "rows from this time on: RFC 3339, a day, or an age such as 24h or 7d", "schema": obj{"type": "string"}},
	"until":         {"name": "until", "description": "rows before this time (same forms as since)", "schema": obj{"type": "string"}},
	"audit_limit":   {"name": "limit", "description": "rows per page", "schema": obj{"type": "integer", "minimum": 1, "maximum": meetingintel.MaxAuditLimit, "default": meetingintel.DefaultAuditLimit}},
	"due_before":    {"name": "due_before", "description": "only actions due before this day, YYYY-MM-DD", "schema": obj{"type": "string", "format": "date"}},
	"workspace":     {"name": "workspace", "description": "the workspace: id, slug or name (any case), or all (reads only); default: the caller's default workspace", "schema": obj{"type": "string"}},
}

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func str(desc string) obj   { return obj{"type": "string", "description": desc} }
func integer() obj          { return obj{"type": "integer"} }
func array(items obj) obj   { return obj{"type": "array", "items": items} }
func nullable(t string) obj { return obj{"type": []string{t, "null"}} }

func strict(required []string, props obj) obj {
	o := obj{"type": "object", "additionalProperties": false, "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func pageOf(item string) obj {
	return obj{"type": "object", "required": []string{"items"}, "properties": obj{
		"items":       array(ref(item)),
		"next_cursor": str("absent on the last page"),
	}}
}

// schemas are the document's components: the JSON the API reads and writes.
func schemas() obj {
	audit := func(props obj) obj {
		for k, v := range (obj{"created_by": str("email of the creator"), "updated_by": str("email of the last writer"),
			"created_at": obj{"type": "string", "format": "date-time"}, "updated_at": obj{"type": "string", "format": "date-time"}}) {
			props[k] = v
		}
		return obj{"type": "object", "properties": props}
	}
	meeting := obj{
		"id": integer(), "title": str(""), "date": obj{"type": "string", "format": "date-time"}, "duration_ms": integer(),
		"attendees": array(ref("Attendee")), "tags": array(obj{"type": "string"}), "source": str("Manual, Teams, Zoom, Fireflies, Otter, ..."),
		"source_meeting_id": str(""), "visibility": obj{"type": "string", "enum": []string{"team", "private"}}, "segment_count": integer(),
	}
	detail := obj{}
	for k, v := range meeting {
		detail[k] = v
	}
	detail["summary"] = str("markdown")
	detail["talk_time"] = array(ref("SpeakerTime"))
	detail["actions"] = array(ref("Action"))
	detail["decisions"] = array(ref("Decision"))
	detail["more_actions"] = obj{"type": "boolean", "description": "more than 100 actions: list them with /api/actions?meeting_id=&status=all"}
	detail["more_decisions"] = obj{"type": "boolean"}
	attendees := array(obj{"oneOf": []obj{ref("Attendee"), str("\"Name <email>\", an email or a name")}})
	return obj{
		"Problem": obj{"type": "object", "description": "RFC 9457 problem details", "properties": obj{
			"type": str(""), "title": str(""), "status": integer(), "detail": str("what went wrong, for people"),
			"errors": array(obj{"type": "object", "properties": obj{"field": str("body field, query parameter or form part"), "detail": str(""), "line": obj{"type": "integer", "description": "transcript line"}}}),
		}},
		"Me":            obj{"type": "object", "properties": obj{"id": integer(), "email": str(""), "name": str(""), "admin": obj{"type": "boolean"}, "auth_method": obj{"type": "string", "enum": []string{"pat", "session"}}}},
		"Attendee":      obj{"type": "object", "properties": obj{"name": str(""), "email": str("")}},
		"SpeakerTime":   obj{"type": "object", "properties": obj{"speaker": str(""), "ms": integer(), "share": obj{"type": "number"}, "segments": integer()}},
		"Segment":       obj{"type": "object", "properties": obj{"seq": integer(), "speaker": str(""), "start_ms": integer(), "end_ms": integer(), "text": str("")}},
		"Meeting":       audit(meeting),
		"MeetingDetail": audit(detail),
		"Action": audit(obj{"id": integer(), "meeting_id": integer(), "meeting_title": str("the linked meeting's title (read only)"), "text": str(""), "owner": str(""),
			"due_date": obj{"type": "string", "format": "date"}, "status": obj{"type": "string", "enum": []string{"Open", "Complete", "Parked"}}, "notes": str("")}),
		"Decision": audit(obj{"id": integer(), "meeting_id": integer(), "text": str(""), "context": str("")}),
		"SearchHit": obj{"type": "object", "properties": obj{"meeting_id": integer(), "title": str(""), "meeting_date": obj{"type": "string", "format": "date-time"},
			"kind": obj{"type": "string", "enum": []string{"title", "summary", "segment", "action", "decision"}}, "speaker": str(""), "start_ms": integer(),
			"seq": integer(), "action_id": integer(), "decision_id": integer(), "snippet": str("matched words as **word**"), "score": obj{"type": "number"},
			"context": obj{"type": "array", "description": "segment hits: up to 2 transcript lines before and after, in order, text cut to 300 characters",
				"items": obj{"type": "object", "properties": obj{"seq": integer(), "speaker": str(""), "start_ms": integer(), "text": str("")}}}}},
		"MeetingPage":  pageOf("Meeting"),
		"SegmentPage":  pageOf("Segment"),
		"SearchPage":   pageOf("SearchHit"),
		"ActionPage":   pageOf("Action"),
		"DecisionPage": pageOf("Decision"),
		"AuditEntry": obj{"type": "object", "properties": obj{"id": integer(), "at": obj{"type": "string", "format": "date-time"}, "user_id": integer(), "user": str(""),
			"via": obj{"type": "string", "enum": []string{"mcp", "sse", "stdio", "rest", "web", "oauth", "cli"}}, "client": str("OAuth client id, pat:ID, session or sso:PROVIDER"),
			"action": str(""), "tool": str("the MCP tool (mcp.tool rows)"), "workspace_id": integer(), "workspace": str(""), "target_type": str(""),
			"target_id": str("ids only, never text"), "outcome": str("ok, denied, or an error code")}},
		"AuditPage": pageOf("AuditEntry"),
		"MeetingInput": strict(nil, obj{
			"title": str("required unless the transcript names one"), "meeting_date": str("2026-03-31T14:00:00Z or 2026-03-31; required unless the transcript carries one"),
			"date": str("alias of meeting_date"), "duration_ms": integer(), "attendees": attendees, "tags": array(obj{"type": "string"}),
			"summary": str("markdown"), "source": str(""), "source_meeting_id": str("creating again with the same source and id updates that meeting"),
			"visibility": obj{"type": "string", "enum": []string{"team", "private"}, "default": "team"},
			"transcript": str("the transcript file's text"), "transcript_format": obj{"type": "string", "enum": []string{"auto", "vtt", "srt", "otter", "fireflies", "text"}, "default": "auto"},
		}),
		"MeetingUpload": obj{"type": "object", "description": "the fields of MeetingInput as form fields (attendees and tags comma-separated or repeated), the transcript as the file part, and csrf for a cookie session",
			"properties": obj{"file": obj{"type": "string", "contentMediaType": "application/octet-stream"}, "title": str(""), "meeting_date": str(""), "attendees": str(""), "tags": str(""),
				"summary": str(""), "source": str(""), "source_meeting_id": str(""), "visibility": str(""), "transcript_format": str(""), "duration_ms": str(""), "csrf": str("")}},
		"MeetingPatch": strict(nil, obj{
			"title": str(""), "meeting_date": str(""), "date": str("alias of meeting_date"), "duration_ms": integer(),
			"attendees": obj{"oneOf": []obj{attendees, {"type": "null"}}}, "tags": nullable("array"), "summary": nullable("string"),
			"source": nullable("string"), "source_meeting_id": nullable("string"), "visibility": obj{"type": "string", "enum": []string{"team", "private"}},
			"transcript": obj{"type": []string{"string", "null"}, "description": "replaces the whole transcript; null removes it"}, "transcript_format": str(""),
		}),
		"ActionInput": strict(nil, obj{"text": str("required (or action_text)"), "action_text": str("alias of text"), "owner": str(""),
			"due_date": obj{"type": "string", "format": "date"}, "meeting_id": integer(), "notes": str(""), "status": str("Open (default), Complete or Parked")}),
		"ActionPatch": strict(nil, obj{"text": str(""), "action_text": str("alias of text"), "owner": nullable("string"), "due_date": nullable("string"),
			"status": obj{"type": "string", "enum": []string{"Open", "Complete", "Parked"}}, "notes": nullable("string"), "meeting_id": obj{"type": []string{"integer", "null"}, "description": "null or 0 unlinks"}}),
		"ActionStatusPatch": strict([]string{"status"}, obj{"status": obj{"type": "string", "enum": []string{"Open", "Complete", "Parked"}},
			"notes": str("a note on the change, appended to the action's notes with the day, status and who")}),
		"Owners": obj{"type": "object", "properties": obj{"owners": array(obj{"type": "string"})}},
		"Workspace": obj{"type": "object", "properties": obj{"id": integer(), "slug": str(""), "name": str(""),
			"role":    obj{"type": "string", "enum": []string{"viewer", "member", "chair"}, "description": "the caller's role; absent where not a member"},
			"default": obj{"type": "boolean"}, "archived": obj{"type": "boolean", "description": "read-only"}}},
		"WorkspaceList":  obj{"type": "object", "properties": obj{"items": array(ref("Workspace"))}},
		"WorkspaceInput": strict([]string{"name"}, obj{"name": str(""), "slug": str("2 to 100 of a-z, 0-9 and inner hyphens; not a reserved word")}),
		"WorkspacePatch": strict([]string{"archived"}, obj{"archived": obj{"type": "boolean"}}),
		"Member": obj{"type": "object", "properties": obj{"workspace_id": integer(), "user_id": integer(), "email": str(""), "name": str(""),
			"role": obj{"type": "string", "enum": []string{"viewer", "member", "chair"}}, "created_at": obj{"type": "string", "format": "date-time"}}},
		"MemberList":    obj{"type": "object", "properties": obj{"items": array(ref("Member"))}},
		"MemberInput":   strict([]string{"email", "role"}, obj{"email": str(""), "role": obj{"type": "string", "enum": []string{"viewer", "member", "chair"}}}),
		"DecisionPatch": strict(nil, obj{"text": str(""), "decision_text": str("alias of text"), "context": nullable("string")}),
		"DecisionInput": strict([]string{"meeting_id"}, obj{"meeting_id": integer(), "text": str("required (or decision_text)"), "decision_text": str("alias of text"), "context": str("")}),
	}
}

// openAPIDoc builds the OpenAPI 3.1 document from the route table.
func (s *Server) openAPIDoc() obj {
	problem := func(desc string) obj {
		return obj{"description": desc, "content": obj{"application/problem+json": obj{"schema": ref("Problem")}}}
	}
	paths := obj{}
	for _, rt := range s.routes {
		op := obj{"summary": rt.summary, "operationId": operationID(rt)}
		var params []obj
		if strings.Contains(rt.path, "{id}") {
			params = append(params, obj{"name": "id", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 1}})
		}
		for _, q := range rt.query {
			p := obj{"in": "query"}
			for k, v := range queryParams[q] {
				p[k] = v
			}
			params = append(params, p)
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.body != "" {
			content := obj{"application/json": obj{"schema": ref(rt.body)}}
			if rt.upload {
				content["multipart/form-data"] = obj{"schema": ref("MeetingUpload")}
			}
			op["requestBody"] = obj{"required": true, "content": content}
		}
		ok := obj{"description": http.StatusText(rt.status)}
		if rt.result != "" {
			schema := obj{"type": "object"}
			if rt.result != "object" {
				schema = ref(rt.result)
			}
			ok["content"] = obj{"application/json": obj{"schema": schema}}
		}
		responses := obj{strconv.Itoa(rt.status): ok}
		if !rt.public {
			op["security"] = []obj{{"bearerAuth": []string{}}, {"session": []string{}}}
			responses["400"] = problem("invalid input; errors names the fields")
			responses["401"] = problem("no or bad credentials (PATs only)")
			if rt.method != http.MethodGet {
				responses["403"] = problem("a cookie-authenticated write without a valid CSRF token or from another site")
			}
			if strings.Contains(rt.path, "{id}") {
				responses["404"] = problem("no such item, or one the caller may not see")
			}
			if rt.body != "" {
				responses["413"] = problem("body too large")
				responses["415"] = problem("wrong Content-Type")
			}
		}
		op["responses"] = responses
		item, _ := paths[rt.path].(obj)
		if item == nil {
			item = obj{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = op
	}
	servers := []obj{{"url": "/"}}
	if s.origin != "" {
		servers = []obj{{"url": strings.TrimRight(s.cfg.PublicURL, "/")}}
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{"title": "Meeting Intelligence REST API", "version": "1",
			"description": "Meetings, transcripts, action items and decisions. Authenticate with a personal access token (Authorization: Bearer mi_pat_...). OAuth access tokens are for MCP only. Errors are RFC 9457 problem JSON."},
		"servers": servers,
		"paths":   paths,
		"components": obj{
			"schemas": schemas(),
			"securitySchemes": obj{
				"bearerAuth": obj{"type": "http", "scheme": "bearer", "description": "a personal access token, mi_pat_..."},
				"session": obj{"type": "apiKey", "in": "cookie", "name": "session",
					"description": "the web UI's session (its cookie name may differ); writes need X-CSRF-Token and a same-origin request"},
			},
		},
	}
}

// operationID names an operation from its method and path, e.g.
// patch_meetings_id or post_actions_id_complete.
func operationID(rt route) string {
	p := strings.TrimPrefix(rt.path, "/api/")
	p = strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_").Replace(p)
	return strings.ToLower(rt.method) + "_" + p
}
