package decode

import (
	"os"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// The lower bound for verification: go-jose alone parsing and verifying the
// same token with the right key. BenchmarkVerify is the whole of
// decode.Verify (decoding, every check, the same crypto).
func benchTokens(b *testing.B) (string, string, *KeySet) {
	b.Helper()
	data := sampleKeysB(b)
	return sampleB(b, "id-token.jwt"), sampleB(b, "access-token.jwt"), data
}

func sampleKeysB(b *testing.B) *KeySet {
	ks, err := ParseKeys([]byte(mustRead(b, "testdata/samples/jwks.json")), "samples")
	if err != nil {
		b.Fatal(err)
	}
	return ks
}

func sampleB(b *testing.B, name string) string {
	return strings.TrimSpace(mustRead(b, "testdata/samples/"+name))
}

func BenchmarkRawGoJose(b *testing.B) {
	rs, es, ks := benchTokens(b)
	for _, tc := range []struct {
		name, token, alg string
		key              any
	}{{"RS256", rs, "RS256", ks.Keys[0].Key}, {"ES256", es, "ES256", ks.Keys[1].Key}} {
		b.Run(tc.name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					obj, err := jose.ParseSignedCompact(tc.token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tc.alg)})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := obj.Verify(tc.key); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	rs, es, ks := benchTokens(b)
	opts := VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "oidc-cli", Audience: []string{"oidc-cli", "https://api.example.com"}, Now: at}
	for _, tc := range []struct{ name, token string }{{"RS256", rs}, {"ES256", es}} {
		b.Run(tc.name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := Token(tc.token, Source{}, "", Options{Now: at})
					if v := Verify(r, ks, opts); !v.Valid {
						b.Fatalf("invalid: %+v", v.Failed())
					}
				}
			})
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	rs, _, _ := benchTokens(b)
	for b.Loop() {
		Token(rs, Source{}, "", Options{Now: at})
	}
}

func mustRead(b *testing.B, path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return string(data)
}
