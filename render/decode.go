package render

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oidcdev/oidc/decode"
)

// Decoded prints decoded tokens for people. It may be called again with
// more: tokens stay separated and a shared context is shown once.
func (p *Printer) Decoded(results []*decode.Result) {
	for _, r := range results {
		if p.tokens > 0 {
			p.line()
		}
		p.tokens++
		if r.Context != nil && r.Context != p.lastCtx {
			p.sections = 0
			p.context(r.Context)
			p.line()
			p.lastCtx = r.Context
		}
		p.sections = 0
		p.token(r)
	}
}

func (p *Printer) context(c *decode.Context) {
	title := "TOKEN RESPONSE"
	if c.Form == "callback" {
		title = "CALLBACK"
	}
	p.section(title)
	if len(c.Members) == 0 {
		p.line(indent, p.t.Dim.Render("(no other parameters)"))
		return
	}
	rows := make([]row, 0, len(c.Members))
	for _, m := range c.Members {
		desc, _ := decode.ContextExplained(m.Name)
		r := row{key: Sanitize(m.Name), value: jsonValue(m.Value), desc: desc}
		if m.Name == "error" || m.Name == "error_description" {
			r.style = &p.t.Bad
		}
		rows = append(rows, r)
	}
	p.table(rows)
}

func (p *Printer) token(r *decode.Result) {
	p.heading(r)
	if r.Kind == decode.KindInvalid {
		p.problem(r)
		return
	}
	if r.HeaderMembers != nil {
		p.section("HEADER")
		p.table(p.headerRows(r))
	}
	switch {
	case r.Claims != nil:
		p.section("PAYLOAD")
		p.table(p.claimRows(r))
	case r.PayloadText != "":
		p.section("PAYLOAD")
		for _, l := range strings.Split(cut(r.PayloadText), "\n") {
			p.line(indent, Sanitize(strings.TrimSuffix(l, "\r")))
		}
	}
	if len(r.Disclosures) > 0 {
		p.section("DISCLOSURES")
		rows := make([]row, 0, len(r.Disclosures))
		for _, d := range r.Disclosures {
			name := d.Name
			if name == "" {
				name = "(array element)"
			}
			rows = append(rows, row{key: Sanitize(name), value: jsonValue(d.Value)})
		}
		p.table(rows)
	}
	switch {
	case r.JWE != nil:
		p.section("ENCRYPTED")
		rows := []row{
			{key: "encrypted_key", value: bytesCount(r.JWE.EncryptedKeyBytes), desc: "content key, encrypted to the recipient's key"},
			{key: "iv", value: bytesCount(r.JWE.IVBytes), desc: "initialization vector"},
			{key: "ciphertext", value: bytesCount(r.JWE.CiphertextBytes), desc: "the encrypted payload"},
			{key: "tag", value: bytesCount(r.JWE.TagBytes), desc: "authentication tag"},
		}
		p.table(rows)
		what := "the payload"
		if r.JWE.Nested {
			what = "a signed JWT (cty JWT)"
		}
		p.paragraph("", p.t.Dim, "It holds "+what+" that only the holder of the decryption key can read.")
	case r.Opaque != nil:
		p.section("OPAQUE")
		rows := []row{
			{key: "length", value: strconv.Itoa(r.Opaque.Length) + " characters"},
			{key: "alphabet", value: r.Opaque.Alphabet},
		}
		if r.Opaque.Recognised != "" {
			rows = append(rows, row{key: "looks like", value: r.Opaque.Recognised})
		}
		rows = append(rows, row{key: "value", value: Sanitize(truncate(r.Raw, p.rawWidth()))})
		p.table(rows)
		p.paragraph("", p.t.Dim, capitalize(r.Opaque.Hint)+".")
	case r.Signature != nil:
		p.signature(r)
	}
	if r.Guess != nil && len(r.Guess.Evidence) > 0 {
		p.section("WHY")
		for _, e := range r.Guess.Evidence {
			p.paragraph("· ", p.t.Dim, Sanitize(e))
		}
	}
	if len(r.Warnings) > 0 {
		p.section("WARNINGS")
		for _, w := range r.Warnings {
			st := p.t.Warn
			if severe[w.Code] {
				st = p.t.Bad
			}
			p.paragraph("! ", st, Sanitize(w.Message)+" ["+w.Code+"]")
		}
	}
	if r.Error != nil {
		p.problem(r)
	}
}

// severe warnings are the ones that mean the token must not be accepted.
var severe = map[string]bool{"alg_none": true, "no_signature": true, "signature_zero": true, "expired": true, "duplicate_member": true}

func (p *Printer) heading(r *decode.Result) {
	var parts []string
	label := r.Label
	if label == "" {
		label = "token"
	}
	if r.Input.Line > 0 {
		label += fmt.Sprintf(" (line %d)", r.Input.Line)
	} else if r.Input.Arg > 1 {
		label += fmt.Sprintf(" (argument %d)", r.Input.Arg)
	}
	switch r.Kind {
	case decode.KindJWS, decode.KindUnsecured, decode.KindJWE:
		kind := strings.ToUpper(string(r.Kind))
		if r.Kind == decode.KindUnsecured {
			kind = "UNSECURED JWT"
		}
		if r.Serialization != "" && r.Serialization != "compact" {
			kind += " " + r.Serialization
		}
		parts = append(parts, kind)
		if alg, ok := r.StringHeader("alg"); ok {
			parts = append(parts, Sanitize(alg))
		}
		if enc, ok := r.StringHeader("enc"); ok {
			parts = append(parts, Sanitize(enc))
		}
	case decode.KindOpaque:
		parts = append(parts, "opaque")
	case decode.KindInvalid:
		parts = append(parts, "not a token")
	}
	kind := strings.Join(parts, " · ")
	title := p.t.Label.Render(label) + "  " + p.t.Title.Render(kind)
	if r.Guess == nil {
		p.line(title)
		return
	}
	name := r.Guess.Name
	if r.Guess.Vendor != "" {
		name += " (" + r.Guess.Vendor + ")"
	}
	lead := utf8.RuneCountInString(label) + 2
	if p.width == 0 || lead+utf8.RuneCountInString(kind)+2+utf8.RuneCountInString(name) <= p.width {
		p.line(title + p.t.Dim.Render("  "+name))
		return
	}
	// No room on the line: the guess goes under the kind.
	p.line(title)
	p.hanging(strings.Repeat(" ", lead), lead, p.t.Dim, name)
}

