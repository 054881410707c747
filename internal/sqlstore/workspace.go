package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/meetingintel/meetingintel"
)

// Workspaces and roles, enforced here once for both stores.
//
// Every data call starts with access: one query for the actor's
// memberships, then the workspace the context chose (or the user's default,
// the instance's default, the only one). Reads by id reach every workspace
// the actor is a member of; lists and searches span the chosen one (or all
// with meetingintel.AllWorkspaces); creates go into the chosen one. Roles
// are checked in Go against the row's workspace before any write, so a
// viewer, a member editing another's meeting or anyone writing to an
// archived workspace is refused before anything is stored. Workspace ids
// are inlined into SQL as integer literals: they come from the database,
// never from input.

// A new user joins the instance's default workspace as the migration
// placed today's users: an org admin as its chair (they saw and edited
// everything before workspaces), everyone else as a member (create, edit
// their own, change any action's status). A chair widens it from there; a
// new colleague arriving by single sign-on does not get to delete the
// team's meetings.
func defaultJoinRole(admin bool) meetingintel.Role {
	if admin {
		return meetingintel.RoleChair
	}
	return meetingintel.RoleMember
}

// access is what the actor may reach in this call.
type access struct {
	u       *meetingintel.User
	email   string
	ws      map[int64]*meetingintel.Workspace // every membership, Role set
	all     []int64                           // their ids, in id order
	span    []int64                           // what lists and searches span
	home    int64                             // where creates go; 0: see homeErr
	homeErr error
}

// access loads the actor's memberships and resolves the chosen workspace.
func (db *Store) access(ctx context.Context, q queryer) (*access, error) {
	u, err := Actor(ctx)
	if err != nil {
		return nil, err
	}
	ac := &access{u: u, email: strings.ToLower(strings.TrimSpace(u.Email)), ws: map[int64]*meetingintel.Workspace{}}
	rows, err := q.QueryContext(ctx, `SELECT `+workspaceCols+`, ms.role, coalesce(u.default_workspace_id, 0)
		FROM memberships ms JOIN workspaces w ON w.id = ms.workspace_id JOIN users u ON u.id = ms.user_id
		WHERE ms.user_id = ? ORDER BY w.id`, u.ID)
	if err != nil {
		return nil, db.internal(err)
	}
	var userDefault, instDefault int64
	for rows.Next() {
		var role string
		w, err := scanWorkspace(rows, &role, &userDefault)
		if err != nil {
			rows.Close()
			return nil, db.internal(err)
		}
		w.Role = meetingintel.Role(role)
		ac.ws[w.ID], ac.all = w, append(ac.all, w.ID)
		if w.Default {
			instDefault = w.ID
		}
	}
	if err := rows.Close(); err != nil {
		return nil, db.internal(err)
	}
	ref := meetingintel.WorkspaceFromContext(ctx)
	switch {
	case strings.EqualFold(ref, meetingintel.AllWorkspaces):
		ac.span = ac.all
		ac.homeErr = meetingintel.Errorf(meetingintel.EINVALID, "Choose one workspace to write to; %q spans them all.", meetingintel.AllWorkspaces)
	case ref != "":
		w := ac.match(ref)
		if w == nil {
			return nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "Workspace %q not found.", ref)
		}
		ac.span, ac.home = []int64{w.ID}, w.ID
	default:
		for _, id := range []int64{userDefault, instDefault} {
			if ac.ws[id] != nil {
				ac.home = id
				break
			}
		}
		if ac.home == 0 && len(ac.all) == 1 {
			ac.home = ac.all[0]
		}
		switch {
		case ac.home != 0:
			ac.span = []int64{ac.home}
		case len(ac.all) == 0:
			ac.homeErr = meetingintel.Errorf(meetingintel.EFORBIDDEN, "You are not a member of any workspace.")
		default:
			names := make([]string, 0, len(ac.all))
			for _, id := range ac.all {
				names = append(names, ac.ws[id].Slug)
			}
			return nil, meetingintel.Errorf(meetingintel.EINVALID,
				"You are a member of several workspaces (%s): choose one, or %q.", strings.Join(names, ", "), meetingintel.AllWorkspaces)
		}
	}
	// The edge that asked (an MCP tool call's audit row) learns where the
	// call acted from this resolution, not from a read of its own. Under
	// AllWorkspaces home is 0 and nothing is noted.
	meetingintel.NoteWorkspace(ctx, ac.home)
	return ac, nil
}

