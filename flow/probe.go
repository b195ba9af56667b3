package flow

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/oidcdev/oidc/decode"
)

// ProbeRequest walks a protected resource (an MCP server, an API) the way
// a client must: the resource's challenge, its metadata (RFC 9728), the
// authorization server's (RFC 8414), registration, a login with the
// resource indicator (RFC 8707), the call with the token.
type ProbeRequest struct {
	URL string
	// MCP: speak JSON-RPC (initialize, tools/list) over Streamable HTTP.
	MCP bool
	// ClientID, when set, is a pre-registered client (or a client ID
	// metadata document URL); else dynamic registration is tried.
	ClientID, ClientSecret string
	// ClientIssuer, when set, is the only authorization server the client
	// (a profile's) is used with; at another, registration is tried.
	ClientIssuer string
	// Scopes, when set, replace what the resource asks for.
	Scopes []string
	// Login runs the code flow for the client with the resource and
	// scopes (nil: stop before logging in).
	Login       func(ctx context.Context, req FlowRequest, params url.Values) (*decode.FlowReport, *TokenResponse, error)
	RedirectURI string // registered with dynamic registration
	// Tool, when set, is an MCP tool to call after tools/list, with
	// ToolArgs (a JSON object): what the token is for.
	Tool     string
	ToolArgs json.RawMessage
	// AudienceCheck logs in once more without the resource indicator and
	// presents that token: a resource that takes it does not check the
	// audience (a confused deputy).
	AudienceCheck bool
	Warn          func(string)
	Flags         map[string]string
}

// mcpVersion is the protocol version oidc asks for in initialize.
const mcpVersion = "2025-06-18"

