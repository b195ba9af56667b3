package cmd

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oidcdev/oidc/internal/issuer"
	"github.com/oidcdev/oidc/internal/issuer/issuertest"
)

// TestLoginTraces: --trace, --trace-file and --curl show the exchanges
// with the issuer and never its secrets.
func TestLoginTraces(t *testing.T) {
	const secret = "s3cr3t-value"
	clients := []issuer.Client{{ID: "cli", Secret: secret, RedirectURIs: []string{"http://127.0.0.1/callback"}, SkipConsent: true}}
	op := issuertest.Start(t, issuer.Config{AutoApprove: true, Clients: clients}, false)
	har := t.TempDir() + "/login.har"
	code, _, errOut := runOIDCEnv(t, map[string]string{"BROWSER": "fake-browser", "OIDC_CLIENT_SECRET": secret},
		"login", "--issuer", op.URL, "--client-id", "cli", "--auth-method", "client_secret_post", "--trace", "--curl", "--trace-file", har, "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	data, err := os.ReadFile(har)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(har); st.Mode().Perm() != 0o600 {
		t.Errorf("the HAR file is %v, want 0600", st.Mode().Perm())
	}
	var doc struct {
		Log struct {
			Entries []struct {
				Request struct {
					Method, URL string
					PostData    *struct{ Text string }
				}
				Response struct{ Status int }
			}
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	tokenSeen := false
	for _, e := range doc.Log.Entries {
		if strings.HasSuffix(e.Request.URL, "/token") && e.Response.Status == 200 && e.Request.PostData != nil {
			tokenSeen = strings.Contains(e.Request.PostData.Text, "grant_type=authorization_code")
		}
	}
	if !tokenSeen || len(doc.Log.Entries) < 4 {
		t.Errorf("HAR lacks the token request: %s", data)
	}
	for _, where := range []string{string(data), errOut} {
		if strings.Contains(where, secret) || regexpCode.MatchString(where) {
			t.Errorf("a secret reached a trace:\n%s", where)
		}
	}
	for _, want := range []string{"> POST " + op.URL + "/token", "client_secret=%5BREDACTED%5D", `--data-urlencode "code=$OIDC_CODE"`,
		`--data-urlencode "client_secret=$OIDC_CLIENT_SECRET"`, `--data-urlencode "code_verifier=$OIDC_CODE_VERIFIER"`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// regexpCode matches an unredacted code in a form body.
var regexpCode = regexp.MustCompile(`code=[A-Za-z0-9_-]{16,}`)

// TestLoginInterrupted: Ctrl-C while waiting for the browser exits 130 and
// frees the port.
func TestLoginInterrupted(t *testing.T) {
	op := issuertest.Start(t, issuer.Config{AutoApprove: true}, false)
	ctx, cancel := context.WithCancel(context.Background())
	var errOut syncBuffer
	io := &IO{In: strings.NewReader(""), Out: &syncBuffer{}, Err: &errOut, Getenv: func(k string) string {
		if k == "BROWSER" {
			return "true" // opens nothing: the login waits
		}
		return ""
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	time.AfterFunc(300*time.Millisecond, cancel)
	code := Run(ctx, []string{"login", "--issuer", op.URL, "--client-id", "oidc-cli", "--port", itoa(port)}, io)
	if code != ExitInterrupted || !strings.Contains(errOut.String(), "oidc: interrupted") {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	again, err := net.Listen("tcp", "127.0.0.1:"+itoa(port))
	if err != nil {
		t.Fatalf("the listener was left open: %v", err)
	}
	again.Close()
}
