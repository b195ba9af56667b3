package render

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/oidcdev/oidc/decode"
)

// Discover prints `oidc discover`: where the metadata was found, its
// endpoints and capabilities, its keys, then the findings and a verdict.
func (p *Printer) Discover(r *decode.DiscoverReport) {
	title := "ISSUER  " + Sanitize(r.Issuer)
	if r.Vendor != "" {
		title += "  " + p.t.Dim.Render("("+r.Vendor+")")
	}
	p.line(p.t.Title.Render(title))
	p.section("WELL-KNOWN DOCUMENTS")
	for _, d := range r.Documents {
		mark, note := p.t.Good.Render("✓"), d.Form+", "+d.Kind
		switch {
		case !d.Answered:
			mark, note = p.t.Dim.Render("-"), d.Form+": "+d.Error
		case d.URL == r.Source:
			note += ", linted"
		}
		p.line(indent, mark, " ", Sanitize(d.URL))
		p.paragraph("    ", p.t.Dim, Sanitize(note))
	}
	if r.Source == "" {
		p.line()
		p.line(p.t.Bad.Render("NO METADATA: no well-known URL answered"))
		return
	}
	var md map[string]json.RawMessage
	_ = json.Unmarshal(r.Metadata, &md)
	if len(r.Endpoints) > 0 {
		p.section("ENDPOINTS")
		rows := make([]row, 0, len(r.Endpoints))
		for _, e := range r.Endpoints {
			note := fmt.Sprintf("answers %d", e.Status)
			st := &p.t.Dim
			if e.Error != "" {
				note, st = "no answer", &p.t.Bad
			}
			rows = append(rows, row{key: e.Member, value: Sanitize(e.URL), note: note, nstyle: st})
		}
		p.table(rows)
	}
	if caps := capabilityRows(md); len(caps) > 0 {
		p.section("CAPABILITIES")
		p.table(caps)
	}
	if r.Keys != nil {
		p.section("KEYS")
		p.keyRows(r.Keys.Keys)
	}
	p.findings(r.Findings)
	p.lintVerdict("METADATA", r.Findings)
}

// capabilityRows are the members people look for, in words.
func capabilityRows(md map[string]json.RawMessage) []row {
	list := func(name string) string {
		var v []string
		if json.Unmarshal(md[name], &v) != nil {
			return ""
		}
		return strings.Join(v, " ")
	}
	var rows []row
	for _, c := range []struct{ key, member string }{
		{"response types", "response_types_supported"},
		{"grant types", "grant_types_supported"},
		{"PKCE", "code_challenge_methods_supported"},
		{"client auth", "token_endpoint_auth_methods_supported"},
		{"ID token algs", "id_token_signing_alg_values_supported"},
		{"scopes", "scopes_supported"},
		{"DPoP algs", "dpop_signing_alg_values_supported"},
	} {
		if v := list(c.member); v != "" {
			rows = append(rows, row{key: c.key, value: Sanitize(v)})
		}
	}
	flags := []string{}
	for _, f := range []struct{ member, words string }{
		{"authorization_response_iss_parameter_supported", "RFC 9207 iss"},
		{"require_pushed_authorization_requests", "PAR required"},
		{"tls_client_certificate_bound_access_tokens", "mTLS-bound tokens"},
		{"request_parameter_supported", "request objects"},
	} {
		var on bool
		if json.Unmarshal(md[f.member], &on) == nil && on {
			flags = append(flags, f.words)
		}
	}
	if len(flags) > 0 {
		rows = append(rows, row{key: "features", value: strings.Join(flags, ", ")})
	}
	return rows
}

// KeySet prints `oidc jwks`: each key, then the findings and a verdict.
func (p *Printer) KeySet(source string, l *decode.KeySetLint) {
	p.line(p.t.Title.Render("KEYS  " + Sanitize(source)))
	p.section(fmt.Sprintf("%d KEY%s", len(l.Keys), map[bool]string{true: "", false: "S"}[len(l.Keys) == 1]))
	p.keyRows(l.Keys)
	p.findings(l.Findings)
	p.lintVerdict("KEYS", l.Findings)
}

