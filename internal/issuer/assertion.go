package issuer

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
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
	c, _, why := s.checkAssertion(r.PostForm.Get("client_assertion"), r, false)
	return c, why
}

// checkAssertion verifies a JWT signed by a client: as its authentication
// (sub the client itself), or as a JWT bearer grant (RFC 7523 2.1, sub the
// user the client asks tokens for). It returns the client and the sub.
func (s *Server) checkAssertion(raw string, r *http.Request, grant bool) (*Client, string, string) {
	obj, err := jose.ParseSigned(raw, assertionAlgs)
	if err != nil || len(obj.Signatures) != 1 {
		return nil, "", "the assertion is not a signed JWT"
	}
	var claims struct {
		Iss, Sub, Jti string
		Aud           any
		Exp, Iat      *float64
	}
	if json.Unmarshal(obj.UnsafePayloadWithoutVerification(), &claims) != nil {
		return nil, "", "the assertion's claims are not a JSON object"
	}
	c := s.client(claims.Iss)
	switch {
	case claims.Iss == "" || claims.Sub == "" || !grant && claims.Iss != claims.Sub:
		return nil, "", "the assertion: iss and sub must both be the client id"
	case !grant && r.PostForm.Has("client_id") && r.PostForm.Get("client_id") != claims.Iss:
		return nil, "", "client_id is not the assertion's iss"
	case c == nil:
		return nil, "", "the assertion's iss is not a client of this issuer"
	}
	method := "private_key_jwt"
	alg := jose.SignatureAlgorithm(obj.Signatures[0].Protected.Algorithm)
	if alg == jose.HS256 {
		method = "client_secret_jwt"
	}
	if !grant && c.AuthMethod != "" && c.AuthMethod != method {
		return nil, "", "the client is registered for " + c.AuthMethod + ", not " + method
	}
	if _, why := verifyClientJWT(obj, c); why != "" {
		return nil, "", "the client assertion's " + why
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
		return nil, "", "the client assertion's aud must be " + strings.Join(slices.Compact(accept), " or ")
	}
	now := s.cfg.Now()
	switch {
	case claims.Exp == nil:
		return nil, "", "the client assertion has no exp"
	case time.Unix(int64(*claims.Exp), 0).Before(now):
		return nil, "", "the client assertion expired"
	case time.Unix(int64(*claims.Exp), 0).After(now.Add(10 * time.Minute)):
		return nil, "", "the client assertion lives too long: exp at most 10 minutes ahead"
	case claims.Jti == "":
		return nil, "", "the client assertion has no jti"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.assertionIDs[claims.Iss+" "+claims.Jti]; seen {
		return nil, "", "the client assertion was used before (jti " + claims.Jti + "): a replay"
	}
	s.assertionIDs[claims.Iss+" "+claims.Jti] = time.Unix(int64(*claims.Exp), 0)
	return c, claims.Sub, ""
}

// jwtBearer answers the JWT bearer grant (RFC 7523 2.1): an assertion the
// requesting client signed with its registered keys, for a user of this
// issuer (sub). It writes the error itself and returns nil then.
func (s *Server) jwtBearer(w http.ResponseWriter, r *http.Request, c *Client) *grant {
	signer, sub, why := s.checkAssertion(r.PostForm.Get("assertion"), r, true)
	switch {
	case signer == nil:
		oauthError(w, http.StatusBadRequest, "invalid_grant", why)
		return nil
	case signer.ID != c.ID:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the assertion was issued by another client than the one asking")
		return nil
	}
	u := s.user(sub)
	if u == nil {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the assertion's sub is not a user of this issuer")
		return nil
	}
	return &grant{client: c, user: u, scope: r.PostForm.Get("scope"), resource: r.PostForm["resource"], authTime: s.cfg.Now(), sid: random(12)}
}

// requestObjectParams verifies a request object (RFC 9101 6): signed by
// the client of client_id with its registered keys or its secret, aud this
// issuer, not expired, never seen before; its claims become the request's
// parameters. It returns nil and why when the object is refused.
func (s *Server) requestObjectParams(r *http.Request, q url.Values) (url.Values, string) {
	raw := q.Get("request")
	obj, err := jose.ParseSigned(raw, assertionAlgs)
	if err != nil || len(obj.Signatures) != 1 {
		return nil, "request is not a signed JWT"
	}
	c := s.client(q.Get("client_id"))
	if c == nil {
		return nil, "client_id is not a client of this issuer"
	}
	payload, why := verifyClientJWT(obj, c)
	if why != "" {
		return nil, "the request object's " + why
	}
	var claims map[string]any
	if json.Unmarshal(payload, &claims) != nil {
		return nil, "the request object's claims are not an object"
	}
	exp, _ := claims["exp"].(float64)
	jti, _ := claims["jti"].(string)
	switch {
	case claims["iss"] != c.ID:
		return nil, "the request object's iss is not the client"
	case claims["aud"] != s.issuer:
		return nil, "the request object's aud is not this issuer"
	case exp == 0 || time.Unix(int64(exp), 0).Before(s.cfg.Now()):
		return nil, "the request object has expired, or has no exp"
	case claims["client_id"] != nil && claims["client_id"] != c.ID:
		return nil, "the request object's client_id is not the request's"
	}
	s.mu.Lock()
	if jti != "" {
		if _, seen := s.assertionIDs[c.ID+" req "+jti]; seen {
			s.mu.Unlock()
			return nil, "the request object was used before (jti): a replay"
		}
		s.assertionIDs[c.ID+" req "+jti] = time.Unix(int64(exp), 0)
	}
	s.mu.Unlock()
	params := url.Values{}
	for k, v := range claims {
		switch k {
		case "iss", "aud", "exp", "iat", "nbf", "jti":
			continue
		}
		switch t := v.(type) {
		case string:
			params.Set(k, t)
		case []any:
			if k == "authorization_details" {
				raw, _ := json.Marshal(t)
				params.Set(k, string(raw))
				continue
			}
			for _, e := range t {
				if s, ok := e.(string); ok {
					params.Add(k, s)
				}
			}
		default: // numbers (max_age) and objects (claims) as the parameter would carry them
			raw, _ := json.Marshal(t)
			params.Set(k, string(raw))
		}
	}
	params.Set("client_id", c.ID)
	return params, ""
}

// verifyClientJWT verifies a JWT a client signed: HS256 with its secret
// (never with key bytes: no algorithm confusion), anything else with its
// registered keys, the kid's when the header names one. It returns the
// payload, or why not ("signature does not verify with ...").
func verifyClientJWT(obj *jose.JSONWebSignature, c *Client) ([]byte, string) {
	if jose.SignatureAlgorithm(obj.Signatures[0].Protected.Algorithm) == jose.HS256 {
		if c.Secret == "" {
			return nil, "HS256 signature needs a client with a secret (client_secret_jwt)"
		}
		p, err := obj.Verify([]byte(c.Secret))
		if err != nil {
			return nil, "signature does not verify with the client's secret"
		}
		return p, ""
	}
	if c.JWKS == nil {
		return nil, "signature needs the client's registered keys (private_key_jwt), and it has none"
	}
	kid := obj.Signatures[0].Protected.KeyID
	for _, k := range c.JWKS.Keys {
		if kid != "" && k.KeyID != kid {
			continue
		}
		if p, err := obj.Verify(k.Key); err == nil {
			return p, ""
		}
	}
	return nil, "signature does not verify with the client's registered keys"
}
