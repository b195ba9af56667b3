package flow

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPollDevice: the interval is honoured and widened by 5 s on each
// slow_down; each final answer is explained.
func TestPollDevice(t *testing.T) {
	var mu sync.Mutex
	var answers []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		a := answers[0]
		answers = answers[1:]
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if a == "ok" {
			w.Write([]byte(`{"access_token":"at","token_type":"Bearer"}`))
			return
		}
		w.WriteHeader(400)
		w.Write([]byte(`{"error":"` + a + `"}`))
	}))
	defer srv.Close()
	md := &Metadata{Issuer: srv.URL, TokenEndpoint: srv.URL + "/token"}
	tests := []struct {
		answers []string
		waits   string
		want    string
	}{
		{[]string{"authorization_pending", "authorization_pending", "ok"}, "2s 2s 2s", ""},
		{[]string{"slow_down", "authorization_pending", "slow_down", "ok"}, "2s 7s 7s 12s", ""},
		{[]string{"authorization_pending", "access_denied"}, "2s 2s", "access_denied; the user declined"},
		{[]string{"expired_token"}, "2s", "expired_token; the user code expired"},
		{[]string{"invalid_grant"}, "2s", "invalid_grant"},
	}
	for _, tc := range tests {
		answers = tc.answers
		var waits []string
		c := newTestClient(time.Second)
		c.wait = func(_ context.Context, d time.Duration) error { waits = append(waits, d.String()); return nil }
		tr, err := c.PollDevice(context.Background(), md, PublicClient{"cli"}, &DeviceAuthorization{DeviceCode: "dc", Interval: 2 * time.Second}, nil)
		if got := strings.Join(waits, " "); got != tc.waits {
			t.Errorf("%v: waited %s, want %s", tc.answers, got, tc.waits)
		}
		switch {
		case tc.want == "" && (err != nil || tr.AccessToken != "at"):
			t.Errorf("%v: %v", tc.answers, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !IsIssuerError(err)):
			t.Errorf("%v: %v, want %q", tc.answers, err, tc.want)
		}
	}
	// Ctrl-C while waiting ends the poll at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := newTestClient(time.Second)
	if _, err := c.PollDevice(ctx, md, PublicClient{"cli"}, &DeviceAuthorization{DeviceCode: "dc", Interval: time.Hour}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestStartDevice: what a device authorization endpoint may answer.
func TestStartDevice(t *testing.T) {
	srv, answer := cannedServer(t)
	md := &Metadata{Issuer: srv.URL, TokenEndpoint: srv.URL + "/token", DeviceAuthorizationEndpoint: srv.URL + "/device"}
	c := newTestClient(time.Second)
	for _, tc := range []struct {
		status      int
		ctype, body string
		want        string
	}{
		{200, "application/json", `{"device_code":"d","user_code":"U","verification_uri":"https://x/d","expires_in":"600"}`, ""},
		{200, "application/json", `{"device_code":"d","user_code":"U","verification_url":"https://x/d"}`, ""}, // Google
		{200, "application/json", `{"device_code":"d"}`, "lacks device_code, user_code or verification_uri"},
		{502, "text/html", `<html>Bad Gateway</html>`, "answered 502 Bad Gateway"},
		{200, "text/html", `<html>login</html>`, "answered 200 OK: <html>login</html>"},
		{400, "application/json", `{"error":"unauthorized_client","error_description":"device flow not enabled"}`, "unauthorized_client: device flow not enabled"},
	} {
		answer(tc.status, tc.ctype, tc.body)
		d, err := c.StartDevice(context.Background(), md, PublicClient{"cli"}, GrantRequest{Scopes: []string{"openid"}})
		switch {
		case tc.want == "" && (err != nil || d.Interval != 5*time.Second || d.VerificationURI != "https://x/d"):
			t.Errorf("%s: %+v %v", tc.body, d, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !IsIssuerError(err)):
			t.Errorf("%s: %v, want %q", tc.body, err, tc.want)
		}
	}
	if _, err := c.StartDevice(context.Background(), &Metadata{Issuer: "x"}, PublicClient{"cli"}, GrantRequest{}); err == nil || !strings.Contains(err.Error(), "no device_authorization_endpoint") {
		t.Errorf("no endpoint: %v", err)
	}
}

// TestExchangeRefused: a token exchange answered with a 403 page is one
// line naming the status, an issuer error (exit 3), never a panic.
func TestExchangeRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"issuer":"http://` + r.Host + `","token_endpoint":"http://` + r.Host + `/token","jwks_uri":"http://` + r.Host + `/jwks"}`))
		default:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte("<html><h1>403 Forbidden</h1></html>"))
		}
	}))
	defer srv.Close()
	c := newTestClient(time.Second)
	_, err := c.RunExchange(context.Background(), ExchangeRequest{
		FlowRequest:  FlowRequest{Issuer: srv.URL, ClientID: "gw", ClientSecret: "s", Warn: func(string) {}},
		SubjectToken: "subject-secret", SubjectTokenType: "access_token",
	})
	if err == nil || !IsIssuerError(err) || !strings.Contains(err.Error(), "the token endpoint answered 403 Forbidden") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("%v", err)
	}
}
