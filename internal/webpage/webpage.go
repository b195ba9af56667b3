// Package webpage writes the few HTML pages oidc shows in a browser: the
// callback listener's and oidc serve's. Pages are self-contained (no
// resources from anywhere) and cannot be framed.
package webpage

import (
	"fmt"
	"html"
	"net/http"
)

// style is every page's: no fonts or files from anywhere, readable from
// a phone's width up, in light and dark.
const style = `:root{color-scheme:light dark}
body{font:16px/1.5 system-ui,sans-serif;max-width:42em;margin:2em auto;padding:0 1em}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}
button{font:inherit;padding:.5em 1.2em;margin:.3em .5em .3em 0;min-height:2.75em}
input[type=text],textarea{font:inherit;width:100%;box-sizing:border-box;padding:.4em}
textarea{font-family:ui-monospace,monospace;font-size:.9em}
code{font-family:ui-monospace,monospace;font-size:.9em;overflow-wrap:anywhere}
dl.req{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1em}
dl.req dt{font-weight:600}dl.req dd{margin:0;overflow-wrap:anywhere}dl.req dd>span{display:block}
@media (max-width:32em){body{margin:1em auto}dl.req{grid-template-columns:1fr}dl.req dt{margin-top:.4em}}
fieldset{border:1px solid #8888;border-radius:4px;margin:1em 0;min-width:0}
label{display:block;margin-top:.5em}label.choice{margin-top:.2em}
details{margin:1em 0}summary{cursor:pointer;font-weight:600}
.hint,.note{opacity:.75;font-size:.9em;margin:.1em 0 .4em}.warn{color:#b45309}
.error{color:#c00;font-weight:600}
@media (prefers-color-scheme:dark){.warn{color:#f59e0b}.error{color:#f66}}`

// Policy is what a page may do besides show itself.
type Policy int

const (
	// Static pages post nothing and run nothing.
	Static Policy = iota
	// Forms may post forms, to anywhere (a form_post response goes to the
	// client's redirect URI), and run no script.
	Forms
	// AutoSubmit is Forms plus the one inline script that submits a
	// form_post response.
	AutoSubmit
)

// Write sends a page. title is text; body is HTML the caller has escaped.
func Write(w http.ResponseWriter, status int, title, body string, p Policy) {
	csp := "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
	switch p {
	case Forms:
		csp += "; form-action *"
	case AutoSubmit:
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
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>%[1]s</title>
<style>%[3]s</style>
</head><body><main><h1>%[1]s</h1>%[2]s</main></body></html>
`, html.EscapeString(title), body, style)
}

// Text sends a page whose message is plain text.
func Text(w http.ResponseWriter, status int, title, msg string) {
	Write(w, status, title, "<p>"+html.EscapeString(msg)+"</p>", Static)
}
