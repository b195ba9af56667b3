package decode

import "encoding/json"

// Step is one timed part of a flow.
type Step struct {
	Name   string  `json:"name"`
	Millis float64 `json:"ms"`
}

// FlowReport is everything a grant got back from the issuer and what each
// check made of it: the token response, the ID token, the access token,
// userinfo. Every grant fills one and render prints it; its JSON form is
// the documented `oidc login --json` schema.
type FlowReport struct {
	// Grant is authorization_code, client_credentials or device_code.
	Grant         string          `json:"grant"`
	Issuer        string          `json:"issuer"`
	ClientID      string          `json:"client_id"`
	Scopes        []string        `json:"scopes"`
	AuthMethod    string          `json:"auth_method"`
	RedirectURI   string          `json:"redirect_uri,omitempty"`
	Timeline      []Step          `json:"timeline"`
	TokenResponse json.RawMessage `json:"token_response"`
	IDToken       *Verification   `json:"id_token"`
	AccessToken   *Verification   `json:"access_token"`
	Userinfo      json.RawMessage `json:"userinfo,omitempty"`
	// UserinfoJWT is a signed or encrypted userinfo response as it came.
	UserinfoJWT   string `json:"userinfo_jwt,omitempty"`
	UserinfoError string `json:"userinfo_error,omitempty"`
	// Checks are the flow's own checks: token response, userinfo.
	Checks []Check  `json:"checks"`
	Hints  []string `json:"hints"`
	// Claims says for each claim that is not protocol plumbing where it
	// was found: which token is for what.
	Claims []ClaimPlace `json:"claims"`
	Valid  bool         `json:"valid"`
}

// ClaimPlace is one row of the claim matrix.
type ClaimPlace struct {
	Name        string `json:"name"`
	IDToken     bool   `json:"id_token"`
	AccessToken bool   `json:"access_token"`
	Userinfo    bool   `json:"userinfo"`
}

// Step appends a timed step.
func (r *FlowReport) Step(name string, millis float64) {
	r.Timeline = append(r.Timeline, Step{Name: name, Millis: millis})
}

// Decide sets Valid: every verified token valid and no failed check.
func (r *FlowReport) Decide() {
	r.Valid = (r.IDToken == nil || r.IDToken.Valid) && (r.AccessToken == nil || r.AccessToken.Valid)
	for _, c := range r.Checks {
		if c.Status == Fail {
			r.Valid = false
		}
	}
}
