package issuer

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// browser is an HTTP client that keeps cookies and does not follow
// redirects: a person's browser, one page at a time.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: srv.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var (
	inputRE    = regexp.MustCompile(`<input [^>]*>`)
	attrRE     = regexp.MustCompile(`([a-z-]+)(?:="([^"]*)")?`)
	textareaRE = regexp.MustCompile(`(?s)<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>`)
	actionRE   = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
)

// form is the page's form as a browser would send it untouched (hidden
// and text fields, checked boxes, textareas), with set on top.
func form(t *testing.T, page string, set url.Values) (string, url.Values) {
	t.Helper()
	m := actionRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in %s", page)
	}
	v := url.Values{}
	for _, tag := range inputRE.FindAllString(page, -1) {
		attrs := map[string]string{}
		for _, a := range attrRE.FindAllStringSubmatch(tag[len("<input "):], -1) {
			attrs[a[1]] = html.UnescapeString(a[2])
		}
		_, checked := attrs["checked"]
		switch attrs["type"] {
		case "hidden", "text":
		case "checkbox", "radio":
			if !checked {
				continue
			}
		default:
			continue
		}
		v.Add(attrs["name"], attrs["value"])
	}
	for _, ta := range textareaRE.FindAllStringSubmatch(page, -1) {
		v.Set(ta[1], html.UnescapeString(ta[2]))
	}
	for k, vs := range set {
		v[k] = vs
	}
	return html.UnescapeString(m[1]), v
}

func (b *browser) submit(page string, set url.Values) (*http.Response, string) {
	b.t.Helper()
	action, v := form(b.t, page, set)
	return b.post(action, v)
}

// loginURL is an authorization request of the public client.
func loginURL(extra url.Values) string {
	q := url.Values{"client_id": {"oidc-cli"}, "redirect_uri": {"http://127.0.0.1:7/callback"}, "response_type": {"code"}, "state": {"st"},
		"code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"}, "scope": {"openid profile email"}, "nonce": {"n-1"}}
	for k, vs := range extra {
		q[k] = vs
	}
	return "/authorize?" + q.Encode()
}

const verifier = "a-verifier-of-forty-three-characters-or-more-123"

// redeem exchanges the code a redirect carries, as the public client.
func redeem(t *testing.T, srv *httptest.Server, resp *http.Response) map[string]any {
	t.Helper()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	st, body := tokenRequest(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"client_id": {"oidc-cli"}, "redirect_uri": {"http://127.0.0.1:7/callback"}, "code_verifier": {verifier}}, "", "")
	if st != 200 {
		t.Fatalf("token: %d %v", st, body)
	}
	return body
}

func payload(t *testing.T, jwt any) map[string]any {
	t.Helper()
	s, _ := jwt.(string)
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", s)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	if err == nil {
		err = json.Unmarshal(raw, &m)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func userinfoOf(t *testing.T, srv *httptest.Server, at any) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+at.(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&m) != nil {
		t.Fatalf("userinfo: %s", resp.Status)
	}
	return m
}

