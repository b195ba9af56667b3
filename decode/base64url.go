package decode

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// segment is one dot-separated part of a compact serialization.
type segment struct {
	name  string // header, payload, signature, encrypted_key, ...
	text  string
	start int // byte offset of text in the token
}

// segmentProblem is a base64url irregularity that still let the segment
// decode: strict JOSE libraries reject it, so it is worth a warning.
type segmentProblem struct {
	code     string
	segment  string
	position int
	message  string
}

// decodeSegment decodes a base64url segment. It accepts the irregular forms
// issuers get wrong (padding, the standard base64 alphabet) so their content
// can still be shown, and reports them as problems. A hard error means the
// segment cannot be decoded at all.
func decodeSegment(s segment) ([]byte, []segmentProblem, *Error) {
	text := s.text
	// The common case, well-formed base64url, in one pass; anything the
	// standard decoder refuses is then examined byte by byte below to say
	// what and where.
	// (The standard decoder skips line breaks: those go the long way.)
	if len(text)%4 != 1 && (len(text) == 0 || text[len(text)-1] != '=') && !strings.ContainsAny(text, "\r\n") {
		out := make([]byte, base64.RawURLEncoding.DecodedLen(len(text)))
		if n, err := base64.RawURLEncoding.Decode(out, []byte(text)); err == nil {
			var problems []segmentProblem
			if !canonicalTail(text) {
				problems = append(problems, noncanonical(s, len(text)))
			}
			return out[:n], problems, nil
		}
	}
	var problems []segmentProblem
	end := len(text)
	for end > 0 && text[end-1] == '=' {
		end--
	}
	if end < len(text) {
		problems = append(problems, segmentProblem{"base64_padding", s.name, s.start + end,
			fmt.Sprintf("%s segment ends in '=' padding at byte %d; JOSE uses unpadded base64url and strict libraries reject it", s.name, s.start+end)})
	}
	var clean []byte // allocated only when the standard alphabet must be mapped
	for i := 0; i < end; i++ {
		c := text[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '+' || c == '/':
			if clean == nil {
				clean = []byte(text[:end])
				problems = append(problems, segmentProblem{"base64_alphabet", s.name, s.start + i,
					fmt.Sprintf("%s segment uses the standard base64 alphabet ('%c' at byte %d) instead of base64url", s.name, c, s.start+i)})
			}
			if c == '+' {
				clean[i] = '-'
			} else {
				clean[i] = '_'
			}
		case c == '=':
			return nil, problems, &Error{Segment: s.name, Position: s.start + i,
				Message: fmt.Sprintf("%s segment: '=' padding in the middle at byte %d", s.name, s.start+i)}
		default:
			return nil, problems, &Error{Segment: s.name, Position: s.start + i,
				Message: fmt.Sprintf("%s segment: invalid base64url character %s at byte %d", s.name, quoteByte(c), s.start+i)}
		}
	}
	body := text[:end]
	if clean != nil {
		body = string(clean)
	}
	if len(body)%4 == 1 {
		return nil, problems, &Error{Segment: s.name, Position: s.start + end,
			Message: fmt.Sprintf("%s segment: %d characters cannot be base64url (one too many, or the segment is truncated)", s.name, len(body))}
	}
	out := make([]byte, base64.RawURLEncoding.DecodedLen(len(body)))
	n, err := base64.RawURLEncoding.Decode(out, []byte(body))
	if err != nil { // unreachable after the checks above, kept as a guard
		return nil, problems, &Error{Segment: s.name, Position: s.start, Message: fmt.Sprintf("%s segment: %v", s.name, err)}
	}
	out = out[:n]
	// Unused low bits that are not zero give several encodings of the same
	// bytes: harmless to decode, but a sign of a hand-made or tampered token.
	if !canonicalTail(body) {
		problems = append(problems, noncanonical(s, end))
	}
	return out, problems, nil
}

// canonicalTail reports whether the unused low bits of a base64url text's
// last character are zero; otherwise several texts decode to the same
// bytes.
func canonicalTail(text string) bool {
	var unused byte
	switch len(text) % 4 {
	case 2:
		unused = 0x0f
	case 3:
		unused = 0x03
	default:
		return true
	}
	return base64URLValue(text[len(text)-1])&unused == 0
}

func base64URLValue(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A'
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26
	case c >= '0' && c <= '9':
		return c - '0' + 52
	case c == '-':
		return 62
	}
	return 63
}

func noncanonical(s segment, end int) segmentProblem {
	return segmentProblem{"noncanonical_base64", s.name, s.start + end - 1,
		fmt.Sprintf("%s segment is not canonical base64url: the last character (byte %d) has non-zero unused bits", s.name, s.start+end-1)}
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("'%c'", c)
	}
	return fmt.Sprintf("0x%02x", c)
}
