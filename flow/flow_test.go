package flow

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestDiscoveryURLs(t *testing.T) {
	tests := map[string][]string{
		"https://issuer.example":               {"https://issuer.example/.well-known/openid-configuration", "https://issuer.example/.well-known/oauth-authorization-server"},
		"https://issuer.example/":              {"https://issuer.example/.well-known/openid-configuration", "https://issuer.example/.well-known/oauth-authorization-server"},
		"https://kc.example/realms/demo":       {"https://kc.example/realms/demo/.well-known/openid-configuration", "https://kc.example/.well-known/oauth-authorization-server/realms/demo"},
		"https://dev.okta.com/oauth2/default/": {"https://dev.okta.com/oauth2/default/.well-known/openid-configuration", "https://dev.okta.com/.well-known/oauth-authorization-server/oauth2/default"},
	}
	for issuer, want := range tests {
		u, _ := url.Parse(issuer)
		got := discoveryURLs(u)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: got %v, want %v", issuer, got, want)
		}
	}
}

func TestMaxAge(t *testing.T) {
	tests := []struct {
		cc    string
		age   time.Duration
		store bool
	}{
		{"", -1, true},
		{"public, max-age=3600", time.Hour, true},
		{"no-store", 0, false},
		{"no-cache", 0, true},
		{"max-age=abc", -1, true},
	}
	for _, tc := range tests {
		age, store := maxAge(tc.cc)
		if age != tc.age || store != tc.store {
			t.Errorf("%q: got %v %v, want %v %v", tc.cc, age, store, tc.age, tc.store)
		}
	}
}

func TestCheckURL(t *testing.T) {
	c := newTestClient(time.Second)
	for _, ok := range []string{"https://a.example", "http://127.0.0.1:8080", "http://localhost/x", "http://[::1]:9/"} {
		if _, err := c.CheckURL(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://a.example", "ftp://a.example", "a.example", "file:///etc/passwd", "http://127.0.0.1.evil.example"} {
		if _, err := c.CheckURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	c.AllowHTTP = true
	if _, err := c.CheckURL("http://a.example"); err != nil {
		t.Errorf("--allow-http: %v", err)
	}
}

// TestRFC8414Fallback: an issuer with only RFC 8414 metadata is found.
func TestRFC8414Fallback(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/oauth-authorization-server/tenant" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"issuer":"` + srv.URL + `/tenant","jwks_uri":"` + srv.URL + `/keys"}`))
	}))
	defer srv.Close()
	md, _, err := newTestClient(time.Second).Discover(context.Background(), srv.URL+"/tenant")
	if err != nil {
		t.Fatal(err)
	}
	if md.JWKSURI != srv.URL+"/keys" || !strings.HasSuffix(md.Source, "/.well-known/oauth-authorization-server/tenant") {
		t.Fatalf("got %+v", md)
	}
}

// TestRedirectsFollowTheRules: a redirect to plain http elsewhere is not
// followed, and a token request follows none.
func TestRedirectsFollowTheRules(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, "http://192.0.2.1/jwks.json", http.StatusFound)
		case "/token":
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		default:
			w.Write([]byte(`{"keys":[]}`))
		}
	}))
	defer srv.Close()
	c := newTestClient(2 * time.Second)
	if _, err := c.GetJSON(context.Background(), srv.URL+"/away", true); err == nil || !strings.Contains(err.Error(), "plain http to a non-loopback host") {
		t.Fatalf("redirect to plain http: %v", err)
	}
	resp, err := c.HTTP.Post(srv.URL+"/token", "application/x-www-form-urlencoded", strings.NewReader("code=secret"))
	if err == nil {
		resp.Body.Close()
		t.Fatal("a POST followed a redirect")
	}
	if !strings.Contains(err.Error(), "not followed, the request carries secrets") {
		t.Fatalf("POST redirect: %v", err)
	}
}

// TestPublishedSymmetricKeysIgnored: an oct key in a fetched key set is a
// secret everyone knows.
func TestPublishedSymmetricKeysIgnored(t *testing.T) {
	body := `{"keys":[{"kty":"oct","kid":"shared","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
	defer srv.Close()
	if _, _, err := newTestClient(time.Second).KeySet(context.Background(), srv.URL, true); err == nil || !strings.Contains(err.Error(), "a key set is no place for a secret") {
		t.Fatalf("an oct-only key set: %v", err)
	}
}

func TestLenientMetadata(t *testing.T) {
	var md Metadata
	err := json.Unmarshal([]byte(`{"issuer":"https://a.example","jwks_uri":"https://a.example/k","scopes_supported":"openid profile","authorization_response_iss_parameter_supported":"true"}`), &md)
	if err != nil || md.JWKSURI != "https://a.example/k" || len(md.Problems) != 2 {
		t.Fatalf("%v %+v", err, md)
	}
	if json.Unmarshal([]byte(`{"issuer":5}`), &md) == nil {
		t.Fatal("a numeric issuer was accepted")
	}
}

func newTestClient(timeout time.Duration) *Client {
	c, err := New(Options{Timeout: timeout})
	if err != nil {
		panic(err)
	}
	return c
}
