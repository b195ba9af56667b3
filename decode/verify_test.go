package decode

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

func sampleKeys(t *testing.T) *KeySet {
	t.Helper()
	data, err := os.ReadFile("testdata/samples/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	ks, err := ParseKeys(data, "samples")
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

func sample(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/samples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func statuses(v *Verification) map[string]string {
	m := map[string]string{}
	for _, c := range v.Checks {
		m[c.ID] = c.Status
	}
	return m
}

// TestSampleHashes checks at_hash and c_hash of the sample ID token against
// the sample access token and code, and that a changed one fails.
func TestSampleHashes(t *testing.T) {
	r := Token(sample(t, "id-token.jwt"), Source{}, "", Options{Now: at})
	opts := VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "oidc-cli", Now: at,
		AccessToken: sample(t, "access-token.jwt"), Code: "SplxlOBeZQQYbYS6WxSbIA", Nonce: "n-0S6_WzA2Mj"}
	v := Verify(r, sampleKeys(t), opts)
	if !v.Valid {
		t.Fatalf("invalid: %+v", v.Failed())
	}
	st := statuses(v)
	if st["at_hash"] != Pass || st["c_hash"] != Pass || st["nonce"] != Pass {
		t.Fatalf("statuses: %v", st)
	}
	opts.AccessToken += "x"
	if st := statuses(Verify(r, sampleKeys(t), opts)); st["at_hash"] != Fail {
		t.Fatalf("a changed access token passed at_hash: %v", st)
	}
}

func TestHalfHash(t *testing.T) {
	// SHA-256 of "abc" starts ba7816bf8f01cfea414140de5dae2223.
	if got, _ := HalfHash("RS256", "abc"); got != "ungWv48Bz-pBQUDeXa4iIw" {
		t.Errorf("RS256: %s", got)
	}
	// EdDSA over Ed25519 uses SHA-512: half of it is 32 bytes.
	if got, _ := HalfHash("EdDSA", "abc"); len(got) != 43 {
		t.Errorf("EdDSA half hash has %d characters, want 43 (32 bytes)", len(got))
	}
	if _, ok := HalfHash("none", "abc"); ok {
		t.Error("a hash for alg none")
	}
}

// TestRFC7520Decryption decrypts the JWE examples of RFC 7520 section 5
// with their keys and compares with the documented plaintext.
func TestRFC7520Decryption(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/vectors/rfc7520-5.*")
	done := 0
	for _, dir := range dirs {
		token, err1 := os.ReadFile(filepath.Join(dir, "token"))
		plain, err2 := os.ReadFile(filepath.Join(dir, "plaintext.txt"))
		keyData, err3 := os.ReadFile(filepath.Join(dir, "key.json"))
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: incomplete vector", dir)
		}
		var key any
		if err3 != nil {
			pw, err := os.ReadFile(filepath.Join(dir, "password.txt"))
			if err != nil {
				t.Fatalf("%s: no key", dir)
			}
			key = pw
		} else {
			var set jose.JSONWebKeySet
			if json.Unmarshal(keyData, &set) == nil && len(set.Keys) > 0 {
				key = set.Keys[0].Key
			} else if key, err3 = DecryptionKey(keyData); err3 != nil {
				t.Fatalf("%s: %v", dir, err3)
			}
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			rs := Input(token, Source{}, Options{})
			if len(rs) != 1 || rs[0].Kind != KindJWE {
				t.Fatalf("not decoded as one JWE")
			}
			if alg, _ := stringMember(rs[0].HeaderMembers, "alg"); alg == "RSA1_5" {
				// RSA1_5 only with a key that says so (RFC 8725 3.2).
				if _, err := Decrypt(rs[0], key); err == nil || !strings.Contains(err.Error(), "RSA1_5") {
					t.Fatalf("RSA1_5 with an unmarked key: %v", err)
				}
				if dk, ok := key.(*DecryptKey); ok {
					key = &DecryptKey{Key: dk.Key, Alg: "RSA1_5"}
				} else {
					key = &DecryptKey{Key: key, Alg: "RSA1_5"}
				}
			}
			got, err := Decrypt(rs[0], key)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(plain) {
				t.Fatalf("plaintext %q, want %q", got, plain)
			}
		})
		done++
	}
	if done < 10 {
		t.Fatalf("only %d JWE vectors", done)
	}
}

// TestNestedJWE: a signed ID token encrypted to the client's key verifies
// after decryption; without the key it fails the decrypt check.
func TestNestedJWE(t *testing.T) {
	inner := sample(t, "id-token.jwt")
	encKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: &encKey.PublicKey},
		(&jose.EncrypterOptions{}).WithContentType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := enc.Encrypt([]byte(inner))
	if err != nil {
		t.Fatal(err)
	}
	jwe, _ := obj.CompactSerialize()
	r := Token(jwe, Source{}, "id_token", Options{Now: at})
	if r.Kind != KindJWE || !r.JWE.Nested {
		t.Fatalf("kind %s, nested %v", r.Kind, r.JWE)
	}
	opts := VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "oidc-cli", Now: at}
	if st := statuses(Verify(r, sampleKeys(t), opts)); st["decrypt"] != Fail {
		t.Fatalf("no decryption key, yet %v", st)
	}
	opts.DecryptionKey = encKey
	v := Verify(r, sampleKeys(t), opts)
	if !v.Valid || v.Nested == nil || statuses(v)["decrypt"] != Pass || statuses(v)["signature"] != Pass {
		t.Fatalf("nested token: valid %v, checks %+v", v.Valid, v.Checks)
	}
}