// TestLoginPageShowsTheRequest: each parameter in words, what is missing
// called out, the hint and acr_values taken up.
func TestLoginPageShowsTheRequest(t *testing.T) {
	srv := start(t, Config{Clients: []Client{{ID: "web", Name: "The Web App", Secret: "s", RedirectURIs: []string{"http://127.0.0.1/callback"}}}})
	b := newBrowser(t, srv)
	q := url.Values{"client_id": {"web"}, "redirect_uri": {"http://127.0.0.1:9/callback"}, "response_type": {"code"},
		"scope": {"openid email"}, "prompt": {"login"}, "max_age": {"60"}, "acr_values": {"urn:acr:mfa urn:acr:pwd"},
		"login_hint": {"carol"}, "resource": {"https://api.example/"}, "audience": {"api"}}
	resp, page := b.get("/authorize?" + q.Encode())
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s", resp.Status, page)
	}
	// Forms, no script: only a form_post response runs one.
	if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "script-src") || !strings.Contains(csp, "form-action *") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("the login page's CSP: %s", csp)
	}
	for _, want := range []string{
		"The Web App: a confidential client",
		"<code>http://127.0.0.1:9/callback</code> <span class=\"note\">the code goes here: a loopback address, any port",
		"<dt>PKCE</dt><dd> <span class=\"warn\"><span aria-hidden=\"true\">⚠ </span>not sent: a stolen code could be redeemed",
		"<dt>Nonce</dt><dd> <span class=\"warn\"><span aria-hidden=\"true\">⚠ </span>not sent",
		"<dt>State</dt><dd> <span class=\"warn\"",
		"login: log in again, even with a session",
		"<code>60</code>",
		"<code>urn:acr:mfa</code> <code>urn:acr:pwd</code>",
		"no configured user has this subject: it is typed below",
		`id="typed" checked`,
		`name="subject" value="carol"`,
		"{&#34;acr&#34;:&#34;urn:acr:mfa&#34;}",
		"<code>https://api.example/</code>",
		"audience is Auth0&#39;s parameter",
		"<code>email</code>: email, email_verified;",
		`<meta name="viewport"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the login page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(page)
	}
	// Every visible field has a label (screen readers).
	for _, id := range regexp.MustCompile(`<(?:input|textarea) type="(?:text|checkbox|radio)"[^>]*id="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(page, `<label for="`+id[1]+`"`) && id[1] != "typed" {
			t.Errorf("field %s has no label", id[1])
		}
	}
}

// TestLoginTypedSubjectClaimsAndFaults: what the page chose shows up in
// the ID token, the access token and userinfo, for that login only.
func TestLoginTypedSubjectClaimsAndFaults(t *testing.T) {
	f, _ := faultsOf("nonce")
	srv := start(t, Config{Faults: f})
	b := newBrowser(t, srv)
	_, page := b.get(loginURL(nil))
	if !strings.Contains(page, `name="fault" value="nonce" checked`) {
		t.Fatalf("the issuer's fault is not shown checked: %s", page)
	}
	resp, _ := b.submit(page, url.Values{"user": {""}, "subject": {"carol@example"},
		"claims": {`{"roles": ["admin"], "email": null, "big": 12345678901234567890}`}, "fault": {"aud"}})
	tokens := redeem(t, srv, resp)
	id, at := payload(t, tokens["id_token"]), payload(t, tokens["access_token"])
	if id["sub"] != "carol@example" || id["aud"] != "another-client" || id["nonce"] != "n-1" || id["email"] != nil || id["name"] != nil {
		t.Errorf("ID token: %v", id)
	}
	if roles, _ := id["roles"].([]any); len(roles) != 1 || roles[0] != "admin" {
		t.Errorf("ID token roles: %v", id)
	}
	if at["sub"] != "carol@example" || at["roles"] == nil {
		t.Errorf("access token: %v", at)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(tokens["id_token"].(string), ".")[1])
	if !strings.Contains(string(raw), `"big":12345678901234567890`) {
		t.Errorf("a number not as typed: %s", raw)
	}
	ui := userinfoOf(t, srv, tokens["access_token"])
	if ui["sub"] != "carol@example" || ui["roles"] == nil || ui["email"] != nil || ui["preferred_username"] != "carol@example" {
		t.Errorf("userinfo: %v", ui)
	}

	// The next login, with nothing changed, has the issuer's faults.
	_, page = b.get(loginURL(nil))
	resp, _ = b.submit(page, url.Values{"user": {"bob"}})
	id = payload(t, redeem(t, srv, resp)["id_token"])
	if id["sub"] != "bob" || id["aud"] != "oidc-cli" || id["nonce"] != "not-the-nonce-you-sent" || id["email"] != "bob@example.com" {
		t.Errorf("a plain login after a shaped one: %v", id)
	}
}

func faultsOf(specs ...string) (Faults, error) {
	var f Faults
	for _, s := range specs {
		if err := f.Set(s); err != nil {
			return f, err
		}
	}
	return f, nil
}

