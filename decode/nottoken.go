package decode

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxOpaqueLength is the longest string taken for an opaque token when
// nothing says it is one (it did not come in a token response member).
// Opaque tokens in use are far shorter: Auth0's and GitHub's 32 and 40
// characters, Google's ya29. access tokens a few hundred, Entra ID refresh
// tokens 1-2 KB. Longer is data (a file in base64, a key, digests) and is
// refused, saying what it looks like.
const MaxOpaqueLength = 4 << 10

// notToken is the error of a string that cannot be a token.
func notToken(pos int, format string, args ...any) *Error {
	return &Error{Position: pos, Message: "not a token: " + fmt.Sprintf(format, args...)}
}

// size says how large a text is, for people.
func size(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// opaqueLimit checks an unlabelled string of token characters against what
// an opaque token can be: RFC 6750's b64token (padding only at the end)
// of at most MaxOpaqueLength characters.
func opaqueLimit(text string) *Error {
	if i := strings.IndexByte(text, '='); i >= 0 && strings.TrimRight(text[i:], "=") != "" {
		return notToken(i, "'=' at byte %d: '=' only pads the end of a token (RFC 6750 b64token); this reads as name=value", i)
	}
	if what, ok := base64DER(text); ok {
		return notToken(0, "%d characters of base64 %s", len(text), what)
	}
	if len(text) <= MaxOpaqueLength {
		return nil
	}
	limit := fmt.Sprintf("an opaque token is at most %d characters", MaxOpaqueLength)
	switch alphabet(text) {
	case "hex":
		return notToken(MaxOpaqueLength, "%s of hex: binary data or digests (%s)", size(len(text)), limit)
	case "alphanumeric", "base64url", "base64":
		return notToken(MaxOpaqueLength, "%s of base64: %s (%s)", size(len(text)), base64Content(text), limit)
	}
	return notToken(MaxOpaqueLength, "%d characters: longer than any opaque token (%s)", len(text), limit)
}

// base64Content says what base64 text decodes to, from its first bytes.
func base64Content(text string) string {
	head := text[:min(len(text), 96)]
	head = strings.NewReplacer("-", "+", "_", "/").Replace(strings.TrimRight(head, "="))
	raw, err := base64.RawStdEncoding.DecodeString(head[:len(head)/4*4])
	if err != nil {
		return "binary data"
	}
	return binaryContent(raw, "binary data")
}

// base64DER reports whether text is the base64 of one whole DER
// structure (its length says exactly how long it is): a key or
// certificate without its PEM lines, which no opaque token is.
func base64DER(text string) (string, bool) {
	if !strings.HasPrefix(text, "MI") || len(text) > 64<<10 {
		return "", false
	}
	body := strings.NewReplacer("-", "+", "_", "/").Replace(strings.TrimRight(text, "="))
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(raw) < 4 || raw[0] != 0x30 {
		return "", false
	}
	n, hdr := 0, 2
	switch l := int(raw[1]); {
	case l < 0x80:
		n = l
	case l == 0x81:
		n, hdr = int(raw[2]), 3
	case l == 0x82:
		n, hdr = int(raw[2])<<8|int(raw[3]), 4
	default:
		return "", false
	}
	if hdr+n != len(raw) {
		return "", false
	}
	return binaryContent(raw, "DER"), true
}

// magics are the first bytes of the formats people paste by mistake.
var magics = []struct{ magic, what string }{
	{"\x1f\x8b", "gzip data"},
	{"%PDF", "a PDF document"},
	{"\x89PNG", "a PNG image"},
	{"\xff\xd8\xff", "a JPEG image"},
	{"PK\x03\x04", "a ZIP archive"},
}

// binaryContent names what bytes are, or says other.
func binaryContent(raw []byte, other string) string {
	for _, m := range magics {
		if bytes.HasPrefix(raw, []byte(m.magic)) {
			return m.what
		}
	}
	switch {
	case len(raw) > 2 && raw[0] == 0x30 && raw[1] >= 0x81 && raw[1] <= 0x84:
		// An ASN.1 SEQUENCE with a long length: how keys and
		// certificates begin.
		return "DER, most likely a key or certificate (oidc verify --key takes keys as PEM or JWK)"
	case len(raw) > 0 && (raw[0] == '{' || raw[0] == '['):
		return "JSON with no dots around it (a JWS has 2, a JWE 4)"
	}
	return other
}

// pemBlock explains a PEM block given where a token was expected.
func pemBlock(text string) string {
	kind, _, _ := strings.Cut(strings.TrimPrefix(text, "-----BEGIN "), "-----")
	switch {
	case strings.Contains(kind, "PRIVATE KEY"):
		return fmt.Sprintf("a PEM private key (%s): oidc verify --decrypt-key takes it to decrypt a JWE; keep it secret", kind)
	case strings.Contains(kind, "CERTIFICATE") || strings.Contains(kind, "PUBLIC KEY"):
		return fmt.Sprintf("a PEM block (%s): a key, not a token; give it to oidc verify --key", kind)
	}
	return fmt.Sprintf("a PEM block (%s), not a token", kind)
}

// badChar explains a character no token has, at byte i of text.
func badChar(text string, i int) *Error {
	c := text[i]
	switch {
	case strings.HasPrefix(text, "-----BEGIN "):
		return notToken(0, "%s", pemBlock(text))
	case c == ' ' || c == '\t':
		if severalTokens(text) {
			return notToken(i, "white space at byte %d: several tokens on one line? give one per line, or each as an argument", i)
		}
		return notToken(i, "white space at byte %d: it reads as text (tokens are one word of base64url-like characters)", i)
	case c == 0 || !utf8.ValidString(text):
		return notToken(i, "binary data (byte 0x%02x at byte %d), not text", c, i)
	}
	return notToken(i, "character %s at byte %d (tokens are one word of base64url-like characters)", quoteByte(c), i)
}

// severalTokens: words that are each long runs of token characters.
func severalTokens(text string) bool {
	words := strings.Fields(text)
	if len(words) < 2 {
		return false
	}
	for _, w := range words {
		if len(w) < MinOpaqueLength {
			return false
		}
		for j := 0; j < len(w); j++ {
			if !tokenChar(w[j]) {
				return false
			}
		}
	}
	return true
}

// notTokenInput recognises a whole input that is data, not tokens: binary
// (or UTF-16) bytes, a PEM block, or base64 wrapped in lines. It is asked
// before the input is cut into lines, which would make each line of it a
// token of its own.
func notTokenInput(data []byte, lines [][]byte) (*Error, bool) {
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xfe")) || bytes.HasPrefix(data, []byte("\xfe\xff")) ||
		len(data) >= 4 && (data[1] == 0 && data[3] == 0 || data[0] == 0 && data[2] == 0):
		return notToken(0, "UTF-16 text (Windows PowerShell writes files so): save it as UTF-8 (Out-File -Encoding utf8, or iconv -f UTF-16)"), true
	case bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data):
		pos := 0
		for pos < len(data) {
			r, n := utf8.DecodeRune(data[pos:])
			if r == 0 || r == utf8.RuneError && n == 1 {
				break
			}
			pos += n
		}
		return notToken(pos, "%s of binary data: %s", size(len(data)), binaryContent(data, "not text")), true
	case bytes.HasPrefix(data, []byte("-----BEGIN ")):
		return notToken(0, "%s", pemBlock(string(data))), true
	}
	if w, std, ok := wrappedBase64(lines); ok {
		joined := string(bytes.Join(bytes.Fields(data), nil))
		what, der := base64DER(joined)
		if !der {
			what = base64Content(joined)
		}
		// Lines all of one length are more likely tokens of one format,
		// one per line, than base64 that happens to fill its last line.
		short := len(bytes.TrimSpace(lines[len(lines)-1])) < w
		if der || short && (std || strings.HasSuffix(joined, "=")) {
			return notToken(0, "%d lines of base64 wrapped at %d columns (%s): %s, not tokens", len(lines), w, size(len(data)), what), true
		}
	}
	return nil, false
}

