// Command samples makes the sample tokens of decode/testdata/samples: the
// README quick start decodes them, and the tests use them. Keys are kept
// in keys.json so the tokens verify against jwks.json. A token whose
// header and claims are unchanged keeps its signature (ES256 signatures
// are random: signing again would change the file and nothing else).
//
//	go run ./scripts/samples          # which files would change; writes nothing
//	go run ./scripts/samples -write   # after changing a claim: write them
package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const dir = "decode/testdata/samples"

// The samples are issued at a fixed instant; tests decode them with
// --time 2026-11-25T10:30:00Z.
var issued = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC).Unix()

func main() {
	write := flag.Bool("write", false, "write the files that changed into "+dir+" (default: only say which would)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("samples: ")
	if _, err := os.Stat("go.mod"); err != nil {
		log.Fatal("run it from the repository's root: go run ./scripts/samples")
	}
	files := generate(dir)
	changed := changedFiles(dir, files)
	switch {
	case len(changed) == 0:
		log.Printf("%s is up to date", dir)
	case !*write:
		log.Printf("would change %s in %s: run with -write to write them", strings.Join(changed, ", "), dir)
	default:
		for _, name := range changed {
			f := files[name]
			check(os.WriteFile(filepath.Join(dir, name), f.data, f.mode))
		}
		log.Printf("wrote %s in %s", strings.Join(changed, ", "), dir)
	}
}

// file is one sample file's contents and mode.
type file struct {
	data []byte
	mode os.FileMode
}

// generate makes every sample file from the keys and tokens in from.
func generate(from string) map[string]file {
	files := map[string]file{}
	add := func(name, content string) {
		if !strings.HasSuffix(content, "\n") {
			content += "\n"
		}
		files[name] = file{[]byte(content), 0o644}
	}
	addJSON := func(name string, v any, mode os.FileMode) {
		data, err := json.MarshalIndent(v, "", "  ")
		check(err)
		files[name] = file{append(data, '\n'), mode}
	}
	keys, made := loadOrCreateKeys(from)
	if made {
		// Test keys only: they sign the sample tokens and nothing else.
		addJSON("keys.json", keys, 0o600)
	}
	rsaKey, ecKey := keys.Keys[0], keys.Keys[1]
	sign := func(name string, key jose.JSONWebKey, typ, claims string) string {
		return stableSign(filepath.Join(from, name), key, typ, claims)
	}
	accessToken := sign("access-token.jwt", ecKey, "at+jwt", fmt.Sprintf(`{"iss":"https://login.example.com","sub":"alice","aud":"https://api.example.com","exp":%d,"iat":%d,"jti":"at-7f3c1e","client_id":"oidc-cli","scope":"openid profile email","groups":["admins","developers"]}`, issued+3600, issued))
	code := "SplxlOBeZQQYbYS6WxSbIA"
	idToken := sign("id-token.jwt", rsaKey, "JWT", fmt.Sprintf(`{"iss":"https://login.example.com","sub":"alice","aud":"oidc-cli","exp":%d,"iat":%d,"auth_time":%d,"nonce":"n-0S6_WzA2Mj","at_hash":%q,"c_hash":%q,"azp":"oidc-cli","sid":"08a5019c-17e1-4977-8f42-65a12843ea02","name":"Alice Liddell","email":"alice@example.com","email_verified":true}`,
		issued+3600, issued, issued-30, halfHash(accessToken), halfHash(code)))
	logoutToken := sign("logout-token.jwt", rsaKey, "logout+jwt", fmt.Sprintf(`{"iss":"https://login.example.com","sub":"alice","aud":"oidc-cli","iat":%d,"exp":%d,"jti":"bWJq","sid":"08a5019c-17e1-4977-8f42-65a12843ea02","events":{"http://schemas.openid.net/event/backchannel-logout":{}}}`, issued, issued+120))
	unsecured := b64(`{"alg":"none","typ":"JWT"}`) + "." + b64(fmt.Sprintf(`{"iss":"https://login.example.com","sub":"mallory","aud":"oidc-cli","iat":%d}`, issued)) + "."

	add("id-token.jwt", idToken)
	add("access-token.jwt", accessToken)
	add("logout-token.jwt", logoutToken)
	add("unsecured.jwt", unsecured)
	add("token-response.json", fmt.Sprintf("{\n  \"access_token\": %q,\n  \"token_type\": \"Bearer\",\n  \"expires_in\": 3600,\n  \"refresh_token\": \"8xLOxBtZp8.rt.Q2hhbmdlIG1lIGFmdGVyIHVzZQ\",\n  \"scope\": \"openid profile email\",\n  \"id_token\": %q\n}\n", accessToken, idToken))
	add("callback-url.txt", "http://127.0.0.1:53219/callback?code="+code+"&state=af0ifjsldkj&iss=https%3A%2F%2Flogin.example.com\n")
	pub := jose.JSONWebKeySet{}
	for _, k := range keys.Keys {
		pub.Keys = append(pub.Keys, k.Public())
	}
	addJSON("jwks.json", pub, 0o644)
	der, err := x509.MarshalPKIXPublicKey(rsaKey.Public().Key)
	check(err)
	add("rsa-public.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
	return files
}

// changedFiles names the files whose contents differ from those in dir,
// in order.
func changedFiles(dir string, files map[string]file) []string {
	var changed []string
	for name, f := range files {
		if old, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(old, f.data) {
			changed = append(changed, name)
		}
	}
	sort.Strings(changed)
	return changed
}

// loadOrCreateKeys reads keys.json in dir, or makes new keys (made).
func loadOrCreateKeys(dir string) (set jose.JSONWebKeySet, made bool) {
	path := filepath.Join(dir, "keys.json")
	if data, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(data, &set); err != nil {
			log.Fatalf("%s: %v", path, err)
		}
		return set, false
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	check(err)
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err)
	set.Keys = []jose.JSONWebKey{
		{Key: rk, KeyID: "sample-rsa-1", Algorithm: "RS256", Use: "sig"},
		{Key: ek, KeyID: "sample-ec-1", Algorithm: "ES256", Use: "sig"},
	}
	return set, true
}

// stableSign is the token the file at path holds when it has the same
// header and claims and its signature verifies with key; else a new one.
func stableSign(path string, key jose.JSONWebKey, typ, claims string) string {
	fresh := sign(key, typ, claims)
	data, err := os.ReadFile(path)
	if err != nil {
		return fresh
	}
	old := strings.TrimSpace(string(data))
	if signingInput(old) != signingInput(fresh) {
		return fresh
	}
	jws, err := jose.ParseSigned(old, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(key.Algorithm)})
	if err != nil {
		return fresh
	}
	if _, err := jws.Verify(key.Public()); err != nil {
		return fresh
	}
	return old
}

// signingInput is a compact JWS's header and payload.
func signingInput(token string) string {
	if i := strings.LastIndexByte(token, '.'); i >= 0 {
		return token[:i]
	}
	return token
}

func sign(key jose.JSONWebKey, typ, claims string) string {
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader("kid", key.KeyID)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Algorithm), Key: key.Key}, opts)
	check(err)
	obj, err := signer.Sign([]byte(claims))
	check(err)
	s, err := obj.CompactSerialize()
	check(err)
	return s
}

// halfHash is the OIDC at_hash/c_hash of v for a SHA-256 algorithm.
func halfHash(v string) string {
	h := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(h[:16])
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
