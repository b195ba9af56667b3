package issuer

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func start(t *testing.T, cfg Config) *httptest.Server {
	t.Helper()
	_, srv := startServer(t, cfg)
	return srv
}

// startServer is start, with the issuer's state too.
func startServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	s.SetIssuer(srv.URL)
	t.Cleanup(srv.Close)
	return s, srv
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func challenge(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// code runs an auto-approved authorization and returns the redirect.
func authorize(t *testing.T, srv *httptest.Server, q url.Values) *url.URL {
	t.Helper()
	resp, err := noRedirect.Get(srv.URL + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %s", resp.Status)
	}
	u, _ := url.Parse(resp.Header.Get("Location"))
	return u
}

func tokenRequest(t *testing.T, srv *httptest.Server, form url.Values, user, pass string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestAuthorizationCodeProtocol(t *testing.T) {
	srv := start(t, Config{AutoApprove: true})
	redirect := "http://127.0.0.1:55555/callback"
	q := url.Values{"client_id": {"oidc-cli"}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid offline_access"},
		"state": {"s"}, "nonce": {"n"}, "code_challenge": {challenge("verifier-verifier-verifier-verifier-verifier")}, "code_challenge_method": {"S256"}}

	// Loopback redirect URIs accept any port; iss and state come back.
	u := authorize(t, srv, q)
	code := u.Query().Get("code")
	if code == "" || u.Query().Get("state") != "s" || u.Query().Get("iss") != srv.URL || u.Port() != "55555" {
		t.Fatalf("redirect %s", u)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "client_id": {"oidc-cli"}}
	form.Set("code_verifier", "wrong-verifier")
	if st, body := tokenRequest(t, srv, form, "", ""); st != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %v", st, body)
	}
	// The code was spent by the failed attempt too: single use.
	form.Set("code_verifier", "verifier-verifier-verifier-verifier-verifier")
	if st, body := tokenRequest(t, srv, form, "", ""); st != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("replayed code: %d %v", st, body)
	}
	form.Set("code", authorize(t, srv, q).Query().Get("code"))
	st, body := tokenRequest(t, srv, form, "", "")
	if st != 200 || body["id_token"] == nil || body["refresh_token"] == nil || body["token_type"] != "Bearer" {
		t.Fatalf("exchange: %d %v", st, body)
	}
	// Refresh tokens rotate.
	rt := body["refresh_token"].(string)
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"oidc-cli"}}
	if st, body := tokenRequest(t, srv, refresh, "", ""); st != 200 || body["refresh_token"] == nil || body["refresh_token"] == rt {
		t.Fatalf("refresh: %d %v", st, body)
	}
	if st, _ := tokenRequest(t, srv, refresh, "", ""); st != 400 {
		t.Fatalf("a used refresh token worked again: %d", st)
	}
}

func TestAuthorizationErrors(t *testing.T) {
	srv := start(t, Config{AutoApprove: true})
	base := url.Values{"client_id": {"oidc-cli"}, "redirect_uri": {"http://127.0.0.1:1/callback"}, "response_type": {"code"}, "state": {"s"}}
	// No PKCE from a public client: an error redirect.
	u := authorize(t, srv, base)
	if u.Query().Get("error") != "invalid_request" || u.Query().Get("iss") != srv.URL {
		t.Fatalf("no PKCE: %s", u)
	}
	// An unregistered redirect URI or client: a page, never a redirect.
	for _, q := range []url.Values{
		{"client_id": {"oidc-cli"}, "redirect_uri": {"https://evil.example/callback"}, "response_type": {"code"}},
		{"client_id": {"oidc-cli"}, "redirect_uri": {"http://127.0.0.1:1/other"}, "response_type": {"code"}},
		{"client_id": {"nobody"}, "redirect_uri": {"http://127.0.0.1:1/callback"}, "response_type": {"code"}},
	} {
		resp, err := noRedirect.Get(srv.URL + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("%v: %s, location %q", q, resp.Status, resp.Header.Get("Location"))
		}
	}
}

