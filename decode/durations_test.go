package decode

import (
	"strings"
	"testing"
	"time"
)

// TestOneDuration: decode's words beside a claim and verify's checks
// count a time the same way, however far into its second now is: the
// sample ID token expires at 11:00:00, an hour after it was issued.
func TestOneDuration(t *testing.T) {
	issued := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		after time.Duration
		want  string
	}{
		{0, "expires in 1h"},
		{400 * time.Millisecond, "expires in 1h"},
		{600 * time.Millisecond, "expires in 59m59s"},
		{30*time.Minute + 999*time.Millisecond, "expires in 29m59s"},
	} {
		now := issued.Add(c.after)
		r := Input([]byte(sample(t, "id-token.jwt")), Source{}, Options{Now: now})[0]
		decoded := Relative("exp", r.Times["exp"].FromNow)
		v := Verify(r, sampleKeys(t), VerifyOptions{Issuer: "https://login.example.com", IssuerPinned: true, Audience: []string{"oidc-cli"}, Now: now})
		checked := ""
		for _, ch := range v.Checks {
			if ch.ID == "exp" {
				checked = ch.Message
			}
		}
		if decoded != c.want || !strings.HasPrefix(checked, c.want) {
			t.Errorf("now %s: decode says %q, verify %q; want %q", now.Format(time.RFC3339Nano), decoded, checked, c.want)
		}
	}
}
