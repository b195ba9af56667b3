package issuer

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcdev/oidc/decode"
)

var dpopAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.RS256, jose.PS256, jose.EdDSA}

// dpopError is a refused DPoP proof: its OAuth error code and why.
type dpopError struct{ code, why string }

// checkDPoP verifies the request's DPoP proof (RFC 9449 4.3): typ
// dpop+jwt, signed by the public key in its own jwk header (the one case
// where a token's own key is the right one), htm and htu this request,
// iat recent, jti unused, ath the access token's hash when one is used,
// and the nonce when the dpop-nonce fault asks for one. It returns the
// key's thumbprint, "" when the request has no proof.
func (s *Server) checkDPoP(r *http.Request, accessToken string) (string, *dpopError) {
	proof := r.Header.Get("DPoP")
	if proof == "" || s.faults().DPoPIgnored {
		return "", nil
	}
	bad := func(why string) (string, *dpopError) { return "", &dpopError{"invalid_dpop_proof", why} }
	if len(r.Header.Values("DPoP")) > 1 {
		return bad("one DPoP header")
	}
	obj, err := jose.ParseSigned(proof, dpopAlgs)
	if err != nil || len(obj.Signatures) != 1 {
		return bad("the DPoP proof is not a signed JWT with an asymmetric algorithm")
	}
	h := obj.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders["typ"].(string); typ != "dpop+jwt" {
		return bad("the DPoP proof's typ must be dpop+jwt")
	}
	if h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() {
		return bad("the DPoP proof must carry its public key as jwk")
	}
	payload, err := obj.Verify(h.JSONWebKey.Key)
	if err != nil {
		return bad("the DPoP proof's signature does not verify with its own jwk")
	}
	var c struct {
		Jti, Htm, Htu, Nonce, Ath string
		Iat                       float64
	}
	if json.Unmarshal(payload, &c) != nil {
		return bad("the DPoP proof's claims are not an object")
	}
	now := s.cfg.Now()
	iat := time.Unix(int64(c.Iat), 0)
	switch {
	case c.Htm != r.Method:
		return bad("htm is not " + r.Method)
	case c.Htu != s.issuer+r.URL.Path:
		return bad("htu is not " + s.issuer + r.URL.Path)
	case iat.Before(now.Add(-2*time.Minute)) || iat.After(now.Add(time.Minute)):
		return bad("iat is not within a minute or two of now")
	case c.Jti == "":
		return bad("the DPoP proof has no jti")
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		if c.Ath != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return bad("ath is not the access token's hash")
		}
	}
	if s.faults().DPoPNonce && c.Nonce != s.dpopNonce {
		return "", &dpopError{"use_dpop_nonce", "send the DPoP-Nonce given"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.dpopIDs[c.Jti]; seen {
		return "", &dpopError{"invalid_dpop_proof", "the DPoP proof was used before (jti): a replay"}
	}
	s.dpopIDs[c.Jti] = now.Add(5 * time.Minute)
	jkt := decode.Thumbprint(*h.JSONWebKey)
	if jkt == "" {
		return bad("the DPoP key has no thumbprint")
	}
	return jkt, nil
}

// dpopFail answers a refused proof: at the token endpoint a 400 with the
// error (RFC 9449 5), at a resource a 401 with the DPoP challenge (7.1);
// both carry the nonce when it is what is missing.
func (s *Server) dpopFail(w http.ResponseWriter, e *dpopError, resource bool) {
	if e.code == "use_dpop_nonce" {
		w.Header().Set("DPoP-Nonce", s.dpopNonce)
	}
	if resource {
		w.Header().Set("WWW-Authenticate", `DPoP error="`+e.code+`", error_description="`+e.why+`"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	oauthError(w, http.StatusBadRequest, e.code, e.why)
}