func TestClientsAndTokens(t *testing.T) {
	srv := start(t, Config{AccessTokenFormat: "opaque"})
	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"api"}}
	if st, body := tokenRequest(t, srv, cc, "oidc-cli-confidential", "wrong"); st != 401 || body["error"] != "invalid_client" {
		t.Fatalf("wrong secret: %d %v", st, body)
	}
	if st, body := tokenRequest(t, srv, url.Values{"grant_type": {"client_credentials"}, "client_id": {"oidc-cli"}}, "", ""); st != 400 || body["error"] != "unauthorized_client" {
		t.Fatalf("public client credentials: %d %v", st, body)
	}
	st, body := tokenRequest(t, srv, cc, "oidc-cli-confidential", "oidc-cli-secret")
	if st != 200 || body["id_token"] != nil {
		t.Fatalf("client credentials: %d %v", st, body)
	}
	at := body["access_token"].(string)
	introspect := func() map[string]any {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/introspect", strings.NewReader(url.Values{"token": {at}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("oidc-cli-confidential", "oidc-cli-secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	if got := introspect(); got["active"] != true || got["client_id"] != "oidc-cli-confidential" {
		t.Fatalf("introspection: %v", got)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/revoke", strings.NewReader(url.Values{"token": {at}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("oidc-cli-confidential", "oidc-cli-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", resp, err)
	}
	resp.Body.Close()
	if got := introspect(); got["active"] != false {
		t.Fatalf("a revoked token is active: %v", got)
	}
	// Oversized bodies are refused, not read.
	big := strings.NewReader("grant_type=client_credentials&pad=" + strings.Repeat("x", 1<<20))
	resp, err = http.Post(srv.URL+"/token", "application/x-www-form-urlencoded", big)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "invalid_request") {
		t.Fatalf("oversized body: %s %s", resp.Status, b)
	}
}

// FuzzHandlers: no request makes the issuer panic or fail with a 5xx.
func FuzzHandlers(f *testing.F) {
	for _, seed := range []string{
		"GET /authorize?client_id=oidc-cli&redirect_uri=http://127.0.0.1/callback&response_type=code&code_challenge=x&code_challenge_method=S256",
		"POST /token grant_type=authorization_code&code=x&client_id=oidc-cli",
		"POST /token grant_type=refresh_token&refresh_token=x&client_id=oidc-cli",
		"POST /interaction login=x&user=alice",
		"POST /interaction login=x&csrf=y&user=&subject=carol&claims={}&faults-shown=1&fault=aud",
		"GET /authorize?client_id=oidc-cli&redirect_uri=http://127.0.0.1/callback&response_type=code&code_challenge=x&code_challenge_method=S256&acr_values=%20&login_hint=%00&prompt=consent%20login",
		"GET /device?user_code=BCDF-GHJK", "POST /device user_code=BCDF-GHJK&csrf=x&user=alice",
		"GET /end_session?client_id=oidc-cli&post_logout_redirect_uri=http://127.0.0.1:1/callback",
		"POST /end_session/confirm logout=x&csrf=y&confirm=yes",
		"GET /userinfo", "POST /introspect token=x", "POST /revoke token=x", "GET /.well-known/openid-configuration",
		"POST /token grant_type=client_credentials&client_id=oidc-cli-confidential&client_secret=oidc-cli-secret",
	} {
		f.Add(seed, "Bearer x")
	}
	// One issuer that approves at once, one that shows its pages.
	var servers []*Server
	for _, auto := range []bool{true, false} {
		s, err := New(Config{AutoApprove: auto})
		if err != nil {
			f.Fatal(err)
		}
		s.SetIssuer("http://127.0.0.1:9400")
		servers = append(servers, s)
	}
	f.Fuzz(func(t *testing.T, line, auth string) {
		method, rest, _ := strings.Cut(line, " ")
		target, body, _ := strings.Cut(rest, " ")
		if method != http.MethodGet && method != http.MethodPost {
			method = http.MethodGet
		}
		u, err := url.ParseRequestURI(target)
		if err != nil || !strings.HasPrefix(target, "/") || strings.HasPrefix(u.Path, "/admin") {
			return // the admin endpoint would change faults for every later input
		}
		for _, s := range servers {
			req := httptest.NewRequest(method, u.String(), strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", auth)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body.String())
			}
		}
	})
}

