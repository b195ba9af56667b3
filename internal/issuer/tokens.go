package issuer

import (
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcdev/oidc/decode"
)

// sign makes a compact JWS of claims with the signing key, or with what
// the faults say.
func (s *Server) sign(f Faults, typ string, claims map[string]any, idToken bool) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	if idToken && f.AlgNone {
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		return h + "." + base64.RawURLEncoding.EncodeToString(payload) + ".", nil
	}
	if idToken && f.HS256Confusion {
		// The key confusion attack: HMAC keyed with the public key's PEM.
		rk := s.rsaKey()
		der, err := x509.MarshalPKIXPublicKey(rk.Key.(*rsa.PrivateKey).Public())
		if err != nil {
			return "", err
		}
		secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": typ, "kid": rk.KeyID})
		in := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(in))
		return in + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
	}
	key := s.signingKey()
	if f.Kid {
		key = s.strayKey()
	}
	alg := jose.SignatureAlgorithm(key.Algorithm)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key.Key},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader("kid", key.KeyID))
	if err != nil {
		return "", err
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// tokenIssuer is the iss put in tokens.
func (s *Server) tokenIssuer(f Faults) string {
	if f.IssTrailingSlash {
		return s.issuer + "/"
	}
	return s.issuer
}

// times are iat, nbf and exp for a token issued now.
func (s *Server) times(f Faults, ttl time.Duration) (iat, exp int64) {
	now := s.cfg.Now().Add(f.Skew)
	if f.Expired {
		now = now.Add(-2 * ttl)
	}
	return now.Unix(), now.Add(ttl).Unix()
}

// halfHash is at_hash with the hash of the signing algorithm (SHA-512
// for EdDSA).
func (s *Server) halfHash(v string) string {
	h, _ := decode.HalfHash(s.signingKey().Algorithm, v)
	return h
}

// scopes are the scopes the issuer knows: the standard ones and the
// configured ones.
func (s *Server) scopes() []string {
	return append([]string{"openid", "profile", "email", "groups", "offline_access", ResourceScope}, s.cfg.Scopes...)
}

// unknownScope is the first scope of a request the issuer does not know,
// "" when it knows them all: real issuers refuse the request
// (invalid_scope, RFC 6749 4.1.2.1).
func (s *Server) unknownScope(scope string) string {
	known := s.scopes()
	for _, sc := range strings.Fields(scope) {
		if !slices.Contains(known, sc) {
			return sc
		}
	}
	return ""
}

func hasScope(scope, s string) bool {
	for _, f := range strings.Fields(scope) {
		if f == s {
			return true
		}
	}
	return false
}

// userClaims are the claims the scopes release (OIDC Core 5.4).
func userClaims(u *User, scope string, into map[string]any) {
	if hasScope(scope, "profile") {
		if u.Name != "" { // a typed subject has no name
			into["name"] = u.Name
		}
		into["preferred_username"] = u.Sub
	}
	if hasScope(scope, "email") && u.Email != "" {
		into["email"] = u.Email
		into["email_verified"] = true
	}
	if hasScope(scope, "groups") || hasScope(scope, "profile") {
		if len(u.Groups) > 0 {
			into["groups"] = u.Groups
		}
	}
	if hasScope(scope, "profile") {
		for k, v := range u.Claims {
			into[k] = v
		}
	}
}

// accessToken issues an access token for a grant: an RFC 9068 JWT, or an
// opaque handle.
func (s *Server) accessToken(g *grant) (string, error) {
	if s.cfg.AccessTokenFormat == "opaque" {
		at := random(32)
		s.mu.Lock()
		cp := *g
		cp.expires = s.cfg.Now().Add(s.cfg.TokenTTL)
		s.opaque[at] = &cp
		s.mu.Unlock()
		return at, nil
	}
	f := s.faultsOf(g)
	iat, exp := s.times(f, s.cfg.TokenTTL)
	aud := any(s.issuer)
	if len(g.resource) == 1 {
		aud = g.resource[0]
	} else if len(g.resource) > 1 {
		aud = g.resource
	}
	jti := random(12)
	if g.sid != "" || g.user != nil && g.user.typed || g.choice.set() {
		s.mu.Lock()
		// Kept for the token's real lifetime: a fault may have put exp in
		// the past, and the token is still this login's.
		until := time.Unix(exp, 0)
		if real := s.cfg.Now().Add(s.cfg.TokenTTL); real.After(until) {
			until = real
		}
		s.accessSid[jti] = spentToken{sid: g.sid, expires: until, user: g.user, choice: g.choice}
		s.mu.Unlock()
	}
	claims := map[string]any{"iss": s.tokenIssuer(f), "aud": aud, "exp": exp, "iat": iat, "nbf": iat, "jti": jti,
		"client_id": g.client.ID, "scope": g.scope}
	if g.user != nil {
		claims["sub"] = g.user.Sub
		claims["auth_time"] = g.authTime.Unix()
		if len(g.user.Groups) > 0 && (hasScope(g.scope, "groups") || hasScope(g.scope, "profile")) {
			claims["groups"] = g.user.Groups
		}
		patch(claims, g.extra)
	} else {
		claims["sub"] = g.client.ID // client credentials: the client itself
	}
	if g.act != "" {
		claims["act"] = map[string]string{"sub": g.act}
	}
	if g.authzDetails != nil {
		claims["authorization_details"] = g.authzDetails
	}
	// The confirmation claim (RFC 7800): what the token is bound to.
	cnf := map[string]string{}
	if g.x5t != "" {
		cnf["x5t#S256"] = g.x5t
	}
	if g.jkt != "" {
		jkt := g.jkt
		if f.DPoPOtherJKT {
			jkt = random(32)
		}
		cnf["jkt"] = jkt
	}
	if len(cnf) > 0 {
		claims["cnf"] = cnf
	}
	typ := "at+jwt"
	if f.AccessTokenTypJWT {
		typ = "JWT"
	}
	return s.sign(f, typ, claims, false)
}

// idToken issues the ID token of a grant (OIDC Core 2, 3.1.3.6).
func (s *Server) idToken(g *grant, accessToken string) (string, error) {
	f := s.faultsOf(g)
	iat, exp := s.times(f, s.cfg.TokenTTL)
	aud := g.client.ID
	if f.Aud {
		aud = "another-client"
	}
	claims := map[string]any{"iss": s.tokenIssuer(f), "sub": g.user.Sub, "aud": aud, "exp": exp, "iat": iat,
		"auth_time": g.authTime.Unix(), "sid": g.sid, "azp": g.client.ID}
	if f.RefreshOtherSub && g.refreshed {
		claims["sub"] = g.user.Sub + "-other"
	}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
		if f.Nonce {
			claims["nonce"] = "not-the-nonce-you-sent"
		}
	}
	if accessToken != "" {
		claims["at_hash"] = s.halfHash(accessToken)
		if f.AtHash {
			claims["at_hash"] = s.halfHash(accessToken + "-other")
		}
	}
	userClaims(g.user, g.scope, claims)
	patch(claims, g.extra)
	return s.sign(f, "JWT", claims, true)
}

