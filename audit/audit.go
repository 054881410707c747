// Package audit records the audit trail: every write of meetings, actions
// and decisions, every token, account, workspace, membership and OAuth
// grant change (Store and OAuth, decorators around the stores, so each
// write is recorded once whichever edge made it: MCP, REST, web or CLI),
// and the events only an edge sees (sign-ins, consent, MCP tool calls),
// which the edges record with Record.
//
// What is atomic and what is not: nothing is. A row is written after the
// write it records has committed, in its own statement, not in the write's
// transaction. Why: the decorator sees every write in one place, above the
// stores, without reaching into their transactions, and a broken audit
// table cannot stop people working. The price: a crash between the two
// loses that row, and a failed audit insert is logged (level ERROR, "audit
// row not recorded") rather than undoing the write. Refused writes are
// recorded too, with the error code as outcome.
//
// A row holds ids, never text: no meeting, action or decision content, no
// tool arguments, and never a token (a PAT appears as "pat:" and its id).
package audit

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/meetingintel/meetingintel"
)

// Record writes e, filling the user and the edge from ctx where e leaves
// them empty. It never fails the caller: an error is logged.
func Record(ctx context.Context, trail meetingintel.AuditService, log *slog.Logger, e meetingintel.AuditEntry) {
	if trail == nil {
		return
	}
	if u := meetingintel.UserFromContext(ctx); u != nil && e.UserID == 0 && e.UserEmail == "" {
		e.UserID, e.UserEmail = u.ID, u.Email
	}
	src := meetingintel.AuditSourceFromContext(ctx)
	if e.Via == "" {
		e.Via = src.Via
	}
	if e.Client == "" {
		e.Client = src.Client
	}
	// The write is done: its row must be recorded even when the request
	// that made it is gone.
	if err := trail.RecordAudit(context.WithoutCancel(ctx), &e); err != nil {
		if log == nil {
			log = slog.Default()
		}
		log.Error("audit row not recorded", "action", e.Action, "target_type", e.TargetType, "target_id", e.TargetID, "err", err)
	}
}

// Outcome is the audit outcome of err: "ok" or its error code.
func Outcome(err error) string {
	if err == nil {
		return meetingintel.AuditOK
	}
	return meetingintel.ErrorCode(err)
}

