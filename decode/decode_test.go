package decode

import (
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func jwt(header, payload, sig string) string {
	return b64([]byte(header)) + "." + b64([]byte(payload)) + "." + sig
}

var at = time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)

func TestDecodeSegment(t *testing.T) {
	tests := []struct {
		in       string
		want     string
		problems []string
		err      string
	}{
		{in: "YWJj", want: "abc"},
		{in: "YWI", want: "ab"},
		{in: "YQ", want: "a"},
		{in: "YQ==", want: "a", problems: []string{"base64_padding"}},
		{in: "-_8", want: "\xfb\xff"},
		{in: "+/8", want: "\xfb\xff", problems: []string{"base64_alphabet"}},
		{in: "YR", want: "a", problems: []string{"noncanonical_base64"}},
		{in: "Y", err: "1 characters cannot be base64url"},
		{in: "YW=J", err: "'=' padding in the middle at byte 2"},
		{in: "YW J", err: "invalid base64url character ' ' at byte 2"},
		{in: "YW\x00J", err: "invalid base64url character 0x00 at byte 2"},
		{in: "", want: ""},
	}
	for _, tc := range tests {
		got, probs, err := decodeSegment(segment{name: "payload", text: tc.in})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Message, tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: unexpected error %v", tc.in, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
		var codes []string
		for _, p := range probs {
			codes = append(codes, p.code)
		}
		if strings.Join(codes, ",") != strings.Join(tc.problems, ",") {
			t.Errorf("%q: problems %v, want %v", tc.in, codes, tc.problems)
		}
	}
}

func TestParseObject(t *testing.T) {
	tests := []struct {
		in      string
		names   string
		dups    string
		problem string
	}{
		{in: `{"a":1,"b":{"c":[1,2]}}`, names: "a,b"},
		{in: ` {"b":1, "a":2} `, names: "b,a"},
		{in: `{"a":1,"a":2}`, names: "a,a", dups: "a"},
		{in: `{"a":{"x":1,"x":2},"l":[{"y":1,"y":1}]}`, names: "a,l", dups: "a.x,l[].y"},
		{in: `{"a":1}x`, problem: `trailing data after the JSON object: "x"`},
		{in: `{"a":1}{}`, problem: "trailing data"},
		{in: `[1]`, problem: "JSON array, not an object"},
		{in: `"s"`, problem: "JSON string, not an object"},
		{in: `{"a":`, problem: "ends before the object is closed"},
		{in: `{"a" 1}`, problem: "not JSON"},
		{in: `hello`, problem: "not JSON: expected '{'"},
		{in: ``, problem: "empty"},
	}
	for _, tc := range tests {
		members, dups, p := parseObject([]byte(tc.in))
		if tc.problem != "" {
			if p == nil || !strings.Contains(p.message, tc.problem) {
				t.Errorf("%s: problem %v, want %q", tc.in, p, tc.problem)
			}
			continue
		}
		if p != nil {
			t.Errorf("%s: unexpected problem %s", tc.in, p.message)
			continue
		}
		var names []string
		for _, m := range members {
			names = append(names, m.Name)
		}
		if got := strings.Join(names, ","); got != tc.names {
			t.Errorf("%s: names %s, want %s", tc.in, got, tc.names)
		}
		if got := strings.Join(dups, ","); got != tc.dups {
			t.Errorf("%s: duplicates %s, want %s", tc.in, got, tc.dups)
		}
	}
}

