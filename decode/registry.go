package decode

import "sync"

// ClaimGroup orders claims for display: registered claims first, then the
// OpenID Connect and OAuth ones, then vendor claims, then the rest.
type ClaimGroup int

const (
	GroupRegistered ClaimGroup = iota
	GroupStandard
	GroupVendor
	GroupOther
)

// ClaimInfo explains a claim or header parameter name.
type ClaimInfo struct {
	Desc  string
	Group ClaimGroup
	Rank  int // order within the group
}

type entry struct {
	name string
	desc string
}

func table(group ClaimGroup, entries ...entry) map[string]ClaimInfo {
	m := make(map[string]ClaimInfo, len(entries))
	for i, e := range entries {
		m[e.name] = ClaimInfo{Desc: e.desc, Group: group, Rank: i}
	}
	return m
}

func merge(maps ...map[string]ClaimInfo) map[string]ClaimInfo {
	out := map[string]ClaimInfo{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// The tables are built on first use: start-up is paid by every command.

// claims explains payload claim names. Descriptions say what the claim means
// to someone debugging a login, and name the defining document.
var claims = sync.OnceValue(func() map[string]ClaimInfo {
	return merge(
		table(GroupRegistered,
			entry{"iss", "Issuer: who made the token (RFC 7519)"},
			entry{"sub", "Subject: the user or client it is about (RFC 7519)"},
			entry{"aud", "Audience: who must accept it (RFC 7519)"},
			entry{"exp", "Expiration time (RFC 7519)"},
			entry{"nbf", "Not before: invalid until then (RFC 7519)"},
			entry{"iat", "Issued at (RFC 7519)"},
			entry{"jti", "JWT ID: unique identifier, for replay detection (RFC 7519)"},
		),
		table(GroupStandard,
			entry{"azp", "Authorized party: the client the token was issued to (OIDC Core)"},
			entry{"client_id", "Client the token was issued to (RFC 9068, RFC 8693)"},
			entry{"active", "Whether the token is active now: valid, unexpired, not revoked (RFC 7662)"},
			entry{"username", "Human-readable identifier of the resource owner (RFC 7662)"},
			entry{"token_type", "Type of the token: Bearer, DPoP, N_A (RFC 7662)"},
			entry{"auth_time", "When the user authenticated (OIDC Core)"},
			entry{"nonce", "Value from the authorization request, binds the ID token to it (OIDC Core)"},
			entry{"acr", "Authentication context class reference: how strong the login was (OIDC Core)"},
			entry{"amr", "Authentication methods used, e.g. pwd, otp, mfa (OIDC Core, RFC 8176)"},
			entry{"at_hash", "Access token hash: left half of the hash of the access token (OIDC Core)"},
			entry{"c_hash", "Code hash: left half of the hash of the authorization code (OIDC Core)"},
			entry{"s_hash", "State hash (FAPI)"},
			entry{"sid", "Session ID at the issuer (OIDC Front/Back-Channel Logout)"},
			entry{"scope", "Scopes granted (RFC 9068, RFC 8693)"},
			entry{"scp", "Scopes granted (Okta, Entra ID: delegated permissions)"},
			entry{"roles", "Roles granted (RFC 9068 / SCIM; Entra ID app roles)"},
			entry{"groups", "Groups the user belongs to (RFC 9068 / SCIM; Okta, Entra ID, Keycloak)"},
			entry{"entitlements", "Entitlements (RFC 9068 / SCIM)"},
			entry{"act", "Actor: who is acting on behalf of the subject (RFC 8693 token exchange)"},
			entry{"may_act", "Who may act on behalf of the subject (RFC 8693)"},
			entry{"cnf", "Confirmation: the key the token is bound to, for DPoP or mTLS (RFC 7800)"},
			entry{"events", "Security events (RFC 8417); back-channel logout uses it"},
			entry{"htm", "DPoP: HTTP method of the request (RFC 9449)"},
			entry{"htu", "DPoP: HTTP URI of the request (RFC 9449)"},
			entry{"ath", "DPoP: hash of the access token (RFC 9449)"},
			entry{"name", "Full name (OIDC Core)"},
			entry{"given_name", "Given name (OIDC Core)"},
			entry{"family_name", "Family name (OIDC Core)"},
			entry{"middle_name", "Middle name (OIDC Core)"},
			entry{"nickname", "Casual name (OIDC Core)"},
			entry{"preferred_username", "Shorthand name the user wants to be called; not unique, not stable (OIDC Core)"},
			entry{"profile", "Profile page URL (OIDC Core)"},
			entry{"picture", "Profile picture URL (OIDC Core)"},
			entry{"website", "Web page URL (OIDC Core)"},
			entry{"email", "Email address; trust it only with email_verified (OIDC Core)"},
			entry{"email_verified", "Whether the issuer verified the email address (OIDC Core)"},
			entry{"gender", "Gender (OIDC Core)"},
			entry{"birthdate", "Birthday (OIDC Core)"},
			entry{"zoneinfo", "Time zone (OIDC Core)"},
			entry{"locale", "Locale (OIDC Core)"},
			entry{"phone_number", "Phone number (OIDC Core)"},
			entry{"phone_number_verified", "Whether the issuer verified the phone number (OIDC Core)"},
			entry{"address", "Postal address (OIDC Core)"},
			entry{"updated_at", "When the profile was last updated (OIDC Core)"},
			entry{"sub_jwk", "Self-issued: the key the subject is derived from (OIDC Core)"},
			entry{"_sd", "SD-JWT: digests of selectively disclosable claims (RFC 9901)"},
			entry{"_sd_alg", "SD-JWT: hash algorithm of the digests (RFC 9901)"},
			entry{"vct", "SD-JWT VC: credential type"},
			entry{"status", "Token status list entry (OAuth Status List)"},
		),
		table(GroupVendor,
			// Entra ID (Azure AD)
			entry{"tid", "Entra ID: tenant ID"},
			entry{"oid", "Entra ID: the user's object ID, stable across apps in the tenant"},
			entry{"ver", "Token version (Entra ID 1.0/2.0, Okta 1)"},
			entry{"appid", "Entra ID v1: client ID of the app that asked for the token"},
			entry{"appidacr", "Entra ID v1: how the client authenticated (0 public, 1 secret, 2 certificate)"},
			entry{"azpacr", "Entra ID v2: how the client authenticated (0 public, 1 secret, 2 certificate)"},
			entry{"idp", "Identity provider that authenticated the user (Entra ID, Auth0)"},
			entry{"upn", "Entra ID: user principal name (not stable, do not key on it)"},
			entry{"unique_name", "Entra ID v1: display name of the user"},
			entry{"uti", "Entra ID: internal token identifier"},
			entry{"rh", "Entra ID: internal claim used to revalidate tokens"},
			entry{"aio", "Entra ID: internal claim"},
			entry{"wids", "Entra ID: directory role template IDs"},
			entry{"xms_cc", "Entra ID: client capabilities"},
			entry{"hasgroups", "Entra ID: groups overage, fetch them from Microsoft Graph"},
			entry{"_claim_names", "Distributed claims: names resolved from _claim_sources (OIDC Core 5.6.2)"},
			entry{"_claim_sources", "Distributed claims: where to fetch them (OIDC Core 5.6.2)"},
			// Okta
			entry{"cid", "Okta: client ID the token was issued to"},
			entry{"uid", "Okta: the user's ID"},
			// Keycloak
			entry{"typ", "Keycloak: token type (ID, Bearer, Refresh)"},
			entry{"session_state", "Keycloak: session ID"},
			entry{"realm_access", "Keycloak: realm roles"},
			entry{"resource_access", "Keycloak: client roles, per client"},
			entry{"allowed-origins", "Keycloak: CORS origins allowed for the client"},
			// Google
			entry{"hd", "Google: hosted domain of a Workspace account"},
			// Auth0
			entry{"permissions", "Auth0: API permissions (RBAC)"},
			entry{"org_id", "Auth0: organization ID"},
			// Kubernetes service accounts
			entry{"kubernetes.io", "Kubernetes: namespace, service account and pod of the token"},
			// ZITADEL, Dex and others
			entry{"urn:zitadel:iam:org:project:roles", "ZITADEL: project roles"},
			entry{"federated_claims", "Dex: the upstream connector and user ID"},
			entry{"at_use_nbr", "Okta/Ping: access token use count"},
		),
	)
})

// headerParams explains JOSE header parameters (RFC 7515, 7516, 7518, 7797,
// 9449 and vendor ones).
var headerParams = sync.OnceValue(func() map[string]ClaimInfo {
	return table(GroupRegistered,
		entry{"alg", "Algorithm"},
		entry{"enc", "Content encryption algorithm (JWE)"},
		entry{"zip", "Compression of the plaintext before encryption (JWE)"},
		entry{"kid", "Key ID: which of the issuer's keys signed it"},
		entry{"typ", "Media type of the whole token"},
		entry{"cty", "Content type of the payload; JWT means a nested token"},
		entry{"crit", "Extensions the recipient must understand or reject the token"},
		entry{"jku", "URL of a key set; never fetch it, keys come from the issuer"},
		entry{"jwk", "Embedded public key; never trust it to verify the token itself"},
		entry{"x5u", "URL of an X.509 chain; never fetch it, keys come from the issuer"},
		entry{"x5c", "Embedded X.509 chain; trust it only against your own roots"},
		entry{"x5t", "SHA-1 thumbprint of the signing certificate"},
		entry{"x5t#S256", "SHA-256 thumbprint of the signing certificate"},
		entry{"b64", "false: payload is not base64url-encoded (RFC 7797)"},
		entry{"epk", "Ephemeral public key for ECDH-ES (JWE)"},
		entry{"apu", "Agreement PartyUInfo for ECDH-ES (JWE)"},
		entry{"apv", "Agreement PartyVInfo for ECDH-ES (JWE)"},
		entry{"iv", "Initialization vector for AES-GCM key wrapping (JWE)"},
		entry{"tag", "Authentication tag for AES-GCM key wrapping (JWE)"},
		entry{"p2s", "PBES2 salt (JWE)"},
		entry{"p2c", "PBES2 iteration count (JWE)"},
		entry{"nonce", "Nonce in the header: Entra ID Graph tokens (not verifiable by you), ACME"},
		entry{"url", "Request URL (ACME)"},
		entry{"iss", "Issuer, replicated into the header (RFC 7516 5.3)"},
		entry{"sub", "Subject, replicated into the header"},
		entry{"aud", "Audience, replicated into the header"},
	)
})

// algorithms explains JWS and JWE "alg" values and JWE "enc" values.
var algorithms = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"none":    "no signature: anyone can make this token",
		"HS256":   "HMAC using SHA-256 (shared secret)",
		"HS384":   "HMAC using SHA-384 (shared secret)",
		"HS512":   "HMAC using SHA-512 (shared secret)",
		"RS256":   "RSASSA-PKCS1-v1_5 using SHA-256",
		"RS384":   "RSASSA-PKCS1-v1_5 using SHA-384",
		"RS512":   "RSASSA-PKCS1-v1_5 using SHA-512",
		"PS256":   "RSASSA-PSS using SHA-256",
		"PS384":   "RSASSA-PSS using SHA-384",
		"PS512":   "RSASSA-PSS using SHA-512",
		"ES256":   "ECDSA using P-256 and SHA-256",
		"ES384":   "ECDSA using P-384 and SHA-384",
		"ES512":   "ECDSA using P-521 and SHA-512",
		"ES256K":  "ECDSA using secp256k1 and SHA-256",
		"EdDSA":   "EdDSA (Ed25519 or Ed448)",
		"Ed25519": "EdDSA using Ed25519",
		"Ed448":   "EdDSA using Ed448",

		"RSA1_5":             "RSAES-PKCS1-v1_5 key encryption (deprecated: padding oracle attacks)",
		"RSA-OAEP":           "RSAES-OAEP key encryption with SHA-1",
		"RSA-OAEP-256":       "RSAES-OAEP key encryption with SHA-256",
		"RSA-OAEP-384":       "RSAES-OAEP key encryption with SHA-384",
		"RSA-OAEP-512":       "RSAES-OAEP key encryption with SHA-512",
		"A128KW":             "AES-128 key wrap",
		"A192KW":             "AES-192 key wrap",
		"A256KW":             "AES-256 key wrap",
		"dir":                "direct use of a shared symmetric key",
		"ECDH-ES":            "ECDH ephemeral-static key agreement",
		"ECDH-ES+A128KW":     "ECDH-ES with AES-128 key wrap",
		"ECDH-ES+A192KW":     "ECDH-ES with AES-192 key wrap",
		"ECDH-ES+A256KW":     "ECDH-ES with AES-256 key wrap",
		"A128GCMKW":          "AES-128-GCM key wrap",
		"A192GCMKW":          "AES-192-GCM key wrap",
		"A256GCMKW":          "AES-256-GCM key wrap",
		"PBES2-HS256+A128KW": "password-based key wrap (PBES2, SHA-256, AES-128)",
		"PBES2-HS384+A192KW": "password-based key wrap (PBES2, SHA-384, AES-192)",
		"PBES2-HS512+A256KW": "password-based key wrap (PBES2, SHA-512, AES-256)",

		"A128CBC-HS256": "AES-128-CBC with HMAC SHA-256",
		"A192CBC-HS384": "AES-192-CBC with HMAC SHA-384",
		"A256CBC-HS512": "AES-256-CBC with HMAC SHA-512",
		"A128GCM":       "AES-128-GCM",
		"A192GCM":       "AES-192-GCM",
		"A256GCM":       "AES-256-GCM",
	}
})

