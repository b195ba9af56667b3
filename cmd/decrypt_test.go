package cmd

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// TestVerifyDecryptKey: oidc verify decrypts an encrypted ID token with
// --decrypt-key and verifies the signed token inside with the issuer's
// keys.
func TestVerifyDecryptKey(t *testing.T) {
	inner, err := os.ReadFile("../decode/testdata/samples/id-token.jwt")
	if err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: &key.PublicKey}, (&jose.EncrypterOptions{}).WithContentType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := enc.Encrypt([]byte(strings.TrimSpace(string(inner))))
	if err != nil {
		t.Fatal(err)
	}
	jwe, _ := obj.CompactSerialize()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.pem")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	args := []string{"verify", "--issuer", "https://login.example.com", "--client-id", "oidc-cli", "--jwks", "@../decode/testdata/samples/jwks.json",
		"--time", "2026-11-25T10:30:00Z", "--json"}
	v := verifyJSON(t, append(args[1:], "--decrypt-key", "@"+keyFile, jwe)...)
	if !v.Valid || v.Nested == nil || v.Key == nil || v.Key.Kid != "sample-rsa-1" {
		t.Fatalf("valid %v, key %+v, checks %+v", v.Valid, v.Key, v.Checks)
	}
	checkStatus(t, v, map[string]string{"decrypt": "pass", "signature": "pass", "aud": "pass"})
	if code, _, errOut := runOIDC(t, append(args, jwe)...); code != ExitCheckFailed {
		t.Fatalf("without --decrypt-key: exit %d %s", code, errOut)
	}
}
