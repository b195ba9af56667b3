package flow

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// TestPreflight: what fails a login before the browser opens, and what
// never does.
func TestPreflight(t *testing.T) {
	var mu sync.Mutex
	var handler http.HandlerFunc
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := handler
		mu.Unlock()
		h(w, r)
	}))
	defer srv.Close()
	redirect := func(q string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1:5000/callback?"+q, http.StatusFound)
		}
	}
	pageOf := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			w.Write([]byte(body))
		}
	}
	tests := []struct {
		name string
		h    http.HandlerFunc
		want string // "" when the login goes on
	}{
		{"login page", pageOf(200, "<form>Sign in</form>"), ""},
		{"a code at once", redirect("code=abc&state=s"), ""},
		{"login_required", redirect("error=login_required&state=s"), ""},
		{"access_denied", redirect("error=access_denied"), ""},
		{"WAF challenge", pageOf(403, "<title>Just a moment...</title>"), ""},
		{"server error", pageOf(500, "oops"), ""},
		{"slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
			}
		}, ""},
		{"invalid_scope", redirect("error=invalid_scope&error_description=nope"), "invalid_scope: nope; a scope asked for"},
		{"unauthorized_client", redirect("error=unauthorized_client"), "may not use the authorization code flow"},
		{"error in the fragment", redirect("x=1#error=unsupported_response_type"), "unsupported_response_type"},
		{"Hydra's error page redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/oauth2/fallbacks/error?error=invalid_client&error_description=Client+authentication+failed", http.StatusSeeOther)
		}, "invalid_client: Client authentication failed; client cli is not known"},
		{"Google's redirect_uri_mismatch", pageOf(400, "<html><head><script>var x='<b>';</script><style>p{}</style></head><body><h1>Error 400: redirect_uri_mismatch</h1><p>You can&#39;t sign in</p></body></html>"),
			"400 Bad Request: Error 400: redirect_uri_mismatch You can't sign in; redirect URI http://127.0.0.1:5000/callback is not registered for client cli"},
		{"Keycloak's unknown client", pageOf(400, "<title>Sign in</title><p>Client not found.</p>"), "Client not found.; client cli is not known"},
		{"no endpoint", pageOf(404, ""), "the authorization endpoint is not there"},
	}
	c, _ := New(Options{Timeout: time.Second})
	for _, tc := range tests {
		mu.Lock()
		handler = tc.h
		mu.Unlock()
		err := c.preflight(context.Background(), srv.URL+"/authorize?client_id=cli", "http://127.0.0.1:5000/callback", "cli")
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !IsIssuerError(err)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// FuzzPageText: any page gives one short line, without panics.
func FuzzPageText(f *testing.F) {
	for _, s := range []string{"<html><title>t</title><body><h1>x</h1></body></html>", "<script>", "a<b", "<>", "<\x00>", "&amp;<p>\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, page string) {
		got := pageText([]byte(page))
		if utf8.RuneCountInString(got) > 201 || strings.ContainsAny(got, "\n\r\t") {
			t.Fatalf("pageText(%q) = %q", page, got)
		}
	})
}