// TestAdminFaults: faults switch while the issuer runs.
func TestAdminFaults(t *testing.T) {
	srv := start(t, Config{})
	put := func(body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPut, srv.URL+"/admin/faults", strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := put("aud, slow=1ms"); st != 200 || !strings.Contains(body, `"faults":["slow=1ms","aud"]`) {
		t.Fatalf("%d %s", st, body)
	}
	if st, body := put("gremlins"); st != 400 || !strings.Contains(body, "unknown fault") {
		t.Fatalf("%d %s", st, body)
	}
	if st, body := put(""); st != 200 || !strings.Contains(body, `"faults":[]`) {
		t.Fatalf("%d %s", st, body)
	}
}

// TestConsentAndLogout: a client without SkipConsent gets a consent page;
// logout goes back to a loopback URI with state.
func TestConsentAndLogout(t *testing.T) {
	cl := Client{ID: "asks", RedirectURIs: []string{"http://127.0.0.1/callback"}}
	srv := start(t, Config{Clients: []Client{cl}})
	q := url.Values{"client_id": {"asks"}, "redirect_uri": {"http://127.0.0.1:7/callback"}, "response_type": {"code"}, "state": {"s"},
		"code_challenge": {challenge("v")}, "code_challenge_method": {"S256"}, "scope": {"openid"}}
	b := newBrowser(t, srv)
	_, page := b.get("/authorize?" + q.Encode())
	_, page = b.submit(page, url.Values{"user": {"alice"}})
	if !strings.Contains(page, "Allow access?") {
		t.Fatalf("no consent page: %s", page)
	}
	resp, _ := b.submit(page, url.Values{"scope": {"openid"}})
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code after consent: %s %s", resp.Status, resp.Header.Get("Location"))
	}
	_, page = b.get("/end_session?client_id=asks&state=bye&post_logout_redirect_uri=" + url.QueryEscape("http://127.0.0.1:7/callback"))
	resp, _ = b.submit(page, url.Values{"confirm": {"yes"}})
	if resp.Header.Get("Location") != "http://127.0.0.1:7/callback?state=bye" {
		t.Fatalf("logout: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	resp, _ = noRedirect.Get(srv.URL + "/end_session?client_id=asks&post_logout_redirect_uri=" + url.QueryEscape("https://evil.example/"))
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("logout to a foreign URI: %s", resp.Status)
	}
}

// TestKeysFileAndRotation: keys survive a restart through --keys (0600),
// and a rotation keeps the old keys published for one more rotation.
func TestKeysFileAndRotation(t *testing.T) {
	path := t.TempDir() + "/keys.json"
	a, _ := New(Config{})
	if loaded, err := a.LoadKeys(path); loaded || err != nil {
		t.Fatalf("a missing file: %v %v", loaded, err)
	}
	if err := a.SaveKeys(path); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("keys file mode %v", st.Mode().Perm())
	}
	b, _ := New(Config{})
	if loaded, err := b.LoadKeys(path); !loaded || err != nil {
		t.Fatalf("load: %v %v", loaded, err)
	}
	if b.signingKey().KeyID != a.signingKey().KeyID {
		t.Fatal("the keys did not survive the restart")
	}
	before := b.signingKey().KeyID
	if err := b.Rotate(); err != nil {
		t.Fatal(err)
	}
	kids := map[string]bool{}
	for _, k := range b.publicKeys().Keys {
		kids[k.KeyID] = true
	}
	if b.signingKey().KeyID == before || !kids[before] || len(kids) != 6 {
		t.Fatalf("after one rotation: signing %s, published %v", b.signingKey().KeyID, kids)
	}
	if err := b.Rotate(); err != nil {
		t.Fatal(err)
	}
	for _, k := range b.publicKeys().Keys {
		if k.KeyID == before {
			t.Fatal("a key two rotations old is still published")
		}
	}
	os.Chmod(path, 0o644)
	if _, err := b.LoadKeys(path); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Fatalf("a world-readable keys file: %v", err)
	}
}

// TestDeviceFlow: RFC 8628 end to end: pending, slow_down, approval on
// the verification page, tokens, single use.
func TestDeviceFlow(t *testing.T) {
	srv := start(t, Config{DeviceInterval: time.Hour})
	resp, err := http.PostForm(srv.URL+"/device_authorization", url.Values{"client_id": {"oidc-cli"}, "scope": {"openid profile"}})
	if err != nil {
		t.Fatal(err)
	}
	var da map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&da)
	resp.Body.Close()
	dc, _ := da["device_code"].(string)
	uc, _ := da["user_code"].(string)
	if dc == "" || len(uc) != 9 || da["verification_uri_complete"] != srv.URL+"/device?user_code="+url.QueryEscape(uc) {
		t.Fatalf("device authorization: %v", da)
	}
	poll := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {dc}, "client_id": {"oidc-cli"}}
	if _, body := tokenRequest(t, srv, poll, "", ""); body["error"] != "authorization_pending" {
		t.Fatalf("first poll: %v", body)
	}
	if _, body := tokenRequest(t, srv, poll, "", ""); body["error"] != "slow_down" {
		t.Fatalf("fast poll: %v", body)
	}
	br := newBrowser(t, srv)
	_, page := br.get("/device?user_code=" + strings.ToLower(uc))
	if _, b := br.submit(page, url.Values{"user": {"bob"}}); !strings.Contains(b, "Device signed in") {
		t.Fatalf("verification page: %s", b)
	}
	st, body := tokenRequest(t, srv, poll, "", "")
	if st != 200 || body["id_token"] == nil {
		t.Fatalf("tokens: %d %v", st, body)
	}
	if _, body := tokenRequest(t, srv, poll, "", ""); body["error"] != "invalid_grant" {
		t.Fatalf("a used device code: %v", body)
	}
}

