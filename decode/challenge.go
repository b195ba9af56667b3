package decode

import "strings"

// Challenge is one challenge of a WWW-Authenticate header (RFC 9110
// 11.6.1): a scheme and its parameters, names lower-cased (servers vary
// in case; the names are case-insensitive).
type Challenge struct {
	Scheme string            `json:"scheme"`
	Params map[string]string `json:"params,omitempty"`
}

// ParseChallenges reads a WWW-Authenticate header value, leniently: quoted
// and bare values, several challenges separated by commas, a token68
// (Basic abc=) kept as the parameter "token68". It never fails; what it
// cannot read ends the list.
func ParseChallenges(h string) []Challenge {
	var out []Challenge
	s := h
	for {
		s = strings.TrimLeft(s, " \t,")
		scheme, rest := cutToken(s)
		if scheme == "" {
			return out
		}
		ch := Challenge{Scheme: scheme, Params: map[string]string{}}
		s = strings.TrimLeft(rest, " \t")
		for {
			name, after := cutToken(s)
			eq := strings.TrimLeft(after, " \t")
			if name != "" && len(ch.Params) == 0 && (eq == "" || eq[0] == ',') {
				ch.Params["token68"] = name // Basic dXNlcjpwYXNz
				s = eq
				break
			}
			if name == "" || !strings.HasPrefix(eq, "=") {
				break // the next challenge's scheme, or the end
			}
			value := strings.TrimLeft(eq[1:], " \t")
			if len(ch.Params) == 0 && (value == "" || value[0] == ',' || value[0] == '=') {
				// token68: a run of = ends it.
				t68 := name + strings.TrimRight(eq[:len(eq)-len(strings.TrimLeft(eq, "="))], " ")
				ch.Params["token68"] = t68
				s = strings.TrimLeft(eq, "=")
				break
			}
			var v string
			if strings.HasPrefix(value, `"`) {
				v, s = cutQuoted(value)
			} else {
				i := strings.IndexAny(value, ", \t")
				if i < 0 {
					i = len(value)
				}
				v, s = value[:i], value[i:]
			}
			ch.Params[strings.ToLower(name)] = v
			s = strings.TrimLeft(s, " \t")
			if !strings.HasPrefix(s, ",") {
				break
			}
			s = strings.TrimLeft(s[1:], " \t")
		}
		out = append(out, ch)
	}
}

// cutToken reads an RFC 9110 token.
func cutToken(s string) (string, string) {
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func cutQuoted(s string) (string, string) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), ""
}
