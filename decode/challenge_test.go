package decode

import (
	"reflect"
	"testing"
)

func TestParseChallenges(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Challenge
	}{
		{`Bearer realm="api", error="invalid_token", error_description="The token expired"`,
			[]Challenge{{Scheme: "Bearer", Params: map[string]string{"realm": "api", "error": "invalid_token", "error_description": "The token expired"}}}},
		{`Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", scope="files:read"`,
			[]Challenge{{Scheme: "Bearer", Params: map[string]string{"resource_metadata": "https://mcp.example.com/.well-known/oauth-protected-resource", "scope": "files:read"}}}},
		{`bearer ERROR=insufficient_scope, Scope="a b"`, []Challenge{{Scheme: "bearer", Params: map[string]string{"error": "insufficient_scope", "scope": "a b"}}}},
		{`DPoP algs="ES256 PS256", error="use_dpop_nonce", Bearer realm="x"`,
			[]Challenge{{Scheme: "DPoP", Params: map[string]string{"algs": "ES256 PS256", "error": "use_dpop_nonce"}}, {Scheme: "Bearer", Params: map[string]string{"realm": "x"}}}},
		{`Basic realm="a \"quoted\" realm"`, []Challenge{{Scheme: "Basic", Params: map[string]string{"realm": `a "quoted" realm`}}}},
		{`Bearer`, []Challenge{{Scheme: "Bearer", Params: map[string]string{}}}},
		{`Basic dXNlcjpwYXNz, Bearer realm=x`, []Challenge{{Scheme: "Basic", Params: map[string]string{"token68": "dXNlcjpwYXNz"}}, {Scheme: "Bearer", Params: map[string]string{"realm": "x"}}}},
		{`Negotiate abc==`, []Challenge{{Scheme: "Negotiate", Params: map[string]string{"token68": "abc=="}}}},
		{``, nil},
	} {
		if got := ParseChallenges(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.in, got, tc.want)
		}
	}
}

func FuzzParseChallenges(f *testing.F) {
	for _, s := range []string{`Bearer realm="x", error="y"`, `Basic abc=, Bearer`, `"`, `a=b=c`, `DPoP algs="ES256"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range ParseChallenges(s) {
			if c.Scheme == "" {
				t.Fatalf("empty scheme from %q", s)
			}
		}
	})
}
