package issuer

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Faults make the issuer misbehave on purpose: each is something a relying
// party must reject or handle.
type Faults struct {
	Skew             time.Duration // iat, nbf and exp shifted by this much
	Aud              bool          // ID token aud is another client
	IssTrailingSlash bool          // tokens name the issuer with a trailing slash
	Nonce            bool          // ID token nonce is not the one sent
	AtHash           bool          // at_hash does not match the access token
	Kid              bool          // signed with a key the JWKS does not have
	Expired          bool          // tokens expired before they were issued
	AlgNone          bool          // ID token unsigned (alg none)
	HS256Confusion   bool          // ID token HS256-keyed with the RSA public key
	ExpiresInString  bool          // expires_in sent as a string
	Slow             time.Duration // the token endpoint waits this long
	TokenError       bool          // the token endpoint answers invalid_grant
	RefreshExpired   bool          // refresh tokens are refused as expired
	NoUserinfoSub    bool          // userinfo's sub is another user's
	// What real issuers get wrong or do differently, one each.
	LyingMetadata     bool // discovery names another issuer
	NoTokenEndpoint   bool // discovery has no token_endpoint
	TokenHTML         bool // the token endpoint answers a proxy's HTML error page
	HugeTokenResponse bool // the token response is over 2 MiB
	NoIDToken         bool // the token response has no id_token
	SPAOrigin         bool // the token endpoint wants an Origin header (Entra SPA clients)
	UserinfoJWT       bool // userinfo answers a signed JWT (application/jwt)
	AccessTokenTypJWT bool // JWT access tokens have typ JWT, not at+jwt (Hydra's JWT strategy)
	ExpiresInNanos    bool // expires_in in nanoseconds (mockoidc)
	// What relying parties must cope with when they fetch metadata and keys.
	DiscoveryIssuerSlash bool          // discovery names the issuer with a trailing slash
	DateSkew             time.Duration // the Date header is off by this much (the issuer's clock)
	HugeJWKS             bool          // the JWKS is over 2 MiB
	SlowDiscovery        time.Duration // discovery and the JWKS answer after this long
	// What oidc discover and oidc jwks must find in metadata and keys.
	NoS256       bool // code_challenge_methods_supported lists plain only
	HTTPEndpoint bool // userinfo_endpoint is plain http on another host
	DuplicateKid bool // two keys of the JWKS share the signing key's kid
	PrivateJWK   bool // the JWKS publishes the signing key's private half
	ExpiredX5C   bool // the signing key carries an expired certificate (x5c)
	// The protected resource (/mcp) and registration, for MCP clients.
	NoResourceMetadata  bool // the 401 challenge has no resource_metadata
	PRMRootOnly         bool // the resource metadata is only at the root well-known URL
	PRMResourceMismatch bool // the resource metadata names another resource
	RegistrationRefused bool // dynamic client registration is refused
	LowercaseChallenge  bool // www-authenticate and bearer in lower case
	AnyAudience         bool // the resource accepts tokens for any audience
	InsufficientScope   bool // neither the challenge nor the metadata names the scope: a step-up is needed
	ResourceDPoP        bool // the resource takes DPoP-bound tokens only, and challenges with DPoP
	// DPoP (RFC 9449).
	DPoPNonce    bool // the token endpoint and userinfo demand a DPoP nonce
	DPoPIgnored  bool // DPoP proofs are ignored: Bearer tokens
	DPoPOtherJKT bool // tokens are bound to another key's thumbprint
}

