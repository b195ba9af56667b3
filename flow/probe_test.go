package flow

import (
	"context"
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
