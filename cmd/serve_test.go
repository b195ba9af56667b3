package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/internal/e2e"
	"github.com/oidcdev/oidc/internal/issuer"
	"github.com/oidcdev/oidc/internal/testprovider"
)

// startServe runs `oidc serve` in-process and returns its issuer URL, read
// from the first line of its output, and what it logged so far.
func startServe(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	errOut := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, append([]string{"serve", "--port", "0"}, args...), &IO{In: strings.NewReader(""), Out: outW, Err: errOut, Getenv: func(string) string { return "" }})
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "OIDC_ISSUER=http://127.0.0.1:") {
		t.Fatalf("first line %q (%v); stderr %s", line, err, errOut.String())
	}
	go io.Copy(io.Discard, outR)
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("oidc serve stopped with exit %d, want 0", code)
			}
		case <-time.After(5 * time.Second):
			t.Error("oidc serve did not stop")
		}
	})
	return strings.TrimSpace(strings.TrimPrefix(line, "OIDC_ISSUER=")), errOut
}

// TestServeLogin: oidc login against oidc serve, the two commands teaching
// each other.
func TestServeLogin(t *testing.T) {
	browser := map[string]string{"BROWSER": "fake-browser"}
	t.Run("auto-approve, public client", func(t *testing.T) {
		iss, logs := startServe(t, "--auto-approve")
		code, out, errOut := runOIDCEnv(t, browser, "login", "--issuer", iss, "--client-id", "oidc-cli", "--json", "--timeout", "20s")
		rep := loginJSON(t, code, out, errOut)
		if code != 0 || !rep.Valid {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		checkStatus(t, rep.IDToken, map[string]string{"signature": "pass", "nonce": "pass", "at_hash": "pass", "iss": "pass", "azp": "pass"})
		checkStatus(t, rep.AccessToken, map[string]string{"typ": "pass", "signature": "pass", "claims": "pass"})
		// The log names requests, never their secrets.
		l := logs.String()
		if !strings.Contains(l, "POST /token 200") || !strings.Contains(l, "client=oidc-cli") || strings.Contains(l, "code=") || strings.Contains(l, "state=") {
			t.Errorf("log:\n%s", l)
		}
	})
	t.Run("login page, confidential client, refresh token", func(t *testing.T) {
		iss, _ := startServe(t)
		code, out, errOut := runOIDCEnv(t, browser, "login", "--issuer", iss, "--client-id", "oidc-cli-confidential", "--client-secret", "oidc-cli-secret",
			"--scope", "openid profile email offline_access", "--json", "--timeout", "20s")
		rep := loginJSON(t, code, out, errOut)
		if code != 0 || rep.AuthMethod != "client_secret_basic" || !strings.Contains(string(rep.TokenResponse), `"refresh_token"`) {
			t.Fatalf("exit %d, method %s\n%s\n%s", code, rep.AuthMethod, rep.TokenResponse, errOut)
		}
	})
	t.Run("the user cancels", func(t *testing.T) {
		iss, _ := startServe(t)
		t.Setenv("FAKE_BROWSER_DENY", "1")
		code, _, errOut := runOIDCEnv(t, browser, "login", "--issuer", iss, "--client-id", "oidc-cli", "--timeout", "20s")
		if code != ExitNetwork || !strings.Contains(errOut, "access_denied: the user cancelled the login") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
	})
}

// TestServeFaults: each fault makes oidc login fail in the way it should,
// naming the cause.
func TestServeFaults(t *testing.T) {
	tests := []struct {
		fault string
		code  int
		check string // the failing (or warning) check
		want  string // or this on stderr
	}{
		{"skew=10m", ExitCheckFailed, "iat", ""},
		{"aud", ExitCheckFailed, "aud", ""},
		{"iss-trailing-slash", ExitCheckFailed, "iss", ""},
		{"nonce", ExitCheckFailed, "nonce", ""},
		{"at-hash", ExitCheckFailed, "at_hash", ""},
		{"kid", ExitCheckFailed, "key", ""},
		{"expired", ExitCheckFailed, "exp", ""},
		{"alg-none", ExitCheckFailed, "alg", ""},
		{"hs256-confusion", ExitCheckFailed, "alg", ""},
		{"no-userinfo-sub", ExitCheckFailed, "userinfo_sub", ""},
		{"expires-in-string", 0, "expires_in", ""},
		{"token-error", ExitNetwork, "", "invalid_grant: fault token-error"},
		{"slow=2s", ExitNetwork, "", "no answer in time"},
	}
	for _, tc := range tests {
		t.Run(tc.fault, func(t *testing.T) {
			iss, _ := startServe(t, "--auto-approve", "--fault", tc.fault)
			code, out, errOut := runOIDCEnv(t, map[string]string{"BROWSER": "fake-browser"},
				"login", "--issuer", iss, "--client-id", "oidc-cli", "--json", "--timeout", "20s", "--http-timeout", "1s")
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, out, errOut)
			}
			if tc.want != "" {
				if !strings.Contains(errOut, tc.want) {
					t.Fatalf("stderr lacks %q: %s", tc.want, errOut)
				}
				return
			}
			rep := loginJSON(t, code, out, errOut)
			// The fault's own check fails (a warning for expires_in), not
			// some other check on the way.
			want := "fail"
			if tc.code == 0 {
				want = "warn"
			}
			found := false
			for _, c := range append(rep.IDToken.Checks, rep.Checks...) {
				found = found || c.ID == tc.check && c.Status == want
			}
			if !found {
				t.Fatalf("no failing %s check: %+v %+v", tc.check, rep.IDToken.Checks, rep.Checks)
			}
		})
	}
}

