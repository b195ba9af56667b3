package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/go-jose/go-jose/v4"
)

// algs are the corpus's signature algorithms, one key each.
var algs = []string{"RS256", "PS256", "ES256", "EdDSA"}

// keysFile holds the benchmark's private keys. They are committed so that
// every run, on every machine, verifies the same keys and claims; they sign
// benchmark tokens and nothing else.
const keysFile = "scripts/bench/testdata/keys.json"

// The corpus's tokens were issued at a fixed instant and expire in 2100,
// so that every tool accepts them whenever the benchmark runs.
const (
	corpusIssued  = 1764000000 // 2025-11-24T16:00:00Z
	corpusExpires = 4102444800 // 2100-01-01T00:00:00Z
)

// makeCorpus writes keys, a JWKS and tokens into dir, reusing files from an
// earlier run when the keys match (RS256 and EdDSA signatures are
// deterministic; PS256 and ES256 ones are randomised by the algorithms
// themselves, so those files differ between fresh corpora, not their
// sizes or claims).
func makeCorpus(dir string, sizes []int) Corpus {
	c := Corpus{Dir: dir, Issuer: "https://issuer.example.com", Audience: "bench-client"}
	check(os.MkdirAll(dir, 0o755))
	keys := loadOrCreateKeys()
	keysJSON, err := os.ReadFile(keysFile)
	check(err)
	stamp := filepath.Join(dir, "keys.stamp")
	if old, err := os.ReadFile(stamp); err != nil || string(old) != string(keysJSON) {
		// New keys: every file made with the old ones goes.
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}

	pub := jose.JSONWebKeySet{}
	for _, k := range keys.Keys {
		p := k.Public()
		pub.Keys = append(pub.Keys, p)
		writeJSONFile(c.JWK(k.Algorithm), p)
		der, err := x509.MarshalPKIXPublicKey(p.Key)
		check(err)
		check(os.WriteFile(c.PEM(k.Algorithm), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644))
	}
	writeJSONFile(c.JWKS(), pub)

	for _, k := range keys.Keys {
		if _, err := os.Stat(c.Token(k.Algorithm)); err != nil {
			check(os.WriteFile(c.Token(k.Algorithm), []byte(signToken(k, 0)), 0o644))
		}
		for _, n := range sizes {
			path := c.Tokens(k.Algorithm, n)
			if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
				continue
			}
			writeTokens(path, k, n)
		}
	}
	check(os.WriteFile(stamp, keysJSON, 0o644))
	return c
}

// writeTokens signs n tokens on every core and writes them one per line.
func writeTokens(path string, k jose.JSONWebKey, n int) {
	tokens := make([]string, n)
	var wg sync.WaitGroup
	workers := runtime.NumCPU()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				tokens[i] = signToken(k, i)
			}
		}()
	}
	wg.Wait()
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	check(err)
	bw := bufio.NewWriterSize(f, 1<<20)
	for _, t := range tokens {
		bw.WriteString(t)
		bw.WriteByte('\n')
	}
	check(bw.Flush())
	check(f.Close())
	check(os.Rename(tmp, path))
}

// signToken makes the i-th ID-token-like JWT: the claims an OpenID Provider
// puts in a real one, of a realistic size (about 800 bytes for RS256).
func signToken(k jose.JSONWebKey, i int) string {
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.KeyID)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm), Key: k.Key}, opts)
	check(err)
	claims := fmt.Sprintf(`{"iss":"https://issuer.example.com","sub":"user-%[1]d","aud":"bench-client","exp":%[2]d,"iat":%[3]d,"auth_time":%[3]d,"nonce":"n-%08[1]x","azp":"bench-client","sid":"s-%08[1]x-4977-8f42","at_hash":"3rJRGL9ZdGOr058UvqDgEg","name":"User %[1]d","given_name":"User","family_name":"%[1]d","email":"user%[1]d@example.com","email_verified":true,"locale":"en-GB"}`,
		i, corpusExpires, corpusIssued)
	obj, err := signer.Sign([]byte(claims))
	check(err)
	s, err := obj.CompactSerialize()
	check(err)
	return s
}

// loadOrCreateKeys reads keysFile, making it the first time.
func loadOrCreateKeys() jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	if data, err := os.ReadFile(keysFile); err == nil {
		check(json.Unmarshal(data, &set))
		return set
	}
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	check(err)
	ps, err := rsa.GenerateKey(rand.Reader, 2048)
	check(err)
	es, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err)
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	check(err)
	for i, key := range []any{rs, ps, es, ed} {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: key, KeyID: strings.ToLower(algs[i]), Algorithm: algs[i], Use: "sig"})
	}
	check(os.MkdirAll(filepath.Dir(keysFile), 0o755))
	data, err := json.MarshalIndent(set, "", "  ")
	check(err)
	check(os.WriteFile(keysFile, append(data, '\n'), 0o600))
	return set
}

func writeJSONFile(path string, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	check(err)
	check(os.WriteFile(path, append(data, '\n'), 0o644))
}
