package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/oidcdev/oidc/decode"
)

// TestTokenResponseNumbers: the token response line shows numbers as the
// issuer sent them, not as float64 prints them.
func TestTokenResponseNumbers(t *testing.T) {
	raw := []byte(`{"token_type":"Bearer","expires_in":600000000000,"scope":"openid","access_token":"2YotnFZFEjr1zCsicMWpAA","id_token":null}`)
	got := tokenResponseLine(raw, false)
	want := "token_type=Bearer expires_in=600000000000 scope=openid access_token=2YotnFZFEjr1… id_token=null"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for in, want := range map[string]string{`1.50`: "expires_in=1.50", `1e3`: "expires_in=1e3", `12345678901234567890123`: "expires_in=12345678901234567890123", `"3600"`: "expires_in=3600"} {
		if got := tokenResponseLine([]byte(`{"expires_in":`+in+`}`), false); got != want {
			t.Errorf("expires_in %s: got %s, want %s", in, got, want)
		}
	}

	var out bytes.Buffer
	p := NewPrinter(&out, NewTheme(&out, false), 0)
	p.Login(&decode.FlowReport{Issuer: "https://login.example.com", ClientID: "oidc-cli", TokenResponse: raw}, false)
	p.Flush()
	if !strings.Contains(out.String(), "expires_in=600000000000") {
		t.Errorf("login output:\n%s", out.String())
	}
}