// TestLoginFormBadInput: every mistake is a page that says what and
// where, the login stays open, and nothing is a 500.
func TestLoginFormBadInput(t *testing.T) {
	srv := start(t, Config{})
	b := newBrowser(t, srv)
	_, page := b.get(loginURL(nil))

	for _, tc := range []struct {
		name string
		set  url.Values
		want string
	}{
		{"bad JSON", url.Values{"claims": {"{\n  \"roles\": [admin]\n}"}}, "The claims are not JSON: invalid character &#39;a&#39; looking for beginning of value at line 2, column 13."},
		{"not an object", url.Values{"claims": {`["admin"]`}}, "The claims must be a JSON object"},
		{"a reserved claim", url.Values{"claims": {`{"iss": "x", "exp": 1}`}}, "exp, iss are set by the issuer: leave them out"},
		{"sub in the claims", url.Values{"claims": {`{"sub": "x"}`}}, "sub is set by the issuer: leave it out (type the subject above)"},
		{"too many claims", url.Values{"claims": {`{"x": "` + strings.Repeat("a", maxClaims) + `"}`}}, "The claims are 16 KiB: at most 16 KiB."},
		{"empty subject", url.Values{"user": {""}, "subject": {""}}, "Type a subject, or choose a configured user."},
		{"long subject", url.Values{"user": {""}, "subject": {strings.Repeat("s", 256)}}, "The subject is 256 bytes: at most 255"},
		{"a control character", url.Values{"user": {""}, "subject": {"a\x00b"}}, "use printable ASCII"},
		{"a subject typed, a user chosen", url.Values{"user": {"bob"}, "subject": {"carol"}}, "A subject is typed and &#34;bob&#34; is chosen"},
		{"unknown user", url.Values{"user": {"mallory"}, "subject": {""}}, "There is no configured user &#34;mallory&#34;."},
		{"more after the claims", url.Values{"claims": {`{"a": 1}]`}}, "The claims are not JSON: there is more after the object."},
		{"bad duration", url.Values{"user": {"alice"}, "fault-skew": {"ten minutes"}}, "&#34;ten minutes&#34; is not a duration like 10m or -10m."},
	} {
		resp, again := b.submit(page, tc.set)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(again, tc.want) || !strings.Contains(again, `role="alert"`) {
			t.Errorf("%s: %s, want %q in\n%s", tc.name, resp.Status, tc.want, again)
		}
		page = again // shown again, with the same login
	}
	// What was typed is kept.
	if !strings.Contains(page, "ten minutes") {
		t.Errorf("the form lost what was typed: %s", page)
	}

	// A form without the token, or from another browser: 403, and the
	// login stays open for its own browser.
	action, v := form(t, page, url.Values{"user": {"alice"}, "subject": {""}, "fault-skew": {""}, "claims": {"{}"}})
	v.Del("csrf")
	if resp, body := b.post(action, v); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "not from this browser") {
		t.Errorf("no token: %s %s", resp.Status, body)
	}
	_, v = form(t, page, url.Values{"user": {"alice"}, "subject": {""}, "fault-skew": {""}, "claims": {"{}"}})
	if resp, _ := newBrowser(t, srv).post(action, v); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another browser's post: %s", resp.Status)
	}
	v.Set("csrf", v.Get("csrf")+"x")
	if resp, _ := b.post(action, v); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a wrong token: %s", resp.Status)
	}
	// Oversized: 413, a page.
	big := url.Values{"claims": {strings.Repeat("x", maxBody)}}
	if resp, body := b.submit(page, big); resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "over 64 KiB") {
		t.Errorf("oversized: %s %s", resp.Status, body)
	}
	// Now it logs in; the same form again is over.
	resp, _ := b.submit(page, url.Values{"user": {"alice"}, "subject": {""}, "fault-skew": {""}, "claims": {"{}"}})
	if id := payload(t, redeem(t, srv, resp)["id_token"]); id["sub"] != "alice" {
		t.Errorf("after the mistakes: %v", id)
	}
	if resp, body := b.submit(page, url.Values{"user": {"alice"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "This login is over") {
		t.Errorf("replayed: %s %s", resp.Status, body)
	}
	if resp, _ := b.get("/interaction"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /interaction: %s", resp.Status)
	}

	// Cancel: access_denied to the client, with state and iss.
	_, page = b.get(loginURL(nil))
	resp, _ = b.submit(page, url.Values{"deny": {"1"}})
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "st" || loc.Query().Get("iss") != srv.URL {
		t.Errorf("cancel: %s %q", resp.Status, resp.Header.Get("Location"))
	}
}

// TestConsentPage: per scope, with its claims; fewer scopes granted, or
// denied.
func TestConsentPage(t *testing.T) {
	srv := start(t, Config{Clients: []Client{{ID: "oidc-cli", Name: "Asks First", RedirectURIs: []string{"http://127.0.0.1/callback"}}}})
	b := newBrowser(t, srv)
	_, page := b.get(loginURL(url.Values{"scope": {"openid profile email offline_access"}}))
	_, consent := b.submit(page, url.Values{"user": {"alice"}})
	for _, want := range []string{"<strong>Asks First (oidc-cli)</strong> asks for access to the account <code>alice</code>",
		"email = <code>alice@example.com</code>", "name = <code>Alice Example</code>", "a refresh token: access while nobody is here",
		`name="scope" value="email" checked`} {
		if !strings.Contains(consent, want) {
			t.Errorf("consent page lacks %q:\n%s", want, consent)
		}
	}
	resp, _ := b.submit(consent, url.Values{"scope": {"openid", "profile"}})
	tokens := redeem(t, srv, resp)
	if tokens["scope"] != "openid profile" || tokens["refresh_token"] != nil || payload(t, tokens["id_token"])["email"] != nil {
		t.Errorf("granted openid profile: %v", tokens)
	}

	_, page = b.get(loginURL(nil))
	_, consent = b.submit(page, url.Values{"user": {"bob"}})
	resp, _ = b.submit(consent, url.Values{"deny": {"1"}})
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc == nil || loc.Query().Get("error") != "access_denied" {
		t.Errorf("deny: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	// prompt=consent asks even a client that skips consent.
	srv = start(t, Config{})
	b = newBrowser(t, srv)
	_, page = b.get(loginURL(url.Values{"prompt": {"consent"}}))
	if _, consent = b.submit(page, url.Values{"user": {"alice"}}); !strings.Contains(consent, "Allow access?") {
		t.Errorf("prompt=consent: %s", consent)
	}
}

// TestDevicePage: the code, then the client and scopes, who, approve.
func TestDevicePage(t *testing.T) {
	srv := start(t, Config{DeviceInterval: 1})
	b := newBrowser(t, srv)
	resp, err := http.PostForm(srv.URL+"/device_authorization", url.Values{"client_id": {"oidc-cli"}, "scope": {"openid profile"}})
	if err != nil {
		t.Fatal(err)
	}
	var da map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&da)
	resp.Body.Close()
	uc := da["user_code"].(string)
	if resp, page := b.get("/device"); resp.StatusCode != 200 || !strings.Contains(page, `<label for="user_code">`) {
		t.Fatalf("entry: %s %s", resp.Status, page)
	}
	if resp, page := b.get("/device?user_code=BCDF-GHJK"); resp.StatusCode != 400 || !strings.Contains(page, "unknown or expired") {
		t.Errorf("a wrong code: %s %s", resp.Status, page)
	}
	u, _ := url.Parse(da["verification_uri_complete"].(string))
	_, page := b.get(u.RequestURI())
	for _, want := range []string{"<code>" + uc + "</code>", "<dt>Client</dt><dd><code>oidc-cli</code>", "<code>openid</code> <code>profile</code>", ">Approve</button>"} {
		if !strings.Contains(page, want) {
			t.Errorf("device page lacks %q:\n%s", want, page)
		}
	}
	action, v := form(t, page, url.Values{"user": {""}, "subject": {"tv-viewer"}})
	v.Del("csrf")
	if resp, _ := b.post(action, v); resp.StatusCode != http.StatusForbidden {
		t.Errorf("no token: %s", resp.Status)
	}
	if resp, body := b.submit(page, url.Values{"user": {""}, "subject": {"tv-viewer"}, "claims": {`{"plan": "gold"}`}}); resp.StatusCode != 200 || !strings.Contains(body, "Device signed in") {
		t.Fatalf("approve: %s %s", resp.Status, body)
	}
	if resp, body := b.submit(page, url.Values{"deny": {"1"}}); resp.StatusCode != 200 || !strings.Contains(body, "Device signed in") {
		t.Errorf("decided once: %s %s", resp.Status, body)
	}
	st, tokens := tokenRequest(t, srv, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {da["device_code"].(string)}, "client_id": {"oidc-cli"}}, "", "")
	if id := payload(t, tokens["id_token"]); st != 200 || id["sub"] != "tv-viewer" || id["plan"] != "gold" {
		t.Errorf("device tokens: %d %v", st, tokens)
	}
}

// TestLogoutConfirmation: RP-initiated logout asks first; no means no
// redirect.
func TestLogoutConfirmation(t *testing.T) {
	srv := start(t, Config{})
	b := newBrowser(t, srv)
	q := "/end_session?client_id=oidc-cli&state=bye&post_logout_redirect_uri=" + url.QueryEscape("http://127.0.0.1:7/callback")
	resp, page := b.get(q)
	if resp.StatusCode != 200 || !strings.Contains(page, "<strong>oidc-cli</strong> asks to sign you out of this issuer, then to send you to <code>http://127.0.0.1:7/callback?state=bye</code>") {
		t.Fatalf("confirmation: %s %s", resp.Status, page)
	}
	if resp, body := b.submit(page, url.Values{"confirm": {"no"}}); resp.StatusCode != 200 || resp.Header.Get("Location") != "" || !strings.Contains(body, "Still signed in") {
		t.Errorf("no: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	_, page = b.get(q)
	action, v := form(t, page, url.Values{"confirm": {"yes"}})
	if resp, _ := newBrowser(t, srv).post(action, v); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another browser's yes: %s", resp.Status)
	}
	if resp, _ := b.submit(page, url.Values{"confirm": {"yes"}}); resp.Header.Get("Location") != "http://127.0.0.1:7/callback?state=bye" {
		t.Errorf("yes: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	if resp, _ := b.submit(page, url.Values{"confirm": {"yes"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed: %s", resp.Status)
	}
}

// TestPlainPKCEUnderNoS256: a plain-only issuer takes plain, and the page
// calls it out.
func TestPlainPKCEUnderNoS256(t *testing.T) {
	f, _ := faultsOf("no-s256")
	srv := start(t, Config{Faults: f})
	b := newBrowser(t, srv)
	_, page := b.get(loginURL(url.Values{"code_challenge": {verifier}, "code_challenge_method": {"plain"}}))
	if !strings.Contains(page, "plain: the challenge is the verifier itself") {
		t.Fatalf("plain not called out: %s", page)
	}
	resp, _ := b.submit(page, url.Values{"user": {"alice"}})
	if tokens := redeem(t, srv, resp); tokens["id_token"] == nil {
		t.Errorf("plain PKCE: %v", tokens)
	}
	srv = start(t, Config{AutoApprove: true})
	loc := authorize(t, srv, url.Values{"client_id": {"oidc-cli"}, "redirect_uri": {"http://127.0.0.1:7/callback"}, "response_type": {"code"},
		"code_challenge": {verifier}, "code_challenge_method": {"plain"}})
	if loc.Query().Get("error") != "invalid_request" {
		t.Errorf("plain without the fault: %v", loc)
	}
}

// FuzzLoginForm: no login form makes the issuer panic or answer 5xx.
func FuzzLoginForm(f *testing.F) {
	f.Add("alice", "", "{}", "aud", "10m", false)
	f.Add("", "carol", `{"roles":["a"],"email":null}`, "nonce", "", false)
	f.Add("", "", "{\"x\":", "", "x", true)
	f.Add("nobody", "\x00", `{"iss":1}`, "gremlins", "-1h", false)
	s, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	s.SetIssuer("http://127.0.0.1:9400")
	f.Fuzz(func(t *testing.T, user, subject, claims, fault, skew string, deny bool) {
		s.mu.Lock()
		clear(s.pending) // a login shown again stays pending
		s.mu.Unlock()
		get := httptest.NewRequest(http.MethodGet, loginURL(nil), nil)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, get)
		if rec.Code != 200 {
			t.Fatalf("login page: %d", rec.Code)
		}
		_, v := form(t, rec.Body.String(), url.Values{"user": {user}, "subject": {subject}, "claims": {claims}, "fault": {fault}, "fault-skew": {skew}})
		if deny {
			v.Set("deny", "1")
		}
		post := httptest.NewRequest(http.MethodPost, "/interaction", strings.NewReader(v.Encode()))
		post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range rec.Result().Cookies() {
			post.AddCookie(c)
		}
		rec = httptest.NewRecorder()
		s.ServeHTTP(rec, post)
		switch {
		case rec.Code >= 500:
			t.Fatalf("%d %s", rec.Code, rec.Body.String())
		case rec.Code == http.StatusFound && !strings.Contains(rec.Header().Get("Location"), "state=st"):
			t.Fatalf("a redirect without state: %q", rec.Header().Get("Location"))
		case rec.Code != http.StatusFound && rec.Code != http.StatusBadRequest && rec.Code != http.StatusRequestEntityTooLarge:
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	})
}

// TestLoginChoiceEdges: found in review.
func TestLoginChoiceEdges(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	srv := start(t, Config{Now: clock, DeviceInterval: time.Millisecond})
	b := newBrowser(t, srv)

	// acr_values of white space only: a page, not a panic.
	if resp, page := b.get(loginURL(url.Values{"acr_values": {" \t"}})); resp.StatusCode != 200 || !strings.Contains(page, ">{}</textarea>") {
		t.Fatalf("blank acr_values: %s", resp.Status)
	}

	// A nested merge patch, and the login's expired fault: its access
	// token stays this login's (a typed subject) after a sweep.
	_, page := b.get(loginURL(nil))
	resp, _ := b.submit(page, url.Values{"user": {""}, "subject": {"dora"}, "fault": {"expired"},
		"claims": {`{"address": {"street": "1 Main St", "country": null}}`}})
	tokens := redeem(t, srv, resp)
	if addr, _ := payload(t, tokens["id_token"])["address"].(map[string]any); addr["street"] != "1 Main St" || len(addr) != 1 {
		t.Errorf("nested patch: %v", addr)
	}
	now = now.Add(time.Minute) // past a sweep
	if ui := userinfoOf(t, srv, tokens["access_token"]); ui["sub"] != "dora" {
		t.Errorf("the expired-fault login's token after a sweep: %v", ui)
	}

	// token-error for one device login: refused, not spent; the issuer's
	// own token-error left off for another.
	resp2, err := http.PostForm(srv.URL+"/device_authorization", url.Values{"client_id": {"oidc-cli"}, "scope": {"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	var da map[string]any
	_ = json.NewDecoder(resp2.Body).Decode(&da)
	resp2.Body.Close()
	u, _ := url.Parse(da["verification_uri_complete"].(string))
	_, page = b.get(u.RequestURI())
	b.submit(page, url.Values{"user": {"alice"}, "fault": {"token-error"}})
	poll := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {da["device_code"].(string)}, "client_id": {"oidc-cli"}}
	for range 2 {
		if _, body := tokenRequest(t, srv, poll, "", ""); body["error"] != "invalid_grant" || !strings.Contains(body["error_description"].(string), "token-error") {
			t.Errorf("device login with token-error: %v", body)
		}
	}
}