// FaultNames documents each fault, for --help and errors.
var FaultNames = map[string]string{
	"skew=DURATION":                "iat, nbf and exp shifted (e.g. skew=10m, skew=-10m)",
	"aud":                          "the ID token's aud is another client",
	"iss-trailing-slash":           "tokens name the issuer with a trailing slash",
	"nonce":                        "the ID token's nonce is not the one sent",
	"at-hash":                      "at_hash does not match the access token",
	"kid":                          "tokens are signed with a key the JWKS does not have",
	"expired":                      "tokens are expired when issued",
	"alg-none":                     "the ID token is unsigned (alg none)",
	"hs256-confusion":              "the ID token is HS256, keyed with the RSA public key",
	"expires-in-string":            `expires_in is a string ("3600")`,
	"slow=DURATION":                "the token endpoint answers after this long",
	"token-error":                  "the token endpoint answers invalid_grant",
	"refresh-expired":              "refresh tokens are refused as expired (invalid_grant)",
	"no-userinfo-sub":              "userinfo's sub is another user's",
	"lying-metadata":               "discovery names another issuer",
	"no-token-endpoint":            "discovery has no token_endpoint",
	"token-html":                   "the token endpoint answers a proxy's HTML error page (502)",
	"huge-token-response":          "the token response is over 2 MiB",
	"no-id-token":                  "the token response has no id_token",
	"spa-origin":                   "the token endpoint refuses requests without an Origin header (Entra SPA clients)",
	"userinfo-jwt":                 "userinfo answers a signed JWT (application/jwt)",
	"access-token-typ-jwt":         "JWT access tokens have typ JWT, not at+jwt (Hydra's JWT strategy)",
	"expires-in-nanoseconds":       "expires_in is in nanoseconds (mockoidc)",
	"discovery-iss-trailing-slash": "discovery names the issuer with a trailing slash",
	"date-skew=DURATION":           "the Date header is off by this much: the issuer's clock (e.g. date-skew=10m)",
	"huge-jwks":                    "the JWKS is over 2 MiB",
	"slow-discovery=DURATION":      "discovery and the JWKS answer after this long",
	"no-s256":                      "code_challenge_methods_supported lists plain only, no S256",
	"http-endpoint":                "userinfo_endpoint is published as plain http on another host",
	"duplicate-kid":                "a second key in the JWKS has the signing key's kid",
	"private-jwk":                  "the JWKS publishes the signing key's private half (d, p, q...)",
	"expired-x5c":                  "the signing key in the JWKS carries an expired certificate (x5c)",
	"no-resource-metadata":         "the resource's 401 challenge has no resource_metadata (RFC 9728 5.1)",
	"prm-root-only":                "the protected resource metadata is only at the root well-known URL, not the path-aware one",
	"prm-resource-mismatch":        "the protected resource metadata names another resource (RFC 9728 3.3)",
	"registration-refused":         "dynamic client registration is refused (no open registration)",
	"lowercase-challenge":          "the resource sends www-authenticate and bearer in lower case",
	"any-audience":                 "the resource accepts tokens for any audience (a confused deputy)",
	"insufficient-scope":           "neither the challenge nor the metadata names the scope tools need: 403 insufficient_scope, then a step-up",
	"resource-dpop":                "the resource takes DPoP-bound tokens only and challenges with the DPoP scheme (RFC 9449 7.1)",
	"dpop-nonce":                   "the token endpoint and userinfo demand a DPoP nonce (use_dpop_nonce)",
	"dpop-ignored":                 "DPoP proofs are ignored: Bearer tokens come back",
	"dpop-other-jkt":               "DPoP tokens are bound to another key (cnf.jkt)",
}

