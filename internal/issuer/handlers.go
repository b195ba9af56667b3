package issuer

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcdev/oidc/internal/webpage"
)

// tokenErrorFault is the token endpoint's answer under token-error.
// userinfoWantedScope is what userinfo asks for under the
// userinfo-insufficient-scope fault.
const userinfoWantedScope = "openid profile email"

const tokenErrorFault = "fault token-error: this issuer refuses every grant"

// maxBody bounds request bodies: forms are small.
const maxBody = 64 << 10

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	}
	s.sweep()
	route := r.URL.Path
	if rest, ok := strings.CutPrefix(route, "/mtls/"); ok && r.TLS != nil {
		// The mTLS endpoint aliases (RFC 8705 5) are the endpoints
		// themselves, on this listener, which asks every client for a
		// certificate; the request keeps its own URL (DPoP's htu, an
		// assertion's aud).
		route = "/" + rest
	}
	s.count(r.URL.Path)
	f := s.faults()
	if f.DateSkew != 0 {
		w.Header().Set("Date", s.cfg.Now().Add(f.DateSkew).UTC().Format(http.TimeFormat))
	}
	switch r.URL.Path {
	case "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/jwks":
		if f.SlowDiscovery > 0 {
			select {
			case <-time.After(f.SlowDiscovery):
			case <-r.Context().Done():
				return
			}
		}
	}
	switch route {
	case "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server":
		if s.cfg.CacheMaxAge > 0 {
			w.Header().Set("Cache-Control", fmt.Sprintf("max-age=%d", int(s.cfg.CacheMaxAge/time.Second)))
		}
		if route == "/.well-known/oauth-authorization-server" && f.NoOAuthMetadata {
			http.NotFound(w, r)
			return
		}
		s.discovery(w, route)
	case "/jwks":
		s.jwks(w, f)
	case "/authorize":
		s.authorize(w, r)
	case "/interaction":
		s.interaction(w, r)
	case "/token":
		s.token(w, r)
	case "/par":
		s.pushAuthorization(w, r)
	case "/userinfo":
		s.userinfo(w, r)
	case "/introspect":
		s.introspect(w, r)
	case "/revoke":
		s.revoke(w, r)
	case "/admin/faults":
		s.adminFaults(w, r)
	case "/end_session":
		s.endSession(w, r)
	case "/end_session/confirm":
		s.confirmLogout(w, r)
	case "/device_authorization":
		s.deviceAuthorization(w, r)
	case "/device":
		s.devicePage(w, r)
	case resourcePath:
		s.mcp(w, r)
	case prmPrefix, prmPrefix + resourcePath:
		s.protectedResourceMetadata(w, r)
	case "/register":
		s.register(w, r)
	case "/":
		page(w, http.StatusOK, "oidc serve", "A local OpenID Provider. Discovery: "+s.issuer+"/.well-known/openid-configuration")
	default:
		http.NotFound(w, r)
	}
}