// TestServeCommand: the command's own contracts.
func TestServeCommand(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--port", itoa(port)}, ExitNetwork, "cannot listen on 127.0.0.1:" + itoa(port)},
		{[]string{"--addr", "0.0.0.0"}, ExitUsage, "pass --allow-remote"},
		{[]string{"--fault", "gremlins"}, ExitUsage, `unknown fault "gremlins"`},
		{[]string{"--fault", "slow"}, ExitUsage, "needs a duration"},
		{[]string{"--fault", "aud=1"}, ExitUsage, "takes no value"},
		{[]string{"--signing-alg", "HS256"}, ExitUsage, "use RS256, PS256, ES256 or EdDSA"},
		{[]string{"--port", "0", "--public-url", "ftp://x"}, ExitUsage, "--public-url"},
	} {
		code, out, errOut := runOIDC(t, append([]string{"serve"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want %d and %q", tc.args, code, errOut, out, tc.code, tc.want)
		}
	}
}

// TestServeWithOpenIDClient: a relying party we did not write, panva's
// certified openid-client, runs the code flow with PKCE, userinfo, a
// refresh, client credentials, introspection, revocation and the device
// flow against oidc serve, and accepts everything it gets.
func TestServeWithOpenIDClient(t *testing.T) {
	dir := testprovider.Dir()
	node, err := exec.LookPath("node")
	if err != nil || !fileExists(filepath.Join(dir, "node_modules", "openid-client")) {
		e2e.Missing(t, "node or openid-client is missing", "npm ci --prefix scripts/e2e/provider")
	}
	iss, _ := startServe(t, "--auto-approve", "--device-interval", "1s")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "rp.mjs", iss)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openid-client failed: %v\n%s", err, stderr.String())
	}
	var got struct {
		Sub                 string `json:"sub"`
		UserinfoSub         string `json:"userinfo_sub"`
		Refreshed           bool   `json:"refreshed"`
		Rotated             bool   `json:"rotated"`
		ClientCredentials   bool   `json:"client_credentials"`
		IntrospectionActive bool   `json:"introspection_active"`
		Revoked             bool   `json:"revoked"`
		DeviceSub           string `json:"device_sub"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if got.Sub != "alice" || got.UserinfoSub != "alice" || !got.Refreshed || !got.Rotated || !got.ClientCredentials ||
		!got.IntrospectionActive || !got.Revoked || got.DeviceSub != "alice" {
		t.Fatalf("openid-client got %s", out)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestServeKeysAndSIGHUP: --keys keeps the keys (0600) and SIGHUP rotates
// them, the old ones still published.
func TestServeKeysAndSIGHUP(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys.json")
	iss, logs := startServe(t, "--keys", keys)
	if st, err := os.Stat(keys); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("keys file: %v %v", st, err)
	}
	kids := func() []string {
		resp, err := http.Get(iss + "/jwks")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var set struct{ Keys []struct{ Kid string } }
		_ = json.NewDecoder(resp.Body).Decode(&set)
		var out []string
		for _, k := range set.Keys {
			out = append(out, k.Kid)
		}
		return out
	}
	before := kids()
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Skip("cannot signal: ", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(kids()) != 6 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// RSA, EC and Ed25519 keys, new first, the previous three still there.
	after := kids()
	if len(before) != 3 || len(after) != 6 || after[3] != before[0] || after[4] != before[1] || after[5] != before[2] {
		t.Fatalf("before %v, after %v\n%s", before, after, logs.String())
	}
}

// TestServeConfig: clients and users (with their own claims) from a YAML
// file; a bad file is a usage error naming the field.
func TestServeConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "issuer.yaml")
	os.WriteFile(good, []byte(`clients:
  - id: my-app
    redirect_uris: [http://127.0.0.1/callback]
    skip_consent: true
users:
  - sub: carol
    name: Carol Example
    email: carol@example.com
    claims:
      department: research
token_ttl: 10m
scopes: [api:read]
`), 0o644)
	iss, _ := startServe(t, "--config", good, "--auto-approve")
	if resp, err := http.Get(iss + "/.well-known/openid-configuration"); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `"api:read"`) {
			t.Errorf("scopes_supported lacks the configured scope: %s", b)
		}
	}
	code, out, errOut := runOIDCEnv(t, map[string]string{"BROWSER": "fake-browser"}, "login", "--issuer", iss, "--client-id", "my-app", "--json", "--timeout", "20s")
	rep := loginJSON(t, code, out, errOut)
	if code != 0 || !strings.Contains(string(rep.Userinfo), `"department":"research"`) || !strings.Contains(string(rep.Userinfo), `"sub":"carol"`) {
		t.Fatalf("exit %d, userinfo %s\n%s", code, rep.Userinfo, errOut)
	}
	for _, tc := range []struct{ body, want string }{
		{"clients:\n  - id: x\n    redirect_uri: [http://127.0.0.1/cb]\n", "bad.yaml:3: clients[0].redirect_uri: unknown field; did you mean redirect_uris?"},
		{"clients:\n  - id: x\n", "bad.yaml:2: clients[0].redirect_uris: is missing"},
		{"users:\n  - sub: u\n    claims: {sub: other}\n", "bad.yaml:3: users[0].claims.sub: is set by the issuer"},
		{"token_ttl: soon\n", "bad.yaml:1: token_ttl: \"soon\" is not a positive duration like 30m"},
		{"{\"users\": [{\"name\": \"no sub\"}]}", "bad.yaml:1: users[0].sub: is missing"},
		{"clients:\n  - id: x\n    redirect_uris: [http://127.0.0.1/cb]\n    skip_consent: sometimes\n", "bad.yaml:4: clients[0].skip_consent: is true or false"},
		{"users:\n  - sub: u\n    groups: {admins: true}\n", "bad.yaml:3: users[0].groups: is a list of strings"},
		{"clients: yes\n", "bad.yaml:1: clients: is a list of mappings of id, name, secret, redirect_uris"},
		{"signing_alg: HS256\n", "bad.yaml:1: signing_alg: \"HS256\" is not RS256, PS256, ES256 or EdDSA"},
	} {
		bad := filepath.Join(dir, "bad.yaml")
		os.WriteFile(bad, []byte(tc.body), 0o644)
		code, _, errOut := runOIDC(t, "serve", "--port", "0", "--config", bad)
		// One line: never the decoder's type dump with its \n.
		if code != ExitUsage || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 || strings.Contains(errOut, `\n`) {
			t.Errorf("%q: exit %d, stderr %q, want 2 and one line with %q", tc.body, code, errOut, tc.want)
		}
	}
	// One value where a list goes is a list of one.
	one := filepath.Join(dir, "one.yaml")
	os.WriteFile(one, []byte("clients:\n  - id: x\n    redirect_uris: http://127.0.0.1/cb\nscopes: api:write\n"), 0o644)
	var cfg issuer.Config
	if err := issuer.LoadConfig(one, &cfg); err != nil || len(cfg.Clients) != 1 || len(cfg.Clients[0].RedirectURIs) != 1 || len(cfg.Scopes) != 1 {
		t.Errorf("one value for a list: %v, %+v", err, cfg)
	}
}

// TestServeLoginWithCurl: with --auto-approve, a machine with no browser
// logs in: $BROWSER is curl following redirects.
func TestServeLoginWithCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		e2e.Missing(t, "curl is not installed", "apt-get install curl")
	}
	iss, _ := startServe(t, "--auto-approve")
	code, out, errOut := runOIDCEnv(t, map[string]string{"BROWSER": "curl -sL -o /dev/null"}, "login", "--issuer", iss, "--client-id", "oidc-cli", "--json", "--timeout", "20s")
	if rep := loginJSON(t, code, out, errOut); code != 0 || !rep.Valid {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}

// TestServeSigningAlgorithms: every algorithm serve signs with verifies in
// oidc login, at_hash included (SHA-512 for EdDSA).
func TestServeSigningAlgorithms(t *testing.T) {
	for _, alg := range []string{"PS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			iss, _ := startServe(t, "--auto-approve", "--signing-alg", alg)
			code, out, errOut := runOIDCEnv(t, map[string]string{"BROWSER": "fake-browser"}, "login", "--issuer", iss, "--client-id", "oidc-cli", "--json", "--timeout", "20s")
			rep := loginJSON(t, code, out, errOut)
			if code != 0 || !rep.Valid || rep.IDToken.Key == nil || rep.IDToken.Key.Alg != alg {
				t.Fatalf("exit %d, key %+v\n%s", code, rep.IDToken.Key, errOut)
			}
			checkStatus(t, rep.IDToken, map[string]string{"at_hash": "pass", "signature": "pass"})
		})
	}
}

// TestServePublicURL: the issuer identifier other machines would use.
func TestServePublicURL(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--port", "0", "--public-url", "http://issuer.test:9400"}, &IO{In: strings.NewReader(""), Out: outW, Err: &syncBuffer{}, Getenv: func(string) string { return "" }})
		outW.Close()
	}()
	line, _ := bufio.NewReader(outR).ReadString('\n')
	go io.Copy(io.Discard, outR)
	cancel()
	<-done
	if line != "OIDC_ISSUER=http://issuer.test:9400\n" {
		t.Fatalf("first line %q", line)
	}
}

// TestServeBackgroundChildArgs: the --background child gets every flag
// given, with the same value, but --background and --log-file (its own
// comes after); a flag added to serve and not forwarded fails here.
func TestServeBackgroundChildArgs(t *testing.T) {
	sample := map[string]string{"bool": "true", "int": "9999", "string": "x.yaml", "duration": "90s", "stringArray": "aud"}
	build := func(args []string) (*ServeOptions, *cobra.Command) {
		c := newServeCmd(&IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard, Getenv: func(string) string { return "" }}, &GlobalOptions{})
		if err := c.ParseFlags(args); err != nil {
			t.Fatal(err)
		}
		opts := &ServeOptions{cmd: c}
		opts.Faults, _ = c.Flags().GetStringArray("fault")
		return opts, c
	}
	_, probe := build(nil)
	var args, names []string
	for _, m := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z-]+)`).FindAllStringSubmatch(probe.Flags().FlagUsages(), -1) {
		name := m[1]
		if name == "help" {
			continue
		}
		v, ok := sample[probe.Flags().Lookup(name).Value.Type()]
		if !ok {
			t.Fatalf("--%s: no sample value for type %s", name, probe.Flags().Lookup(name).Value.Type())
		}
		names = append(names, name)
		args = append(args, "--"+name+"="+v)
	}
	args = append(args, "--fault=nonce")
	opts, given := build(args)
	childArgs := serveChildArgs(opts)
	if childArgs[0] != "serve" {
		t.Fatalf("child args %q", childArgs)
	}
	_, child := build(childArgs[1:])
	for _, name := range names {
		want := given.Flags().Lookup(name).Value.String()
		if name == "background" || name == "log-file" {
			if child.Flags().Changed(name) {
				t.Errorf("--%s is passed to the child", name)
			}
			continue
		}
		if got := child.Flags().Lookup(name).Value.String(); !child.Flags().Changed(name) || got != want {
			t.Errorf("--%s: the child gets %q, want %q", name, got, want)
		}
	}
	if len(names) < 13 {
		t.Errorf("found only %v in the usage", names)
	}
}
