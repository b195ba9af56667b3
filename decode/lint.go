package decode

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// Finding is one thing a lint found in an issuer's metadata or keys. Its
// ID is stable (scripts and CI filter on it); Clause is the specification
// it comes from; Fix says what the issuer's operator should change.
type Finding struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Member   string `json:"member,omitempty"`
	Message  string `json:"message"`
	Clause   string `json:"clause,omitempty"`
	Fix      string `json:"fix,omitempty"`
}

// Severities, most serious first. A critical or error finding makes a
// lint fail (exit 1).
const (
	SeverityCritical = "critical"
	SeverityError    = "error"
	SeverityWarning  = "warning"
	SeverityInfo     = "info"
)

var severityRank = map[string]int{SeverityCritical: 0, SeverityError: 1, SeverityWarning: 2, SeverityInfo: 3}

// SortFindings orders findings by severity, then by where they are.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return severityRank[fs[i].Severity] < severityRank[fs[j].Severity] })
}

// Failing reports whether a finding of error severity or worse is there.
func Failing(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return severityRank[f.Severity] <= severityRank[SeverityError] })
}

// Well-known documents (OIDC Discovery 4, RFC 8414 3).
const (
	WellKnownOpenID = "openid-configuration"
	WellKnownOAuth  = "oauth-authorization-server"
)

// MetadataLint says what a document was fetched for: the issuer the user
// named, and which well-known document it is.
type MetadataLint struct {
	Issuer    string
	WellKnown string
}

// Vendor names the issuer's vendor, when its URL or metadata says, for
// the quirks worth knowing ("" when none is recognised).
func Vendor(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case host == "login.microsoftonline.com" || strings.HasSuffix(host, ".ciamlogin.com") || host == "sts.windows.net":
		return "Microsoft Entra ID"
	case host == "accounts.google.com":
		return "Google"
	case (strings.HasPrefix(host, "cognito-idp.") || strings.HasPrefix(host, "issuer-cognito-idp.")) && strings.HasSuffix(host, ".amazonaws.com"):
		// issuer-cognito-idp: the pools whose issuer configuration is
		// UPDATED (multi-Region) rather than ORIGINAL.
		return "Amazon Cognito"
	case strings.HasSuffix(host, ".okta.com") || strings.HasSuffix(host, ".oktapreview.com"):
		return "Okta"
	case strings.HasSuffix(host, ".auth0.com"):
		return "Auth0"
	case strings.Contains(u.Path, "/realms/"):
		return "Keycloak"
	}
	return ""
}

// LintMetadata checks a discovery document (OIDC Discovery 3 and 4.3) or
// authorization server metadata (RFC 8414 2 and 3.3) against the issuer
// it was fetched for and the current best practice (RFC 9700).
func LintMetadata(raw []byte, o MetadataLint) []Finding {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return []Finding{{ID: "metadata_not_json", Severity: SeverityError, Message: "the document is not a JSON object",
			Clause: "OIDC Discovery 4.2, RFC 8414 3.2", Fix: "serve the metadata as a JSON object with Content-Type application/json"}}
	}
	l := &lint{members: members, o: o, vendor: Vendor(o.Issuer)}
	l.issuer()
	l.required()
	l.endpoints()
	l.pkce()
	l.grants()
	l.idTokenAlgs()
	l.misc()
	SortFindings(l.out)
	return l.out
}

type lint struct {
	members map[string]json.RawMessage
	o       MetadataLint
	vendor  string
	out     []Finding
}

func (l *lint) add(f Finding) { l.out = append(l.out, f) }

func (l *lint) str(name string) (string, bool) {
	raw, ok := l.members[name]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		l.add(Finding{ID: "member_type", Severity: SeverityError, Member: name, Message: name + " is not a string: " + short(raw),
			Clause: "OIDC Discovery 3, RFC 8414 2", Fix: "publish " + name + " as a JSON string"})
		return "", false
	}
	return s, true
}

func (l *lint) strings(name string) ([]string, bool) {
	raw, ok := l.members[name]
	if !ok {
		return nil, false
	}
	var v []string
	if json.Unmarshal(raw, &v) != nil {
		l.add(Finding{ID: "member_type", Severity: SeverityError, Member: name, Message: name + " is not an array of strings: " + short(raw),
			Clause: "OIDC Discovery 3, RFC 8414 2", Fix: "publish " + name + " as a JSON array of strings"})
		return nil, false
	}
	return v, true
}

