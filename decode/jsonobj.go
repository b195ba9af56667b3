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
	if !json.Valid(data) {
		// The slow tokenizing pass says where and why.
		if p := scanJSON(data, &duplicates); p != nil {
			return nil, nil, p
		}
		return nil, nil, &jsonProblem{0, "not JSON"}
	}
	i := skipSpace(data, 0)
	if data[i] != '{' {
		return nil, nil, &jsonProblem{i, fmt.Sprintf("JSON %s, not an object", jsonTypeName(data[i]))}
	}
	members, _ = scanObject(data, i, nil, &duplicates)
	return members, duplicates, nil
}

// scanObject reads the object at data[i] of a document json.Valid has
// accepted: one pass, no validation left to do, values kept as raw bytes.
// at is where the object is in the document, for naming duplicates.
func scanObject(data []byte, i int, at *jsonPath, dups *[]string) ([]Member, int) {
	var members []Member
	var seen map[string]bool // past a few members, a linear search would be quadratic
	i = skipSpace(data, i+1)
	for data[i] != '}' {
		ks := i
		i = skipString(data, i)
		name := unquoteKey(data[ks:i])
		dup := false
		if seen != nil {
			dup = seen[name]
			seen[name] = true
		} else {
			for _, m := range members {
				if m.Name == name {
					dup = true
					break
				}
			}
			if len(members) == 16 {
				seen = make(map[string]bool, 32)
				for _, m := range members {
					seen[m.Name] = true
				}
				seen[name] = true
			}
		}
		if dup {
			*dups = append(*dups, (&jsonPath{parent: at, name: name}).String())
		}
		i = skipSpace(data, i)
		i = skipSpace(data, i+1) // ':'
		vs := i
		i = skipValue(data, i, at, name, false, dups)
		members = append(members, Member{Name: name, Value: data[vs:i]})
		i = skipSpace(data, i)
		if data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return members, i + 1
}

// jsonPath is where a value is in a document, as a list linked from the
// innermost level out: each level costs one small allocation, and the
// dotted name ("act.sub", "l[].y") is built only for a duplicate. (Copying
// a path at every level made deep nesting quadratic.)
type jsonPath struct {
	parent *jsonPath
	name   string
	array  bool // an element of the array at parent
}

func (p *jsonPath) String() string {
	var levels []*jsonPath
	for ; p != nil; p = p.parent {
		levels = append(levels, p)
	}
	var b strings.Builder
	for i := len(levels) - 1; i >= 0; i-- {
		switch {
		case levels[i].array:
			b.WriteString("[]")
		case i < len(levels)-1:
			b.WriteString(".")
			fallthrough
		default:
			b.WriteString(levels[i].name)
		}
	}
	return b.String()
}

// skipValue returns the index after the value at data[i]: the member name
// of the object at at, or, with element, an element of the array at at.
// Only values that nest get a path of their own: most claims are flat.
func skipValue(data []byte, i int, at *jsonPath, name string, element bool, dups *[]string) int {
	switch data[i] {
	case '{':
		_, end := scanObject(data, i, &jsonPath{parent: at, name: name, array: element}, dups)
		return end
	case '[':
		arr := &jsonPath{parent: at, name: name, array: element}
		i = skipSpace(data, i+1)
		for data[i] != ']' {
			i = skipSpace(data, skipValue(data, i, arr, "", true, dups))
			if data[i] == ',' {
				i = skipSpace(data, i+1)
			}
		}
		return i + 1
	case '"':
		return skipString(data, i)
	}
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

// skipString returns the index after the string starting at data[i].
func skipString(data []byte, i int) int {
	for i++; data[i] != '"'; i++ {
		if data[i] == '\\' {
			i++
		}
	}
	return i + 1
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

func unquoteKey(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return internName(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s) // valid: json.Valid accepted the document
	return s
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
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	return unquoteKey(raw), true
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

// ObjectMembers parses a JSON object (a userinfo response, say) keeping
// member order and raw values.
func ObjectMembers(data []byte) ([]Member, error) {
	members, _, p := parseObject(data)
	if p != nil {
		return nil, fmt.Errorf("at byte %d: %s", p.offset, p.message)
	}
	return members, nil
}

// internName returns the common member names as constants, the rest as
// new strings: a token's names are mostly these, and a batch decodes
// thousands of tokens. (A switch, not a map, so that start-up builds
// nothing.)
func internName(b []byte) string {
	switch string(b) {
	case "alg":
		return "alg"
	case "kid":
		return "kid"
	case "typ":
		return "typ"
	case "iss":
		return "iss"
	case "sub":
		return "sub"
	case "aud":
		return "aud"
	case "exp":
		return "exp"
	case "nbf":
		return "nbf"
	case "iat":
		return "iat"
	case "jti":
		return "jti"
	case "azp":
		return "azp"
	case "sid":
		return "sid"
	case "nonce":
		return "nonce"
	case "auth_time":
		return "auth_time"
	case "at_hash":
		return "at_hash"
	case "c_hash":
		return "c_hash"
	case "acr":
		return "acr"
	case "amr":
		return "amr"
	case "scope":
		return "scope"
	case "client_id":
		return "client_id"
	case "name":
		return "name"
	case "given_name":
		return "given_name"
	case "family_name":
		return "family_name"
	case "email":
		return "email"
	case "email_verified":
		return "email_verified"
	case "locale":
		return "locale"
	case "groups":
		return "groups"
	case "roles":
		return "roles"
	case "tid":
		return "tid"
	case "oid":
		return "oid"
	case "ver":
		return "ver"
	case "cid":
		return "cid"
	case "uid":
		return "uid"
	case "preferred_username":
		return "preferred_username"
	}
	return string(b)
}
