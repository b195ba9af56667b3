package decode

import "encoding/json"

// WellKnownDoc is one well-known URL tried for an issuer's metadata.
type WellKnownDoc struct {
	URL  string `json:"url"`
	Kind string `json:"kind"` // openid-configuration or oauth-authorization-server
	// Form is how the URL is made from the issuer: "appended" (OIDC
	// Discovery 4: issuer + /.well-known/...), "inserted" (RFC 8414 3:
	// /.well-known/... + the issuer's path) or "root" (both, for an
	// issuer without a path).
	Form     string          `json:"form"`
	Answered bool            `json:"answered"`
	Error    string          `json:"error,omitempty"`
	Issuer   string          `json:"issuer,omitempty"` // what the document says
	Body     json.RawMessage `json:"-"`
}

// EndpointCheck is whether an endpoint of the metadata answers at all.
type EndpointCheck struct {
	Member string  `json:"member"`
	URL    string  `json:"url"`
	Status int     `json:"status,omitempty"` // any HTTP answer: the endpoint is there
	Error  string  `json:"error,omitempty"`
	Millis float64 `json:"ms"`
}

// DiscoverReport is `oidc discover`: every well-known document tried, the
// metadata linted, its endpoints and keys checked. Its JSON is documented.
type DiscoverReport struct {
	Issuer    string          `json:"issuer"`
	Vendor    string          `json:"vendor,omitempty"`
	Documents []WellKnownDoc  `json:"documents"`
	Source    string          `json:"source,omitempty"` // the document linted
	Metadata  json.RawMessage `json:"metadata,omitempty"`
	Endpoints []EndpointCheck `json:"endpoints"`
	Keys      *KeySetLint     `json:"keys,omitempty"`
	Findings  []Finding       `json:"findings"`
	Valid     bool            `json:"valid"` // no finding of error severity or worse
}

// EndpointReport is what `oidc introspect`, `oidc revoke` and
// `oidc userinfo` got from an endpoint and what the checks made of it. Its
// JSON is documented.
type EndpointReport struct {
	Endpoint   string `json:"endpoint"`
	URL        string `json:"url"`
	AuthMethod string `json:"auth_method,omitempty"`
	Status     int    `json:"status"`
	// Active is introspection's verdict on the token (RFC 7662 2.2).
	Active *bool `json:"active,omitempty"`
	// Response is the answer's members (a signed answer's claims).
	Response json.RawMessage `json:"response,omitempty"`
	// JWT is a signed (or encrypted) answer as it came, and Verification
	// what the checks made of it.
	JWT          string        `json:"jwt,omitempty"`
	Verification *Verification `json:"verification,omitempty"`
	// Challenge is a WWW-Authenticate answer's parameters (RFC 6750 3).
	Challenge map[string]string `json:"challenge,omitempty"`
	Checks    []Check           `json:"checks"`
	Hints     []string          `json:"hints"`
	Valid     bool              `json:"valid"`
}