// Probe walks the chain and reports every step. It stops at the first
// step that fails; the error is nil unless the walk itself could not go
// on (the network).
func (c *Client) Probe(ctx context.Context, req ProbeRequest) (*decode.ProbeReport, error) {
	rep := &decode.ProbeReport{URL: req.URL, MCP: req.MCP, Scopes: []string{}, Steps: []decode.ProbeStep{}}
	u, err := c.CheckURL(req.URL)
	if err != nil {
		return nil, &Error{URL: req.URL, Option: "url", Err: err}
	}
	c.TrustHeaders(req.URL)
	// --header values are for the resource: the hosts it names (its
	// metadata's, its authorization server's) get none.
	c.PinHeaders()
	rep.Resource = resourceID(u)

	// 1. The resource without a token: a 401 with a challenge.
	resp, err := c.callResource(ctx, req, "", "")
	if err != nil {
		return rep, err
	}
	step := rep.Add(decode.ProbeStep{Name: "challenge", Request: resp.request, Response: resp.summary(), Clause: "RFC 6750 3, RFC 9728 5.1"})
	ch, params := bearerChallenge(resp.Header.Values("WWW-Authenticate"))
	switch {
	case resp.Status < 300:
		step.Status, step.ID, step.Message = decode.Warn, "resource-unprotected", "the resource answered without a token: nothing protects it"
		rep.Valid = true
		return rep, nil
	case resp.Status < 400:
		step.Status, step.ID, step.Protocol = decode.Fail, "challenge-redirect", true
		step.Message = fmt.Sprintf("a request without a token got a redirect (%d to %s), not 401: a browser's login, not a protected resource's answer", resp.Status, resp.Header.Get("Location"))
		step.Fix = "answer API clients 401 with a WWW-Authenticate Bearer challenge (RFC 6750 3) instead of redirecting them"
		return rep, nil
	case resp.Status != http.StatusUnauthorized:
		step.Status, step.ID, step.Protocol = decode.Fail, "challenge-not-401", true
		step.Message = fmt.Sprintf("a request without a token got %d, not 401", resp.Status)
		step.Fix = "answer 401 with a WWW-Authenticate Bearer challenge (RFC 6750 3)"
		return rep, nil
	case ch == "":
		step.Status, step.ID, step.Protocol = decode.Fail, "challenge-missing", true
		step.Message = "401 without a WWW-Authenticate Bearer challenge: clients cannot tell how to authenticate"
		step.Fix = `send WWW-Authenticate: Bearer resource_metadata="<metadata URL>" (RFC 9728 5.1)`
		return rep, nil
	}
	metadataURL := params["resource_metadata"]
	if s := params["scope"]; s != "" {
		rep.Scopes = strings.Fields(s)
	}
	if strings.EqualFold(ch, "DPoP") && c.DPoP == nil {
		// The resource wants tokens bound to a key (RFC 9449 7.1): the
		// login binds them to one made for this run.
		key, err := decode.NewSigningKey("ES256")
		if err == nil {
			c.DPoP, err = NewDPoP(key)
		}
		if err != nil {
			return rep, err
		}
	}
	// Schemes are case-insensitive (RFC 9110 11.1), so the walk goes on;
	// but clients that match the spelling of RFC 6750 3 (or RFC 9449 7.1)
	// find no challenge.
	canonical := "Bearer"
	if strings.EqualFold(ch, "DPoP") {
		canonical = "DPoP"
	}
	caseNote := ""
	if ch != canonical {
		caseNote = fmt.Sprintf("the scheme is %q, not %q: schemes are case-insensitive (RFC 9110 11.1), yet clients that match %q exactly see no challenge and cannot start", ch, canonical, canonical)
	}
	switch {
	case metadataURL == "":
		step.Status, step.ID = decode.Warn, "challenge-no-resource-metadata"
		step.Message = "the challenge has no resource_metadata: clients that fall back to the well-known URLs (MCP 2025-11-25) go on, as this probe does; " +
			"clients that read only the challenge (MCP 2025-06-18, where it is a MUST) stop here"
		step.Clause += ", MCP authorization 2025-06-18 (resource_metadata required) and 2025-11-25 (well-known fallback)"
		step.Fix = `add resource_metadata="<metadata URL>" to the challenge (RFC 9728 5.1; MCP authorization)`
		if caseNote != "" {
			step.Message += "; " + caseNote
		}
	case caseNote != "":
		step.Status, step.ID = decode.Warn, "challenge-scheme-case"
		step.Message = "401 with a challenge naming the resource metadata; " + caseNote
		step.Clause += ", RFC 9110 11.1"
		step.Fix = "send the scheme as " + canonical
	default:
		step.Status, step.Message = decode.Pass, "401 with a "+ch+" challenge naming the resource metadata"
	}
	if canonical == "DPoP" {
		step.Message += "; the resource wants DPoP-bound tokens: the login binds them to a key made for this run"
	}

	// 2. The protected resource metadata.
	prm, ok := c.resourceMetadata(ctx, rep, u, metadataURL)
	if !ok {
		return rep, nil
	}
	var doc struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		ScopesSupported      []string `json:"scopes_supported"`
		BearerMethods        []string `json:"bearer_methods_supported"`
	}
	_ = json.Unmarshal(prm, &doc)
	step = &rep.Steps[len(rep.Steps)-1]
	switch {
	case doc.Resource == "":
		step.Status, step.ID, step.Message, step.Fix = decode.Fail, "prm-no-resource", "the metadata has no resource", "publish resource: the resource's identifier (RFC 9728 2)"
		return rep, nil
	case !sameResource(doc.Resource, rep.Resource) && coversResource(doc.Resource, rep.Resource):
		// RFC 9728 3.3: metadata found at the root names the origin (or a
		// path above the URL); the tokens are asked for that resource.
		step.Status, step.ID = decode.Pass, ""
		step.Message = fmt.Sprintf("%s; its resource %s covers %s", step.Message, doc.Resource, rep.Resource)
		rep.Resource = doc.Resource
	case !sameResource(doc.Resource, rep.Resource):
		step.Status, step.ID = decode.Fail, "prm-resource-mismatch"
		step.Message = fmt.Sprintf("the metadata is for resource %s, not %s: clients must refuse it (RFC 9728 3.3)", doc.Resource, rep.Resource)
		step.Fix = "make resource exactly the URL clients use for the server"
		return rep, nil
	case doc.Resource != rep.Resource:
		warnStep(step, "prm-resource-trailing-slash", fmt.Sprintf("the metadata's resource %s differs from the URL %s by a trailing slash: strict clients refuse it (RFC 9728 3.3)", doc.Resource, rep.Resource),
			"publish resource exactly as the URL")
		rep.Resource = doc.Resource // what the tokens are asked for
	}
	// Whatever the resource matched as: without an authorization server
	// there is nowhere to go on to.
	if len(doc.AuthorizationServers) == 0 {
		step.Status, step.ID = decode.Fail, "prm-no-authorization-servers"
		step.Message = "the metadata names no authorization_servers: a client has no authorization server to get a token from (MCP authorization requires at least one)"
		step.Fix = "list the issuer(s) whose tokens the resource accepts in authorization_servers"
		return rep, nil
	}
	if len(doc.BearerMethods) > 0 && !slices.Contains(doc.BearerMethods, "header") {
		warnStep(step, "prm-no-header-bearer-method", "bearer_methods_supported does not include header: MCP clients send the token in the Authorization header",
			`list "header" in bearer_methods_supported`)
	}
	if len(rep.Scopes) == 0 {
		rep.Scopes = doc.ScopesSupported
	}
	if len(req.Scopes) > 0 {
		rep.Scopes = req.Scopes
	}

	// 3 and 4. Each authorization server in the order listed, until one
	// works: its metadata, with S256, and a client for it.
	var as, clientID, secret string
	var givenUp []int // the steps of servers that did not work
	for i, candidate := range doc.AuthorizationServers {
		first := len(rep.Steps)
		rep.AuthorizationServer = candidate
		md, raw, ok := c.authorizationServer(ctx, rep, candidate, i, len(doc.AuthorizationServers))
		if ok {
			clientID, secret = c.client(ctx, rep, req, md, raw)
		}
		if ok && clientID != "" {
			as = candidate
			break
		}
		for j := first; j < len(rep.Steps); j++ {
			givenUp = append(givenUp, j)
		}
	}
	if as == "" {
		return rep, nil
	}
	// A server passed over for one that works is worth a warning, not
	// the verdict: clients that try only the first fail there.
	for _, j := range givenUp {
		if st := &rep.Steps[j]; st.Status == decode.Fail {
			st.Status, st.Protocol = decode.Warn, false
			st.Message += "; the walk goes on with the next of authorization_servers (clients that try only the first stop here)"
		}
	}
	if req.Login == nil {
		rep.Add(decode.ProbeStep{Name: "login", Status: decode.Skip, Message: "not logged in (asked not to)"})
		rep.Valid = rep.Failed() == nil
		return rep, nil
	}

	// 5. Login with the resource indicator, then call with the token.
	tokens, ok, err := c.probeLogin(ctx, rep, req, as, clientID, secret)
	if err != nil || !ok {
		return rep, err
	}
	resp, err = c.callResource(ctx, req, tokens.AccessToken, tokens.TokenType)
	if err != nil {
		return rep, err
	}
	if resp.Status == http.StatusForbidden {
		_, p := bearerChallenge(resp.Header.Values("WWW-Authenticate"))
		if p["error"] == "insufficient_scope" && p["scope"] != "" {
			rep.Add(decode.ProbeStep{Name: "call", Request: resp.request, Response: resp.summary(), Status: decode.Warn, ID: "step-up", Clause: "RFC 6750 3.1, MCP authorization (step-up)",
				Message: "403 insufficient_scope: the resource wants " + p["scope"] + "; logging in once more asking for it"})
			for _, s := range strings.Fields(p["scope"]) {
				if !slices.Contains(rep.Scopes, s) {
					rep.Scopes = append(rep.Scopes, s)
				}
			}
			if tokens, ok, err = c.probeLogin(ctx, rep, req, as, clientID, secret); err != nil || !ok {
				return rep, err
			}
			if resp, err = c.callResource(ctx, req, tokens.AccessToken, tokens.TokenType); err != nil {
				return rep, err
			}
		}
	}
	step = rep.Add(decode.ProbeStep{Name: "call", Request: resp.request, Response: resp.summary(), Clause: "RFC 6750 2.1"})
	if resp.Status >= 300 {
		step.Status, step.ID = decode.Fail, "call-refused"
		step.Message = fmt.Sprintf("the resource refused the token: %d", resp.Status)
		if _, p := bearerChallenge(resp.Header.Values("WWW-Authenticate")); p["error"] != "" {
			step.Message += " " + p["error"]
			if d := p["error_description"]; d != "" {
				step.Message += ": " + d
			}
		}
		step.Fix = "the token was checked by oidc above; if its audience is the resource, the resource's own validation is off (issuer, keys, audience)"
		return rep, nil
	}
	rep.Answer = resp.result
	step.Status, step.Message = decode.Pass, "the resource accepted the token"
	if req.MCP {
		step.Message += ": " + resp.mcpSummary
	}
	if req.AudienceCheck {
		if err := c.audienceCheck(ctx, rep, req, as, clientID, secret); err != nil {
			return rep, err
		}
	}
	rep.Valid = rep.Failed() == nil
	return rep, nil
}

