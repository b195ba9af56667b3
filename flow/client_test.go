package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/internal/issuer"
	"github.com/oidcdev/oidc/internal/issuer/issuertest"
)

func TestChooseAuth(t *testing.T) {
	md := func(methods ...string) *Metadata { return &Metadata{TokenEndpointAuthMethods: methods} }
	tests := []struct {
		md             *Metadata
		secret, method string
		want           string
	}{
		{md(), "", "", AuthNone},
		{md(AuthSecretPost, AuthSecretBasic), "", "", AuthNone},
		{md(), "s", "", AuthSecretBasic}, // RFC 8414 2: basic when nothing is listed
		{md(AuthSecretPost, AuthSecretBasic), "s", "", AuthSecretBasic},
		{md(AuthSecretPost, "private_key_jwt"), "s", "", AuthSecretPost},
		{md("private_key_jwt"), "s", "", AuthSecretBasic},
		{md(AuthSecretBasic), "s", AuthSecretPost, AuthSecretPost},
		{nil, "s", AuthNone, AuthNone},
	}
	for _, tc := range tests {
		got, err := ChooseAuth(tc.md, ClientCredentials{ID: "id", Secret: tc.secret, Method: tc.method})
		if err != nil || got.Method() != tc.want || got.ID() != "id" {
			t.Errorf("%v secret %q method %q: %s, want %s", tc.md, tc.secret, tc.method, got.Method(), tc.want)
		}
	}
}

// testGrant gets a code from the issuer for a client, as a browser would.
func testGrant(t *testing.T, c *Client, op *issuertest.Issuer, clientID string) url.Values {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {"http://127.0.0.1:9/callback"},
		"scope": {"openid profile"}, "state": {"s"}, "nonce": {"n"}, "code_challenge_method": {"S256"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}}
	nc := *c.HTTP
	nc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := nc.Get(op.URL + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code: %s %s", resp.Status, resp.Header.Get("Location"))
	}
	return url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1:9/callback"}, "code_verifier": {verifier}}
}

// TestTokenClientAuth: each client authentication reaches the issuer as
// it must, a secret with reserved characters included (RFC 6749 2.3.1
// form-encodes it before Basic).
func TestTokenClientAuth(t *testing.T) {
	const secret = "a+b:c%d e"
	clients := []issuer.Client{
		{ID: "public", RedirectURIs: []string{"http://127.0.0.1/callback"}, SkipConsent: true},
		{ID: "basic", Secret: secret, AuthMethod: AuthSecretBasic, RedirectURIs: []string{"http://127.0.0.1/callback"}, SkipConsent: true},
		{ID: "post", Secret: secret, AuthMethod: AuthSecretPost, RedirectURIs: []string{"http://127.0.0.1/callback"}, SkipConsent: true},
	}
	op := issuertest.Start(t, issuer.Config{AutoApprove: true, Clients: clients}, false)
	c := newTestClient(0)
	ctx := context.Background()
	md, _, err := c.Discover(ctx, op.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, auth := range []ClientAuth{PublicClient{"public"}, SecretBasic{"basic", secret}, SecretPost{"post", secret}} {
		tr, err := c.Exchange(ctx, md, testGrant(t, c, op, auth.ID()), auth)
		if err != nil {
			t.Fatalf("%s: %v", auth.Method(), err)
		}
		if tr.AccessToken == "" || tr.IDToken == "" || tr.TokenType != "Bearer" || tr.ExpiresIn != "3600" || tr.Members["scope"] == nil {
			t.Errorf("%s: token response %+v", auth.Method(), tr)
		}
	}
	// The wrong method for the client: invalid_client, named and explained.
	_, err = c.Exchange(ctx, md, testGrant(t, c, op, "post"), SecretBasic{"post", secret})
	var te *TokenError
	if !errors.As(err, &te) || te.Code != "invalid_client" || te.AuthMethod != AuthSecretBasic || te.HintOption != "auth_method" ||
		!strings.Contains(te.Error(), "sent with client_secret_basic and refused") || !IsIssuerError(err) {
		t.Fatalf("wrong method: %v", err)
	}
	// No secret for a confidential client.
	_, err = c.Exchange(ctx, md, testGrant(t, c, op, "basic"), PublicClient{"basic"})
	if !errors.As(err, &te) || te.HintOption != "client_secret" || !strings.Contains(err.Error(), "the client looks confidential") {
		t.Fatalf("no secret: %v", err)
	}
}

// TestTokenResponses: what a token endpoint may answer besides a token.
func TestTokenResponses(t *testing.T) {
	srv, answer := cannedServer(t)
	c := newTestClient(0)
	c.MaxBytes = 1 << 20
	tests := []struct {
		status      int
		ctype, body string
		want        string // "" for success
	}{
		{200, "application/json", `{"access_token":"at","token_type":"Bearer","expires_in":600000000000}`, ""},
		{200, "application/x-www-form-urlencoded", `access_token=at&token_type=bearer&scope=repo`, ""}, // GitHub
		{400, "application/json", `{"error":"invalid_grant","error_description":"Code expired","error_uri":"https://docs.example/e"}`, "the token endpoint answered invalid_grant: Code expired (https://docs.example/e)"},
		{200, "application/json", `{"error":"invalid_request"}`, "the token endpoint answered invalid_request"},
		{502, "text/html", `<html>Bad Gateway</html>`, "the token endpoint answered 502 Bad Gateway: <html>Bad Gateway</html>"},
		{200, "text/html", `<html>login</html>`, "an HTML page, not JSON"},
		{200, "application/json", `{"token_type":"Bearer"}`, "has no access_token"},
		{200, "application/json", `{"access_token":"` + strings.Repeat("x", 2<<20) + `"}`, "the response is larger than 1024 KiB"},
	}
	for _, tc := range tests {
		answer(tc.status, tc.ctype, tc.body)
		tr, err := c.Token(context.Background(), srv.URL, url.Values{"grant_type": {"client_credentials"}}, SecretBasic{"id", "s"})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.body, err)
		case tc.want == "" && (tr.AccessToken != "at" || !json.Valid(tr.Raw)):
			t.Errorf("%s: %+v", tc.body, tr)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !IsIssuerError(err)):
			t.Errorf("%.60s: %v, want %q", tc.body, err, tc.want)
		}
	}
	// Numbers stay as sent.
	answer(200, "application/json", `{"access_token":"at","expires_in":600000000000}`)
	tr, err := c.Token(context.Background(), srv.URL, url.Values{}, nil)
	if err != nil || tr.ExpiresIn != "600000000000" || string(tr.Members["expires_in"]) != "600000000000" {
		t.Errorf("expires_in: %+v %v", tr, err)
	}
}

