package decode

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

func TestDescribePlaintext(t *testing.T) {
	long := `{"ab":"` + strings.Repeat("é", MaxPlaintextShown) + `"}`
	tests := []struct {
		plain                string
		form                 string
		json, text, hex      bool
		truncated            bool
		shownBytes, hexBytes int
	}{
		{plain: `{"sub":"alice"}`, form: PlaintextJSON, json: true},
		{plain: " [1, 2]\n", form: PlaintextJSON, json: true},
		{plain: `"a JSON string is text"`, form: PlaintextText, text: true},
		{plain: "hello\r\n\tworld\n", form: PlaintextText, text: true},
		{plain: "bidi \u202e is text (escaped when shown)", form: PlaintextText, text: true},
		{plain: "", form: PlaintextText},
		{plain: "\x1b[2J", form: PlaintextBinary, hex: true, hexBytes: 4},
		{plain: "c1 \u009b", form: PlaintextBinary, hex: true, hexBytes: 5},
		{plain: "\xff\xfe", form: PlaintextBinary, hex: true, hexBytes: 2},
		{plain: `{"broken":`, form: PlaintextText, text: true},
		{plain: long, form: PlaintextJSON, text: true, truncated: true, shownBytes: MaxPlaintextShown - 1}, // cut before a 2-byte é
		{plain: strings.Repeat("x", MaxPlaintextShown+1), form: PlaintextText, text: true, truncated: true, shownBytes: MaxPlaintextShown},
		{plain: strings.Repeat("\x00", MaxPlaintextHex+1), form: PlaintextBinary, hex: true, truncated: true, hexBytes: MaxPlaintextHex},
	}
	for _, tt := range tests {
		p := describePlaintext([]byte(tt.plain))
		name := tt.plain[:min(len(tt.plain), 20)]
		if p.Form != tt.form || p.Bytes != len(tt.plain) || (p.JSON != nil) != tt.json || (p.Text != "") != tt.text || (p.Hex != "") != tt.hex || p.Truncated != tt.truncated {
			t.Errorf("%q: %+v", name, p)
		}
		if tt.shownBytes > 0 && len(p.Text) != tt.shownBytes {
			t.Errorf("%q: %d bytes of text shown, want %d", name, len(p.Text), tt.shownBytes)
		}
		if tt.hexBytes > 0 && len(p.Hex) != 2*tt.hexBytes {
			t.Errorf("%q: %d hex digits, want %d", name, len(p.Hex), 2*tt.hexBytes)
		}
	}
}

