package mcptest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcdev/oidc/internal/issuer"
	"github.com/oidcdev/oidc/internal/issuer/issuertest"
	"github.com/oidcdev/oidc/internal/mcptest"
)

var httpClient = &http.Client{Timeout: 10 * time.Second}

// rpc posts one JSON-RPC message to the MCP endpoint, with token as the
// bearer token when it is not empty.
func rpc(t *testing.T, mcpURL, token string, msg map[string]any) (*http.Response, []byte) {
	t.Helper()
	body, _ := json.Marshal(msg)
	req, err := http.NewRequest(http.MethodPost, mcpURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, out
}

func initialize(id int) map[string]any {
	return map[string]any{"jsonrpc": "2.0", "id": id, "method": "initialize", "params": map[string]any{
		"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "go-test", "version": "1"},
	}}
}

// clientCredentials gets an access token from the issuer for resource
// (RFC 8707), as oidc-cli-confidential; no resource when it is empty.
func clientCredentials(t *testing.T, iss, resource string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if resource != "" {
		form.Set("resource", resource)
	}
	req, _ := http.NewRequest(http.MethodPost, iss+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("oidc-cli-confidential", "oidc-cli-secret")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("token request for %q: %s %s", resource, resp.Status, body)
	}
	return tok.AccessToken
}

// claims decodes a JWT's payload without verifying it.
func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	var c map[string]any
	raw, err := decodeSegment(parts[1])
	if err == nil {
		err = json.Unmarshal(raw, &c)
	}
	if err != nil {
		t.Fatalf("JWT payload: %v", err)
	}
	return c
}

