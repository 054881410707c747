package meetingintel

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Workspace is one team's (or one client's) share of the instance: every
// meeting, action and decision belongs to exactly one, and only its members
// see them. The default workspace holds what existed before workspaces, and
// new users join it.
type Workspace struct {
	ID         int64      `json:"id"`
	Slug       string     `json:"slug"` // lower case, unique; see ValidateSlug
	Name       string     `json:"name"` // unique, case-insensitively
	Default    bool       `json:"default"`
	ArchivedAt *time.Time `json:"archived_at,omitempty"` // archived: read-only
	CreatedAt  time.Time  `json:"created_at"`

	// Role is the actor's role in the workspace when it was listed for a
	// member; "" when the actor is not one (an org admin's view).
	Role Role `json:"role,omitempty"`
}

// Archived reports whether w is read-only.
func (w *Workspace) Archived() bool { return w.ArchivedAt != nil }

// Role is what a member may do in a workspace (DESIGN §12).
type Role string

// The roles, weakest first.
const (
	// RoleViewer reads.
	RoleViewer Role = "viewer"
	// RoleMember reads, creates, edits and deletes what they created, and
	// changes the status of any action.
	RoleMember Role = "member"
	// RoleChair edits and deletes anything in the workspace and manages its
	// members.
	RoleChair Role = "chair"
)

// Roles lists the roles, weakest first.
var Roles = []Role{RoleViewer, RoleMember, RoleChair}

// ParseRole returns the role named s (case-insensitive), or EINVALID.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(Roles, r) {
		return "", Errorf(EINVALID, "Unknown role %q: use viewer, member or chair.", s)
	}
	return r, nil
}

// CanWrite reports whether r may create things.
func (r Role) CanWrite() bool { return r == RoleMember || r == RoleChair }

// Member is a user's membership of a workspace.
type Member struct {
	WorkspaceID int64     `json:"workspace_id"`
	UserID      int64     `json:"user_id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	CreatedAt   time.Time `json:"created_at"`
}

// AllWorkspaces, as a workspace reference, asks for every workspace the
// user is a member of (reads only).
const AllWorkspaces = "all"

// MaxWorkspaceSlugLen bounds a slug, as the replaced system does.
const MaxWorkspaceSlugLen = 100

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,98}[a-z0-9]$`)

// ReservedSlugs are path words a workspace slug may not take (DESIGN §12).
var ReservedSlugs = []string{"admin", "api", "mcp", "sse", "health", "oauth", "default", "system", "control", "master", AllWorkspaces}

// ValidateSlug reports, as EINVALID, a slug that is not 2 to 100 lower-case
// letters, digits and inner hyphens, or that is reserved.
func ValidateSlug(s string) error {
	if !slugRE.MatchString(s) {
		return Errorf(EINVALID, "Workspace slug %q must be 2 to %d lower-case letters, digits and hyphens, starting and ending with a letter or digit.", s, MaxWorkspaceSlugLen)
	}
	if slices.Contains(ReservedSlugs, s) {
		return Errorf(EINVALID, "Workspace slug %q is reserved; choose another.", s)
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		// A reference that parses as a number is taken as an id.
		return Errorf(EINVALID, "Workspace slug %q must not be a number.", s)
	}
	return nil
}

// Slugify derives a slug from a name: lower case, runs of anything but
// letters and digits turned into one hyphen, trimmed to the maximum length.
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > MaxWorkspaceSlugLen {
		s = strings.Trim(s[:MaxWorkspaceSlugLen], "-")
	}
	return s
}

// Validate normalises w's name and slug (derived from the name when empty)
// and reports the first problem as an EINVALID error.
func (w *Workspace) Validate() error {
	w.Name = strings.TrimSpace(w.Name)
	if w.Name == "" {
		return Errorf(EINVALID, "A workspace needs a name.")
	}
	if len(w.Name) > MaxNameLen {
		return Errorf(EINVALID, "Workspace name is longer than %d characters.", MaxNameLen)
	}
	w.Slug = strings.ToLower(strings.TrimSpace(w.Slug))
	if w.Slug == "" {
		w.Slug = Slugify(w.Name)
	}
	return ValidateSlug(w.Slug)
}

// WorkspaceService stores workspaces and their members. Org admins
// (User.Admin) create, archive and list every workspace and manage any
// workspace's members; chairs manage their own workspace's members. Nobody
// sees a workspace's data without being its member.
type WorkspaceService interface {
	// CreateWorkspace stores w (org admins only); a taken slug or name is
	// ECONFLICT.
	CreateWorkspace(ctx context.Context, w *Workspace) error
	// FindWorkspaces lists the actor's workspaces with their role, or for
	// an org admin every workspace (Role set where a member too).
	FindWorkspaces(ctx context.Context) ([]*Workspace, error)
	// FindWorkspace resolves a reference (id, slug or name, any case) among
	// the workspaces the actor may list; ENOTFOUND otherwise.
	FindWorkspace(ctx context.Context, ref string) (*Workspace, error)
	// SetWorkspaceArchived archives (read-only) or restores a workspace
	// (org admins only). The default workspace cannot be archived.
	SetWorkspaceArchived(ctx context.Context, id int64, archived bool) error
	// FindMembers lists a workspace's members (its chairs, org admins).
	FindMembers(ctx context.Context, workspaceID int64) ([]*Member, error)
	// SetMember adds the user with this email to a workspace, or changes
	// their role (its chairs, org admins). Demoting the last chair is
	// ECONFLICT.
	SetMember(ctx context.Context, workspaceID int64, email string, role Role) (*Member, error)
	// RemoveMember removes a user from a workspace (its chairs, org
	// admins). Removing the last chair is ECONFLICT.
	RemoveMember(ctx context.Context, workspaceID, userID int64) error
	// SetDefaultWorkspace records the workspace the user works in when
	// none is chosen (a member's own choice).
	SetDefaultWorkspace(ctx context.Context, workspaceID int64) error
	// CurrentWorkspace returns the workspace the context's choice (or the
	// defaults) resolves to, with the actor's role; EINVALID for
	// AllWorkspaces or when nothing resolves.
	CurrentWorkspace(ctx context.Context) (*Workspace, error)
	// SetWorkspaceChoice records the workspace a credential (see
	// CredentialKey) switched to; the actor must be its member.
	SetWorkspaceChoice(ctx context.Context, credential string, workspaceID int64) error
	// FindWorkspaceChoice returns the workspace a credential switched to,
	// or 0 when none (or the actor is no longer its member).
	FindWorkspaceChoice(ctx context.Context, credential string) (int64, error)
}