// jwks publishes the keys: the issuer's own, or Config.JWKS.
func (s *Server) jwks(w http.ResponseWriter, f Faults) {
	age := 300 * time.Second
	if s.cfg.CacheMaxAge > 0 {
		age = s.cfg.CacheMaxAge
	}
	w.Header().Set("Cache-Control", fmt.Sprintf("max-age=%d", int(age/time.Second)))
	if f.HugeJWKS {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"keys":[],"pad":"` + strings.Repeat("x", 2<<20) + `"}`))
		return
	}
	if doc := s.publishedJWKS(); doc != nil {
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
		return
	}
	set := s.publicKeys()
	signing := s.signingKey()
	for i, k := range set.Keys {
		if k.KeyID != signing.KeyID {
			continue
		}
		if f.PrivateJWK {
			set.Keys[i] = signing
		}
		if f.ExpiredX5C {
			if cert, err := expiredCertificate(signing); err == nil {
				set.Keys[i].Certificates = []*x509.Certificate{cert}
			}
		}
	}
	if f.DuplicateKid {
		stray := s.strayKey()
		other := stray.Public()
		other.KeyID = signing.KeyID
		set.Keys = append(set.Keys, other)
	}
	writeJSON(w, http.StatusOK, set)
}

// clientError is invalid_client, with the challenge of the scheme the
// client tried (RFC 6749 5.2).
func clientError(w http.ResponseWriter, r *http.Request, why string) {
	if _, _, basic := r.BasicAuth(); basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
	}
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": why})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	// Encoded before the status is sent, so a failure is a 500, not an
	// empty 200.
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"server_error","error_description":"the response could not be encoded"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	if w.Header().Get("Cache-Control") == "" { // the JWKS may be cached
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// oauthError writes an RFC 6749 5.2 error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	if status == http.StatusUnauthorized && code == "invalid_token" {
		w.Header().Set("WWW-Authenticate", `Bearer error="`+code+`"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// page writes one of the issuer's pages (body is escaped HTML).
func page(w http.ResponseWriter, status int, title, body string) {
	webpage.Write(w, status, title, body, webpage.Forms)
}

// discovery answers both well-known documents (route says which): the
// same metadata, unless a fault makes them differ.
func (s *Server) discovery(w http.ResponseWriter, route string) {
	iss := s.issuer
	f := s.faults()
	authMethods := []string{"none", "client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt"}
	if len(s.cfg.TokenAuthMethods) > 0 {
		authMethods = s.cfg.TokenAuthMethods
	}
	md := map[string]any{
		"issuer":                                           iss,
		"authorization_endpoint":                           iss + "/authorize",
		"token_endpoint":                                   iss + "/token",
		"userinfo_endpoint":                                iss + "/userinfo",
		"userinfo_signing_alg_values_supported":            algs(s.cfg.SigningAlg),
		"userinfo_encryption_alg_values_supported":         []string{"RSA-OAEP-256", "ECDH-ES+A256KW"},
		"userinfo_encryption_enc_values_supported":         []string{"A256GCM"},
		"jwks_uri":                                         iss + "/jwks",
		"introspection_endpoint":                           iss + "/introspect",
		"revocation_endpoint":                              iss + "/revoke",
		"end_session_endpoint":                             iss + "/end_session",
		"device_authorization_endpoint":                    iss + "/device_authorization",
		"pushed_authorization_request_endpoint":            iss + "/par",
		"require_pushed_authorization_requests":            s.cfg.RequirePAR,
		"response_types_supported":                         []string{"code"},
		"response_modes_supported":                         []string{"query", "form_post"},
		"grant_types_supported":                            []string{"authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
		"subject_types_supported":                          []string{"public"},
		"id_token_signing_alg_values_supported":            algs(s.cfg.SigningAlg),
		"request_uri_parameter_supported":                  false,
		"request_parameter_supported":                      true,
		"request_object_signing_alg_values_supported":      assertionAlgNames,
		"introspection_endpoint_auth_methods_supported":    []string{"client_secret_basic", "client_secret_post"},
		"introspection_signing_alg_values_supported":       algs(s.cfg.SigningAlg),
		"revocation_endpoint_auth_methods_supported":       []string{"none", "client_secret_basic", "client_secret_post"},
		"token_endpoint_auth_methods_supported":            authMethods,
		"token_endpoint_auth_signing_alg_values_supported": assertionAlgNames,
		"dpop_signing_alg_values_supported":                []string{"ES256", "ES384", "RS256", "PS256", "EdDSA"},
		"code_challenge_methods_supported":                 []string{"S256"},
		"scopes_supported":                                 s.scopes(),
		"claims_supported":                                 []string{"sub", "name", "preferred_username", "email", "email_verified", "groups", "auth_time", "sid", "nonce", "at_hash", "azp"},
		"authorization_response_iss_parameter_supported":   true,
		"registration_endpoint":                            iss + "/register",
		"client_id_metadata_document_supported":            true,
	}
	if f.LyingMetadata {
		md["issuer"] = "https://someone-else.example"
	}
	if f.DiscoveryIssuerSlash {
		md["issuer"] = iss + "/"
	}
	if strings.HasPrefix(iss, "https://") {
		aliases := map[string]string{}
		for _, e := range []string{"token", "userinfo", "par", "device_authorization", "introspect", "revoke"} {
			name := map[string]string{"token": "token_endpoint", "userinfo": "userinfo_endpoint", "par": "pushed_authorization_request_endpoint",
				"device_authorization": "device_authorization_endpoint", "introspect": "introspection_endpoint", "revoke": "revocation_endpoint"}[e]
			aliases[name] = iss + "/mtls/" + e
		}
		md["mtls_endpoint_aliases"] = aliases
		md["tls_client_certificate_bound_access_tokens"] = true
		md["token_endpoint_auth_methods_supported"] = append(append([]string(nil), authMethods...), "self_signed_tls_client_auth")
	}
	if s.jwksAlgs != nil {
		md["id_token_signing_alg_values_supported"] = s.jwksAlgs
	}
	if f.NoTokenEndpoint {
		delete(md, "token_endpoint")
	}
	if f.NoS256 {
		md["code_challenge_methods_supported"] = []string{"plain"}
	}
	if f.HTTPEndpoint {
		md["userinfo_endpoint"] = "http://userinfo.invalid/userinfo"
	}
	if f.DeadEndpoint {
		md["revocation_endpoint"] = "http://127.0.0.1:" + closedPort() + "/revoke"
	}
	if f.OAuthMetadataOther && route == "/.well-known/oauth-authorization-server" {
		md["issuer"] = iss + "/"
	}
	writeJSON(w, http.StatusOK, md)
}

// closedPort is a loopback port nothing listens on: one the kernel gave
// and took back (port 1 is a fallback, closed on most machines).
func closedPort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "1"
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// authorize validates the request (errors before the redirect URI is known
// to be the client's are a page, never a redirect), then logs in.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	// GET or POST (OIDC Core 3.1.2.1); each parameter at most once.
	if err := r.ParseForm(); err != nil {
		page(w, http.StatusBadRequest, "Bad request", "The request could not be read.")
		return
	}
	q := r.Form
	for name, vs := range q {
		if len(vs) > 1 && name != "resource" {
			page(w, http.StatusBadRequest, "Bad request", html.EscapeString(name)+" is given more than once (RFC 6749 3.1).")
			return
		}
	}
	via := ""
	if uri := q.Get("request_uri"); uri != "" {
		// RFC 9126 4: the pushed parameters, once, for the client that
		// pushed them.
		s.mu.Lock()
		p, ok := s.pushed[uri]
		delete(s.pushed, uri)
		s.mu.Unlock()
		if !ok || s.cfg.Now().After(p.expires) || p.clientID != q.Get("client_id") {
			page(w, http.StatusBadRequest, "Bad request", "request_uri is unknown, used, expired or another client's (RFC 9126 4).")
			return
		}
		q = p.params
		via = "par"
	}
	if c := s.client(q.Get("client_id")); c != nil && (c.RequirePAR || s.cfg.RequirePAR) && !r.Form.Has("request_uri") {
		page(w, http.StatusBadRequest, "Pushed request required", "client "+html.EscapeString(c.ID)+" must push its authorization requests first (require_pushed_authorization_requests, RFC 9126).")
		return
	}
	if q.Has("request") {
		// RFC 9101: the signed request object's claims are the request.
		params, why := s.requestObjectParams(r, q)
		if params == nil {
			page(w, http.StatusBadRequest, "Bad request object", html.EscapeString(why)+" (RFC 9101).")
			return
		}
		q = params
		via = "request"
	}
	c := s.client(q.Get("client_id"))
	if c == nil {
		page(w, http.StatusBadRequest, "Unknown client", "client_id "+html.EscapeString(q.Get("client_id"))+" is not registered with this issuer.")
		return
	}
	redirect := q.Get("redirect_uri")
	if !c.redirectAllowed(redirect) {
		page(w, http.StatusBadRequest, "Redirect URI not registered", html.EscapeString(redirect)+" is not a redirect URI of "+html.EscapeString(c.ID)+".")
		return
	}
	req := &authRequest{client: c, redirectURI: redirect, state: q.Get("state"), nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), scope: q.Get("scope"), responseMode: q.Get("response_mode"), resource: q["resource"], created: s.cfg.Now(),
		dpopJKT: q.Get("dpop_jkt"), via: via, prompt: q.Get("prompt"), maxAge: q.Get("max_age"), acrValues: q.Get("acr_values"),
		loginHint: q.Get("login_hint"), audience: q.Get("audience"), method: q.Get("code_challenge_method")}
	if req.challenge != "" && req.method == "" {
		req.method = "plain" // RFC 7636 4.3
	}
	details, why := authorizationDetails(q.Get("authorization_details"))
	if why != "" {
		s.respond(w, req, url.Values{"error": {"invalid_authorization_details"}, "error_description": {why}})
		return
	}
	req.authzDetails = details
	fail := func(code, desc string) { s.respond(w, req, url.Values{"error": {code}, "error_description": {desc}}) }
	switch {
	case req.responseMode != "" && req.responseMode != "query" && req.responseMode != "form_post":
		req.responseMode = ""
		fail("invalid_request", "response_mode must be query or form_post")
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only the code flow: response_type=code")
	case req.challenge == "" && !c.confidential():
		fail("invalid_request", "PKCE is required for public clients: send code_challenge with code_challenge_method=S256")
	case req.challenge != "" && req.method != "S256" && !(req.method == "plain" && s.faults().NoS256):
		// plain only where the no-s256 fault makes this a plain-only issuer.
		fail("invalid_request", "code_challenge_method must be S256")
	case req.challenge != "" && !pkceValue(req.challenge):
		fail("invalid_request", "code_challenge must be 43 to 128 unreserved characters (RFC 7636 4.2)")
	case s.unknownScope(req.scope) != "":
		fail("invalid_scope", "scope "+s.unknownScope(req.scope)+" is not one this issuer knows (scopes_supported)")
	case q.Get("prompt") == "none" && !s.cfg.AutoApprove:
		fail("login_required", "prompt=none, and no one is logged in")
	default:
		if s.cfg.AutoApprove {
			s.approve(w, req, &s.cfg.Users[0])
			return
		}
		id, ok := hold(s, s.pending, req)
		if !ok {
			page(w, http.StatusServiceUnavailable, "Too many logins in progress", "Try again in a few minutes.")
			return
		}
		s.loginPage(w, r, id, req, nil, nil)
	}
}

