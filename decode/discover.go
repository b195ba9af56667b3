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