func (p *Printer) headerRows(r *decode.Result) []row {
	rows := make([]row, 0, len(r.HeaderMembers))
	for _, m := range r.HeaderMembers {
		info, _ := decode.HeaderExplained(m.Name)
		rw := row{key: Sanitize(m.Name), value: jsonValue(m.Value), desc: info.Desc}
		if m.Name == "kid" && r.Kind == decode.KindJWE {
			rw.desc = "Key ID: which of the recipient's keys it is encrypted to"
		}
		if m.Name == "alg" || m.Name == "enc" {
			if d, ok := decode.AlgorithmExplained(rw.value); ok {
				rw.desc = d
			}
			if strings.EqualFold(rw.value, "none") {
				rw.style = &p.t.Bad
			}
		}
		if m.Name == "jku" || m.Name == "x5u" || m.Name == "jwk" || m.Name == "crit" {
			rw.style = &p.t.Warn
		}
		rows = append(rows, rw)
	}
	return rows
}

// claimRows orders claims: registered, standard and vendor claims in their
// defined order, then unknown ones as they come in the token.
func (p *Printer) claimRows(r *decode.Result) []row {
	type ordered struct {
		m     decode.Member
		info  decode.ClaimInfo
		known bool
		pos   int
	}
	list := make([]ordered, len(r.Claims))
	for i, m := range r.Claims {
		info, known := decode.ClaimExplained(m.Name)
		if !known {
			info.Group = decode.GroupOther
		}
		list[i] = ordered{m, info, known, i}
	}
	sort.SliceStable(list, func(a, b int) bool {
		x, y := list[a], list[b]
		if x.info.Group != y.info.Group {
			return x.info.Group < y.info.Group
		}
		if x.info.Group == decode.GroupOther {
			return x.pos < y.pos
		}
		return x.info.Rank < y.info.Rank
	})
	rows := make([]row, 0, len(list))
	for _, o := range list {
		rw := row{key: Sanitize(o.m.Name), value: jsonValue(o.m.Value), desc: o.info.Desc}
		if t, ok := r.Times[o.m.Name]; ok {
			rw.note = t.Time + "  " + decode.Relative(o.m.Name, t.FromNow)
			switch {
			case o.m.Name == "exp" && t.FromNow <= 0, o.m.Name == "nbf" && t.FromNow > 0:
				rw.nstyle = &p.t.Bad
			case o.m.Name == "exp":
				rw.nstyle = &p.t.Good
			case o.m.Name == "iat" && t.FromNow > 60:
				rw.nstyle = &p.t.Warn
			}
		}
		rows = append(rows, rw)
	}
	return rows
}

func (p *Printer) signature(r *decode.Result) {
	p.section("SIGNATURE")
	sig := *r.Signature
	if sig == "" {
		msg := "none"
		st := p.t.Bad
		if r.Kind == decode.KindUnsecured {
			msg = "none: this token is not signed"
		}
		p.line(indent, st.Render(msg))
		return
	}
	note := "not base64url"
	if r.SignatureBytes != nil {
		note = bytesCount(len(r.SignatureBytes))
	}
	p.table([]row{{key: "value", value: Sanitize(truncate(sig, 48)), note: note}})
	if !p.verifying {
		p.paragraph("", p.t.Dim, "Not verified: decoding never checks the signature; verify it against the issuer's keys.")
	}
}

// problem shows why a token could not be decoded, pointing at the byte.
func (p *Printer) problem(r *decode.Result) {
	e := r.Error
	p.section("ERROR")
	p.paragraph("", p.t.Bad, Sanitize(e.Message))
	caretable := r.Serialization == "compact" || r.Serialization == "sd-jwt" || r.Serialization == ""
	if !caretable || r.Raw == "" || e.Position < 0 || e.Position > len(r.Raw) {
		return
	}
	// Show the token, or a window of it around the broken byte, with a caret.
	room := p.width - len(indent) - 2
	if p.width == 0 {
		room = 100
	}
	start, end := 0, len(r.Raw)
	if len(r.Raw) > room {
		half := max(room/2, 10)
		start = max(e.Position-half, 0)
		end = min(start+2*half, len(r.Raw))
	}
	prefix, suffix := "", ""
	if start > 0 {
		prefix = "…"
	}
	if end < len(r.Raw) {
		suffix = "…"
	}
	window := Sanitize(r.Raw[start:end])
	if window != r.Raw[start:end] {
		return // escaping moved the columns; the message says where
	}
	p.line(indent, prefix, window, suffix)
	caretCol := len(indent) + len([]rune(prefix)) + (e.Position - start)
	p.line(strings.Repeat(" ", caretCol), p.t.Mark.Render("^"))
}

// rawWidth is how much of a raw credential to show.
func (p *Printer) rawWidth() int {
	if p.hideTokens {
		return 12
	}
	return 48
}

func bytesCount(n int) string {
	if n == 1 {
		return "1 byte"
	}
	return strconv.Itoa(n) + " bytes"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
