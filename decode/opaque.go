package decode

import (
	"fmt"
	"strings"
)

// MinOpaqueLength is the shortest unlabelled string taken for an opaque
// token; shorter words are more likely typos than credentials.
const MinOpaqueLength = 16

// knownPrefix is a product's token format, told apart by its prefix.
type knownPrefix struct {
	prefix, what, vendor string
	typ                  string // Guess.Type
	hint                 string // when the type's own advice does not fit
}

const noIntrospection = " has no token introspection (RFC 7662) and its tokens are not OpenID Connect tokens: its own API says what the token may do; keep it secret, and revoke it if it leaked"

var knownPrefixes = []knownPrefix{
	{"ya29.", "Google OAuth 2.0 access token", "Google", TypeAccessToken,
		"Google has no token introspection (RFC 7662): its tokeninfo endpoint (https://oauth2.googleapis.com/tokeninfo) says whom an access token is for and its scopes, and the userinfo endpoint takes it"},
	{"1//", "Google OAuth 2.0 refresh token", "Google", TypeRefreshToken, ""},
	{"ory_at_", "Ory Hydra access token", "Ory Hydra", TypeAccessToken, ""},
	{"ory_rt_", "Ory Hydra refresh token", "Ory Hydra", TypeRefreshToken, ""},
	{"ory_ac_", "Ory Hydra authorization code", "Ory Hydra", TypeCode, ""},
	{"gho_", "GitHub OAuth app access token", "GitHub", TypeAccessToken, "GitHub" + noIntrospection},
	{"ghu_", "GitHub App user access token", "GitHub", TypeAccessToken, "GitHub" + noIntrospection},
	{"ghr_", "GitHub App refresh token", "GitHub", TypeRefreshToken, ""},
	{"ghs_", "GitHub App installation token", "GitHub", TypeAccessToken, "GitHub" + noIntrospection},
	{"ghp_", "GitHub personal access token", "GitHub", TypeAccessToken, "GitHub" + noIntrospection},
	{"github_pat_", "GitHub fine-grained personal access token", "GitHub", TypeAccessToken, "GitHub" + noIntrospection},
	{"glpat-", "GitLab personal access token", "GitLab", TypeAccessToken, "GitLab" + noIntrospection},
	{"xoxb-", "Slack bot token", "Slack", TypeAccessToken, "Slack" + noIntrospection},
	{"xoxp-", "Slack user token", "Slack", TypeAccessToken, "Slack" + noIntrospection},
}

// tokenChar reports whether c may appear in an OAuth token (RFC 6750's
// b64token, plus '=' for padding).
func tokenChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '='
}

func decodeOpaque(r *Result, text, label string) {
	for i := 0; i < len(text); i++ {
		if !tokenChar(text[i]) {
			r.Kind, r.Error = KindInvalid, badChar(text, i)
			return
		}
	}
	if label == "" {
		// Nothing says it is a token: it must look like one.
		if err := opaqueLimit(text); err != nil {
			r.Kind, r.Error = KindInvalid, err
			return
		}
	}
	if dots := strings.Count(text, "."); label == "" && dots > 1 && !hasKnownPrefix(text) {
		// Point at the first dot past what a JWS has.
		pos := len(text)
		for i, seen := 0, 0; i < len(text); i++ {
			if text[i] == '.' {
				if seen++; seen == 3 {
					pos = i
					break
				}
			}
		}
		r.Kind = KindInvalid
		r.Error = &Error{Position: pos, Message: fmt.Sprintf("not a token: %d dots, but a JWS has 2 (3 segments) and a JWE 4 (5 segments)", dots)}
		return
	}
	if label == "" && len(text) < MinOpaqueLength {
		r.Kind = KindInvalid
		r.Error = &Error{Position: len(text), Message: fmt.Sprintf("not a token: %d characters is too short for a JWT or an opaque token", len(text))}
		return
	}
	r.Kind = KindOpaque
	info := &OpaqueInfo{Length: len(text), Alphabet: alphabet(text)}
	kp := prefixOf(text)
	if kp != nil {
		info.Recognised = kp.what
	} else if info.Alphabet == "uuid" {
		info.Recognised = "UUID (Keycloak, PingFederate and others use these as opaque handles)"
	}
	// The member it came in says what it is; else a known prefix does.
	typ, labelled := labelTypes[label]
	if !labelled && kp != nil {
		typ = kp.typ
	}
	switch {
	case kp != nil && kp.hint != "" && kp.typ == typ:
		info.Hint = kp.hint
	case typ == TypeCode:
		info.Hint = "an authorization code: single use and short-lived (typically under a minute); exchange it at the token endpoint together with the PKCE code_verifier"
	case typ == TypeRefreshToken:
		info.Hint = "refresh tokens are usually opaque: only the issuer can read it; exchange it with grant_type=refresh_token, and keep it secret"
	case typ == TypeAccessToken:
		info.Hint = "an opaque access token carries no readable claims: ask the issuer about it with token introspection (RFC 7662), or call the userinfo endpoint with it"
	default:
		info.Hint = "an opaque token carries no readable claims: ask the issuer about it with token introspection (RFC 7662), or call the userinfo endpoint with it if it is an access token"
	}
	r.Opaque = info
}

// prefixOf returns the product token format text has, or nil.
func prefixOf(text string) *knownPrefix {
	for i := range knownPrefixes {
		if strings.HasPrefix(text, knownPrefixes[i].prefix) {
			return &knownPrefixes[i]
		}
	}
	return nil
}

func hasKnownPrefix(text string) bool { return prefixOf(text) != nil }

func alphabet(text string) string {
	hex, alnum, url, std := true, true, true, true
	for i := 0; i < len(text); i++ {
		c := text[i]
		isHex := c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
		isAlnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		hex = hex && isHex
		alnum = alnum && isAlnum
		url = url && (isAlnum || c == '-' || c == '_')
		std = std && (isAlnum || c == '+' || c == '/' || c == '=')
	}
	switch {
	case isUUID(text):
		return "uuid"
	case hex:
		return "hex"
	case alnum:
		return "alphanumeric"
	case url:
		return "base64url"
	case std:
		return "base64"
	default:
		return "mixed"
	}
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
