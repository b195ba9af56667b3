package cmd

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcdev/oidc/decode"
)

// faultIssuer is a small in-process issuer for what a real provider will
// not do on request: lying metadata, token endpoint errors and odd
// bodies, slow or oversized responses, quirks of real issuers. It approves
// every authorization at once. The real provider is tested elsewhere.
type faultIssuer struct {
	srv   *httptest.Server
	key   jose.JSONWebKey
	fault string

	mu    sync.Mutex
	codes map[string]authRequest
}

type authRequest struct{ nonce, challenge, clientID string }

func newFaultIssuer(t *testing.T, fault string) *faultIssuer {
	return newFaultIssuerTLS(t, fault, false)
}

func newFaultIssuerTLS(t *testing.T, fault string, useTLS bool) *faultIssuer {
	t.Helper()
	data, err := os.ReadFile("../decode/testdata/samples/keys.json")
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	fi := &faultIssuer{key: set.Keys[0], fault: fault, codes: map[string]authRequest{}}
	if useTLS {
		fi.srv = httptest.NewTLSServer(fi)
	} else {
		fi.srv = httptest.NewServer(fi)
	}
	t.Cleanup(fi.srv.Close)
	return fi
}

func random() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func jsonReply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (fi *faultIssuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	base := fi.srv.URL
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		iss := base
		if fi.fault == "lying-metadata" {
			iss = "https://someone-else.example"
		}
		md := map[string]any{"issuer": iss, "authorization_endpoint": base + "/authorize", "token_endpoint": base + "/token",
			"userinfo_endpoint": base + "/userinfo", "jwks_uri": base + "/jwks", "code_challenge_methods_supported": []string{"S256"},
			"authorization_response_iss_parameter_supported": true}
		if fi.fault == "no-token-endpoint" {
			delete(md, "token_endpoint")
		}
		jsonReply(w, 200, md)
	case "/jwks":
		jsonReply(w, 200, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{fi.key.Public()}})
	case "/authorize":
		q := r.URL.Query()
		redirect, _ := url.Parse(q.Get("redirect_uri"))
		back := url.Values{"state": {q.Get("state")}, "iss": {base}}
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			back.Set("error", "invalid_request")
			back.Set("error_description", "PKCE S256 is required")
		} else {
			code := random()
			fi.mu.Lock()
			fi.codes[code] = authRequest{q.Get("nonce"), q.Get("code_challenge"), q.Get("client_id")}
			fi.mu.Unlock()
			back.Set("code", code)
		}
		redirect.RawQuery = back.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
	case "/token":
		fi.token(w, r)
	case "/userinfo":
		sub := "alice"
		if fi.fault == "userinfo-sub" {
			sub = "mallory"
		}
		jsonReply(w, 200, map[string]any{"sub": sub, "groups": []string{"admins"}})
	default:
		http.NotFound(w, r)
	}
}

