package render

import (
	"fmt"
	"strings"

	"github.com/oidcdev/oidc/decode"
)

// Verification prints a verified token: the decoded token (unless quiet),
// every check with its reason and hint, and the verdict.
func (p *Printer) Verification(v *decode.Verification, quiet bool) {
	if !quiet {
		p.verifying = true
		p.sections = 0
		p.token(v.Token)
		if v.Nested != nil {
			p.line()
			p.line(p.t.Dim.Render("decrypted, inside:"))
			p.sections = 0
			p.token(v.Nested)
		} else if v.Plaintext != nil {
			p.line()
			p.line(p.t.Dim.Render("decrypted, inside:"))
			p.sections = 0
			p.plaintext(v.Plaintext)
		}
		p.line()
		p.sections = 0
		p.section("CHECKS")
		p.checks(v)
		p.line()
	}
	p.verdict(v)
}

var symbols = map[string]string{decode.Pass: "✓", decode.Fail: "✗", decode.Warn: "!", decode.Skip: "-"}

func (p *Printer) checks(v *decode.Verification) {
	if v.Profile != "" { // none yet: a JWE that did not decrypt
		profile := "profile " + v.Profile
		if v.ProfileReason != "" {
			profile += " (" + v.ProfileReason + ")"
		}
		p.paragraph("", p.t.Dim, Sanitize(profile))
	}
	if v.Issuer.URL != "" {
		pin := "pinned: the issuer you gave"
		if !v.Issuer.Pinned {
			pin = "NOT pinned: taken from the token's own iss"
		}
		p.paragraph("", p.t.Dim, Sanitize("issuer "+v.Issuer.URL+", "+pin))
	}
	if v.Key != nil {
		k := "key " + v.Key.Kty
		if v.Key.Kid != "" {
			k += " kid " + v.Key.Kid
		}
		if v.Key.Thumbprint != "" {
			k += " (thumbprint " + v.Key.Thumbprint + ")"
		}
		p.paragraph("", p.t.Dim, Sanitize(k+" from "+v.Key.Source))
	}
	idW := 0
	for _, c := range v.Checks {
		idW = max(idW, len(c.ID))
	}
	for _, c := range v.Checks {
		st := p.statusStyle(c.Status)
		lead := indent + st.Render(symbols[c.Status]) + " " + p.t.Key.Render(c.ID) + strings.Repeat(" ", idW-len(c.ID)+2)
		leadW := len(indent) + 2 + idW + 2
		p.hanging(lead, leadW, Style{}, Sanitize(c.Message))
		cont := strings.Repeat(" ", leadW)
		if c.Status == decode.Fail || c.Status == decode.Warn {
			var parts []string
			if c.Found != "" {
				parts = append(parts, "found "+c.Found)
			}
			if c.Expected != "" {
				parts = append(parts, "expected "+c.Expected)
			}
			if len(parts) > 0 {
				p.hanging(cont, leadW, p.t.Dim, Sanitize(strings.Join(parts, "; ")))
			}
		}
		if c.Hint != "" && c.Status != decode.Pass {
			p.hanging(cont, leadW, p.t.Dim, "hint: "+Sanitize(c.Hint))
		}
	}
}

func (p *Printer) statusStyle(status string) Style {
	switch status {
	case decode.Pass:
		return p.t.Good
	case decode.Fail:
		return p.t.Bad
	case decode.Warn:
		return p.t.Warn
	}
	return p.t.Dim
}

func (p *Printer) verdict(v *decode.Verification) {
	warns := 0
	for _, c := range v.Checks {
		if c.Status == decode.Warn {
			warns++
		}
	}
	if v.Valid {
		msg := "VALID"
		if warns > 0 {
			msg += fmt.Sprintf(" (%d warning%s)", warns, plural(warns))
		}
		p.line(p.t.Good.Render(msg), p.t.Dim.Render(describe(v)))
		return
	}
	failed := v.Failed()
	ids := make([]string, len(failed))
	for i, c := range failed {
		ids[i] = c.ID
	}
	p.line(p.t.Bad.Render(fmt.Sprintf("INVALID: %d check%s failed: %s", len(failed), plural(len(failed)), strings.Join(ids, ", "))), p.t.Dim.Render(describe(v)))
}

// describe says what was verified, for the verdict line.
func describe(v *decode.Verification) string {
	s := "  token"
	if v.Profile != "" {
		s = "  " + v.Profile + " token"
	}
	r := v.Token
	if v.Nested != nil {
		r = v.Nested
	} else if v.Plaintext != nil && v.Plaintext.Claims != nil {
		r = &decode.Result{Claims: v.Plaintext.Claims}
	}
	if sub, ok := r.StringClaim("sub"); ok {
		s += ", sub " + sub
	}
	return Sanitize(s)
}

// VerificationLine prints one line per token, for batches.
func (p *Printer) VerificationLine(where string, v *decode.Verification) {
	if v.Valid {
		p.line(where, "  ", p.t.Good.Render("valid"), describe(v))
		return
	}
	var reasons []string
	for _, c := range v.Failed() {
		reasons = append(reasons, c.ID+": "+c.Message)
	}
	p.line(where, "  ", p.t.Bad.Render("INVALID"), "  ", Sanitize(strings.Join(reasons, "; ")))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
