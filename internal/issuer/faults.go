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
	RefreshOtherSub  bool          // the ID token a refresh brings names another subject
	NoUserinfoSub    bool          // userinfo's sub is another user's
	// UserinfoInsufficientScope: userinfo refuses every token with 403
	// insufficient_scope (RFC 6750 3.1), naming the scope it wants.
	UserinfoInsufficientScope bool
	// IntrospectionTampered: the signed introspection answer (RFC 9701)
	// is altered after signing, its signature left as it was.
	IntrospectionTampered bool
	// What real issuers get wrong or do differently, one each.
	LyingMetadata     bool // discovery names another issuer
	NoTokenEndpoint   bool // discovery has no token_endpoint
	TokenHTML         bool // the token endpoint answers a proxy's HTML error page
	HugeTokenResponse bool // the token response is over 2 MiB
	NoIDToken         bool // the token response has no id_token
	SPAOrigin         bool // the token endpoint wants an Origin header (Entra SPA clients)
	UserinfoJWT       bool // userinfo answers a signed JWT (application/jwt)
	UserinfoEncrypted bool // userinfo answers a signed JWT encrypted to the client's key
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
	DeadEndpoint bool // revocation_endpoint is on a closed loopback port
	// The RFC 8414 document, beside OIDC's.
	NoOAuthMetadata    bool // no RFC 8414 document (Google has none)
	OAuthMetadataOther bool // the RFC 8414 document names another issuer
	// The protected resource (/mcp) and registration, for MCP clients.
	NoResourceMetadata  bool // the 401 challenge has no resource_metadata
	PRMRootOnly         bool // the resource metadata is only at the root well-known URL
	PRMResourceMismatch bool // the resource metadata names another resource
	PRMResourceSlash    bool // the resource metadata names the resource with a trailing slash
	PRMNoAuthServers    bool // the resource metadata has no authorization_servers
	PRMDeadAuthServer   bool // the resource metadata lists an authorization server nothing answers for before this issuer
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

// fault is one entry of faultTable, where every fault is defined: its
// name, what it does, and its field in Faults.
type fault struct {
	name, help string
	// login: the fault shapes the tokens of one login, so the login page
	// can switch it for that login alone.
	login bool
	flag  func(*Faults) *bool          // a switch, or
	dur   func(*Faults) *time.Duration // a duration (NAME=DURATION)
}

