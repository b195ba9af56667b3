package decode

import (
	"net/netip"
	"strings"
)

// Token type names used in Guess.Type.
const (
	TypeIDToken         = "id_token"
	TypeAccessToken     = "access_token"
	TypeLogoutToken     = "logout_token"
	TypeDPoPProof       = "dpop_proof"
	TypeServiceAccount  = "kubernetes_service_account"
	TypeClientAssertion = "client_assertion"
	TypeRequestObject   = "jwt_request"
	TypeSecurityEvent   = "security_event"
	TypeRefreshToken    = "refresh_token"
	TypeIntrospection   = "introspection_response"
	TypeSDJWT           = "sd_jwt"
	TypeEncrypted       = "encrypted"
	TypeCode            = "authorization_code"
	TypeDeviceCode      = "device_code"
	TypeOpaque          = "opaque"
	TypeJWT             = "jwt"
	TypeJWS             = "jws"
)

const backchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// guess decides what the token most likely is, from its label, header and
// claims, and says why.
func guess(r *Result) *Guess {
	g := &Guess{}
	typ, _ := stringMember(r.HeaderMembers, "typ")
	ltyp := strings.TrimPrefix(strings.ToLower(typ), "application/")
	c := r.Claims
	ev := func(format string) { g.Evidence = append(g.Evidence, format) }
	set := func(t, name string) *Guess {
		g.Type, g.Name = t, name
		if v, why := vendor(r); v != "" {
			g.Vendor = v
			ev(why)
		}
		return g
	}

	switch r.Kind {
	case KindOpaque:
		kp := prefixOf(r.Raw)
		withPrefix := func(t, name string) *Guess {
			if kp != nil {
				ev("prefix " + kp.prefix + " marks " + article(kp.what) + " " + kp.what)
				set(t, name).Vendor = kp.vendor
				return g
			}
			return set(t, name)
		}
		if r.Label == "code" {
			ev("came in the code parameter")
			return withPrefix(TypeCode, "authorization code")
		}
		if t, ok := labelTypes[r.Label]; ok {
			ev("came in the " + r.Label + " member")
			return withPrefix(t, strings.ReplaceAll(r.Label, "_", " ")+" (opaque)")
		}
		if kp != nil {
			return withPrefix(kp.typ, kp.what)
		}
		if r.Opaque != nil && r.Opaque.Recognised != "" {
			ev("looks like " + article(r.Opaque.Recognised) + " " + r.Opaque.Recognised)
		} else {
			ev("not a JWT: no dots separating base64url segments")
		}
		return set(TypeOpaque, "opaque token")
	case KindJWE:
		ev("five segments: a JWE, encrypted to a key you may not have")
		if cty, _ := stringMember(r.HeaderMembers, "cty"); strings.EqualFold(cty, "JWT") {
			ev("cty JWT: the plaintext is a signed JWT")
		}
		if v, _ := vendor(r); v == "Auth0" {
			ev("Auth0 encrypts access tokens when no audience is requested: ask for one with the audience parameter to get a JWT your API can verify")
		}
		if t, ok := labelTypes[r.Label]; ok {
			ev("came in the " + r.Label + " member")
			return set(t, "encrypted "+strings.ReplaceAll(r.Label, "_", " "))
		}
		return set(TypeEncrypted, "encrypted token (JWE)")
	}
	if r.Serialization == "sd-jwt" {
		ev("issuer-signed JWT followed by ~-separated disclosures")
		if vct, ok := stringMember(c, "vct"); ok {
			ev("vct " + vct)
		}
		return set(TypeSDJWT, "SD-JWT (selective disclosure)")
	}
	if r.Claims == nil && (r.PayloadText == "" || r.Error != nil && r.Error.Segment == "payload") {
		ev("the payload could not be read")
		return set(TypeJWS, "JWS")
	}
	if r.Claims == nil {
		ev("the payload is not a JSON object")
		return set(TypeJWS, "JWS of other content (not a JWT)")
	}
	if typ != "" {
		ev("header typ " + typ)
	}
	switch ltyp {
	case "at+jwt":
		return set(TypeAccessToken, "OAuth 2.0 access token (RFC 9068 JWT profile)")
	case "logout+jwt":
		return set(TypeLogoutToken, "OpenID Connect back-channel logout token")
	case "dpop+jwt":
		return set(TypeDPoPProof, "DPoP proof (RFC 9449)")
	case "secevent+jwt":
		return set(TypeSecurityEvent, "security event token (RFC 8417)")
	case "oauth-authz-req+jwt":
		return set(TypeRequestObject, "request object (RFC 9101 JAR)")
	case "token-introspection+jwt":
		return set(TypeIntrospection, "JWT introspection response (RFC 9701)")
	case "client-authentication+jwt":
		return set(TypeClientAssertion, "client assertion (private_key_jwt)")
	}
	if has(c, "events") {
		if events := string(lookup(c, "events")); strings.Contains(events, backchannelLogoutEvent) {
			ev("events has the back-channel logout event")
			return set(TypeLogoutToken, "OpenID Connect back-channel logout token")
		}
		ev("has events")
		return set(TypeSecurityEvent, "security event token (RFC 8417)")
	}
	if has(c, "htm") && has(c, "htu") {
		ev("has htm and htu")
		return set(TypeDPoPProof, "DPoP proof (RFC 9449)")
	}
	if has(c, "kubernetes.io") {
		ev("has the kubernetes.io claim")
		return set(TypeServiceAccount, "Kubernetes service account token")
	}
	if iss, _ := stringMember(c, "iss"); iss == "kubernetes/serviceaccount" {
		ev("iss kubernetes/serviceaccount")
		return set(TypeServiceAccount, "Kubernetes service account token (legacy secret-based)")
	}
	// Keycloak says what each of its tokens is in a typ claim.
	if kt, ok := stringMember(c, "typ"); ok {
		switch kt {
		case "ID":
			ev("Keycloak typ claim ID")
			return set(TypeIDToken, "OpenID Connect ID token")
		case "Bearer":
			ev("Keycloak typ claim Bearer")
			return set(TypeAccessToken, "OAuth 2.0 access token")
		case "Refresh", "Offline":
			ev("Keycloak typ claim " + kt)
			return set(TypeRefreshToken, "refresh token (Keycloak)")
		case "Logout":
			ev("Keycloak typ claim Logout")
			return set(TypeLogoutToken, "OpenID Connect back-channel logout token")
		}
	}
	switch r.Label {
	case "id_token":
		ev("came in the id_token member")
		return set(TypeIDToken, "OpenID Connect ID token")
	case "access_token":
		ev("came in the access_token member")
		return set(TypeAccessToken, "OAuth 2.0 access token")
	case "refresh_token":
		ev("came in the refresh_token member")
		return set(TypeRefreshToken, "refresh token")
	case "logout_token":
		ev("came in the logout_token member")
		return set(TypeLogoutToken, "OpenID Connect back-channel logout token")
	}
	idMarks := present(c, "nonce", "at_hash", "c_hash", "auth_time", "azp")
	atMarks := present(c, "scope", "scp", "client_id", "cid", "roles", "permissions")
	if v, _ := stringMember(c, "ver"); v == "1.0" && has(c, "appid") {
		atMarks = append(atMarks, "appid (Entra ID v1)")
	}
	iss, _ := stringMember(c, "iss")
	sub, _ := stringMember(c, "sub")
	switch {
	case len(idMarks) > 0 && len(atMarks) == 0:
		ev("has " + strings.Join(idMarks, ", "))
		return set(TypeIDToken, "OpenID Connect ID token")
	case len(atMarks) > 0 && !has(c, "nonce") && !has(c, "at_hash"):
		ev("has " + strings.Join(atMarks, ", "))
		return set(TypeAccessToken, "OAuth 2.0 access token")
	case len(idMarks) > 0:
		ev("has " + strings.Join(idMarks, ", ") + ", and also " + strings.Join(atMarks, ", "))
		return set(TypeIDToken, "OpenID Connect ID token")
	case iss != "" && iss == sub && has(c, "aud") && has(c, "jti"):
		ev("iss equals sub, with aud and jti")
		return set(TypeClientAssertion, "client assertion (private_key_jwt, RFC 7523)")
	case has(c, "response_type") && has(c, "client_id"):
		ev("has response_type and client_id")
		return set(TypeRequestObject, "request object (RFC 9101 JAR)")
	}
	if len(g.Evidence) == 0 {
		ev("a signed JSON object with no claim that marks a known token type")
	}
	return set(TypeJWT, "JSON Web Token")
}

