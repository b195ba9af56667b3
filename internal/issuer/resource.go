package issuer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oidcdev/oidc/decode"
)

// The protected resource of the issuer: an MCP-style endpoint (JSON-RPC
// over Streamable HTTP) with its RFC 9728 metadata, so that MCP clients
// and oidc probe can be tested against it with no account anywhere.
const (
	resourcePath = "/mcp"
	prmPrefix    = "/.well-known/oauth-protected-resource"
	// ResourceScope is what tools/list and tools/call need.
	ResourceScope = "mcp:tools"
)

// ResourceURL is the resource identifier of the issuer's MCP endpoint.
func (s *Server) ResourceURL() string { return s.issuer + resourcePath }

func (s *Server) prmURL() string {
	if s.faults().PRMRootOnly {
		return s.issuer + prmPrefix
	}
	return s.issuer + prmPrefix + resourcePath
}

// protectedResourceMetadata answers RFC 9728 3 at the path-aware URL (and,
// with the prm-root-only fault, only at the root).
func (s *Server) protectedResourceMetadata(w http.ResponseWriter, r *http.Request) {
	f := s.faults()
	atRoot := r.URL.Path == prmPrefix
	if atRoot != f.PRMRootOnly {
		http.NotFound(w, r)
		return
	}
	resource := s.ResourceURL()
	switch {
	case f.PRMResourceMismatch:
		resource = s.issuer + "/other"
	case f.PRMResourceSlash:
		resource += "/"
	}
	md := map[string]any{
		"resource":                 resource,
		"authorization_servers":    []string{s.issuer},
		"bearer_methods_supported": []string{"header"},
		"resource_name":            "oidc serve test MCP server",
	}
	if f.PRMDeadAuthServer {
		md["authorization_servers"] = []string{"http://127.0.0.1:" + closedPort(), s.issuer}
	}
	if f.PRMNoAuthServers {
		delete(md, "authorization_servers")
	}
	if !f.InsufficientScope {
		md["scopes_supported"] = []string{ResourceScope}
	}
	writeJSON(w, http.StatusOK, md)
}