func TestGuess(t *testing.T) {
	tests := []struct {
		name, header, payload, label, want, vendor string
	}{
		{"id token by claims", `{"alg":"RS256","kid":"k"}`, `{"iss":"https://a","sub":"s","aud":"c","nonce":"n","exp":1}`, "", TypeIDToken, ""},
		{"id token by label", `{"alg":"RS256","kid":"k"}`, `{"iss":"https://a","sub":"s","aud":"c","exp":1}`, "id_token", TypeIDToken, ""},
		{"rfc 9068", `{"alg":"RS256","kid":"k","typ":"application/at+jwt"}`, `{"sub":"s"}`, "", TypeAccessToken, ""},
		{"okta access token", `{"alg":"RS256","kid":"k"}`, `{"iss":"https://dev-1.okta.com/oauth2/default","cid":"0oa","scp":["openid"],"exp":1}`, "", TypeAccessToken, "Okta"},
		{"logout by events", `{"alg":"RS256","kid":"k"}`, `{"events":{"http://schemas.openid.net/event/backchannel-logout":{}},"sid":"x"}`, "", TypeLogoutToken, ""},
		{"dpop", `{"alg":"ES256","typ":"dpop+jwt","jwk":{}}`, `{"htm":"POST","htu":"https://a/token","iat":1,"jti":"j"}`, "", TypeDPoPProof, ""},
		{"dpop by claims", `{"alg":"ES256","jwk":{}}`, `{"htm":"POST","htu":"https://a/token","iat":1,"jti":"j"}`, "", TypeDPoPProof, ""},
		{"kubernetes", `{"alg":"RS256","kid":"k"}`, `{"iss":"https://kubernetes.default.svc","kubernetes.io":{"namespace":"default"},"sub":"system:serviceaccount:default:x"}`, "", TypeServiceAccount, "Kubernetes"},
		{"keycloak refresh", `{"alg":"HS512","kid":"k"}`, `{"iss":"https://kc/realms/demo","typ":"Refresh","sub":"s"}`, "", TypeRefreshToken, "Keycloak"},
		{"client assertion", `{"alg":"RS256","kid":"k"}`, `{"iss":"cli","sub":"cli","aud":"https://a/token","jti":"j","exp":1}`, "", TypeClientAssertion, ""},
		{"entra", `{"alg":"RS256","kid":"k"}`, `{"iss":"https://login.microsoftonline.com/t/v2.0","aud":"api://x","scp":"read","tid":"t","ver":"2.0"}`, "", TypeAccessToken, "Entra ID"},
		{"google id token", `{"alg":"RS256","kid":"k"}`, `{"iss":"https://accounts.google.com","azp":"x","aud":"x","sub":"1"}`, "", TypeIDToken, "Google"},
		{"plain", `{"alg":"HS256"}`, `{"foo":"bar"}`, "", TypeJWT, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Token(jwt(tc.header, tc.payload, "c2ln"), Source{}, tc.label, Options{Now: at})
			if r.Error != nil {
				t.Fatal(r.Error)
			}
			if r.Guess.Type != tc.want || r.Guess.Vendor != tc.vendor {
				t.Errorf("guess = %s (%s), want %s (%s); evidence %q", r.Guess.Type, r.Guess.Vendor, tc.want, tc.vendor, r.Guess.Evidence)
			}
			if len(r.Guess.Evidence) == 0 {
				t.Error("no evidence")
			}
		})
	}
}

func TestAgo(t *testing.T) {
	tests := map[time.Duration]string{
		0:                              "0s",
		42 * time.Second:               "42s",
		4*time.Minute + 12*time.Second: "4m12s",
		4 * time.Minute:                "4m",
		2*time.Hour + 5*time.Minute:    "2h5m",
		2 * time.Hour:                  "2h",
		-2 * time.Hour:                 "2h",
		3*24*time.Hour + 4*time.Hour:   "3d4h",
		400 * 24 * time.Hour:           "1y35d",
		730 * 24 * time.Hour:           "2y",
	}
	for d, want := range tests {
		if got := Ago(d); got != want {
			t.Errorf("Ago(%v) = %q, want %q", d, got, want)
		}
	}
	if got := Relative("exp", -7200); got != "expired 2h ago" {
		t.Errorf("Relative exp past = %q", got)
	}
	if got := Relative("exp", 252); got != "expires in 4m12s" {
		t.Errorf("Relative exp future = %q", got)
	}
}

