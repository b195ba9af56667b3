package decode

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Display limits of a JWE's plaintext: enough to read a claims set, a
// document or the first bytes of a binary format, not a way to extract a
// large payload (which `oidc` is not for).
const (
	// MaxPlaintextShown is how much text or JSON is shown.
	MaxPlaintextShown = 4 << 10
	// MaxPlaintextHex is how much binary plaintext is shown, as hex.
	MaxPlaintextHex = 1 << 10
)

// Forms of a JWE's plaintext.
const (
	PlaintextToken  = "token"  // a JWS, JWE or unsecured JWT: decoded as the nested token
	PlaintextJSON   = "json"   // a JSON object (claims) or array
	PlaintextText   = "text"   // UTF-8 text
	PlaintextBinary = "binary" // anything else, shown as hex
)

// Plaintext is what a JWE decrypted to. Its JSON form is the plaintext
// member of `oidc verify --json`.
type Plaintext struct {
	Bytes int    `json:"bytes"` // the whole plaintext
	Form  string `json:"form"`  // token, json, text or binary
	// JSON is the plaintext of form json as it is, when it is at most
	// MaxPlaintextShown bytes; a longer one is in Text, cut.
	JSON json.RawMessage `json:"json,omitempty"`
	// Text is the plaintext of form text (or a long JSON document), cut
	// at MaxPlaintextShown bytes.
	Text string `json:"text,omitempty"`
	// Hex is the hex of the first MaxPlaintextHex bytes of a binary
	// plaintext.
	Hex string `json:"hex,omitempty"`
	// Truncated says Text or Hex holds only the start of the plaintext.
	Truncated bool `json:"truncated,omitempty"`
	// Times are the NumericDate claims of a JSON object, made readable.
	Times map[string]Time `json:"times,omitempty"`

	// Claims are the members of a JSON object, in order, for display.
	Claims []Member `json:"-"`
}

// describePlaintext says what a plaintext that is not a token is.
func describePlaintext(plain []byte) *Plaintext {
	p := &Plaintext{Bytes: len(plain)}
	trimmed := bytes.TrimSpace(plain)
	switch {
	case len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && utf8.Valid(trimmed) && json.Valid(trimmed):
		p.Form = PlaintextJSON
		if len(trimmed) <= MaxPlaintextShown {
			p.JSON = json.RawMessage(trimmed)
		} else {
			p.Text, p.Truncated = cutText(string(trimmed), MaxPlaintextShown), true
		}
	case isText(plain):
		p.Form = PlaintextText
		p.Text = cutText(string(plain), MaxPlaintextShown)
		p.Truncated = len(p.Text) < len(plain)
	default:
		p.Form = PlaintextBinary
		n := min(len(plain), MaxPlaintextHex)
		p.Hex, p.Truncated = hex.EncodeToString(plain[:n]), n < len(plain)
	}
	return p
}

// isText: valid UTF-8 with no control characters but tabs and line
// breaks.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r >= 0x7f && r < 0xa0 {
			return false
		}
	}
	return true
}

// cutText is the first n bytes of s at most, cut at a character boundary.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// InnerToken decodes the plaintext of the JWE r as a token, when it is
// one; Verify does the same with what it decrypts.
func InnerToken(plain []byte, r *Result, opts Options) (*Result, bool) {
	return innerToken(plain, r, opts.Now)
}

// innerToken decodes a decrypted plaintext as a token when it is one: a
// compact JWS, JWE or unsecured JWT (a nested JWT, RFC 7519 5.2), or a JWS
// or JWE in JSON serialization.
func innerToken(plain []byte, r *Result, now time.Time) (*Result, bool) {
	text := strings.TrimSpace(string(plain))
	if strings.HasPrefix(text, "{") {
		if members, _, p := parseObject([]byte(text)); p == nil &&
			(has(members, "payload") && (has(members, "signature") || has(members, "signatures")) || has(members, "ciphertext")) {
			inner := jsonDocument([]byte(text), r.Input, Options{Now: now})[0]
			inner.Label = r.Label
			return inner, true
		}
		return nil, false
	}
	if strings.Count(text, ".") != 2 && strings.Count(text, ".") != 4 || strings.ContainsAny(text, " \t\r\n") {
		return nil, false
	}
	inner := Token(text, r.Input, r.Label, Options{Now: now})
	switch inner.Kind {
	case KindJWS, KindJWE, KindUnsecured:
		return inner, true
	}
	return nil, false
}

