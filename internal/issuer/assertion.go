package issuer

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

var assertionAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.ES384, jose.EdDSA, jose.HS256}

var assertionAlgNames = func() []string {
	out := make([]string, len(assertionAlgs))
	for i, a := range assertionAlgs {
		out[i] = string(a)
	}
	return out
}()

// authenticateAssertion checks a client assertion (RFC 7523 2.2, 3; OIDC
// Core 9): private_key_jwt with the client's registered keys, or
// client_secret_jwt with its secret; iss = sub = the client, aud this
// issuer or its token endpoint, a short exp, a jti never seen before.
func (s *Server) authenticateAssertion(r *http.Request) (*Client, string) {
	if r.PostForm.Get("client_assertion_type") != assertionType {
		return nil, "client_assertion_type must be " + assertionType
	}
	obj, err := jose.ParseSigned(r.PostForm.Get("client_assertion"), assertionAlgs)
	if err != nil || len(obj.Signatures) != 1 {
		return nil, "client_assertion is not a signed JWT"
	}
	var claims struct {
		Iss, Sub, Jti string
		Aud           any
		Exp, Iat      *float64
	}
	if json.Unmarshal(obj.UnsafePayloadWithoutVerification(), &claims) != nil {
		return nil, "client_assertion's claims are not a JSON object"
	}
	c := s.client(claims.Iss)
	switch {
	case claims.Iss == "" || claims.Iss != claims.Sub:
		return nil, "client_assertion: iss and sub must both be the client id"
	case r.PostForm.Has("client_id") && r.PostForm.Get("client_id") != claims.Iss:
		return nil, "client_id is not the assertion's iss"
	case c == nil:
		return nil, "unknown client"
	}
	method := "private_key_jwt"
	alg := jose.SignatureAlgorithm(obj.Signatures[0].Protected.Algorithm)
	if alg == jose.HS256 {
		method = "client_secret_jwt"
	}
	if c.AuthMethod != "" && c.AuthMethod != method {
		return nil, "the client is registered for " + c.AuthMethod + ", not " + method
	}
	switch {
	case method == "client_secret_jwt" && c.Secret == "":
		return nil, "client_secret_jwt: the client has no secret"
	case method == "client_secret_jwt":
		_, err = obj.Verify([]byte(c.Secret))
	case c.JWKS == nil:
		return nil, "private_key_jwt: the client has no registered keys"
	default:
		err = jose.ErrCryptoFailure
		kid := obj.Signatures[0].Protected.KeyID
		for _, k := range c.JWKS.Keys {
			if kid != "" && k.KeyID != kid {
				continue
			}
			if _, err = obj.Verify(k.Key); err == nil {
				break
			}
		}
	}
	if err != nil {
		return nil, "the client assertion's signature does not verify with the client's " + map[bool]string{true: "secret", false: "registered keys"}[method == "client_secret_jwt"]
	}
	var auds []string
	switch a := claims.Aud.(type) {
	case string:
		auds = []string{a}
	case []any:
		for _, v := range a {
			if s, ok := v.(string); ok {
				auds = append(auds, s)
			}
		}
	}
	accept := []string{s.issuer, s.issuer + "/token", s.issuer + r.URL.Path}
	switch c.AssertionAudience {
	case "issuer":
		accept = []string{s.issuer}
	case "token-endpoint":
		accept = []string{s.issuer + "/token"}
	}
	ok := false
	for _, a := range auds {
		ok = ok || slices.Contains(accept, a)
	}
	if !ok {
		return nil, "the client assertion's aud must be " + accept[0]
	}
	now := s.cfg.Now()
	switch {
	case claims.Exp == nil:
		return nil, "the client assertion has no exp"
	case time.Unix(int64(*claims.Exp), 0).Before(now):
		return nil, "the client assertion expired"
	case time.Unix(int64(*claims.Exp), 0).After(now.Add(10 * time.Minute)):
		return nil, "the client assertion lives too long: exp at most 10 minutes ahead"
	case claims.Jti == "":
		return nil, "the client assertion has no jti"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.assertionIDs[claims.Iss+" "+claims.Jti]; seen {
		return nil, "the client assertion was used before (jti " + claims.Jti + "): a replay"
	}
	s.assertionIDs[claims.Iss+" "+claims.Jti] = time.Unix(int64(*claims.Exp), 0)
	return c, ""
}
