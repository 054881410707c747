package sso

import (
	"fmt"
	"net/url"
	"strings"
)

// Kinds of provider. A preset knows where its provider lives and which
// claims carry the identity, so an instance needs only a client id and
// secret.
const (
	KindOIDC   = "oidc"   // any OpenID Connect provider (OIDC_ISSUER)
	KindEntra  = "entra"  // Microsoft Entra ID: identity from oid + tid, tenants checked on tid
	KindGoogle = "google" // Google: Workspace domain checked on hd
)

// EntraAuthority is where Entra ID lives; the issuer is
// EntraAuthority/{tenant}/v2.0.
const EntraAuthority = "https://login.microsoftonline.com"

// GoogleIssuer is Google's OpenID Connect issuer.
const GoogleIssuer = "https://accounts.google.com"

// ProviderConfig is one configured provider.
type ProviderConfig struct {
	Name         string   // URL-safe id in /auth/oidc/{Name}/...: "entra", "google", "oidc"
	Label        string   // button text after "Sign in with"
	Kind         string   // KindOIDC, KindEntra or KindGoogle
	Issuer       string   // discovery at Issuer/.well-known/openid-configuration
	ClientID     string   // required
	ClientSecret string   // optional: a public client uses PKCE alone
	Scopes       []string // always includes openid
	// AllowedTenants are the Entra tenant ids (tid) allowed in; empty
	// allows only the configured tenant (multi-tenant endpoints need it).
	AllowedTenants []string
	// Authority is where Entra lives (EntraAuthority unless a national
	// cloud's, ENTRA_AUTHORITY); the issuer is Authority/{tenant}/v2.0.
	Authority string
}

// Policy is who may come in, the same for every provider.
type Policy struct {
	AllowedDomains []string // email domains (and Google hd) allowed in; empty allows any
	JIT            bool     // create a user on first sign-in; false lets in only users an admin added
	AdminEmails    []string // made admins when created by sign-in
	// AdminClaim names a claim (a string or a list of strings, e.g. Entra
	// app roles in "roles") and a value that makes an admin: "roles=Admin".
	AdminClaim string
}

// Settings is everything the environment configures.
type Settings struct {
	Providers []ProviderConfig
	Policy    Policy
	// PATSignIn shows the token form on the sign-in pages (PAT_SIGNIN,
	// default true). Off, people sign in through a provider only.
	PATSignIn bool
}

// FromEnv reads the single sign-on settings (README, "Single sign-on").
// Each error is one line naming the setting. No provider configured is
// not an error: sign-in is then by token only.
func FromEnv(getenv func(string) string) (Settings, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	var st Settings
	var err error
	if st.Policy.JIT, err = boolSetting("SSO_JIT", get("SSO_JIT"), true); err != nil {
		return st, err
	}
	if st.PATSignIn, err = boolSetting("PAT_SIGNIN", get("PAT_SIGNIN"), true); err != nil {
		return st, err
	}
	st.Policy.AllowedDomains = list(strings.ToLower(get("SSO_ALLOWED_DOMAINS")))
	st.Policy.AdminEmails = list(strings.ToLower(get("SSO_ADMIN_EMAILS")))
	st.Policy.AdminClaim = get("OIDC_ADMIN_CLAIM")
	if c := st.Policy.AdminClaim; c != "" {
		if k, v, ok := strings.Cut(c, "="); !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
			return st, fmt.Errorf("OIDC_ADMIN_CLAIM: must be claim=value (e.g. roles=Admin), not %q", c)
		}
	}

	if iss := get("OIDC_ISSUER"); iss != "" || get("OIDC_CLIENT_ID") != "" {
		pc := ProviderConfig{Name: KindOIDC, Kind: KindOIDC, Issuer: strings.TrimRight(iss, "/"),
			ClientID: get("OIDC_CLIENT_ID"), ClientSecret: get("OIDC_CLIENT_SECRET"),
			Label: firstNonEmpty(get("OIDC_NAME"), "your organisation"), Scopes: scopes(get("OIDC_SCOPES"))}
		if err := checkIssuer("OIDC_ISSUER", pc.Issuer); err != nil {
			return st, err
		}
		if pc.ClientID == "" {
			return st, fmt.Errorf("OIDC_CLIENT_ID: required with OIDC_ISSUER")
		}
		st.Providers = append(st.Providers, pc)
	}
	if tenant := get("ENTRA_TENANT_ID"); tenant != "" || get("ENTRA_CLIENT_ID") != "" {
		if tenant == "" {
			return st, fmt.Errorf("ENTRA_TENANT_ID: required with ENTRA_CLIENT_ID (a tenant id, or organizations)")
		}
		if strings.ContainsAny(tenant, "/?#") {
			return st, fmt.Errorf("ENTRA_TENANT_ID: %q is not a tenant id", tenant)
		}
		authority := strings.TrimRight(firstNonEmpty(get("ENTRA_AUTHORITY"), EntraAuthority), "/")
		if err := checkIssuer("ENTRA_AUTHORITY", authority); err != nil {
			return st, err
		}
		pc := ProviderConfig{Name: KindEntra, Kind: KindEntra, Label: "Microsoft", Authority: authority,
			Issuer: authority + "/" + tenant + "/v2.0", ClientID: get("ENTRA_CLIENT_ID"),
			ClientSecret: get("ENTRA_CLIENT_SECRET"), Scopes: scopes(get("ENTRA_SCOPES")),
			AllowedTenants: list(strings.ToLower(get("ENTRA_ALLOWED_TENANTS")))}
		if pc.ClientID == "" {
			return st, fmt.Errorf("ENTRA_CLIENT_ID: required with ENTRA_TENANT_ID")
		}
		if multiTenant(tenant) && len(pc.AllowedTenants) == 0 {
			return st, fmt.Errorf("ENTRA_ALLOWED_TENANTS: required with ENTRA_TENANT_ID=%s (the tenant ids allowed in)", tenant)
		}
		st.Providers = append(st.Providers, pc)
	}
	if id := get("GOOGLE_CLIENT_ID"); id != "" {
		st.Providers = append(st.Providers, ProviderConfig{Name: KindGoogle, Kind: KindGoogle, Label: "Google",
			Issuer: GoogleIssuer, ClientID: id, ClientSecret: get("GOOGLE_CLIENT_SECRET"), Scopes: scopes("")})
	}
	if !st.PATSignIn && len(st.Providers) == 0 {
		return st, fmt.Errorf("PAT_SIGNIN: false needs a single sign-on provider, or nobody could sign in")
	}
	return st, nil
}

func multiTenant(tenant string) bool {
	t := strings.ToLower(tenant)
	return t == "organizations" || t == "common"
}

func checkIssuer(name, iss string) error {
	u, err := url.Parse(iss)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%s: %q is not an absolute http(s) URL", name, iss)
	}
	return nil
}

func boolSetting(name, v string, def bool) (bool, error) {
	switch strings.ToLower(v) {
	case "":
		return def, nil
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%s: must be true or false, not %q", name, v)
}

// scopes parses a space- or comma-separated list and makes sure openid
// is in it; empty means openid, profile and email.
func scopes(v string) []string {
	out := list(strings.ReplaceAll(v, " ", ","))
	if len(out) == 0 {
		return []string{"openid", "profile", "email"}
	}
	for _, s := range out {
		if s == "openid" {
			return out
		}
	}
	return append([]string{"openid"}, out...)
}

func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