func (p *Printer) keyRows(keys []decode.PublishedKey) {
	rows := make([]row, 0, len(keys))
	for _, k := range keys {
		name := k.Kid
		if name == "" {
			name = fmt.Sprintf("keys[%d]", k.Index)
		}
		parts := []string{k.Kty}
		switch {
		case k.Curve != "":
			parts = append(parts, k.Curve)
		case k.Bits > 0:
			parts = append(parts, fmt.Sprintf("%d bits", k.Bits))
		}
		if k.Alg != "" {
			parts = append(parts, k.Alg)
		}
		if k.Use != "" {
			parts = append(parts, "use "+k.Use)
		}
		if len(k.KeyOps) > 0 {
			parts = append(parts, "key_ops "+strings.Join(k.KeyOps, ","))
		}
		if k.Private {
			parts = append(parts, "PRIVATE")
		}
		desc := ""
		if k.Thumbprint != "" {
			desc = "thumbprint " + k.Thumbprint
		}
		rows = append(rows, row{key: Sanitize(name), value: Sanitize(strings.Join(parts, " · ")), desc: desc})
		if c := k.Cert; c != nil {
			rows = append(rows, row{key: "", value: Sanitize("x5c " + c.Subject), desc: Sanitize(fmt.Sprintf("issued by %s, valid %s to %s", c.Issuer, c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly)))})
			if v := thumbprintChecks(c); v != "" {
				rows = append(rows, row{key: "", value: v, desc: "the certificate's SHA-1 and SHA-256 thumbprints"})
			}
		}
	}
	p.table(rows)
}

// thumbprintChecks says whether the x5t and x5t#S256 a key gives are
// its certificate's; a key that gives neither has nothing to say.
func thumbprintChecks(c *decode.CertInfo) string {
	var parts []string
	for _, t := range []struct {
		name  string
		match *bool
	}{{"x5t", c.X5tMatch}, {"x5t#S256", c.X5tS256Match}} {
		switch {
		case t.match == nil:
		case *t.match:
			parts = append(parts, t.name+" ✓ matches")
		default:
			parts = append(parts, t.name+" ✗ does not match")
		}
	}
	return strings.Join(parts, " · ")
}

var severityMarks = map[string]string{decode.SeverityCritical: "✗✗", decode.SeverityError: "✗", decode.SeverityWarning: "!", decode.SeverityInfo: "i"}

func (p *Printer) severityStyle(s string) Style {
	switch s {
	case decode.SeverityCritical, decode.SeverityError:
		return p.t.Bad
	case decode.SeverityWarning:
		return p.t.Warn
	}
	return p.t.Dim
}

// findings prints each finding: its mark, id and message, then the
// clause and the fix.
func (p *Printer) findings(fs []decode.Finding) {
	if len(fs) == 0 {
		return
	}
	p.section("FINDINGS")
	for _, f := range fs {
		st := p.severityStyle(f.Severity)
		p.line(indent, st.Render(fmt.Sprintf("%-2s %s", severityMarks[f.Severity], f.Severity)), " ", p.t.Key.Render(f.ID))
		p.paragraph("   ", Style{}, Sanitize(f.Message))
		more := []string{}
		if f.Clause != "" {
			more = append(more, f.Clause)
		}
		if f.Fix != "" {
			more = append(more, "fix: "+f.Fix)
		}
		if len(more) > 0 {
			p.paragraph("   ", p.t.Dim, Sanitize(strings.Join(more, "; ")))
		}
	}
}