// verified returns the payload of a JWS this issuer signed with a current
// or previous key.
func (s *Server) verified(token string) ([]byte, bool) {
	obj, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.EdDSA})
	if err != nil {
		return nil, false
	}
	for _, k := range s.verificationKeys() {
		if payload, err := obj.Verify(k.Public().Key); err == nil {
			return payload, true
		}
	}
	return nil, false
}

// checkAccessToken returns the grant an access token stands for.
func (s *Server) checkAccessToken(token string) (*grant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, revoked := s.revoked[token]; revoked {
		return nil, false
	}
	if g, ok := s.opaque[token]; ok {
		_, familyGone := s.familyRevoked[g.sid]
		return g, s.cfg.Now().Before(g.expires) && !familyGone
	}
	payload, ok := s.verified(token)
	if !ok {
		return nil, false
	}
	var c struct {
		Sub      string `json:"sub"`
		ClientID string `json:"client_id"`
		Scope    string `json:"scope"`
		Exp      int64  `json:"exp"`
		Jti      string `json:"jti"`
		Aud      any    `json:"aud"`
		Cnf      struct {
			JKT string `json:"jkt"`
			X5T string `json:"x5t#S256"`
		} `json:"cnf"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return nil, false
	}
	g := &grant{client: s.client(c.ClientID), user: s.user(c.Sub), scope: c.Scope, expires: time.Unix(c.Exp, 0), jkt: c.Cnf.JKT, x5t: c.Cnf.X5T}
	if e, ok := s.accessSid[c.Jti]; ok {
		if _, gone := s.familyRevoked[e.sid]; gone {
			return nil, false
		}
		// What the login page chose, and a typed subject, live here.
		g.choice = e.choice
		if e.user != nil {
			g.user = e.user
		}
	}
	if s.cfg.Now().Unix() >= c.Exp && !s.faultsOf(g).Expired {
		return nil, false
	}
	switch aud := c.Aud.(type) {
	case string:
		g.resource = []string{aud}
	case []any:
		for _, a := range aud {
			if s, ok := a.(string); ok {
				g.resource = append(g.resource, s)
			}
		}
	}
	return g, g.client != nil
}

// reservedClaims are set by the issuer: a configured user's claims and a
// login page's may not set them.
var reservedClaims = []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "nonce", "azp", "at_hash", "c_hash",
	"auth_time", "sid", "client_id", "scope", "cnf", "act", "authorization_details"}

// patch applies an RFC 7396 merge patch to a token's claims: a null
// removes a member, an object is merged into an object.
func patch(claims, extra map[string]any) {
	for k, v := range extra {
		switch pv := v.(type) {
		case nil:
			delete(claims, k)
		case map[string]any:
			target, ok := claims[k].(map[string]any)
			if !ok {
				target = map[string]any{}
			} else {
				target = maps.Clone(target) // a configured user's claims are shared
			}
			patch(target, pv)
			claims[k] = target
		default:
			claims[k] = v
		}
	}
}
