package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"rsc.io/qr"

	"github.com/oidcdev/oidc/decode"
)

// Login prints a login for people: the timeline, the ID token, the access
// token, userinfo, then the summary. Raw tokens are cut unless showTokens.
func (p *Printer) Login(rep *decode.FlowReport, showTokens bool) {
	p.hideTokens = !showTokens
	p.sections = 0
	p.section("TIMELINE")
	rows := make([]row, 0, len(rep.Timeline))
	for _, s := range rep.Timeline {
		rows = append(rows, row{key: s.Name, value: millis(s.Millis)})
	}
	p.table(rows)
	p.line()

	if rep.IDToken != nil {
		p.line(p.t.Title.Render("━━ ID TOKEN"))
		p.Verification(rep.IDToken, false)
		p.line()
	}
	if rep.AccessToken != nil {
		p.line(p.t.Title.Render("━━ ACCESS TOKEN"))
		p.Verification(rep.AccessToken, false)
		p.line()
	}
	if !userGrant(rep.Grant) { // a machine's or an exchanged token: no userinfo
		goto summary
	}
	p.sections = 0
	p.line(p.t.Title.Render("━━ USERINFO"))
	switch {
	case rep.UserinfoError != "":
		p.paragraph("", p.t.Warn, Sanitize(rep.UserinfoError))
	case rep.Userinfo != nil:
		p.members(rep.Userinfo)
	default:
		p.line(indent, p.t.Dim.Render("(the issuer has no userinfo endpoint)"))
	}
	p.line()

summary:
	if len(rep.Claims) > 0 {
		p.sections = 0
		p.section("WHICH TOKEN CARRIES WHAT")
		p.claimMatrix(rep)
		p.line()
	}

	p.sections = 0
	p.section("SUMMARY")
	for _, c := range rep.Checks {
		st := p.statusStyle(c.Status)
		p.line(indent, st.Render(symbols[c.Status]), " ", p.t.Key.Render(c.ID), "  ", Sanitize(c.Message))
		if c.Hint != "" && c.Status != decode.Pass {
			p.line(indent, "    ", p.t.Dim.Render("hint: "+Sanitize(c.Hint)))
		}
	}
	for _, h := range rep.Hints {
		p.paragraph("· ", p.t.Dim, Sanitize(h))
	}
	if rep.TokenResponse != nil {
		p.paragraph("", p.t.Dim, "token response: "+Sanitize(tokenResponseLine(rep.TokenResponse, showTokens)))
	}
	p.LoginVerdict(rep)
}

// LoginVerdict is the last line of a login, alone with --quiet.
func (p *Printer) LoginVerdict(rep *decode.FlowReport) {
	what := "TOKEN"
	if rep.Grant == "" || rep.Grant == "authorization_code" || rep.Grant == "device_code" {
		what = "LOGIN"
	}
	verdict := what + " VALID"
	st := p.t.Good
	if !rep.Valid {
		verdict, st = what+" INVALID: a check failed", p.t.Bad
	}
	p.line(st.Render(verdict), p.t.Dim.Render(Sanitize("  "+rep.ClientID+" at "+rep.Issuer)))
}

// claimMatrix shows where each of the user's claims was found, and which
// token goes where: the ID token is for this client, the access token for
// the API.
func (p *Printer) claimMatrix(rep *decode.FlowReport) {
	mark := func(in bool) string {
		if in {
			return "✓"
		}
		return "-"
	}
	rows := make([]row, 0, len(rep.Claims)+1)
	rows = append(rows, row{key: p.t.Dim.Render("claim"), value: p.t.Dim.Render("id  access  userinfo")})
	for _, c := range rep.Claims {
		rows = append(rows, row{key: Sanitize(c.Name), value: fmt.Sprintf("%-3s %-7s %s", mark(c.IDToken), mark(c.AccessToken), mark(c.Userinfo))})
	}
	p.table(rows)
	id := "the ID token is for this client (aud " + rep.ClientID + "): it says who logged in; never send it to an API"
	at := "the access token is for the API"
	if rep.AccessToken != nil && rep.AccessToken.Token != nil {
		if aud := audienceOf(rep.AccessToken.Token); aud != "" {
			at += " (aud " + aud + ")"
		} else if rep.AccessToken.Token.Kind == decode.KindOpaque {
			at += " (opaque: the API asks the issuer, by introspection, what it means)"
		}
	}
	p.paragraph("· ", p.t.Dim, Sanitize(id))
	p.paragraph("· ", p.t.Dim, Sanitize(at+": send it as Authorization: Bearer"))
}

