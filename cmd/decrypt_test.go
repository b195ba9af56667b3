package cmd

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/rogpeppe/go-internal/testscript"
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

// cmdEncrypt: encrypt [-alg ALG] [-enc ENC] [-cty CTY] [-typ TYP]
// [-recipients N] [-random N] [-pad N] KEY OUT PLAINTEXT encrypts the
// plaintext file (${ISSUER} expanded, ${PAD} replaced by N x's, a trailing
// newline dropped; -random: N random bytes instead) to the key in the file KEY, which is made first when it
// does not exist: an RSA key (PEM) for RSA algorithms, a P-256 key for
// ECDH-ES, a base64url secret of the right size for the others. With
// -recipients N the token is a JSON serialization for N recipients (the
// others with keys of their own), else compact.
func cmdEncrypt(ts *testscript.TestScript, neg bool, args []string) {
	alg, enc, cty, typ := "RSA-OAEP-256", "A256GCM", "", ""
	recipients, random, pad := 1, -1, 0
	num := func(s string) int {
		n, err := strconv.Atoi(s)
		ts.Check(err)
		return n
	}
	for len(args) > 1 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-alg":
			alg = args[1]
		case "-enc":
			enc = args[1]
		case "-cty":
			cty = args[1]
		case "-typ":
			typ = args[1]
		case "-recipients":
			recipients = num(args[1])
		case "-random":
			random = num(args[1])
		case "-pad":
			pad = num(args[1])
		default:
			ts.Fatalf("encrypt: unknown option %s", args[0])
		}
		args = args[2:]
	}
	if neg || len(args) != 3 {
		ts.Fatalf("usage: encrypt [-alg ALG] [-enc ENC] [-cty CTY] [-typ TYP] [-recipients N] [-random N] [-pad N] KEY OUT PLAINTEXT")
	}
	keyFile := ts.MkAbs(args[0])
	if _, err := os.Stat(keyFile); err != nil {
		ts.Check(os.WriteFile(keyFile, newEncryptionKey(ts, alg, enc), 0o600))
	}
	var rcpts []jose.Recipient
	for i := range recipients {
		data, err := os.ReadFile(keyFile)
		ts.Check(err)
		if i > 0 {
			data = newEncryptionKey(ts, alg, enc)
		}
		rcpts = append(rcpts, jose.Recipient{Algorithm: jose.KeyAlgorithm(alg), Key: encryptionKey(ts, data)})
	}
	o := &jose.EncrypterOptions{}
	if cty != "" {
		o = o.WithContentType(jose.ContentType(cty))
	}
	if typ != "" {
		o = o.WithType(jose.ContentType(typ))
	}
	var e jose.Encrypter
	var err error
	if recipients == 1 {
		e, err = jose.NewEncrypter(jose.ContentEncryption(enc), rcpts[0], o)
	} else {
		e, err = jose.NewMultiEncrypter(jose.ContentEncryption(enc), rcpts, o)
	}
	ts.Check(err)
	var plain []byte
	if random >= 0 {
		plain = make([]byte, random)
		rand.Read(plain)
	} else {
		text := strings.ReplaceAll(expand(ts, ts.ReadFile(args[2])), "${PAD}", strings.Repeat("x", pad))
		plain = []byte(strings.TrimSuffix(text, "\n"))
	}
	obj, err := e.Encrypt(plain)
	ts.Check(err)
	out := obj.FullSerialize()
	if recipients == 1 {
		out, err = obj.CompactSerialize()
		ts.Check(err)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(out), 0o644))
}

// newEncryptionKey makes a key file for a JWE key management algorithm:
// the private key as PEM, or a secret in base64url.
func newEncryptionKey(ts *testscript.TestScript, alg, enc string) []byte {
	switch {
	case strings.HasPrefix(alg, "RSA"):
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		ts.Check(err)
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	case strings.HasPrefix(alg, "ECDH-ES"):
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		ts.Check(err)
		der, err := x509.MarshalECPrivateKey(k)
		ts.Check(err)
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	}
	size := map[string]int{"A128KW": 16, "A192KW": 24, "A256KW": 32, "A128GCMKW": 16, "A192GCMKW": 24, "A256GCMKW": 32,
		"A128GCM": 16, "A192GCM": 24, "A256GCM": 32, "A128CBC-HS256": 32, "A192CBC-HS384": 48, "A256CBC-HS512": 64}
	n := size[alg]
	if alg == "dir" {
		n = size[enc]
	}
	if n == 0 {
		n = 24 // a PBES2 password
	}
	secret := make([]byte, n)
	rand.Read(secret)
	return []byte(base64.RawURLEncoding.EncodeToString(secret))
}

// encryptionKey is the public half (or the secret) of a key file made by
// newEncryptionKey, for encrypting to it.
func encryptionKey(ts *testscript.TestScript, data []byte) any {
	block, _ := pem.Decode(data)
	if block == nil {
		secret, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(string(data)))
		ts.Check(err)
		return secret
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		ts.Check(err)
		return &k.PublicKey
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(block.Bytes)
		ts.Check(err)
		return &k.PublicKey
	}
	ts.Fatalf("encrypt: key file of type %s", block.Type)
	return nil
}
