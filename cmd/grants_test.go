package cmd

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/internal/testprovider"
)

// TestGrantsRealProvider: client credentials with each client
// authentication, and the device flow, against panva's oidc-provider.
func TestGrantsRealProvider(t *testing.T) {
	p := testprovider.Start(t)
	report := func(t *testing.T, code int, out, errOut string) *decode.FlowReport {
		t.Helper()
		var rep decode.FlowReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || !rep.Valid {
			t.Fatalf("exit %d, valid %v, %v\nstdout: %s\nstderr: %s", code, rep.Valid, err, out, errOut)
		}
		return &rep
	}
	const api = "https://api.example.com"
	for _, tc := range []struct {
		name   string
		method string
		args   []string
	}{
		{"client_secret_basic", "client_secret_basic", []string{"--client-id", testprovider.ConfidentialClient, "--client-secret", "oidc-cli-secret"}},
		{"private_key_jwt", "private_key_jwt", []string{"--client-id", "oidc-cli-jwt", "--client-key", testprovider.Dir() + "/client-key.json"}},
		{"client_secret_jwt", "client_secret_jwt", []string{"--client-id", "oidc-cli-secret-jwt", "--client-secret", "oidc-cli-secret-of-thirty-two-bytes-at-least", "--auth-method", "client_secret_jwt"}},
		{"client_secret_basic and DPoP", "client_secret_basic", []string{"--client-id", testprovider.ConfidentialClient, "--client-secret", "oidc-cli-secret", "--dpop"}},
	} {
		t.Run("client credentials with "+tc.name, func(t *testing.T) {
			args := append([]string{"client-credentials", "--issuer", p.Issuer, "--resource", api, "--scope", "api:read", "--json"}, tc.args...)
			code, out, errOut := runOIDC(t, args...)
			rep := report(t, code, out, errOut)
			if rep.AuthMethod != tc.method || rep.Grant != "client_credentials" || rep.AccessToken == nil || rep.AccessToken.Profile != decode.ProfileAccess {
				t.Fatalf("report: method %s grant %s access %+v", rep.AuthMethod, rep.Grant, rep.AccessToken)
			}
			checkStatus(t, rep.AccessToken, map[string]string{"signature": "pass", "aud": "pass", "typ": "pass"})
			if strings.Contains(tc.name, "DPoP") && !hasCheck(rep.Checks, "dpop", decode.Pass) {
				t.Fatalf("no passed dpop check: %+v", rep.Checks)
			}
		})
	}

	t.Run("device flow", func(t *testing.T) {
		var out, errOut syncBuffer
		io := &IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Getenv: func(k string) string {
			if k == "OIDC_CACHE_DIR" {
				return t.TempDir()
			}
			return ""
		}}
		done := make(chan int, 1)
		go func() {
			done <- Run(context.Background(), []string{"login", "--device", "--issuer", p.Issuer, "--client-id", testprovider.PublicClient, "--timeout", "60s", "--json"}, io)
		}()
		complete := regexp.MustCompile(`or open (\S+) \(the code filled in\)`)
		var uri string
		for deadline := time.Now().Add(10 * time.Second); uri == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if m := complete.FindStringSubmatch(errOut.String()); m != nil {
				uri = m[1]
			}
		}
		if uri == "" {
			t.Fatalf("no verification URI on stderr:\n%s", errOut.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		// The person at another device: the code filled in, confirm, log
		// in, consent. It ends on a success page, not at a client.
		_, _ = testprovider.AuthorizeWith(ctx, uri, testprovider.Choices{User: "alice"})
		select {
		case code := <-done:
			rep := report(t, code, out.String(), errOut.String())
			if rep.Grant != "device_code" || rep.IDToken == nil {
				t.Fatalf("report: %+v", rep)
			}
			checkStatus(t, rep.IDToken, map[string]string{"signature": "pass", "aud": "pass", "iss": "pass"})
		case <-time.After(30 * time.Second):
			t.Fatalf("the device login did not end:\n%s", errOut.String())
		}
	})
}

func hasCheck(checks []decode.Check, id, status string) bool {
	for _, c := range checks {
		if c.ID == id && c.Status == status {
			return true
		}
	}
	return false
}
