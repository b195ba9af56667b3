package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/internal/testprovider"
)

func loginJSON(t *testing.T, code int, out, errOut string) *decode.FlowReport {
	t.Helper()
	var rep decode.FlowReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d, no JSON report: %v\nstdout: %s\nstderr: %s", code, err, out, errOut)
	}
	return &rep
}

// TestLoginRealProvider logs in to the real provider through $BROWSER,
// which here is the test binary acting as a person at a browser.
func TestLoginRealProvider(t *testing.T) {
	p := testprovider.Start(t)
	browser := map[string]string{"BROWSER": "fake-browser"}
	login := func(env map[string]string, args ...string) (int, string, string) {
		return runOIDCEnv(t, env, append([]string{"login", "--issuer", p.Issuer, "--timeout", "30s"}, args...)...)
	}

	t.Run("DPoP", func(t *testing.T) {
		code, out, errOut := login(browser, "--client-id", testprovider.PublicClient, "--dpop", "--json")
		rep := loginJSON(t, code, out, errOut)
		if code != 0 || !rep.Valid || !hasCheck(rep.Checks, "dpop", decode.Pass) || !hasCheck(rep.Checks, "userinfo_sub", decode.Pass) {
			t.Fatalf("exit %d, valid %v, checks %+v\n%s", code, rep.Valid, rep.Checks, errOut)
		}
	})

	t.Run("signed request object", func(t *testing.T) {
		code, out, errOut := login(browser, "--client-id", "oidc-cli-jwt", "--client-key", testprovider.Dir()+"/client-key.json", "--request-object", "--json")
		rep := loginJSON(t, code, out, errOut)
		if code != 0 || !rep.Valid || rep.AuthMethod != "private_key_jwt" || !strings.Contains(errOut, "&request=eyJ") {
			t.Fatalf("exit %d, valid %v, method %s\n%s", code, rep.Valid, rep.AuthMethod, errOut)
		}
	})

	t.Run("pushed authorization request", func(t *testing.T) {
		code, out, errOut := login(browser, "--client-id", testprovider.ConfidentialClient, "--client-secret", "oidc-cli-secret", "--par", "--json")
		rep := loginJSON(t, code, out, errOut)
		if code != 0 || !rep.Valid || !strings.Contains(errOut, "request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A") {
			t.Fatalf("exit %d, valid %v\n%s", code, rep.Valid, errOut)
		}
	})

	t.Run("public client with PKCE", func(t *testing.T) {
		code, out, errOut := login(browser, "--client-id", testprovider.PublicClient, "--json")
		rep := loginJSON(t, code, out, errOut)
		if code != 0 || !rep.Valid || rep.AuthMethod != "none" {
			t.Fatalf("exit %d, valid %v, method %s\n%s", code, rep.Valid, rep.AuthMethod, errOut)
		}
		checkStatus(t, rep.IDToken, map[string]string{"signature": "pass", "nonce": "pass", "aud": "pass", "iss": "pass"})
		if !strings.Contains(errOut, p.Issuer+"/auth?") || !strings.Contains(errOut, "code_challenge_method=S256") {
			t.Errorf("the authorization URL is not on stderr: %s", errOut)
		}
		var ui map[string]any
		if json.Unmarshal(rep.Userinfo, &ui); ui["sub"] != "alice" {
			t.Errorf("userinfo %s", rep.Userinfo)
		}
		found := false
		for _, c := range rep.Checks {
			found = found || c.ID == "userinfo_sub" && c.Status == "pass"
		}
		if !found {
			t.Errorf("no passing userinfo_sub check: %+v", rep.Checks)
		}
		if !strings.HasPrefix(rep.RedirectURI, "http://127.0.0.1:") {
			t.Errorf("redirect URI %s", rep.RedirectURI)
		}
	})

	t.Run("response_mode form_post", func(t *testing.T) {
		code, out, errOut := login(browser, "--client-id", testprovider.PublicClient, "--response-mode", "form_post", "--json")
		rep := loginJSON(t, code, out, errOut)
		if code != 0 || !rep.Valid {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		if !strings.Contains(errOut, "response_mode=form_post") {
			t.Errorf("form_post was not requested: %s", errOut)
		}
	})

	t.Run("human output", func(t *testing.T) {
		code, out, errOut := login(browser, "--client-id", testprovider.PublicClient)
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		for _, want := range []string{"TIMELINE", "waiting for the browser", "━━ ID TOKEN", "✓ signature", "━━ USERINFO", "LOGIN VALID"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("confidential client, basic and post", func(t *testing.T) {
		code, out, errOut := login(browser, "--client-id", testprovider.ConfidentialClient, "--client-secret", testprovider.ConfidentialSecret, "--json")
		if rep := loginJSON(t, code, out, errOut); code != 0 || rep.AuthMethod != "client_secret_basic" {
			t.Fatalf("basic: exit %d, method %s\n%s", code, rep.AuthMethod, errOut)
		}
		env := map[string]string{"BROWSER": "fake-browser", "OIDC_CLIENT_SECRET": testprovider.PostSecret}
		code, out, errOut = login(env, "--client-id", testprovider.PostClient, "--auth-method", "client_secret_post", "--json")
		if rep := loginJSON(t, code, out, errOut); code != 0 || rep.AuthMethod != "client_secret_post" {
			t.Fatalf("post: exit %d, method %s\n%s", code, rep.AuthMethod, errOut)
		}
		// A wrong secret: the token endpoint's error, exit 3.
		code, _, errOut = login(browser, "--client-id", testprovider.ConfidentialClient, "--client-secret", "wrong")
		if code != ExitNetwork || !strings.Contains(errOut, "the token endpoint answered invalid_client") {
			t.Fatalf("wrong secret: exit %d\n%s", code, errOut)
		}
	})

	t.Run("the user denies", func(t *testing.T) {
		t.Setenv("FAKE_BROWSER_DENY", "1") // read by the browser process
		code, out, errOut := login(browser, "--client-id", testprovider.PublicClient)
		if code != ExitNetwork || !strings.Contains(errOut, "the issuer answered with error access_denied") || out != "" {
			t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
		}
	})

	t.Run("a forged callback is refused and the login goes on", func(t *testing.T) {
		t.Setenv("FAKE_BROWSER_FORGE", "1")
		code, _, errOut := login(browser, "--client-id", testprovider.PublicClient, "--json")
		if code != 0 || !strings.Contains(errOut, "fake-browser: 400 Bad Request") || !strings.Contains(errOut, "Not this login") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
	})

	t.Run("RFC 9207 iss mismatch", func(t *testing.T) {
		t.Setenv("FAKE_BROWSER_ISS", "https://evil.example")
		code, _, errOut := login(browser, "--client-id", testprovider.PublicClient)
		if code != ExitNetwork || !strings.Contains(errOut, "an authorization server mix-up (RFC 9207)") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		code, _, errOut := login(map[string]string{"BROWSER": "true"}, "--client-id", testprovider.PublicClient, "--timeout", "300ms")
		if code != ExitNetwork || !strings.Contains(errOut, "timed out waiting for the browser") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
	})

	t.Run("port in use", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		port := ln.Addr().(*net.TCPAddr).Port
		code, _, errOut := login(browser, "--client-id", testprovider.PublicClient, "--port", itoa(port))
		if code != ExitNetwork || !strings.Contains(errOut, "cannot listen for the callback") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
	})

	t.Run("RFC 9068 access token for a resource", func(t *testing.T) {
		code, out, errOut := login(browser, "--client-id", testprovider.PublicClient, "--resource", "https://api.example.com", "--json")
		rep := loginJSON(t, code, out, errOut)
		if code != 0 || rep.AccessToken == nil || rep.AccessToken.Profile != "access" {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		checkStatus(t, rep.AccessToken, map[string]string{"typ": "pass", "aud": "pass", "signature": "pass"})
		if !strings.Contains(rep.UserinfoError, "401") {
			t.Errorf("userinfo with a resource token: %q", rep.UserinfoError)
		}
	})

	t.Run("no browser: the redirect URL pasted on stdin", func(t *testing.T) {
		inR, inW := io.Pipe()
		errR, errW := io.Pipe()
		var out syncBuffer
		ioo := &IO{In: inR, Out: &out, Err: errW, Getenv: func(k string) string {
			if k == "OIDC_CACHE_DIR" {
				return t.TempDir()
			}
			return ""
		}}
		done := make(chan int, 1)
		go func() {
			done <- Run(context.Background(), []string{"login", "--no-browser", "--json", "--issuer", p.Issuer, "--client-id", testprovider.PublicClient, "--timeout", "30s"}, ioo)
			errW.Close()
		}()
		authURL := regexp.MustCompile(`http://127\.0\.0\.1:\d+/auth\?\S+`)
		sc := bufio.NewScanner(errR)
		var u string
		for sc.Scan() {
			if m := authURL.FindString(sc.Text()); m != "" {
				u = m
				break
			}
		}
		go io.Copy(io.Discard, errR)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cb, err := testprovider.Authorize(ctx, u, "alice")
		if err != nil {
			t.Fatal(err)
		}
		// The browser could not reach the listener: the user pastes.
		io.WriteString(inW, "not a url\n"+cb.String()+"\n")
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("exit %d: %s", code, out.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatal("login did not finish after the paste")
		}
		if rep := loginJSON(t, 0, out.String(), ""); !rep.Valid {
			t.Fatalf("invalid: %+v", rep)
		}
	})
}

// TestLoginUsageErrors: flags that would weaken the flow are refused
// before anything is sent.
func TestLoginUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--param", "state=fixed"}, "--param state: oidc sets state itself"},
		{[]string{"--param", "code_challenge_method=plain"}, "--param code_challenge_method"},
		{[]string{"--redirect-uri", "http://example.com/callback"}, "the host must be a loopback address"},
		{[]string{"--redirect-uri", "https://127.0.0.1/callback"}, "must be http://127.0.0.1"},
		{[]string{"--auth-method", "client_secret_magic"}, "use none, client_secret_basic, client_secret_post, private_key_jwt, client_secret_jwt, tls_client_auth or self_signed_tls_client_auth"},
		{[]string{"--auth-method", "tls_client_auth"}, "--auth-method tls_client_auth needs --tls-cert and --tls-key"},
		{[]string{"--response-mode", "fragment"}, "use query or form_post"},
	} {
		code, out, errOut := runOIDC(t, append([]string{"login", "--issuer", "https://issuer.invalid", "--client-id", "c"}, tc.args...)...)
		if code != ExitUsage || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}