// approve issues a code and sends the browser back to the client.
func (s *Server) approve(w http.ResponseWriter, req *authRequest, u *User) {
	code := random(32)
	g := &grant{client: req.client, user: u, scope: req.scope, nonce: req.nonce, resource: req.resource,
		authTime: s.cfg.Now(), sid: random(12), expires: s.cfg.Now().Add(time.Minute), challenge: req.challenge, method: req.method,
		redirectURI: req.redirectURI, jkt: req.dpopJKT, authzDetails: req.authzDetails, choice: req.choice}
	s.mu.Lock()
	s.codes[code] = g
	s.mu.Unlock()
	s.respond(w, req, url.Values{"code": {code}})
}

// respond sends an authorization response with state and iss (RFC 9207).
func (s *Server) respond(w http.ResponseWriter, req *authRequest, params url.Values) {
	if req.state != "" {
		params.Set("state", req.state)
	}
	params.Set("iss", s.issuer)
	if req.responseMode == "form_post" {
		var b strings.Builder
		fmt.Fprintf(&b, `<form method="post" action="%s">`, html.EscapeString(req.redirectURI))
		for k, vs := range params {
			for _, v := range vs {
				fmt.Fprintf(&b, `<input type="hidden" name="%s" value="%s">`, html.EscapeString(k), html.EscapeString(v))
			}
		}
		b.WriteString(`<noscript><button type="submit">Continue</button></noscript></form><script>document.forms[0].submit()</script>`)
		webpage.Write(w, http.StatusOK, "Continue to the application", b.String(), webpage.AutoSubmit)
		return
	}
	u, _ := url.Parse(req.redirectURI)
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Location", u.String())
	w.WriteHeader(http.StatusFound)
}