// audienceCheck presents a token the resource must refuse: one from a
// login without the resource indicator, so for another audience.
func (c *Client) audienceCheck(ctx context.Context, rep *decode.ProbeReport, req ProbeRequest, as, clientID, secret string) error {
	fr := FlowRequest{GrantRequest: GrantRequest{Scopes: rep.Scopes}, Issuer: as, ClientID: clientID, ClientSecret: secret, Warn: req.Warn, Flags: req.Flags}
	report, tr, err := req.Login(ctx, fr, url.Values{})
	step := rep.Add(decode.ProbeStep{Name: "audience", Clause: "RFC 8707 2, RFC 9068 4, MCP authorization (token audience validation)",
		Request: "a login without resource, and the resource called with that token"})
	if err != nil || tr == nil {
		step.Status, step.Message = decode.Skip, "the second login failed, so the audience could not be tested"
		if err != nil {
			step.Message += ": " + err.Error()
		}
		return nil
	}
	aud := ""
	if report != nil && report.AccessToken != nil && report.AccessToken.Token != nil {
		aud = strings.Join(report.AccessToken.Token.StringsClaim("aud"), " ")
	}
	if slices.Contains(strings.Fields(aud), rep.Resource) {
		step.Status, step.Message = decode.Skip, "the issuer made the token for the resource without being asked: the resource's own audience check cannot be tested this way"
		return nil
	}
	resp, err := c.callResource(ctx, req, tr.AccessToken, tr.TokenType)
	if err != nil {
		return err
	}
	step.Response = resp.summary()
	if resp.Status < 300 {
		step.Status, step.ID = decode.Fail, "confused-deputy"
		step.Message = "the resource accepted a token that is not for it (aud " + orWords(strings.Fields(aud), "unknown: an opaque token") + "): a confused deputy, which takes any token of the issuer"
		step.Fix = "check that the token's audience is the resource (its aud, or introspection's) before serving"
		return nil
	}
	step.Status, step.Message = decode.Pass, fmt.Sprintf("the resource refused a token for another audience (%d)", resp.Status)
	return nil
}

