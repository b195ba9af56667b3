package flow

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcdev/oidc/decode"
)

// DPoP proves possession of a key with every request that gets or uses a
// token (RFC 9449): a fresh proof JWT per request, the issuer's nonce
// when it asks for one, and the key's thumbprint to check cnf.jkt with.
type DPoP struct {
	key    jose.JSONWebKey
	alg    jose.SignatureAlgorithm
	jkt    string
	now    func() time.Time
	mu     sync.Mutex
	nonces map[string]string // by host: the last DPoP-Nonce each sent
}

// NewDPoP uses a private key for proofs; its algorithm as signingAlg picks.
func NewDPoP(key jose.JSONWebKey) (*DPoP, error) {
	alg, err := signingAlg(key, nil)
	if err != nil {
		return nil, &OptionError{Option: "dpop_key", Err: err}
	}
	return &DPoP{key: key, alg: alg, jkt: decode.Thumbprint(key.Public()), now: time.Now, nonces: map[string]string{}}, nil
}

// Thumbprint is the RFC 7638 thumbprint of the public key: cnf.jkt of the
// tokens bound to it, and dpop_jkt of an authorization request.
func (d *DPoP) Thumbprint() string { return d.jkt }

// Proof signs a proof for one request; accessToken, when given, is bound
// by ath (a request to a resource, RFC 9449 4.2).
func (d *DPoP) Proof(method, rawURL, accessToken string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	u.RawQuery, u.Fragment = "", "" // htu has neither (RFC 9449 4.2)
	claims := map[string]any{"jti": randomString(), "htm": method, "htu": u.String(), "iat": d.now().Unix()}
	if n := d.nonce(u.Host); n != "" {
		claims["nonce"] = n
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	payload, _ := json.Marshal(claims)
	pub := d.key.Public()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: d.alg, Key: d.key.Key},
		(&jose.SignerOptions{EmbedJWK: false}).WithType("dpop+jwt").WithHeader("jwk", pub))
	if err != nil {
		return "", err
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// SetNonce is the nonce to send to host, for a proof a script asks for.
func (d *DPoP) SetNonce(host, nonce string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nonces[strings.ToLower(host)] = nonce
}

func (d *DPoP) nonce(host string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.nonces[strings.ToLower(host)]
}

// remember keeps the nonce a response carries, for the next proof to the
// same host; it reports whether the nonce is new.
func (d *DPoP) remember(host string, h http.Header) bool {
	n := h.Get("DPoP-Nonce")
	if n == "" {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	host = strings.ToLower(host)
	old := d.nonces[host]
	d.nonces[host] = n
	return n != old
}

// wantsNonce reports whether an answer asks for a DPoP nonce: the token
// endpoint's use_dpop_nonce error (RFC 9449 8), or a resource's challenge
// (RFC 9449 9).
func wantsNonce(status int, h http.Header, body []byte) bool {
	if status == http.StatusUnauthorized && strings.Contains(strings.ToLower(h.Get("WWW-Authenticate")), "use_dpop_nonce") {
		return true
	}
	if status != http.StatusBadRequest {
		return false
	}
	var m map[string]json.RawMessage
	return json.Unmarshal(body, &m) == nil && jsonString(m["error"]) == "use_dpop_nonce"
}
