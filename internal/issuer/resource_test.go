package issuer

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// register POSTs client metadata to /register.
func register(t *testing.T, srv *httptest.Server, metadata string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(srv.URL+"/register", "application/json", strings.NewReader(metadata))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("register: %s, not JSON: %v", resp.Status, err)
	}
	return resp.StatusCode, body
}

// TestRegistrationRedirectURIs: RFC 7591 2 with OAuth 2.1's rule for
// redirect URIs: https, or http on a loopback host; anything else is
// invalid_redirect_uri and nothing is registered.
func TestRegistrationRedirectURIs(t *testing.T) {
	srv := start(t, Config{})
	for _, uri := range []string{
		"http://app.example/callback",          // plain http off loopback
		"http://localhost.attacker.example/cb", // loopback only by name
		"http://10.0.0.1/cb",                   // private, not loopback
		"custom:/callback",                     // no host
		"ftp://127.0.0.1/cb",                   // another scheme on loopback
		"https://app.example/cb#frag",          // a fragment (RFC 6749 3.1.2)
	} {
		st, body := register(t, srv, `{"redirect_uris":["https://fine.example/cb",`+fmt.Sprintf("%q", uri)+`],"token_endpoint_auth_method":"none"}`)
		if st != http.StatusBadRequest || body["error"] != "invalid_redirect_uri" || !strings.Contains(fmt.Sprint(body["error_description"]), uri) || body["client_id"] != nil {
			t.Errorf("%s: %d %v", uri, st, body)
		}
	}
	if st, body := register(t, srv, `{"token_endpoint_auth_method":"none"}`); st != http.StatusBadRequest || body["error"] != "invalid_redirect_uri" {
		t.Errorf("no redirect_uris: %d %v", st, body)
	}
	for _, uri := range []string{"https://app.example/cb", "http://127.0.0.1/callback", "http://[::1]:8080/cb", "http://localhost:9000/cb"} {
		if st, body := register(t, srv, `{"redirect_uris":[`+fmt.Sprintf("%q", uri)+`],"token_endpoint_auth_method":"none"}`); st != http.StatusCreated || body["client_id"] == nil {
			t.Errorf("%s refused: %d %v", uri, st, body)
		}
	}
}

// TestRegistrationAuthMethods: a confidential registration gets a secret
// (client_secret_basic by default, RFC 7591 2), a public one none, an
// unsupported method is refused, and the token endpoint takes the client
// only by the method it registered.
func TestRegistrationAuthMethods(t *testing.T) {
	srv := start(t, Config{})
	const uris = `"redirect_uris":["http://127.0.0.1/callback"]`
	st, basic := register(t, srv, `{`+uris+`}`)
	if st != http.StatusCreated || basic["token_endpoint_auth_method"] != "client_secret_basic" || basic["client_secret"] == nil || basic["client_secret"] == "" || basic["client_secret_expires_at"] != 0.0 {
		t.Fatalf("default method: %d %v", st, basic)
	}
	st, public := register(t, srv, `{`+uris+`,"token_endpoint_auth_method":"none"}`)
	if st != http.StatusCreated || public["token_endpoint_auth_method"] != "none" || public["client_secret"] != nil {
		t.Fatalf("public: %d %v", st, public)
	}
	if st, body := register(t, srv, `{`+uris+`,"token_endpoint_auth_method":"private_key_jwt"}`); st != http.StatusBadRequest || body["error"] != "invalid_client_metadata" {
		t.Fatalf("unsupported method: %d %v", st, body)
	}
	st, post := register(t, srv, `{`+uris+`,"token_endpoint_auth_method":"client_secret_post","client_name":"poster"}`)
	if st != http.StatusCreated || post["token_endpoint_auth_method"] != "client_secret_post" || post["client_secret"] == nil || post["client_name"] != "poster" {
		t.Fatalf("client_secret_post: %d %v", st, post)
	}
	if basic["client_secret"] == post["client_secret"] || basic["client_id"] == post["client_id"] {
		t.Fatalf("two registrations share an id or a secret: %v %v", basic, post)
	}

	cc := func(c map[string]any, inBody bool) (int, map[string]any) {
		id, secret := c["client_id"].(string), c["client_secret"].(string)
		form := url.Values{"grant_type": {"client_credentials"}}
		if inBody {
			form.Set("client_id", id)
			form.Set("client_secret", secret)
			return tokenRequest(t, srv, form, "", "")
		}
		return tokenRequest(t, srv, form, id, secret)
	}
	if st, body := cc(basic, false); st != http.StatusOK || body["access_token"] == nil {
		t.Errorf("client_secret_basic client by basic: %d %v", st, body)
	}
	if st, body := cc(basic, true); st != http.StatusUnauthorized || body["error"] != "invalid_client" || !strings.Contains(fmt.Sprint(body["error_description"]), "registered for client_secret_basic") {
		t.Errorf("client_secret_basic client by post: %d %v", st, body)
	}
	if st, body := cc(post, true); st != http.StatusOK || body["access_token"] == nil {
		t.Errorf("client_secret_post client by post: %d %v", st, body)
	}
	if st, body := cc(post, false); st != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("client_secret_post client by basic: %d %v", st, body)
	}
	wrong := map[string]any{"client_id": post["client_id"], "client_secret": "not-the-secret"}
	if st, body := cc(wrong, true); st != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", st, body)
	}
}

