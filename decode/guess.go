package decode

import (
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
	TypeOpaque          = "opaque"
	TypeJWT             = "jwt"
	TypeJWS             = "jws"
)

const backchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// guess decides what the token most likely is, from its label, header and
// claims, and says why.
func guess(r *Result) *Guess {
	g := &Guess{Vendor: vendor(r)}
	typ, _ := stringMember(r.HeaderMembers, "typ")
	ltyp := strings.ToLower(strings.TrimPrefix(strings.ToLower(typ), "application/"))
	c := r.Claims
	ev := func(format string) { g.Evidence = append(g.Evidence, format) }
	set := func(t, name string) *Guess { g.Type, g.Name = t, name; return g }

	switch r.Kind {
	case KindOpaque:
		if r.Label == "code" {
			ev("came in the code parameter")
			return set(TypeCode, "authorization code")
		}
		if r.Label != "" {
			ev("came in the " + r.Label + " member")
			return set(r.Label, strings.ReplaceAll(r.Label, "_", " ")+" (opaque)")
		}
		if r.Opaque != nil && r.Opaque.Recognised != "" {
			ev("prefix matches a " + r.Opaque.Recognised)
		} else {
			ev("not a JWT: no dots separating base64url segments")
		}
		return set(TypeOpaque, "opaque token")
	case KindJWE:
		ev("five segments: a JWE, encrypted to a key you may not have")
		if cty, _ := stringMember(r.HeaderMembers, "cty"); strings.EqualFold(cty, "JWT") {
			ev("cty JWT: the plaintext is a signed JWT")
		}
		if g.Vendor == "Auth0" {
			ev("Auth0 encrypts access tokens when no audience is requested: ask for one with the audience parameter to get a JWT your API can verify")
		}
		if r.Label != "" {
			ev("came in the " + r.Label + " member")
			return set(r.Label, "encrypted "+strings.ReplaceAll(r.Label, "_", " "))
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
	if r.Claims == nil && r.PayloadText == "" {
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

// vendor names the issuer's product when its iss (or header) gives it away.
func vendor(r *Result) string {
	iss, _ := stringMember(r.Claims, "iss")
	if iss == "" {
		iss, _ = stringMember(r.HeaderMembers, "iss")
	}
	switch {
	case iss == "":
		if has(r.Claims, "kubernetes.io") {
			return "Kubernetes"
		}
		return ""
	case strings.Contains(iss, "login.microsoftonline.com"), strings.Contains(iss, "sts.windows.net"), strings.Contains(iss, "ciamlogin.com"), strings.Contains(iss, "b2clogin.com"):
		return "Entra ID"
	case iss == "https://accounts.google.com", iss == "accounts.google.com":
		return "Google"
	case strings.Contains(iss, ".okta.com"), strings.Contains(iss, ".oktapreview.com"), strings.Contains(iss, ".okta-emea.com"):
		return "Okta"
	case strings.Contains(iss, ".auth0.com"):
		return "Auth0"
	case strings.Contains(iss, "/realms/"):
		return "Keycloak"
	case strings.Contains(iss, "zitadel"):
		return "ZITADEL"
	case strings.Contains(iss, "cognito-idp."):
		return "Amazon Cognito"
	case strings.Contains(iss, "token.actions.githubusercontent.com"):
		return "GitHub Actions"
	case strings.Contains(iss, "kubernetes") || has(r.Claims, "kubernetes.io"):
		return "Kubernetes"
	case strings.Contains(iss, "/dex"):
		return "Dex"
	}
	return ""
}