// TestLimitTransport: the size limit holds for every body read through
// the client, exactly at the limit and one byte over it.
func TestLimitTransport(t *testing.T) {
	var size int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen", r.Header.Get("X-Extra"))
		w.Write(bytes.Repeat([]byte("x"), size))
	}))
	defer srv.Close()
	c, err := New(Options{MaxBytes: 1000, Headers: []string{"X-Extra: yes"}})
	if err != nil {
		t.Fatal(err)
	}
	c.TrustHeaders(srv.URL)
	for _, tc := range []struct {
		size int
		ok   bool
	}{{0, true}, {999, true}, {1000, true}, {1001, false}, {100000, false}} {
		size = tc.size
		resp, err := c.HTTP.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, err = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if tc.ok != (err == nil) || tc.ok && buf.Len() != tc.size || !tc.ok && !errors.Is(err, ErrTooLarge) {
			t.Errorf("size %d: read %d, %v", tc.size, buf.Len(), err)
		}
		if resp.Header.Get("X-Seen") != "yes" {
			t.Errorf("the extra header did not reach the server")
		}
	}
	if _, err := New(Options{Headers: []string{"no colon"}}); err == nil {
		t.Error("a bad header was accepted")
	}
	var oe *OptionError
	if _, err := New(Options{CAFile: filepath.Join(t.TempDir(), "none.pem")}); !errors.As(err, &oe) || oe.Option != "ca_file" {
		t.Errorf("missing CA file: %v", err)
	}
}

