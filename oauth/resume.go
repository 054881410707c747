package oauth

import (
	"net/http"
	"strings"

	"github.com/meetingintel/meetingintel"
)

// SignInProvider is a single sign-on provider the consent page's sign-in
// step offers (DESIGN §11). Its button posts the consent form; the server
// then keeps the signed request in a cookie of this browser and sends the
// browser to StartPath, whose round trip ends at
// /oauth/authorize/continue.
type SignInProvider struct {
	Name      string // the button's value
	Label     string // after "Sign in with"
	StartPath string // on this site; takes ?next=PATH
}

// resumePath is where a provider's round trip comes back to the consent
// request it left.
const resumePath = "/oauth/authorize/continue"

// maxResumeCookie keeps the resume cookie within what browsers store
// (4096 bytes for name, value and attributes).
const maxResumeCookie = 3800

func (s *Server) resumeCookieName() string {
	if strings.HasPrefix(s.issuer, "https://") {
		return "__Host-mi_oauth_resume"
	}
	return "mi_oauth_resume"
}

func (s *Server) setResumeCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: s.resumeCookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: strings.HasPrefix(s.issuer, "https://"), SameSite: http.SameSiteLaxMode})
}

// startProviderSignIn answers the sign-in step's provider button: the
// request (already checked: signature, expiry, CSRF, client) goes into an
// HttpOnly cookie, so only this browser can come back to it, and only once.
func (s *Server) startProviderSignIn(w http.ResponseWriter, r *http.Request, name, sealed string) {
	for _, p := range s.cfg.SignInProviders {
		if p.Name != name {
			continue
		}
		if len(sealed) > maxResumeCookie {
			s.renderError(w, &pageError{http.StatusBadRequest, "This sign-in link is too long",
				"Your app sent a request too long to carry through single sign-on. Sign in with a token instead, or ask your administrator."})
			return
		}
		s.setResumeCookie(w, sealed, int(RequestTTL.Seconds()))
		http.Redirect(w, r, p.StartPath+"?next="+resumePath, http.StatusSeeOther)
		return
	}
	s.renderError(w, &pageError{http.StatusBadRequest, "Bad request", "Unknown sign-in provider."})
}

// handleResume shows the consent request a provider's round trip left,
// once: the cookie is used up, and the request's own signature and expiry
// still hold.
func (s *Server) handleResume(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(s.resumeCookieName())
	if err != nil || ck.Value == "" {
		s.renderError(w, &pageError{http.StatusBadRequest, "Nothing to continue",
			"This connection was already continued, or started in another browser. Go back to your app and connect again."})
		return
	}
	s.setResumeCookie(w, "", -1)
	req, ok := s.openRequest(ck.Value)
	if !ok {
		s.renderError(w, &pageError{http.StatusBadRequest, "This page has expired",
			"The sign-in took too long. Go back to your app and connect again."})
		return
	}
	client, err := s.cfg.Store.FindOAuthClient(r.Context(), req.ClientID)
	if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
		s.renderError(w, &pageError{http.StatusBadRequest, "This app is no longer registered", "Go back to your app and connect again."})
		return
	} else if err != nil {
		s.answerAuthError(w, r, req, err)
		return
	}
	user, sessID := s.sessionUser(r)
	s.renderConsent(w, http.StatusOK, req, client, user, sessID, "")
}

// SetSignIn sets the single sign-on providers of the sign-in step and
// whether its token input is hidden. Call it before serving.
func (s *Server) SetSignIn(providers []SignInProvider, hidePAT bool) {
	s.cfg.SignInProviders, s.cfg.HidePATSignIn = providers, hidePAT
}