// lintVerdict is the last line: no errors, or how many of each.
func (p *Printer) lintVerdict(what string, fs []decode.Finding) {
	count := map[string]int{}
	for _, f := range fs {
		count[f.Severity]++
	}
	var parts []string
	for _, s := range []string{decode.SeverityCritical, decode.SeverityError, decode.SeverityWarning, decode.SeverityInfo} {
		if n := count[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	p.line()
	if decode.Failing(fs) {
		p.line(p.t.Bad.Render(what + ": " + strings.Join(parts, ", ")))
		return
	}
	msg := what + " OK"
	if len(parts) > 0 {
		msg += " (" + strings.Join(parts, ", ") + ")"
	}
	p.line(p.t.Good.Render(msg))
}

// Endpoint prints what introspection, revocation or userinfo answered:
// the claims, a signed answer's verification, the checks and a verdict.
func (p *Printer) Endpoint(r *decode.EndpointReport) {
	p.sections = 0
	title := strings.ToUpper(r.Endpoint) + "  " + Sanitize(r.URL)
	p.line(p.t.Title.Render(title))
	meta := fmt.Sprintf("answered %d", r.Status)
	if r.AuthMethod != "" {
		meta += ", client authenticated with " + r.AuthMethod
	}
	p.paragraph("", p.t.Dim, meta)
	p.sections = 1 // a blank line before the first section
	if r.Verification != nil {
		p.line()
		p.line(p.t.Title.Render("━━ SIGNED ANSWER"))
		p.Verification(r.Verification, false)
	}
	if r.Response != nil {
		p.section("ANSWER")
		p.members(r.Response)
	}
	if len(r.Challenge) > 0 {
		p.section("CHALLENGE (WWW-Authenticate)")
		rows := make([]row, 0, len(r.Challenge))
		for _, k := range slices.Sorted(maps.Keys(r.Challenge)) {
			rows = append(rows, row{key: Sanitize(k), value: Sanitize(r.Challenge[k])})
		}
		p.table(rows)
	}
	p.section("CHECKS")
	for _, c := range r.Checks {
		st := p.statusStyle(c.Status)
		p.line(indent, st.Render(symbols[c.Status]), " ", p.t.Key.Render(c.ID), "  ", Sanitize(c.Message))
		if c.Hint != "" {
			p.paragraph("    ", p.t.Dim, "hint: "+Sanitize(c.Hint))
		}
	}
	for _, h := range r.Hints {
		p.paragraph("· ", p.t.Dim, Sanitize(h))
	}
	p.line()
	if r.Valid {
		p.line(p.t.Good.Render(strings.ToUpper(r.Endpoint) + " OK"))
	} else {
		p.line(p.t.Bad.Render(strings.ToUpper(r.Endpoint) + " FAILED"))
	}
}

// members prints a JSON object's members as a token's claims are: each
// explained, times with how long ago or ahead.
func (p *Printer) members(raw json.RawMessage) {
	members, _ := decode.ObjectMembers(raw)
	now := time.Now().Unix()
	rows := make([]row, 0, len(members))
	for _, m := range members {
		info, _ := decode.ClaimExplained(m.Name)
		r := row{key: Sanitize(m.Name), value: jsonValue(m.Value), desc: info.Desc}
		var n float64
		if (m.Name == "exp" || m.Name == "iat" || m.Name == "nbf" || m.Name == "auth_time") && json.Unmarshal(m.Value, &n) == nil {
			r.note = decode.Relative(m.Name, int64(n)-now)
		}
		rows = append(rows, r)
	}
	p.table(rows)
}

// Probe prints `oidc probe`: each step of the walk with what was asked,
// what came back and the verdict, then where it broke.
func (p *Printer) Probe(r *decode.ProbeReport) {
	p.sections = 0
	title := "PROBE  " + Sanitize(r.URL)
	if r.MCP {
		title += "  " + p.t.Dim.Render("(MCP)")
	}
	p.line(p.t.Title.Render(title))
	for i, s := range r.Steps {
		st := p.statusStyle(s.Status)
		p.line()
		head := []string{indent, st.Render(symbols[s.Status]), " ", p.t.Key.Render(fmt.Sprintf("%d %s", i+1, s.Name))}
		if s.ID != "" {
			head = append(head, "  ", p.t.Dim.Render(Sanitize(s.ID)))
		}
		p.line(head...)
		p.paragraph("    ", Style{}, Sanitize(s.Message))
		if s.Request != "" {
			p.paragraph("    → ", p.t.Dim, Sanitize(s.Request))
		}
		if s.Response != "" {
			p.paragraph("    ← ", p.t.Dim, Sanitize(s.Response))
		}
		var more []string
		if s.Clause != "" {
			more = append(more, s.Clause)
		}
		if s.Fix != "" && s.Status != decode.Pass {
			more = append(more, "fix: "+s.Fix)
		}
		if len(more) > 0 {
			p.paragraph("    ", p.t.Dim, Sanitize(strings.Join(more, "; ")))
		}
	}
	if r.Answer != nil {
		p.section("ANSWER")
		p.paragraph("", Style{}, Sanitize(string(r.Answer)))
	}
	p.line()
	if f := r.Failed(); f != nil {
		what := "a check failed"
		if f.Protocol {
			what = "the server broke the protocol"
		}
		p.line(p.t.Bad.Render(fmt.Sprintf("PROBE FAILED at %s: %s", f.Name, what)))
		return
	}
	msg := "PROBE OK"
	if r.ClientID != "" && len(r.Steps) > 0 && r.Steps[len(r.Steps)-1].Name == "call" {
		msg += ": the resource accepted a token from " + Sanitize(r.AuthorizationServer) + " for client " + Sanitize(r.ClientID)
	}
	p.line(p.t.Good.Render(msg))
}