// TestSecretsNeverTraced: every secret a command sends, as a form member,
// a query parameter or a header, is redacted in the trace, the HAR and the
// curl command; and shown with ShowSecrets.
func TestSecretsNeverTraced(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"resp-at-secret","refresh_token":"resp-rt-secret","id_token":"resp-idt-secret"}`))
	}))
	defer srv.Close()
	params := []string{"client_secret", "code", "code_verifier", "refresh_token", "token", "id_token_hint", "logout_token",
		"request", "client_assertion", "subject_token", "actor_token", "device_code", "assertion", "password"}
	form := url.Values{"grant_type": {"x"}}
	for _, p := range params {
		form.Set(p, "val-"+p+"-secret")
	}
	for _, show := range []bool{false, true} {
		var trace, curl bytes.Buffer
		har := NewHAR("test")
		c, err := New(Options{Trace: &trace, Curl: &curl, HAR: har, ShowSecrets: show})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/x?code=val-query-secret", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer val-authz-secret")
		req.Header.Set("DPoP", "val-dpop-secret")
		resp, err := c.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		harPath := filepath.Join(t.TempDir(), "t.har")
		if err := har.WriteFile(harPath); err != nil {
			t.Fatal(err)
		}
		harData, _ := os.ReadFile(harPath)
		for where, text := range map[string]string{"trace": trace.String(), "curl": curl.String(), "har": string(harData)} {
			for _, p := range append(params, "query", "authz", "dpop") {
				secret := "val-" + p + "-secret"
				if strings.Contains(text, secret) != show {
					t.Errorf("show %v: %s has %s: %v", show, where, secret, strings.Contains(text, secret))
				}
			}
			if where != "curl" && strings.Contains(text, "resp-rt-secret") != show {
				t.Errorf("show %v: %s and the response's refresh token", show, where)
			}
		}
		if !show && !strings.Contains(curl.String(), `--data-urlencode "id_token_hint=$OIDC_ID_TOKEN_HINT"`) {
			t.Errorf("curl: %s", curl.String())
		}
	}
}

// TestSignedUserinfoWrongKey: a userinfo JWT that the issuer's keys do not
// verify fails, and its claims are still shown.
func TestSignedUserinfoWrongKey(t *testing.T) {
	mine := issuertest.Start(t, issuer.Config{AutoApprove: true, Faults: issuer.Faults{UserinfoJWT: true}}, false)
	other := issuertest.Start(t, issuer.Config{AutoApprove: true}, false)
	c := newTestClient(0)
	ctx := context.Background()
	md, _, err := c.Discover(ctx, mine.URL)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := c.Exchange(ctx, md, testGrant(t, c, mine, "oidc-cli"), PublicClient{"oidc-cli"})
	if err != nil {
		t.Fatal(err)
	}
	body, ct, status, err := c.Userinfo(ctx, md.UserinfoEndpoint, tr.AccessToken, tr.TokenType)
	if err != nil || ct != "application/jwt" {
		t.Fatalf("userinfo: %s %d %v", ct, status, err)
	}
	otherKeys, _, err := c.KeySet(ctx, other.URL+"/jwks", true)
	if err != nil {
		t.Fatal(err)
	}
	rep := &decode.FlowReport{}
	userinfoChecks(rep, body, ct, status, nil, otherKeys, decode.VerifyOptions{Issuer: mine.URL, IssuerPinned: true, ClientID: "oidc-cli"}, false)
	if len(rep.Checks) == 0 || rep.Checks[0].ID != "userinfo_jwt" || rep.Checks[0].Status != decode.Fail || rep.UserinfoJWT == "" || rep.Userinfo == nil {
		t.Fatalf("checks %+v, userinfo %s", rep.Checks, rep.Userinfo)
	}
	// Another client's userinfo JWT fails on aud.
	rep = &decode.FlowReport{}
	myKeys, _, _ := c.KeySet(ctx, md.JWKSURI, true)
	userinfoChecks(rep, body, ct, status, nil, myKeys, decode.VerifyOptions{Issuer: mine.URL, IssuerPinned: true, ClientID: "someone-else"}, false)
	if rep.Checks[0].Status != decode.Fail || !strings.Contains(rep.Checks[0].Message, "aud") {
		t.Fatalf("aud: %+v", rep.Checks)
	}
}

// TestHeadersStayWithTheIssuer: extra headers go to the hosts the user
// named, not to where a redirect leads.
func TestHeadersStayWithTheIssuer(t *testing.T) {
	var seen string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Get("Authorization") + r.Header.Get("X-Gateway")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	}))
	defer other.Close()
	mine := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Gateway") != "g" {
			t.Errorf("the issuer did not get the header")
		}
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/x", http.StatusFound)
	}))
	defer mine.Close()
	c, _ := New(Options{Headers: []string{"X-Gateway: g", "Authorization: Bearer gw-secret"}})
	c.TrustHeaders(mine.URL)
	if _, err := c.GetJSON(context.Background(), mine.URL+"/.well-known/openid-configuration", true); err != nil {
		t.Fatal(err)
	}
	if seen != "" {
		t.Errorf("another host got the extra headers: %q", seen)
	}
}

// cannedServer answers every request with what answer last set.
func cannedServer(t *testing.T) (*httptest.Server, func(status int, contentType, body string)) {
	var mu sync.Mutex
	var status int
	var ctype, body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		st, ct, b := status, ctype, body
		mu.Unlock()
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(st)
		w.Write([]byte(b))
	}))
	t.Cleanup(srv.Close)
	return srv, func(st int, ct, b string) {
		mu.Lock()
		status, ctype, body = st, ct, b
		mu.Unlock()
	}
}
