package decode

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func sampleSigner(t *testing.T, kid string, extra map[jose.HeaderKey]any) jose.Signer {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(sample(t, "keys.json")), &set); err != nil {
		t.Fatal(err)
	}
	k := set.Key(kid)[0]
	opts := &jose.SignerOptions{}
	opts = opts.WithHeader("kid", kid)
	for name, v := range extra {
		opts = opts.WithHeader(name, v)
	}
	alg := jose.RS256
	if _, ok := k.Key.(*ecdsa.PrivateKey); ok {
		alg = jose.ES256
	}
	if _, ok := k.Key.(*rsa.PrivateKey); ok {
		alg = jose.RS256
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: k.Key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

func failed(v *Verification) string {
	var ids []string
	for _, c := range v.Failed() {
		ids = append(ids, c.ID)
	}
	return strings.Join(ids, ",")
}

// TestJSONSerializationAttacks: in JWS JSON only the protected header of
// the verified signature counts.
func TestJSONSerializationAttacks(t *testing.T) {
	ks := sampleKeys(t)
	// The issuer's real access token, behind a forged first signature
	// whose header claims an ID token.
	parts := strings.Split(sample(t, "access-token.jwt"), ".")
	fake := map[string]string{"protected": b64([]byte(`{"alg":"ES256","typ":"JWT","kid":"sample-ec-1"}`)), "signature": b64(make([]byte, 64))}
	real := map[string]string{"protected": parts[0], "signature": parts[2]}
	general, _ := json.Marshal(map[string]any{"payload": parts[1], "signatures": []any{fake, real}})
	rs := Input(general, Source{}, Options{Now: at})
	v := Verify(rs[0], ks, VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, Audience: []string{"https://api.example.com"}, Profile: ProfileID, Now: at})
	if v.Valid || !strings.Contains(failed(v), "signature") {
		t.Fatalf("a forged first signature passed: %+v", v.Checks)
	}

	// A flattened token whose typ is only in the unprotected header.
	obj, err := sampleSigner(t, "sample-rsa-1", nil).Sign([]byte(`{"iss":"https://login.example.com","sub":"alice","aud":"api","exp":1795604400,"iat":1795600800,"client_id":"c","jti":"j"}`))
	if err != nil {
		t.Fatal(err)
	}
	compact, _ := obj.CompactSerialize()
	p := strings.Split(compact, ".")
	flat, _ := json.Marshal(map[string]any{"payload": p[1], "protected": p[0], "header": map[string]string{"typ": "at+jwt"}, "signature": p[2]})
	rs = Input(flat, Source{}, Options{Now: at})
	v = Verify(rs[0], ks, VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, Audience: []string{"api"}, Profile: ProfileAccess, Now: at})
	if v.Valid || !strings.Contains(failed(v), "header_protection") {
		t.Fatalf("an unprotected typ counted: %+v", v.Checks)
	}
}

// TestProfileSubstitution: an access token handed to a caller who checks
// an ID token fails, though --type was left on auto.
func TestProfileSubstitution(t *testing.T) {
	r := Token(sample(t, "access-token.jwt"), Source{}, "", Options{Now: at})
	v := Verify(r, sampleKeys(t), VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "my-web-app", Nonce: "n", Now: at})
	if v.Valid || !strings.Contains(failed(v), "profile") {
		t.Fatalf("substitution passed: %+v", v.Checks)
	}
}

func TestUnreferencedDisclosureFails(t *testing.T) {
	d := base64.RawURLEncoding.EncodeToString([]byte(`["salt","role","admin"]`))
	r := Token(sample(t, "id-token.jwt")+"~"+d+"~", Source{}, "", Options{Now: at})
	v := Verify(r, sampleKeys(t), VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "oidc-cli", Now: at})
	if v.Valid || !strings.Contains(failed(v), "disclosures") {
		t.Fatalf("an unsigned disclosure passed: %+v", v.Checks)
	}
}