// match finds a membership by id, slug or name, case-insensitively.
func (ac *access) match(ref string) *meetingintel.Workspace {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return ac.ws[id]
	}
	for _, id := range ac.all {
		if w := ac.ws[id]; strings.EqualFold(w.Slug, ref) || strings.EqualFold(w.Name, ref) {
			return w
		}
	}
	return nil
}

// idList is ids as SQL integer literals for IN (...); "0" (no id) for none.
func idList(ids []int64) string {
	if len(ids) == 0 {
		return "0"
	}
	b := make([]byte, 0, len(ids)*4)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}

// canSee is the predicate for "the actor may see meeting m": m is in a
// workspace of theirs (the span, or every membership when wide) and
// CanSee lets them see it there. It takes the arguments VisArgs returns.
func (ac *access) canSee(wide bool) string {
	ids := ac.span
	if wide {
		ids = ac.all
	}
	return `(m.workspace_id IN (` + idList(ids) + `) AND ` + CanSee + `)`
}

// actionVisible is the condition (over actions a, meetings m LEFT JOINed on
// a.meeting_id) for an action the actor may see: in a workspace of theirs,
// unlinked or linked to a meeting they see.
func (ac *access) actionVisible(wide bool) string {
	ids := ac.span
	if wide {
		ids = ac.all
	}
	return `(a.workspace_id IN (` + idList(ids) + `) AND (a.meeting_id IS NULL OR ` + CanSee + `))`
}

// Visibility returns the predicates search applies: over meetings m for
// what the actor may see in the chosen workspaces (arguments from VisArgs),
// and over actions ua for unlinked actions (no arguments).
func (db *Store) Visibility(ctx context.Context) (meetings string, args []any, unlinked string, err error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return "", nil, "", err
	}
	return ac.canSee(false), VisArgs(ac.u), `ua.workspace_id IN (` + idList(ac.span) + `)`, nil
}

// writable returns ENOTFOUND/EFORBIDDEN unless the actor may create in
// workspace id.
func (ac *access) writable(id int64) error {
	w := ac.ws[id]
	switch {
	case w == nil:
		return meetingintel.Errorf(meetingintel.ENOTFOUND, "Workspace %d not found.", id)
	case w.Archived():
		return meetingintel.Errorf(meetingintel.EFORBIDDEN, "Workspace %s is archived: it is read-only.", w.Slug)
	case !w.Role.CanWrite():
		return meetingintel.Errorf(meetingintel.EFORBIDDEN, "You are a %s in workspace %s: you may read, not write.", w.Role, w.Slug)
	}
	return nil
}

// editable returns EFORBIDDEN unless the actor may change or delete a thing
// created by createdBy in workspace id: chairs anything, members their own.
func (ac *access) editable(id int64, createdBy, what string) error {
	if err := ac.writable(id); err != nil {
		return err
	}
	if w := ac.ws[id]; w.Role != meetingintel.RoleChair && !strings.EqualFold(createdBy, ac.email) {
		return meetingintel.Errorf(meetingintel.EFORBIDDEN,
			"Only its creator or a chair of workspace %s may change this %s.", w.Slug, what)
	}
	return nil
}

// homeWorkspace is where creates go, checked writable.
func (ac *access) homeWorkspace() (int64, error) {
	if ac.home == 0 {
		return 0, ac.homeErr
	}
	return ac.home, ac.writable(ac.home)
}

const workspaceCols = `w.id, w.slug, w.name, w.is_default, w.archived_at, w.created_at`

