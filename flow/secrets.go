package flow

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// Redacted replaces secrets in traces.
const Redacted = "[REDACTED]"

// secretParams are the form, query and JSON members that carry secrets or
// bearer credentials: a trace, a HAR file and a curl command show that they
// were sent, never what they were. Every parameter a grant, a client
// authentication or an endpoint call sends belongs here; this is the only
// list.
var secretParams = map[string]bool{
	"client_secret": true, "client_assertion": true, "assertion": true, "password": true,
	"code": true, "code_verifier": true, "device_code": true, "user_code": true,
	"refresh_token": true, "access_token": true, "id_token": true,
	"token":         true, // introspection and revocation (RFC 7662, RFC 7009)
	"id_token_hint": true, "logout_token": true,
	"request":       true, // a request object can carry claims and hints
	"subject_token": true, "actor_token": true,
	"issued_token": true, "registration_access_token": true, // token exchange, dynamic registration
}

// secretHeaders are the headers whose values are credentials.
var secretHeaders = map[string]bool{
	"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true,
	"Dpop": true, "X-Api-Key": true,
}

// IsSecretParam reports whether a form or JSON member carries a secret.
func IsSecretParam(name string) bool { return secretParams[name] }

// isSecretHeader reports whether a header's value is a credential.
func isSecretHeader(name string) bool { return secretHeaders[http.CanonicalHeaderKey(name)] }

// shellVar names the shell variable a curl command uses in place of a
// secret: code_verifier becomes $OIDC_CODE_VERIFIER.
func shellVar(name string) string {
	return "$OIDC_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name))
}

// RedactForm copies form values with secrets replaced.
func RedactForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		for _, s := range vs {
			if secretParams[k] {
				s = Redacted
			}
			out.Add(k, s)
		}
	}
	return out
}

// redactHeader keeps an auth scheme (Basic, Bearer, DPoP), which says how
// the client authenticated, and hides the rest.
func redactHeader(v string) string {
	if scheme, _, ok := strings.Cut(v, " "); ok && !strings.Contains(scheme, "=") {
		return scheme + " " + Redacted
	}
	return Redacted
}

// RedactBody is a body with its secrets redacted, whatever it is labelled:
// issuers send form bodies as text/plain and error pages with a code in
// them, so the body's shape decides, never its Content-Type. A JSON
// object's secret members, a form's secret parameters, and in any other
// text the secret name=value pairs, hidden inputs named for a secret and
// anything shaped like a JWT are replaced.
func RedactBody(body []byte) string {
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "{") {
		var doc map[string]json.RawMessage
		if json.Unmarshal(body, &doc) == nil {
			for k := range doc {
				if secretParams[k] {
					doc[k] = json.RawMessage(`"` + Redacted + `"`)
				}
			}
			out, _ := json.Marshal(doc)
			return string(out)
		}
	}
	if !strings.ContainsAny(trimmed, "<> \n{") && strings.Contains(trimmed, "=") {
		if v, err := url.ParseQuery(trimmed); err == nil {
			return RedactForm(v).Encode()
		}
	}
	return redactText(string(body))
}

// textPatterns are compiled on first use: every command starts, few
// redact (compiling them at start-up cost 0.05 ms of every run).
var textPatterns = sync.OnceValue(func() (p struct{ secretPair, secretInput, inputValue, inputName, jwtShape *regexp.Regexp }) {
	// name=value or "name":"value" with a secret name, in any text.
	p.secretPair = regexp.MustCompile(`(?i)\b([a-z_]+)(["']?\s*[=:]\s*["']?)([^"'&\s<>,;]+)`)
	// <input ... name="code" ... value="..."> (a form_post page), either order.
	p.secretInput = regexp.MustCompile(`(?i)<input\b[^>]*>`)
	p.inputValue = regexp.MustCompile(`(?i)\bvalue\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`)
	p.inputName = regexp.MustCompile(`(?i)\bname\s*=\s*["']?([a-z_]+)`)
	p.jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)
	return p
})

func redactText(s string) string {
	p := textPatterns()
	secretPair, secretInput, inputValue, inputName, jwtShape := p.secretPair, p.secretInput, p.inputValue, p.inputName, p.jwtShape
	s = secretInput.ReplaceAllStringFunc(s, func(tag string) string {
		if m := inputName.FindStringSubmatch(tag); m != nil && secretParams[strings.ToLower(m[1])] {
			return inputValue.ReplaceAllString(tag, `value="`+Redacted+`"`)
		}
		return tag
	})
	s = secretPair.ReplaceAllStringFunc(s, func(pair string) string {
		m := secretPair.FindStringSubmatch(pair)
		if secretParams[strings.ToLower(m[1])] && m[3] != Redacted {
			return m[1] + m[2] + Redacted
		}
		return pair
	})
	return jwtShape.ReplaceAllString(s, Redacted)
}
