package flow

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/oidcdev/oidc/decode"
)

// TestRefreshedIDToken: each OIDC Core 12.2 rule for an ID token a
// refresh brings, against the login's, by the check id that must fail
// (or that nothing fails).
func TestRefreshedIDToken(t *testing.T) {
	login := time.Unix(1_800_000_000, 0)
	original := map[string]any{"iss": "https://op.example", "sub": "alice", "aud": "cli", "azp": "cli",
		"iat": login.Unix(), "exp": login.Unix() + 3600, "auth_time": login.Unix() - 30, "nonce": "n-0S6"}
	later := login.Add(10 * time.Minute)
	tests := []struct {
		name     string
		original func(map[string]any) // changes to the login's ID token
		change   func(map[string]any) // changes to the refreshed one, which starts as the login's
		at       time.Time            // when the refresh arrived
		fail     string               // the check that fails; "" none
	}{
		{name: "as issued", change: func(map[string]any) {}},
		{name: "aud as a list of one", change: func(c map[string]any) { c["aud"] = []string{"cli"} }},
		{name: "iss changed", change: func(c map[string]any) { c["iss"] = "https://other.example" }, fail: "refresh_iss"},
		{name: "sub changed", change: func(c map[string]any) { c["sub"] = "mallory" }, fail: "refresh_sub"},
		{name: "sub missing", change: func(c map[string]any) { delete(c, "sub") }, fail: "refresh_sub"},
		{name: "aud changed", change: func(c map[string]any) { c["aud"] = "another-client" }, fail: "refresh_aud"},
		{name: "aud widened", change: func(c map[string]any) { c["aud"] = []string{"cli", "api"} }, fail: "refresh_aud"},
		{name: "azp changed", change: func(c map[string]any) { c["azp"] = "another-client" }, fail: "refresh_azp"},
		{name: "azp dropped", change: func(c map[string]any) { delete(c, "azp") }, fail: "refresh_azp"},
		{name: "azp added where the original had none", original: func(c map[string]any) { delete(c, "azp") },
			change: func(c map[string]any) { c["azp"] = "cli" }, fail: "refresh_azp"},
		{name: "nonce left out (12.2: should not be there)", change: func(c map[string]any) { delete(c, "nonce") }},
		{name: "nonce changed", change: func(c map[string]any) { c["nonce"] = "another" }, fail: "refresh_nonce"},
		{name: "nonce added where the login had none", original: func(c map[string]any) { delete(c, "nonce") },
			change: func(c map[string]any) { c["nonce"] = "n-0S6" }, fail: "refresh_nonce"},
		{name: "auth_time moved to the refresh", change: func(c map[string]any) { c["auth_time"] = later.Unix() }, fail: "refresh_auth_time"},
		{name: "auth_time left out (12.2: only if present)", change: func(c map[string]any) { delete(c, "auth_time") }},
		{name: "auth_time only on the refreshed, before the login", original: func(c map[string]any) { delete(c, "auth_time") },
			change: func(c map[string]any) { c["auth_time"] = login.Unix() - 30 }},
		{name: "auth_time only on the refreshed, after the login", original: func(c map[string]any) { delete(c, "auth_time") },
			change: func(c map[string]any) { c["auth_time"] = later.Unix() }, fail: "refresh_auth_time"},
		{name: "iat before the original's", change: func(c map[string]any) { c["iat"] = login.Unix() - 1 }, fail: "refresh_iat"},
		{name: "iat the original's, the same second", at: login.Add(time.Second)},
		{name: "iat the original's, ten minutes on", at: later, fail: "refresh_iat"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := maps.Clone(original)
			if tc.original != nil {
				tc.original(o)
			}
			n := maps.Clone(o)
			if tc.at.IsZero() {
				n["iat"], n["exp"] = later.Unix(), later.Unix()+3600
			}
			if tc.change != nil {
				tc.change(n)
			}
			at := tc.at
			if at.IsZero() {
				at = later
			}
			checks := refreshedIDToken(unsignedJWT(t, o), unsignedJWT(t, n), login, at)
			var failed []string
			seen := map[string]bool{}
			for _, c := range checks {
				seen[c.ID] = true
				if c.Status == decode.Fail {
					failed = append(failed, c.ID)
				}
			}
			switch {
			case tc.fail == "" && len(failed) > 0:
				t.Fatalf("failed %v, want none: %+v", failed, checks)
			case tc.fail != "" && (len(failed) != 1 || failed[0] != tc.fail):
				t.Fatalf("failed %v, want only %s: %+v", failed, tc.fail, checks)
			}
			// The rules that always apply are always reported.
			for _, id := range []string{"refresh_iss", "refresh_aud", "refresh_iat"} {
				if !seen[id] {
					t.Errorf("no %s check: %+v", id, checks)
				}
			}
		})
	}
}

// unsignedJWT is a token of the claims for what reads them unverified.
func unsignedJWT(t *testing.T, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(payload) + "." + enc([]byte("not-checked"))
}