// authorizationServer is step 3 for one of the resource's authorization
// servers (the nth of count): its metadata, every well-known form, with
// S256. ok is false when the walk cannot go on with it.
func (c *Client) authorizationServer(ctx context.Context, rep *decode.ProbeReport, as string, n, count int) (md *Metadata, raw json.RawMessage, ok bool) {
	disc, err := c.discoverAll(ctx, as, false)
	step := rep.Add(decode.ProbeStep{Name: "authorization server", Request: "GET " + strings.Join(docURLs(disc, as), ", "), Clause: "RFC 8414 3, OIDC Discovery 4, MCP authorization"})
	which := ""
	if count > 1 {
		which = fmt.Sprintf("authorization server %d of %d, %s: ", n+1, count, as)
	}
	if err != nil {
		step.Status, step.ID, step.Protocol, step.Message = decode.Fail, "as-metadata-missing", true, which+err.Error()
		step.Fix = "serve the authorization server's metadata at /.well-known/oauth-authorization-server (RFC 8414) or openid-configuration"
		return nil, nil, false
	}
	step.Response = answeredForms(disc)
	md = &Metadata{}
	_ = json.Unmarshal(disc.Metadata, md)
	md.Source = disc.Source
	step.Status, step.Message = decode.Pass, which+"metadata at "+disc.Source
	if note := divergence(disc); note != "" {
		warnStep(step, "as-metadata-divergent", note, "")
	}
	if !slices.Contains(md.CodeChallengeMethods, "S256") {
		step.Status, step.ID = decode.Fail, "as-no-s256"
		step.Message = which + "the authorization server does not list S256 in code_challenge_methods_supported: MCP clients must refuse to go on"
		step.Fix = `publish "code_challenge_methods_supported": ["S256"]`
		return nil, nil, false
	}
	if errs := lintErrors(disc.Findings); errs != "" {
		warnStep(step, "as-metadata-errors", "the metadata has errors: "+errs+" (oidc discover "+as+" explains)", "")
	}
	return md, disc.Metadata, true
}

// warnStep adds a warning to a step: the first names the step's ID, the
// others add to its message and fix, so that none hides another.
func warnStep(step *decode.ProbeStep, id, message, fix string) {
	if step.Status != decode.Warn {
		step.Status, step.ID, step.Fix = decode.Warn, id, ""
	}
	step.Message = strings.TrimPrefix(step.Message+"; "+message, "; ")
	if fix != "" {
		step.Fix = strings.TrimPrefix(step.Fix+"; "+fix, "; ")
	}
}

// resourceID is the resource identifier of a URL: no fragment, no query
// (MCP authorization: the canonical URI of the server).
func resourceID(u *url.URL) string {
	v := *u
	v.Fragment, v.RawQuery = "", ""
	v.Scheme, v.Host = strings.ToLower(v.Scheme), strings.ToLower(v.Host)
	return v.String()
}

