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

// ProbeStep is one step of walking a protected resource's authorization
// chain: what was asked, what came back, the verdict, the clause, a fix.
type ProbeStep struct {
	Name     string `json:"name"`
	Request  string `json:"request,omitempty"`  // "POST https://..."
	Response string `json:"response,omitempty"` // "401, WWW-Authenticate: ..."
	Status   string `json:"status"`             // pass, fail, warn, skip
	// ID names a warning or a failure, stable across versions (e.g.
	// challenge-no-resource-metadata), for scripts to match on.
	ID      string `json:"id,omitempty"`
	Message string `json:"message"`
	Clause  string `json:"clause,omitempty"`
	Fix     string `json:"fix,omitempty"`
	// Protocol: a failure is the server breaking the protocol (exit 3),
	// not a check that failed (exit 1).
	Protocol bool `json:"protocol,omitempty"`
}

// ProbeReport is `oidc probe`; its JSON is documented.
type ProbeReport struct {
	URL      string `json:"url"`
	MCP      bool   `json:"mcp"`
	Resource string `json:"resource,omitempty"` // the resource identifier
	// ResourceMetadata is the RFC 9728 document that was used.
	ResourceMetadata    json.RawMessage `json:"resource_metadata,omitempty"`
	AuthorizationServer string          `json:"authorization_server,omitempty"`
	ClientID            string          `json:"client_id,omitempty"`
	Registration        string          `json:"registration,omitempty"` // pre-registered, metadata document, dynamic
	Scopes              []string        `json:"scopes"`
	Steps               []ProbeStep     `json:"steps"`
	Login               *FlowReport     `json:"login,omitempty"`
	Answer              json.RawMessage `json:"answer,omitempty"`
	Valid               bool            `json:"valid"`
}

// Add appends a step.
func (r *ProbeReport) Add(s ProbeStep) *ProbeStep {
	r.Steps = append(r.Steps, s)
	return &r.Steps[len(r.Steps)-1]
}

// Failed is the first failed step, nil when none failed.
func (r *ProbeReport) Failed() *ProbeStep {
	for i := range r.Steps {
		if r.Steps[i].Status == Fail {
			return &r.Steps[i]
		}
	}
	return nil
}
