package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/oidcdev/oidc/internal/issuer"
	"github.com/oidcdev/oidc/internal/issuer/issuertest"
	"github.com/oidcdev/oidc/internal/mcptest"
)

// TestProbeSDKServer: oidc probe walks an MCP server built with the
// official TypeScript SDK, protected by tokens of oidc serve's issuer, to
// a successful tools/list: every step, registration included.
func TestProbeSDKServer(t *testing.T) {
	op := issuertest.Start(t, issuer.Config{AutoApprove: true}, false)
	srv := mcptest.StartServer(t, op.URL)
	code, out, errOut := runOIDCEnv(t, map[string]string{"BROWSER": "fake-browser"}, "probe", srv.URL, "--json")
	var rep struct {
		Steps []struct{ Name, Status, Message string }
		Valid bool
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d: %v\n%s\n%s", code, err, out, errOut)
	}
	var got []string
	for _, s := range rep.Steps {
		got = append(got, s.Name+":"+s.Status)
	}
	want := "challenge:pass resource metadata:pass authorization server:pass registration:pass login:pass call:pass"
	if code != 0 || !rep.Valid || strings.Join(got, " ") != want {
		t.Fatalf("exit %d, steps %v, want %s\n%s\nserver log:\n%s", code, got, want, errOut, srv.Log())
	}
	if last := rep.Steps[len(rep.Steps)-1].Message; !strings.Contains(last, "tools: whoami, echo") {
		t.Fatalf("the call: %s", last)
	}
}