// coversResource: the metadata's resource is the URL's origin, or a path
// the URL is under (same scheme and host).
func coversResource(resource, target string) bool {
	r, err1 := url.Parse(resource)
	t, err2 := url.Parse(target)
	if err1 != nil || err2 != nil || !strings.EqualFold(r.Scheme, t.Scheme) || !strings.EqualFold(r.Host, t.Host) || r.RawQuery != "" {
		return false
	}
	p := strings.TrimSuffix(r.Path, "/")
	return p == "" || t.Path == p || strings.HasPrefix(t.Path, p+"/")
}

func sameResource(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}

// bearerChallenge finds the Bearer (or DPoP) challenge among the header
// values, names and parameters read case-insensitively.
func bearerChallenge(values []string) (string, map[string]string) {
	for _, v := range values {
		for _, ch := range decode.ParseChallenges(v) {
			if strings.EqualFold(ch.Scheme, "Bearer") || strings.EqualFold(ch.Scheme, "DPoP") {
				return ch.Scheme, ch.Params
			}
		}
	}
	return "", map[string]string{}
}

// resourceMetadata gets the RFC 9728 document: from the challenge's URL,
// else the path-aware well-known URL, then the root one.
func (c *Client) resourceMetadata(ctx context.Context, rep *decode.ProbeReport, u *url.URL, fromHeader string) (json.RawMessage, bool) {
	var tries []string
	if fromHeader != "" {
		tries = []string{fromHeader}
	} else {
		root := *u
		root.RawQuery, root.Fragment = "", ""
		path := strings.TrimSuffix(u.Path, "/")
		root.Path = "/.well-known/oauth-protected-resource" + path
		tries = append(tries, root.String())
		if path != "" {
			root.Path = "/.well-known/oauth-protected-resource"
			tries = append(tries, root.String())
		}
	}
	step := rep.Add(decode.ProbeStep{Name: "resource metadata", Request: "GET " + strings.Join(tries, ", then "), Clause: "RFC 9728 3"})
	var errs []string
	for i, t := range tries {
		if _, err := c.CheckURL(t); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		f, err := c.GetJSON(ctx, t, true)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		rep.ResourceMetadata = f.Body
		step.Response = "200 from " + t
		step.Status, step.Message = decode.Pass, "resource metadata at "+t
		if i > 0 {
			step.Status, step.ID = decode.Warn, "prm-root-only"
			step.Message = "resource metadata only at the root well-known URL " + t + ": clients that build only the path-aware URL of RFC 9728 3.1 find none and stop; " +
				"those that fall back to the root (MCP 2025-11-25, as this probe does) see a 404 first"
			step.Clause = "RFC 9728 3, 3.1, MCP authorization 2025-11-25 (well-known fallback)"
			step.Fix = "serve the metadata at " + tries[0] + " too, or name it in the challenge's resource_metadata"
		}
		return f.Body, true
	}
	step.Status, step.ID, step.Protocol = decode.Fail, "prm-not-found", true
	step.Message = "no resource metadata: " + strings.Join(errs, "; ")
	step.Fix = "serve RFC 9728 metadata at " + tries[0]
	if fromHeader == "" {
		step.Fix += " and name it in the challenge's resource_metadata"
	}
	return nil, false
}

func docURLs(d *decode.DiscoverReport, issuer string) []string {
	var out []string
	if d == nil {
		for _, w := range WellKnownURLs(issuer) {
			out = append(out, w.URL)
		}
		return out
	}
	for _, w := range d.Documents {
		out = append(out, w.URL)
	}
	return out
}

func answeredForms(d *decode.DiscoverReport) string {
	var out []string
	for _, w := range d.Documents {
		mark := "404 or error"
		if w.Answered {
			mark = "200"
		}
		out = append(out, w.Form+" "+w.Kind+": "+mark)
	}
	return strings.Join(out, "; ")
}

// divergence says where clients would part ways: which well-known forms
// answered, against the orders clients try them in.
func divergence(d *decode.DiscoverReport) string {
	var oauth, oidc bool
	for _, w := range d.Documents {
		if w.Answered {
			oauth = oauth || w.Kind == decode.WellKnownOAuth
			oidc = oidc || w.Kind == decode.WellKnownOpenID
		}
	}
	switch {
	case !oauth:
		return "no RFC 8414 document: clients that look only for oauth-authorization-server (some MCP SDK versions) find nothing"
	case !oidc:
		return "no OpenID discovery document: OpenID Connect clients find nothing (MCP clients try RFC 8414 first and are fine)"
	}
	for _, w := range d.Documents {
		if !w.Answered && w.Form == "inserted" && w.Kind == decode.WellKnownOAuth {
			return "RFC 8414's path-inserted URL does not answer, which the MCP spec has clients try first"
		}
	}
	return ""
}