// TestSecurityRules: found in review; each a way a client or a page could
// get what it should not.
func TestSecurityRules(t *testing.T) {
	srv := start(t, Config{AutoApprove: true})
	redirect := "http://127.0.0.1:5/callback"

	// PKCE downgrade: a confidential client's code without a challenge
	// refuses a verifier.
	q := url.Values{"client_id": {"oidc-cli-confidential"}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid"}, "state": {"s"}}
	code := authorize(t, srv, q).Query().Get("code")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {strings.Repeat("v", 43)}}
	if st, body := tokenRequest(t, srv, form, "oidc-cli-confidential", "oidc-cli-secret"); st != 400 || !strings.Contains(fmt.Sprint(body), "no code_challenge") {
		t.Fatalf("PKCE downgrade: %d %v", st, body)
	}
	// A challenge that is not 43-128 unreserved characters.
	q2 := url.Values{"client_id": {"oidc-cli"}, "redirect_uri": {redirect}, "response_type": {"code"}, "state": {"s"}, "code_challenge": {"x"}, "code_challenge_method": {"S256"}}
	if u := authorize(t, srv, q2); u.Query().Get("error") != "invalid_request" {
		t.Fatalf("short challenge: %s", u)
	}
	// Repeated parameters.
	resp, _ := noRedirect.Get(srv.URL + "/authorize?" + q2.Encode() + "&redirect_uri=" + url.QueryEscape("https://evil.example/"))
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
		t.Fatalf("repeated redirect_uri: %s", resp.Status)
	}

	// Tokens of the confidential client: the public client can neither
	// introspect nor revoke them.
	st, body := tokenRequest(t, srv, url.Values{"grant_type": {"client_credentials"}}, "oidc-cli-confidential", "oidc-cli-secret")
	if st != 200 {
		t.Fatal(body)
	}
	at := body["access_token"].(string)
	resp, _ = http.PostForm(srv.URL+"/introspect", url.Values{"client_id": {"oidc-cli"}, "token": {at}})
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("introspection by a public client: %s", resp.Status)
	}
	resp, _ = http.PostForm(srv.URL+"/revoke", url.Values{"client_id": {"oidc-cli"}, "token": {at}})
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/introspect", strings.NewReader(url.Values{"token": {at}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("oidc-cli-confidential", "oidc-cli-secret")
	resp, _ = http.DefaultClient.Do(req)
	var intro map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&intro)
	resp.Body.Close()
	if intro["active"] != true {
		t.Fatalf("another client revoked the token: %v", intro)
	}

	// A token request cannot widen the authorized resources.
	q3 := url.Values{"client_id": {"oidc-cli"}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid"}, "state": {"s"},
		"code_challenge": {challenge(strings.Repeat("w", 43))}, "code_challenge_method": {"S256"}, "resource": {"https://api.a.example"}}
	form = url.Values{"grant_type": {"authorization_code"}, "code": {authorize(t, srv, q3).Query().Get("code")}, "redirect_uri": {redirect},
		"client_id": {"oidc-cli"}, "code_verifier": {strings.Repeat("w", 43)}, "resource": {"https://payments.example"}}
	if st, body := tokenRequest(t, srv, form, "", ""); st != 400 || body["error"] != "invalid_target" {
		t.Fatalf("widened resource: %d %v", st, body)
	}

	// The admin endpoint refuses web pages (Origin) and other Host names.
	req, _ = http.NewRequest(http.MethodPut, srv.URL+"/admin/faults", strings.NewReader("alg-none"))
	req.Header.Set("Origin", "https://evil.example")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("admin with Origin: %s", resp.Status)
	}
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/admin/faults", strings.NewReader("alg-none"))
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("admin POST: %s", resp.Status)
	}

	// Logout only to registered redirect URIs.
	resp, _ = noRedirect.Get(srv.URL + "/end_session?client_id=oidc-cli&post_logout_redirect_uri=" + url.QueryEscape("http://127.0.0.1:8080/admin/delete"))
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("logout to an unregistered loopback path: %s", resp.Status)
	}
	// Pages cannot be framed.
	resp, _ = http.Get(srv.URL + "/device")
	resp.Body.Close()
	if resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("framing headers: %v", resp.Header)
	}
}

