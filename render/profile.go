package render

import (
	"time"

	"github.com/oidcdev/oidc/decode"
)

// ProfileList is `oidc config list`; its JSON is documented.
type ProfileList struct {
	Path     string       `json:"path"`
	Profiles []ProfileRow `json:"profiles"`
}

// ProfileRow is one profile and what the cache holds for it.
type ProfileRow struct {
	Name     string     `json:"name"`
	Issuer   string     `json:"issuer"`
	ClientID string     `json:"client_id"`
	Tokens   TokenState `json:"tokens"`
}

// TokenState: none, valid, expired or unreadable; Refreshable when a
// refresh token is cached.
type TokenState struct {
	State       string     `json:"state"`
	Expiry      *time.Time `json:"expiry,omitempty"`
	Refreshable bool       `json:"refreshable"`
}

// Profiles prints the profile list.
func (p *Printer) Profiles(l ProfileList, now time.Time) {
	p.section("Profiles in " + Sanitize(l.Path))
	if len(l.Profiles) == 0 {
		p.line(indent + p.t.Dim.Render("none yet: oidc login --save NAME writes one"))
		return
	}
	rows := make([]row, 0, len(l.Profiles))
	for _, pr := range l.Profiles {
		state := "no tokens cached"
		switch pr.Tokens.State {
		case "valid":
			state = "token valid"
			if pr.Tokens.Expiry != nil {
				state += " for " + decode.Ago(pr.Tokens.Expiry.Sub(now))
			}
		case "expired":
			state = "token expired"
		case "unreadable":
			state = "token cache file refused"
		}
		if pr.Tokens.Refreshable {
			state += ", refreshable"
		}
		rows = append(rows, row{key: Sanitize(pr.Name), value: Sanitize(pr.Issuer), desc: Sanitize(pr.ClientID) + " · " + state})
	}
	p.table(rows)
}

// LogoutResult is `oidc logout`; its JSON is documented.
type LogoutResult struct {
	Profile      string   `json:"profile,omitempty"`
	Revoked      []string `json:"revoked"` // token_type_hint of each revoked token, in order
	EndedSession bool     `json:"ended_session"`
	Removed      bool     `json:"removed"`
	CacheFile    string   `json:"cache_file"`
	Note         string   `json:"note,omitempty"`
}

// Logout prints what logout did.
func (p *Printer) Logout(r LogoutResult) {
	who := "the tokens"
	if r.Profile != "" {
		who = "profile " + Sanitize(r.Profile)
	}
	switch {
	case r.Removed:
		p.line(p.t.Good.Render("LOGGED OUT") + "  " + who + ": cached tokens removed")
	case r.EndedSession:
		p.line(p.t.Good.Render("LOGGED OUT") + "  " + who + ": signed out at the issuer")
	default:
		p.line(p.t.Dim.Render("NOTHING TO DO") + "  " + who + ": " + Sanitize(r.Note))
	}
	for _, h := range r.Revoked {
		p.line(indent + "revoked at the issuer: " + h)
	}
	if r.EndedSession {
		p.line(indent + "signed out at the issuer (RP-initiated logout)")
	}
}