func decodeSegment(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

var authParam = regexp.MustCompile(`([a-z_]+)="([^"]*)"`)

// challenge reads a Bearer WWW-Authenticate challenge's parameters.
func challenge(t *testing.T, h string) map[string]string {
	t.Helper()
	if !strings.HasPrefix(h, "Bearer ") {
		t.Fatalf("WWW-Authenticate is not a Bearer challenge: %q", h)
	}
	out := map[string]string{}
	for _, m := range authParam.FindAllStringSubmatch(h, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// TestProtectedResource: server.mjs, against the in-process issuer, is a
// protected resource as RFC 6750 and RFC 9728 say: a request without a
// token gets 401 with a challenge naming the resource metadata, which
// names the issuer; a token of the issuer for this resource opens it; a
// token for another audience, without one, expired or of another issuer
// is refused.
func TestProtectedResource(t *testing.T) {
	var shift atomic.Int64 // the issuer's clock, ahead or behind
	op := issuertest.Start(t, issuer.Config{AutoApprove: true, Now: func() time.Time {
		return time.Now().Add(time.Duration(shift.Load()))
	}}, false)
	srv := mcptest.StartServer(t, op.URL)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server.mjs log:\n%s", srv.Log())
		}
	})

	t.Run("401 names the resource metadata", func(t *testing.T) {
		resp, body := rpc(t, srv.URL, "", initialize(1))
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("POST initialize without a token: %s %s", resp.Status, body)
		}
		ch := challenge(t, resp.Header.Get("WWW-Authenticate"))
		if ch["resource_metadata"] != srv.ResourceMetadataURL {
			t.Fatalf("resource_metadata = %q, want %q (WWW-Authenticate: %s)", ch["resource_metadata"], srv.ResourceMetadataURL, resp.Header.Get("WWW-Authenticate"))
		}
		if ch["error"] != "invalid_token" {
			t.Errorf("error = %q, want invalid_token", ch["error"])
		}

		resp, err := httpClient.Get(ch["resource_metadata"])
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var prm struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
		}
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || json.Unmarshal(raw, &prm) != nil {
			t.Fatalf("GET %s: %s %s: %s", ch["resource_metadata"], resp.Status, resp.Header.Get("Content-Type"), raw)
		}
		if prm.Resource != srv.URL {
			t.Errorf("PRM resource = %q, want the MCP URL %q", prm.Resource, srv.URL)
		}
		if !slices.Contains(prm.AuthorizationServers, op.URL) {
			t.Errorf("PRM authorization_servers = %q, want it to include the issuer %q", prm.AuthorizationServers, op.URL)
		}
	})

	t.Run("a token for the resource opens it", func(t *testing.T) {
		token := clientCredentials(t, op.URL, srv.URL)
		if aud := claims(t, token)["aud"]; aud != srv.URL {
			t.Fatalf("the issuer's token has aud %v, want %q", aud, srv.URL)
		}
		resp, body := rpc(t, srv.URL, token, initialize(1))
		var init struct {
			Result struct {
				ServerInfo struct{ Name string } `json:"serverInfo"`
			} `json:"result"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &init) != nil || init.Result.ServerInfo.Name != "oidc-e2e-mcp" {
			t.Fatalf("initialize: %s %s", resp.Status, body)
		}
		resp, body = rpc(t, srv.URL, token, map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("notifications/initialized: %s %s", resp.Status, body)
		}
		resp, body = rpc(t, srv.URL, token, map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"name":"whoami"`)) {
			t.Fatalf("tools/list: %s %s", resp.Status, body)
		}
		resp, body = rpc(t, srv.URL, token, map[string]any{"jsonrpc": "2.0", "id": 3, "method": "tools/call",
			"params": map[string]any{"name": "whoami", "arguments": map[string]any{}}})
		var call struct {
			Result struct {
				IsError           bool `json:"isError"`
				StructuredContent struct {
					Sub      string `json:"sub"`
					ClientID string `json:"client_id"`
					Aud      string `json:"aud"`
				} `json:"structuredContent"`
			} `json:"result"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &call) != nil || call.Result.IsError {
			t.Fatalf("tools/call whoami: %s %s", resp.Status, body)
		}
		if got := call.Result.StructuredContent; got.Sub != "oidc-cli-confidential" || got.ClientID != "oidc-cli-confidential" || got.Aud != srv.URL {
			t.Fatalf("whoami = %+v, want the client's sub and client_id, and aud %q", got, srv.URL)
		}
	})

	other := issuertest.Start(t, issuer.Config{AutoApprove: true}, false)
	refused := []struct {
		name, why string
		token     func(t *testing.T) string
	}{
		{"another audience", `unexpected 'aud'`, func(t *testing.T) string {
			return clientCredentials(t, op.URL, "http://127.0.0.1:1/another-api")
		}},
		{"the issuer as audience (no resource)", `unexpected 'aud'`, func(t *testing.T) string {
			return clientCredentials(t, op.URL, "")
		}},
		{"expired", `'exp' claim timestamp check failed`, func(t *testing.T) string {
			shift.Store(int64(-2 * time.Hour)) // the issuer's tokens last an hour
			defer shift.Store(0)
			return clientCredentials(t, op.URL, srv.URL)
		}},
		{"another issuer", `no applicable key found in the JSON Web Key Set`, func(t *testing.T) string {
			return clientCredentials(t, other.URL, srv.URL)
		}},
		{"not a JWT", `Invalid Compact JWS`, func(t *testing.T) string { return "not-a-token" }},
	}
	for _, tc := range refused {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			token := tc.token(t)
			resp, body := rpc(t, srv.URL, token, initialize(1))
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("initialize with a token of %s: %s %s", tc.name, resp.Status, body)
			}
			ch := challenge(t, resp.Header.Get("WWW-Authenticate"))
			if ch["error"] != "invalid_token" || ch["resource_metadata"] != srv.ResourceMetadataURL || !strings.Contains(ch["error_description"], tc.why) {
				t.Fatalf("WWW-Authenticate: %s; want invalid_token, the resource metadata and %q", resp.Header.Get("WWW-Authenticate"), tc.why)
			}
		})
	}
}

// TestRequiredScope: with --scope, a token without the scope gets 403
// insufficient_scope naming it (RFC 6750 3.1), the resource metadata
// advertises it, and a token with it opens the server.
func TestRequiredScope(t *testing.T) {
	op := issuertest.Start(t, issuer.Config{AutoApprove: true, Scopes: []string{"mcp:tools"}}, false)
	srv := mcptest.StartServer(t, op.URL, "--scope", "mcp:tools")

	resp, body := rpc(t, srv.URL, clientCredentials(t, op.URL, srv.URL), initialize(1))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a token without mcp:tools: %s %s", resp.Status, body)
	}
	ch := challenge(t, resp.Header.Get("WWW-Authenticate"))
	if ch["error"] != "insufficient_scope" || ch["scope"] != "mcp:tools" {
		t.Fatalf("WWW-Authenticate: %s; want insufficient_scope and scope mcp:tools", resp.Header.Get("WWW-Authenticate"))
	}
	presp, err := httpClient.Get(srv.ResourceMetadataURL)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(io.LimitReader(presp.Body, 1<<20))
	presp.Body.Close()
	var prm struct {
		ScopesSupported []string `json:"scopes_supported"`
	}
	if json.Unmarshal(raw, &prm) != nil || !slices.Equal(prm.ScopesSupported, []string{"mcp:tools"}) {
		t.Fatalf("PRM: %s; want scopes_supported [mcp:tools]", raw)
	}

	form := url.Values{"grant_type": {"client_credentials"}, "resource": {srv.URL}, "scope": {"mcp:tools"}}
	req, _ := http.NewRequest(http.MethodPost, op.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("oidc-cli-confidential", "oidc-cli-secret")
	tresp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(io.LimitReader(tresp.Body, 1<<20)).Decode(&tok)
	tresp.Body.Close()
	if resp, body := rpc(t, srv.URL, tok.AccessToken, initialize(1)); resp.StatusCode != http.StatusOK {
		t.Fatalf("a token with mcp:tools: %s %s\n%s", resp.Status, body, srv.Log())
	}
}

// runSDKClient runs client.mjs and reads its summary.
func runSDKClient(t *testing.T, srv *mcptest.Server, args ...string) (*mcptest.Summary, error) {
	t.Helper()
	stdout, stderr, err := mcptest.RunClient(t, srv.URL, args...)
	sum, perr := mcptest.ParseSummary(stdout)
	if perr != nil {
		t.Fatalf("%v\nclient.mjs stderr:\n%s\nserver.mjs log:\n%s", perr, stderr, srv.Log())
	}
	if (err == nil) != (sum.Error == "") {
		t.Fatalf("client.mjs exit %v, but its summary's error is %q\n%s", err, sum.Error, stderr)
	}
	if err != nil {
		t.Logf("client.mjs failed (%v):\n%s", err, stderr)
	}
	return sum, err
}

// checkAuthorized checks the summary of a client run that should have
// found the issuer from the server's 401, logged in as alice and called
// whoami with a token for the server.
func checkAuthorized(t *testing.T, sum *mcptest.Summary, iss string, srv *mcptest.Server, clientID string) {
	t.Helper()
	if sum.Error != "" {
		t.Fatalf("the SDK client failed: %s", sum.Error)
	}
	// The SDK found the metadata from the 401: the first requests are
	// the initialize, the PRM of its challenge, and the issuer's metadata.
	var sdk []string
	for _, r := range sum.Requests {
		if r.By == "sdk" {
			sdk = append(sdk, fmt.Sprintf("%s %s %d", r.Method, r.URL, r.Status))
		}
	}
	want := []string{"POST " + srv.URL + " 401", "GET " + srv.ResourceMetadataURL + " 200", "GET " + iss + "/.well-known/oauth-authorization-server 200"}
	if len(sdk) < 3 || !slices.Equal(sdk[:3], want) {
		t.Errorf("the SDK's first requests: %q, want %q", sdk, want)
	}
	if d := sum.Discovery; d == nil || d.AuthorizationServer != iss || d.ResourceMetadata["resource"] != srv.URL {
		t.Errorf("discovery: %+v, want authorization server %q and resource %q", d, iss, srv.URL)
	}
	ar := sum.AuthorizationRequest
	if ar["endpoint"] != iss+"/authorize" || ar["client_id"] != clientID || ar["code_challenge_method"] != "S256" || ar["resource"] != srv.URL {
		t.Errorf("the SDK's authorization request: %v, want %s/authorize, client_id %s, S256 and resource %s", ar, iss, clientID, srv.URL)
	}
	if sum.AuthorizationResponse["iss"] != iss {
		t.Errorf("the authorization response: %v, want iss %q (RFC 9207)", sum.AuthorizationResponse, iss)
	}
	if tok := sum.Token; tok == nil || tok.Claims == nil || tok.Claims.Aud != srv.URL || tok.Claims.Sub != "alice" || tok.Claims.ClientID != clientID {
		t.Errorf("token: %+v, want aud %q, sub alice, client_id %s", sum.Token, srv.URL, clientID)
	}
	if !slices.Contains(sum.Tools, "whoami") {
		t.Errorf("tools: %q, want whoami", sum.Tools)
	}
	if tool := sum.Tool; tool == nil || tool.IsError || tool.Structured["sub"] != "alice" || tool.Structured["aud"] != srv.URL {
		t.Errorf("whoami: %+v, want sub alice and aud %q", sum.Tool, srv.URL)
	}
}

// TestSDKClientPreregistered: the SDK's OAuth client, given oidc-cli's
// client id, goes from the server's 401 to the issuer, through the code
// flow with PKCE and a resource indicator, and calls a tool.
func TestSDKClientPreregistered(t *testing.T) {
	op := issuertest.Start(t, issuer.Config{AutoApprove: true}, false)
	srv := mcptest.StartServer(t, op.URL)
	sum, _ := runSDKClient(t, srv, "--client-id", "oidc-cli")
	checkAuthorized(t, sum, op.URL, srv, "oidc-cli")
	if sum.Client == nil || !sum.Client.Preregistered {
		t.Errorf("client: %+v, want the pre-registered one", sum.Client)
	}
	if op.Hits("/token") != 1 {
		t.Errorf("the issuer's token endpoint was asked %d times, want once", op.Hits("/token"))
	}
}

// TestSDKClientConfidential: with a client secret the SDK authenticates
// to the token endpoint with client_secret_basic, the first it prefers of
// those advertised: the issuer accepts no other from this client.
func TestSDKClientConfidential(t *testing.T) {
	clients := slices.Clone(issuer.DefaultClients)
	for i := range clients {
		if clients[i].ID == "oidc-cli-confidential" {
			clients[i].AuthMethod = "client_secret_basic"
		}
	}
	op := issuertest.Start(t, issuer.Config{AutoApprove: true, Clients: clients}, false)
	srv := mcptest.StartServer(t, op.URL)
	sum, _ := runSDKClient(t, srv, "--client-id", "oidc-cli-confidential", "--client-secret", "oidc-cli-secret", "--tool", "echo")
	if sum.Error != "" {
		t.Fatalf("the SDK client failed: %s", sum.Error)
	}
	if tok := sum.Token; tok == nil || tok.Claims == nil || tok.Claims.ClientID != "oidc-cli-confidential" || tok.Claims.Aud != srv.URL {
		t.Fatalf("token: %+v", sum.Token)
	}
	if tool := sum.Tool; tool == nil || len(tool.Content) != 1 || tool.Content[0]["text"] != "hello from the SDK client" {
		t.Fatalf("echo: %+v", sum.Tool)
	}
}

// TestSDKClientDynamicRegistration: without a client id the SDK
// registers one (RFC 7591) at the issuer's registration_endpoint. Until
// the issuer has one, the SDK refuses, and the test says so and skips.
func TestSDKClientDynamicRegistration(t *testing.T) {
	op := issuertest.Start(t, issuer.Config{AutoApprove: true}, false)
	srv := mcptest.StartServer(t, op.URL)
	resp, err := httpClient.Get(op.URL + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		RegistrationEndpoint string `json:"registration_endpoint"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&md)
	resp.Body.Close()

	sum, _ := runSDKClient(t, srv)
	if md.RegistrationEndpoint == "" {
		const refusal = "Incompatible auth server: does not support dynamic client registration"
		if sum.Error != refusal {
			t.Fatalf("the issuer has no registration_endpoint, and the SDK client said %q, want %q", sum.Error, refusal)
		}
		t.Skipf("the issuer's metadata has no registration_endpoint (RFC 7591): the SDK says %q", sum.Error)
	}
	checkAuthorized(t, sum, op.URL, srv, sum.AuthorizationRequest["client_id"])
	if c := sum.Client; c == nil || c.Preregistered || c.ClientID == "" || c.ClientID == "oidc-cli" {
		t.Errorf("client: %+v, want one the SDK registered", sum.Client)
	}
}