// TestDeviceCodeGuessing: wrong user codes are limited (RFC 8628 5.1).
func TestDeviceCodeGuessing(t *testing.T) {
	srv := start(t, Config{})
	status := 0
	for i := 0; i < 25; i++ {
		resp, err := http.PostForm(srv.URL+"/device", url.Values{"user_code": {"BCDF-GHJK"}, "user": {"alice"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		status = resp.StatusCode
	}
	if status != http.StatusTooManyRequests {
		t.Fatalf("25 wrong codes: last status %d", status)
	}
}

// TestTokenFamilies: a replayed code, a replayed refresh token or a
// revoked refresh token revokes the tokens of that login.
func TestTokenFamilies(t *testing.T) {
	srv := start(t, Config{AutoApprove: true})
	redirect := "http://127.0.0.1:5/callback"
	v := strings.Repeat("f", 43)
	login := func() (map[string]any, url.Values) {
		q := url.Values{"client_id": {"oidc-cli"}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid offline_access"},
			"state": {"s"}, "code_challenge": {challenge(v)}, "code_challenge_method": {"S256"}}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {authorize(t, srv, q).Query().Get("code")}, "redirect_uri": {redirect},
			"client_id": {"oidc-cli"}, "code_verifier": {v}}
		st, body := tokenRequest(t, srv, form, "", "")
		if st != 200 {
			t.Fatal(body)
		}
		return body, form
	}
	works := func(at string) bool {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+at)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}
	// A replayed code.
	body, form := login()
	if !works(body["access_token"].(string)) {
		t.Fatal("a fresh access token does not work")
	}
	if st, _ := tokenRequest(t, srv, form, "", ""); st != 400 || works(body["access_token"].(string)) {
		t.Fatal("a replayed code left its access token working")
	}
	// A replayed (rotated) refresh token.
	body, _ = login()
	rt := body["refresh_token"].(string)
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"oidc-cli"}}
	st, next := tokenRequest(t, srv, refresh, "", "")
	if st != 200 {
		t.Fatal(next)
	}
	if st, _ := tokenRequest(t, srv, refresh, "", ""); st != 400 || works(next["access_token"].(string)) {
		t.Fatal("a replayed refresh token left the family's tokens working")
	}
	if st, _ := tokenRequest(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next["refresh_token"].(string)}, "client_id": {"oidc-cli"}}, "", ""); st != 400 {
		t.Fatal("the family's newest refresh token still works")
	}
	// A revoked refresh token takes its access token along.
	body, _ = login()
	resp, _ := http.PostForm(srv.URL+"/revoke", url.Values{"client_id": {"oidc-cli"}, "token": {body["refresh_token"].(string)}})
	resp.Body.Close()
	if works(body["access_token"].(string)) {
		t.Fatal("revoking the refresh token left its access token working")
	}
}

// TestKeysInTheBackground: discovery answers while the first keys are
// still being made (serve's start is what a test job waits for), and keys
// loaded from --keys meanwhile are not replaced by the ones made.
func TestKeysInTheBackground(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	made := s.signingKey()
	s.keysOnce.Do(func() {}) // returns once the first Do has finished
	// As if the first keys were still being made.
	s.keysMade, s.keysOnce, s.haveKeys = make(chan struct{}), sync.Once{}, false
	done := make(chan int, 1)
	go func() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/openid-configuration", nil))
		done <- rec.Code
	}()
	select {
	case code := <-done:
		if code != 200 {
			t.Fatalf("discovery: %d", code)
		}
	case <-time.After(10 * time.Second): // a hang guard, not a timing goal
		t.Fatal("discovery waited for the keys")
	}

	path := filepath.Join(t.TempDir(), "keys.json")
	other, _ := New(Config{})
	if err := other.SaveKeys(path); err != nil {
		t.Fatal(err)
	}
	if loaded, err := s.LoadKeys(path); !loaded || err != nil {
		t.Fatalf("load: %v %v", loaded, err)
	}
	// The background keys arrive after the load: they lose.
	s.setKeys(made, made, made, nil, false)
	if got, want := s.signingKey().KeyID, other.signingKey().KeyID; got != want {
		t.Fatalf("signing with %s, want the loaded %s", got, want)
	}
}
