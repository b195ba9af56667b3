package render

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWrapHelp(t *testing.T) {
	help := `Login runs the authorization code flow against any issuer found by discovery: PKCE S256,
a fresh state and nonce.

Examples:
  # a confidential client; the secret from the environment, as people do
  oidc login --issuer https://dev-1234.okta.com --client-id 0oa --jq '.checks[] | select(.status == "fail")'

Flags:
      --acr-values string     acr_values
      --auth-method string    client authentication: none, client_secret_basic, client_secret_post or private_key_jwt
      --x                     https://a-very-long-url.example.com/with/a/path/that/goes/on/and/on/and/on
  -h, --help                  help for login

Available Commands:
  client-credentials Get a token for a machine client (the client credentials grant), then verify it
  decode             Decode JWTs
`
	if got := WrapHelp(help, 0); got != help {
		t.Errorf("width 0 changed the text")
	}
	for _, width := range []int{80, 60} {
		got := WrapHelp(help, width)
		for _, l := range strings.Split(got, "\n") {
			if utf8.RuneCountInString(l) > width {
				t.Errorf("width %d: %q is %d wide", width, l, utf8.RuneCountInString(l))
			}
		}
		// Words are never cut, but for one longer than a line.
		for _, w := range []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "authorization", "0oa"} {
			if !strings.Contains(got, w) {
				t.Errorf("width %d: %q cut:\n%s", width, w, got)
			}
		}
		// A row that fits stays as it was.
		if !strings.Contains(got, "\n      --acr-values string     acr_values\n") || !strings.Contains(got, "\n  decode             Decode JWTs\n") {
			t.Errorf("width %d: a row that fits was changed:\n%s", width, got)
		}
		// The quoted jq filter is never split; every broken line of the
		// command ends with a backslash.
		if !strings.Contains(got, `'.checks[] | select(.status == "fail")'`) {
			t.Errorf("width %d: a quoted argument was split:\n%s", width, got)
		}
		lines := strings.Split(got, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "  oidc login") {
				for j := i; !strings.Contains(lines[j], "select"); j++ {
					if !strings.HasSuffix(lines[j], ` \`) {
						t.Errorf("width %d: %q does not continue with a backslash", width, lines[j])
					}
				}
			}
		}
	}
	got := WrapHelp(help, 80)
	want := `Login runs the authorization code flow against any issuer found by discovery:
PKCE S256, a fresh state and nonce.`
	if !strings.HasPrefix(got, want) {
		t.Errorf("prose not filled again:\n%s", got)
	}
	if !strings.Contains(got, `      --auth-method string    client authentication: none, client_secret_basic,
                              client_secret_post or private_key_jwt
`) {
		t.Errorf("a flag's usage does not go on under its column:\n%s", got)
	}
	if !strings.Contains(got, `  client-credentials Get a token for a machine client (the client credentials
                     grant), then verify it
`) {
		t.Errorf("a command's summary does not go on under its column:\n%s", got)
	}
	if !strings.Contains(got, `  # a confidential client; the secret from the environment, as people do
`) {
		t.Errorf("a comment that fits was changed:\n%s", got)
	}
	// Too little room beside a long name: the text goes under it.
	narrow := WrapHelp(help, 40)
	if !strings.Contains(narrow, "\n      --auth-method string\n          client authentication: none,\n") {
		t.Errorf("at 40 columns:\n%s", narrow)
	}
	if !strings.Contains(WrapHelp("Examples:\n  # a comment that is long enough to wrap here", 30), "\n  # ") {
		t.Errorf("a comment goes on without #")
	}
}
