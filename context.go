package meetingintel

import "context"

type contextKey int

const userContextKey contextKey = iota

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