func short(raw json.RawMessage) string {
	s := string(raw)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

func (l *lint) oidc() bool { return l.o.WellKnown != WellKnownOAuth }

func (l *lint) issuer() {
	iss, ok := l.str("issuer")
	if !ok {
		if _, present := l.members["issuer"]; !present {
			l.add(Finding{ID: "issuer_missing", Severity: SeverityError, Member: "issuer", Message: "the metadata has no issuer",
				Clause: "OIDC Discovery 3, RFC 8414 2", Fix: "publish issuer: the exact URL tokens carry as iss"})
		}
		return
	}
	want := l.o.Issuer
	if want == "" || iss == want {
		return
	}
	if l.vendor == "Microsoft Entra ID" && strings.Contains(iss, "{tenantid}") {
		l.add(Finding{ID: "entra_tenant_placeholder", Severity: SeverityWarning, Member: "issuer",
			Message: "issuer is a template, " + iss + ": the multi-tenant endpoints (/common, /organizations, /consumers) publish {tenantid}, and each ID token's iss names its own tenant",
			Clause:  "OIDC Discovery 4.3", Fix: "validate iss against the template with the token's tid, or use the tenant's own issuer (login.microsoftonline.com/TENANT-ID/v2.0)"})
		return
	}
	l.add(Finding{ID: "issuer_mismatch", Severity: SeverityError, Member: "issuer",
		Message: fmt.Sprintf("issuer is %s, not the URL it was fetched for, %s: %s", iss, want, issuerDifference(iss, want, l.vendor)),
		Clause:  "OIDC Discovery 4.3, RFC 8414 3.3",
		Fix:     "make issuer exactly the URL clients are configured with (and tokens' iss), or configure clients with " + iss})
}

// issuerDifference explains how two issuer URLs differ, with the usual
// causes.
func issuerDifference(got, want, vendor string) string {
	g, err1 := url.Parse(got)
	w, err2 := url.Parse(want)
	switch {
	case err1 != nil || err2 != nil:
		return "they are different strings"
	case strings.TrimSuffix(got, "/") == strings.TrimSuffix(want, "/"):
		return "they differ by a trailing slash, and the comparison is exact (clients fail with an issuer mismatch)"
	case !strings.EqualFold(g.Scheme, w.Scheme):
		return "the scheme differs (" + g.Scheme + " and " + w.Scheme + "): a TLS-terminating proxy in front of the issuer that does not pass X-Forwarded-Proto"
	case g.Host != w.Host && strings.EqualFold(g.Host, w.Host):
		// DNS names are case-insensitive, so both reach the same server:
		// only the exact comparison tells them apart.
		msg := "the host differs only in case (" + g.Host + " and " + w.Host + "): the same server, since host names are case-insensitive, but the issuer comparison is exact"
		if g.EscapedPath() != w.EscapedPath() {
			msg += "; the path differs too"
		}
		return msg
	case strings.EqualFold(got, want):
		return "they differ only in case, and the comparison is exact"
	case strings.EqualFold(g.Hostname(), w.Hostname()) && g.Port() != w.Port():
		return "the port differs: an issuer behind a proxy or load balancer that publishes its own port (set its external URL / frontend URL)"
	case strings.Contains(got, "/auth/realms/") != strings.Contains(want, "/auth/realms/") && (vendor == "Keycloak" || strings.Contains(got, "/realms/")):
		return "one has Keycloak's /auth prefix and the other not: Keycloak 17 and later dropped /auth from its URLs (set KC_HTTP_RELATIVE_PATH=/auth, or drop /auth on the clients)"
	case vendor == "Microsoft Entra ID" && strings.EqualFold(g.Hostname(), "sts.windows.net") && !strings.EqualFold(w.Hostname(), "sts.windows.net"):
		return "Entra's v1.0 endpoints name their issuer https://sts.windows.net/TENANT/ (the iss of v1.0 tokens), not the login.microsoftonline.com URL they are served from: configure clients with the sts.windows.net issuer, or use the v2.0 endpoint (login.microsoftonline.com/TENANT/v2.0), whose issuer is its own URL"
	case g.Host != w.Host:
		return "the host differs: the issuer publishes another name for itself (its configured hostname or frontend URL)"
	}
	return "the path differs"
}

// required: the members OIDC Discovery 3 (or RFC 8414 2) requires.
func (l *lint) required() {
	var need []string
	clause := "OIDC Discovery 3"
	if l.oidc() {
		need = []string{"authorization_endpoint", "token_endpoint", "jwks_uri", "response_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported"}
	} else {
		need, clause = []string{"authorization_endpoint", "token_endpoint", "response_types_supported"}, "RFC 8414 2"
	}
	for _, name := range need {
		if _, ok := l.members[name]; !ok {
			l.add(Finding{ID: "required_missing", Severity: SeverityError, Member: name, Message: name + " is missing: " + clause + " requires it",
				Clause: clause, Fix: "publish " + name})
		}
	}
	if _, ok := l.members["userinfo_endpoint"]; !ok && l.oidc() {
		l.add(Finding{ID: "userinfo_missing", Severity: SeverityInfo, Member: "userinfo_endpoint", Message: "no userinfo_endpoint: clients cannot fetch claims beyond the ID token",
			Clause: "OIDC Discovery 3 (RECOMMENDED)", Fix: "publish userinfo_endpoint if the issuer has one"})
	}
	if scopes, ok := l.strings("scopes_supported"); ok && l.oidc() && !slices.Contains(scopes, "openid") {
		l.add(Finding{ID: "scopes_no_openid", Severity: SeverityWarning, Member: "scopes_supported", Message: "scopes_supported does not list openid",
			Clause: "OIDC Discovery 3", Fix: "list openid in scopes_supported: the server must support it"})
	}
}

// endpoints: every URL member absolute, and https except on loopback.
func (l *lint) endpoints() {
	names := make([]string, 0, len(l.members))
	for name := range l.members {
		if strings.HasSuffix(name, "_endpoint") || name == "jwks_uri" || name == "issuer" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		if v, ok := l.str(name); ok {
			l.url(name, v)
		}
	}
	if raw, ok := l.members["mtls_endpoint_aliases"]; ok {
		var aliases map[string]string
		if json.Unmarshal(raw, &aliases) != nil {
			l.add(Finding{ID: "member_type", Severity: SeverityError, Member: "mtls_endpoint_aliases", Message: "mtls_endpoint_aliases is not an object of URLs",
				Clause: "RFC 8705 5", Fix: "publish mtls_endpoint_aliases as an object of endpoint names to URLs"})
			return
		}
		keys := make([]string, 0, len(aliases))
		for k := range aliases {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			l.url("mtls_endpoint_aliases."+k, aliases[k])
		}
	}
}

func (l *lint) url(name, v string) {
	u, err := url.Parse(v)
	if err != nil || !u.IsAbs() || u.Host == "" {
		l.add(Finding{ID: "endpoint_invalid", Severity: SeverityError, Member: name, Message: fmt.Sprintf("%s is not an absolute URL: %q", name, v),
			Clause: "OIDC Discovery 3, RFC 8414 2", Fix: "publish an absolute https URL"})
		return
	}
	if u.Scheme == "https" || u.Scheme == "http" && IsLoopbackHost(u.Hostname()) {
		return
	}
	l.add(Finding{ID: "endpoint_not_https", Severity: SeverityError, Member: name, Message: fmt.Sprintf("%s is %s: not https", name, v),
		Clause: "OIDC Discovery 3, RFC 8414 2, RFC 9700 2.6", Fix: "serve it over https (a proxy in front of the issuer that does not pass X-Forwarded-Proto makes http URLs)"})
}

// IsLoopbackHost: localhost or a loopback address, where plain http is
// acceptable (RFC 8252 7.3).
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func (l *lint) pkce() {
	methods, ok := l.strings("code_challenge_methods_supported")
	switch {
	case !ok && l.members["code_challenge_methods_supported"] == nil:
		msg := "code_challenge_methods_supported is absent: by RFC 8414 the issuer does not say it supports PKCE, and OAuth 2.1 clients (MCP's among them) refuse to log in"
		switch l.vendor {
		case "Microsoft Entra ID", "Amazon Cognito":
			msg += "; " + l.vendor + " supports S256 but does not advertise it"
		}
		l.add(Finding{ID: "pkce_not_advertised", Severity: SeverityWarning, Member: "code_challenge_methods_supported", Message: msg,
			Clause: "RFC 8414 2, RFC 9700 2.1.1", Fix: `publish "code_challenge_methods_supported": ["S256"]`})
	case ok && !slices.Contains(methods, "S256"):
		l.add(Finding{ID: "pkce_s256_missing", Severity: SeverityError, Member: "code_challenge_methods_supported",
			Message: "code_challenge_methods_supported does not list S256: " + strings.Join(methods, ", "),
			Clause:  "RFC 7636 4.2, RFC 9700 2.1.1", Fix: "support and list S256"})
	case ok && slices.Contains(methods, "plain"):
		l.add(Finding{ID: "pkce_plain_listed", Severity: SeverityInfo, Member: "code_challenge_methods_supported",
			Message: "plain is listed next to S256: a client that picks it sends the verifier in the clear",
			Clause:  "RFC 9700 2.1.1", Fix: "list S256 only"})
	}
}

func (l *lint) grants() {
	if grants, ok := l.strings("grant_types_supported"); ok {
		if slices.Contains(grants, "implicit") {
			l.add(Finding{ID: "grant_implicit", Severity: SeverityWarning, Member: "grant_types_supported", Message: "the implicit grant is offered: access tokens in the URL fragment",
				Clause: "RFC 9700 2.1.2", Fix: "offer the code flow with PKCE instead, and drop implicit"})
		}
		if slices.Contains(grants, "password") {
			l.add(Finding{ID: "grant_password", Severity: SeverityWarning, Member: "grant_types_supported", Message: "the resource owner password grant is offered: clients handle the user's password",
				Clause: "RFC 9700 2.4", Fix: "drop the password grant"})
		}
	}
	if types, ok := l.strings("response_types_supported"); ok {
		var implicit []string
		for _, t := range types {
			if slices.Contains(strings.Fields(t), "token") {
				implicit = append(implicit, t)
			}
		}
		if len(implicit) > 0 {
			l.add(Finding{ID: "response_type_token", Severity: SeverityWarning, Member: "response_types_supported",
				Message: "response types that put an access token in the front channel are offered: " + strings.Join(implicit, ", "),
				Clause:  "RFC 9700 2.1.2", Fix: "offer code (and code id_token) only"})
		}
	}
}

func (l *lint) idTokenAlgs() {
	algs, ok := l.strings("id_token_signing_alg_values_supported")
	if !ok {
		return
	}
	if slices.Contains(algs, "none") {
		l.add(Finding{ID: "id_token_alg_none", Severity: SeverityError, Member: "id_token_signing_alg_values_supported", Message: "none is offered: unsigned ID tokens",
			Clause: "OIDC Core 2, RFC 8725 3.1", Fix: "drop none"})
	}
	var hmac []string
	for _, a := range algs {
		if strings.HasPrefix(a, "HS") {
			hmac = append(hmac, a)
		}
	}
	if len(hmac) > 0 {
		l.add(Finding{ID: "id_token_alg_hmac", Severity: SeverityWarning, Member: "id_token_signing_alg_values_supported",
			Message: "HMAC is offered (" + strings.Join(hmac, ", ") + "): such ID tokens are keyed with a shared secret (by OIDC Core 10.1 the client secret; Keycloak uses a realm key), so whoever holds it can make them and no one can verify them with public keys",
			Clause:  "OIDC Core 10.1, RFC 8725 3.5", Fix: "sign ID tokens with an asymmetric key (RS256, ES256)"})
	}
	if !slices.Contains(algs, "RS256") && l.oidc() {
		l.add(Finding{ID: "id_token_rs256_missing", Severity: SeverityWarning, Member: "id_token_signing_alg_values_supported",
			Message: "RS256 is not offered: " + strings.Join(algs, ", "), Clause: "OIDC Discovery 3", Fix: "include RS256, which every client supports"})
	}
}

func (l *lint) misc() {
	var iss bool
	if raw, ok := l.members["authorization_response_iss_parameter_supported"]; ok {
		_ = json.Unmarshal(raw, &iss)
	}
	if !iss {
		l.add(Finding{ID: "iss_parameter_unsupported", Severity: SeverityInfo, Member: "authorization_response_iss_parameter_supported",
			Message: "no RFC 9207 iss in authorization responses: a client of several issuers cannot detect a mix-up from the response",
			Clause:  "RFC 9207 3", Fix: "send iss with every authorization response and publish authorization_response_iss_parameter_supported: true"})
	}
	var requirePAR bool
	if raw, ok := l.members["require_pushed_authorization_requests"]; ok {
		_ = json.Unmarshal(raw, &requirePAR)
	}
	if _, ok := l.members["pushed_authorization_request_endpoint"]; requirePAR && !ok {
		l.add(Finding{ID: "par_required_no_endpoint", Severity: SeverityError, Member: "require_pushed_authorization_requests",
			Message: "pushed authorization requests are required but there is no pushed_authorization_request_endpoint", Clause: "RFC 9126 5", Fix: "publish pushed_authorization_request_endpoint"})
	}
}

// ClientIDMetadataURL reports whether a client id is the URL of a client
// ID metadata document: https (or http to a loopback address, for
// tests), no user info, a path.
func ClientIDMetadataURL(id string) bool {
	u, err := url.Parse(id)
	if err != nil || u.User != nil || u.Host == "" || u.Path == "" || u.Path == "/" || u.Fragment != "" {
		return false
	}
	return u.Scheme == "https" || u.Scheme == "http" && IsLoopbackHost(u.Hostname())
}
