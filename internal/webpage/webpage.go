// Package webpage writes the few HTML pages oidc shows in a browser: the
// callback listener's and oidc serve's. Pages are self-contained (no
// resources from anywhere) and cannot be framed.
package webpage

import (
	"fmt"
	"html"
	"net/http"
)

// Write sends a page. title is text; body is HTML the caller has escaped.
// Forms lets the page post forms and run the one-line inline script that
// auto-submits a form_post response.
func Write(w http.ResponseWriter, status int, title, body string, forms bool) {
	csp := "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
	if forms {
		csp += "; script-src 'unsafe-inline'; form-action *"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", csp)
	// No framing: a framed login or device page is one click from signing
	// in someone else's device.
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><title>%[1]s</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em}h1{font-size:1.4em}button{font:inherit;padding:.4em 1em;margin:.2em}</style>
</head><body><h1>%[1]s</h1>%[2]s</body></html>
`, html.EscapeString(title), body)
}

// Text sends a page whose message is plain text.
func Text(w http.ResponseWriter, status int, title, msg string) {
	Write(w, status, title, "<p>"+html.EscapeString(msg)+"</p>", false)
}