func scanWorkspace(sc interface{ Scan(...any) error }, extra ...any) (*meetingintel.Workspace, error) {
	var w meetingintel.Workspace
	var archived *int64
	var created int64
	dest := append([]any{&w.ID, &w.Slug, &w.Name, &w.Default, &archived, &created}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	w.ArchivedAt, w.CreatedAt = fromNullMS(archived), FromMS(created)
	return &w, nil
}

// orgAdmin returns the actor, or EFORBIDDEN unless an org admin.
func orgAdmin(ctx context.Context) (*meetingintel.User, error) {
	u, err := Actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Admin {
		return nil, meetingintel.Errorf(meetingintel.EFORBIDDEN, "Only an org admin may do this.")
	}
	return u, nil
}

// CreateWorkspace stores w (org admins only).
func (db *Store) CreateWorkspace(ctx context.Context, w *meetingintel.Workspace) error {
	if _, err := orgAdmin(ctx); err != nil {
		return err
	}
	if w == nil {
		return meetingintel.Errorf(meetingintel.EINVALID, "A workspace is required.")
	}
	if err := w.Validate(); err != nil {
		return err
	}
	now := MS(db.Now())
	return db.write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM workspaces WHERE slug = ? OR lower(name) = lower(?)`, w.Slug, w.Name).Scan(&n); err != nil {
			return db.internal(err)
		}
		if n > 0 {
			return meetingintel.Errorf(meetingintel.ECONFLICT, "A workspace named %q or with slug %q already exists.", w.Name, w.Slug)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO workspaces (slug, name, is_default, created_at) VALUES (?, ?, false, ?) RETURNING id`,
			w.Slug, w.Name, now).Scan(&w.ID)
		if db.isUnique(err) {
			return meetingintel.Errorf(meetingintel.ECONFLICT, "A workspace named %q or with slug %q already exists.", w.Name, w.Slug)
		} else if err != nil {
			return db.internal(err)
		}
		w.Default, w.ArchivedAt, w.CreatedAt, w.Role = false, nil, FromMS(now), ""
		return nil
	})
}