// TestRegistryCap: strangers can register at most maxRegistered clients;
// then registration answers 503 and keeps nothing, and the clients
// already registered still work.
func TestRegistryCap(t *testing.T) {
	s, srv := startServer(t, Config{})
	st, first := register(t, srv, `{"redirect_uris":["http://127.0.0.1/callback"]}`)
	if st != http.StatusCreated {
		t.Fatalf("first: %d %v", st, first)
	}
	for i := 1; i < maxRegistered; i++ {
		if !s.addClient(&Client{ID: fmt.Sprintf("filler-%d", i)}) {
			t.Fatalf("the registry is full at %d clients, before %d", i, maxRegistered)
		}
	}
	st, body := register(t, srv, `{"redirect_uris":["http://127.0.0.1/callback"]}`)
	if st != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" || body["client_id"] != nil ||
		!strings.Contains(fmt.Sprint(body["error_description"]), fmt.Sprint(maxRegistered)) {
		t.Fatalf("over the cap: %d %v", st, body)
	}
	s.reg.mu.Lock()
	n := len(s.reg.clients)
	s.reg.mu.Unlock()
	if n != maxRegistered {
		t.Fatalf("%d clients kept, want %d", n, maxRegistered)
	}
	if st, body := tokenRequest(t, srv, url.Values{"grant_type": {"client_credentials"}}, first["client_id"].(string), first["client_secret"].(string)); st != http.StatusOK {
		t.Fatalf("a client registered before the cap: %d %v", st, body)
	}
}

// mcpCall POSTs a JSON-RPC initialize to /mcp with a bearer token.
func mcpCall(t *testing.T, srv *httptest.Server, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+resourcePath, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := new(strings.Builder)
	_, _ = io.Copy(buf, resp.Body)
	return resp, buf.String()
}

// TestMCPAudience: /mcp takes a token for itself (RFC 8707 resource) and
// refuses, with an invalid_token challenge, one for another resource or
// one asked without resource (for the issuer): the confused deputy the
// any-audience fault allows.
func TestMCPAudience(t *testing.T) {
	s, srv := startServer(t, Config{})
	token := func(resource ...string) string {
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {ResourceScope}, "resource": resource}
		st, body := tokenRequest(t, srv, form, "oidc-cli-confidential", "oidc-cli-secret")
		if st != http.StatusOK {
			t.Fatalf("token for %v: %d %v", resource, st, body)
		}
		return body["access_token"].(string)
	}
	if resp, body := mcpCall(t, srv, token(s.ResourceURL())); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"protocolVersion"`) {
		t.Fatalf("a token for the resource: %s %s", resp.Status, body)
	}
	for name, tc := range map[string]struct{ tok, says string }{
		"another resource": {token("https://other.example/api"), "the access token is for https://other.example/api, not for this resource"},
		"no resource":      {token(), "the access token is for " + srv.URL + ", not for this resource"}, // the issuer's own audience
	} {
		resp, body := mcpCall(t, srv, tc.tok)
		ch := resp.Header.Get("WWW-Authenticate")
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(ch, "Bearer ") || !strings.Contains(ch, `error="invalid_token"`) ||
			!strings.Contains(ch, `resource_metadata="`+srv.URL+prmPrefix+resourcePath+`"`) || !strings.Contains(ch, tc.says) || strings.Contains(body, `"result"`) {
			t.Errorf("%s: %s, WWW-Authenticate %s, %s", name, resp.Status, ch, body)
		}
	}
	// With any-audience the same token is taken: the test above is what
	// the fault turns off.
	s.SetFaults(Faults{AnyAudience: true})
	if resp, body := mcpCall(t, srv, token("https://other.example/api")); resp.StatusCode != http.StatusOK {
		t.Fatalf("any-audience: %s %s", resp.Status, body)
	}
}