// authenticate identifies the client of a back-channel request: none,
// client_secret_basic or client_secret_post.
func (s *Server) authenticate(r *http.Request) (*Client, string) {
	if r.PostForm.Has("client_assertion_type") || r.PostForm.Has("client_assertion") {
		return s.authenticateAssertion(r)
	}
	if c := s.client(r.PostForm.Get("client_id")); c != nil && c.TLSCertThumbprint != "" {
		// RFC 8705 2.2: the certificate the client registered, presented.
		if certThumbprint(r) == "" || certThumbprint(r) != c.TLSCertThumbprint {
			return nil, "self_signed_tls_client_auth: present the client's registered certificate"
		}
		return c, ""
	}
	id, secret, basic := r.BasicAuth()
	method := "client_secret_basic"
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		method = "client_secret_post"
		if secret == "" {
			method = "none"
		}
	}
	c := s.client(id)
	switch {
	case c == nil:
		return nil, "unknown client"
	case c.AuthMethod != "" && c.AuthMethod != method:
		return nil, "the client is registered for " + c.AuthMethod + ", not " + method
	case c.JWKS != nil:
		return nil, "the client authenticates with private_key_jwt"
	case c.Secret == "" && secret == "":
		return c, ""
	case c.Secret == "":
		return nil, "a public client sends no secret"
	case subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1:
		return nil, "wrong client secret"
	}
	return c, ""
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	f := s.faults()
	if f.Slow > 0 {
		select {
		case <-time.After(f.Slow):
		case <-r.Context().Done():
			return
		}
	}
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "POST an application/x-www-form-urlencoded body")
		return
	}
	s.count("/token grant_type=" + r.PostForm.Get("grant_type"))
	if f.TokenHTML {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html><body>Bad Gateway</body></html>"))
		return
	}
	if f.SPAOrigin && r.Header.Get("Origin") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.")
		return
	}
	// The DPoP proof first: a nonce asked for must not cost the client
	// the assertion it authenticates with (its jti is spent below).
	jkt, derr := s.checkDPoP(r, "")
	if derr != nil {
		s.dpopFail(w, derr, false)
		return
	}
	c, why := s.authenticate(r)
	if c == nil {
		clientError(w, r, why)
		return
	}
	// token-error: for a code or refresh token, as its login says, and
	// before it is spent, so the client may try again.
	gt := r.PostForm.Get("grant_type")
	if f.TokenError && gt != "authorization_code" && gt != "refresh_token" && gt != "urn:ietf:params:oauth:grant-type:device_code" {
		oauthError(w, http.StatusBadRequest, "invalid_grant", tokenErrorFault)
		return
	}
	cert := certThumbprint(r)
	// bound says why a code or refresh token bound to a DPoP key or a
	// certificate is refused this time, before it is spent: a request
	// without the proof must not burn it (and with it, the login).
	bound := func(g *grant) string {
		switch {
		case g.jkt != "" && jkt != g.jkt:
			return "the grant is bound to a DPoP key this request does not prove (RFC 9449 5)"
		case g.x5t != "" && cert != g.x5t:
			return "the grant is bound to a client certificate this request does not present (RFC 8705 3)"
		}
		return ""
	}
	var g *grant
	switch gt {
	case "authorization_code":
		code := r.PostForm.Get("code")
		s.mu.Lock()
		g = s.codes[code]
		if g != nil && s.faultsOf(g).TokenError {
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_grant", tokenErrorFault)
			return
		}
		if g != nil && bound(g) != "" {
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_grant", bound(g))
			return
		}
		delete(s.codes, code) // single use
		replay := g == nil && s.replayed(code)
		if g != nil {
			s.spend(code, g.sid)
		}
		s.mu.Unlock()
		if replay {
			// RFC 6749 4.1.2: a code used twice revokes what it gave.
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code was already used: the tokens issued with it are revoked")
			return
		}
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		switch {
		case g == nil || s.cfg.Now().After(g.expires):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code is unknown, used or expired")
			return
		case g.client.ID != c.ID:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code was issued to another client")
			return
		case r.PostForm.Get("redirect_uri") != g.redirectURI:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
			return
		case g.challenge == "" && r.PostForm.Has("code_verifier"):
			// RFC 9700 2.1.1: a verifier for a request without a
			// challenge is a downgrade attempt.
			oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE: a code_verifier was sent but the authorization request had no code_challenge")
			return
		case g.challenge != "" && !pkceValue(r.PostForm.Get("code_verifier")):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE: code_verifier must be 43 to 128 unreserved characters (RFC 7636 4.1)")
			return
		case g.challenge != "" && g.method == "plain" && r.PostForm.Get("code_verifier") != g.challenge:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE: the code_verifier does not match the code_challenge (plain)")
			return
		case g.challenge != "" && g.method != "plain" && base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE: the code_verifier does not match the code_challenge")
			return
		}
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		s.mu.Lock()
		g = s.refresh[rt]
		if g != nil && s.faultsOf(g).TokenError {
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_grant", tokenErrorFault)
			return
		}
		if g != nil && (s.faultsOf(g).RefreshExpired || s.cfg.Now().After(g.expires)) {
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token expired")
			return
		}
		if g != nil && bound(g) != "" {
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_grant", bound(g))
			return
		}
		delete(s.refresh, rt) // rotation: each refresh token works once
		replay := g == nil && s.replayed(rt)
		if g != nil {
			s.spend(rt, g.sid)
			if _, gone := s.familyRevoked[g.sid]; gone {
				g = nil
			}
		}
		s.mu.Unlock()
		if replay {
			// RFC 9700 4.14.2: a rotated refresh token used again means it
			// leaked; its whole family goes.
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token was already used: every token of this login is revoked")
			return
		}
		if g == nil || g.client.ID != c.ID || s.revokedToken(rt) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is unknown, used or revoked")
			return
		}
	case "urn:ietf:params:oauth:grant-type:device_code":
		var ok bool
		if g, ok = s.devicePoll(w, c, r.PostForm.Get("device_code")); !ok {
			return
		}
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		if g = s.jwtBearer(w, r, c); g == nil {
			return
		}
	case "urn:ietf:params:oauth:grant-type:token-exchange":
		if g = s.exchange(w, r, c, jkt, cert); g == nil {
			return
		}
	case "client_credentials":
		if !c.confidential() {
			oauthError(w, http.StatusBadRequest, "unauthorized_client", "client_credentials needs a confidential client")
			return
		}
		details, why := authorizationDetails(r.PostForm.Get("authorization_details"))
		if why != "" {
			oauthError(w, http.StatusBadRequest, "invalid_authorization_details", why)
			return
		}
		g = &grant{client: c, scope: r.PostForm.Get("scope"), resource: r.PostForm["resource"], authzDetails: details}
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type "+gt+" is not supported")
		return
	}
	// RFC 8707: a token request may narrow the resources authorized, not
	// widen them; the shared grant is not changed.
	cp := *g
	if res := r.PostForm["resource"]; len(res) > 0 {
		for _, rsc := range res {
			u, err := url.Parse(rsc)
			if err != nil || !u.IsAbs() || u.Fragment != "" {
				oauthError(w, http.StatusBadRequest, "invalid_target", fmt.Sprintf("resource %q is not an absolute URI without a fragment", rsc))
				return
			}
			if len(g.resource) > 0 && !slices.Contains(g.resource, rsc) {
				oauthError(w, http.StatusBadRequest, "invalid_target", fmt.Sprintf("resource %q was not authorized", rsc))
				return
			}
		}
		cp.resource = res
	}
	cp.jkt = jkt
	cp.refreshed = gt == "refresh_token"
	if strings.HasPrefix(s.issuer, "https://") {
		cp.x5t = cert // certificate-bound (RFC 8705 3)
	}
	s.issue(w, &cp)
}

