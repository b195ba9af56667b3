package cmd

import (
	"encoding/json"
	"net/url"
	"os"
	"regexp"
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

// TestProbeTraces: --trace-file and --curl cover the whole walk (the
// resource, its metadata, the authorization server's, registration, the
// token request with resource, the call) and never show a secret: the
// code, the verifier, the tokens, a client secret.
func TestProbeTraces(t *testing.T) {
	op := issuertest.Start(t, issuer.Config{AutoApprove: true}, false)
	type harEntry struct {
		Request struct {
			Method, URL string
			Headers     []struct{ Name, Value string }
			PostData    *struct{ Text string }
		}
		Response struct {
			Status  int
			Content struct{ Text string }
		}
	}
	run := func(args ...string) ([]harEntry, string, string) {
		t.Helper()
		har := t.TempDir() + "/probe.har"
		args = append([]string{"probe", op.URL + "/mcp", "--trace-file", har, "--curl", "--json"}, args...)
		code, out, errOut := runOIDCEnv(t, map[string]string{"BROWSER": "fake-browser"}, args...)
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		data, err := os.ReadFile(har)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Log struct{ Entries []harEntry } }
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Log.Entries, string(data), errOut
	}

	entries, har, errOut := run()
	seen := map[string]bool{}
	for _, e := range entries {
		path := strings.TrimPrefix(e.Request.URL, op.URL)
		auth := ""
		for _, h := range e.Request.Headers {
			if strings.EqualFold(h.Name, "Authorization") {
				auth = h.Value
			}
		}
		body := ""
		if e.Request.PostData != nil {
			body = e.Request.PostData.Text
		}
		switch {
		case path == "/mcp" && auth == "" && e.Response.Status == 401:
			seen["challenge"] = true
		case path == "/.well-known/oauth-protected-resource/mcp" && e.Response.Status == 200:
			seen["resource metadata"] = true
		case (path == "/.well-known/oauth-authorization-server" || path == "/.well-known/openid-configuration") && e.Response.Status == 200:
			seen["authorization server"] = true
		case path == "/register" && e.Request.Method == "POST" && e.Response.Status == 201:
			seen["register"] = strings.Contains(e.Response.Content.Text, `"client_id":"dyn-`)
		case path == "/token" && strings.Contains(body, "grant_type=authorization_code"):
			// RFC 8707: resource on the token request too.
			seen["token"] = strings.Contains(body, "resource="+url.QueryEscape(op.URL+"/mcp")) &&
				strings.Contains(body, "code=%5BREDACTED%5D") && strings.Contains(body, "code_verifier=%5BREDACTED%5D")
		case path == "/mcp" && auth == "Bearer [REDACTED]" && e.Response.Status == 200:
			seen["call"] = true
		}
	}
	for _, want := range []string{"challenge", "resource metadata", "authorization server", "register", "token", "call"} {
		if !seen[want] {
			t.Errorf("the HAR lacks the %s exchange (seen %v)", want, seen)
		}
	}
	for where, text := range map[string]string{"HAR": har, "stderr": errOut} {
		if regexpCode.MatchString(text) || regexpJWT.MatchString(text) {
			t.Errorf("a code or a token reached the %s:\n%s", where, text)
		}
	}
	for _, want := range []string{"curl -sS -X POST '" + op.URL + "/register'", `--data-urlencode "code=$OIDC_CODE"`,
		`--data-urlencode "code_verifier=$OIDC_CODE_VERIFIER"`, "--data-urlencode 'resource=" + op.URL + "/mcp'", `-H "Authorization: Bearer $OIDC_ACCESS_TOKEN"`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("--curl lacks %q:\n%s", want, errOut)
		}
	}

	// A pre-registered confidential client: its secret is in neither.
	_, har, errOut = run("--client-id", "oidc-cli-confidential", "--client-secret", "oidc-cli-secret")
	for where, text := range map[string]string{"HAR": har, "stderr": errOut} {
		if strings.Contains(text, "oidc-cli-secret") || regexpCode.MatchString(text) || regexpJWT.MatchString(text) {
			t.Errorf("a secret reached the %s:\n%s", where, text)
		}
	}
}

// regexpJWT matches a compact JWT (a token unredacted).
var regexpJWT = regexp.MustCompile(`eyJ[\w-]+\.eyJ[\w-]+\.`)
