package decode

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// TestVerifyCompactAgreesWithGoJose signs with go-jose and checks that
// verifyCompact accepts exactly what go-jose accepts: the genuine token,
// and none of its alterations or wrong keys.
func TestVerifyCompactAgreesWithGoJose(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherRSA, _ := rsa.GenerateKey(rand.Reader, 2048)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	secret := []byte(strings.Repeat("s", 64))
	cases := []struct {
		alg       jose.SignatureAlgorithm
		sign, pub any
		wrong     []any
	}{
		{jose.RS256, rsaKey, &rsaKey.PublicKey, []any{&otherRSA.PublicKey, &p256.PublicKey, secret}},
		{jose.RS384, rsaKey, &rsaKey.PublicKey, []any{&otherRSA.PublicKey}},
		{jose.RS512, rsaKey, &rsaKey.PublicKey, []any{&otherRSA.PublicKey}},
		{jose.PS256, rsaKey, &rsaKey.PublicKey, []any{&otherRSA.PublicKey, edPub}},
		{jose.PS384, rsaKey, &rsaKey.PublicKey, []any{&otherRSA.PublicKey}},
		{jose.PS512, rsaKey, &rsaKey.PublicKey, []any{&otherRSA.PublicKey}},
		{jose.ES256, p256, &p256.PublicKey, []any{&p384.PublicKey, &rsaKey.PublicKey, secret}},
		{jose.ES384, p384, &p384.PublicKey, []any{&p256.PublicKey, &p521.PublicKey}},
		{jose.ES512, p521, &p521.PublicKey, []any{&p384.PublicKey}},
		{jose.EdDSA, edKey, edPub, []any{&rsaKey.PublicKey, ed25519.PublicKey(edPub[:16])}},
		{jose.HS256, secret, secret, []any{secret[:63], []byte(strings.Repeat("t", 64)), &rsaKey.PublicKey}},
		{jose.HS384, secret, secret, []any{secret[:63]}},
		{jose.HS512, secret, secret, []any{secret[:63]}},
	}
	for _, tc := range cases {
		t.Run(string(tc.alg), func(t *testing.T) {
			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: tc.alg, Key: tc.sign}, nil)
			if err != nil {
				t.Fatal(err)
			}
			obj, _ := signer.Sign([]byte(`{"sub":"alice"}`))
			tok, _ := obj.CompactSerialize()
			r := Token(tok, Source{}, "", Options{})
			input, ok := signingInput(r)
			if !ok || r.SignatureBytes == nil {
				t.Fatalf("no signing input for %s", tok)
			}
			alg := string(tc.alg)
			if err := verifyCompact(alg, tc.pub, input, r.SignatureBytes); err != nil {
				t.Fatalf("genuine token refused: %v", err)
			}
			for _, k := range tc.wrong {
				if err := verifyCompact(alg, k, input, r.SignatureBytes); err == nil {
					t.Errorf("verified with the wrong key %T (%d)", k, keyLen(k))
				}
			}
			// Every single-bit change of the signing input or the
			// signature must fail, as it does for go-jose.
			for _, pos := range []int{0, len(input) / 2, len(input) - 1} {
				altered := []byte(input)
				altered[pos] ^= 1
				if verifyCompact(alg, tc.pub, string(altered), r.SignatureBytes) == nil {
					t.Errorf("altered input byte %d verified", pos)
				}
			}
			sig := append([]byte(nil), r.SignatureBytes...)
			sig[len(sig)/2] ^= 0x80
			if verifyCompact(alg, tc.pub, input, sig) == nil {
				t.Error("altered signature verified")
			}
			if verifyCompact(alg, tc.pub, input, r.SignatureBytes[:len(r.SignatureBytes)-1]) == nil {
				t.Error("truncated signature verified")
			}
			if verifyCompact(alg, tc.pub, input, nil) == nil {
				t.Error("empty signature verified")
			}
		})
	}
}

func keyLen(k any) int {
	switch k := k.(type) {
	case []byte:
		return len(k)
	case ed25519.PublicKey:
		return len(k)
	}
	return 0
}

// A secret shorter than the hash is refused (RFC 7518 3.2) and the
// failure says why.
func TestVerifyCompactShortSecret(t *testing.T) {
	err := verifyCompact("HS256", []byte("short"), "a.b", make([]byte, 32))
	if err == nil || !strings.Contains(err.Error(), "40 bits, shorter than the 256-bit hash") {
		t.Fatalf("got %v", err)
	}
}

// ECDSA signatures of another length than r||s (DER, or a P-384-sized
// signature under ES256) are refused before any arithmetic.
func TestVerifyCompactECDSALength(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	err := verifyCompact("ES256", &k.PublicKey, "a.b", make([]byte, 96))
	if err == nil || !strings.Contains(err.Error(), "64 bytes (r||s), this one is 96") {
		t.Fatalf("got %v", err)
	}
	if err := verifyCompact("ES256", &k.PublicKey, "a.b", make([]byte, 64)); err == nil {
		t.Fatal("r = s = 0 verified")
	}
}

// RSASSA-PSS with a salt of another length than the hash is refused in
// every serialization: go-jose's path (JSON) too, not only the compact one.
func TestPSSSaltLength(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ks := &KeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k", Use: "sig"}}, Source: "test"}
	now := time.Unix(1_800_000_000, 0)
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"PS256","kid":"k"}`))
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"https://i","sub":"s","aud":"c","exp":1800003600,"iat":1800000000}`))
	sign := func(salt int) string {
		d := sha256.Sum256([]byte(header + "." + payload))
		sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: salt})
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(sig)
	}
	for _, tc := range []struct {
		salt int
		ok   bool
	}{{32, true}, {0, false}, {20, false}, {64, false}} {
		s := sign(tc.salt)
		for form, raw := range map[string]string{
			"compact": header + "." + payload + "." + s,
			"json":    `{"protected":"` + header + `","payload":"` + payload + `","signature":"` + s + `"}`,
			"general": `{"payload":"` + payload + `","signatures":[{"protected":"` + header + `","signature":"` + s + `"}]}`,
		} {
			r := Input([]byte(raw), Source{}, Options{Now: now})[0]
			v := Verify(r, ks, VerifyOptions{Issuer: "https://i", IssuerPinned: true, ClientID: "c", Profile: ProfileID, Now: now})
			var sig Check
			for _, c := range v.Checks {
				if c.ID == "signature" {
					sig = c
				}
			}
			if (sig.Status == Pass) != tc.ok {
				t.Errorf("salt %d, %s: signature %s: %s", tc.salt, form, sig.Status, sig.Message)
			}
		}
	}
}
