package flow

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/oidcdev/oidc/decode"
)

// TestDiscoverAllIssuerWithPath: for an issuer with a path, discover asks
// at all four well-known URLs (OIDC Discovery 4's appended form, RFC 8414
// 3's inserted one, and each standard's other placement), says which
// answered, and lints the first that did in that order.
func TestDiscoverAllIssuerWithPath(t *testing.T) {
	const (
		oidcAppended  = "/tenant/a/.well-known/openid-configuration"
		oauthInserted = "/.well-known/oauth-authorization-server/tenant/a"
		oidcInserted  = "/.well-known/openid-configuration/tenant/a"
		oauthAppended = "/tenant/a/.well-known/oauth-authorization-server"
	)
	tried := []string{oidcAppended, oauthInserted, oidcInserted, oauthAppended}
	for _, tc := range []struct {
		name     string
		serve    []string // the paths that answer
		source   string   // the one linted
		kind     string
		noOAuth  bool // oauth_metadata_missing expected
		answered []string
	}{
		{name: "OIDC appended only", serve: []string{oidcAppended}, source: oidcAppended, kind: decode.WellKnownOpenID, noOAuth: true},
		{name: "RFC 8414 inserted only", serve: []string{oauthInserted}, source: oauthInserted, kind: decode.WellKnownOAuth},
		{name: "OIDC inserted only", serve: []string{oidcInserted}, source: oidcInserted, kind: decode.WellKnownOpenID, noOAuth: true},
		{name: "RFC 8414 appended only", serve: []string{oauthAppended}, source: oauthAppended, kind: decode.WellKnownOAuth},
		{name: "OIDC appended before RFC 8414 inserted", serve: []string{oauthInserted, oidcAppended}, source: oidcAppended, kind: decode.WellKnownOpenID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var asked []string
			var issuer string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				asked = append(asked, r.URL.Path)
				mu.Unlock()
				if !slices.Contains(tc.serve, r.URL.Path) {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"issuer": issuer, "authorization_endpoint": issuer + "/authorize",
					"token_endpoint": issuer + "/token", "response_types_supported": []string{"code"}})
			}))
			defer srv.Close()
			issuer = srv.URL + "/tenant/a"
			rep, err := newTestClient(5*time.Second).discoverAll(context.Background(), issuer, false)
			if err != nil {
				t.Fatal(err)
			}
			var urls, forms []string
			for _, d := range rep.Documents {
				urls, forms = append(urls, d.URL[len(srv.URL):]), append(forms, d.Form)
				want := slices.Contains(tc.serve, d.URL[len(srv.URL):])
				if d.Answered != want || want && d.Issuer != issuer || !want && d.Error == "" {
					t.Errorf("%s: answered %v (want %v), issuer %q, error %q", d.URL, d.Answered, want, d.Issuer, d.Error)
				}
			}
			if !slices.Equal(urls, tried) {
				t.Errorf("documents %v, want %v", urls, tried)
			}
			if want := []string{"appended", "inserted", "inserted", "appended"}; !slices.Equal(forms, want) {
				t.Errorf("forms %v, want %v", forms, want)
			}
			mu.Lock()
			slices.Sort(asked)
			want := slices.Clone(tried)
			slices.Sort(want)
			if !slices.Equal(asked, want) {
				t.Errorf("asked %v, want each of %v once", asked, want)
			}
			mu.Unlock()
			if rep.Source != srv.URL+tc.source {
				t.Errorf("linted %s, want %s", rep.Source, srv.URL+tc.source)
			}
			var ids []string
			for _, f := range rep.Findings {
				ids = append(ids, f.ID)
				if f.ID == "issuer_mismatch" || f.ID == "metadata_disagree" {
					t.Errorf("finding %s: %s", f.ID, f.Message)
				}
			}
			if got := slices.Contains(ids, "oauth_metadata_missing"); got != tc.noOAuth {
				t.Errorf("oauth_metadata_missing %v, want %v (findings %v)", got, tc.noOAuth, ids)
			}
			// An OIDC document is held to OIDC Discovery 3 (jwks_uri and
			// more), an RFC 8414 one only to RFC 8414 2.
			if got := slices.Contains(ids, "required_missing"); got != (tc.kind == decode.WellKnownOpenID) {
				t.Errorf("required_missing %v for a %s document (findings %v)", got, tc.kind, ids)
			}
		})
	}
}