// ID formats an id for TargetID ("" for 0).
func ID(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// Store is a meetingintel.Store whose writes are recorded in its own audit
// trail. Reads pass through untouched.
type Store struct {
	meetingintel.Store
	log *slog.Logger
}

// Wrap returns s with its writes audited into s's own trail.
func Wrap(s meetingintel.Store, log *slog.Logger) *Store {
	if log == nil {
		log = slog.Default()
	}
	return &Store{Store: s, log: log}
}

// Unwrap returns the store underneath (for the interfaces Store does not
// carry: sessions, OAuth, rate counters).
func (s *Store) Unwrap() meetingintel.Store { return s.Store }

// record writes one row; ws is the workspace the target is in (0 when
// unknown: a refused write of something the actor may not see).
func (s *Store) record(ctx context.Context, action, targetType string, id, ws int64, err error) {
	Record(ctx, s.Store, s.log, meetingintel.AuditEntry{Action: action, TargetType: targetType, TargetID: ID(id), WorkspaceID: ws, Outcome: Outcome(err)})
}

// meetingWS, actionWS and decisionWS find the workspace of what is about
// to be deleted (afterwards it is gone); 0 when it cannot be seen.
func (s *Store) meetingWS(ctx context.Context, id int64) int64 {
	if m, err := s.Store.FindMeetingByID(ctx, id); err == nil {
		return m.WorkspaceID
	}
	return 0
}

func (s *Store) actionWS(ctx context.Context, id int64) int64 {
	if a, err := s.Store.FindActionByID(ctx, id); err == nil {
		return a.WorkspaceID
	}
	return 0
}

func (s *Store) decisionWS(ctx context.Context, id int64) int64 {
	if d, err := s.Store.FindDecisionByID(ctx, id); err == nil {
		return d.WorkspaceID
	}
	return 0
}

// CreateMeeting implements meetingintel.MeetingService.
func (s *Store) CreateMeeting(ctx context.Context, m *meetingintel.Meeting, segs []meetingintel.Segment) error {
	err := s.Store.CreateMeeting(ctx, m, segs)
	s.record(ctx, meetingintel.AuditMeetingCreate, "meeting", idIf(err, m.ID), idIf(err, m.WorkspaceID), err)
	return err
}

// ImportMeeting implements meetingintel.MeetingService: a create or an
// update of the meeting the source already gave us.
func (s *Store) ImportMeeting(ctx context.Context, m *meetingintel.Meeting, segs []meetingintel.Segment) (bool, error) {
	created, err := s.Store.ImportMeeting(ctx, m, segs)
	action := meetingintel.AuditMeetingUpdate
	if created || err != nil {
		action = meetingintel.AuditMeetingCreate
	}
	s.record(ctx, action, "meeting", idIf(err, m.ID), idIf(err, m.WorkspaceID), err)
	return created, err
}

// UpdateMeeting implements meetingintel.MeetingService.
func (s *Store) UpdateMeeting(ctx context.Context, id int64, upd meetingintel.MeetingUpdate) (*meetingintel.Meeting, error) {
	m, err := s.Store.UpdateMeeting(ctx, id, upd)
	var ws int64
	if m != nil {
		ws = m.WorkspaceID
	}
	s.record(ctx, meetingintel.AuditMeetingUpdate, "meeting", id, ws, err)
	return m, err
}

// DeleteMeeting implements meetingintel.MeetingService.
func (s *Store) DeleteMeeting(ctx context.Context, id int64) error {
	ws := s.meetingWS(ctx, id)
	err := s.Store.DeleteMeeting(ctx, id)
	s.record(ctx, meetingintel.AuditMeetingDelete, "meeting", id, ws, err)
	return err
}

// CreateAction implements meetingintel.ActionService.
func (s *Store) CreateAction(ctx context.Context, a *meetingintel.Action) error {
	err := s.Store.CreateAction(ctx, a)
	s.record(ctx, meetingintel.AuditActionCreate, "action", idIf(err, a.ID), idIf(err, a.WorkspaceID), err)
	return err
}

// UpdateAction implements meetingintel.ActionService. A change of status
// alone (with or without a note) is an action.status row; any other
// change is action.update.
func (s *Store) UpdateAction(ctx context.Context, id int64, upd meetingintel.ActionUpdate) (*meetingintel.Action, error) {
	a, err := s.Store.UpdateAction(ctx, id, upd)
	var ws int64
	if a != nil {
		ws = a.WorkspaceID
	}
	action := meetingintel.AuditActionUpdate
	if upd.Status != nil && (meetingintel.ActionUpdate{Status: upd.Status, AppendNote: upd.AppendNote}) == upd {
		action = meetingintel.AuditActionStatus
	}
	s.record(ctx, action, "action", id, ws, err)
	return a, err
}

// DeleteAction implements meetingintel.ActionService.
func (s *Store) DeleteAction(ctx context.Context, id int64) error {
	ws := s.actionWS(ctx, id)
	err := s.Store.DeleteAction(ctx, id)
	s.record(ctx, meetingintel.AuditActionDelete, "action", id, ws, err)
	return err
}

// CreateDecision implements meetingintel.DecisionService.
func (s *Store) CreateDecision(ctx context.Context, d *meetingintel.Decision) error {
	err := s.Store.CreateDecision(ctx, d)
	s.record(ctx, meetingintel.AuditDecisionCreate, "decision", idIf(err, d.ID), idIf(err, d.WorkspaceID), err)
	return err
}

// UpdateDecision implements meetingintel.DecisionService.
func (s *Store) UpdateDecision(ctx context.Context, id int64, upd meetingintel.DecisionUpdate) (*meetingintel.Decision, error) {
	d, err := s.Store.UpdateDecision(ctx, id, upd)
	var ws int64
	if d != nil {
		ws = d.WorkspaceID
	}
	s.record(ctx, meetingintel.AuditDecisionUpdate, "decision", id, ws, err)
	return d, err
}

// DeleteDecision implements meetingintel.DecisionService.
func (s *Store) DeleteDecision(ctx context.Context, id int64) error {
	ws := s.decisionWS(ctx, id)
	err := s.Store.DeleteDecision(ctx, id)
	s.record(ctx, meetingintel.AuditDecisionDelete, "decision", id, ws, err)
	return err
}

// CreateUser implements meetingintel.UserService.
func (s *Store) CreateUser(ctx context.Context, u *meetingintel.User) error {
	err := s.Store.CreateUser(ctx, u)
	s.record(ctx, meetingintel.AuditUserCreate, "user", idIf(err, u.ID), 0, err)
	return err
}

// SetUserActive implements meetingintel.UserService.
func (s *Store) SetUserActive(ctx context.Context, id int64, active bool) error {
	err := s.Store.SetUserActive(ctx, id, active)
	s.record(ctx, meetingintel.AuditUserUpdate, "user", id, 0, err)
	return err
}

// SetUserAdmin implements meetingintel.UserService.
func (s *Store) SetUserAdmin(ctx context.Context, id int64, admin bool) error {
	err := s.Store.SetUserAdmin(ctx, id, admin)
	s.record(ctx, meetingintel.AuditUserUpdate, "user", id, 0, err)
	return err
}

// CreateWorkspace implements meetingintel.WorkspaceService.
func (s *Store) CreateWorkspace(ctx context.Context, w *meetingintel.Workspace) error {
	err := s.Store.CreateWorkspace(ctx, w)
	s.record(ctx, meetingintel.AuditWorkspaceCreate, "workspace", idIf(err, w.ID), idIf(err, w.ID), err)
	return err
}

// SetWorkspaceArchived implements meetingintel.WorkspaceService.
func (s *Store) SetWorkspaceArchived(ctx context.Context, id int64, archived bool) error {
	err := s.Store.SetWorkspaceArchived(ctx, id, archived)
	s.record(ctx, meetingintel.AuditWorkspaceArchive, "workspace", id, id, err)
	return err
}

// SetMember implements meetingintel.WorkspaceService; the target is the
// workspace (the member's id is not known when the email is unknown).
func (s *Store) SetMember(ctx context.Context, workspaceID int64, email string, role meetingintel.Role) (*meetingintel.Member, error) {
	m, err := s.Store.SetMember(ctx, workspaceID, email, role)
	s.record(ctx, meetingintel.AuditMemberSet, "workspace", workspaceID, workspaceID, err)
	return m, err
}

// RemoveMember implements meetingintel.WorkspaceService.
func (s *Store) RemoveMember(ctx context.Context, workspaceID, userID int64) error {
	err := s.Store.RemoveMember(ctx, workspaceID, userID)
	s.record(ctx, meetingintel.AuditMemberRemove, "workspace", workspaceID, workspaceID, err)
	return err
}

// token records a token change. The token's owner is the subject; the
// actor (an admin revoking someone's token) is the row's user when there
// is one, else the owner (a CLI command acts as nobody).
func (s *Store) token(ctx context.Context, action string, owner, id int64, err error) {
	e := meetingintel.AuditEntry{Action: action, TargetType: "token", TargetID: ID(id), Outcome: Outcome(err)}
	if meetingintel.UserFromContext(ctx) == nil && owner != 0 {
		if u, ferr := s.Store.FindUserByID(ctx, owner); ferr == nil {
			e.UserID, e.UserEmail = u.ID, u.Email
		}
	}
	Record(ctx, s.Store, s.log, e)
}

// CreateToken implements meetingintel.TokenService.
func (s *Store) CreateToken(ctx context.Context, userID int64, label string) (string, *meetingintel.Token, error) {
	tok, t, err := s.Store.CreateToken(ctx, userID, label)
	s.token(ctx, meetingintel.AuditTokenCreate, userID, tokenID(t), err)
	return tok, t, err
}

// CreateTokenUntil implements meetingintel.TokenService.
func (s *Store) CreateTokenUntil(ctx context.Context, userID int64, label string, expiresAt time.Time) (string, *meetingintel.Token, error) {
	tok, t, err := s.Store.CreateTokenUntil(ctx, userID, label, expiresAt)
	s.token(ctx, meetingintel.AuditTokenCreate, userID, tokenID(t), err)
	return tok, t, err
}

// ImportToken implements meetingintel.TokenService.
func (s *Store) ImportToken(ctx context.Context, userID int64, token, label string) (*meetingintel.Token, error) {
	t, err := s.Store.ImportToken(ctx, userID, token, label)
	s.token(ctx, meetingintel.AuditTokenCreate, userID, tokenID(t), err)
	return t, err
}

// RevokeToken implements meetingintel.TokenService.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	var owner int64
	if t, err := s.Store.FindTokenByID(ctx, id); err == nil {
		owner = t.UserID
	}
	err := s.Store.RevokeToken(ctx, id)
	s.token(ctx, meetingintel.AuditTokenRevoke, owner, id, err)
	return err
}

