package decode

import (
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

type hintCase struct {
	name string
	r    *Result
	keys *KeySet
	opts VerifyOptions
}

// hintCases are verifications that between them give most hints.
func hintCases(t *testing.T) []hintCase {
	t.Helper()
	tok := func(s string) *Result { return Token(s, Source{}, "", Options{Now: at}) }
	id, access, logout := tok(sample(t, "id-token.jwt")), tok(sample(t, "access-token.jwt")), tok(sample(t, "logout-token.jwt"))
	ks := sampleKeys(t)
	pinned := VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "oidc-cli", Now: at}
	with := func(f func(o *VerifyOptions)) VerifyOptions {
		o := pinned
		f(&o)
		return o
	}
	offset := 5 * time.Minute
	expired := time.Date(2026, 11, 25, 11, 2, 0, 0, time.UTC)
	return []hintCase{
		{"encrypted, no key", tok(b64([]byte(`{"alg":"dir","enc":"A256GCM"}`)) + "..aXY.Y3Q.dGFn"), ks, pinned},
		{"nothing given", id, nil, VerifyOptions{Now: at}},
		{"issuer from the token", id, ks, with(func(o *VerifyOptions) { o.IssuerPinned = false })},
		{"no audience", access, ks, with(func(o *VerifyOptions) { o.ClientID = "" })},
		{"access token as an ID token", access, ks, with(func(o *VerifyOptions) { o.Nonce = "n" })},
		{"access token, client id only", access, ks, pinned},
		{"logout token as an ID token", logout, ks, with(func(o *VerifyOptions) { o.Nonce = "n" })},
		{"scope only, as an ID token", tok(jwt(`{"alg":"RS256","kid":"sample-rsa-1"}`, `{"iss":"https://login.example.com","sub":"a","aud":"oidc-cli","exp":1795604400,"iat":1795600800,"scope":"read"}`, "c2ln")), ks,
			with(func(o *VerifyOptions) { o.Nonce = "n" })},
		{"HMAC against public keys", tok(jwt(`{"alg":"HS256"}`, `{"iss":"https://login.example.com","sub":"a","aud":"oidc-cli"}`, "c2ln")), ks, pinned},
		{"expired by a little", id, ks, with(func(o *VerifyOptions) { o.Now = expired })},
		{"expired, clock offset known", id, ks, with(func(o *VerifyOptions) { o.Now, o.ClockOffset = expired, &offset })},
		{"ID token as an access token", id, ks, with(func(o *VerifyOptions) { o.Profile, o.Audience = ProfileAccess, []string{"oidc-cli"} })},
		{"Hydra JWT access token", tok(hydraAccessToken), ks, with(func(o *VerifyOptions) { o.Audience = []string{"https://api.example.com"} })},
		{"other access token and code", id, ks, with(func(o *VerifyOptions) { o.AccessToken, o.Code = "x", "y" })},
		{"profile chosen", id, ks, with(func(o *VerifyOptions) { o.Profile = ProfileID })},
		{"nothing marks the type", tok(jwt(`{"alg":"RS256","kid":"sample-rsa-1"}`, `{"iss":"https://login.example.com","sub":"a","aud":"oidc-cli"}`, "c2ln")), ks, pinned},
	}
}

// hydraAccessToken is like what Ory Hydra's JWT strategy issues: typ JWT,
// client_id, scp, jti, no nonce. Its signature is not a real one.
var hydraAccessToken = jwt(`{"alg":"RS256","kid":"sample-rsa-1","typ":"JWT"}`,
	`{"aud":["https://api.example.com"],"client_id":"oidc-cli","exp":1795604400,"ext":{},"iat":1795600800,"iss":"https://login.example.com","jti":"b7a3f5d2-6f1e-4c0a-9d1e-2f4b6a8c0e13","nbf":1795600800,"scp":["openid","offline"],"sub":"alice"}`,
	"c2ln")

// texts are the hints and the profile reason of a verification.
func texts(v *Verification) []string {
	out := []string{v.ProfileReason}
	for _, c := range v.Checks {
		if c.Hint != "" {
			out = append(out, c.ID+": "+c.Hint)
		}
	}
	return out
}

// TestHintsNameNoFlags: without Flags, hints say what is missing in words,
// since the same checks run under commands whose flags differ.
func TestHintsNameNoFlags(t *testing.T) {
	n := 0
	for _, tc := range hintCases(t) {
		for _, s := range texts(Verify(tc.r, tc.keys, tc.opts)) {
			if strings.Contains(s, "--") || strings.Contains(s, "()") {
				t.Errorf("%s: %q names a flag", tc.name, s)
			}
			n++
		}
	}
	if n < 25 {
		t.Errorf("only %d hints: the cases no longer give most of them", n)
	}
}