// faultTable is in the order Active lists faults.
var faultTable = []fault{
	{name: "skew", help: "iat, nbf and exp shifted (e.g. skew=10m, skew=-10m)", login: true, dur: func(f *Faults) *time.Duration { return &f.Skew }},
	{name: "slow", help: "the token endpoint answers after this long", dur: func(f *Faults) *time.Duration { return &f.Slow }},
	{name: "date-skew", help: "the Date header is off by this much: the issuer's clock (e.g. date-skew=10m)", dur: func(f *Faults) *time.Duration { return &f.DateSkew }},
	{name: "slow-discovery", help: "discovery and the JWKS answer after this long", dur: func(f *Faults) *time.Duration { return &f.SlowDiscovery }},
	{name: "aud", help: "the ID token's aud is another client", login: true, flag: func(f *Faults) *bool { return &f.Aud }},
	{name: "iss-trailing-slash", help: "tokens name the issuer with a trailing slash", login: true, flag: func(f *Faults) *bool { return &f.IssTrailingSlash }},
	{name: "nonce", help: "the ID token's nonce is not the one sent", login: true, flag: func(f *Faults) *bool { return &f.Nonce }},
	{name: "at-hash", help: "at_hash does not match the access token", login: true, flag: func(f *Faults) *bool { return &f.AtHash }},
	{name: "kid", help: "tokens are signed with a key the JWKS does not have", login: true, flag: func(f *Faults) *bool { return &f.Kid }},
	{name: "expired", help: "tokens are expired when issued", login: true, flag: func(f *Faults) *bool { return &f.Expired }},
	{name: "alg-none", help: "the ID token is unsigned (alg none)", login: true, flag: func(f *Faults) *bool { return &f.AlgNone }},
	{name: "hs256-confusion", help: "the ID token is HS256, keyed with the RSA public key", login: true, flag: func(f *Faults) *bool { return &f.HS256Confusion }},
	{name: "expires-in-string", help: `expires_in is a string ("3600")`, login: true, flag: func(f *Faults) *bool { return &f.ExpiresInString }},
	{name: "token-error", help: "the token endpoint answers invalid_grant", login: true, flag: func(f *Faults) *bool { return &f.TokenError }},
	{name: "refresh-expired", help: "refresh tokens are refused as expired (invalid_grant)", login: true, flag: func(f *Faults) *bool { return &f.RefreshExpired }},
	{name: "refresh-other-sub", help: "the ID token a refresh brings names another subject (OIDC Core 12.2)", login: true, flag: func(f *Faults) *bool { return &f.RefreshOtherSub }},
	{name: "no-userinfo-sub", help: "userinfo's sub is another user's", login: true, flag: func(f *Faults) *bool { return &f.NoUserinfoSub }},
	{name: "userinfo-insufficient-scope", help: "userinfo refuses every token with 403 insufficient_scope, its challenge naming the scope it wants (RFC 6750 3.1)", login: true, flag: func(f *Faults) *bool { return &f.UserinfoInsufficientScope }},
	{name: "introspection-tampered", help: "the signed introspection answer (RFC 9701) is altered after signing: active, with a wider scope, under the original signature", flag: func(f *Faults) *bool { return &f.IntrospectionTampered }},
	{name: "lying-metadata", help: "discovery names another issuer", flag: func(f *Faults) *bool { return &f.LyingMetadata }},
	{name: "no-token-endpoint", help: "discovery has no token_endpoint", flag: func(f *Faults) *bool { return &f.NoTokenEndpoint }},
	{name: "token-html", help: "the token endpoint answers a proxy's HTML error page (502)", flag: func(f *Faults) *bool { return &f.TokenHTML }},
	{name: "huge-token-response", help: "the token response is over 2 MiB", login: true, flag: func(f *Faults) *bool { return &f.HugeTokenResponse }},
	{name: "no-id-token", help: "the token response has no id_token", login: true, flag: func(f *Faults) *bool { return &f.NoIDToken }},
	{name: "spa-origin", help: "the token endpoint refuses requests without an Origin header (Entra SPA clients)", flag: func(f *Faults) *bool { return &f.SPAOrigin }},
	{name: "userinfo-jwt", help: "userinfo answers a signed JWT (application/jwt)", login: true, flag: func(f *Faults) *bool { return &f.UserinfoJWT }},
	{name: "userinfo-encrypted", help: "userinfo answers a signed JWT encrypted to the client's userinfo_encryption_key (OIDC Core 5.3.2); a 500 for a client without one", flag: func(f *Faults) *bool { return &f.UserinfoEncrypted }},
	{name: "access-token-typ-jwt", help: "JWT access tokens have typ JWT, not at+jwt (Hydra's JWT strategy)", login: true, flag: func(f *Faults) *bool { return &f.AccessTokenTypJWT }},
	{name: "expires-in-nanoseconds", help: "expires_in is in nanoseconds (mockoidc)", login: true, flag: func(f *Faults) *bool { return &f.ExpiresInNanos }},
	{name: "discovery-iss-trailing-slash", help: "discovery names the issuer with a trailing slash", flag: func(f *Faults) *bool { return &f.DiscoveryIssuerSlash }},
	{name: "huge-jwks", help: "the JWKS is over 2 MiB", flag: func(f *Faults) *bool { return &f.HugeJWKS }},
	{name: "no-s256", help: "code_challenge_methods_supported lists plain only, no S256", flag: func(f *Faults) *bool { return &f.NoS256 }},
	{name: "http-endpoint", help: "userinfo_endpoint is published as plain http on another host", flag: func(f *Faults) *bool { return &f.HTTPEndpoint }},
	{name: "duplicate-kid", help: "a second key in the JWKS has the signing key's kid", flag: func(f *Faults) *bool { return &f.DuplicateKid }},
	{name: "private-jwk", help: "the JWKS publishes the signing key's private half (d, p, q...)", flag: func(f *Faults) *bool { return &f.PrivateJWK }},
	{name: "expired-x5c", help: "the signing key in the JWKS carries an expired certificate (x5c)", flag: func(f *Faults) *bool { return &f.ExpiredX5C }},
	{name: "dead-endpoint", help: "revocation_endpoint is published on a closed loopback port: nothing answers", flag: func(f *Faults) *bool { return &f.DeadEndpoint }},
	{name: "no-oauth-metadata", help: "no RFC 8414 document at /.well-known/oauth-authorization-server (404), as Google", flag: func(f *Faults) *bool { return &f.NoOAuthMetadata }},
	{name: "oauth-metadata-other-issuer", help: "the RFC 8414 document names the issuer with a trailing slash, unlike the OpenID one", flag: func(f *Faults) *bool { return &f.OAuthMetadataOther }},
	{name: "no-resource-metadata", help: "the resource's 401 challenge has no resource_metadata (RFC 9728 5.1)", flag: func(f *Faults) *bool { return &f.NoResourceMetadata }},
	{name: "prm-root-only", help: "the protected resource metadata is only at the root well-known URL, not the path-aware one", flag: func(f *Faults) *bool { return &f.PRMRootOnly }},
	{name: "prm-resource-mismatch", help: "the protected resource metadata names another resource (RFC 9728 3.3)", flag: func(f *Faults) *bool { return &f.PRMResourceMismatch }},
	{name: "prm-resource-trailing-slash", help: "the protected resource metadata names the resource with a trailing slash (RFC 9728 3.3; the resource takes tokens for either)", flag: func(f *Faults) *bool { return &f.PRMResourceSlash }},
	{name: "prm-no-authorization-servers", help: "the protected resource metadata has no authorization_servers", flag: func(f *Faults) *bool { return &f.PRMNoAuthServers }},
	{name: "prm-dead-authorization-server", help: "the protected resource metadata lists first an authorization server on a closed loopback port, then this issuer", flag: func(f *Faults) *bool { return &f.PRMDeadAuthServer }},
	{name: "registration-refused", help: "dynamic client registration is refused (no open registration)", flag: func(f *Faults) *bool { return &f.RegistrationRefused }},
	{name: "lowercase-challenge", help: "the resource sends www-authenticate and bearer in lower case", flag: func(f *Faults) *bool { return &f.LowercaseChallenge }},
	{name: "any-audience", help: "the resource accepts tokens for any audience (a confused deputy)", flag: func(f *Faults) *bool { return &f.AnyAudience }},
	{name: "insufficient-scope", help: "neither the challenge nor the metadata names the scope tools need: 403 insufficient_scope, then a step-up", flag: func(f *Faults) *bool { return &f.InsufficientScope }},
	{name: "resource-dpop", help: "the resource takes DPoP-bound tokens only and challenges with the DPoP scheme (RFC 9449 7.1)", flag: func(f *Faults) *bool { return &f.ResourceDPoP }},
	{name: "dpop-nonce", help: "the token endpoint and userinfo demand a DPoP nonce (use_dpop_nonce)", flag: func(f *Faults) *bool { return &f.DPoPNonce }},
	{name: "dpop-ignored", help: "DPoP proofs are ignored: Bearer tokens come back", flag: func(f *Faults) *bool { return &f.DPoPIgnored }},
	{name: "dpop-other-jkt", help: "DPoP tokens are bound to another key (cnf.jkt)", login: true, flag: func(f *Faults) *bool { return &f.DPoPOtherJKT }},
}

