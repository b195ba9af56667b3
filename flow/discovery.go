package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/oidcdev/oidc/decode"
)

// Metadata is an issuer's OpenID Provider (or RFC 8414 authorization
// server) metadata: the members oidc uses, plus the document as received.
type Metadata struct {
	Issuer                             string `json:"issuer"`
	AuthorizationEndpoint              string `json:"authorization_endpoint"`
	TokenEndpoint                      string `json:"token_endpoint"`
	UserinfoEndpoint                   string `json:"userinfo_endpoint"`
	JWKSURI                            string `json:"jwks_uri"`
	EndSessionEndpoint                 string `json:"end_session_endpoint"`
	IntrospectionEndpoint              string `json:"introspection_endpoint"`
	RevocationEndpoint                 string `json:"revocation_endpoint"`
	DeviceAuthorizationEndpoint        string `json:"device_authorization_endpoint"`
	PushedAuthorizationRequestEndpoint string `json:"pushed_authorization_request_endpoint"`
	RequirePushedAuthorizationRequests bool   `json:"require_pushed_authorization_requests"`
	RequireSignedRequestObject         bool   `json:"require_signed_request_object"`
	// MTLSEndpointAliases are the endpoints to use with a client
	// certificate (RFC 8705 5).
	MTLSEndpointAliases                        map[string]string `json:"mtls_endpoint_aliases"`
	TLSClientCertificateBoundAccessTokens      bool              `json:"tls_client_certificate_bound_access_tokens"`
	IDTokenSigningAlgs                         []string          `json:"id_token_signing_alg_values_supported"`
	CodeChallengeMethods                       []string          `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethods                   []string          `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgs               []string          `json:"token_endpoint_auth_signing_alg_values_supported"`
	ScopesSupported                            []string          `json:"scopes_supported"`
	AuthorizationResponseIssParameterSupported bool              `json:"authorization_response_iss_parameter_supported"`

	// Source is the URL the document came from.
	Source string          `json:"-"`
	Raw    json.RawMessage `json:"-"`
	// Problems lists members of the wrong type, which were ignored.
	Problems []string `json:"-"`
}

// UnmarshalJSON reads metadata leniently: a member of the wrong type (a
// string where a list belongs, say) is ignored and noted instead of
// failing all of discovery; the issuer must still be a string.
func (md *Metadata) UnmarshalJSON(data []byte) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return err
	}
	type plain Metadata // the same fields, without this method
	var out plain
	for name, raw := range members {
		one, _ := json.Marshal(map[string]json.RawMessage{name: raw})
		if err := json.Unmarshal(one, &out); err != nil {
			if name == "issuer" {
				return fmt.Errorf("issuer is %s, not a string", raw)
			}
			out.Problems = append(out.Problems, fmt.Sprintf("%s is %s: ignored", name, raw))
		}
	}
	*md = Metadata(out)
	return nil
}

// Discover fetches the metadata of issuer: OpenID discovery first, then the
// RFC 8414 location. The document's issuer must equal the URL asked for,
// character for character (OIDC Discovery 4.3): anything else could be a
// mix-up between issuers.
func (c *Client) Discover(ctx context.Context, issuer string) (*Metadata, *Fetched, error) {
	u, err := c.CheckURL(issuer)
	if err != nil {
		return nil, nil, &Error{URL: issuer, Err: err}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, nil, &Error{URL: issuer, Err: fmt.Errorf("issuer %s has a query or fragment: an issuer identifier has neither", issuer)}
	}
	var firstErr error
	for _, where := range discoveryURLs(u) {
		f, err := c.GetJSON(ctx, where, false)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			if ctx.Err() != nil {
				break
			}
			continue
		}
		var md Metadata
		if err := json.Unmarshal(f.Body, &md); err != nil {
			return nil, nil, &Error{URL: where, Err: fmt.Errorf("%s: not provider metadata: %v", where, err)}
		}
		md.Source, md.Raw = where, f.Body
		if md.Issuer != issuer {
			return nil, nil, &Error{URL: where, Err: issuerMismatch(issuer, md.Issuer, where)}
		}
		return &md, f, nil
	}
	return nil, nil, &Error{URL: issuer, Err: fmt.Errorf("discovery for %s failed: %w", issuer, firstErr)}
}

// discoveryURLs are where metadata may live: issuer + /.well-known/
// openid-configuration (OIDC Discovery), and the well-known path inserted
// before the issuer's path (RFC 8414 3.1).
func discoveryURLs(u *url.URL) []string {
	base := strings.TrimSuffix(u.String(), "/")
	oidc := base + "/.well-known/openid-configuration"
	root := *u
	root.Path = "/.well-known/oauth-authorization-server" + strings.TrimSuffix(u.Path, "/")
	root.RawPath = ""
	return []string{oidc, root.String()}
}

func issuerMismatch(want, got, where string) error {
	switch {
	case got == "":
		return fmt.Errorf("%s has no issuer member", where)
	case strings.TrimRight(got, "/") == strings.TrimRight(want, "/"):
		return fmt.Errorf("the metadata at %s names the issuer %q, which differs from %q by a trailing slash: issuers are compared character by character; use --issuer %s", where, got, want, got)
	default:
		return fmt.Errorf("the metadata at %s is for issuer %q, not %q: a mix-up between issuers, or the wrong URL (tenant, realm or environment)", where, got, want)
	}
}

// KeySet fetches the JWKS at uri. fresh bypasses the cache: after a key ID
// was not found, the issuer may have rotated its keys.
func (c *Client) KeySet(ctx context.Context, uri string, fresh bool) (*decode.KeySet, *Fetched, error) {
	f, err := c.GetJSON(ctx, uri, fresh)
	if err != nil {
		return nil, nil, err
	}
	ks, err := decode.ParseKeys(f.Body, "jwks_uri "+uri)
	if err != nil {
		return nil, nil, &Error{URL: uri, Err: fmt.Errorf("key set at %s: %v", uri, err)}
	}
	if f.FromCache {
		ks.Source += " (cached)"
	}
	return ks, f, nil
}

// IsFetchError reports whether err is a failure to get something from an
// issuer.
func IsFetchError(err error) bool {
	var fe *Error
	return errors.As(err, &fe)
}
