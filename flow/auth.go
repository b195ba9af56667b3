package flow

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/go-jose/go-jose/v4"
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

// mTLS client authentication (RFC 8705 2): the TLS client certificate is
// the credential.
const (
	AuthTLSClient           = "tls_client_auth"
	AuthSelfSignedTLSClient = "self_signed_tls_client_auth"
)

// TLSClientAuth sends the client id; the certificate does the rest.
type TLSClientAuth struct{ ClientID, method string }

func (a TLSClientAuth) Method() string { return a.method }
func (a TLSClientAuth) ID() string     { return a.ClientID }
func (a TLSClientAuth) Apply(_ *http.Request, form url.Values) error {
	form.Set("client_id", a.ClientID)
	return nil
}

// AuthMethods are the methods oidc implements, for usage messages.
var AuthMethods = []string{AuthNone, AuthSecretBasic, AuthSecretPost, AuthPrivateKeyJWT, AuthClientSecretJWT, AuthTLSClient, AuthSelfSignedTLSClient}

// ClientCredentials are what a client authenticates with.
type ClientCredentials struct {
	ID, Secret string
	Method     string           // "" chooses
	Key        *jose.JSONWebKey // a private key, for private_key_jwt
	// AssertionAudience is AudienceTokenEndpoint (default) or
	// AudienceIssuer, for the JWT methods.
	AssertionAudience string
	// Cert: a TLS client certificate is presented (mTLS).
	Cert bool
}

// ChooseAuth picks the client authentication. An explicit method wins.
// With a private key, private_key_jwt. Without a secret the client is
// public. With one, client_secret_basic when the issuer lists it or lists
// nothing (RFC 6749 2.3.1: servers MUST support it; RFC 8414 2 makes it
// the default), else client_secret_post when listed. The order of the
// issuer's list is not a preference: Hydra lists post first while its
// clients default to basic.
func ChooseAuth(md *Metadata, c ClientCredentials) (ClientAuth, error) {
	method := c.Method
	if method == "" {
		listed := func(m string) bool {
			return md == nil || len(md.TokenEndpointAuthMethods) == 0 || slices.Contains(md.TokenEndpointAuthMethods, m)
		}
		switch {
		case c.Key != nil:
			method = AuthPrivateKeyJWT
		case c.Cert && c.Secret == "":
			// The issuer's list says which mTLS method; PKI by default.
			method = AuthTLSClient
			if md != nil && !slices.Contains(md.TokenEndpointAuthMethods, AuthTLSClient) && slices.Contains(md.TokenEndpointAuthMethods, AuthSelfSignedTLSClient) {
				method = AuthSelfSignedTLSClient
			}
		case c.Secret == "":
			method = AuthNone
		case listed(AuthSecretBasic):
			method = AuthSecretBasic
		case listed(AuthSecretPost):
			method = AuthSecretPost
		default:
			method = AuthSecretBasic
		}
	}
	switch method {
	case AuthTLSClient, AuthSelfSignedTLSClient:
		if !c.Cert {
			return nil, &OptionError{Option: "tls_cert", Err: errors.New(method + " needs the client certificate and its key")}
		}
		return TLSClientAuth{ClientID: c.ID, method: method}, nil
	case AuthSecretBasic:
		return SecretBasic{ClientID: c.ID, Secret: c.Secret}, nil
	case AuthSecretPost:
		return SecretPost{ClientID: c.ID, Secret: c.Secret}, nil
	case AuthPrivateKeyJWT, AuthClientSecretJWT:
		if md == nil {
			md = &Metadata{}
		}
		if method == AuthPrivateKeyJWT && c.Key == nil {
			return nil, &OptionError{Option: "client_key", Err: errors.New("private_key_jwt needs the client's private key")}
		}
		if method == AuthClientSecretJWT && c.Secret == "" {
			return nil, &OptionError{Option: "client_secret", Err: errors.New("client_secret_jwt needs the client secret")}
		}
		key := c.Key
		if method == AuthClientSecretJWT {
			key = nil
		}
		return newJWTAuth(md, c.ID, c.Secret, AssertionOptions{Key: key, Audience: c.AssertionAudience})
	}
	return PublicClient{ClientID: c.ID}, nil
}
