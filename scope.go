package meetingintel

// Scopes a credential can carry (DESIGN §6). Personal access tokens carry
// both; an OAuth grant carries what its user consented to.
const (
	ScopeRead  = "meetings:read"
	ScopeWrite = "meetings:write"
)