func lintErrors(fs []decode.Finding) string {
	var ids []string
	for _, f := range fs {
		if f.Severity == decode.SeverityError || f.Severity == decode.SeverityCritical {
			ids = append(ids, f.ID)
		}
	}
	return strings.Join(ids, ", ")
}

// client decides the client id: a pre-registered one, a client ID
// metadata document URL, or dynamic registration (RFC 7591).
func (c *Client) client(ctx context.Context, rep *decode.ProbeReport, req ProbeRequest, md *Metadata, raw json.RawMessage) (id, secret string) {
	var extra struct {
		Registration string `json:"registration_endpoint"`
		CIMD         bool   `json:"client_id_metadata_document_supported"`
	}
	_ = json.Unmarshal(raw, &extra)
	step := rep.Add(decode.ProbeStep{Name: "registration", Clause: "MCP authorization: client registration"})
	offers := []string{}
	if extra.CIMD {
		offers = append(offers, "client ID metadata documents")
	}
	if extra.Registration != "" {
		offers = append(offers, "dynamic registration (RFC 7591)")
	}
	offered := "the authorization server offers " + orWords(offers, "no registration")
	otherIssuer := ""
	if req.ClientID != "" && req.ClientIssuer != "" && strings.TrimSuffix(req.ClientIssuer, "/") != strings.TrimSuffix(md.Issuer, "/") {
		// Said on the registration step however it ends, not in a step of
		// its own that the outcome would leave half filled.
		otherIssuer = "the profile's client is registered at " + req.ClientIssuer + ", not at " + md.Issuer + ": its credentials are not sent there"
		req.ClientID, req.ClientSecret = "", ""
		defer func() {
			if step.Status == decode.Fail {
				step.Message = otherIssuer + "; " + step.Message
			} else {
				warnStep(step, "client-other-issuer", otherIssuer, "")
			}
		}()
	}
	if req.ClientID != "" {
		rep.ClientID, rep.Registration = req.ClientID, "pre-registered"
		if decode.ClientIDMetadataURL(req.ClientID) {
			rep.Registration = "client ID metadata document"
			if !extra.CIMD {
				step.Status, step.ID, step.Message = decode.Warn, "cimd-not-advertised", "the client id is a metadata document URL, but the authorization server does not say it supports them; "+offered
				return req.ClientID, req.ClientSecret
			}
		}
		step.Status, step.Message = decode.Pass, "client "+req.ClientID+" ("+rep.Registration+"); "+offered
		return req.ClientID, req.ClientSecret
	}
	if extra.Registration == "" {
		step.Status, step.ID = decode.Fail, "registration-unavailable"
		step.Message = offered + ": without --client-id there is no client to log in with"
		step.Fix = "pre-register a client and give --client-id (Entra, Okta and Cognito need that), or enable dynamic registration"
		return "", ""
	}
	body, _ := json.Marshal(map[string]any{"client_name": "oidc probe", "redirect_uris": []string{req.RedirectURI},
		"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"}, "token_endpoint_auth_method": "none"})
	step.Request = "POST " + extra.Registration
	if _, err := c.CheckURL(extra.Registration); err != nil {
		step.Status, step.ID, step.Protocol, step.Message = decode.Fail, "registration-error", true, err.Error()
		return "", ""
	}
	resp, err := c.send(func() (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, extra.Registration, bytes.NewReader(body))
		if err == nil {
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Accept", "application/json")
		}
		return r, err
	}, "", false)
	if err != nil {
		step.Status, step.ID, step.Protocol, step.Message = decode.Fail, "registration-error", true, err.Error()
		return "", ""
	}
	step.Response = fmt.Sprintf("%d", resp.Status)
	var got struct {
		ClientID     string   `json:"client_id"`
		Secret       string   `json:"client_secret"`
		AuthMethod   string   `json:"token_endpoint_auth_method"`
		RedirectURIs []string `json:"redirect_uris"`
		GrantTypes   []string `json:"grant_types"`
		Error        string   `json:"error"`
		Desc         string   `json:"error_description"`
	}
	_ = json.Unmarshal(resp.Body, &got)
	if resp.Status != http.StatusCreated && resp.Status != http.StatusOK || got.ClientID == "" {
		step.Status, step.ID = decode.Fail, "registration-refused"
		step.Message = fmt.Sprintf("dynamic registration was refused (%d %s)", resp.Status, strings.TrimSpace(got.Error+" "+got.Desc))
		step.Fix = "the server wants an initial access token or has no open registration: pre-register a client and give --client-id"
		return "", ""
	}
	// What the server registered, which may not be what was asked: the
	// step shows it, the secret only as sent.
	said := func(name string, v ...string) string {
		if len(v) == 0 || v[0] == "" {
			return name + " not in the answer"
		}
		return name + " " + strings.Join(v, " ")
	}
	answer := []string{said("client_id", got.ClientID), said("token_endpoint_auth_method", got.AuthMethod),
		said("redirect_uris", got.RedirectURIs...), said("grant_types", got.GrantTypes...)}
	if got.Secret != "" {
		answer = append(answer, "client_secret "+Redacted)
	}
	step.Response += ": " + strings.Join(answer, ", ")
	rep.ClientID, rep.Registration = got.ClientID, "dynamic"
	step.Status, step.Message = decode.Pass, "registered client "+got.ClientID+" (RFC 7591); "+offered
	return got.ClientID, got.Secret
}

