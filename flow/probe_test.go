package flow

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oidcdev/oidc/decode"
)

// TestProbeNoAuthorizationServers: metadata without authorization_servers
// fails its step however its resource matched the URL (exactly, by a
// trailing slash, or as the origin that covers it), and never reaches the
// authorization server step.
func TestProbeNoAuthorizationServers(t *testing.T) {
	for name, resource := range map[string]string{"exact": "/api", "trailing slash": "/api/", "covers": ""} {
		t.Run(name, func(t *testing.T) {
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/.well-known/oauth-protected-resource/api" {
					w.Header().Set("Content-Type", "application/json")
					w.Write([]byte(`{"resource":"` + srv.URL + resource + `","authorization_servers":[]}`))
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="`+srv.URL+`/.well-known/oauth-protected-resource/api"`)
				w.WriteHeader(http.StatusUnauthorized)
			}))
			defer srv.Close()
			rep, err := newTestClient(0).Probe(context.Background(), ProbeRequest{URL: srv.URL + "/api"})
			if err != nil {
				t.Fatal(err)
			}
			f := rep.Failed()
			if f == nil || f.Name != "resource metadata" || !strings.Contains(f.Message, "no authorization_servers") || len(rep.Steps) != 2 || rep.Valid {
				t.Fatalf("failed %+v, steps %+v", f, rep.Steps)
			}
			if f.Status != decode.Fail || f.Protocol {
				t.Errorf("a failed check (exit 1), not a protocol break: %+v", f)
			}
		})
	}
}

// TestProbeRegistrationAnswer: the registration step shows what the
// server registered, a client secret only as redacted, and the secret
// is still what the login gets.
func TestProbeRegistrationAnswer(t *testing.T) {
	srv, answer := cannedServer(t)
	answer(http.StatusCreated, "application/json", `{"client_id":"c-1","client_secret":"reg-secret-value","token_endpoint_auth_method":"client_secret_basic",`+
		`"redirect_uris":["http://127.0.0.1/callback"],"grant_types":["authorization_code","refresh_token"]}`)
	rep := &decode.ProbeReport{}
	raw := json.RawMessage(`{"registration_endpoint":"` + srv.URL + `/register"}`)
	id, secret := newTestClient(0).client(context.Background(), rep, ProbeRequest{RedirectURI: "http://127.0.0.1/callback"}, &Metadata{Issuer: srv.URL}, raw)
	if id != "c-1" || secret != "reg-secret-value" {
		t.Fatalf("client %q secret %q", id, secret)
	}
	step := rep.Steps[len(rep.Steps)-1]
	want := "201: client_id c-1, token_endpoint_auth_method client_secret_basic, redirect_uris http://127.0.0.1/callback, " +
		"grant_types authorization_code refresh_token, client_secret " + Redacted
	if step.Status != decode.Pass || step.Response != want {
		t.Fatalf("step %+v\nwant response %q", step, want)
	}
	out, _ := json.Marshal(rep)
	if strings.Contains(string(out), "reg-secret-value") {
		t.Errorf("the report has the secret: %s", out)
	}
}