// challenge refuses a request to the resource with RFC 6750 3 and RFC
// 9728 5.1: the resource_metadata URL, the scope needed, the error.
func (s *Server) challenge(w http.ResponseWriter, status int, code, desc string) {
	f := s.faults()
	var params []string
	if !f.NoResourceMetadata {
		params = append(params, `resource_metadata="`+s.prmURL()+`"`)
	}
	if !f.InsufficientScope || code == "insufficient_scope" {
		params = append(params, `scope="`+ResourceScope+`"`)
	}
	if code != "" {
		params = append(params, `error="`+code+`"`, `error_description="`+strings.ReplaceAll(desc, `"`, `'`)+`"`)
	}
	value := "Bearer"
	if f.ResourceDPoP {
		value = "DPoP"
		params = append(params, `algs="ES256 RS256 EdDSA"`)
	}
	if len(params) > 0 {
		value += " " + strings.Join(params, ", ")
	}
	if f.LowercaseChallenge {
		// Header names are case-insensitive; some servers send them so.
		scheme, rest, _ := strings.Cut(value, " ")
		w.Header()["www-authenticate"] = []string{strings.ToLower(scheme) + " " + rest}
	} else {
		w.Header().Set("WWW-Authenticate", value)
	}
	writeJSON(w, status, map[string]any{"jsonrpc": "2.0", "error": map[string]any{"code": -32001, "message": orText(desc, "authorization required")}, "id": nil})
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// mcp answers JSON-RPC over Streamable HTTP: initialize with any valid
// token for the resource; tools/list and tools/call with the scope too.
func (s *Server) mcp(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodDelete {
		// No server-sent stream and no sessions (Streamable HTTP allows 405).
		w.Header().Set("Allow", "POST")
		http.Error(w, "POST JSON-RPC requests", http.StatusMethodNotAllowed)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST JSON-RPC requests", http.StatusMethodNotAllowed)
		return
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "DPoP") {
		scheme = "DPoP"
	}
	if tok == "" || !strings.EqualFold(scheme, "Bearer") && scheme != "DPoP" {
		s.challenge(w, http.StatusUnauthorized, "", "")
		return
	}
	g, ok := s.checkAccessToken(tok)
	if !ok {
		s.challenge(w, http.StatusUnauthorized, "invalid_token", "the access token is unknown, expired or revoked")
		return
	}
	f := s.faults()
	if f.ResourceDPoP && g.jkt == "" {
		s.challenge(w, http.StatusUnauthorized, "invalid_token", "this resource takes DPoP-bound tokens only (RFC 9449)")
		return
	}
	if !s.bound(w, r, g, tok, scheme) {
		return
	}
	// With prm-resource-trailing-slash, clients ask for the metadata's
	// spelling; the resource takes both, as servers that trim it do.
	forUs := slices.Contains(g.resource, s.ResourceURL()) || f.PRMResourceSlash && slices.Contains(g.resource, s.ResourceURL()+"/")
	if !forUs && !f.AnyAudience {
		s.challenge(w, http.StatusUnauthorized, "invalid_token", fmt.Sprintf("the access token is for %s, not for this resource (%s): ask for it with resource (RFC 8707)", strings.Join(g.resource, ", "), s.ResourceURL()))
		return
	}
	var req struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Method  string          `json:"method"`
		Params  json.RawMessage `json:"params"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil || json.Unmarshal(body, &req) != nil || req.JSONRPC != "2.0" || req.Method == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": -32700, "message": "not a JSON-RPC 2.0 request"}})
		return
	}
	if req.ID == nil { // a notification (notifications/initialized)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	reply := func(result any) {
		writeJSON(w, http.StatusOK, map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": result})
	}
	switch req.Method {
	case "initialize":
		var p struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		_ = json.Unmarshal(req.Params, &p)
		version := p.ProtocolVersion
		if version == "" {
			version = "2025-06-18"
		}
		reply(map[string]any{"protocolVersion": version, "capabilities": map[string]any{"tools": map[string]any{}},
			"serverInfo": map[string]any{"name": "oidc serve", "version": "1"}})
		return
	case "ping":
		reply(map[string]any{})
		return
	}
	if !slices.Contains(strings.Fields(g.scope), ResourceScope) {
		s.challenge(w, http.StatusForbidden, "insufficient_scope", "tools need the scope "+ResourceScope)
		return
	}
	switch req.Method {
	case "tools/list":
		reply(map[string]any{"tools": []any{map[string]any{"name": "whoami", "description": "Who the access token is for",
			"inputSchema": map[string]any{"type": "object", "properties": map[string]any{}}}}})
	case "tools/call":
		who := "client " + g.client.ID
		if g.user != nil {
			who = g.user.Sub + " (client " + g.client.ID + ")"
		}
		reply(map[string]any{"content": []any{map[string]any{"type": "text", "text": "you are " + who + ", scope " + g.scope}}})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"jsonrpc": "2.0", "id": req.ID, "error": map[string]any{"code": -32601, "message": "method not found: " + req.Method}})
	}
}

// registry holds the clients registered at run time: dynamically (RFC
// 7591) or by their client ID metadata documents.
type registry struct {
	mu      sync.Mutex
	clients map[string]*Client
	failed  map[string]time.Time // metadata documents that could not be had, until when
}

func (s *Server) dynamicClient(id string) *Client {
	s.reg.mu.Lock()
	c := s.reg.clients[id]
	failed := s.cfg.Now().Before(s.reg.failed[id])
	s.reg.mu.Unlock()
	if c != nil || failed || !decode.ClientIDMetadataURL(id) {
		return c
	}
	c = s.metadataClient(id)
	if c == nil {
		s.reg.mu.Lock()
		if s.reg.failed == nil {
			s.reg.failed = map[string]time.Time{}
		}
		if len(s.reg.failed) < maxRegistered {
			s.reg.failed[id] = s.cfg.Now().Add(time.Minute) // not fetched again for a while
		}
		s.reg.mu.Unlock()
	}
	return c
}

// maxRegistered bounds what strangers can make the issuer keep.
const maxRegistered = 1000

// addClient keeps a client registered at run time; false when the
// registry is full.
func (s *Server) addClient(c *Client) bool {
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	if s.reg.clients == nil {
		s.reg.clients = map[string]*Client{}
	}
	if len(s.reg.clients) >= maxRegistered {
		return false
	}
	s.reg.clients[c.ID] = c
	return true
}

// clientMetadata is what registration and metadata documents say of a
// client (RFC 7591 2).
type clientMetadata struct {
	ClientID     string   `json:"client_id,omitempty"`
	RedirectURIs []string `json:"redirect_uris"`
	AuthMethod   string   `json:"token_endpoint_auth_method,omitempty"`
	GrantTypes   []string `json:"grant_types,omitempty"`
	Response     []string `json:"response_types,omitempty"`
	ClientName   string   `json:"client_name,omitempty"`
	Scope        string   `json:"scope,omitempty"`
}

func (m *clientMetadata) check() error {
	if len(m.RedirectURIs) == 0 {
		return fmt.Errorf("redirect_uris is required")
	}
	for _, r := range m.RedirectURIs {
		u, err := url.Parse(r)
		if err != nil || u.Fragment != "" || u.Host == "" || u.Scheme != "https" && !(u.Scheme == "http" && decode.IsLoopbackHost(u.Hostname())) {
			return fmt.Errorf("redirect_uris: %q is neither https nor a loopback http URI", r)
		}
	}
	switch m.AuthMethod {
	case "", "none", "client_secret_basic", "client_secret_post":
	default:
		return fmt.Errorf("token_endpoint_auth_method %q: none, client_secret_basic or client_secret_post", m.AuthMethod)
	}
	return nil
}

// register is RFC 7591 dynamic client registration, open to anyone (or
// refused, with the registration-refused fault, as Okta and Keycloak do
// without an initial access token).
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "POST the client's metadata as JSON")
		return
	}
	if s.faults().RegistrationRefused {
		oauthError(w, http.StatusUnauthorized, "invalid_token", "registration needs an initial access token: this issuer has no open registration")
		return
	}
	var m clientMetadata
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&m); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_client_metadata", "the body is not a JSON object: "+err.Error())
		return
	}
	if err := m.check(); err != nil {
		code := "invalid_client_metadata"
		if strings.HasPrefix(err.Error(), "redirect_uris") {
			code = "invalid_redirect_uri"
		}
		oauthError(w, http.StatusBadRequest, code, err.Error())
		return
	}
	if m.AuthMethod == "" {
		m.AuthMethod = "client_secret_basic" // RFC 7591 2's default
	}
	c := &Client{ID: "dyn-" + random(12), Name: m.ClientName, RedirectURIs: m.RedirectURIs, SkipConsent: true, AuthMethod: m.AuthMethod}
	resp := map[string]any{"client_id": c.ID, "client_id_issued_at": s.cfg.Now().Unix(), "redirect_uris": m.RedirectURIs,
		"token_endpoint_auth_method": m.AuthMethod, "grant_types": orList(m.GrantTypes, "authorization_code"), "response_types": orList(m.Response, "code")}
	if m.ClientName != "" {
		resp["client_name"] = m.ClientName
	}
	if m.AuthMethod != "none" {
		c.Secret = random(24)
		resp["client_secret"], resp["client_secret_expires_at"] = c.Secret, 0
	}
	if !s.addClient(c) {
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", fmt.Sprintf("this test issuer keeps at most %d registered clients", maxRegistered))
		return
	}
	writeJSON(w, http.StatusCreated, resp)
}

func orList(v []string, def string) []string {
	if len(v) == 0 {
		return []string{def}
	}
	return v
}

// metadataClient fetches a client ID metadata document: the client id is
// the URL of the client's metadata (draft-ietf-oauth-client-id-metadata-
// document), which must name itself as client_id. Public clients only.
func (s *Server) metadataClient(id string) *Client {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return nil
	}
	req.Header.Set("Accept", "application/json")
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var m clientMetadata
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&m) != nil || m.ClientID != id || m.check() != nil {
		return nil
	}
	if m.AuthMethod != "" && m.AuthMethod != "none" {
		return nil // a metadata document cannot hold a secret
	}
	c := &Client{ID: id, RedirectURIs: m.RedirectURIs, SkipConsent: true, AuthMethod: "none"}
	if !s.addClient(c) {
		return nil
	}
	return c
}