func orWords(items []string, none string) string {
	if len(items) == 0 {
		return none
	}
	return strings.Join(items, " and ")
}

// probeLogin logs in for the resource and checks the access token is
// for it (its audience), as the resource will.
func (c *Client) probeLogin(ctx context.Context, rep *decode.ProbeReport, req ProbeRequest, as, clientID, secret string) (*TokenResponse, bool, error) {
	fr := FlowRequest{GrantRequest: GrantRequest{Scopes: rep.Scopes, Resource: []string{rep.Resource}}, Issuer: as, ClientID: clientID, ClientSecret: secret,
		Warn: req.Warn, Flags: req.Flags}
	params := url.Values{"resource": {rep.Resource}}
	report, tr, err := req.Login(ctx, fr, params)
	step := rep.Add(decode.ProbeStep{Name: "login", Clause: "OAuth 2.1 4.1, RFC 7636, RFC 8707",
		Request: fmt.Sprintf("authorization code + PKCE at %s, scope %q, resource %s", as, strings.Join(rep.Scopes, " "), rep.Resource)})
	rep.Login = report
	if err != nil {
		step.Status, step.ID, step.Message = decode.Fail, "login-failed", err.Error()
		step.Protocol = IsIssuerError(err)
		return nil, false, nil
	}
	if !report.Valid {
		var failed []string
		if report.AccessToken != nil {
			failed = failedIDs(report.AccessToken)
		}
		for _, ch := range report.Checks {
			if ch.Status == decode.Fail {
				failed = append(failed, ch.ID)
			}
		}
		step.Status, step.ID = decode.Fail, "login-checks-failed"
		step.Message = "the tokens failed checks: " + strings.Join(failed, ", ")
		if slices.Contains(failed, "aud") {
			step.Message += ": the access token is not for the resource (was resource sent on both requests? the issuer must honour RFC 8707)"
		}
		return nil, false, nil
	}
	step.Status, step.Message = decode.Pass, "logged in; the access token is for "+rep.Resource
	if report.AccessToken == nil {
		step.Status, step.ID, step.Message = decode.Warn, "access-token-opaque", "logged in; the access token is opaque, so its audience cannot be checked here (oidc introspect can)"
	}
	return tr, true, nil
}

// resourceAnswer is what the resource said to one call.
type resourceAnswer struct {
	*Response
	request    string
	result     json.RawMessage
	mcpSummary string
}

func (a *resourceAnswer) summary() string {
	s := fmt.Sprintf("%d", a.Status)
	if v := a.Header.Values("WWW-Authenticate"); len(v) > 0 {
		s += ", WWW-Authenticate: " + strings.Join(v, ", ")
	}
	return s
}

