// Command samples writes the sample tokens under decode/testdata/samples:
// the README quick start decodes them, and the tests use them. Keys are
// kept in keys.json so the tokens verify against jwks.json; run it again
// after changing a claim:
//
//	go run ./scripts/samples
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const dir = "decode/testdata/samples"

// The samples are issued at a fixed instant; tests decode them with
// --time 2026-11-25T10:30:00Z.
var issued = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC).Unix()

func main() {
	keys := loadOrCreateKeys()
	rsaKey, ecKey := keys.Keys[0], keys.Keys[1]
	accessToken := sign(ecKey, "at+jwt", fmt.Sprintf(`{"iss":"https://login.example.com","sub":"alice","aud":"https://api.example.com","exp":%d,"iat":%d,"jti":"at-7f3c1e","client_id":"oidc-cli","scope":"openid profile email","groups":["admins","developers"]}`, issued+3600, issued))
	code := "SplxlOBeZQQYbYS6WxSbIA"
	idToken := sign(rsaKey, "JWT", fmt.Sprintf(`{"iss":"https://login.example.com","sub":"alice","aud":"oidc-cli","exp":%d,"iat":%d,"auth_time":%d,"nonce":"n-0S6_WzA2Mj","at_hash":%q,"c_hash":%q,"azp":"oidc-cli","sid":"08a5019c-17e1-4977-8f42-65a12843ea02","name":"Alice Liddell","email":"alice@example.com","email_verified":true}`,
		issued+3600, issued, issued-30, halfHash(accessToken), halfHash(code)))
	logoutToken := sign(rsaKey, "logout+jwt", fmt.Sprintf(`{"iss":"https://login.example.com","sub":"alice","aud":"oidc-cli","iat":%d,"exp":%d,"jti":"bWJq","sid":"08a5019c-17e1-4977-8f42-65a12843ea02","events":{"http://schemas.openid.net/event/backchannel-logout":{}}}`, issued, issued+120))
	unsecured := b64(`{"alg":"none","typ":"JWT"}`) + "." + b64(fmt.Sprintf(`{"iss":"https://login.example.com","sub":"mallory","aud":"oidc-cli","iat":%d}`, issued)) + "."

	write("id-token.jwt", idToken)
	write("access-token.jwt", accessToken)
	write("logout-token.jwt", logoutToken)
	write("unsecured.jwt", unsecured)
	write("token-response.json", fmt.Sprintf("{\n  \"access_token\": %q,\n  \"token_type\": \"Bearer\",\n  \"expires_in\": 3600,\n  \"refresh_token\": \"8xLOxBtZp8.rt.Q2hhbmdlIG1lIGFmdGVyIHVzZQ\",\n  \"scope\": \"openid profile email\",\n  \"id_token\": %q\n}\n", accessToken, idToken))
	write("callback-url.txt", "http://127.0.0.1:53219/callback?code="+code+"&state=af0ifjsldkj&iss=https%3A%2F%2Flogin.example.com\n")
	pub := jose.JSONWebKeySet{}
	for _, k := range keys.Keys {
		pub.Keys = append(pub.Keys, k.Public())
	}
	writeJSON("jwks.json", pub, 0o644)
	der, err := x509.MarshalPKIXPublicKey(rsaKey.Public().Key)
	check(err)
	write("rsa-public.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
}

func loadOrCreateKeys() jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	path := filepath.Join(dir, "keys.json")
	if data, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(data, &set); err != nil {
			log.Fatalf("%s: %v", path, err)
		}
		return set
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	check(err)
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err)
	set.Keys = []jose.JSONWebKey{
		{Key: rk, KeyID: "sample-rsa-1", Algorithm: "RS256", Use: "sig"},
		{Key: ek, KeyID: "sample-ec-1", Algorithm: "ES256", Use: "sig"},
	}
	// Test keys only: they sign the sample tokens and nothing else.
	writeJSON("keys.json", set, 0o600)
	return set
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

func write(name, content string) {
	if !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	check(os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
}

func writeJSON(name string, v any, mode os.FileMode) {
	data, err := json.MarshalIndent(v, "", "  ")
	check(err)
	check(os.WriteFile(filepath.Join(dir, name), append(data, '\n'), mode))
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