func (s *Server) revokedToken(t string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, revoked := s.revoked[t]
	return revoked
}

// issue answers a token request for a grant.
func (s *Server) issue(w http.ResponseWriter, g *grant) {
	at, err := s.accessToken(g)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	f := s.faultsOf(g)
	var expiresIn any = int(s.cfg.TokenTTL / time.Second)
	switch {
	case f.ExpiresInString:
		expiresIn = fmt.Sprint(expiresIn)
	case f.ExpiresInNanos:
		expiresIn = int64(s.cfg.TokenTTL)
	}
	tokenType := "Bearer"
	if g.jkt != "" {
		tokenType = "DPoP"
	}
	resp := map[string]any{"access_token": at, "token_type": tokenType, "expires_in": expiresIn, "scope": g.scope}
	if f.HugeTokenResponse {
		resp["padding"] = strings.Repeat("x", 2<<20)
	}
	if g.exchanged {
		resp["issued_token_type"] = "urn:ietf:params:oauth:token-type:access_token"
	}
	if g.authzDetails != nil {
		resp["authorization_details"] = g.authzDetails // RFC 9396 7: as granted
	}
	if g.user != nil && hasScope(g.scope, "openid") && !f.NoIDToken && !g.exchanged {
		idt, err := s.idToken(g, at)
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		resp["id_token"] = idt
	}
	if g.user != nil && hasScope(g.scope, "offline_access") && !g.exchanged {
		rt := random(32)
		s.mu.Lock()
		rg := *g // a refresh token lives longer than the code it came from
		rg.expires = s.cfg.Now().Add(refreshTTL)
		s.refresh[rt] = &rg
		s.mu.Unlock()
		resp["refresh_token"] = rt
	}
	writeJSON(w, http.StatusOK, resp)
}

func bearer(r *http.Request) string {
	if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token)
	}
	return ""
}

func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	tok, scheme := bearer(r), "Bearer"
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "DPoP "); ok {
		tok, scheme = strings.TrimSpace(t), "DPoP"
	}
	if tok == "" {
		// RFC 6750 3.1: no error code when no token was sent at all.
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+s.issuer+`"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	g, ok := s.checkAccessToken(tok)
	if !ok || g.user == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_token", "send a valid access token issued for a user")
		return
	}
	if !s.bound(w, r, g, tok, scheme) {
		return
	}
	f := s.faultsOf(g)
	if f.UserinfoInsufficientScope {
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", error_description="fault userinfo-insufficient-scope: userinfo wants more scope", scope="`+userinfoWantedScope+`"`)
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope", "error_description": "fault userinfo-insufficient-scope: userinfo wants the scope " + userinfoWantedScope})
		return
	}
	claims := map[string]any{"sub": g.user.Sub}
	if f.NoUserinfoSub {
		claims["sub"] = "someone-else"
	}
	userClaims(g.user, g.scope, claims)
	patch(claims, g.extra)
	if f.UserinfoEncrypted && g.client.UserinfoEncryptionKey == nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "fault userinfo-encrypted: client "+g.client.ID+" registered no userinfo_encryption_key to encrypt to")
		return
	}
	if f.UserinfoJWT || f.UserinfoEncrypted {
		// OIDC Core 5.3.2: a signed response carries iss and aud.
		claims["iss"], claims["aud"] = s.tokenIssuer(f), g.client.ID
		jwt, err := s.sign(f, "JWT", claims, false)
		if err == nil && f.UserinfoEncrypted {
			jwt, err = encryptTo(g.client.UserinfoEncryptionKey, jwt)
		}
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/jwt")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte(jwt))
		return
	}
	writeJSON(w, http.StatusOK, claims)
}