func TestLogoutEventsShape(t *testing.T) {
	for _, events := range []string{`"http://schemas.openid.net/event/backchannel-logout"`, `["http://schemas.openid.net/event/backchannel-logout"]`,
		`{"x":"http://schemas.openid.net/event/backchannel-logout"}`, `{"http://schemas.openid.net/event/backchannel-logout":true}`} {
		obj, err := sampleSigner(t, "sample-rsa-1", map[jose.HeaderKey]any{"typ": "logout+jwt"}).Sign([]byte(`{"iss":"https://login.example.com","sub":"alice","aud":"oidc-cli","exp":1795604400,"iat":1795600800,"jti":"j","events":` + events + `}`))
		if err != nil {
			t.Fatal(err)
		}
		tok, _ := obj.CompactSerialize()
		v := Verify(Token(tok, Source{}, "", Options{Now: at}), sampleKeys(t), VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "oidc-cli", Profile: ProfileLogout, Now: at})
		if v.Valid || !strings.Contains(failed(v), "events") {
			t.Errorf("events %s passed: %+v", events, v.Checks)
		}
	}
}

func TestMaxAgeZero(t *testing.T) {
	zero := time.Duration(0)
	r := Token(sample(t, "id-token.jwt"), Source{}, "", Options{Now: at})
	v := Verify(r, sampleKeys(t), VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "oidc-cli", MaxAge: &zero, Leeway: time.Minute, Now: at})
	if v.Valid || !strings.Contains(failed(v), "auth_time") {
		t.Fatalf("max_age=0 was not checked: %+v", v.Checks)
	}
}

// A signature covers the token's text as sent, so a signer's (or an
// attacker's) irregular base64 could verify: padding, the standard
// alphabet, non-zero unused bits. Strict verifiers refuse such tokens, and
// accepting them would make one token many; oidc refuses them too.
func TestLaxBase64Refused(t *testing.T) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(sample(t, "keys.json")), &set); err != nil {
		t.Fatal(err)
	}
	priv := set.Key("sample-rsa-1")[0].Key.(*rsa.PrivateKey)
	parts := strings.Split(strings.TrimSpace(sample(t, "id-token.jwt")), ".")
	// A claim whose encoding has - and _, which the standard alphabet
	// writes + and /.
	claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	parts[1] = base64.RawURLEncoding.EncodeToString(append(claims[:len(claims)-1], `,"note":"~?>~?>~?>~?>"}`...))
	sign := func(header, payload string) string {
		input := header + "." + payload
		d := sha256.Sum256([]byte(input))
		sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, d[:])
		if err != nil {
			t.Fatal(err)
		}
		return input + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	opts := VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "oidc-cli", Now: at}
	verify := func(tok string) *Verification {
		return Verify(Token(tok, Source{}, "", Options{Now: at}), sampleKeys(t), opts)
	}

	if v := verify(sign(parts[0], parts[1])); !v.Valid {
		t.Fatalf("the canonical token fails: %s", failed(v))
	}
	flip := func(s string) string { // the standard alphabet for the first url-safe character
		return strings.NewReplacer("-", "+", "_", "/").Replace(s)
	}
	if !strings.ContainsAny(parts[1], "-_") {
		t.Fatal("the sample payload has no - or _ to rewrite")
	}
	for name, tok := range map[string]string{
		"padded header":            sign(parts[0]+"=", parts[1]),
		"padded payload":           sign(parts[0], parts[1]+"=="),
		"standard alphabet":        sign(parts[0], flip(parts[1])),
		"padded signature":         sign(parts[0], parts[1]) + "=",
		"standard alphabet in sig": parts[0] + "." + parts[1] + "." + flip(strings.Split(sign(parts[0], parts[1]), ".")[2]),
		// Not base64, but a header go-jose refused too: a kid that is not
		// a string.
		"numeric kid": sign(base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":123,"typ":"JWT"}`)), parts[1]),
	} {
		v := verify(tok)
		if v.Valid || !strings.Contains(failed(v), "signature") {
			t.Errorf("%s: valid %v, failed %q", name, v.Valid, failed(v))
		}
	}
}
