package flow

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// RefusedError is an authorization request the issuer refused before
// anyone could log in: an unknown client, a redirect URI that is not
// registered, a scope or response type not allowed. Found by preflight,
// so the login fails at once instead of leaving the user at an error page
// while oidc waits. Option names the input that would fix it, when one
// does ("redirect_uri", "client_id", "scope"); each command knows its flag.
type RefusedError struct {
	URL         string
	Status      string // of an error page
	Code        string // of an error redirect (RFC 6749 4.1.2.1)
	Description string
	Page        string // the error page's words
	Cause       string // what oidc makes of it
	Option      string
}

func (e *RefusedError) Error() string {
	var what string
	switch {
	case e.Code != "":
		what = oauthError("the issuer refused the authorization request:", e.Code, e.Description, "")
	default:
		what = "the issuer refused the authorization request with " + e.Status
		if e.Page != "" {
			what += ": " + e.Page
		}
	}
	if e.Cause != "" {
		what += "; " + e.Cause
	}
	return what
}

// sessionErrors are the authorization errors that depend on the browser's
// session (OIDC Core 3.1.2.6): a request without cookies may get them
// when the user's browser would not, so preflight never fails on them.
var sessionErrors = map[string]bool{
	"login_required": true, "interaction_required": true, "consent_required": true,
	"account_selection_required": true, "access_denied": true, "temporarily_unavailable": true, "server_error": true,
}

// preflight requests the authorization URL once, as a browser with no
// session would, and follows no redirect. An error redirect, or an error
// page of status 400 or 404, means the request itself is refused; the
// issuer's login page (200), anything else, or no answer in a few seconds
// says nothing, and the login goes on. It never logs anyone in: the
// request carries no cookie, and a code it might get is never redeemed.
func (c *Client) preflight(ctx context.Context, authURL, redirectURI, clientID string) error {
	hc := *c.HTTP
	hc.Jar = nil
	hc.Timeout = min(hc.Timeout, 5*time.Second)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil
	}
	req.Header.Set("Accept", "text/html")
	resp, err := hc.Do(req)
	if err != nil {
		return nil // the browser may still get through (a proxy, a VPN)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 256<<10))
	if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" {
		u, err := resp.Request.URL.Parse(loc)
		if err != nil {
			return nil
		}
		q := u.Query()
		if u.Fragment != "" && q.Get("error") == "" {
			q, _ = url.ParseQuery(u.Fragment)
		}
		code := q.Get("error")
		if code == "" || sessionErrors[code] {
			return nil
		}
		e := &RefusedError{URL: authURL, Code: code, Description: q.Get("error_description")}
		explainRefusal(e, redirectURI, clientID)
		return e
	}
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
		return nil
	}
	e := &RefusedError{URL: authURL, Status: resp.Status, Page: pageText(body)}
	if resp.StatusCode == http.StatusNotFound {
		e.Cause, e.Option = "the authorization endpoint is not there: check the issuer's metadata or give the endpoint yourself", "authorization_endpoint"
	} else {
		explainRefusal(e, redirectURI, clientID)
	}
	return e
}

// explainRefusal names the likely cause from the words the issuer used.
func explainRefusal(e *RefusedError, redirectURI, clientID string) {
	words := strings.ToLower(e.Code + " " + e.Description + " " + e.Page)
	switch {
	case strings.Contains(words, "redirect") && (strings.Contains(words, "uri") || strings.Contains(words, "url")):
		e.Cause = "redirect URI " + redirectURI + " is not registered for client " + clientID + ": register it with the issuer (for a native client, http://127.0.0.1/callback with any port), or use one that is"
		e.Option = "redirect_uri"
	case e.Code == "invalid_request_object" || strings.Contains(words, "request object"):
		e.Cause = "the signed request object was refused: the issuer must have this client's public keys (or secret) and take its algorithm (request_object_signing_alg_values_supported)"
		e.Option = "client_key"
	case e.Code == "invalid_scope" || strings.Contains(words, "scope"):
		e.Cause = "a scope asked for is not allowed for client " + clientID + ": ask for fewer, or allow it at the issuer"
		e.Option = "scope"
	case e.Code == "unauthorized_client" || e.Code == "unsupported_response_type":
		e.Cause = "client " + clientID + " may not use the authorization code flow: allow the code grant (and response type code) for it at the issuer"
	case e.Code == "invalid_target" || strings.Contains(words, "resource indicator") || strings.Contains(words, "invalid_target"):
		e.Cause = "the resource asked for is not allowed for client " + clientID + " (RFC 8707)"
		e.Option = "resource"
	case strings.Contains(words, "audience"):
		e.Cause = "the audience asked for is not allowed for client " + clientID
		e.Option = "audience"
	case strings.Contains(words, "client"):
		e.Cause = "client " + clientID + " is not known to the issuer, or is disabled: check the client id (and the issuer: tenant, realm, environment)"
		e.Option = "client_id"
	}
}

// pageText is the words of an error page, in one short line: the start
// of its text (its title when it has none), markup and scripts left out.
func pageText(body []byte) string {
	s := string(body)
	var b, title strings.Builder
	skip := ""
	for len(s) > 0 && b.Len() < 600 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			if skip == "" {
				b.WriteString(s)
			}
			break
		}
		switch skip {
		case "":
			b.WriteString(s[:lt])
			b.WriteByte(' ')
		case "/title":
			title.WriteString(s[:lt])
		}
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 {
			break
		}
		tag := ""
		if f := strings.Fields(s[lt+1 : lt+gt]); len(f) > 0 {
			tag = strings.ToLower(f[0])
		}
		switch {
		case tag == "script" || tag == "style" || tag == "title":
			skip = "/" + tag
		case tag == skip:
			skip = ""
		}
		s = s[lt+gt+1:]
	}
	text := strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
	if text == "" {
		text = strings.Join(strings.Fields(html.UnescapeString(title.String())), " ")
	}
	if r := []rune(text); len(r) > 200 {
		text = string(r[:200]) + "…"
	}
	return text
}
