package sso

import (
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnvReadsPresetsAndPolicy(t *testing.T) {
	st, err := FromEnv(envOf(map[string]string{
		"ENTRA_TENANT_ID": "organizations", "ENTRA_CLIENT_ID": "app", "ENTRA_CLIENT_SECRET": "s",
		"ENTRA_ALLOWED_TENANTS": "T1, t2", "GOOGLE_CLIENT_ID": "g",
		"OIDC_ISSUER": "https://sso.example.com/", "OIDC_CLIENT_ID": "c", "OIDC_NAME": "Okta", "OIDC_SCOPES": "profile email groups",
		"SSO_ALLOWED_DOMAINS": "Fernhill.example", "SSO_JIT": "false", "SSO_ADMIN_EMAILS": "A@fernhill.example",
		"OIDC_ADMIN_CLAIM": "roles=Admin", "PAT_SIGNIN": "false",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Providers) != 3 {
		t.Fatalf("providers = %+v, want oidc, entra and google", st.Providers)
	}
	o, e, g := st.Providers[0], st.Providers[1], st.Providers[2]
	if o.Issuer != "https://sso.example.com" || o.Label != "Okta" || strings.Join(o.Scopes, " ") != "openid profile email groups" {
		t.Errorf("oidc = %+v", o)
	}
	if e.Issuer != EntraAuthority+"/organizations/v2.0" || strings.Join(e.AllowedTenants, ",") != "t1,t2" || e.Label != "Microsoft" {
		t.Errorf("entra = %+v", e)
	}
	if g.Issuer != GoogleIssuer || g.ClientSecret != "" {
		t.Errorf("google = %+v", g)
	}
	if st.Policy.JIT || st.PATSignIn || st.Policy.AllowedDomains[0] != "fernhill.example" || st.Policy.AdminEmails[0] != "a@fernhill.example" {
		t.Errorf("policy = %+v, PAT sign-in %v", st.Policy, st.PATSignIn)
	}
	st, err = FromEnv(envOf(nil))
	if err != nil || len(st.Providers) != 0 || !st.Policy.JIT || !st.PATSignIn {
		t.Errorf("defaults = %+v, %v; want no provider, JIT and token sign-in on", st, err)
	}
}

func TestFromEnvNamesTheBadSetting(t *testing.T) {
	for want, env := range map[string]map[string]string{
		"OIDC_CLIENT_ID":        {"OIDC_ISSUER": "https://sso.example.com"},
		"OIDC_ISSUER":           {"OIDC_ISSUER": "sso.example.com", "OIDC_CLIENT_ID": "c"},
		"ENTRA_TENANT_ID":       {"ENTRA_CLIENT_ID": "c"},
		"ENTRA_ALLOWED_TENANTS": {"ENTRA_TENANT_ID": "organizations", "ENTRA_CLIENT_ID": "c"},
		"SSO_JIT":               {"SSO_JIT": "maybe"},
		"OIDC_ADMIN_CLAIM":      {"OIDC_ADMIN_CLAIM": "roles"},
		"PAT_SIGNIN":            {"PAT_SIGNIN": "false"},
	} {
		if _, err := FromEnv(envOf(env)); err == nil || !strings.HasPrefix(err.Error(), want+":") {
			t.Errorf("%v: error %v, want one starting %s:", env, err, want)
		}
	}
}