// WholeInput reports whether the start of a stream of input lines is the
// start of data that is no tokens (binary, UTF-16, a PEM block, base64
// wrapped in lines): to be read whole and refused as one input, rather
// than decoded line by line as tokens.
func WholeInput(head []byte) bool {
	head = bytes.TrimLeft(head, " \t\r\n")
	if bytes.HasPrefix(head, []byte("-----BEGIN ")) || bytes.IndexByte(head, 0) >= 0 ||
		bytes.HasPrefix(head, []byte("\xff\xfe")) || bytes.HasPrefix(head, []byte("\xfe\xff")) {
		return true
	}
	// Invalid UTF-8, but for a character the end of head may have cut.
	if cut := len(head) - 3; cut > 0 && !utf8.Valid(head[:cut]) {
		return true
	}
	// A JWT wrapped over lines (a terminal, an email): its first line
	// starts a JOSE header and holds fewer than the two dots of a token;
	// read whole, it is joined (Input).
	if first, rest, ok := bytes.Cut(head, []byte("\n")); ok && bytes.HasPrefix(first, []byte("eyJ")) && bytes.Count(first, []byte(".")) < 2 && len(bytes.TrimSpace(rest)) > 0 {
		return true
	}
	// Three whole lines of it, at least: a trickle of tokens comes a line
	// at a time, and must not wait for the end of its stream.
	lines := bytes.SplitN(head, []byte("\n"), 4)
	if len(lines) < 4 {
		return false
	}
	w, _, ok := wrappedBase64(lines[:3])
	return ok && len(bytes.TrimSpace(lines[2])) == w
}

// wrappedBase64 reports whether the lines are base64 wrapped at 64 or 76
// columns (PEM and OpenSSL, MIME and base64(1)), at which, and whether
// they have a character of the standard alphabet that tokens seldom have:
// every line but the last exactly that long, padding only at the very end.
func wrappedBase64(lines [][]byte) (width int, std, ok bool) {
	if len(lines) < 2 {
		return 0, false, false
	}
	width = len(bytes.TrimSpace(lines[0]))
	if width != 64 && width != 76 {
		return 0, false, false
	}
	for i, l := range lines {
		l = bytes.TrimSpace(l)
		last := i == len(lines)-1
		if !last && len(l) != width || last && (len(l) == 0 || len(l) > width) {
			return 0, false, false
		}
		body := l
		if last {
			body = bytes.TrimRight(l, "=")
		}
		for _, c := range body {
			isAlnum := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
			if !isAlnum && c != '+' && c != '/' {
				return 0, false, false
			}
			std = std || c == '+' || c == '/'
		}
	}
	return width, std, true
}