// FindWorkspaces lists the actor's workspaces, or every one for an org
// admin, in id order.
func (db *Store) FindWorkspaces(ctx context.Context) ([]*meetingintel.Workspace, error) {
	u, err := Actor(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.r().QueryContext(ctx, `SELECT `+workspaceCols+`, coalesce(ms.role, '') FROM workspaces w
		LEFT JOIN memberships ms ON ms.workspace_id = w.id AND ms.user_id = ?
		WHERE ms.user_id IS NOT NULL OR CAST(? AS BOOLEAN) ORDER BY w.id`, u.ID, u.Admin)
	if err != nil {
		return nil, db.internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.Workspace{}
	for rows.Next() {
		var role string
		w, err := scanWorkspace(rows, &role)
		if err != nil {
			return nil, db.internal(err)
		}
		w.Role = meetingintel.Role(role)
		out = append(out, w)
	}
	return out, db.internal(rows.Err())
}

// FindWorkspace resolves ref (id, slug or name, any case) among the
// workspaces the actor may list.
func (db *Store) FindWorkspace(ctx context.Context, ref string) (*meetingintel.Workspace, error) {
	ws, err := db.FindWorkspaces(ctx)
	if err != nil {
		return nil, err
	}
	ref = strings.TrimSpace(ref)
	id, numErr := strconv.ParseInt(ref, 10, 64)
	for _, w := range ws {
		if numErr == nil && w.ID == id || strings.EqualFold(w.Slug, ref) || strings.EqualFold(w.Name, ref) {
			return w, nil
		}
	}
	return nil, meetingintel.Errorf(meetingintel.ENOTFOUND, "Workspace %q not found.", ref)
}

// SetWorkspaceArchived archives or restores a workspace (org admins only).
func (db *Store) SetWorkspaceArchived(ctx context.Context, id int64, archived bool) error {
	if _, err := orgAdmin(ctx); err != nil {
		return err
	}
	var at *int64
	if archived {
		v := MS(db.Now())
		at = &v
	}
	return db.write(ctx, func(tx *Tx) error {
		var def bool
		if err := tx.QueryRowContext(ctx, `SELECT is_default FROM workspaces WHERE id = ?`, id).Scan(&def); errors.Is(err, sql.ErrNoRows) {
			return notFound("Workspace", id)
		} else if err != nil {
			return db.internal(err)
		}
		if def && archived {
			return meetingintel.Errorf(meetingintel.ECONFLICT, "The default workspace cannot be archived.")
		}
		_, err := tx.ExecContext(ctx, `UPDATE workspaces SET archived_at = ? WHERE id = ?`, at, id)
		return db.internal(err)
	})
}

// manager returns EFORBIDDEN unless the actor is an org admin or a chair of
// workspace id, ENOTFOUND when it does not exist.
func (db *Store) manager(ctx context.Context, q queryer, id int64) error {
	u, err := Actor(ctx)
	if err != nil {
		return err
	}
	var role string
	err = q.QueryRowContext(ctx, `SELECT coalesce((SELECT role FROM memberships WHERE workspace_id = w.id AND user_id = ?), '')
		FROM workspaces w WHERE w.id = ?`, u.ID, id).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("Workspace", id)
	} else if err != nil {
		return db.internal(err)
	}
	if !u.Admin && meetingintel.Role(role) != meetingintel.RoleChair {
		if role == "" {
			return notFound("Workspace", id)
		}
		return meetingintel.Errorf(meetingintel.EFORBIDDEN, "Only a chair of this workspace or an org admin may manage its members.")
	}
	return nil
}

// FindMembers lists a workspace's members by email.
func (db *Store) FindMembers(ctx context.Context, workspaceID int64) ([]*meetingintel.Member, error) {
	if err := db.manager(ctx, db.r(), workspaceID); err != nil {
		return nil, err
	}
	rows, err := db.r().QueryContext(ctx, `SELECT ms.workspace_id, ms.user_id, u.email, u.name, ms.role, ms.created_at
		FROM memberships ms JOIN users u ON u.id = ms.user_id WHERE ms.workspace_id = ? ORDER BY u.email`, workspaceID)
	if err != nil {
		return nil, db.internal(err)
	}
	defer rows.Close()
	out := []*meetingintel.Member{}
	for rows.Next() {
		var m meetingintel.Member
		var role string
		var created int64
		if err := rows.Scan(&m.WorkspaceID, &m.UserID, &m.Email, &m.Name, &role, &created); err != nil {
			return nil, db.internal(err)
		}
		m.Role, m.CreatedAt = meetingintel.Role(role), FromMS(created)
		out = append(out, &m)
	}
	return out, db.internal(rows.Err())
}

// SetMember adds a user to a workspace or changes their role; the last
// chair keeps the chair.
func (db *Store) SetMember(ctx context.Context, workspaceID int64, email string, role meetingintel.Role) (*meetingintel.Member, error) {
	role, err := meetingintel.ParseRole(string(role))
	if err != nil {
		return nil, err
	}
	email, err = meetingintel.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	now := MS(db.Now())
	var out *meetingintel.Member
	err = db.write(ctx, func(tx *Tx) error {
		if err := db.manager(ctx, tx, workspaceID); err != nil {
			return err
		}
		m := &meetingintel.Member{WorkspaceID: workspaceID, Email: email, Role: role}
		if err := tx.QueryRowContext(ctx, `SELECT id, name FROM users WHERE email = ?`, email).Scan(&m.UserID, &m.Name); errors.Is(err, sql.ErrNoRows) {
			return meetingintel.Errorf(meetingintel.ENOTFOUND, "No user has the email %s.", email)
		} else if err != nil {
			return db.internal(err)
		}
		chairs := 0
		if role != meetingintel.RoleChair {
			// A demotion may take the last chair: count the chairs, their
			// rows locked before the member's own (which is among them if
			// a chair), so two chairs demoting each other at once take the
			// same locks in the same order and one waits for the other.
			var err error
			if chairs, err = db.lockChairs(ctx, tx, workspaceID); err != nil {
				return err
			}
		}
		var old string
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT role, created_at FROM memberships WHERE workspace_id = ? AND user_id = ?`+db.forUpdate("memberships"),
			workspaceID, m.UserID).Scan(&old, &created)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`,
				workspaceID, m.UserID, string(role), now); err != nil {
				return db.internal(err)
			}
			created = now
		case err != nil:
			return db.internal(err)
		default:
			if meetingintel.Role(old) == meetingintel.RoleChair && role != meetingintel.RoleChair && chairs <= 1 {
				return errLastChair
			}
			if _, err := tx.ExecContext(ctx, `UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ?`,
				string(role), workspaceID, m.UserID); err != nil {
				return db.internal(err)
			}
		}
		m.CreatedAt, out = FromMS(created), m
		return nil
	})
	return out, err
}

// errLastChair refuses to demote or remove a workspace's last chair.
var errLastChair = meetingintel.Errorf(meetingintel.ECONFLICT, "A workspace keeps at least one chair: make someone else chair first.")