func tokenID(t *meetingintel.Token) int64 {
	if t == nil {
		return 0
	}
	return t.ID
}

// idIf is id when err is nil: a refused create has no id.
func idIf(err error, id int64) int64 {
	if err != nil {
		return 0
	}
	return id
}

// OAuth is a meetingintel.OAuthStore whose grant changes are recorded:
// a redeemed code (a new connection) and a revoked grant.
type OAuth struct {
	meetingintel.OAuthStore
	trail meetingintel.AuditService
	users meetingintel.UserService
	log   *slog.Logger
}

// WrapOAuth returns o with its grant changes audited into trail; users
// names the grant's user on rows made where nobody is signed in (the
// token endpoint).
func WrapOAuth(o meetingintel.OAuthStore, trail meetingintel.AuditService, users meetingintel.UserService, log *slog.Logger) *OAuth {
	if log == nil {
		log = slog.Default()
	}
	return &OAuth{OAuthStore: o, trail: trail, users: users, log: log}
}

func (o *OAuth) grant(ctx context.Context, action string, userID, grantID int64, client string, err error) {
	e := meetingintel.AuditEntry{Action: action, TargetType: "grant", TargetID: ID(grantID), Client: client, Outcome: Outcome(err)}
	if meetingintel.UserFromContext(ctx) == nil && userID != 0 {
		if u, ferr := o.users.FindUserByID(ctx, userID); ferr == nil {
			e.UserID, e.UserEmail = u.ID, u.Email
		} else {
			e.UserID = userID
		}
	}
	if meetingintel.AuditSourceFromContext(ctx).Via == "" {
		e.Via = meetingintel.AuditViaOAuth
	}
	Record(ctx, o.trail, o.log, e)
}