// IsNumericDate reports whether a claim holds seconds since the epoch.
func IsNumericDate(claim string) bool {
	switch claim {
	case "exp", "nbf", "iat", "auth_time", "updated_at":
		return true
	}
	return false
}

// ClaimExplained returns what a payload claim means, if it is known.
func ClaimExplained(name string) (ClaimInfo, bool) {
	c, ok := claims()[name]
	return c, ok
}

// HeaderExplained returns what a JOSE header parameter means, if it is known.
func HeaderExplained(name string) (ClaimInfo, bool) {
	c, ok := headerParams()[name]
	return c, ok
}

// AlgorithmExplained returns what a JOSE algorithm identifier means.
func AlgorithmExplained(alg string) (string, bool) {
	d, ok := algorithms()[alg]
	return d, ok
}

// contextFields explains the members of token responses and callbacks.
var contextFields = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"token_type":          "How to present the access token (Bearer, DPoP, N_A)",
		"expires_in":          "Access token lifetime in seconds, from when the response was sent",
		"refresh_expires_in":  "Refresh token lifetime in seconds (Keycloak)",
		"ext_expires_in":      "Extended lifetime during an Entra ID outage, in seconds",
		"scope":               "Scopes actually granted; may differ from those requested",
		"issued_token_type":   "Type of the token issued by token exchange (RFC 8693)",
		"state":               "Opaque value from the request; must equal the one sent (CSRF protection)",
		"iss":                 "Issuer of the authorization response; must be the expected issuer (RFC 9207)",
		"session_state":       "Session state for session management (OIDC Session Management)",
		"error":               "Error code from the issuer",
		"error_description":   "Human-readable error from the issuer",
		"error_uri":           "Page about the error",
		"not-before-policy":   "Keycloak: revocation policy time",
		"id_token_expires_in": "ID token lifetime in seconds",
	}
})

// ContextExplained returns what a token response or callback member means.
func ContextExplained(name string) (string, bool) {
	d, ok := contextFields()[name]
	return d, ok
}
