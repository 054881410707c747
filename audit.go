package meetingintel

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Audit actions: what an audit row records. They are stable strings (the
// web page, GET /api/audit and `meetingintel audit` filter on them).
const (
	AuditMeetingCreate    = "meeting.create"
	AuditMeetingUpdate    = "meeting.update"
	AuditMeetingDelete    = "meeting.delete"
	AuditActionCreate     = "action.create"
	AuditActionUpdate     = "action.update"
	AuditActionStatus     = "action.status" // a change of status (and note) only
	AuditActionDelete     = "action.delete"
	AuditDecisionCreate   = "decision.create"
	AuditDecisionUpdate   = "decision.update"
	AuditDecisionDelete   = "decision.delete"
	AuditSignIn           = "signin"            // a web (or consent page) session began
	AuditTokenCreate      = "token.create"      // a PAT was made (or imported)
	AuditTokenRevoke      = "token.revoke"      // a PAT was revoked
	AuditUserCreate       = "user.create"       // an account was added
	AuditUserUpdate       = "user.update"       // activated, deactivated, admin changed
	AuditWorkspaceCreate  = "workspace.create"  // an org admin added a workspace
	AuditWorkspaceArchive = "workspace.archive" // archived or restored (read-only or not)
	AuditMemberSet        = "member.set"        // a member added, or their role changed
	AuditMemberRemove     = "member.remove"     // a member removed from a workspace
	AuditConsent          = "oauth.consent"     // approve or deny on the consent page (outcome says which)
	AuditGrantCreate      = "oauth.grant"       // a code was redeemed: a connection exists
	AuditGrantRevoke      = "oauth.revoke"      // a connection was ended
	AuditToolCall         = "mcp.tool"          // one MCP tool call
	AuditOK               = "ok"                // the outcome of what succeeded
	AuditDenied           = "denied"            // consent denied
	MaxAuditField         = 300                 // longest client, target or tool stored
	DefaultAuditLimit     = 50                  // rows per page
	MaxAuditLimit         = 500                 // most rows per page
	DefaultAuditRetain    = 365                 // days, AUDIT_RETENTION_DAYS
	AuditViaMCP           = "mcp"               // Streamable HTTP at /mcp
	AuditViaSSE           = "sse"               // the legacy SSE transport
	AuditViaStdio         = "stdio"             // meetingintel mcp
	AuditViaREST          = "rest"              // /api/
	AuditViaWeb           = "web"               // the web UI
	AuditViaOAuth         = "oauth"             // the authorization server
	AuditViaCLI           = "cli"               // a meetingintel command
)

// AuditEntry is one row of the audit trail: who did what to which record,
// through which edge and client, and how it ended. It never holds the
// text of what was written, a tool's arguments or a credential: only ids.
type AuditEntry struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	UserID    int64     `json:"user_id,omitempty"` // 0 when nobody was signed in
	UserEmail string    `json:"user,omitempty"`
	// Via is the edge: mcp, sse, stdio, rest, web, oauth or cli.
	Via string `json:"via"`
	// Client is who the user acted through: an OAuth client's id, "pat:ID"
	// (the PAT's id, never the token), "session" (a web session), or a
	// single sign-on provider's name at sign-in.
	Client string `json:"client,omitempty"`
	Action string `json:"action"`
	Tool   string `json:"tool,omitempty"` // the MCP tool, on mcp.tool rows
	// WorkspaceID says where the write landed, or the workspace an MCP
	// tool call acted in (0 for what belongs to no workspace: sign-ins,
	// tokens, a tool call over "all" or one that touches no workspace);
	// Workspace is its slug.
	WorkspaceID int64  `json:"workspace_id,omitempty"`
	Workspace   string `json:"workspace,omitempty"`
	TargetType  string `json:"target_type,omitempty"` // meeting, action, decision, token, user, grant
	TargetID    string `json:"target_id,omitempty"`   // ids only, comma-separated on a tool call
	// Outcome is "ok", "denied" (consent), or the error code of a refused
	// write or failed tool call (invalid, not_found, forbidden, ...).
	Outcome string `json:"outcome"`
}

// Normalize bounds the free fields, so a client id or a target list
// cannot grow a row without limit.
func (e *AuditEntry) Normalize() {
	clip := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) > MaxAuditField {
			s = s[:MaxAuditField]
		}
		return s
	}
	e.UserEmail = strings.ToLower(clip(e.UserEmail))
	e.Via, e.Client, e.Action, e.Tool = clip(e.Via), clip(e.Client), clip(e.Action), clip(e.Tool)
	e.Workspace, e.TargetType, e.TargetID, e.Outcome = clip(e.Workspace), clip(e.TargetType), clip(e.TargetID), clip(e.Outcome)
	if e.Outcome == "" {
		e.Outcome = AuditOK
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = e.At.UTC()
}

// AuditFilter selects audit rows, newest first.
type AuditFilter struct {
	User   string // email, exact (case-insensitive)
	Client string // exact
	Action string // exact, or a prefix ending in "." ("meeting.")
	Since  time.Time
	Until  time.Time // exclusive
	Limit  int       // default DefaultAuditLimit, at most MaxAuditLimit
	Cursor string
}

// AuditService stores the audit trail.
type AuditService interface {
	// RecordAudit appends one row. It needs no acting user in the context:
	// sign-ins and token requests happen before there is one.
	RecordAudit(ctx context.Context, e *AuditEntry) error
	// FindAudit returns rows matching f, newest first, and the cursor of
	// the next page. An org admin reads every row, a chair the rows of the
	// workspaces they chair; anyone else is EFORBIDDEN.
	FindAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, string, error)
	// DeleteAuditBefore removes rows older than before (retention) and
	// says how many.
	DeleteAuditBefore(ctx context.Context, before time.Time) (int64, error)
}

// AuditSource says through which edge and client the acting user works.
// Each edge puts it into the request context; the audit trail reads it.
type AuditSource struct {
	Via    string
	Client string
}

const auditSourceKey contextKey = 100

// NewContextWithAuditSource returns a context carrying src.
func NewContextWithAuditSource(ctx context.Context, src AuditSource) context.Context {
	return context.WithValue(ctx, auditSourceKey, src)
}

// AuditSourceFromContext returns the edge and client of ctx (zero when no
// edge set one).
func AuditSourceFromContext(ctx context.Context) AuditSource {
	src, _ := ctx.Value(auditSourceKey).(AuditSource)
	return src
}

// CanReadAudit reports whether u may read the whole audit trail (an org
// admin); a workspace's chairs read that workspace's rows.
func CanReadAudit(u *User) bool { return u != nil && u.Admin }

// ParseAuditTime reads a time for an audit filter: RFC 3339, a day
// (2026-03-04, its start in UTC), or an age before now ("90m", "24h",
// "7d"). Empty is the zero time (no bound).
func ParseAuditTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(DateLayout, s); err == nil {
		return t, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 && days <= 100_000 {
			return now.AddDate(0, 0, -days).UTC(), nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, Errorf(EINVALID, "%q is not a time: give 2026-03-04, an RFC 3339 time, or an age such as 24h or 7d.", s)
}
