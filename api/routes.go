package api

import (
	"net/http"

	"github.com/meetingintel/meetingintel"
)

// route is one entry of the API: how it is served and how it is documented
// in /api/openapi.json. Keeping both in one table keeps them in step.
type route struct {
	method, path string
	summary      string
	public       bool // no authentication (the OpenAPI document)
	h            handlerFunc
	query        []string // query parameters, names of queryParams
	body         string   // request schema; "" for none
	upload       bool     // also takes multipart/form-data
	status       int      // success status
	result       string   // response schema; "" for no content
	admin        bool     // about workspaces themselves: no ?workspace=
}

func (s *Server) routeTable() []route {
	return []route{
		{method: "GET", path: "/api/openapi.json", summary: "This OpenAPI document", public: true, h: s.openAPI, status: 200, result: "object"},
		{method: "GET", path: "/api/me", summary: "The authenticated user", h: s.me, status: 200, result: "Me"},

		{method: "GET", path: "/api/meetings", summary: "Meetings the caller may see, newest first (without summaries)", h: s.listMeetings,
			query: []string{"from", "to", "attendee", "tag", "limit", "cursor"}, status: 200, result: "MeetingPage"},
		{method: "POST", path: "/api/meetings", summary: "Create a meeting, optionally with its transcript (JSON text, or a multipart upload with a file part); a known source_meeting_id updates that meeting (200)",
			h: s.createMeeting, body: "MeetingInput", upload: true, status: 201, result: "MeetingDetail"},
		{method: "GET", path: "/api/meetings/{id}", summary: "One meeting with summary, talk time, actions and decisions", h: s.getMeeting, status: 200, result: "MeetingDetail"},
		{method: "PATCH", path: "/api/meetings/{id}", summary: "Change a meeting; absent fields stay, a transcript replaces the whole transcript", h: s.updateMeeting, body: "MeetingPatch", status: 200, result: "MeetingDetail"},
		{method: "DELETE", path: "/api/meetings/{id}", summary: "Delete a meeting with its transcript and decisions; its actions stay, unlinked", h: s.deleteMeeting, status: 204},
		{method: "GET", path: "/api/meetings/{id}/transcript", summary: "A page of a meeting's transcript, in order", h: s.getTranscript,
			query: []string{"start_ms", "end_ms", "speaker", "segment_limit", "cursor"}, status: 200, result: "SegmentPage"},
		{method: "GET", path: "/api/search", summary: "Full-text search over titles, summaries, transcripts, actions and decisions", h: s.search,
			query: []string{"q", "limit", "from", "to", "attendee", "tag"}, status: 200, result: "SearchPage"},

		{method: "GET", path: "/api/actions", summary: "Action items by due date; Open ones unless status says otherwise", h: s.listActions,
			query: []string{"status", "owner", "meeting_id", "due_before", "limit", "cursor"}, status: 200, result: "ActionPage"},
		{method: "POST", path: "/api/actions", summary: "Create an action item", h: s.createAction, body: "ActionInput", status: 201, result: "Action"},
		{method: "GET", path: "/api/actions/owners", summary: "The owners of the action items the caller may see, each once (any letter case), alphabetically", h: s.actionOwners, status: 200, result: "Owners"},
		{method: "GET", path: "/api/actions/{id}", summary: "One action item", h: s.getAction, status: 200, result: "Action"},
		{method: "PATCH", path: "/api/actions/{id}", summary: "Change an action item, its status included; absent fields stay", h: s.updateAction, body: "ActionPatch", status: 200, result: "Action"},
		{method: "DELETE", path: "/api/actions/{id}", summary: "Delete an action item", h: s.deleteAction, status: 204},
		{method: "PATCH", path: "/api/actions/{id}/status", summary: "Change an action item's status; notes, if given, are appended to its notes with the day, status and who (the replaced system's status change)", h: s.updateActionStatus, body: "ActionStatusPatch", status: 200, result: "Action"},
		{method: "POST", path: "/api/actions/{id}/complete", summary: "Mark an action item Complete", h: s.setStatus(meetingintel.StatusComplete), status: 200, result: "Action"},
		{method: "POST", path: "/api/actions/{id}/park", summary: "Park an action item", h: s.setStatus(meetingintel.StatusParked), status: 200, result: "Action"},
		{method: "POST", path: "/api/actions/{id}/reopen", summary: "Reopen an action item", h: s.setStatus(meetingintel.StatusOpen), status: 200, result: "Action"},

		{method: "GET", path: "/api/decisions", summary: "Decisions, newest meeting first", h: s.listDecisions,
			query: []string{"meeting_id", "limit", "cursor"}, status: 200, result: "DecisionPage"},
		{method: "POST", path: "/api/decisions", summary: "Record a decision of a meeting", h: s.createDecision, body: "DecisionInput", status: 201, result: "Decision"},
		{method: "GET", path: "/api/decisions/{id}", summary: "One decision", h: s.getDecision, status: 200, result: "Decision"},
		{method: "PATCH", path: "/api/decisions/{id}", summary: "Change a decision's text or context; absent fields stay", h: s.updateDecision, body: "DecisionPatch", status: 200, result: "Decision"},
		{method: "DELETE", path: "/api/decisions/{id}", summary: "Delete a decision", h: s.deleteDecision, status: 204},

		{method: "GET", path: "/api/audit", summary: "The audit trail, newest first (org admins; 403 for others)", h: s.listAudit,
			query: []string{"user", "client", "action", "since", "until", "audit_limit", "cursor"}, status: 200, result: "AuditPage"},

		{method: "GET", path: "/api/workspaces", summary: "The caller's workspaces, with the caller's role in each", h: s.listWorkspaces(true), status: 200, result: "WorkspaceList", admin: true},
		{method: "GET", path: "/api/admin/workspaces", summary: "Every workspace (org admins)", h: s.listWorkspaces(false), status: 200, result: "WorkspaceList", admin: true},
		{method: "POST", path: "/api/admin/workspaces", summary: "Create a workspace (org admins); the slug defaults to one made from the name", h: s.createWorkspace, body: "WorkspaceInput", status: 201, result: "Workspace", admin: true},
		{method: "PATCH", path: "/api/admin/workspaces/{id}", summary: "Archive (read-only) or restore a workspace (org admins)", h: s.patchWorkspace, body: "WorkspacePatch", status: 200, result: "Workspace", admin: true},
		{method: "GET", path: "/api/admin/workspaces/{id}/members", summary: "A workspace's members (its chairs, org admins)", h: s.listMembers, status: 200, result: "MemberList", admin: true},
		{method: "PUT", path: "/api/admin/workspaces/{id}/members", summary: "Add a user to a workspace or change their role (its chairs, org admins); the last chair keeps the chair", h: s.putMember, body: "MemberInput", status: 200, result: "Member", admin: true},
		{method: "DELETE", path: "/api/admin/workspaces/{id}/members/{user_id}", summary: "Remove a member (its chairs, org admins); the last chair stays", h: s.deleteMember, status: 204, admin: true},
	}
}

// withWorkspace adds the workspace query parameter to every data route:
// each takes ?workspace= (DESIGN §12).
func withWorkspace(rts []route) []route {
	for i := range rts {
		if !rts[i].public && !rts[i].admin && rts[i].path != "/api/me" {
			rts[i].query = append(rts[i].query, "workspace")
		}
	}
	return rts
}

// openAPI serves the document built from the route table.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*") // public and credential-free: let API explorers read it
	writeJSON(w, http.StatusOK, s.openAPIDoc())
	return nil
}