// decryptedView is a JWE as decrypted when its plaintext is not a token:
// the JWE's own header, with the plaintext as its payload (claims when it
// is a JSON object), for the checks of its profile.
func decryptedView(r *Result, plain []byte, pt *Plaintext, now time.Time) *Result {
	view := &Result{Kind: KindJWE, Label: r.Label, Serialization: r.Serialization, Input: r.Input, Raw: r.Raw,
		Header: r.Header, Unprotect: r.Unprotect, HeaderMembers: r.HeaderMembers, JWE: r.JWE,
		Warnings: append([]Warning(nil), r.Warnings...)}
	// All of it is checked, however little of it is shown.
	doc := bytes.TrimSpace(plain)
	if pt.Form != PlaintextJSON || doc[0] != '{' {
		return view
	}
	members, dups, p := parseObject(doc)
	if p != nil {
		return view
	}
	view.Claims, view.Payload = members, doc
	for _, d := range dups {
		view.warn("duplicate_member", "the plaintext has the claim %q more than once: parsers disagree on which one counts", d)
	}
	// The claims decide the profile, as in a signed token: guessed as if
	// signed, since a JWE's guess stops at its header.
	signed := *view
	signed.Kind = KindJWS
	view.Guess = guess(&signed)
	claimWarnings(view, now)
	if pt.JSON != nil {
		pt.Claims, pt.Times = view.Claims, view.Times
	}
	return view
}

// sharedKeyAlgs are the JWE key management algorithms of a key both sides
// hold (RFC 7518 4.4, 4.5, 4.7, 4.8): decrypting with one proves the
// sender held it too. The others encrypt to a public key, which anyone
// may have.
var sharedKeyAlgs = map[string]bool{"dir": true, "A128KW": true, "A192KW": true, "A256KW": true,
	"A128GCMKW": true, "A192GCMKW": true, "A256GCMKW": true,
	"PBES2-HS256+A128KW": true, "PBES2-HS384+A192KW": true, "PBES2-HS512+A256KW": true}

// jweRecipients counts the recipients of a JWE: one, unless a JSON
// serialization lists several.
func jweRecipients(r *Result) int {
	if r.Serialization != "json" {
		return 1
	}
	var doc struct {
		Recipients []json.RawMessage `json:"recipients"`
	}
	if json.Unmarshal([]byte(r.Raw), &doc) != nil || len(doc.Recipients) == 0 {
		return 1
	}
	return len(doc.Recipients)
}

// unsignedContent verifies a JWE whose plaintext is not a token: nothing
// is signed, so what proves who made it is the key management alone, and
// the claims (when there are any) are checked as the profile says.
func (v *Verification) unsignedContent(view *Result, opts VerifyOptions) {
	v.profile(view, opts)
	c := &checker{v: v, r: view, opts: opts}
	c.profileConflict()
	c.structure()
	if v.Profile == ProfileJOSE {
		return // the JOSE layer only: it decrypted; nothing inside is read
	}
	c.origin()
	c.typ()
	c.claimsChecks("")
}

// origin says whether anything proves who made a JWE that is not signed
// inside. It takes the signature check's id: scripts ask one check
// whether the content is authentic.
func (c *checker) origin() {
	alg, _ := stringMember(c.r.HeaderMembers, "alg")
	n := jweRecipients(c.r)
	switch {
	case sharedKeyAlgs[alg] && n == 1:
		c.add("signature", Pass, fmt.Sprintf("not signed, but encrypted with a shared key (%s): only a holder of the key could have made it", alg))
	case sharedKeyAlgs[alg]:
		c.add("signature", Fail, fmt.Sprintf("not signed, and encrypted to %d recipients: each of them knows the content key and could have made it", n),
			hint("a JWE for several recipients proves nothing about which of them wrote it: the issuer must sign the content, then encrypt it (a nested JWT, RFC 7519 11.2)"))
	case c.v.Profile == ProfileUserinfo:
		c.add("signature", Warn, fmt.Sprintf("not signed, and encrypted to a public key (%s): only the TLS connection it came over says who sent it", orDash(alg)),
			hint("OIDC Core 5.3.2 allows an encrypted userinfo response that is not signed; ask the issuer to sign it as well (userinfo_signed_response_alg) to prove where it came from"))
	default:
		c.add("signature", Fail, fmt.Sprintf("not signed, and encrypted to a public key (%s): anyone who has the public key could have made it", orDash(alg)),
			hint("a JWE says who can read it, not who wrote it: the issuer must sign the content, then encrypt it (a nested JWT, RFC 7519 11.2); ID tokens, access tokens and logout tokens must be signed (OIDC Core 2, RFC 9068 2.1, Back-Channel Logout 2.4)"))
	}
}

// plaintextWhat names the form of a plaintext in a sentence.
func plaintextWhat(p *Plaintext) string {
	switch {
	case p.Form == PlaintextJSON && (p.JSON != nil && p.JSON[0] == '{' || p.Truncated && p.Text[0] == '{'):
		return "a JSON object of claims"
	case p.Form == PlaintextJSON:
		return "JSON"
	case p.Form == PlaintextText && p.Bytes == 0:
		return "empty"
	case p.Form == PlaintextText:
		return "text"
	}
	return "binary data"
}