// callResource calls the resource: MCP's initialize then tools/list, or a
// GET; with the token when one is given.
func (c *Client) callResource(ctx context.Context, req ProbeRequest, token, tokenType string) (*resourceAnswer, error) {
	// A resource is asked, not followed: a redirect (to a login page,
	// say) is an answer of its own, and a token must not go elsewhere.
	hc := *c.HTTP
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	nc := *c
	nc.HTTP = &hc
	c = &nc
	dpop := strings.EqualFold(tokenType, "DPoP") && c.DPoP != nil
	session := ""
	do := func(method string, body []byte) (*Response, error) {
		return c.send(func() (*http.Request, error) {
			var rd *bytes.Reader
			if body != nil {
				rd = bytes.NewReader(body)
			}
			var r *http.Request
			var err error
			if rd != nil {
				r, err = http.NewRequestWithContext(ctx, method, req.URL, rd)
			} else {
				r, err = http.NewRequestWithContext(ctx, method, req.URL, nil)
			}
			if err != nil {
				return nil, &Error{URL: req.URL, Err: err}
			}
			if req.MCP {
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set("Accept", "application/json, text/event-stream")
				r.Header.Set("MCP-Protocol-Version", mcpVersion)
				if session != "" {
					r.Header.Set("Mcp-Session-Id", session)
				}
			}
			switch {
			case token != "" && dpop:
				r.Header.Set("Authorization", "DPoP "+token)
			case token != "":
				r.Header.Set("Authorization", "Bearer "+token)
			}
			return r, nil
		}, token, dpop)
	}
	if !req.MCP {
		resp, err := do(http.MethodGet, nil)
		if err != nil {
			return nil, err
		}
		a := &resourceAnswer{Response: resp, request: "GET " + req.URL}
		if json.Valid(bytes.TrimSpace(resp.Body)) {
			a.result = bytes.TrimSpace(resp.Body)
		}
		return a, nil
	}
	init, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{
		"protocolVersion": mcpVersion, "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "oidc probe", "version": "1"}}})
	resp, err := do(http.MethodPost, init)
	if err != nil {
		return nil, err
	}
	a := &resourceAnswer{Response: resp, request: "POST " + req.URL + " (MCP initialize)"}
	if resp.Status != http.StatusOK {
		return a, nil
	}
	// Without a token, initialize may be open while the tools are not:
	// go on, and the tools' answer is the resource's.
	result, err := jsonRPCResult(resp)
	if err != nil {
		a.Status = http.StatusBadGateway
		a.mcpSummary = err.Error()
		return a, nil
	}
	var server struct {
		ServerInfo struct{ Name, Version string } `json:"serverInfo"`
	}
	_ = json.Unmarshal(result, &server)
	// A stateful server names its session; every request after carries it.
	session = resp.Header.Get("Mcp-Session-Id")
	initialized, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	if _, err := do(http.MethodPost, initialized); err != nil {
		return nil, err
	}
	list, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
	resp2, err := do(http.MethodPost, list)
	if err != nil {
		return nil, err
	}
	a2 := &resourceAnswer{Response: resp2, request: "POST " + req.URL + " (MCP initialize, tools/list)"}
	if resp2.Status != http.StatusOK {
		return a2, nil
	}
	tools, err := jsonRPCResult(resp2)
	if err != nil {
		a2.Status = http.StatusBadGateway
		a2.mcpSummary = err.Error()
		return a2, nil
	}
	var names struct {
		Tools []struct{ Name string } `json:"tools"`
	}
	_ = json.Unmarshal(tools, &names)
	var ns []string
	for _, t := range names.Tools {
		ns = append(ns, t.Name)
	}
	a2.result = tools
	if req.Tool != "" {
		args := req.ToolArgs
		if len(args) == 0 {
			args = json.RawMessage(`{}`)
		}
		call, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": map[string]any{"name": req.Tool, "arguments": args}})
		resp3, err := do(http.MethodPost, call)
		if err != nil {
			return nil, err
		}
		a3 := &resourceAnswer{Response: resp3, request: "POST " + req.URL + " (MCP initialize, tools/list, tools/call " + req.Tool + ")"}
		if resp3.Status != http.StatusOK {
			return a3, nil
		}
		res, err := jsonRPCResult(resp3)
		if err != nil {
			a3.Status = http.StatusBadGateway
			a3.mcpSummary = err.Error()
			return a3, nil
		}
		a3.result = res
		a3.mcpSummary = fmt.Sprintf("MCP server %s; tool %s answered", strings.TrimSpace(server.ServerInfo.Name+" "+server.ServerInfo.Version), req.Tool)
		return a3, nil
	}
	toolNames := "none"
	if len(ns) > 0 {
		toolNames = strings.Join(ns, ", ")
	}
	a2.mcpSummary = fmt.Sprintf("MCP server %s; tools: %s", strings.TrimSpace(server.ServerInfo.Name+" "+server.ServerInfo.Version), toolNames)
	return a2, nil
}

// jsonRPCResult reads a JSON-RPC answer, plain or as server-sent events
// (Streamable HTTP may answer either way).
func jsonRPCResult(resp *Response) (json.RawMessage, error) {
	body := bytes.TrimSpace(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data:"); ok {
				body = []byte(strings.TrimSpace(d))
				break
			}
		}
	}
	var msg struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		return nil, fmt.Errorf("the answer is not JSON-RPC: %v", err)
	}
	if msg.Error != nil {
		return nil, fmt.Errorf("JSON-RPC error %d: %s", msg.Error.Code, msg.Error.Message)
	}
	return msg.Result, nil
}
