package meetingintel

import (
	"regexp"
	"strings"
)

// Prefixes of the opaque credentials the OAuth authorization server issues
// (oauth names them too); with PATPrefix they make a leaked secret easy to
// recognise, for secret scanners and for Redact.
const (
	OAuthClientSecretPrefix = "mi_cs_"
	OAuthCodePrefix         = "mi_ac_"
	OAuthRefreshTokenPrefix = "mi_rt_"
)

// SecretPrefixes lists the prefix of every secret this server issues.
var SecretPrefixes = []string{PATPrefix, OAuthClientSecretPrefix, OAuthCodePrefix, OAuthRefreshTokenPrefix}

// Redacted replaces a secret wherever one is hidden.
const Redacted = "[redacted]"

// secretRE matches our prefixed secrets and JWTs (access tokens are
// HS256 JWTs: base64url of `{"` starts with eyJ). Case-insensitive, since
// a path or log line may have been case-folded along the way.
var secretRE = regexp.MustCompile(`(?i)mi_(?:pat|cs|ac|rt)_[A-Za-z0-9_~.+/=-]*|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?`)

// Redact hides every token-shaped value in s (PATs, OAuth codes, refresh
// tokens, client secrets, access tokens). Logs and error messages pass
// through it, so a token a client put where it does not belong (a path, a
// query, a form field echoed in an error) never reaches them.
func Redact(s string) string {
	if !strings.ContainsAny(s, "_.") {
		return s // every secret shape has one of them: skip the regexp
	}
	return secretRE.ReplaceAllString(s, Redacted)
}

// LooksLikeSecret reports whether one path segment (or query value) could
// be a credential: a prefixed secret, a JWT, or a long opaque string such
// as a legacy static token (MCP_AUTH_TOKENS has no prefix).
func LooksLikeSecret(s string) bool {
	if secretRE.MatchString(s) {
		return true
	}
	if len(s) < 32 {
		return false
	}
	var letter, digit bool
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			letter = true
		case r >= '0' && r <= '9':
			digit = true
		case r == '-' || r == '_' || r == '~' || r == '+' || r == '=':
		default:
			return false // words with dots and spaces are names, not tokens
		}
	}
	return letter && digit
}