// TestSDKClientNeedsS256: the SDK refuses an authorization server whose
// metadata does not list S256 in code_challenge_methods_supported,
// before it sends anyone to the authorization endpoint.
func TestSDKClientNeedsS256(t *testing.T) {
	op := issuertest.Start(t, issuer.Config{AutoApprove: true, Faults: issuer.Faults{NoS256: true}}, false)
	srv := mcptest.StartServer(t, op.URL)
	sum, err := runSDKClient(t, srv, "--client-id", "oidc-cli")
	const refusal = "Incompatible auth server: does not support code challenge method S256"
	if err == nil || sum.Error != refusal {
		t.Fatalf("the SDK client: %v, error %q, want %q", err, sum.Error, refusal)
	}
	if n := op.Hits("/authorize"); n != 0 {
		t.Errorf("the authorization endpoint was asked %d times, want none", n)
	}
}

// TestSDKClientReportsFailure: when the issuer refuses the client, the
// client exits non-zero and says why.
func TestSDKClientReportsFailure(t *testing.T) {
	op := issuertest.Start(t, issuer.Config{AutoApprove: true}, false)
	srv := mcptest.StartServer(t, op.URL)
	sum, err := runSDKClient(t, srv, "--client-id", "nobody")
	if err == nil || !strings.Contains(sum.Error, "answered 400") || !strings.Contains(sum.Error, "nobody is not registered") {
		t.Fatalf("the SDK client with an unknown client id: %v, error %q", err, sum.Error)
	}
}
