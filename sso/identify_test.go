package sso

import (
	"net/http"
	"strings"
	"testing"
)

// Entra's organizations endpoint signs tokens whose iss names the user's
// own tenant; it must match tid, and tid must be allowed.
func TestMultiTenantEntraChecksIssAgainstTid(t *testing.T) {
	p, err := New(Config{Provider: ProviderConfig{Name: "entra", Kind: KindEntra, Issuer: EntraAuthority + "/organizations/v2.0",
		ClientID: "c", AllowedTenants: []string{"t1"}}, Users: nilUsers{}, PublicURL: "https://mi.example"})
	if err != nil {
		t.Fatal(err)
	}
	claims := func(tid string) map[string]any {
		return map[string]any{"tid": tid, "oid": "o1", "preferred_username": "a@fernhill.example"}
	}
	id, err := p.identify(EntraAuthority+"/t1/v2.0", "sub", claims("t1"))
	if err != nil || id.issuer != "entra:t1" || id.subject != "o1" || !id.verified || id.email != "a@fernhill.example" {
		t.Errorf("an allowed tenant: %+v, %v", id, err)
	}
	for name, tc := range map[string]struct{ iss, tid, want string }{
		"another tenant":        {EntraAuthority + "/t2/v2.0", "t2", "cannot sign in here"},
		"iss of another tenant": {EntraAuthority + "/t2/v2.0", "t1", "could not be verified"},
		"iss of the template":   {EntraAuthority + "/{tenantid}/v2.0", "t1", "could not be verified"},
		"no tid":                {EntraAuthority + "/t1/v2.0", "", "did not say who you are"},
	} {
		_, err := p.identify(tc.iss, "sub", claims(tc.tid))
		r, ok := err.(*Refusal)
		if !ok || r.Status != http.StatusForbidden || !strings.Contains(r.Message, tc.want) {
			t.Errorf("%s: %v, want a 403 refusal saying %q", name, err, tc.want)
		}
	}
}

type nilUsers struct{ Users }
