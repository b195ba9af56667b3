package decode

import (
	"strings"
	"testing"
)

// TestKnownPrefixes: a recognised prefix sets the guessed type, the
// vendor and advice that fits the type.
func TestKnownPrefixes(t *testing.T) {
	const tail = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
	tests := []struct{ token, typ, vendor, advice string }{
		{"ya29." + tail, TypeAccessToken, "Google", "tokeninfo"},
		{"1//" + tail, TypeRefreshToken, "Google", "grant_type=refresh_token"},
		{"ory_at_" + tail, TypeAccessToken, "Ory Hydra", "token introspection"},
		{"ory_rt_" + tail, TypeRefreshToken, "Ory Hydra", "grant_type=refresh_token"},
		{"ory_ac_" + tail, TypeCode, "Ory Hydra", "exchange it at the token endpoint"},
		{"gho_" + tail, TypeAccessToken, "GitHub", "its own API"},
		{"ghu_" + tail, TypeAccessToken, "GitHub", "its own API"},
		{"ghr_" + tail, TypeRefreshToken, "GitHub", "grant_type=refresh_token"},
		{"ghs_" + tail, TypeAccessToken, "GitHub", "its own API"},
		{"ghp_" + tail, TypeAccessToken, "GitHub", "its own API"},
		{"github_pat_" + tail, TypeAccessToken, "GitHub", "its own API"},
		{"glpat-" + tail, TypeAccessToken, "GitLab", "its own API"},
		{"xoxb-" + tail, TypeAccessToken, "Slack", "its own API"},
		{"xoxp-" + tail, TypeAccessToken, "Slack", "its own API"},
	}
	for _, tc := range tests {
		r := Token(tc.token, Source{}, "", Options{Now: at})
		if r.Kind != KindOpaque || r.Guess == nil {
			t.Errorf("%s: kind %s, guess %v", tc.token, r.Kind, r.Guess)
			continue
		}
		g := r.Guess
		if g.Type != tc.typ || g.Vendor != tc.vendor {
			t.Errorf("%s: guess %s (%s), want %s (%s)", tc.token, g.Type, g.Vendor, tc.typ, tc.vendor)
		}
		if !strings.Contains(r.Opaque.Hint, tc.advice) {
			t.Errorf("%s: hint %q lacks %q", tc.token, r.Opaque.Hint, tc.advice)
		}
		if tc.typ != TypeAccessToken && strings.Contains(r.Opaque.Hint, "userinfo") {
			t.Errorf("%s: access token advice for a %s: %q", tc.token, tc.typ, r.Opaque.Hint)
		}
		ev := strings.Join(g.Evidence, "; ")
		if !strings.Contains(ev, " "+article(tc.vendor)+" "+tc.vendor) {
			t.Errorf("%s: evidence %q", tc.token, ev)
		}
	}

	// The member it came in wins; the prefix is still evidence.
	r := Token("ory_rt_"+tail, Source{}, "access_token", Options{Now: at})
	if r.Guess.Type != TypeAccessToken || !strings.Contains(strings.Join(r.Guess.Evidence, "; "), "prefix ory_rt_ marks an Ory Hydra refresh token") {
		t.Errorf("labelled: %+v", r.Guess)
	}
	// An unknown opaque token keeps the general advice.
	if r := Token("2YotnFZFEjr1zCsicMWpAA2YotnFZFEjr1zCsicMWpAA", Source{}, "", Options{Now: at}); r.Guess.Type != TypeOpaque || r.Guess.Vendor != "" {
		t.Errorf("unknown: %+v", r.Guess)
	}
}

func TestArticle(t *testing.T) {
	for s, want := range map[string]string{
		"Ory Hydra access token": "an", "Okta": "an", "Entra ID": "an", "Auth0": "an", "Amazon Cognito": "an",
		"Google": "a", "GitHub App token": "a", "Slack": "a", "Keycloak": "a",
		"UUID (Keycloak)": "a", "ID token": "an", "HMAC key": "an", "RFC": "an", "JWT": "a", "OAuth token": "an",
		"access": "an", "logout": "a", "id": "an", "unsecured": "an", "user": "a", "jws": "a", "": "a",
	} {
		if got := article(s); got != want {
			t.Errorf("article(%q) = %s, want %s", s, got, want)
		}
	}
}

// TestArticlesInMessages: names put after an article get the right one.
func TestArticlesInMessages(t *testing.T) {
	r := Token("2YotnFZFEjr1zCsicMWpAA2YotnFZFEjr1zCsicMWpAA", Source{}, "id_token", Options{Now: at})
	if r.Error == nil || !strings.HasPrefix(r.Error.Message, "an id_token must be a JWT") {
		t.Errorf("error: %+v", r.Error)
	}
	v := Verify(Token(sample(t, "access-token.jwt"), Source{}, "", Options{Now: at}), sampleKeys(t),
		VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, ClientID: "oidc-cli", Now: at})
	for _, c := range v.Checks {
		if c.ID == "profile" && !strings.Contains(c.Message, "the token is an access token") {
			t.Errorf("profile: %s", c.Message)
		}
	}
}
