package meetingintel

import (
	"context"
	"strings"
)

type contextKey int

const (
	userContextKey contextKey = iota
	workspaceContextKey
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