// RedeemOAuthCode implements meetingintel.OAuthStore: a redeemed code is a
// new grant. A refused redemption (a replayed code) is recorded too.
func (o *OAuth) RedeemOAuthCode(ctx context.Context, codeHash string, at time.Time, g *meetingintel.OAuthGrant, rt *meetingintel.OAuthRefreshToken) error {
	err := o.OAuthStore.RedeemOAuthCode(ctx, codeHash, at, g, rt)
	o.grant(ctx, meetingintel.AuditGrantCreate, g.UserID, idIf(err, g.ID), g.ClientID, err)
	return err
}

// RevokeOAuthGrant implements meetingintel.OAuthStore.
func (o *OAuth) RevokeOAuthGrant(ctx context.Context, id int64, at time.Time) error {
	var userID int64
	var client string
	if g, err := o.OAuthStore.FindOAuthGrant(ctx, id); err == nil {
		userID, client = g.UserID, g.ClientID
	}
	err := o.OAuthStore.RevokeOAuthGrant(ctx, id, at)
	o.grant(ctx, meetingintel.AuditGrantRevoke, userID, id, client, err)
	return err
}

// ToolTargets are the record ids among an MCP tool call's arguments, as
// "meeting:12,action:3": only the known id parameters, and only when they
// are ids (digits, or fetch's "m12"-style ids), so no argument text, and
// never a token pasted into one, reaches the trail.
func ToolTargets(args map[string]any) string {
	var out []string
	for _, k := range []string{"meeting_id", "action_id", "decision_id", "id"} {
		v, ok := args[k]
		if !ok {
			continue
		}
		var s string
		switch x := v.(type) {
		case float64:
			if x != float64(int64(x)) || x < 0 {
				continue
			}
			s = strconv.FormatInt(int64(x), 10)
		case string:
			s = x
		default:
			continue
		}
		if !isID(s) {
			continue
		}
		out = append(out, strings.TrimSuffix(k, "_id")+":"+s)
	}
	return strings.Join(out, ",")
}

// isID accepts digits with at most one leading letter, at most 20 long.
func isID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	if c := s[0]; c >= 'a' && c <= 'z' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
