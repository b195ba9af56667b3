package issuer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// TestRequirePARHoldsForRequestObjects: an issuer that requires pushed
// requests refuses a signed request object on the front channel too.
func TestRequirePARHoldsForRequestObjects(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k"}}}
	srv := start(t, Config{AutoApprove: true, RequirePAR: true, Clients: []Client{{ID: "j", JWKS: &pub, AuthMethod: "private_key_jwt",
		RedirectURIs: []string{"http://127.0.0.1/callback"}, SkipConsent: true}}})
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k"))
	claims, _ := json.Marshal(map[string]any{"iss": "j", "aud": srv.URL, "exp": time.Now().Add(time.Minute).Unix(), "jti": "x",
		"client_id": "j", "response_type": "code", "redirect_uri": "http://127.0.0.1:5/callback", "scope": "openid", "state": "s",
		"code_challenge": challenge(strings.Repeat("v", 43)), "code_challenge_method": "S256"})
	obj, _ := signer.Sign(claims)
	jwt, _ := obj.CompactSerialize()
	resp, err := noRedirect.Get(srv.URL + "/authorize?" + url.Values{"client_id": {"j"}, "request": {jwt}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a front-channel request object got %s (Location %s)", resp.Status, resp.Header.Get("Location"))
	}
}

// TestCertificateClientWithoutCertificate: a client registered with a
// certificate cannot authenticate with its client_id alone.
func TestCertificateClientWithoutCertificate(t *testing.T) {
	srv := start(t, Config{Clients: []Client{{ID: "m", TLSCertThumbprint: "abc", RedirectURIs: []string{"http://127.0.0.1/callback"}}}})
	resp, err := http.PostForm(srv.URL+"/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"m"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("client credentials without the certificate: %s", resp.Status)
	}
}
