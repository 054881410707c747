package auth

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"unicode"

	"github.com/meetingintel/meetingintel"
)

// LegacyTokenLabel labels the PATs taken over from MCP_AUTH_TOKENS.
const LegacyTokenLabel = "legacy MCP_AUTH_TOKENS"

// ImportLegacyTokens takes the replaced service's MCP_AUTH_TOKENS, JSON
// {"<token>": "<email>"}, and stores each token as a PAT (its hash only) of
// that user, creating missing users with a name made from the email. It
// returns how many tokens are now usable and is idempotent: importing the
// same JSON again changes nothing. Errors never quote a token.
func ImportLegacyTokens(ctx context.Context, store meetingintel.Store, raw string) (int, error) {
	if strings.TrimSpace(raw) == "" {
		return 0, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return 0, meetingintel.Errorf(meetingintel.EINVALID,
			`MCP_AUTH_TOKENS is not JSON of the form {"<token>": "<email>"}.`)
	}
	tokens := make([]string, 0, len(m))
	for t := range m {
		tokens = append(tokens, t)
	}
	sort.Strings(tokens) // deterministic order: users are created the same way every time
	n := 0
	for i, tok := range tokens {
		if strings.TrimSpace(tok) == "" || len(tok) > 4096 {
			return n, meetingintel.Errorf(meetingintel.EINVALID, "MCP_AUTH_TOKENS entry %d has an empty or overlong token.", i+1)
		}
		email, err := meetingintel.NormalizeEmail(m[tok])
		if err != nil {
			return n, meetingintel.Errorf(meetingintel.EINVALID, "MCP_AUTH_TOKENS entry %d: %s", i+1, meetingintel.ErrorMessage(err))
		}
		u, err := store.FindUserByEmail(ctx, email)
		if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
			u = &meetingintel.User{Email: email, Name: NameFromEmail(email), Active: true}
			err = store.CreateUser(ctx, u)
		}
		if err != nil {
			return n, err
		}
		if _, err := store.ImportToken(ctx, u.ID, tok, LegacyTokenLabel); err != nil {
			if meetingintel.ErrorCode(err) == meetingintel.ECONFLICT {
				return n, meetingintel.Errorf(meetingintel.ECONFLICT,
					"MCP_AUTH_TOKENS entry %d (for %s) is already a token of another user.", i+1, email)
			}
			return n, err
		}
		n++
	}
	return n, nil
}

// NameFromEmail makes a display name from an address: "sam.lee@x.com"
// becomes "Sam Lee".
func NameFromEmail(email string) string {
	local, _, _ := strings.Cut(email, "@")
	words := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' })
	for i, w := range words {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	if len(words) == 0 {
		return email
	}
	return strings.Join(words, " ")
}