// TestHintsNameCommandFlags: with a command's flags, hints name them.
func TestHintsNameCommandFlags(t *testing.T) {
	var all []string
	for _, tc := range hintCases(t) {
		tc.opts.Flags = verifyFlags
		all = append(all, texts(Verify(tc.r, tc.keys, tc.opts))...)
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{
		"was encrypted to was not given (--decrypt-key)",
		"nor a shared secret were given (--issuer, --jwks, --key or --secret)",
		"the issuer you trust was not given (--issuer)",
		"your client ID for an ID token (--client-id), the API's identifier for an access token (--audience)",
		"the nonce sent in the authorization request was not given (--nonce)",
		"the access token issued with this ID token was not given (--access-token)",
		"the authorization code issued with this ID token was not given (--code)",
		"HMAC needs the shared secret (--secret)",
		"check yours, or widen the leeway (--leeway)",
		"fix the clock, or widen the leeway (--leeway)",
		"(--type access)",
		"(--type logout)",
		"chosen with --type",
		"(choose with --type)",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("no hint has %q; hints:\n%s", want, joined)
		}
	}
	// Another command's own flag names come through as given.
	tc := hintCases(t)[1]
	tc.opts.Flags = map[string]string{"nonce": "-n"}
	if s := strings.Join(texts(Verify(tc.r, tc.keys, tc.opts)), "\n"); !strings.Contains(s, "was not given (-n)") || strings.Contains(s, "--") {
		t.Errorf("with only -n:\n%s", s)
	}
}

func hintOf(v *Verification, id string) string {
	for _, c := range v.Checks {
		if c.ID == id {
			return c.Hint
		}
	}
	return ""
}

// TestHydraJWTAccessToken: an access token with typ JWT, as Ory Hydra's
// JWT strategy issues, fails only typ under the access profile, and the
// hint never advises checking it as an ID token.
func TestHydraJWTAccessToken(t *testing.T) {
	payload := []byte(`{"aud":["https://api.example.com"],"client_id":"oidc-cli","exp":1795604400,"ext":{},"iat":1795600800,"iss":"https://login.example.com","jti":"b7a3f5d2","nbf":1795600800,"scp":["openid","offline"],"sub":"alice"}`)
	obj, err := sampleSigner(t, "sample-rsa-1", map[jose.HeaderKey]any{"typ": "JWT"}).Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := obj.CompactSerialize()
	for _, flags := range []map[string]string{nil, verifyFlags} {
		opts := VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, Audience: []string{"https://api.example.com"}, Now: at, Flags: flags}
		v := Verify(Token(tok, Source{}, "", Options{Now: at}), sampleKeys(t), opts)
		if v.Profile != ProfileAccess || failed(v) != "typ" {
			t.Fatalf("profile %s, failed %q: %+v", v.Profile, failed(v), v.Checks)
		}
		h := hintOf(v, "typ")
		for _, want := range []string{"access token in its issuer's own JWT format", "Hydra", "at+jwt", "other checks still ran"} {
			if !strings.Contains(h, want) {
				t.Errorf("typ hint lacks %q: %s", want, h)
			}
		}
		if strings.Contains(h, "--type") || strings.Contains(h, "as an ID token") {
			t.Errorf("typ hint advises another profile: %s", h)
		}
	}
}

// TestNoOtherProfileAdvised: a token is pointed to another profile only
// when it says itself that it is of that kind.
func TestNoOtherProfileAdvised(t *testing.T) {
	cases := hintCases(t)
	byName := map[string]hintCase{}
	for _, tc := range cases {
		tc.opts.Flags = verifyFlags
		byName[tc.name] = tc
	}
	check := func(name, id, want string, advises bool) {
		t.Helper()
		tc := byName[name]
		h := hintOf(Verify(tc.r, tc.keys, tc.opts), id)
		if !strings.Contains(h, want) {
			t.Errorf("%s: %s hint lacks %q: %s", name, id, want, h)
		}
		if got := strings.Contains(h, "--type"); got != advises {
			t.Errorf("%s: %s hint advises a profile: %v, want %v: %s", name, id, got, advises, h)
		}
	}
	check("access token as an ID token", "profile", "check it as one (--type access) against the API's audience (--audience)", true)
	check("logout token as an ID token", "profile", "check it as one (--type logout)", true)
	check("scope only, as an ID token", "profile", "make sure it is the ID token", false)
	check("ID token as an access token", "typ", "nonce, at_hash, c_hash are claims of an ID token", false)

	// Keycloak says Bearer in its access tokens, nonce or not.
	kc := Token(jwt(`{"alg":"RS256","kid":"sample-rsa-1","typ":"JWT"}`, `{"iss":"https://kc.example.com/realms/demo","typ":"Bearer","nonce":"n","azp":"app","sub":"a","aud":"account","exp":1795604400,"iat":1795600800}`, "c2ln"), Source{}, "", Options{Now: at})
	v := Verify(kc, nil, VerifyOptions{Now: at, Flags: verifyFlags})
	if h := hintOf(v, "typ"); v.Profile != ProfileAccess || !strings.Contains(h, "issuer's own JWT format") {
		t.Errorf("Keycloak access token: profile %s, typ hint %s", v.Profile, h)
	}
}

// verifyFlags are the flags of `oidc verify` (cmd has the real map).
var verifyFlags = map[string]string{
	"issuer": "--issuer", "client_id": "--client-id", "audience": "--audience", "nonce": "--nonce",
	"max_age": "--max-age", "acr": "--acr", "access_token": "--access-token", "code": "--code",
	"type": "--type", "jwks": "--jwks", "key": "--key", "secret": "--secret",
	"decrypt_key": "--decrypt-key", "leeway": "--leeway", "time": "--time", "alg": "--alg",
}