// encryptTo encrypts a signed JWT to a client's public key: a nested JWT
// (RFC 7519 5.2, cty JWT), as OIDC Core 5.3.2 has userinfo signed then
// encrypted.
func encryptTo(key *jose.JSONWebKey, jwt string) (string, error) {
	alg := jose.KeyAlgorithm(key.Algorithm)
	if alg == "" {
		alg = jose.RSA_OAEP_256
		if _, ec := key.Key.(*ecdsa.PublicKey); ec {
			alg = jose.ECDH_ES_A256KW
		}
	}
	opts := (&jose.EncrypterOptions{}).WithContentType("JWT")
	if key.KeyID != "" {
		opts = opts.WithHeader("kid", key.KeyID)
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: alg, Key: key.Key}, opts)
	if err != nil {
		return "", fmt.Errorf("encrypting userinfo to the client's key: %v", err)
	}
	obj, err := enc.Encrypt([]byte(jwt))
	if err != nil {
		return "", fmt.Errorf("encrypting userinfo to the client's key: %v", err)
	}
	return obj.CompactSerialize()
}

// bound checks a token presented to a resource (userinfo, /mcp) against
// what it is bound to: a client certificate (RFC 8705 3), a DPoP key
// (RFC 9449 7), and answers the refusal; false when it refused.
func (s *Server) bound(w http.ResponseWriter, r *http.Request, g *grant, tok, scheme string) bool {
	switch {
	case g.x5t != "" && certThumbprint(r) != g.x5t:
		oauthError(w, http.StatusUnauthorized, "invalid_token", "the token is bound to a client certificate this request does not present (RFC 8705 3)")
		return false
	case g.jkt != "" && scheme != "DPoP":
		// The DPoP scheme in the challenge tells the client what it lacks
		// (RFC 9449 7.1), where a Bearer one reads as a bad token.
		s.dpopFail(w, &dpopError{"invalid_token", "a DPoP-bound token goes with the DPoP scheme and a proof (RFC 9449 7.1)"}, true)
		return false
	case scheme == "DPoP":
		jkt, derr := s.checkDPoP(r, tok)
		switch {
		case derr != nil:
			s.dpopFail(w, derr, true)
			return false
		case jkt == "" || jkt != g.jkt:
			s.dpopFail(w, &dpopError{"invalid_token", "the proof's key is not the one the token is bound to"}, true)
			return false
		}
	}
	return true
}

// introspect answers RFC 7662 for the issuer's own access and refresh
// tokens; clients must authenticate.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "POST a form")
		return
	}
	c, why := s.authenticate(r)
	if c == nil || !c.confidential() {
		if c != nil {
			why = "introspection needs a confidential client (RFC 7662 2.1)"
		}
		oauthError(w, http.StatusUnauthorized, "invalid_client", why)
		return
	}
	tok := r.PostForm.Get("token")
	s.mu.Lock()
	rg := s.refresh[tok]
	s.mu.Unlock()
	g, ok := s.checkAccessToken(tok)
	if rg != nil && !s.revokedToken(tok) {
		g, ok = rg, true
	}
	resp := map[string]any{"active": false}
	if ok {
		resp = map[string]any{"active": true, "client_id": g.client.ID, "scope": g.scope, "iss": s.issuer, "token_type": "Bearer"}
		if g.user != nil {
			resp["sub"] = g.user.Sub
		}
		if !g.expires.IsZero() {
			resp["exp"] = g.expires.Unix()
		}
	}
	if strings.Contains(r.Header.Get("Accept"), "application/token-introspection+jwt") {
		// RFC 9701 5: the answer signed, for the client that asked.
		f := s.faults()
		claims := map[string]any{"iss": s.issuer, "aud": c.ID, "iat": s.cfg.Now().Unix(), "token_introspection": resp}
		jwt, err := s.sign(f, "token-introspection+jwt", claims, false)
		if err == nil && f.IntrospectionTampered {
			resp["active"], resp["scope"] = true, "openid admin"
			jwt, err = replacePayload(jwt, claims)
		}
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/token-introspection+jwt")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte(jwt))
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// replacePayload puts claims in place of a signed JWT's payload and
// keeps its header and signature: what an attacker on the path would
// send (the introspection-tampered fault).
func replacePayload(jwt string, claims map[string]any) (string, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return "", errors.New("not a compact JWS")
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, "."), nil
}

// revoke answers RFC 7009: always 200, whether or not the token was known.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "POST a form")
		return
	}
	c, why := s.authenticate(r)
	if c == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", why)
		return
	}
	// RFC 7009 2.1: only the client the token was issued to may revoke
	// it; anything else is answered 200 and ignored.
	tok := r.PostForm.Get("token")
	s.mu.Lock()
	if g := s.refresh[tok]; g != nil && g.client.ID == c.ID {
		delete(s.refresh, tok)
		s.revokeFamily(g.sid) // RFC 7009 2.1: and the access tokens of that grant
	}
	if g := s.opaque[tok]; g != nil && g.client.ID == c.ID {
		delete(s.opaque, tok)
	}
	s.mu.Unlock()
	if g, ok := s.checkAccessToken(tok); ok && g.client.ID == c.ID {
		s.mu.Lock()
		s.revoked[tok] = g.expires // kept until the token would expire anyway
		s.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

// adminFaults shows (GET) or replaces (PUT or POST, a body of
// comma-separated NAME[=VALUE], empty for none) the faults while the issuer
// runs, so one test can switch them between requests.
func (s *Server) adminFaults(w http.ResponseWriter, r *http.Request) {
	// Not from web pages: browsers send Origin on cross-site requests, a
	// rebound DNS name shows in Host.
	if r.Header.Get("Origin") != "" || !strings.HasSuffix(s.issuer, "://"+r.Host) {
		http.Error(w, "the admin endpoint takes requests from tools on this machine only", http.StatusForbidden)
		return
	}
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut:
		body, err := io.ReadAll(r.Body)
		if err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		var f Faults
		for _, spec := range strings.FieldsFunc(string(body), func(r rune) bool { return r == ',' || r == '\n' || r == ' ' }) {
			if err := f.Set(spec); err != nil {
				oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
				return
			}
		}
		s.SetFaults(f)
	default:
		http.Error(w, "use GET, or PUT a list of faults", http.StatusMethodNotAllowed)
		return
	}
	active := s.faults().Active()
	if active == nil {
		active = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"faults": active})
}

