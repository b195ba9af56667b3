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

// testAuthServer is an authorization server for the probe: its OpenID
// metadata (with S256 unless noS256) and a /register that answers
// registerStatus.
func testAuthServer(t *testing.T, noS256 bool, registerStatus int) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server":
			methods := `["S256"]`
			if noS256 {
				methods = `["plain"]`
			}
			w.Write([]byte(`{"issuer":"` + srv.URL + `","authorization_endpoint":"` + srv.URL + `/authorize","token_endpoint":"` + srv.URL + `/token",` +
				`"jwks_uri":"` + srv.URL + `/jwks","response_types_supported":["code"],"subject_types_supported":["public"],` +
				`"id_token_signing_alg_values_supported":["RS256"],"registration_endpoint":"` + srv.URL + `/register","code_challenge_methods_supported":` + methods + `}`))
		case "/register":
			w.WriteHeader(registerStatus)
			if registerStatus == http.StatusCreated {
				w.Write([]byte(`{"client_id":"at-` + strings.TrimPrefix(srv.URL, "http://") + `","token_endpoint_auth_method":"none"}`))
			} else {
				w.Write([]byte(`{"error":"invalid_token","error_description":"an initial access token is needed"}`))
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// probeResource is a resource whose metadata lists the servers.
func probeResource(t *testing.T, servers ...string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/oauth-protected-resource/api" {
			list, _ := json.Marshal(servers)
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"resource":"` + srv.URL + `/api","authorization_servers":` + string(list) + `}`))
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="`+srv.URL+`/.well-known/oauth-protected-resource/api"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestProbeAuthorizationServersInOrder: each of authorization_servers is
// tried in order until one has metadata with S256 and registers a client;
// those passed over are warnings that say what was wrong with each, and
// the walk goes on with the one that works.
func TestProbeAuthorizationServersInOrder(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler()) // no metadata
	t.Cleanup(gone.Close)
	noS256 := testAuthServer(t, true, http.StatusCreated)
	closed := testAuthServer(t, false, http.StatusUnauthorized)
	good := testAuthServer(t, false, http.StatusCreated)
	res := probeResource(t, gone.URL, noS256.URL, closed.URL, good.URL)
	rep, err := newTestClient(0).Probe(context.Background(), ProbeRequest{URL: res.URL + "/api", RedirectURI: "http://127.0.0.1/callback"})
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ name, status, id, says string }
	wants := []want{
		{"challenge", decode.Pass, "", ""},
		{"resource metadata", decode.Pass, "", ""},
		{"authorization server", decode.Warn, "as-metadata-missing", "authorization server 1 of 4, " + gone.URL + ": "},
		{"authorization server", decode.Warn, "as-no-s256", "authorization server 2 of 4, " + noS256.URL + ": "},
		{"authorization server", "", "", "authorization server 3 of 4, " + closed.URL + ": metadata at "},
		{"registration", decode.Warn, "registration-refused", "dynamic registration was refused (401 invalid_token"},
		{"authorization server", "", "", "authorization server 4 of 4, " + good.URL + ": metadata at "},
		{"registration", decode.Pass, "", "registered client at-"},
		{"login", decode.Skip, "", ""},
	}
	if len(rep.Steps) != len(wants) {
		t.Fatalf("%d steps, want %d: %+v", len(rep.Steps), len(wants), rep.Steps)
	}
	for i, w := range wants {
		s := rep.Steps[i]
		if s.Name != w.name || w.status != "" && s.Status != w.status || s.ID != w.id && w.id != "" || !strings.HasPrefix(s.Message, w.says) || s.Protocol {
			t.Errorf("step %d: %+v\nwant %+v", i+1, s, w)
		}
		if s.Status == decode.Warn && w.id != "" && !strings.Contains(s.Message, "the walk goes on with the next of authorization_servers") {
			t.Errorf("step %d does not say the walk went on: %s", i+1, s.Message)
		}
	}
	if s := rep.Steps[6]; s.Status == decode.Fail {
		t.Errorf("the server that works: %+v", s)
	}
	if !rep.Valid || rep.AuthorizationServer != good.URL || rep.ClientID != "at-"+strings.TrimPrefix(good.URL, "http://") || rep.Registration != "dynamic" {
		t.Errorf("valid %v, server %s, client %s (%s)", rep.Valid, rep.AuthorizationServer, rep.ClientID, rep.Registration)
	}

	// None works: each keeps its failure, the first is the verdict, and a
	// server that does not answer is the protocol broken (exit 3).
	rep, err = newTestClient(0).Probe(context.Background(), ProbeRequest{URL: probeResource(t, gone.URL, noS256.URL).URL + "/api"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Steps) != 4 || rep.Valid || rep.Steps[2].Status != decode.Fail || !rep.Steps[2].Protocol || rep.Steps[3].Status != decode.Fail || rep.Steps[3].ID != "as-no-s256" {
		t.Fatalf("steps %+v", rep.Steps)
	}
	if f := rep.Failed(); f != &rep.Steps[2] || strings.Contains(f.Message, "the walk goes on") {
		t.Errorf("failed %+v", f)
	}
}

// TestProbeClientOtherIssuer: a profile's client registered at another
// issuer is not sent; registration is tried instead, and its one step
// says both (it used to leave an empty step before it and lose the
// warning when registration worked).
func TestProbeClientOtherIssuer(t *testing.T) {
	srv, answer := cannedServer(t)
	raw := json.RawMessage(`{"registration_endpoint":"` + srv.URL + `/register"}`)
	req := ProbeRequest{ClientID: "profile-client", ClientSecret: "s", ClientIssuer: "https://elsewhere.example", RedirectURI: "http://127.0.0.1/callback"}

	answer(http.StatusCreated, "application/json", `{"client_id":"c-2","token_endpoint_auth_method":"none"}`)
	rep := &decode.ProbeReport{}
	id, secret := newTestClient(0).client(context.Background(), rep, req, &Metadata{Issuer: srv.URL}, raw)
	if id != "c-2" || secret != "" || len(rep.Steps) != 1 {
		t.Fatalf("client %q secret %q, steps %+v", id, secret, rep.Steps)
	}
	if s := rep.Steps[0]; s.Status != decode.Warn || s.ID != "client-other-issuer" || !strings.Contains(s.Message, "registered client c-2") ||
		!strings.Contains(s.Message, "registered at https://elsewhere.example, not at "+srv.URL) {
		t.Errorf("step %+v", s)
	}

	answer(http.StatusUnauthorized, "application/json", `{"error":"invalid_token"}`)
	rep = &decode.ProbeReport{}
	if id, _ := newTestClient(0).client(context.Background(), rep, req, &Metadata{Issuer: srv.URL}, raw); id != "" || len(rep.Steps) != 1 {
		t.Fatalf("client %q, steps %+v", id, rep.Steps)
	}
	if s := rep.Steps[0]; s.Status != decode.Fail || s.ID != "registration-refused" || !strings.HasPrefix(s.Message, "the profile's client is registered at https://elsewhere.example") {
		t.Errorf("step %+v", s)
	}
}
