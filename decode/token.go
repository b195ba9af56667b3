package decode

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Options tune decoding.
type Options struct {
	// Now is the instant relative times and time warnings are computed
	// against; zero means time.Now().
	Now time.Time
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// LargeToken is the size above which a token is reported as very large:
// many servers and proxies cap a request header at 8 KiB.
const LargeToken = 8 << 10

// Token decodes one token string (a JWS or JWE in compact form, an SD-JWT,
// or an opaque token). It never fails: what cannot be decoded is described
// in the result's Error, next to everything that could be.
func Token(text string, src Source, label string, opts Options) *Result {
	r := &Result{Input: src, Label: label, Raw: text, Warnings: []Warning{}}
	switch {
	case text == "":
		r.Kind, r.Error = KindInvalid, &Error{Message: "empty: no token"}
		return r
	case hasKnownPrefix(text): // ya29.c.… has dots but is no JWS
		decodeOpaque(r, text, label)
	case strings.Count(text, ".") == 4 && !strings.Contains(text, "~"):
		decodeJWE(r, text)
	case isSDJWT(text):
		decodeSDJWT(r, text)
	case strings.Count(text, ".") == 2:
		decodeCompactJWS(r, text)
	default:
		decodeOpaque(r, text, label)
	}
	if r.Kind == KindOpaque && mustBeJWT[label] {
		r.Kind, r.Opaque = KindInvalid, nil
		r.Error = &Error{Message: fmt.Sprintf("%s %s must be a JWT; this is a %d-character opaque string", article(label), label, len(text))}
	}
	analyze(r, opts.now())
	return r
}

// mustBeJWT are the labels whose tokens are JWTs by definition.
var mustBeJWT = map[string]bool{"id_token": true, "logout_token": true, "dpop": true}

func splitSegments(text string, names ...string) []segment {
	segs := make([]segment, 0, len(names))
	start := 0
	for i, name := range names {
		end := len(text)
		if i < len(names)-1 {
			end = start + strings.IndexByte(text[start:], '.')
		}
		segs = append(segs, segment{name: name, text: text[start:end], start: start})
		start = end + 1
	}
	return segs
}

func decodeCompactJWS(r *Result, text string) {
	r.Kind = KindJWS
	r.Serialization = "compact"
	segs := splitSegments(text, "header", "payload", "signature")
	if !decodeHeader(r, segs[0]) {
		return
	}
	if r.Error == nil {
		decodePayload(r, segs[1])
	}
	sig := segs[2]
	r.Signature = &sig.text
	r.decodeSignature(sig)
}

// decodeSignature keeps the signature bytes, once, for every later look.
func (r *Result) decodeSignature(sig segment) {
	raw, probs, err := decodeSegment(sig)
	if err != nil {
		if r.Error == nil {
			r.Error = err
		}
		return
	}
	r.addProblems(probs)
	r.SignatureBytes = raw
}

// decodeHeader decodes and parses a protected header, sets the kind from its
// alg, and reports whether decoding can go on.
func decodeHeader(r *Result, seg segment) bool {
	if seg.text == "" {
		r.Error = &Error{Segment: seg.name, Position: seg.start, Message: seg.name + " segment is empty"}
		return false
	}
	raw, probs, err := decodeSegment(seg)
	r.addProblems(probs)
	if err != nil {
		r.Kind, r.Error = KindInvalid, err
		return false
	}
	members, dups, p := parseObject(raw)
	if p != nil {
		// Without a JSON header it is no JWS or JWE at all.
		r.Kind = KindInvalid
		r.Error = &Error{Segment: seg.name, Position: seg.start,
			Message: fmt.Sprintf("%s segment decodes to %d bytes that are %s (at byte %d of the decoded %s)", seg.name, len(raw), p.message, p.offset, seg.name)}
		return false
	}
	raw = r.validUTF8(seg.name, raw)
	r.HeaderMembers = members
	r.Header = raw // encoding/json compacts it on output
	for _, d := range dups {
		r.warn("duplicate_member", "header has the member %q more than once: parsers disagree on which one counts", d)
	}
	if alg, ok := stringMember(members, "alg"); ok && strings.EqualFold(alg, "none") && r.Kind == KindJWS {
		r.Kind = KindUnsecured
	}
	return true
}

func decodePayload(r *Result, seg segment) {
	if string(lookup(r.HeaderMembers, "b64")) == "false" {
		// RFC 7797: the payload is carried as is, not base64url-encoded.
		setPayload(r, []byte(seg.text), seg)
		return
	}
	if seg.text == "" {
		r.warn("detached_payload", "the payload segment is empty: a detached payload (RFC 7515 Appendix F) must come from elsewhere to verify the signature")
		return
	}
	raw, probs, err := decodeSegment(seg)
	r.addProblems(probs)
	if err != nil {
		r.Error = err
		return
	}
	setPayload(r, raw, seg)
}

// setPayload fills in the claims of a JWT, or the text of a JWS whose
// payload is not JSON (RFC 7515 allows any content).
func setPayload(r *Result, raw []byte, seg segment) {
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	cty, _ := stringMember(r.HeaderMembers, "cty")
	typ, _ := stringMember(r.HeaderMembers, "typ")
	claimsExpected := len(trimmed) > 0 && trimmed[0] == '{' || strings.Contains(strings.ToUpper(typ), "JWT") || strings.EqualFold(cty, "JWT")
	members, dups, p := parseObject(raw)
	if p != nil {
		if claimsExpected {
			r.Error = &Error{Segment: seg.name, Position: seg.start,
				Message: fmt.Sprintf("%s segment decodes to %d bytes that are %s (at byte %d of the decoded %s)", seg.name, len(raw), p.message, p.offset, seg.name)}
		} else {
			r.warn("payload_not_json", "the payload is not a JSON object, so this is a JWS of other content, not a JWT")
		}
		if utf8.Valid(raw) {
			r.PayloadText = string(raw)
		} else {
			r.PayloadText = fmt.Sprintf("(%d bytes of binary data)", len(raw))
		}
		return
	}
	raw = r.validUTF8(seg.name, raw)
	r.Claims = members
	r.Payload = raw
	for _, d := range dups {
		r.warn("duplicate_member", "payload has the claim %q more than once: parsers disagree on which one counts", d)
	}
}

// validUTF8 replaces invalid UTF-8, which JSON forbids, so --json stays
// valid, and says so.
func (r *Result) validUTF8(what string, raw []byte) []byte {
	if utf8.Valid(raw) {
		return raw
	}
	r.warn("invalid_utf8", "the %s is not valid UTF-8, which JSON requires: shown with the bad bytes replaced", what)
	return bytes.ToValidUTF8(raw, []byte("\uFFFD"))
}

func (r *Result) addProblems(probs []segmentProblem) {
	for _, p := range probs {
		r.Warnings = append(r.Warnings, Warning{Code: p.code, Message: p.message, Segment: p.segment})
	}
}

func decodeJWE(r *Result, text string) {
	r.Kind = KindJWE
	r.Serialization = "compact"
	segs := splitSegments(text, "header", "encrypted_key", "iv", "ciphertext", "tag")
	if !decodeHeader(r, segs[0]) {
		return
	}
	info := &JWEInfo{}
	sizes := []*int{&info.EncryptedKeyBytes, &info.IVBytes, &info.CiphertextBytes, &info.TagBytes}
	for i, seg := range segs[1:] {
		raw, probs, err := decodeSegment(seg)
		r.addProblems(probs)
		if err != nil {
			r.Error = err
			return
		}
		*sizes[i] = len(raw)
	}
	cty, _ := stringMember(r.HeaderMembers, "cty")
	info.Nested = strings.EqualFold(cty, "JWT")
	r.JWE = info
}

func isSDJWT(text string) bool {
	i := strings.IndexByte(text, '~')
	return i > 0 && strings.Count(text[:i], ".") == 2
}

// decodeSDJWT decodes an SD-JWT (RFC 9901): an issuer-signed JWT, then
// disclosures separated by '~', then an optional key binding JWT.
func decodeSDJWT(r *Result, text string) {
	parts := strings.Split(text, "~")
	decodeCompactJWS(r, parts[0])
	r.Serialization = "sd-jwt"
	offset := len(parts[0]) + 1
	for i, p := range parts[1:] {
		start := offset
		offset += len(p) + 1
		if p == "" {
			continue
		}
		if i == len(parts)-2 && strings.Count(p, ".") == 2 {
			r.warn("key_binding_jwt", "ends with a key binding JWT (%d bytes); decode it on its own to see it", len(p))
			continue
		}
		raw, probs, err := decodeSegment(segment{name: "disclosure", text: p, start: start})
		r.addProblems(probs)
		if err != nil {
			if r.Error == nil {
				r.Error = err
			}
			continue
		}
		var arr []json.RawMessage
		d := Disclosure{Raw: p}
		ok := json.Unmarshal(raw, &arr) == nil && len(arr) >= 2 && len(arr) <= 3
		if ok && len(arr) == 3 {
			ok = len(arr[1]) > 0 && arr[1][0] == '"' && json.Unmarshal(arr[1], &d.Name) == nil
		}
		if !ok {
			if r.Error == nil {
				r.Error = &Error{Segment: "disclosure", Position: start, Message: fmt.Sprintf("disclosure at byte %d is not a JSON array of salt, [name as a string,] value", start)}
			}
			continue
		}
		d.Value = arr[len(arr)-1]
		r.Disclosures = append(r.Disclosures, d)
		// A disclosure counts only if the signed payload holds its digest:
		// anyone can append one.
		if digest, ok := disclosureDigest(r.Claims, p); ok && !bytes.Contains(r.Payload, []byte(`"`+digest+`"`)) {
			r.warn("disclosure_unreferenced", "disclosure %q is not referenced by any digest in the signed payload: it was not issued with this token", d.Name)
		}
	}
}

// disclosureDigest is the base64url digest of a disclosure with the
// token's _sd_alg (SHA-256 by default).
func disclosureDigest(claims []Member, disclosure string) (string, bool) {
	alg, ok := stringMember(claims, "_sd_alg")
	if !ok {
		alg = "sha-256"
	}
	var sum []byte
	switch alg {
	case "sha-256":
		s := sha256.Sum256([]byte(disclosure))
		sum = s[:]
	case "sha-384":
		s := sha512.Sum384([]byte(disclosure))
		sum = s[:]
	case "sha-512":
		s := sha512.Sum512([]byte(disclosure))
		sum = s[:]
	default:
		return "", false
	}
	return base64.RawURLEncoding.EncodeToString(sum), true
}