// clientOfToken reads the azp (or aud) of an ID token hint this issuer
// signed.
func (s *Server) clientOfToken(token string) *Client {
	payload, ok := s.verified(token)
	if !ok {
		return nil
	}
	var c struct {
		Azp string `json:"azp"`
		Aud any    `json:"aud"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return nil
	}
	if c.Azp != "" {
		return s.client(c.Azp)
	}
	if aud, ok := c.Aud.(string); ok {
		return s.client(aud)
	}
	return nil
}

// deviceAuthorization starts an RFC 8628 device flow.
func (s *Server) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "POST a form")
		return
	}
	c, why := s.authenticate(r)
	if c == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", why)
		return
	}
	userCode := s.newUserCode()
	deviceCode := random(32)
	d := &deviceRequest{client: c, userCode: userCode, scope: r.PostForm.Get("scope"), expires: s.cfg.Now().Add(10 * time.Minute), interval: s.cfg.DeviceInterval}
	if s.cfg.AutoApprove { // as the code flow: the first user, at once
		d.user, d.approved = &s.cfg.Users[0], s.cfg.Now()
	}
	s.mu.Lock()
	s.devices[deviceCode] = d
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"device_code": deviceCode, "user_code": userCode,
		"verification_uri":          s.issuer + "/device",
		"verification_uri_complete": s.issuer + "/device?user_code=" + url.QueryEscape(userCode),
		"expires_in":                600, "interval": int(d.interval / time.Second),
	})
}

func (s *Server) deviceByUserCode(code string) *deviceRequest {
	code = strings.ToUpper(strings.TrimSpace(code))
	for _, d := range s.devices {
		if d.userCode == code {
			return d
		}
	}
	return nil
}

// devicePoll answers a device_code token request (RFC 8628 3.5).
func (s *Server) devicePoll(w http.ResponseWriter, c *Client, deviceCode string) (*grant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.devices[deviceCode]
	now := s.cfg.Now()
	switch {
	case d == nil || d.client.ID != c.ID:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown device_code")
	case now.After(d.expires):
		delete(s.devices, deviceCode)
		oauthError(w, http.StatusBadRequest, "expired_token", "the device code expired")
	case d.denied:
		delete(s.devices, deviceCode)
		oauthError(w, http.StatusBadRequest, "access_denied", "the user cancelled")
	case d.user == nil && !d.lastPoll.IsZero() && now.Sub(d.lastPoll) < d.interval:
		d.lastPoll = now
		d.interval += 5 * time.Second
		oauthError(w, http.StatusBadRequest, "slow_down", fmt.Sprintf("poll at most every %s", d.interval))
	case d.user == nil:
		d.lastPoll = now
		oauthError(w, http.StatusBadRequest, "authorization_pending", "the user has not finished yet")
	case s.faultsOf(&grant{choice: d.choice}).TokenError:
		// Not spent: the client may poll again.
		oauthError(w, http.StatusBadRequest, "invalid_grant", tokenErrorFault)
	default:
		delete(s.devices, deviceCode) // single use
		return &grant{client: c, user: d.user, scope: d.scope, authTime: d.approved, sid: random(12), choice: d.choice}, true
	}
	return nil, false
}

// pkceValue: 43 to 128 unreserved characters (RFC 7636 4.1, 4.2).
func pkceValue(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// newUserCode is XXXX-XXXX from 20 consonants (no words, RFC 8628 6.1),
// uniformly drawn, unique among the device requests in progress.
func (s *Server) newUserCode() string {
	const alphabet = "BCDFGHJKLMNPQRSTVWXZ"
	for {
		code := make([]byte, 0, 9)
		for len(code) < 9 {
			if len(code) == 4 {
				code = append(code, '-')
				continue
			}
			var b [1]byte
			_, _ = rand.Read(b[:])
			if int(b[0]) >= 240 { // 240 = 12 * 20: no bias
				continue
			}
			code = append(code, alphabet[int(b[0])%len(alphabet)])
		}
		s.mu.Lock()
		taken := s.deviceByUserCode(string(code)) != nil
		s.mu.Unlock()
		if !taken {
			return string(code)
		}
	}
}

// algs lists the signing algorithm first; OIDC Discovery 3 requires RS256
// in the list.
// publishedAlgs are the algorithms of a key set published in place of the
// issuer's own.
func publishedAlgs(doc []byte) []string {
	var set jose.JSONWebKeySet
	_ = json.Unmarshal(doc, &set)
	var out []string
	for _, k := range set.Keys {
		alg := k.Algorithm
		if alg == "" {
			switch k.Key.(type) {
			case *ecdsa.PublicKey:
				alg = "ES256"
			case ed25519.PublicKey:
				alg = "EdDSA"
			default:
				alg = "RS256"
			}
		}
		if !slices.Contains(out, alg) {
			out = append(out, alg)
		}
	}
	return out
}

func algs(signing string) []string {
	if signing == "RS256" {
		return []string{"RS256"}
	}
	return []string{signing, "RS256"}
}

// pushedRequest is an authorization request pushed ahead (RFC 9126).
type pushedRequest struct {
	clientID string
	params   url.Values
	expires  time.Time
}

// pushedTTL is how long a request_uri lives: long enough to open a
// browser, short as RFC 9126 2.2 advises.
const pushedTTL = 60 * time.Second

// pushAuthorization takes an authorization request's parameters on the
// back channel, from an authenticated client, and answers a request_uri
// (RFC 9126 2); the request is checked when it is used, as any other.
func (s *Server) pushAuthorization(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "POST a form")
		return
	}
	c, why := s.authenticate(r)
	if c == nil {
		clientError(w, r, why)
		return
	}
	if r.PostForm.Has("request_uri") {
		oauthError(w, http.StatusBadRequest, "invalid_request", "request_uri cannot be pushed (RFC 9126 2.1)")
		return
	}
	params := url.Values{}
	for k, v := range r.PostForm {
		switch k {
		case "client_secret", "client_assertion", "client_assertion_type":
			continue // authentication, not the request
		}
		params[k] = v
	}
	params.Set("client_id", c.ID)
	if params.Has("request") {
		obj, why := s.requestObjectParams(r, params)
		if obj == nil {
			oauthError(w, http.StatusBadRequest, "invalid_request_object", why)
			return
		}
		params = obj
	}
	if !c.redirectAllowed(params.Get("redirect_uri")) {
		oauthError(w, http.StatusBadRequest, "invalid_request", "redirect_uri is not registered for the client")
		return
	}
	uri := "urn:ietf:params:oauth:request_uri:" + random(24)
	s.mu.Lock()
	if s.pushed == nil {
		s.pushed = map[string]*pushedRequest{}
	}
	if len(s.pushed) >= maxPending {
		s.mu.Unlock()
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "too many pushed requests")
		return
	}
	s.pushed[uri] = &pushedRequest{clientID: c.ID, params: params, expires: s.cfg.Now().Add(pushedTTL)}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"request_uri": uri, "expires_in": int(pushedTTL / time.Second)})
}

// exchange answers RFC 8693 for the issuer's own access tokens: a
// confidential client trades a subject token (and an actor's, for
// delegation) for an access token for the audience it asks, with at most
// the subject's scopes. It writes the error itself and returns nil then.
func (s *Server) exchange(w http.ResponseWriter, r *http.Request, c *Client, jkt, cert string) *grant {
	f := r.PostForm
	accessType := "urn:ietf:params:oauth:token-type:access_token"
	switch {
	case !c.confidential():
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "token exchange needs a confidential client")
		return nil
	case f.Get("subject_token") == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "subject_token is missing")
		return nil
	case f.Get("subject_token_type") != accessType:
		oauthError(w, http.StatusBadRequest, "invalid_request", "subject_token_type must be "+accessType+": this issuer exchanges its access tokens")
		return nil
	case f.Has("requested_token_type") && f.Get("requested_token_type") != accessType:
		oauthError(w, http.StatusBadRequest, "invalid_request", "requested_token_type: this issuer issues access tokens only")
		return nil
	}
	subject, ok := s.checkAccessToken(f.Get("subject_token"))
	switch {
	case !ok:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the subject token is not a valid access token of this issuer")
		return nil
	// A sender-constrained token stays so: whoever exchanges it proves
	// what it is bound to.
	case subject.jkt != "" && jkt != subject.jkt:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the subject token is bound to a DPoP key: prove it (RFC 9449)")
		return nil
	case subject.x5t != "" && cert != subject.x5t:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the subject token is bound to a client certificate: present it (RFC 8705)")
		return nil
	}
	g := &grant{client: c, user: subject.user, scope: subject.scope, exchanged: true, choice: subject.choice}
	if sc := f.Get("scope"); sc != "" {
		for _, want := range strings.Fields(sc) {
			if !hasScope(subject.scope, want) {
				oauthError(w, http.StatusBadRequest, "invalid_scope", "scope "+want+" is more than the subject token has")
				return nil
			}
		}
		g.scope = sc
	}
	if t := f.Get("actor_token"); t != "" {
		actor, ok := s.checkAccessToken(t)
		if !ok || f.Get("actor_token_type") != accessType {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the actor token is not a valid access token of this issuer")
			return nil
		}
		g.act = actor.client.ID
		if actor.user != nil {
			g.act = actor.user.Sub
		}
	}
	g.resource = append(f["resource"], f["audience"]...)
	if len(g.resource) == 0 {
		oauthError(w, http.StatusBadRequest, "invalid_target", "say which API the new token is for: resource or audience")
		return nil
	}
	return g
}

// authorizationDetails reads RFC 9396's parameter: a JSON array of
// objects, each with a string type. "" is none.
func authorizationDetails(raw string) (json.RawMessage, string) {
	if raw == "" {
		return nil, ""
	}
	var details []map[string]any
	if json.Unmarshal([]byte(raw), &details) != nil || len(details) == 0 {
		return nil, "authorization_details must be a JSON array of objects (RFC 9396 2)"
	}
	for i, d := range details {
		if t, _ := d["type"].(string); t == "" {
			return nil, fmt.Sprintf("authorization_details[%d] has no type", i)
		}
	}
	return json.RawMessage(raw), ""
}

// certThumbprint is the x5t#S256 of the TLS client certificate of a
// request, "" when none was presented.
func certThumbprint(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return ""
	}
	sum := sha256.Sum256(r.TLS.PeerCertificates[0].Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
