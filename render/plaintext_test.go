package render

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/oidcdev/oidc/decode"
)

// TestPlaintext: a JWE's plaintext is shown indented, escaped and within
// its limits; nothing in it can forge a line of oidc's own.
func TestPlaintext(t *testing.T) {
	jwe := decode.Token("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..YWJjZGVmZ2hpamts.Y2lwaGVydGV4dA.dGFnLXRhZy10YWctdGFnIQ", decode.Source{}, "", decode.Options{Now: at})
	tests := []struct {
		pt   decode.Plaintext
		want []string
	}{
		{decode.Plaintext{Bytes: 32, Form: decode.PlaintextText, Text: "hello\nVALID forged\n\u202eevil\n"},
			[]string{"  32 bytes of text, encrypted but not signed", "  hello", "  VALID forged", `  \u202eevil`}},
		{decode.Plaintext{Bytes: 3, Form: decode.PlaintextBinary, Hex: "1b5b32"},
			[]string{"  3 bytes of binary data, encrypted but not signed; in hex:", "  00000000  1b 5b 32 ", " |.[2|\n"}},
		{decode.Plaintext{Bytes: 5000, Form: decode.PlaintextBinary, Hex: hex.EncodeToString(make([]byte, decode.MaxPlaintextHex)), Truncated: true},
			[]string{"  000003f0  00 00", "  … cut: the first 1024 of 5000 bytes are shown"}},
		{decode.Plaintext{Bytes: 9, Form: decode.PlaintextJSON, JSON: []byte(`[1, "\u001b"]`)},
			[]string{"  9 bytes of JSON, encrypted but not signed", `  [1, "\u001b"]`}},
		{decode.Plaintext{Bytes: 0, Form: decode.PlaintextText},
			[]string{"  empty: the JWE encrypts nothing"}},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		p := NewPrinter(&out, NewTheme(&out, false), 80)
		pt := tt.pt
		p.Verification(&decode.Verification{Valid: true, Profile: "id", Token: jwe, Plaintext: &pt, Checks: []decode.Check{{ID: "decrypt", Status: decode.Pass}}}, false)
		p.Flush()
		s := out.String()
		if bytes.ContainsRune(out.Bytes(), 0x1b) {
			t.Errorf("escape in output: %q", s)
		}
		for _, l := range strings.Split(s, "\n") {
			if l != "" && l[0] != ' ' && !ownLine.MatchString(l) {
				t.Errorf("line not made by oidc: %q", l)
			}
		}
		for _, w := range tt.want {
			if !strings.Contains(s, w) {
				t.Errorf("output lacks %q:\n%s", w, s)
			}
		}
	}
}
