package meetingintel

import (
	"context"
	"strings"
	"sync/atomic"
)

type contextKey int

const (
	userContextKey contextKey = iota
	workspaceContextKey
	workspaceNoteContextKey
)

// NewContextWithUser returns a context that carries the acting user. Every
// store method reads the actor from the context and applies visibility rules
// for that user; a context without one is refused (fail closed).
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userContextKey, u)
}

// UserFromContext returns the acting user, or nil when there is none.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userContextKey).(*User)
	return u
}

// NewContextWithWorkspace returns a context that carries the chosen
// workspace: an id, slug or name (any case), or AllWorkspaces. Store
// methods that list or search span only it; those that create store into
// it. Without one, the store uses the user's default workspace, else the
// instance's default if the user is a member of it, else the only one the
// user is a member of.
func NewContextWithWorkspace(ctx context.Context, ref string) context.Context {
	return context.WithValue(ctx, workspaceContextKey, strings.TrimSpace(ref))
}

// WorkspaceFromContext returns the chosen workspace reference, or "".
func WorkspaceFromContext(ctx context.Context) string {
	ref, _ := ctx.Value(workspaceContextKey).(string)
	return ref
}

// WorkspaceNote receives the one workspace a store resolved a call's
// choice to (the argument, the credential's switch or the defaults), so an
// edge can say where a call acted without reading it again: the MCP tool
// middleware puts one into each call's context and writes its id on the
// call's audit row. It stays 0 when nothing resolved to one workspace
// (AllWorkspaces, an unknown workspace, or a call that reached no store
// method that resolves one). Safe for concurrent use.
type WorkspaceNote struct{ id atomic.Int64 }

// ID returns the workspace last noted, or 0.
func (n *WorkspaceNote) ID() int64 {
	if n == nil {
		return 0
	}
	return n.id.Load()
}

// NewContextWithWorkspaceNote returns a context carrying a new, empty note
// and the note itself.
func NewContextWithWorkspaceNote(ctx context.Context) (context.Context, *WorkspaceNote) {
	n := &WorkspaceNote{}
	return context.WithValue(ctx, workspaceNoteContextKey, n), n
}

// NoteWorkspace records id as the workspace ctx's call resolved to, when
// ctx carries a note (a store calls it; without a note it does nothing).
// The last one noted wins.
func NoteWorkspace(ctx context.Context, id int64) {
	if n, _ := ctx.Value(workspaceNoteContextKey).(*WorkspaceNote); n != nil && id != 0 {
		n.id.Store(id)
	}
}