// TestKeycloakCode: a dotted authorization code that only looks like a JWS
// is reported as an opaque code, not as a broken token.
func TestKeycloakCode(t *testing.T) {
	code := "3f8e6a9c-1b2d-4e5f-8a7b-9c0d1e2f3a4b.5a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d.9c8b7a6f-5e4d-3c2b-1a09-f8e7d6c5b4a3"
	rs := Input([]byte("http://127.0.0.1:8000/callback?state=s&session_state=x&code="+code), Source{}, Options{})
	if len(rs) != 1 || rs[0].Kind != KindOpaque || rs[0].Failed() || rs[0].Guess.Type != TypeCode {
		t.Fatalf("got %+v", rs[0])
	}
}

// The issuer URL is split by hand (every decoded token asks for its
// vendor); it must see what url.Parse would for the parts it keeps.
func TestSplitURL(t *testing.T) {
	for _, tc := range []struct{ in, scheme, host, path string }{
		{"https://login.microsoftonline.com/tid/v2.0", "https", "login.microsoftonline.com", "/tid/v2.0"},
		{"https://accounts.google.com", "https", "accounts.google.com", ""},
		{"https://dev-1.okta.com/oauth2/default?x=1#f", "https", "dev-1.okta.com", "/oauth2/default"},
		{"http://[::1]:8080/realms/master", "http", "[::1]:8080", "/realms/master"},
		{"https://user@idp.example.com:8443/", "https", "user@idp.example.com:8443", "/"},
	} {
		scheme, host, path, ok := splitURL(tc.in)
		if !ok || scheme != tc.scheme || host != tc.host || path != tc.path {
			t.Errorf("splitURL(%q) = %q %q %q %v", tc.in, scheme, host, path, ok)
		}
	}
	for _, bad := range []string{"", "alice", "://x", "https://", "/path://x", "a?b://c",
		`https://evil.example\@login.microsoftonline.com/x/v2.0`, "https://[accounts.google.com]/"} {
		if _, _, _, ok := splitURL(bad); ok {
			t.Errorf("splitURL(%q) accepted", bad)
		}
	}
	r := Token(strings.TrimSpace(sample(t, "id-token.jwt")), Source{}, "", Options{})
	if r.Guess == nil {
		t.Fatal("no guess")
	}
	for _, iss := range []struct{ iss, vendor string }{
		{"https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0", "Entra ID"},
		{"https://accounts.google.com", "Google"},
		{"http://[::1]:8080/realms/master", "Keycloak"},
	} {
		r.Claims = []Member{{Name: "iss", Value: []byte(`"` + iss.iss + `"`)}}
		if v, _ := vendor(r); v != iss.vendor {
			t.Errorf("vendor(%s) = %q, want %q", iss.iss, v, iss.vendor)
		}
	}
}

// Deep nesting costs memory in proportion to the depth, not its square: a
// 78 KB token 9,990 objects deep once made a gigabyte of garbage.
func TestDeepNestingLinear(t *testing.T) {
	depth := 9990 // encoding/json's limit is 10,000 levels
	payload := `{"x":` + strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth+1)
	arrays := `{"l":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "}"
	for _, p := range []string{payload, arrays} {
		tok := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256"}`)) + "." + base64.RawURLEncoding.EncodeToString([]byte(p)) + ".c2ln"
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r := Token(tok, Source{}, "", Options{})
		runtime.ReadMemStats(&after)
		if r.Claims == nil {
			t.Fatalf("not decoded: %+v", r.Error)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 20<<20 {
			t.Errorf("decoding %d levels allocated %d MB", depth, got>>20)
		}
	}
}

// Duplicates are found however many members an object has, with the path
// of the member named "" kept apart from an array element's.
func TestDuplicatesManyMembers(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{`)
	for i := range 40 {
		fmt.Fprintf(&b, `"m%d":%d,`, i, i)
	}
	b.WriteString(`"m3":0,"":{"a":1,"a":2},"l":[[{"z":1,"z":2}]]}`)
	_, dups, problem := parseObject([]byte(b.String()))
	if problem != nil {
		t.Fatal(problem.message)
	}
	if got := strings.Join(dups, " "); got != "m3 .a l[][].z" {
		t.Errorf("duplicates %q", got)
	}
}
