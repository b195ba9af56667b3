package issuer

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxBody bounds request bodies: forms are small.
const maxBody = 64 << 10

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	}
	switch r.URL.Path {
	case "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server":
		s.discovery(w)
	case "/jwks":
		w.Header().Set("Cache-Control", "max-age=300")
		writeJSON(w, http.StatusOK, s.publicKeys())
	case "/authorize":
		s.authorize(w, r)
	case "/interaction":
		s.interaction(w, r)
	case "/token":
		s.token(w, r)
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
	case "/device_authorization":
		s.deviceAuthorization(w, r)
	case "/device":
		s.devicePage(w, r)
	case "/":
		page(w, http.StatusOK, "oidc serve", "A local OpenID Provider. Discovery: "+s.issuer+"/.well-known/openid-configuration")
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthError writes an RFC 6749 5.2 error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="`+code+`"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func page(w http.ResponseWriter, status int, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action *")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><title>%s</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em}button{font:inherit;padding:.4em 1em;margin:.2em}</style>
</head><body><h1>%s</h1>%s</body></html>
`, html.EscapeString(title), html.EscapeString(title), body)
}

func (s *Server) discovery(w http.ResponseWriter) {
	iss := s.issuer
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                         iss,
		"authorization_endpoint":                         iss + "/authorize",
		"token_endpoint":                                 iss + "/token",
		"userinfo_endpoint":                              iss + "/userinfo",
		"jwks_uri":                                       iss + "/jwks",
		"introspection_endpoint":                         iss + "/introspect",
		"revocation_endpoint":                            iss + "/revoke",
		"end_session_endpoint":                           iss + "/end_session",
		"device_authorization_endpoint":                  iss + "/device_authorization",
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query", "form_post"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"},
		"subject_types_supported":                        []string{"public"},
		"id_token_signing_alg_values_supported":          []string{s.signingKey().Algorithm},
		"token_endpoint_auth_methods_supported":          []string{"none", "client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":               []string{"S256"},
		"scopes_supported":                               append([]string{"openid", "profile", "email", "groups", "offline_access"}, s.cfg.Scopes...),
		"claims_supported":                               []string{"sub", "name", "preferred_username", "email", "email_verified", "groups", "auth_time", "sid", "nonce", "at_hash", "azp"},
		"authorization_response_iss_parameter_supported": true,
	})
}

// authorize validates the request (errors before the redirect URI is known
// to be the client's are a page, never a redirect), then logs in.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
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
		challenge: q.Get("code_challenge"), scope: q.Get("scope"), responseMode: q.Get("response_mode"), resource: q["resource"], created: s.cfg.Now()}
	fail := func(code, desc string) { s.respond(w, req, url.Values{"error": {code}, "error_description": {desc}}) }
	switch {
	case req.responseMode != "" && req.responseMode != "query" && req.responseMode != "form_post":
		req.responseMode = ""
		fail("invalid_request", "response_mode must be query or form_post")
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only the code flow: response_type=code")
	case req.challenge == "" && c.Secret == "":
		fail("invalid_request", "PKCE is required for public clients: send code_challenge with code_challenge_method=S256")
	case req.challenge != "" && q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
	case q.Get("prompt") == "none" && !s.cfg.AutoApprove:
		fail("login_required", "prompt=none, and no one is logged in")
	default:
		if s.cfg.AutoApprove {
			s.approve(w, req, &s.cfg.Users[0])
			return
		}
		id := random(16)
		s.mu.Lock()
		s.pending[id] = req
		s.mu.Unlock()
		s.loginPage(w, id, q.Get("login_hint"))
	}
}

func (s *Server) loginPage(w http.ResponseWriter, id, hint string) {
	var b strings.Builder
	b.WriteString(`<p>Log in to this test issuer as:</p><form method="post" action="/interaction">`)
	b.WriteString(`<input type="hidden" name="interaction" value="` + html.EscapeString(id) + `">`)
	for _, u := range s.cfg.Users {
		autofocus := ""
		if u.Sub == hint {
			autofocus = " autofocus"
		}
		fmt.Fprintf(&b, `<button type="submit" name="user" value="%s"%s>%s (%s)</button>`, html.EscapeString(u.Sub), autofocus, html.EscapeString(u.Name), html.EscapeString(u.Sub))
	}
	b.WriteString(`<button type="submit" name="deny" value="1">Cancel</button></form>`)
	page(w, http.StatusOK, "Log in", b.String())
}

// interaction takes the login page's answer.
func (s *Server) interaction(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		page(w, http.StatusBadRequest, "Bad request", "Log in from the page the issuer showed.")
		return
	}
	id := r.PostForm.Get("interaction")
	s.mu.Lock()
	req := s.pending[id]
	delete(s.pending, id)
	s.mu.Unlock()
	if req == nil || s.cfg.Now().Sub(req.created) > 10*time.Minute {
		page(w, http.StatusBadRequest, "Login expired", "Start the login again from the application.")
		return
	}
	if r.PostForm.Get("deny") != "" {
		s.respond(w, req, url.Values{"error": {"access_denied"}, "error_description": {"the user cancelled the login"}})
		return
	}
	u := req.user
	if u == nil {
		if u = s.user(r.PostForm.Get("user")); u == nil {
			page(w, http.StatusBadRequest, "Unknown user", "Pick one of the users on the login page.")
			return
		}
		if !req.client.SkipConsent {
			req.user = u
			s.consentPage(w, req)
			return
		}
	}
	s.approve(w, req, u)
}

// consentPage asks the logged-in user to let the client have the scopes.
func (s *Server) consentPage(w http.ResponseWriter, req *authRequest) {
	id := random(16)
	s.mu.Lock()
	s.pending[id] = req
	s.mu.Unlock()
	scopes := html.EscapeString(req.scope)
	if scopes == "" {
		scopes = "(none)"
	}
	page(w, http.StatusOK, "Allow access?", fmt.Sprintf(`<p>%s asks for: %s</p><form method="post" action="/interaction">
<input type="hidden" name="interaction" value="%s"><input type="hidden" name="consent" value="yes">
<button type="submit">Allow</button><button type="submit" name="deny" value="1">Deny</button></form>`,
		html.EscapeString(req.client.ID), scopes, html.EscapeString(id)))
}

// approve issues a code and sends the browser back to the client.
func (s *Server) approve(w http.ResponseWriter, req *authRequest, u *User) {
	code := random(32)
	g := &grant{client: req.client, user: u, scope: req.scope, nonce: req.nonce, resource: req.resource,
		authTime: s.cfg.Now(), sid: random(12), expires: s.cfg.Now().Add(time.Minute), challenge: req.challenge, redirectURI: req.redirectURI}
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
		page(w, http.StatusOK, "Continue to the application", b.String())
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
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c := s.client(id)
	switch {
	case c == nil:
		return nil, "unknown client"
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
	c, why := s.authenticate(r)
	if c == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", why)
		return
	}
	if f.TokenError {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "fault token-error: this issuer refuses every grant")
		return
	}
	var g *grant
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "authorization_code":
		code := r.PostForm.Get("code")
		s.mu.Lock()
		g = s.codes[code]
		delete(s.codes, code) // single use
		s.mu.Unlock()
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
		case g.challenge != "" && base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE: the code_verifier does not match the code_challenge")
			return
		}
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		s.mu.Lock()
		g = s.refresh[rt]
		delete(s.refresh, rt) // rotation: each refresh token works once
		s.mu.Unlock()
		if g == nil || g.client.ID != c.ID || s.revokedToken(rt) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is unknown, used or revoked")
			return
		}
	case "urn:ietf:params:oauth:grant-type:device_code":
		var ok bool
		if g, ok = s.devicePoll(w, c, r.PostForm.Get("device_code")); !ok {
			return
		}
	case "client_credentials":
		if c.Secret == "" {
			oauthError(w, http.StatusUnauthorized, "unauthorized_client", "client_credentials needs a confidential client")
			return
		}
		g = &grant{client: c, scope: r.PostForm.Get("scope"), resource: r.PostForm["resource"]}
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type "+gt+" is not supported")
		return
	}
	if res := r.PostForm["resource"]; len(res) > 0 {
		g.resource = res
	}
	s.issue(w, g)
}

func (s *Server) revokedToken(t string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revoked[t]
}

// issue answers a token request for a grant.
func (s *Server) issue(w http.ResponseWriter, g *grant) {
	at, err := s.accessToken(g)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	var expiresIn any = int(s.cfg.TokenTTL / time.Second)
	if s.faults().ExpiresInString {
		expiresIn = fmt.Sprint(expiresIn)
	}
	resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": expiresIn, "scope": g.scope}
	if g.user != nil && hasScope(g.scope, "openid") {
		idt, err := s.idToken(g, at)
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		resp["id_token"] = idt
	}
	if g.user != nil && hasScope(g.scope, "offline_access") {
		rt := random(32)
		s.mu.Lock()
		s.refresh[rt] = g
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
	g, ok := s.checkAccessToken(bearer(r))
	if !ok || g.user == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_token", "send a valid access token issued for a user")
		return
	}
	claims := map[string]any{"sub": g.user.Sub}
	if s.faults().NoUserinfoSub {
		claims["sub"] = "someone-else"
	}
	userClaims(g.user, g.scope, claims)
	writeJSON(w, http.StatusOK, claims)
}

// introspect answers RFC 7662 for the issuer's own access and refresh
// tokens; clients must authenticate.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "POST a form")
		return
	}
	if c, why := s.authenticate(r); c == nil {
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
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	resp := map[string]any{"active": true, "client_id": g.client.ID, "scope": g.scope, "iss": s.issuer, "token_type": "Bearer"}
	if g.user != nil {
		resp["sub"] = g.user.Sub
	}
	if !g.expires.IsZero() {
		resp["exp"] = g.expires.Unix()
	}
	writeJSON(w, http.StatusOK, resp)
}

// revoke answers RFC 7009: always 200, whether or not the token was known.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "POST a form")
		return
	}
	if c, why := s.authenticate(r); c == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", why)
		return
	}
	s.mu.Lock()
	s.revoked[r.PostForm.Get("token")] = true
	delete(s.refresh, r.PostForm.Get("token"))
	delete(s.opaque, r.PostForm.Get("token"))
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// adminFaults shows (GET) or replaces (PUT or POST, a body of
// comma-separated NAME[=VALUE], empty for none) the faults while the issuer
// runs, so one test can switch them between requests.
func (s *Server) adminFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut, http.MethodPost:
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

// endSession is RP-initiated logout: the issuer keeps no sessions, so it
// only sends the browser back to a loopback URI of a known client, with
// state.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	back := q.Get("post_logout_redirect_uri")
	if back == "" {
		page(w, http.StatusOK, "Signed out", "You are signed out of this test issuer.")
		return
	}
	c := s.client(q.Get("client_id"))
	if c == nil {
		c = s.clientOfToken(q.Get("id_token_hint"))
	}
	u, err := url.Parse(back)
	if c == nil || err != nil || u.Scheme != "http" || !isLoopbackHost(u.Hostname()) {
		page(w, http.StatusBadRequest, "Not signed out", "post_logout_redirect_uri must be a loopback URI of a known client (client_id or id_token_hint).")
		return
	}
	if state := q.Get("state"); state != "" {
		v := u.Query()
		v.Set("state", state)
		u.RawQuery = v.Encode()
	}
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func isLoopbackHost(h string) bool { return h == "127.0.0.1" || h == "::1" || h == "localhost" }

// clientOfToken reads the azp (or aud) of an ID token hint. Only
// registered clients' loopback URIs are ever used, so the hint's signature
// does not matter here.
func (s *Server) clientOfToken(token string) *Client {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
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
	const alphabet = "BCDFGHJKLMNPQRSTVWXZ" // no vowels: no words (RFC 8628 6.1)
	b := []byte(random(8))
	code := make([]byte, 0, 9)
	for i, ch := range b[:8] {
		if i == 4 {
			code = append(code, '-')
		}
		code = append(code, alphabet[int(ch)%len(alphabet)])
	}
	userCode := string(code)
	deviceCode := random(32)
	d := &deviceRequest{client: c, userCode: userCode, scope: r.PostForm.Get("scope"), expires: s.cfg.Now().Add(10 * time.Minute), interval: s.cfg.DeviceInterval}
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

// devicePage is the verification page: the user code (prefilled from
// verification_uri_complete), then a user to log in as, or Cancel. With
// auto-approve, a complete URI approves at once.
func (s *Server) devicePage(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	code := r.Form.Get("user_code")
	s.mu.Lock()
	d := s.deviceByUserCode(code)
	if d != nil && r.Method == http.MethodPost {
		if r.PostForm.Get("deny") != "" {
			d.denied = true
		} else if u := s.user(r.PostForm.Get("user")); u != nil {
			d.user = u
		}
	}
	if d != nil && s.cfg.AutoApprove && d.user == nil && !d.denied {
		d.user = &s.cfg.Users[0]
	}
	done, denied := d != nil && d.user != nil, d != nil && d.denied
	s.mu.Unlock()
	switch {
	case denied:
		page(w, http.StatusOK, "Cancelled", "The device will not be signed in.")
	case done:
		page(w, http.StatusOK, "Device signed in", "You can return to your device.")
	default:
		var b strings.Builder
		fmt.Fprintf(&b, `<form method="post" action="/device"><p><label>Code <input name="user_code" value="%s" autofocus></label></p>`, html.EscapeString(code))
		for _, u := range s.cfg.Users {
			fmt.Fprintf(&b, `<button type="submit" name="user" value="%s">%s (%s)</button>`, html.EscapeString(u.Sub), html.EscapeString(u.Name), html.EscapeString(u.Sub))
		}
		b.WriteString(`<button type="submit" name="deny" value="1">Cancel</button></form>`)
		status := http.StatusOK
		if code != "" && d == nil {
			status = http.StatusBadRequest
			b.WriteString("<p>That code is unknown or expired.</p>")
		}
		page(w, status, "Sign in a device", b.String())
	}
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
	default:
		delete(s.devices, deviceCode) // single use
		return &grant{client: c, user: d.user, scope: d.scope, authTime: now, sid: random(12)}, true
	}
	return nil, false
}
