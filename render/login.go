package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/oidcdev/oidc/decode"
)

// LoginReport is everything a login saw. Its JSON form is the documented
// `oidc login --json` schema.
type LoginReport struct {
	Issuer        string               `json:"issuer"`
	ClientID      string               `json:"client_id"`
	Scopes        []string             `json:"scopes"`
	AuthMethod    string               `json:"auth_method"`
	RedirectURI   string               `json:"redirect_uri"`
	Timeline      []TimelineStep       `json:"timeline"`
	TokenResponse json.RawMessage      `json:"token_response"`
	IDToken       *decode.Verification `json:"id_token"`
	AccessToken   *decode.Verification `json:"access_token"`
	Userinfo      json.RawMessage      `json:"userinfo,omitempty"`
	UserinfoError string               `json:"userinfo_error,omitempty"`
	// Checks are the login's own checks: token response, userinfo.
	Checks []decode.Check `json:"checks"`
	Hints  []string       `json:"hints"`
	Valid  bool           `json:"valid"`
}

// TimelineStep is one timed part of the login.
type TimelineStep struct {
	Name   string  `json:"name"`
	Millis float64 `json:"ms"`
}

// Login prints a login for people: the timeline, the ID token, the access
// token, userinfo, then the summary. Raw tokens are cut unless showTokens.
func (p *Printer) Login(rep *LoginReport, showTokens bool) {
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
	p.sections = 0
	p.line(p.t.Title.Render("━━ USERINFO"))
	switch {
	case rep.UserinfoError != "":
		p.paragraph("", p.t.Warn, Sanitize(rep.UserinfoError))
	case rep.Userinfo != nil:
		members, _ := decode.ObjectMembers(rep.Userinfo)
		rows := make([]row, 0, len(members))
		for _, m := range members {
			info, _ := decode.ClaimExplained(m.Name)
			rows = append(rows, row{key: Sanitize(m.Name), value: jsonValue(m.Value), desc: info.Desc})
		}
		p.table(rows)
	default:
		p.line(indent, p.t.Dim.Render("(the issuer has no userinfo endpoint)"))
	}
	p.line()

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
	verdict := "LOGIN VALID"
	st := p.t.Good
	if !rep.Valid {
		verdict, st = "LOGIN INVALID: a check failed", p.t.Bad
	}
	p.line(st.Render(verdict), p.t.Dim.Render(Sanitize("  "+rep.ClientID+" at "+rep.Issuer)))
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
