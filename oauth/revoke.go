package oauth

import (
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"
	"github.com/meetingintel/meetingintel"
)

// handleRevoke is token revocation (RFC 7009). Revoking a refresh token or
// an access token revokes its whole grant: refresh tokens and every access
// token of it (within GrantCacheTTL on other replicas). Only the client
// the token was issued to may revoke it; an unknown token is a success.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, "token") {
		return
	}
	if err := s.revoke(w, r); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) error {
	f, err := readForm(w, r)
	if err != nil {
		return err
	}
	client, err := s.authenticateClient(r.Context(), r, f)
	if err != nil {
		return err
	}
	tok := f.Get("token")
	if tok == "" {
		return errf(http.StatusBadRequest, "invalid_request", "token is required.")
	}
	var grantID int64
	var owner string
	if strings.HasPrefix(tok, RefreshTokenPrefix) {
		rt, err := s.cfg.Store.FindOAuthRefreshToken(r.Context(), meetingintel.HashToken(tok))
		if meetingintel.ErrorCode(err) == meetingintel.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		grantID, owner = rt.GrantID, rt.ClientID
	} else {
		// An access token: its signature must hold, its expiry need not (a
		// client may revoke the grant behind an expired token).
		var claims accessClaims
		_, err := jwt.ParseWithClaims(tok, &claims, func(*jwt.Token) (any, error) { return s.jwtKey, nil },
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(s.issuer),
			jwt.WithoutClaimsValidation())
		if err != nil || claims.GrantID <= 0 {
			return nil
		}
		grantID, owner = claims.GrantID, claims.ClientID
	}
	if owner != client.ID {
		return errf(http.StatusBadRequest, "unauthorized_client", "This token was not issued to this client.")
	}
	err = s.cfg.Store.RevokeOAuthGrant(r.Context(), grantID, s.now())
	if err != nil && meetingintel.ErrorCode(err) != meetingintel.ENOTFOUND {
		return err
	}
	s.forgetGrant(grantID)
	s.log.Info("oauth grant revoked by its client", "grant_id", grantID, "client_id", client.ID)
	return nil
}