// Set switches on one fault, NAME or NAME=VALUE.
func (f *Faults) Set(spec string) error {
	name, value, hasValue := strings.Cut(spec, "=")
	dur := func() (time.Duration, error) {
		if !hasValue {
			return 0, fmt.Errorf("fault %s needs a duration: %s=5s", name, name)
		}
		d, err := time.ParseDuration(value)
		if err != nil {
			return 0, fmt.Errorf("fault %s: %q is not a duration like 5s or -10m", name, value)
		}
		return d, nil
	}
	var err error
	switch name {
	case "skew":
		f.Skew, err = dur()
	case "slow":
		f.Slow, err = dur()
	case "date-skew":
		f.DateSkew, err = dur()
	case "slow-discovery":
		f.SlowDiscovery, err = dur()
	case "discovery-iss-trailing-slash":
		f.DiscoveryIssuerSlash = true
	case "huge-jwks":
		f.HugeJWKS = true
	case "no-s256":
		f.NoS256 = true
	case "http-endpoint":
		f.HTTPEndpoint = true
	case "duplicate-kid":
		f.DuplicateKid = true
	case "private-jwk":
		f.PrivateJWK = true
	case "expired-x5c":
		f.ExpiredX5C = true
	case "no-resource-metadata":
		f.NoResourceMetadata = true
	case "prm-root-only":
		f.PRMRootOnly = true
	case "prm-resource-mismatch":
		f.PRMResourceMismatch = true
	case "registration-refused":
		f.RegistrationRefused = true
	case "lowercase-challenge":
		f.LowercaseChallenge = true
	case "any-audience":
		f.AnyAudience = true
	case "insufficient-scope":
		f.InsufficientScope = true
	case "resource-dpop":
		f.ResourceDPoP = true
	case "dpop-nonce":
		f.DPoPNonce = true
	case "dpop-ignored":
		f.DPoPIgnored = true
	case "dpop-other-jkt":
		f.DPoPOtherJKT = true
	case "aud":
		f.Aud = true
	case "iss-trailing-slash":
		f.IssTrailingSlash = true
	case "nonce":
		f.Nonce = true
	case "at-hash":
		f.AtHash = true
	case "kid":
		f.Kid = true
	case "expired":
		f.Expired = true
	case "alg-none":
		f.AlgNone = true
	case "hs256-confusion":
		f.HS256Confusion = true
	case "expires-in-string":
		f.ExpiresInString = true
	case "token-error":
		f.TokenError = true
	case "refresh-expired":
		f.RefreshExpired = true
	case "no-userinfo-sub":
		f.NoUserinfoSub = true
	case "lying-metadata":
		f.LyingMetadata = true
	case "no-token-endpoint":
		f.NoTokenEndpoint = true
	case "token-html":
		f.TokenHTML = true
	case "huge-token-response":
		f.HugeTokenResponse = true
	case "no-id-token":
		f.NoIDToken = true
	case "spa-origin":
		f.SPAOrigin = true
	case "userinfo-jwt":
		f.UserinfoJWT = true
	case "access-token-typ-jwt":
		f.AccessTokenTypJWT = true
	case "expires-in-nanoseconds":
		f.ExpiresInNanos = true
	default:
		names := make([]string, 0, len(FaultNames))
		for n := range FaultNames {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("unknown fault %q: use one of %s", spec, strings.Join(names, ", "))
	}
	if err == nil && hasValue && name != "skew" && name != "slow" && name != "date-skew" && name != "slow-discovery" {
		err = fmt.Errorf("fault %s takes no value", name)
	}
	return err
}

// Active lists the faults switched on.
func (f Faults) Active() []string {
	var out []string
	add := func(on bool, name string) {
		if on {
			out = append(out, name)
		}
	}
	if f.Skew != 0 {
		out = append(out, "skew="+f.Skew.String())
	}
	if f.Slow != 0 {
		out = append(out, "slow="+f.Slow.String())
	}
	if f.DateSkew != 0 {
		out = append(out, "date-skew="+f.DateSkew.String())
	}
	if f.SlowDiscovery != 0 {
		out = append(out, "slow-discovery="+f.SlowDiscovery.String())
	}
	add(f.Aud, "aud")
	add(f.IssTrailingSlash, "iss-trailing-slash")
	add(f.Nonce, "nonce")
	add(f.AtHash, "at-hash")
	add(f.Kid, "kid")
	add(f.Expired, "expired")
	add(f.AlgNone, "alg-none")
	add(f.HS256Confusion, "hs256-confusion")
	add(f.ExpiresInString, "expires-in-string")
	add(f.TokenError, "token-error")
	add(f.RefreshExpired, "refresh-expired")
	add(f.NoUserinfoSub, "no-userinfo-sub")
	add(f.LyingMetadata, "lying-metadata")
	add(f.NoTokenEndpoint, "no-token-endpoint")
	add(f.TokenHTML, "token-html")
	add(f.HugeTokenResponse, "huge-token-response")
	add(f.NoIDToken, "no-id-token")
	add(f.SPAOrigin, "spa-origin")
	add(f.UserinfoJWT, "userinfo-jwt")
	add(f.AccessTokenTypJWT, "access-token-typ-jwt")
	add(f.ExpiresInNanos, "expires-in-nanoseconds")
	add(f.DiscoveryIssuerSlash, "discovery-iss-trailing-slash")
	add(f.HugeJWKS, "huge-jwks")
	add(f.NoS256, "no-s256")
	add(f.HTTPEndpoint, "http-endpoint")
	add(f.DuplicateKid, "duplicate-kid")
	add(f.PrivateJWK, "private-jwk")
	add(f.ExpiredX5C, "expired-x5c")
	add(f.NoResourceMetadata, "no-resource-metadata")
	add(f.PRMRootOnly, "prm-root-only")
	add(f.PRMResourceMismatch, "prm-resource-mismatch")
	add(f.RegistrationRefused, "registration-refused")
	add(f.LowercaseChallenge, "lowercase-challenge")
	add(f.AnyAudience, "any-audience")
	add(f.InsufficientScope, "insufficient-scope")
	add(f.ResourceDPoP, "resource-dpop")
	add(f.DPoPNonce, "dpop-nonce")
	add(f.DPoPIgnored, "dpop-ignored")
	add(f.DPoPOtherJKT, "dpop-other-jkt")
	return out
}
