package flow

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// curlCommand is a shell command that sends req again. Secrets are shell
// variables unless showSecrets.
func curlCommand(req *http.Request, body []byte, showSecrets bool) string {
	var b strings.Builder
	b.WriteString("curl -sS")
	if req.Method != http.MethodGet {
		b.WriteString(" -X " + req.Method)
	}
	b.WriteString(" " + curlURL(req.URL, showSecrets))
	for _, k := range slices.Sorted(maps.Keys(req.Header)) {
		for _, v := range req.Header[k] {
			if strings.EqualFold(k, "Authorization") && !showSecrets {
				switch scheme, _, _ := strings.Cut(v, " "); strings.ToLower(scheme) {
				case "basic":
					// RFC 6749 2.3.1 form-encodes id and secret before
					// base64, which curl -u does not: pass the header.
					b.WriteString(` -H "Authorization: Basic $OIDC_CLIENT_BASIC"`)
				default:
					fmt.Fprintf(&b, ` -H "Authorization: %s $OIDC_ACCESS_TOKEN"`, scheme)
				}
				continue
			}
			if isSecretHeader(k) && !showSecrets {
				fmt.Fprintf(&b, ` -H "%s: %s"`, k, shellVar(k))
				continue
			}
			if strings.EqualFold(k, "Content-Type") && strings.HasPrefix(v, "application/x-www-form-urlencoded") {
				continue // --data-urlencode sets it
			}
			b.WriteString(" -H " + shellQuote(k+": "+v))
		}
	}
	if len(body) > 0 {
		if form, err := url.ParseQuery(string(body)); err == nil && strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			for _, k := range slices.Sorted(maps.Keys(form)) {
				for _, v := range form[k] {
					if secretParams[k] && !showSecrets {
						fmt.Fprintf(&b, ` --data-urlencode "%s=%s"`, k, shellVar(k))
					} else {
						b.WriteString(" --data-urlencode " + shellQuote(k+"="+v))
					}
				}
			}
		} else {
			b.WriteString(" --data-binary " + shellQuote(string(body)))
		}
	}
	return b.String() + "\n"
}

// curlURL is the URL for the shell, secrets in its query as variables.
func curlURL(u *url.URL, showSecrets bool) string {
	q := u.Query()
	secret := false
	for k := range q {
		secret = secret || secretParams[k]
	}
	if showSecrets || !secret {
		return shellQuote(u.String())
	}
	// Double quotes, so the variables expand; nothing else may.
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
	c := *u
	c.RawQuery = ""
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(q)) {
		for _, v := range q[k] {
			if secretParams[k] {
				parts = append(parts, esc.Replace(url.QueryEscape(k))+"="+shellVar(k))
			} else {
				parts = append(parts, esc.Replace(url.QueryEscape(k)+"="+url.QueryEscape(v)))
			}
		}
	}
	return `"` + esc.Replace(c.String()) + "?" + strings.Join(parts, "&") + `"`
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