// present lists which of the names are claims of the token.
func present(c []Member, names ...string) []string {
	var out []string
	for _, n := range names {
		if has(c, n) {
			out = append(out, n)
		}
	}
	return out
}

// labelTypes maps the member a token came in to its documented type.
var labelTypes = map[string]string{
	"id_token": TypeIDToken, "access_token": TypeAccessToken, "refresh_token": TypeRefreshToken,
	"logout_token": TypeLogoutToken, "code": TypeCode, "device_code": TypeDeviceCode,
}

// vendors recognise an issuer's product by its iss host (or path, for
// products that put the tenant there), and say why.
var vendors = []struct {
	name  string
	match func(host, path string) bool
}{
	{"Entra ID", func(h, _ string) bool {
		return h == "login.microsoftonline.com" || h == "sts.windows.net" || hostIn(h, "ciamlogin.com", "b2clogin.com", "login.microsoftonline.us")
	}},
	{"Google", func(h, _ string) bool { return h == "accounts.google.com" }},
	{"Okta", func(h, _ string) bool { return hostIn(h, "okta.com", "oktapreview.com", "okta-emea.com") }},
	{"Auth0", func(h, _ string) bool { return hostIn(h, "auth0.com") }},
	{"Amazon Cognito", func(h, _ string) bool { return strings.HasPrefix(h, "cognito-idp.") && hostIn(h, "amazonaws.com") }},
	{"GitHub Actions", func(h, _ string) bool { return h == "token.actions.githubusercontent.com" }},
	{"ZITADEL", func(h, _ string) bool { return hostIn(h, "zitadel.cloud") }},
	{"Keycloak", func(_, p string) bool { return strings.Contains(p, "/realms/") }},
	{"Kubernetes", func(h, _ string) bool {
		return h == "kubernetes.default.svc" || strings.HasPrefix(h, "kubernetes.default.svc.")
	}},
	{"Dex", func(_, p string) bool { return strings.HasSuffix(p, "/dex") || strings.Contains(p, "/dex/") }},
}