// encryptTo makes a JWE of the plaintext, compact for one recipient, JSON
// for several.
func encryptTo(t *testing.T, plain string, enc jose.ContentEncryption, cty string, rcpts ...jose.Recipient) *Result {
	t.Helper()
	o := &jose.EncrypterOptions{}
	if cty != "" {
		o = o.WithContentType(jose.ContentType(cty))
	}
	var e jose.Encrypter
	var err error
	if len(rcpts) == 1 {
		e, err = jose.NewEncrypter(enc, rcpts[0], o)
	} else {
		e, err = jose.NewMultiEncrypter(enc, rcpts, o)
	}
	if err != nil {
		t.Fatal(err)
	}
	obj, err := e.Encrypt([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	if len(rcpts) > 1 {
		rs := Input([]byte(obj.FullSerialize()), Source{}, Options{Now: at})
		if len(rs) != 1 || rs[0].Kind != KindJWE {
			t.Fatalf("JWE JSON decoded as %+v", rs)
		}
		return rs[0]
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return Token(s, Source{}, "", Options{Now: at})
}

// TestUnsignedJWE: a JWE whose plaintext is not a token is shown, its
// claims checked by the profile, and its origin by the key management:
// a shared key proves it, encryption to a public key does not.
func TestUnsignedJWE(t *testing.T) {
	claims := `{"iss":"https://login.example.com","sub":"alice","aud":"oidc-cli","exp":1795604400,"iat":1795600800}`
	secret := make([]byte, 32)
	rand.Read(secret)
	other := make([]byte, 16)
	rand.Read(other)
	kw := make([]byte, 16)
	rand.Read(kw)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	opts := VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "oidc-cli", Now: at}
	tests := []struct {
		name    string
		r       *Result
		key     any
		profile string
		valid   bool
		want    map[string]string
	}{
		{"dir", encryptTo(t, claims, jose.A256GCM, "", jose.Recipient{Algorithm: jose.DIRECT, Key: secret}), secret, "", true,
			map[string]string{"decrypt": Pass, "signature": Pass, "iss": Pass, "aud": Pass, "exp": Pass}},
		{"A128KW", encryptTo(t, claims, jose.A128GCM, "", jose.Recipient{Algorithm: jose.A128KW, Key: kw}), kw, "", true,
			map[string]string{"signature": Pass}},
		{"two recipients", encryptTo(t, claims, jose.A128GCM, "", jose.Recipient{Algorithm: jose.A128KW, Key: kw}, jose.Recipient{Algorithm: jose.A128KW, Key: other}), kw, "", false,
			map[string]string{"decrypt": Pass, "signature": Fail, "iss": Pass}},
		{"RSA-OAEP", encryptTo(t, claims, jose.A256GCM, "", jose.Recipient{Algorithm: jose.RSA_OAEP, Key: &rsaKey.PublicKey}), rsaKey, "", false,
			map[string]string{"decrypt": Pass, "signature": Fail, "iss": Pass, "sub": Pass}},
		{"RSA-OAEP userinfo", encryptTo(t, claims, jose.A256GCM, "", jose.Recipient{Algorithm: jose.RSA_OAEP, Key: &rsaKey.PublicKey}), rsaKey, ProfileUserinfo, true,
			map[string]string{"signature": Warn}},
		{"expired", encryptTo(t, strings.Replace(claims, "1795604400", "1795601000", 1), jose.A256GCM, "", jose.Recipient{Algorithm: jose.DIRECT, Key: secret}), secret, "", false,
			map[string]string{"signature": Pass, "exp": Fail}},
		{"duplicate claim", encryptTo(t, strings.Replace(claims, `"sub":"alice"`, `"sub":"alice","sub":"admin"`, 1), jose.A256GCM, "", jose.Recipient{Algorithm: jose.DIRECT, Key: secret}), secret, "", false,
			map[string]string{"duplicates": Fail}},
		{"access profile from typ-less claims", encryptTo(t, strings.Replace(claims, `"sub"`, `"client_id":"c","jti":"j","sub"`, 1), jose.A256GCM, "", jose.Recipient{Algorithm: jose.DIRECT, Key: secret}), secret, "", false,
			map[string]string{"typ": Fail}},
		{"text", encryptTo(t, "hello", jose.A256GCM, "", jose.Recipient{Algorithm: jose.DIRECT, Key: secret}), secret, "", false,
			map[string]string{"decrypt": Pass, "signature": Pass, "claims": Fail}},
		{"wrong key", encryptTo(t, claims, jose.A256GCM, "", jose.Recipient{Algorithm: jose.DIRECT, Key: secret}), make([]byte, 32), "", false,
			map[string]string{"decrypt": Fail}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts
			o.DecryptionKey, o.Profile = tt.key, tt.profile
			v := Verify(tt.r, nil, o)
			st := statuses(v)
			if v.Valid != tt.valid {
				t.Errorf("valid %v, want %v: %+v", v.Valid, tt.valid, v.Checks)
			}
			for id, want := range tt.want {
				if st[id] != want {
					t.Errorf("check %s: %q, want %q (%+v)", id, st[id], want, v.Checks)
				}
			}
			if v.Nested != nil {
				t.Errorf("nested token %+v for a plaintext that is none", v.Nested)
			}
			if st["decrypt"] == Pass && (v.Plaintext == nil || v.Plaintext.Form == PlaintextToken) {
				t.Errorf("plaintext %+v", v.Plaintext)
			}
			for _, id := range []string{"alg", "key", "crit"} {
				if _, ok := st[id]; ok {
					t.Errorf("check %s of a signature that is not there: %+v", id, v.Checks)
				}
			}
		})
	}
}

// TestJWEOfJWSJSON: a JWS in JSON serialization inside a JWE is a nested
// token, not a claims set.
func TestJWEOfJWSJSON(t *testing.T) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(sample(t, "keys.json")), &set); err != nil || len(set.Key("sample-rsa-1")) == 0 {
		t.Fatalf("sample keys: %v", err)
	}
	signKey := set.Key("sample-rsa-1")[0].Key
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: signKey}, (&jose.SignerOptions{}).WithHeader("kid", "sample-rsa-1"))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign([]byte(`{"iss":"https://login.example.com","sub":"alice","aud":"oidc-cli","exp":1795604400,"iat":1795600800}`))
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	r := encryptTo(t, jws.FullSerialize(), jose.A256GCM, "", jose.Recipient{Algorithm: jose.DIRECT, Key: secret})
	v := Verify(r, sampleKeys(t), VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "oidc-cli", Now: at, DecryptionKey: secret})
	if v.Nested == nil || v.Nested.Kind != KindJWS || v.Plaintext == nil || v.Plaintext.Form != PlaintextToken || !v.Valid {
		t.Fatalf("nested %+v, plaintext %+v, checks %+v", v.Nested, v.Plaintext, v.Checks)
	}
}
