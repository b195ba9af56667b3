package decode

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// seeds are the vectors, the samples and a few shapes the parsers branch on.
func seeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/vectors/*/token")
	samples, _ := filepath.Glob("testdata/samples/*")
	for _, name := range append(files, samples...) {
		if filepath.Base(name) == "keys.json" {
			continue
		}
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"", "x", "a.b.c", "a.b.c.d.e", "..", "....", "~", "a.b.c~d~", "Bearer ", "Authorization: Bearer a.b.c",
		`{"payload":"e30","signature":"","protected":"e30"}`, `{"payload":"e30","signatures":[{}]}`,
		`{"ciphertext":"","protected":"e30"}`, `{"access_token":5}`, `{"id_token":"a.b.c"}`,
		"?code=&state=", "#id_token=e30.e30.&x", "http://h/?code=a.b.c", `"'` + "`",
		"eyJhbGciOiJub25lIn0.eyJleHAiOjFlMzA4fQ.", "eyJhbGciOiJFUzI1NiJ9.e30.MEUCIQ", "e30.e30.e30~e30~e30.e30.e30",
	} {
		f.Add([]byte(s))
	}
}

var kinds = map[Kind]bool{KindJWS: true, KindJWE: true, KindUnsecured: true, KindOpaque: true, KindInvalid: true}

// FuzzInput: whatever is pasted, decoding returns results that keep the
// documented invariants and marshal to valid JSON; it never panics.
func FuzzInput(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		results := Input(data, Source{}, Options{Now: at})
		if len(results) == 0 {
			t.Fatal("no result")
		}
		for _, r := range results {
			if !kinds[r.Kind] {
				t.Fatalf("unknown kind %q", r.Kind)
			}
			if r.Kind == KindInvalid && r.Error == nil {
				t.Fatal("invalid result without an error")
			}
			if r.Warnings == nil {
				t.Fatal("nil warnings: JSON would say null instead of []")
			}
			if r.Error != nil && (r.Serialization == "compact") && (r.Error.Position < 0 || r.Error.Position > len(r.Raw)) {
				t.Fatalf("error position %d outside the token (%d bytes)", r.Error.Position, len(r.Raw))
			}
			out, err := json.Marshal(r)
			if err != nil || !json.Valid(out) {
				t.Fatalf("JSON: %v", err)
			}
		}
	})
}

// FuzzVerify: verifying anything, with asymmetric keys or a secret, never
// panics, and a token that verifies has passed its signature check.
func FuzzVerify(f *testing.F) {
	seeds(f)
	data, err := os.ReadFile("testdata/samples/jwks.json")
	if err != nil {
		f.Fatal(err)
	}
	keys, err := ParseKeys(data, "samples")
	if err != nil {
		f.Fatal(err)
	}
	secret := SecretKeySet([]byte("a secret that is at least 32 bytes long"), "secret")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, r := range Input(data, Source{}, Options{Now: at}) {
			for _, ks := range []*KeySet{keys, secret, nil} {
				v := Verify(r, ks, VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "oidc-cli", Now: at})
				if _, err := json.Marshal(v); err != nil {
					t.Fatal(err)
				}
				if v.Valid {
					sig := false
					for _, c := range v.Checks {
						sig = sig || c.ID == "signature" && c.Status == Pass
					}
					if !sig {
						t.Fatalf("valid without a passing signature check: %+v", v.Checks)
					}
				}
			}
		}
	})
}