// spec is how --fault names the fault: NAME, or NAME=DURATION.
func (ft fault) spec() string {
	if ft.dur != nil {
		return ft.name + "=DURATION"
	}
	return ft.name
}

// on says whether the fault is switched on in f, and how --fault writes it.
func (ft fault) on(f *Faults) (bool, string) {
	if ft.dur != nil {
		d := *ft.dur(f)
		return d != 0, ft.name + "=" + d.String()
	}
	return *ft.flag(f), ft.name
}

// copy sets the fault in dst as it is in src.
func (ft fault) copy(dst, src *Faults) {
	if ft.dur != nil {
		*ft.dur(dst) = *ft.dur(src)
	} else {
		*ft.flag(dst) = *ft.flag(src)
	}
}

// FaultNames documents each fault, by its --fault spelling, for --help
// and errors.
func FaultNames() map[string]string {
	m := make(map[string]string, len(faultTable))
	for _, ft := range faultTable {
		m[ft.spec()] = ft.help
	}
	return m
}

// Set switches on one fault, NAME or NAME=VALUE.
func (f *Faults) Set(spec string) error {
	name, value, hasValue := strings.Cut(spec, "=")
	for _, ft := range faultTable {
		if ft.name != name {
			continue
		}
		if ft.flag != nil {
			if hasValue {
				return fmt.Errorf("fault %s takes no value", name)
			}
			*ft.flag(f) = true
			return nil
		}
		if !hasValue {
			return fmt.Errorf("fault %s needs a duration: %s=5s", name, name)
		}
		d, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("fault %s: %q is not a duration like 5s or -10m", name, value)
		}
		*ft.dur(f) = d
		return nil
	}
	names := make([]string, 0, len(faultTable))
	for _, ft := range faultTable {
		names = append(names, ft.spec())
	}
	sort.Strings(names)
	return fmt.Errorf("unknown fault %q: use one of %s", spec, strings.Join(names, ", "))
}

// Active lists the faults switched on.
func (f Faults) Active() []string {
	var out []string
	for _, ft := range faultTable {
		if on, spec := ft.on(&f); on {
			out = append(out, spec)
		}
	}
	return out
}
