package decode

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

func encryptFor(t *testing.T, alg jose.KeyAlgorithm, enc jose.ContentEncryption, key any) *Result {
	t.Helper()
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: alg, Key: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := e.Encrypt([]byte(`{"sub":"alice"}`))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return Input([]byte(raw), Source{}, Options{})[0]
}

// A key decrypts only with its own algorithm: key management is bound to
// the key (RFC 7517 4.4, RFC 8725 3.2), never chosen by the token.
func TestJWEKeyBinding(t *testing.T) {
	secret := make([]byte, 16)
	rand.Read(secret)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	wrapped := encryptFor(t, jose.A128KW, jose.A128GCM, secret)
	direct := encryptFor(t, jose.DIRECT, jose.A128GCM, secret)
	oaep := encryptFor(t, jose.RSA_OAEP, jose.A128GCM, &rsaKey.PublicKey)
	pkcs1 := encryptFor(t, jose.RSA1_5, jose.A128GCM, &rsaKey.PublicKey)
	for _, tc := range []struct {
		name string
		tok  *Result
		key  *DecryptKey
		want string // "" decrypts
	}{
		{"key wrap key, key wrap token", wrapped, &DecryptKey{Key: secret, Alg: "A128KW"}, ""},
		{"key wrap key, direct token", direct, &DecryptKey{Key: secret, Alg: "A128KW"}, "alg dir: not decrypted with this key"},
		{"direct key, key wrap token", wrapped, &DecryptKey{Key: secret, Alg: "A128GCM"}, "alg A128KW: not decrypted with this key"},
		{"direct key, direct token", direct, &DecryptKey{Key: secret, Alg: "A128GCM"}, ""},
		{"unmarked secret, either", direct, &DecryptKey{Key: secret}, ""},
		{"RSA-OAEP key, RSA-OAEP token", oaep, &DecryptKey{Key: rsaKey, Alg: "RSA-OAEP"}, ""},
		{"RSA-OAEP key, RSA1_5 token", pkcs1, &DecryptKey{Key: rsaKey, Alg: "RSA-OAEP"}, "alg RSA1_5: not decrypted with this key"},
		{"unmarked RSA key, RSA1_5 token", pkcs1, &DecryptKey{Key: rsaKey}, "decryption oracle"},
		{"RSA1_5 key, RSA1_5 token", pkcs1, &DecryptKey{Key: rsaKey, Alg: "RSA1_5"}, ""},
		{"RSA1_5 key, RSA-OAEP token", oaep, &DecryptKey{Key: rsaKey, Alg: "RSA1_5"}, "alg RSA-OAEP: not decrypted with this key"},
		{"a signature key", oaep, &DecryptKey{Key: rsaKey, Use: "sig"}, "use sig"},
		{"key_ops without decrypt", oaep, &DecryptKey{Key: rsaKey, KeyOps: []string{"encrypt"}}, "allows no decryption"},
		{"use and key_ops at odds", oaep, &DecryptKey{Key: rsaKey, Use: "enc", KeyOps: []string{"sign"}}, "contradict"},
		{"key_ops unwrapKey", oaep, &DecryptKey{Key: rsaKey, KeyOps: []string{"unwrapKey"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain, err := Decrypt(tc.tok, tc.key)
			switch {
			case tc.want == "" && (err != nil || string(plain) != `{"sub":"alice"}`):
				t.Fatalf("want the plaintext: %q %v", plain, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err %v, want one with %q", err, tc.want)
			}
		})
	}
}
