package cmd

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oidcdev/oidc/internal/testprovider"
)

// TestTokenRealProvider: oidc token's cache against a real provider
// (panva's oidc-provider): a saved login, a refresh that rotates the
// refresh token, a DPoP-bound refresh with the key the cache kept, and
// revocation at logout.
func TestTokenRealProvider(t *testing.T) {
	p := testprovider.Start(t)
	dir := t.TempDir()
	env := map[string]string{"BROWSER": "fake-browser", "OIDC_CONFIG": filepath.Join(dir, "config.yaml"), "OIDC_CACHE_DIR": filepath.Join(dir, "cache")}
	run := func(args ...string) (int, string, string) { return runOIDCEnv(t, env, args...) }
	token := func(t *testing.T, args ...string) map[string]any {
		t.Helper()
		code, out, errOut := run(append([]string{"token", "--json"}, args...)...)
		var v map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
			t.Fatalf("oidc token %v: exit %d\n%s\n%s", args, code, out, errOut)
		}
		return v
	}
	// oidc-provider grants offline_access only with prompt=consent.
	login := func(t *testing.T, name string, extra ...string) {
		t.Helper()
		args := append([]string{"login", "--issuer", p.Issuer, "--client-id", testprovider.PublicClient, "--scope", "openid offline_access",
			"--prompt", "consent", "--timeout", "30s", "--save", name, "-q"}, extra...)
		if code, out, errOut := run(args...); code != 0 {
			t.Fatalf("login: exit %d\n%s\n%s", code, out, errOut)
		}
	}

	t.Run("cache, refresh and rotation", func(t *testing.T) {
		login(t, "real")
		first := token(t, "--profile", "real")
		if first["source"] != "cache" || first["token_type"] != "Bearer" {
			t.Fatalf("first: %v", first)
		}
		// Valid for an hour: asking for a day more refreshes it.
		second := token(t, "--profile", "real", "--min-valid", "24h")
		if second["source"] != "refresh" || second["token"] == first["token"] {
			t.Fatalf("second: %v", second)
		}
		code, out, errOut := run("refresh", "--profile", "real", "--json")
		if code != 0 || !strings.Contains(out, `"id":"rotation","status":"pass","message":"the refresh token rotated`) ||
			!strings.Contains(out, `"id":"refresh_sub","status":"pass"`) || !strings.Contains(out, `"id":"cached_expiry","status":"pass"`) {
			t.Fatalf("refresh: exit %d\n%s\n%s", code, out, errOut)
		}
		code, out, errOut = run("logout", "--profile", "real", "--revoke", "--json")
		if code != 0 || !strings.Contains(out, `"revoked":["refresh_token","access_token"]`) || !strings.Contains(out, `"removed":true`) {
			t.Fatalf("logout: exit %d\n%s\n%s", code, out, errOut)
		}
		if code, _, errOut := run("token", "--profile", "real"); code != ExitCheckFailed || !strings.Contains(errOut, "login required: run oidc login --profile real") {
			t.Fatalf("after logout: exit %d: %s", code, errOut)
		}
	})

	t.Run("DPoP-bound refresh with the cached key", func(t *testing.T) {
		login(t, "real-dpop", "--dpop")
		v := token(t, "--profile", "real-dpop", "--min-valid", "24h")
		if v["source"] != "refresh" || v["token_type"] != "DPoP" {
			t.Fatalf("token: %v", v)
		}
	})
}

// TestDiscoverRealProvider lints oidc-provider's metadata and keys: what
// it finds is what that configuration really has (the hybrid response
// types the tests enable, no RFC 8414 document), nothing more.
func TestDiscoverRealProvider(t *testing.T) {
	p := testprovider.Start(t)
	code, out, errOut := runOIDC(t, "discover", p.Issuer, "--json")
	var rep struct {
		Findings []struct{ ID, Severity, Member string }
		Valid    bool
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d: %v\n%s", code, err, errOut)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.ID)
	}
	// The tests' provider enables implicit and the hybrid code id_token
	// token: both true findings; anything else would be a false one.
	if code != 0 || !rep.Valid || strings.Join(got, " ") != "grant_implicit response_type_token" {
		t.Fatalf("exit %d, valid %v, findings %v\n%s", code, rep.Valid, got, errOut)
	}
	code, out, errOut = runOIDC(t, "jwks", p.Issuer, "--jq", ".findings | length")
	if code != 0 || strings.TrimSpace(out) != "0" {
		t.Fatalf("jwks: exit %d: %s\n%s", code, out, errOut)
	}
}

// TestEndpointsRealProvider: userinfo, introspection and revocation
// against oidc-provider, with the cached token of a saved login.
func TestEndpointsRealProvider(t *testing.T) {
	p := testprovider.Start(t)
	dir := t.TempDir()
	env := map[string]string{"BROWSER": "fake-browser", "OIDC_CONFIG": filepath.Join(dir, "config.yaml"), "OIDC_CACHE_DIR": filepath.Join(dir, "cache")}
	run := func(args ...string) (int, string, string) { return runOIDCEnv(t, env, args...) }
	if code, out, errOut := run("login", "--issuer", p.Issuer, "--client-id", testprovider.ConfidentialClient, "--client-secret", "oidc-cli-secret",
		"--scope", "openid profile offline_access", "--prompt", "consent", "--timeout", "30s", "--save", "conf", "--save-secret", "-q"); code != 0 {
		t.Fatalf("login: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut := run("userinfo", "--profile", "conf", "--json")
	if code != 0 || !strings.Contains(out, `"id":"userinfo_sub","status":"pass"`) || !strings.Contains(out, `"preferred_username":"alice"`) {
		t.Fatalf("userinfo: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = run("introspect", "--profile", "conf", "--json")
	if code != 0 || !strings.Contains(out, `"active":true`) || !strings.Contains(out, `"client_id":"oidc-cli-confidential"`) {
		t.Fatalf("introspect: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = run("revoke", "--profile", "conf", "--cached", "refresh_token", "--json")
	if code != 0 || !strings.Contains(out, `"status":200`) {
		t.Fatalf("revoke: exit %d\n%s\n%s", code, out, errOut)
	}
	// oidc-provider revokes the grant with the refresh token: the access
	// token is no longer active either.
	code, out, errOut = run("introspect", "--profile", "conf", "--json")
	if code != ExitCheckFailed || !strings.Contains(out, `"active":false`) {
		t.Fatalf("introspect after revoke: exit %d\n%s\n%s", code, out, errOut)
	}
}