func (fi *faultIssuer) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	fi.mu.Lock()
	req, ok := fi.codes[r.PostForm.Get("code")]
	delete(fi.codes, r.PostForm.Get("code")) // single use
	fi.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case !ok:
		jsonReply(w, 400, map[string]string{"error": "invalid_grant", "error_description": "unknown or used code"})
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != req.challenge:
		jsonReply(w, 400, map[string]string{"error": "invalid_grant", "error_description": "PKCE verification failed"})
		return
	}
	switch fi.fault {
	case "token-error":
		jsonReply(w, 400, map[string]string{"error": "invalid_grant", "error_description": "Code expired", "error_uri": "https://docs.example/errors#invalid_grant"})
		return
	case "token-html":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		w.Write([]byte("<html><body>Bad Gateway</body></html>"))
		return
	case "require-origin":
		if r.Header.Get("Origin") != "http://localhost:3000" {
			jsonReply(w, 400, map[string]string{"error": "invalid_request", "error_description": "AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests."})
			return
		}
	case "slow":
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
			return
		}
	case "huge":
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"x","token_type":"Bearer","pad":"` + strings.Repeat("x", 2<<20) + `"}`))
		return
	}
	at := random() + random()
	now := time.Now().Unix()
	atHash, _ := decode.HalfHash("RS256", at)
	claims := map[string]any{"iss": fi.srv.URL, "sub": "alice", "aud": req.clientID, "exp": now + 600, "iat": now,
		"nonce": req.nonce, "at_hash": atHash}
	if fi.fault == "bad-nonce" {
		claims["nonce"] = "another-nonce"
	}
	payload, _ := json.Marshal(claims)
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: fi.key.Key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", fi.key.KeyID))
	obj, _ := signer.Sign(payload)
	idToken, _ := obj.CompactSerialize()
	resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": 3600, "id_token": idToken}
	switch fi.fault {
	case "expires-in-string":
		resp["expires_in"] = "3600"
	case "no-id-token":
		delete(resp, "id_token")
	}
	jsonReply(w, 200, resp)
}

// TestLoginFaults: what real issuers get wrong, one case each, with the
// exit code and the message that names it.
func TestLoginFaults(t *testing.T) {
	tests := []struct {
		fault string
		code  int
		want  string // on stderr, or in the JSON report when the exit is 0 or 1
	}{
		{"", 0, `"valid":true`},
		{"lying-metadata", ExitNetwork, `is for issuer "https://someone-else.example"`},
		{"no-token-endpoint", ExitNetwork, "has no authorization or token endpoint"},
		{"token-error", ExitNetwork, "the token endpoint answered invalid_grant: Code expired (https://docs.example/errors#invalid_grant)"},
		{"token-html", ExitNetwork, "the token endpoint answered 502 Bad Gateway: <html><body>Bad Gateway</body></html>"},
		{"slow", ExitNetwork, "no answer in time"},
		{"huge", ExitNetwork, "larger than 1024 KiB"},
		{"expires-in-string", 0, `"id":"expires_in","status":"warn"`},
		{"no-id-token", ExitCheckFailed, "the scope had openid but the token response has no id_token"},
		{"bad-nonce", ExitCheckFailed, `"id":"nonce","status":"fail"`},
		{"userinfo-sub", ExitCheckFailed, `"id":"userinfo_sub","status":"fail"`},
	}
	for _, tc := range tests {
		name := tc.fault
		if name == "" {
			name = "no fault"
		}
		t.Run(name, func(t *testing.T) {
			fi := newFaultIssuer(t, tc.fault)
			code, out, errOut := runOIDCEnv(t, map[string]string{"BROWSER": "fake-browser"},
				"login", "--issuer", fi.srv.URL, "--client-id", "cli", "--timeout", "20s", "--http-timeout", "1s", "--json")
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Fatalf("exit %d, want %d and %q\nstdout: %s\nstderr: %s", code, tc.code, tc.want, out, errOut)
			}
			if tc.code == ExitNetwork && out != "" {
				t.Errorf("stdout on a failed login: %s", out)
			}
		})
	}
	t.Run("groups only in userinfo", func(t *testing.T) {
		fi := newFaultIssuer(t, "")
		_, out, _ := runOIDCEnv(t, map[string]string{"BROWSER": "fake-browser"}, "login", "--issuer", fi.srv.URL, "--client-id", "cli", "--json")
		if !strings.Contains(out, "groups is in userinfo but not in the ID token") {
			t.Fatalf("no groups hint: %s", out)
		}
	})
}

// TestLoginTraces: --trace, --trace-file and --curl show the exchanges
// with the issuer and never its secrets.
func TestLoginTraces(t *testing.T) {
	fi := newFaultIssuer(t, "")
	har := t.TempDir() + "/login.har"
	code, _, errOut := runOIDCEnv(t, map[string]string{"BROWSER": "fake-browser", "OIDC_CLIENT_SECRET": "s3cr3t-value"},
		"login", "--issuer", fi.srv.URL, "--client-id", "cli", "--auth-method", "client_secret_post", "--trace", "--curl", "--trace-file", har, "--json")
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
		if strings.Contains(where, "s3cr3t-value") || regexpCode.MatchString(where) {
			t.Errorf("a secret reached a trace:\n%s", where)
		}
	}
	for _, want := range []string{"> POST " + fi.srv.URL + "/token", "client_secret=%5BREDACTED%5D", `--data-urlencode "code=$OIDC_CODE"`,
		`--data-urlencode "client_secret=$OIDC_CLIENT_SECRET"`, `--data-urlencode "code_verifier=$OIDC_CODE_VERIFIER"`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// regexpCode matches an unredacted code in a form body.
var regexpCode = regexp.MustCompile(`code=[A-Za-z0-9_-]{16,}`)

// TestLoginQuirks: the knobs real issuers need.
func TestLoginQuirks(t *testing.T) {
	browser := map[string]string{"BROWSER": "fake-browser"}
	t.Run("header on token requests", func(t *testing.T) {
		fi := newFaultIssuer(t, "require-origin")
		code, _, errOut := runOIDCEnv(t, browser, "login", "--issuer", fi.srv.URL, "--client-id", "cli", "--json")
		if code != ExitNetwork || !strings.Contains(errOut, "AADSTS9002327") {
			t.Fatalf("without Origin: exit %d\n%s", code, errOut)
		}
		code, _, errOut = runOIDCEnv(t, browser, "login", "--issuer", fi.srv.URL, "--client-id", "cli", "--header", "Origin: http://localhost:3000", "--json")
		if code != 0 {
			t.Fatalf("with Origin: exit %d\n%s", code, errOut)
		}
	})
	t.Run("private CA and --insecure", func(t *testing.T) {
		fi := newFaultIssuerTLS(t, "", true)
		t.Setenv("FAKE_BROWSER_INSECURE", "1") // the browser trusts it; oidc must be told
		code, _, errOut := runOIDCEnv(t, browser, "login", "--issuer", fi.srv.URL, "--client-id", "cli", "--json", "--timeout", "20s")
		if code != ExitNetwork || !strings.Contains(errOut, "certificate") {
			t.Fatalf("untrusted CA: exit %d\n%s", code, errOut)
		}
		ca := t.TempDir() + "/ca.pem"
		cert := fi.srv.Certificate()
		if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut = runOIDCEnv(t, browser, "login", "--issuer", fi.srv.URL, "--client-id", "cli", "--ca-file", ca, "--json", "--timeout", "20s"); code != 0 {
			t.Fatalf("--ca-file: exit %d\n%s", code, errOut)
		}
		code, _, errOut = runOIDCEnv(t, browser, "login", "--issuer", fi.srv.URL, "--client-id", "cli", "--insecure", "--json", "--timeout", "20s")
		if code != 0 || !strings.Contains(errOut, "--insecure: TLS certificates are NOT verified") {
			t.Fatalf("--insecure: exit %d\n%s", code, errOut)
		}
	})
	t.Run("Ctrl-C exits 130 and frees the port", func(t *testing.T) {
		fi := newFaultIssuer(t, "")
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
		code := Run(ctx, []string{"login", "--issuer", fi.srv.URL, "--client-id", "cli", "--port", itoa(port)}, io)
		if code != ExitInterrupted || !strings.Contains(errOut.String(), "oidc: interrupted") {
			t.Fatalf("exit %d\n%s", code, errOut.String())
		}
		again, err := net.Listen("tcp", "127.0.0.1:"+itoa(port))
		if err != nil {
			t.Fatalf("the listener was left open: %v", err)
		}
		again.Close()
	})
}
