package mcptest_test

import (
	"strings"
	"testing"

	"github.com/oidcdev/oidc/internal/issuer"
	"github.com/oidcdev/oidc/internal/issuer/issuertest"
	"github.com/oidcdev/oidc/internal/mcptest"
)

// sdkAgainstServe runs the SDK's OAuth client against oidc serve's own
// protected resource, with the faults given.
func sdkAgainstServe(t *testing.T, faults issuer.Faults, args ...string) (*mcptest.Summary, *issuertest.Issuer, error) {
	t.Helper()
	op := issuertest.Start(t, issuer.Config{AutoApprove: true, Faults: faults}, false)
	stdout, stderr, err := mcptest.RunClient(t, op.URL+"/mcp", args...)
	sum, perr := mcptest.ParseSummary(stdout)
	if perr != nil {
		t.Fatalf("%v\n%s", perr, stderr)
	}
	return sum, op, err
}

// TestSDKClientAgainstServeResource: the SDK's own client completes its
// authorization against oidc serve's MCP endpoint, registering itself,
// and calls its tool; each fault of the resource makes it fail (or not)
// the way the fault says.
func TestSDKClientAgainstServeResource(t *testing.T) {
	t.Run("clean", func(t *testing.T) {
		sum, op, err := sdkAgainstServe(t, issuer.Faults{}, "--tool", "whoami")
		if err != nil || sum.Error != "" {
			t.Fatalf("the SDK client failed: %v %s", err, sum.Error)
		}
		if sum.Client == nil || sum.Client.Preregistered || !strings.HasPrefix(sum.Client.ClientID, "dyn-") {
			t.Errorf("client %+v: want one registered at /register", sum.Client)
		}
		if tok := sum.Token; tok == nil || tok.Claims == nil || tok.Claims.Aud != op.URL+"/mcp" {
			t.Errorf("token %+v: want aud %s/mcp", sum.Token, op.URL)
		}
		if !strings.Contains(toolText(sum), "you are alice") {
			t.Errorf("whoami: %+v", sum.Tool)
		}
	})
	for _, tc := range []struct {
		name   string
		faults issuer.Faults
		args   []string
		fails  string // the SDK's error, "" when it copes
		logins int    // authorizations when it copes (0: 1)
	}{
		{"no resource_metadata in the challenge: found at the path-aware URL", issuer.Faults{NoResourceMetadata: true}, nil, "", 0},
		{"metadata only at the root, and not named", issuer.Faults{NoResourceMetadata: true, PRMRootOnly: true}, nil, "", 0},
		{"metadata for another resource", issuer.Faults{PRMResourceMismatch: true}, nil, "does not match expected", 0},
		{"no S256", issuer.Faults{NoS256: true}, nil, "does not support code challenge method S256", 0},
		{"registration refused", issuer.Faults{RegistrationRefused: true}, nil, "registration", 0},
		{"registration refused, a pre-registered client instead", issuer.Faults{RegistrationRefused: true}, []string{"--client-id", "oidc-cli"}, "", 0},
		{"insufficient scope: the SDK steps up", issuer.Faults{InsufficientScope: true}, []string{"--client-id", "oidc-cli"}, "", 2},
		{"lower-case challenge: the SDK finds the metadata anyway", issuer.Faults{LowercaseChallenge: true}, []string{"--client-id", "oidc-cli"}, "", 0},
		{"a resource that takes any audience: nothing the client can see", issuer.Faults{AnyAudience: true}, []string{"--client-id", "oidc-cli"}, "", 0},
		{"DPoP-bound tokens only: the SDK has no DPoP, and says only Unauthorized", issuer.Faults{ResourceDPoP: true}, []string{"--client-id", "oidc-cli"}, "Unauthorized", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum, _, err := sdkAgainstServe(t, tc.faults, append([]string{"--tool", "whoami"}, tc.args...)...)
			switch {
			case tc.fails == "" && (err != nil || sum.Error != ""):
				for _, r := range sum.Requests {
					t.Logf("%s %s %s %d %s", r.By, r.Method, r.URL, r.Status, r.WWWAuthenticate)
				}
				t.Fatalf("the SDK client failed: %v %s", err, sum.Error)
			case tc.fails == "" && !strings.Contains(toolText(sum), "you are alice"):
				t.Fatalf("whoami: %+v", sum.Tool)
			case tc.fails != "" && (err == nil || !strings.Contains(strings.ToLower(sum.Error), strings.ToLower(tc.fails))):
				t.Fatalf("the SDK client: %v, error %q, want one with %q", err, sum.Error, tc.fails)
			case tc.fails == "" && sum.Authorizations != max(tc.logins, 1):
				t.Fatalf("%d authorizations, want %d", sum.Authorizations, max(tc.logins, 1))
			}
		})
	}
}

func toolText(sum *mcptest.Summary) string {
	if sum.Tool == nil {
		return ""
	}
	var b strings.Builder
	for _, c := range sum.Tool.Content {
		if s, ok := c["text"].(string); ok {
			b.WriteString(s)
		}
	}
	return b.String()
}
