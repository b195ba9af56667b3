package cmd

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// TestFitsTerminalWidth: on a terminal of 80 and of 60 columns, learnt
// from the terminal itself ($COLUMNS unset), no line oidc prints is wider:
// tables, claim descriptions, verify's checks and hints, and help.
func TestFitsTerminalWidth(t *testing.T) {
	const samples = "../decode/testdata/samples/"
	verify := []string{"verify", "--issuer", "https://login.example.com", "--jwks", "@" + samples + "jwks.json", "--client-id", "oidc-cli"}
	cases := []struct {
		name string
		args []string
		want string // on the screen, so the run did what it should
	}{
		{"decode an ID token", []string{"decode", "--time", "2026-11-25T10:30:00Z", "@" + samples + "id-token.jwt"}, "Issuer"},
		{"decode a token response", []string{"decode", "--time", "2026-11-25T10:30:00Z", "@" + samples + "token-response.json"}, "refresh_token"},
		{"verify with failing checks and hints", append(verify, "--time", "2026-11-25T11:05:00Z", "@"+samples+"id-token.jwt"), "hint:"},
		{"verify a batch", append(verify, "--time", "2026-11-25T10:30:00Z", "@"+samples+"id-token.jwt", "@"+samples+"access-token.jwt"), "VALID"},
		{"login --help", []string{"login", "--help"}, "--client-id"},
		{"verify --help", []string{"verify", "--help"}, "--assert"},
		{"serve --help", []string{"serve", "--help"}, "--fault"},
		{"help", []string{"--help"}, "Exit codes"},
	}
	for _, cols := range []int{80, 60} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s at %d", tc.name, cols), func(t *testing.T) {
				_, out := startOnPTYSized(t, cols, tc.args...).wait()
				if !strings.Contains(out, tc.want) {
					t.Fatalf("output lacks %q:\n%s", tc.want, out)
				}
				for i, line := range strings.Split(ansiEscape.ReplaceAllString(out, ""), "\n") {
					if n := utf8.RuneCountInString(line); n > cols {
						t.Errorf("line %d is %d columns wide, over %d:\n%s", i+1, n, cols, line)
					}
				}
			})
		}
	}
}
