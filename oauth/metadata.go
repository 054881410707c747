package oauth

import (
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// handleProtectedResource serves RFC 9728 metadata. The root form and the
// /mcp form describe PUBLIC_URL/mcp, the /sse form PUBLIC_URL/sse: clients
// compare resource with the URL they connected to, as a string.
func (s *Server) handleProtectedResource(w http.ResponseWriter, r *http.Request) {
	res := ResourceMCP
	if strings.HasSuffix(r.URL.Path, ResourceSSE) {
		res = ResourceSSE
	}
	writeJSON(w, http.StatusOK, &oauthex.ProtectedResourceMetadata{
		Resource:               s.resourceURL(res),
		AuthorizationServers:   []string{s.issuer},
		ScopesSupported:        AllScopes,
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "Meeting Intelligence",
	})
}

// authServerMetadata is RFC 8414 metadata. It is our own struct rather
// than oauthex.AuthServerMeta, whose jwks_uri is always written: we sign
// with a shared secret and publish no keys, and an empty jwks_uri trips
// strict clients.
type authServerMetadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	RegistrationEndpoint              string   `json:"registration_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgs      []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	RevocationEndpointAuthMethods     []string `json:"revocation_endpoint_auth_methods_supported"`
	RevocationEndpointAuthSigningAlgs []string `json:"revocation_endpoint_auth_signing_alg_values_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	AuthorizationResponseIssSupported bool     `json:"authorization_response_iss_parameter_supported"`
	// ClientIDMetadataDocumentSupported: an https client_id URL is fetched
	// as the client's metadata document (DESIGN §13). Claude uses it only
	// when none is among the token endpoint's auth methods, which it is.
	ClientIDMetadataDocumentSupported bool `json:"client_id_metadata_document_supported"`
}

// authMethods are the client authentication methods the token and
// revocation endpoints accept. private_key_jwt is for clients whose
// metadata document publishes keys (DESIGN §13); a registered client has
// no document, so registration offers only registrationAuthMethods.
var (
	authMethods             = []string{"none", "client_secret_post", "client_secret_basic", "private_key_jwt"}
	registrationAuthMethods = []string{"none", "client_secret_post", "client_secret_basic"}
	// assertionAlgNames are assertionAlgs as metadata lists them (RFC 8414
	// §2: required once private_key_jwt is listed).
	assertionAlgNames = []string{"RS256", "ES256"}
)

func (s *Server) handleAuthServerMetadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, &authServerMetadata{
		Issuer:                            s.issuer,
		AuthorizationEndpoint:             s.issuer + "/oauth/authorize",
		TokenEndpoint:                     s.issuer + "/oauth/token",
		RegistrationEndpoint:              s.issuer + "/oauth/register",
		RevocationEndpoint:                s.issuer + "/oauth/revoke",
		ScopesSupported:                   AllScopes,
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token"},
		TokenEndpointAuthMethodsSupported: authMethods,
		TokenEndpointAuthSigningAlgs:      assertionAlgNames,
		RevocationEndpointAuthMethods:     authMethods,
		RevocationEndpointAuthSigningAlgs: assertionAlgNames,
		CodeChallengeMethodsSupported:     []string{"S256"},
		AuthorizationResponseIssSupported: true,
		ClientIDMetadataDocumentSupported: true,
	})
}
