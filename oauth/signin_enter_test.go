package oauth_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel"
	"github.com/meetingintel/meetingintel/oauth"
)

// With single sign-on buttons first in the consent form, pressing Enter in
// the token field submits the form with the first button's sso value too
// (HTML's implicit submission): the typed token must win, or a person
// signing in with a PAT is sent to the provider instead.
func TestTheConsentSignInStepPrefersATypedTokenOverTheDefaultSSOButton(t *testing.T) {
	e := newEnvWith(t, func(c *oauth.Config) {
		c.SessionUser = func(*http.Request) (*meetingintel.User, string) { return nil, "" }
		c.SignInProviders = []oauth.SignInProvider{{Name: "entra", Label: "Microsoft", StartPath: "/auth/oidc/entra/start"}}
	})
	c := e.register("none", "http://127.0.0.1:9/cb")
	_, challenge := pkce()
	page := e.get("/oauth/authorize?" + authParams(c, challenge).Encode())
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `name="sso" value="entra"`) || !strings.Contains(page.Body, `name="token"`) {
		t.Fatalf("sign-in step without both the Microsoft button and the token input: %d\n%s", page.Status, page.Body)
	}

	enter := hidden(t, page.Body)
	enter.Set("sso", "entra") // what the browser adds on Enter
	enter.Set("token", e.pat)
	if r := e.postForm("/oauth/authorize", enter, nil); r.Status != http.StatusOK || !strings.Contains(r.Body, `value="approve"`) {
		t.Fatalf("Enter in the token field: %d, want the approve step\n%s", r.Status, r.Body)
	}

	button := hidden(t, page.Body)
	button.Set("sso", "entra")
	if r := e.postForm("/oauth/authorize", button, nil); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/auth/oidc/entra/start") {
		t.Fatalf("the Microsoft button: %d to %q, want a redirect to its start path", r.Status, r.Header.Get("Location"))
	}
}
