package flow

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
)

// Client authentication methods (RFC 6749 2.3, OIDC Core 9, RFC 8414 2).
const (
	AuthNone        = "none"
	AuthSecretBasic = "client_secret_basic"
	AuthSecretPost  = "client_secret_post"
)

// ClientAuth authenticates a client on a request to the token endpoint or
// to any endpoint that takes client authentication (introspection,
// revocation, PAR, device authorization). A method sets what it needs on
// the form or the request; grants never know which method is in use, so
// private_key_jwt, client_secret_jwt, mTLS and DPoP plug in here.
type ClientAuth interface {
	// Method is the token_endpoint_auth_method name.
	Method() string
	// Apply adds the client's credentials to a request whose form is
	// about to be sent; it may change both.
	Apply(req *http.Request, form url.Values) error
	// ID is the client id.
	ID() string
}

// PublicClient sends its client_id and no secret.
type PublicClient struct{ ClientID string }

func (a PublicClient) Method() string { return AuthNone }
func (a PublicClient) ID() string     { return a.ClientID }
func (a PublicClient) Apply(_ *http.Request, form url.Values) error {
	form.Set("client_id", a.ClientID)
	return nil
}

// SecretBasic sends id and secret in the Authorization header, each
// form-encoded first as RFC 6749 2.3.1 says (which most clients forget:
// a secret with a '+' or ':' then fails).
type SecretBasic struct{ ClientID, Secret string }

func (a SecretBasic) Method() string { return AuthSecretBasic }
func (a SecretBasic) ID() string     { return a.ClientID }
func (a SecretBasic) Apply(req *http.Request, form url.Values) error {
	form.Del("client_secret")
	cred := url.QueryEscape(a.ClientID) + ":" + url.QueryEscape(a.Secret)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cred)))
	return nil
}

// SecretPost sends id and secret in the form body.
type SecretPost struct{ ClientID, Secret string }

func (a SecretPost) Method() string { return AuthSecretPost }
func (a SecretPost) ID() string     { return a.ClientID }
func (a SecretPost) Apply(_ *http.Request, form url.Values) error {
	form.Set("client_id", a.ClientID)
	form.Set("client_secret", a.Secret)
	return nil
}

// AuthMethods are the methods oidc implements, for usage messages.
var AuthMethods = []string{AuthNone, AuthSecretBasic, AuthSecretPost}

// ChooseAuth picks the client authentication. An explicit method wins.
// Without a secret the client is public. With one, client_secret_basic
// when the issuer lists it or lists nothing (RFC 6749 2.3.1: servers MUST
// support it; RFC 8414 2 makes it the default), else client_secret_post
// when listed. The order of the issuer's list is not a preference: Hydra
// lists post first while its clients default to basic.
func ChooseAuth(md *Metadata, clientID, secret, method string) ClientAuth {
	if method == "" {
		switch {
		case secret == "":
			method = AuthNone
		case md == nil || len(md.TokenEndpointAuthMethods) == 0 || slices.Contains(md.TokenEndpointAuthMethods, AuthSecretBasic):
			method = AuthSecretBasic
		case slices.Contains(md.TokenEndpointAuthMethods, AuthSecretPost):
			method = AuthSecretPost
		default:
			method = AuthSecretBasic
		}
	}
	switch method {
	case AuthSecretBasic:
		return SecretBasic{ClientID: clientID, Secret: secret}
	case AuthSecretPost:
		return SecretPost{ClientID: clientID, Secret: secret}
	}
	return PublicClient{ClientID: clientID}
}
