package render

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/oidcdev/oidc/decode"
)

// plaintext shows what a JWE decrypted to when it is not a token: a JSON
// object's claims as a payload is shown, other JSON indented, text as it
// is, anything else as hex; each within decode's display limits.
func (p *Printer) plaintext(pt *decode.Plaintext) {
	p.section("PLAINTEXT")
	what := map[string]string{decode.PlaintextJSON: "JSON", decode.PlaintextText: "text", decode.PlaintextBinary: "binary data"}[pt.Form]
	if pt.Claims != nil || pt.Truncated && strings.HasPrefix(pt.Text, "{") {
		what = "JSON claims"
	}
	about := fmt.Sprintf("%s of %s, encrypted but not signed", bytesCount(pt.Bytes), what)
	switch {
	case pt.Bytes == 0:
		about = "empty: the JWE encrypts nothing"
	case pt.Form == decode.PlaintextBinary:
		about += "; in hex:"
	}
	p.paragraph("", p.t.Dim, about)
	switch {
	case pt.Bytes == 0:
	case pt.Claims != nil:
		p.table(p.claimRows(&decode.Result{Claims: pt.Claims, Times: pt.Times}))
	case pt.JSON != nil:
		for _, l := range strings.Split(jsonValue(pt.JSON), "\n") {
			p.line(indent, l)
		}
	case pt.Form == decode.PlaintextBinary:
		raw, _ := hex.DecodeString(pt.Hex)
		for off := 0; off < len(raw); off += 16 {
			p.line(indent, hexLine(off, raw[off:min(off+16, len(raw))]))
		}
	default:
		for _, l := range strings.Split(strings.TrimSuffix(pt.Text, "\n"), "\n") {
			p.line(indent, Sanitize(strings.TrimSuffix(l, "\r")))
		}
	}
	if pt.Truncated {
		shown := len(pt.Text)
		if pt.Form == decode.PlaintextBinary {
			shown = len(pt.Hex) / 2
		}
		p.paragraph("", p.t.Dim, fmt.Sprintf("… cut: the first %d of %d bytes are shown (--json shows as much)", shown, pt.Bytes))
	}
}

// hexLine is one line of a hex dump: the offset, 16 bytes in hex, and
// the printable ASCII among them.
func hexLine(off int, b []byte) string {
	var h, a strings.Builder
	for i := range 16 {
		if i == 8 {
			h.WriteByte(' ')
		}
		if i < len(b) {
			fmt.Fprintf(&h, "%02x ", b[i])
			if b[i] >= 0x20 && b[i] < 0x7f {
				a.WriteByte(b[i])
			} else {
				a.WriteByte('.')
			}
		} else {
			h.WriteString("   ")
		}
	}
	return fmt.Sprintf("%08x  %s |%s|", off, h.String(), a.String())
}
