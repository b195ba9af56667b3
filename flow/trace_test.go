package flow

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestTraceRedactsSecrets: no secret of a token request reaches the trace.
func TestTraceRedactsSecrets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "session=cookie-secret")
		w.Write([]byte(`{"access_token":"at-visible","refresh_token":"rt-secret-value","id_token":"x.y.z"}`))
	}))
	defer srv.Close()
	var trace bytes.Buffer
	client, err := New(Options{Trace: &trace})
	if err != nil {
		t.Fatal(err)
	}
	c := client.HTTP
	form := url.Values{"grant_type": {"authorization_code"}, "code": {"code-secret-value"}, "code_verifier": {"verifier-secret-value"},
		"client_secret": {"client-secret-value"}, "redirect_uri": {"http://127.0.0.1/callback"}}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/token?code=query-secret-value", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("client", "basic-secret-value")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out := trace.String()
	for _, secret := range []string{"code-secret-value", "verifier-secret-value", "client-secret-value", "rt-secret-value",
		"query-secret-value", "cookie-secret", "Y2xpZW50OmJhc2ljLXNlY3JldC12YWx1ZQ"} {
		if strings.Contains(out, secret) {
			t.Errorf("trace shows a secret (%s):\n%s", secret, out)
		}
	}
	if strings.Contains(out, "at-visible") {
		t.Errorf("trace shows the access token:\n%s", out)
	}
	for _, want := range []string{"> POST " + srv.URL + "/token", "Authorization: Basic [REDACTED]", "grant_type=authorization_code", "< HTTP/1.1 200 OK", `"access_token":"[REDACTED]"`} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
	// The caller still gets the body.
	trace.Reset()
	client, _ = New(Options{Trace: &trace, ShowSecrets: true})
	resp, _ = client.HTTP.Post(srv.URL, "application/x-www-form-urlencoded", strings.NewReader("code=shown"))
	resp.Body.Close()
	if !strings.Contains(trace.String(), "code=shown") {
		t.Errorf("--trace-secrets hides: %s", trace.String())
	}
}

func TestCallbackCheck(t *testing.T) {
	cc := &callbackCheck{state: "s1", issuer: "https://op.example", issuerReq: true}
	tests := []struct {
		q    string
		want string
	}{
		{"code=c&state=s1&iss=https%3A%2F%2Fop.example", ""},
		{"code=c&state=s2&iss=https%3A%2F%2Fop.example", "state parameter does not match"},
		{"code=c&iss=https%3A%2F%2Fop.example", "state parameter does not match"},
		{"code=c&state=s1&iss=https%3A%2F%2Fevil.example", "mix-up"},
		{"code=c&state=s1", "has no iss"},
		{"code=c&state=s1&id_token=x", "has no iss"},
		{"code=c&state=s1&iss=https%3A%2F%2Fop.example&iss=https%3A%2F%2Fevil.example", "2 iss parameters"},
		{"code=c&state=s1&state=s1&iss=https%3A%2F%2Fop.example", "state parameter does not match"},
		{"error=access_denied&error_description=no&state=s1&iss=https%3A%2F%2Fop.example", "access_denied: no"},
		{"state=s1&iss=https%3A%2F%2Fop.example", "neither a code nor an error"},
	}
	for _, tc := range tests {
		q, _ := url.ParseQuery(tc.q)
		err := cc.check(q)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.q, err, tc.want)
		}
	}
}

func TestListenLoopbackOnly(t *testing.T) {
	for _, bad := range []string{"http://0.0.0.0:0/callback", "http://example.com/callback", "https://127.0.0.1/callback", "http://192.168.1.2/cb"} {
		if l, err := Listen(bad, 0); err == nil {
			l.Close()
			t.Errorf("%s accepted", bad)
		}
	}
	l, err := Listen("http://localhost:0/cb", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.ln.Close()
	if !strings.HasPrefix(l.ln.Addr().String(), "127.0.0.1:") || !strings.HasPrefix(l.RedirectURI(), "http://localhost:") || !strings.HasSuffix(l.RedirectURI(), "/cb") {
		t.Fatalf("bound %s, redirect %s", l.ln.Addr(), l.RedirectURI())
	}
	// The port is taken now.
	port := l.ln.Addr().String()[len("127.0.0.1:"):]
	if l2, err := Listen("http://127.0.0.1:"+port+"/callback", 0); err == nil {
		l2.Close()
		t.Fatal("a taken port was bound twice")
	}
}

// TestRedactBodyByShape: a body is redacted by what it is, not by what
// its Content-Type says.
func TestRedactBodyByShape(t *testing.T) {
	for _, tc := range []struct{ body, secret, keep string }{
		{`access_token=AT-secret-1&token_type=bearer`, "AT-secret-1", "token_type=bearer"},                                                                                 // a form sent as text/plain
		{`{"refresh_token":"RT-secret-2","expires_in":3600}`, "RT-secret-2", `"expires_in":3600`},                                                                          // JSON
		{`<form method="post"><input type="hidden" name="code" value="CODE-secret-3"><input type="hidden" name="state" value="st"></form>`, "CODE-secret-3", `value="st"`}, // form_post
		{`<input value='CODE-secret-4' name=code>`, "CODE-secret-4", "<input"},
		{"error: bad request; id_token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-secret-5 rejected", "c2ln-secret-5", "rejected"},
		{"your token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig-secret-6 expired", "sig-secret-6", "expired"},
		{`{"access_token":"AT-secret-7",`, "AT-secret-7", `{"access_token"`}, // truncated JSON
		{"client_secret%3D; refresh_token=RT-secret-8;x", "RT-secret-8", "client_secret"},
	} {
		got := RedactBody([]byte(tc.body))
		if strings.Contains(got, tc.secret) || !strings.Contains(got, tc.keep) {
			t.Errorf("%s\n-> %s", tc.body, got)
		}
	}
}