// lockChairs counts workspace id's chairs, locking their rows where the
// dialect locks rows, in user order: every transaction that may take the
// last chair locks them first and in that order, so two chairs demoting or
// removing each other at once cannot both succeed, nor deadlock.
func (db *Store) lockChairs(ctx context.Context, tx *Tx, id int64) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT user_id FROM memberships WHERE workspace_id = ? AND role = 'chair' ORDER BY user_id`+db.forUpdate("memberships"), id)
	if err != nil {
		return 0, db.internal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, db.internal(rows.Err())
}

// RemoveMember removes a user from a workspace; the last chair stays.
func (db *Store) RemoveMember(ctx context.Context, workspaceID, userID int64) error {
	return db.write(ctx, func(tx *Tx) error {
		if err := db.manager(ctx, tx, workspaceID); err != nil {
			return err
		}
		var role string
		err := tx.QueryRowContext(ctx, `SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?`, workspaceID, userID).Scan(&role)
		if errors.Is(err, sql.ErrNoRows) {
			return meetingintel.Errorf(meetingintel.ENOTFOUND, "User %d is not a member of workspace %d.", userID, workspaceID)
		} else if err != nil {
			return db.internal(err)
		}
		if meetingintel.Role(role) == meetingintel.RoleChair {
			if n, err := db.lockChairs(ctx, tx, workspaceID); err != nil {
				return err
			} else if n <= 1 {
				return errLastChair
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?`, workspaceID, userID); err != nil {
			return db.internal(err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET default_workspace_id = NULL WHERE id = ? AND default_workspace_id = ?`, userID, workspaceID)
		return db.internal(err)
	})
}

// SetDefaultWorkspace records the actor's own default workspace.
func (db *Store) SetDefaultWorkspace(ctx context.Context, workspaceID int64) error {
	u, err := Actor(ctx)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM memberships WHERE workspace_id = ? AND user_id = ?`, workspaceID, u.ID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return notFound("Workspace", workspaceID)
		} else if err != nil {
			return db.internal(err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE users SET default_workspace_id = ? WHERE id = ?`, workspaceID, u.ID)
		return db.internal(err)
	})
}

// joinDefault makes a new user a member of the instance's default
// workspace, in the role defaultJoinRole gives.
func (db *Store) joinDefault(ctx context.Context, tx *Tx, userID int64, admin bool, now int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at)
		SELECT id, ?, ?, ? FROM workspaces WHERE is_default`, userID, string(defaultJoinRole(admin)), now)
	return db.internal(err)
}

// CurrentWorkspace returns the workspace the context's choice resolves to.
func (db *Store) CurrentWorkspace(ctx context.Context) (*meetingintel.Workspace, error) {
	ac, err := db.access(ctx, db.r())
	if err != nil {
		return nil, err
	}
	if ac.home == 0 {
		return nil, ac.homeErr
	}
	w := *ac.ws[ac.home]
	return &w, nil
}

// SetWorkspaceChoice records the workspace a credential switched to.
func (db *Store) SetWorkspaceChoice(ctx context.Context, credential string, workspaceID int64) error {
	u, err := Actor(ctx)
	if err != nil {
		return err
	}
	if strings.TrimSpace(credential) == "" {
		return meetingintel.Errorf(meetingintel.EINVALID, "A credential is required.")
	}
	now := MS(db.Now())
	return db.write(ctx, func(tx *Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM memberships WHERE workspace_id = ? AND user_id = ?`, workspaceID, u.ID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return notFound("Workspace", workspaceID)
		} else if err != nil {
			return db.internal(err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO workspace_choices (credential, user_id, workspace_id, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (credential) DO UPDATE SET user_id = excluded.user_id, workspace_id = excluded.workspace_id, updated_at = excluded.updated_at`,
			credential, u.ID, workspaceID, now)
		return db.internal(err)
	})
}

// FindWorkspaceChoice returns the workspace a credential switched to, if
// the actor is still its member.
func (db *Store) FindWorkspaceChoice(ctx context.Context, credential string) (int64, error) {
	u, err := Actor(ctx)
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.r().QueryRowContext(ctx, `SELECT c.workspace_id FROM workspace_choices c
		JOIN memberships ms ON ms.workspace_id = c.workspace_id AND ms.user_id = c.user_id
		WHERE c.credential = ? AND c.user_id = ?`, credential, u.ID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, db.internal(err)
}
