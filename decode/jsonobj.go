package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// jsonProblem is why bytes are not a usable JSON object, with the offset of
// the problem inside those bytes.
type jsonProblem struct {
	offset  int
	message string
}

// parseObject parses a JSON object keeping member order and the raw bytes of
// each value, so numbers keep their precision. It also lists member names
// that occur twice in any object of the document: parsers disagree on which
// one wins, which attackers use to smuggle claims.
func parseObject(data []byte) (members []Member, duplicates []string, problem *jsonProblem) {
	if p := scanJSON(data, &duplicates); p != nil {
		return nil, nil, p
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // '{', checked by scanJSON
		return nil, nil, &jsonProblem{0, err.Error()}
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, &jsonProblem{int(dec.InputOffset()), err.Error()}
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, &jsonProblem{int(dec.InputOffset()), err.Error()}
		}
		members = append(members, Member{Name: name, Value: v})
	}
	return members, duplicates, nil
}

type jsonFrame struct {
	object  bool
	wantKey bool
	key     string // the member being read, in an object
	names   map[string]bool
}

// pathOf names where the top of the stack is, e.g. "act.sub" or
// "l[].y". Built only for a duplicate: building it for every nested value
// would cost the square of the nesting depth.
func pathOf(stack []*jsonFrame) string {
	var b strings.Builder
	for i, f := range stack {
		switch {
		case !f.object:
			b.WriteString("[]")
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		}
	}
	return b.String()
}

// scanJSON checks that data is exactly one JSON object (nothing after it) and
// collects duplicate member names as dotted paths.
func scanJSON(data []byte, duplicates *[]string) *jsonProblem {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return &jsonProblem{0, "empty, expected a JSON object"}
	}
	if trimmed[0] != '{' {
		if json.Valid(data) {
			return &jsonProblem{len(data) - len(trimmed), fmt.Sprintf("JSON %s, not an object", jsonTypeName(trimmed[0]))}
		}
		return &jsonProblem{len(data) - len(trimmed), "not JSON: expected '{'"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*jsonFrame
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			var se *json.SyntaxError
			switch {
			case errors.As(err, &se):
				return &jsonProblem{int(se.Offset), "not JSON: " + se.Error()}
			case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
				return &jsonProblem{len(data), "not JSON: it ends before the object is closed"}
			default:
				return &jsonProblem{int(before), "not JSON: " + err.Error()}
			}
		}
		var top *jsonFrame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
			} else {
				name, _ := tok.(string)
				top.key = name
				if top.names[name] {
					*duplicates = append(*duplicates, pathOf(stack))
				}
				top.names[name] = true
				top.wantKey = false
				continue
			}
		} else {
			if top != nil && top.object {
				top.wantKey = true
			}
			if d, ok := tok.(json.Delim); ok {
				switch d {
				case '{':
					stack = append(stack, &jsonFrame{object: true, wantKey: true, names: map[string]bool{}})
				case '[':
					stack = append(stack, &jsonFrame{})
				case ']':
					stack = stack[:len(stack)-1]
				}
			}
		}
		if len(stack) == 0 {
			break
		}
	}
	end := int(dec.InputOffset())
	if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
		return &jsonProblem{len(data) - len(rest), fmt.Sprintf("trailing data after the JSON object: %s", snippet(rest, 16))}
	}
	return nil
}

func jsonTypeName(first byte) string {
	switch first {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

func snippet(b []byte, n int) string {
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "..."
	}
	return strconv.Quote(string(b))
}

// lookup returns the raw value of the named member, or nil.
func lookup(members []Member, name string) json.RawMessage {
	for _, m := range members {
		if m.Name == name {
			return m.Value
		}
	}
	return nil
}

// stringMember returns the named member when it is a JSON string.
func stringMember(members []Member, name string) (string, bool) {
	raw := lookup(members, name)
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// has reports whether the named member is present.
func has(members []Member, name string) bool { return lookup(members, name) != nil }

// numberMember returns the named member when it is a JSON number.
func numberMember(members []Member, name string) (float64, bool) {
	raw := lookup(members, name)
	if len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil
}

// stringsMember returns a string or array-of-strings member as a slice (aud
// and amr take both forms).
func stringsMember(members []Member, name string) []string {
	raw := lookup(members, name)
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return []string{s}
		}
		return nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	return nil
}

// compactJSON returns members re-encoded as one JSON object, in order.
func membersJSON(members []Member) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(m.Name)
		b.Write(name)
		b.WriteByte(':')
		b.Write(m.Value)
	}
	b.WriteByte('}')
	return b.Bytes()
}