// hostIn reports whether host is one of the domains or below one.
func hostIn(host string, domains ...string) bool {
	for _, d := range domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// vendor names the issuer's product when its iss (or header iss) gives
// it away, with the evidence. The iss is unverified: this is a guess.
func vendor(r *Result) (string, string) {
	if has(r.Claims, "kubernetes.io") {
		return "Kubernetes", "has the kubernetes.io claim"
	}
	iss, ok := stringMember(r.Claims, "iss")
	if !ok {
		iss, _ = stringMember(r.HeaderMembers, "iss")
	}
	scheme, host, path, ok := splitURL(iss)
	if !ok {
		return "", ""
	}
	hostname := strings.ToLower(host)
	if i := strings.LastIndexByte(hostname, '@'); i >= 0 {
		hostname = hostname[i+1:]
	}
	if strings.HasPrefix(hostname, "[") {
		hostname, _, _ = strings.Cut(hostname[1:], "]")
	} else {
		hostname, _, _ = strings.Cut(hostname, ":")
	}
	for _, v := range vendors {
		if v.match(hostname, path) {
			return v.name, "iss " + scheme + "://" + host + path + " looks like " + v.name
		}
	}
	return "", ""
}

// splitURL splits an absolute URL into scheme, host (with any port) and
// path, without the query or fragment: enough to recognise an issuer,
// and cheap, since every decoded token asks.
func splitURL(s string) (scheme, host, path string, ok bool) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || scheme == "" || strings.ContainsAny(scheme, "/?#") {
		return "", "", "", false
	}
	rest, _, _ = strings.Cut(rest, "#")
	rest, _, _ = strings.Cut(rest, "?")
	host, path = rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	// What url.Parse refuses, or what browsers read as another host.
	if host == "" || strings.ContainsAny(host, "\\ \t") {
		return "", "", "", false
	}
	if h, _, _ := strings.Cut(host[strings.LastIndexByte(host, '@')+1:], "]"); strings.HasPrefix(h, "[") {
		if _, err := netip.ParseAddr(h[1:]); err != nil {
			return "", "", "", false
		}
	}
	return scheme, host, path, true
}

// article is "a" or "an" for the word or name that follows it, by how it
// is said: an Ory, an ID token, an HMAC key, a UUID, a Google token.
func article(s string) string {
	word, _, _ := strings.Cut(s, " ")
	if word == "" {
		return "a"
	}
	acronym := len(word) > 1
	for i := 0; i < len(word) && i < 2; i++ {
		if c := word[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			acronym = false
		}
	}
	vowels := "aeiou"
	if acronym {
		vowels = "aefhilmnorsx" // spelled out: eff, aitch, ell, em...; but a UUID
	} else if l := strings.ToLower(word); strings.HasPrefix(l, "us") || strings.HasPrefix(l, "uni") {
		return "a" // a user, a unique
	}
	if strings.IndexByte(vowels, word[0]|0x20) >= 0 {
		return "an"
	}
	return "a"
}
