package decode

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
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

// benchCase is one algorithm's tokens and the key that verifies them.
type benchCase struct {
	alg    string
	tokens []string
	keys   *KeySet
	opts   VerifyOptions
}

// benchCases are the sample ID token (RS256) and access token (ES256), or,
// with OIDC_BENCH_CORPUS set (scripts/bench does), the first 1,000 tokens
// of each algorithm of the benchmark corpus: then the numbers are those of
// the very tokens the command-line tools are timed on.
func benchCases(b *testing.B) []benchCase {
	b.Helper()
	if dir := os.Getenv("OIDC_BENCH_CORPUS"); dir != "" {
		ks, err := ParseKeys([]byte(mustRead(b, filepath.Join(dir, "jwks.json"))), "corpus")
		if err != nil {
			b.Fatal(err)
		}
		opts := VerifyOptions{Issuer: "https://issuer.example.com", IssuerPinned: true, ClientID: "bench-client", Now: at}
		var cases []benchCase
		for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
			lines := strings.Fields(mustRead(b, filepath.Join(dir, strings.ToLower(alg)+".10000.txt")))
			cases = append(cases, benchCase{alg, lines[:min(len(lines), 1000)], ks, opts})
		}
		return cases
	}
	rs, es, ks := benchTokens(b)
	opts := VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "oidc-cli", Audience: []string{"oidc-cli", "https://api.example.com"}, Now: at}
	return []benchCase{{"RS256", []string{rs}, ks, opts}, {"ES256", []string{es}, ks, opts}}
}

// BenchmarkRawGoJose is the lower bound: go-jose alone parsing and
// verifying each token with the right key, on every core (-cpu sets how
// many), nothing else.
func BenchmarkRawGoJose(b *testing.B) {
	for _, tc := range benchCases(b) {
		b.Run(tc.alg, func(b *testing.B) {
			keys := map[string]any{}
			for _, k := range tc.keys.Keys {
				keys[k.KeyID] = k.Key
			}
			algs := []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tc.alg)}
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tok := tc.tokens[int(next.Add(1))%len(tc.tokens)]
					obj, err := jose.ParseSignedCompact(tok, algs)
					if err != nil {
						b.Fatal(err)
					}
					key := keys[obj.Signatures[0].Header.KeyID]
					if key == nil && len(tc.keys.Keys) > 0 {
						key = tc.keys.Keys[0].Key
					}
					if _, err := obj.Verify(key); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkVerify is the whole of decode.Verify on the same tokens:
// decoding, every check, the same crypto.
func BenchmarkVerify(b *testing.B) {
	for _, tc := range benchCases(b) {
		b.Run(tc.alg, func(b *testing.B) {
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tok := tc.tokens[int(next.Add(1))%len(tc.tokens)]
					r := Token(tok, Source{}, "", Options{Now: at})
					if v := Verify(r, tc.keys, tc.opts); !v.Valid {
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