// audienceOf is a token's aud as one string.
func audienceOf(r *decode.Result) string {
	return strings.Join(r.StringsClaim("aud"), " ")
}

// userGrant: a grant whose tokens are a user's, with userinfo to show.
func userGrant(grant string) bool {
	return grant == "" || grant == "authorization_code" || grant == "device_code" || grant == "refresh_token"
}

// DeviceCode shows the device flow's user code and where to enter it: the
// code in large letters on a terminal, and always as plain text to copy.
func (p *Printer) DeviceCode(userCode, uri, complete string, expires time.Duration, terminal bool) {
	if terminal && complete != "" {
		// A phone's camera opens the page with the code filled in.
		for _, l := range qrLines(complete) {
			p.line(l)
		}
	}
	p.line(p.t.Dim.Render("oidc: ") + "on any device, open " + Sanitize(uri))
	p.line(p.t.Dim.Render("oidc: ") + "and enter the code:")
	p.line()
	p.line("    " + p.t.Title.Render(letterSpaced(Sanitize(userCode))))
	p.line()
	p.line(p.t.Dim.Render("oidc: ") + "code " + Sanitize(userCode))
	if complete != "" {
		p.line(p.t.Dim.Render("oidc: ") + "or open " + Sanitize(complete) + " (the code filled in)")
	}
	if expires > 0 {
		p.line(p.t.Dim.Render("oidc: ") + "the code expires in " + decode.Ago(expires))
	}
}

// letterSpaced puts a space between the characters of a user code, so
// that each one reads clearly from across a room.
func letterSpaced(code string) string {
	var b strings.Builder
	for i, r := range code {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func millis(ms float64) string {
	if ms >= 1000 {
		return fmt.Sprintf("%.2f s", ms/1000)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// tokenResponseLine is the token response on one line, with token values
// cut unless asked for: they are credentials. Values stay raw JSON, so
// numbers show as the issuer sent them (600000000000, not 6e+11).
func tokenResponseLine(raw json.RawMessage, showTokens bool) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return string(raw)
	}
	parts := make([]string, 0, len(m))
	for _, k := range []string{"token_type", "expires_in", "scope", "access_token", "id_token", "refresh_token"} {
		v, ok := m[k]
		if !ok {
			continue
		}
		s := rawText(v)
		if strings.HasSuffix(k, "_token") && !showTokens && len(s) > 12 {
			s = s[:12] + "…"
		}
		parts = append(parts, k+"="+s)
	}
	return strings.Join(parts, " ")
}

// rawText is a JSON value as text: a string unquoted, anything else as
// sent, on one line.
func rawText(v json.RawMessage) string {
	var s string
	if v = bytes.TrimSpace(v); len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, v) == nil {
		return b.String()
	}
	return string(v)
}

// qrLines draws a QR code of s with half blocks, two modules a character
// row, in the convention of qrencode -t UTF8: dark modules are blank and
// light ones drawn, for a dark terminal (phones read the inverse too). A
// quiet zone of two modules surrounds it. No lines when s does not fit.
func qrLines(s string) []string {
	code, err := qr.Encode(s, qr.L)
	if err != nil {
		return nil
	}
	const quiet = 2
	n := code.Size + 2*quiet
	light := func(x, y int) bool {
		x, y = x-quiet, y-quiet
		if x < 0 || y < 0 || x >= code.Size || y >= code.Size {
			return true
		}
		return !code.Black(x, y)
	}
	var out []string
	for y := 0; y < n; y += 2 {
		var b strings.Builder
		for x := 0; x < n; x++ {
			top, bottom := light(x, y), y+1 < n && light(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteByte(' ')
			}
		}
		out = append(out, b.String())
	}
	return out
}
