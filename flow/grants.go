package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcdev/oidc/decode"
)

// Grant types, as the report names them.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantClientCredentials = "client_credentials"
	GrantDevice            = "device_code"
)

// FlowRequest is what every grant shares: the issuer, the client, what to
// ask for and what the tokens must match.
type FlowRequest struct {
	GrantRequest
	Issuer                 string
	Endpoints              Endpoints
	ClientID, ClientSecret string
	AuthMethod             string // "" chooses (ChooseAuth)
	ClientKey              *jose.JSONWebKey
	AssertionAudience      string
	Leeway                 time.Duration
	MaxAge                 *time.Duration
	// Expect is what the access token must be for, besides Resource and
	// Audience.
	Expect []string
	Warn   func(string)
	// OnTokens, when set, sees the token response before the checks.
	OnTokens func(*TokenResponse)
	// Flags name the command's flag for each input, for hints.
	Flags map[string]string
}

// runFlow is every grant's frame: discovery, client authentication, the
// grant's own exchange (get), then every check of what came back. The
// report is filled as far as the flow got, also when it fails.
func (c *Client) runFlow(ctx context.Context, req FlowRequest, grant string,
	get func(md *Metadata, auth ClientAuth, rep *decode.FlowReport) (tr *TokenResponse, nonce string, since time.Time, err error)) (*decode.FlowReport, error) {
	rep := &decode.FlowReport{Grant: grant, Issuer: req.Issuer, ClientID: req.ClientID, Scopes: req.Scopes, Checks: []decode.Check{}, Hints: []string{}}
	if rep.Scopes == nil {
		rep.Scopes = []string{}
	}
	start := time.Now()
	md, mdFetch, err := c.Discovered(ctx, req.Issuer, req.Endpoints, req.Warn)
	if err != nil {
		return rep, err
	}
	rep.Step("discovery", Millis(time.Since(start)))
	if md.TokenEndpoint == "" {
		return rep, &Error{URL: md.Source, Option: "token_endpoint", Err: errors.New("the metadata of " + req.Issuer + " has no token endpoint: give it yourself")}
	}
	if _, err := c.CheckURL(md.TokenEndpoint); err != nil {
		return rep, &Error{URL: md.TokenEndpoint, Err: err}
	}
	auth, err := ChooseAuth(md, ClientCredentials{ID: req.ClientID, Secret: req.ClientSecret, Method: req.AuthMethod,
		Key: req.ClientKey, AssertionAudience: req.AssertionAudience, Cert: c.CertThumbprint != ""})
	if err != nil {
		return rep, err
	}
	rep.AuthMethod = auth.Method()
	tr, nonce, since, err := get(md, auth, rep)
	if err != nil {
		return rep, err
	}
	if req.OnTokens != nil {
		req.OnTokens(tr)
	}
	keys := &KeySource{Client: c, Issuer: md.Issuer, Metadata: md, MetadataFetch: mdFetch}
	expect := append(append(append([]string(nil), req.Resource...), req.Audience...), req.Expect...)
	if req.AuthorizationDetails != "" {
		rep.Checks = append(rep.Checks, authorizationDetailsCheck(req.AuthorizationDetails, tr))
	}
	err = c.CheckTokens(ctx, tr, TokenSetOptions{
		Metadata: md, Keys: keys, ClientID: req.ClientID, Scopes: req.Scopes, Nonce: nonce,
		MaxAge: req.MaxAge, Leeway: req.Leeway, Audience: expect, Userinfo: grant == GrantAuthorizationCode || grant == GrantDevice || grant == GrantRefresh, Flags: req.Flags,
	}, rep)
	if err != nil {
		return rep, err
	}
	if !since.IsZero() {
		rep.Step("oidc after the callback", Millis(time.Since(since)))
	}
	return rep, nil
}

// RunClientCredentials gets and checks a token for a machine client.
func (c *Client) RunClientCredentials(ctx context.Context, req FlowRequest) (*decode.FlowReport, error) {
	return c.runFlow(ctx, req, GrantClientCredentials, func(md *Metadata, auth ClientAuth, rep *decode.FlowReport) (*TokenResponse, string, time.Time, error) {
		start := time.Now()
		tr, err := c.ClientCredentials(ctx, md, auth, req.GrantRequest)
		rep.Step("token request", Millis(time.Since(start)))
		return tr, "", time.Time{}, err
	})
}

// DeviceRequest is a device flow: show tells the user the code and where
// to enter it; tick is called before each poll.
type DeviceRequest struct {
	FlowRequest
	Show func(*DeviceAuthorization)
	Tick func(left, interval time.Duration)
}

// RunDevice runs the device authorization grant (RFC 8628) and checks what
// it brought.
func (c *Client) RunDevice(ctx context.Context, req DeviceRequest) (*decode.FlowReport, error) {
	return c.runFlow(ctx, req.FlowRequest, GrantDevice, func(md *Metadata, auth ClientAuth, rep *decode.FlowReport) (*TokenResponse, string, time.Time, error) {
		start := time.Now()
		d, err := c.StartDevice(ctx, md, auth, req.GrantRequest)
		if err != nil {
			return nil, "", time.Time{}, err
		}
		rep.Step("device authorization", Millis(time.Since(start)))
		if req.Show != nil {
			req.Show(d)
		}
		start = time.Now()
		tr, err := c.PollDevice(ctx, md, auth, d, req.Tick)
		rep.Step("waiting for the user", Millis(time.Since(start)))
		return tr, "", time.Now(), err
	})
}

// GrantRequest is what every grant asks for besides its own parameters.
type GrantRequest struct {
	Scopes   []string
	Audience []string // the audience parameter (Auth0 and others)
	Resource []string // RFC 8707
	// AuthorizationDetails is RFC 9396's JSON array, as given.
	AuthorizationDetails string
}

func (g GrantRequest) form(grantType string) url.Values {
	form := url.Values{"grant_type": {grantType}}
	if len(g.Scopes) > 0 {
		form.Set("scope", strings.Join(g.Scopes, " "))
	}
	for _, a := range g.Audience {
		form.Add("audience", a)
	}
	for _, r := range g.Resource {
		form.Add("resource", r)
	}
	if g.AuthorizationDetails != "" {
		form.Set("authorization_details", g.AuthorizationDetails)
	}
	return form
}

// ClientCredentials gets a token for the client itself (RFC 6749 4.4).
func (c *Client) ClientCredentials(ctx context.Context, md *Metadata, auth ClientAuth, g GrantRequest) (*TokenResponse, error) {
	if auth.Method() == AuthNone {
		return nil, &Error{URL: md.TokenEndpoint, Err: errors.New("the client credentials grant needs client authentication: a public client has no credentials of its own")}
	}
	return c.Exchange(ctx, md, g.form("client_credentials"), auth)
}

// DeviceGrantType is the grant type of RFC 8628 3.4.
const DeviceGrantType = "urn:ietf:params:oauth:grant-type:device_code"

// DeviceAuthorization is the answer of the device authorization endpoint
// (RFC 8628 3.2).
type DeviceAuthorization struct {
	DeviceCode              string
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string
	ExpiresIn               time.Duration
	Interval                time.Duration
	Raw                     json.RawMessage
}

// StartDevice asks the device authorization endpoint for a user code.
func (c *Client) StartDevice(ctx context.Context, md *Metadata, auth ClientAuth, g GrantRequest) (*DeviceAuthorization, error) {
	endpoint := md.DeviceAuthorizationEndpoint
	if endpoint == "" {
		return nil, &Error{URL: md.Source, Err: fmt.Errorf("the metadata of %s has no device_authorization_endpoint: the issuer does not offer the device flow, or give the endpoint yourself", md.Issuer)}
	}
	form := g.form("")
	form.Del("grant_type")
	resp, err := c.PostForm(ctx, endpoint, form, auth)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	isJSON := json.Unmarshal(resp.Body, &m) == nil
	if resp.Status != http.StatusOK || !isJSON || m["error"] != nil {
		te := resp.oauthError("the device authorization endpoint", m, auth)
		explainClientAuth(te, md, auth)
		return nil, &DeviceError{TokenError: te, Step: "device authorization"}
	}
	d := &DeviceAuthorization{Raw: resp.Body, DeviceCode: jsonString(m["device_code"]), UserCode: jsonString(m["user_code"]),
		VerificationURI: jsonString(m["verification_uri"]), VerificationURIComplete: jsonString(m["verification_uri_complete"])}
	if d.VerificationURI == "" {
		d.VerificationURI = jsonString(m["verification_url"]) // Google's older name
	}
	if d.DeviceCode == "" || d.UserCode == "" || d.VerificationURI == "" {
		return nil, &Error{URL: endpoint, Err: fmt.Errorf("POST %s: the answer lacks device_code, user_code or verification_uri (RFC 8628 3.2)%s", endpoint, bodySnippet(resp.Body))}
	}
	d.ExpiresIn = seconds(m["expires_in"], 0)
	// RFC 8628 3.2: 5 seconds when the issuer says nothing; never faster
	// than once a second, whatever it says.
	d.Interval = max(seconds(m["interval"], 5*time.Second), time.Second)
	return d, nil
}

// seconds reads a number (or a numeric string) of seconds.
func seconds(raw json.RawMessage, def time.Duration) time.Duration {
	s := strings.Trim(string(raw), `"`)
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 0 && n < 1e7 {
		return time.Duration(n * float64(time.Second))
	}
	return def
}

// DeviceError is a device flow that ended without tokens, with what the
// issuer's answer means for the user.
type DeviceError struct {
	*TokenError
	Step string
}

func (e *DeviceError) Unwrap() error { return e.TokenError }

// PollDevice polls the token endpoint until the user has decided, the code
// expires, or ctx ends, honouring the interval and widening it by 5 s on
// each slow_down (RFC 8628 3.5). tick is told of every wait, for a
// countdown.
func (c *Client) PollDevice(ctx context.Context, md *Metadata, auth ClientAuth, d *DeviceAuthorization, tick func(left time.Duration, interval time.Duration)) (*TokenResponse, error) {
	interval := d.Interval
	var deadline time.Time
	if d.ExpiresIn > 0 {
		deadline = c.Now().Add(d.ExpiresIn)
	}
	form := url.Values{"grant_type": {DeviceGrantType}, "device_code": {d.DeviceCode}}
	for {
		if tick != nil {
			left := time.Duration(0)
			if !deadline.IsZero() {
				left = deadline.Sub(c.Now())
			}
			tick(left, interval)
		}
		if !deadline.IsZero() && c.Now().After(deadline) {
			return nil, &DeviceError{TokenError: &TokenError{URL: md.TokenEndpoint, Code: "expired_token",
				Hint: "the user code expired before anyone approved it: start again, and enter the code sooner"}, Step: "polling"}
		}
		if err := c.sleep(ctx, interval); err != nil {
			return nil, err
		}
		tr, err := c.Exchange(ctx, md, form, auth)
		var te *TokenError
		if !errors.As(err, &te) {
			return tr, err
		}
		switch te.Code {
		case "authorization_pending":
			continue
		case "slow_down":
			interval += 5 * time.Second
			continue
		case "access_denied":
			te.Hint = "the user declined on the verification page"
		case "expired_token":
			te.Hint = "the user code expired before anyone approved it: start again, and enter the code sooner"
		}
		return nil, &DeviceError{TokenError: te, Step: "polling"}
	}
}

// sleep waits d or until ctx ends: every wait of a flow goes through it, so
// Ctrl-C ends a poll at once and tests need not wait.
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.wait != nil {
		return c.wait(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Token exchange (RFC 8693).
const (
	GrantTokenExchange = "token_exchange"
	TokenExchangeType  = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// TokenTypeURI is the RFC 8693 3 URI of a short token type name:
// access_token, refresh_token, id_token, jwt, saml1, saml2; a URI stays.
func TokenTypeURI(t string) string {
	switch t {
	case "access_token", "refresh_token", "id_token", "saml1", "saml2":
		return "urn:ietf:params:oauth:token-type:" + t
	case "jwt":
		return "urn:ietf:params:oauth:token-type:jwt"
	}
	return t
}

// ExchangeRequest is a token exchange: the token to exchange, an actor's
// when acting for someone, and what to get back.
type ExchangeRequest struct {
	FlowRequest
	SubjectToken, SubjectTokenType string
	ActorToken, ActorTokenType     string
	RequestedTokenType             string
}

// RunExchange exchanges a token (RFC 8693) and checks what it got.
func (c *Client) RunExchange(ctx context.Context, req ExchangeRequest) (*decode.FlowReport, error) {
	return c.runFlow(ctx, req.FlowRequest, GrantTokenExchange, func(md *Metadata, auth ClientAuth, rep *decode.FlowReport) (*TokenResponse, string, time.Time, error) {
		form := req.GrantRequest.form(TokenExchangeType)
		form.Set("subject_token", req.SubjectToken)
		form.Set("subject_token_type", TokenTypeURI(req.SubjectTokenType))
		if req.ActorToken != "" {
			form.Set("actor_token", req.ActorToken)
			form.Set("actor_token_type", TokenTypeURI(req.ActorTokenType))
		}
		if req.RequestedTokenType != "" {
			form.Set("requested_token_type", TokenTypeURI(req.RequestedTokenType))
		}
		start := time.Now()
		tr, err := c.Exchange(ctx, md, form, auth)
		rep.Step("token exchange", Millis(time.Since(start)))
		var te *TokenError
		if errors.As(err, &te) && te.Hint == "" {
			te.Hint, te.HintOption = exchangeHint(te, md)
		}
		if err == nil {
			rep.Checks = append(rep.Checks, issuedTypeCheck(tr, req.RequestedTokenType))
		}
		if err == nil && jsonString(tr.Members["issued_token_type"]) == TokenTypeURI("id_token") {
			// RFC 8693 2.2.1: the issued token is in access_token
			// whatever its type; an ID token gets an ID token's checks.
			tr.IDToken = tr.AccessToken
		}
		return tr, "", time.Time{}, err
	})
}

// exchangeHint says what a refused token exchange usually means, with the
// vendors' own ways where they differ.
func exchangeHint(te *TokenError, md *Metadata) (hint, option string) {
	words := strings.ToLower(te.Code + " " + te.Description)
	switch {
	case te.Code == "unsupported_grant_type":
		h := "the issuer does not offer token exchange (RFC 8693)"
		if strings.Contains(md.Issuer, "login.microsoftonline.com") {
			h += "; Entra ID's on-behalf-of flow is the jwt-bearer grant with requested_token_use=on_behalf_of instead"
		} else if strings.Contains(md.Issuer, "auth0.com") {
			h += "; Auth0 takes it only through a Custom Token Exchange profile, with its own subject_token_type"
		}
		return h, ""
	case strings.Contains(words, "not allowed to exchange") || strings.Contains(words, "token-exchange") && strings.Contains(words, "permission"):
		return "Keycloak: the client needs the token-exchange permission (Standard Token Exchange enabled on the client, or a token-exchange policy)", ""
	case te.Code == "invalid_target":
		return "the audience or resource asked for is not one this client may exchange for", "resource"
	case te.Code == "invalid_request" && strings.Contains(words, "subject_token_type"):
		return "the subject token's type is not one the issuer takes: give another", "subject_token_type"
	case te.Code == "invalid_grant":
		return "the subject (or actor) token was refused: expired, for another audience, or from an issuer this one does not trust", ""
	}
	return "", ""
}

// The JWT bearer grant (RFC 7523 2.1).
const (
	GrantJWTBearer = "jwt_bearer"
	JWTBearerType  = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// JWTBearerRequest is the JWT bearer grant: an assertion given, or one oidc
// signs with Key for Subject (iss the client, or Issuer when set).
type JWTBearerRequest struct {
	FlowRequest
	Assertion string
	Key       *jose.JSONWebKey
	Subject   string
	Issuer    string
	Params    url.Values // more parameters (Entra on-behalf-of: requested_token_use)
}

// RunJWTBearer trades an assertion for tokens and checks them.
func (c *Client) RunJWTBearer(ctx context.Context, req JWTBearerRequest) (*decode.FlowReport, error) {
	return c.runFlow(ctx, req.FlowRequest, GrantJWTBearer, func(md *Metadata, auth ClientAuth, rep *decode.FlowReport) (*TokenResponse, string, time.Time, error) {
		form := req.GrantRequest.form(JWTBearerType)
		for k, vs := range req.Params {
			form[k] = vs
		}
		switch {
		case req.Assertion != "":
			form.Set("assertion", req.Assertion)
		case req.Key == nil:
			return nil, "", time.Time{}, &OptionError{Option: "sign_key", Err: errors.New("the JWT bearer grant needs an assertion, or a key to sign one")}
		default:
			iss := req.Issuer
			if iss == "" {
				iss = req.ClientID
			}
			aud := md.TokenEndpoint
			if req.AssertionAudience == AudienceIssuer {
				aud = md.Issuer
			}
			a := &JWTAuth{ClientID: iss, Key: *req.Key, Audience: aud, subject: req.Subject, lifetime: 5 * time.Minute}
			alg, err := signingAlg(*req.Key, nil)
			if err != nil {
				return nil, "", time.Time{}, &OptionError{Option: "sign_key", Err: err}
			}
			a.Alg = alg
			// Signed for every attempt, like a client assertion: a retry
			// must not repeat a jti.
			auth = grantAssertion{ClientAuth: auth, sign: a.Assertion}
		}
		start := time.Now()
		tr, err := c.Exchange(ctx, md, form, auth)
		rep.Step("token request", Millis(time.Since(start)))
		return tr, "", time.Time{}, err
	})
}

// AuthorizationDetailTypes checks RFC 9396's authorization_details: a JSON
// array of objects, each with a string type; it returns the types.
func AuthorizationDetailTypes(raw string) ([]string, error) {
	var details []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &details); err != nil {
		return nil, fmt.Errorf("not a JSON array of objects: %v", err)
	}
	if len(details) == 0 {
		return nil, errors.New("an empty array asks for nothing")
	}
	var types []string
	for i, d := range details {
		t := jsonString(d["type"])
		if t == "" {
			return nil, fmt.Errorf("element %d has no type (RFC 9396 2)", i)
		}
		types = append(types, t)
	}
	return types, nil
}

// authorizationDetailsCheck: what was granted of the authorization details
// asked for; the token response says it (RFC 9396 7).
func authorizationDetailsCheck(asked string, tr *TokenResponse) decode.Check {
	want, _ := AuthorizationDetailTypes(asked)
	raw := tr.Members["authorization_details"]
	if raw == nil {
		return decode.Check{ID: "authorization_details", Status: decode.Warn, Expected: strings.Join(want, ", "),
			Message: "authorization_details were asked for, but the token response does not say what was granted (RFC 9396 7)",
			Hint:    "the issuer may not support RFC 9396 (authorization_details_types_supported), and then ignored them"}
	}
	got, err := AuthorizationDetailTypes(string(raw))
	if err != nil {
		return decode.Check{ID: "authorization_details", Status: decode.Fail, Found: string(raw), Message: "the granted authorization_details are " + err.Error()}
	}
	var missing []string
	for _, t := range want {
		if !slices.Contains(got, t) {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return decode.Check{ID: "authorization_details", Status: decode.Warn, Found: strings.Join(got, ", "), Expected: strings.Join(want, ", "),
			Message: "granted fewer authorization details than asked: no " + strings.Join(missing, ", ")}
	}
	return decode.Check{ID: "authorization_details", Status: decode.Pass, Found: strings.Join(got, ", "), Message: "granted authorization_details of type " + strings.Join(got, ", ")}
}

// GrantRefresh is the refresh token grant (RFC 6749 6).
const GrantRefresh = "refresh_token"

// RefreshRequest uses a refresh token; Original is the ID token of the
// login it came from, when known, to compare the new one with (OIDC Core
// 12.2), and OriginalAt when it arrived, when known.
type RefreshRequest struct {
	FlowRequest
	RefreshToken string
	Original     string
	OriginalAt   time.Time
}

// RunRefresh trades a refresh token for new tokens, checks them, and says
// whether the refresh token rotated.
func (c *Client) RunRefresh(ctx context.Context, req RefreshRequest) (*decode.FlowReport, error) {
	return c.runFlow(ctx, req.FlowRequest, GrantRefresh, func(md *Metadata, auth ClientAuth, rep *decode.FlowReport) (*TokenResponse, string, time.Time, error) {
		form := req.GrantRequest.form("refresh_token")
		form.Set("refresh_token", req.RefreshToken)
		start := time.Now()
		tr, err := c.Exchange(ctx, md, form, auth)
		rep.Step("token request", Millis(time.Since(start)))
		var te *TokenError
		if errors.As(err, &te) && te.Code == "invalid_grant" && te.Hint == "" {
			te.Hint = "the refresh token is expired, revoked, or was used before: many issuers revoke a whole login's tokens when a rotated refresh token comes back (RFC 9700 4.14.2); log in again"
		}
		if err != nil {
			return nil, "", time.Time{}, err
		}
		switch {
		case tr.RefreshToken == "":
			rep.Checks = append(rep.Checks, decode.Check{ID: "rotation", Status: decode.Pass, Message: "no new refresh token: the old one stays in use"})
		case tr.RefreshToken != req.RefreshToken:
			rep.Checks = append(rep.Checks, decode.Check{ID: "rotation", Status: decode.Pass, Message: "the refresh token rotated: keep the new one, the old one is spent"})
		default:
			rep.Checks = append(rep.Checks, decode.Check{ID: "rotation", Status: decode.Pass, Message: "the same refresh token came back: it does not rotate"})
		}
		if req.Original != "" && tr.IDToken != "" {
			rep.Checks = append(rep.Checks, refreshedIDToken(req.Original, tr.IDToken, req.OriginalAt, tr.Arrived)...)
		}
		return tr, "", time.Time{}, nil
	})
}

// refreshedIDToken compares a refreshed ID token with the one of the
// login, as OIDC Core 12.2 (errata set 2) says: the same iss, sub and aud;
// azp the same, and absent if it was absent; iat the new token's own time;
// auth_time, if present, the original authentication's; a nonce, which it
// should not have, the original's if it has one. originalAt is when the
// original arrived (zero when not known), refreshedAt when this one did.
func refreshedIDToken(original, refreshed string, originalAt, refreshedAt time.Time) []decode.Check {
	o := decode.Token(original, decode.Source{}, "id_token", decode.Options{})
	n := decode.Token(refreshed, decode.Source{}, "id_token", decode.Options{})
	var out []decode.Check
	for _, claim := range []string{"iss", "sub", "aud", "azp", "auth_time", "nonce"} {
		ov, nv := string(memberValue(o, claim)), string(memberValue(n, claim))
		if claim == "aud" && sameSet(o.StringsClaim("aud"), n.StringsClaim("aud")) {
			nv = ov // "x" and ["x"] are one audience
		}
		switch {
		case ov == nv && nv == "":
		case ov == nv:
			out = append(out, decode.Check{ID: "refresh_" + claim, Status: decode.Pass, Found: nv, Message: claim + " is the original ID token's"})
		case claim == "nonce" && nv == "":
			// 12.2 asks for no nonce on refresh: leaving it out is right.
		case claim == "auth_time" && nv == "":
			// 12.2 constrains auth_time only "if the ID Token contains" one.
			out = append(out, decode.Check{ID: "refresh_auth_time", Status: decode.Pass, Expected: ov,
				Message: "no auth_time: allowed on refresh (OIDC Core 12.2); the login's ID token has it"})
		case claim == "auth_time" && ov == "":
			out = append(out, authTimeWithoutOriginal(o, n, nv))
		default:
			out = append(out, decode.Check{ID: "refresh_" + claim, Status: decode.Fail, Found: nv, Expected: ov,
				Message: "the refreshed ID token's " + claim + " differs from the original's (OIDC Core 12.2)"})
		}
	}
	return append(out, refreshedIat(o, n, originalAt, refreshedAt))
}

// authTimeWithoutOriginal: the original has no auth_time to compare with,
// but the authentication it stands for came before the original was
// issued; a later one is a new login's or the refresh's time.
func authTimeWithoutOriginal(o, n *decode.Result, nv string) decode.Check {
	at, _ := n.NumericClaim("auth_time")
	if iat, ok := o.NumericClaim("iat"); ok && at > iat {
		return decode.Check{ID: "refresh_auth_time", Status: decode.Fail, Found: nv,
			Message: "auth_time is after the original ID token was issued: it is not the time of the original authentication (OIDC Core 12.2)"}
	}
	return decode.Check{ID: "refresh_auth_time", Status: decode.Pass, Found: nv, Message: "auth_time is not after the original ID token's iat (the original had none)"}
}

// refreshedIat: the new token's iat is when it was issued (OIDC Core
// 12.2), so never before the original's; the same as the original's is
// the old claims copied, once time has passed between the two answers.
// Both iats are the issuer's clock, and the arrivals ours, so skew between
// the two clocks does not matter.
func refreshedIat(o, n *decode.Result, originalAt, refreshedAt time.Time) decode.Check {
	oi, ook := o.NumericClaim("iat")
	ni, nok := n.NumericClaim("iat")
	found := string(memberValue(n, "iat"))
	switch {
	case !ook || !nok:
		return decode.Check{ID: "refresh_iat", Status: decode.Skip, Found: found, Message: "an iat is missing: the ID token checks say so"}
	case ni < oi:
		return decode.Check{ID: "refresh_iat", Status: decode.Fail, Found: found, Expected: "at least " + string(memberValue(o, "iat")),
			Message: "the refreshed ID token says it was issued before the original (OIDC Core 12.2: iat is when the new token is issued)"}
	case ni == oi && !originalAt.IsZero() && !refreshedAt.IsZero() && refreshedAt.Sub(originalAt) >= 2*time.Second:
		return decode.Check{ID: "refresh_iat", Status: decode.Fail, Found: found,
			Message: fmt.Sprintf("iat is the original's, though the refresh came %s after the login: the issuer re-sent the old token's time (OIDC Core 12.2: iat is when the new token is issued)", refreshedAt.Sub(originalAt).Round(time.Second))}
	}
	return decode.Check{ID: "refresh_iat", Status: decode.Pass, Found: found, Message: "iat is not before the original's"}
}

// sameSet: the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return len(a) > 0 && slices.Equal(slices.Compact(a), slices.Compact(b))
}

func memberValue(r *decode.Result, name string) json.RawMessage {
	for _, m := range r.Claims {
		if m.Name == name {
			return m.Value
		}
	}
	return nil
}

// grantAssertion adds a freshly signed grant assertion to every request
// its client authentication goes on.
type grantAssertion struct {
	ClientAuth
	sign func() (string, error)
}

func (g grantAssertion) Apply(req *http.Request, form url.Values) error {
	if err := g.ClientAuth.Apply(req, form); err != nil {
		return err
	}
	a, err := g.sign()
	if err != nil {
		return err
	}
	form.Set("assertion", a)
	return nil
}

// issuedTypeCheck: a token exchange says what it issued (RFC 8693 2.2.1,
// REQUIRED), and it is what was asked for.
func issuedTypeCheck(tr *TokenResponse, requested string) decode.Check {
	got := jsonString(tr.Members["issued_token_type"])
	switch {
	case got == "":
		return decode.Check{ID: "issued_token_type", Status: decode.Fail, Message: "the exchange answer has no issued_token_type (RFC 8693 2.2.1 requires it)"}
	case requested != "" && got != TokenTypeURI(requested):
		return decode.Check{ID: "issued_token_type", Status: decode.Fail, Found: got, Expected: TokenTypeURI(requested), Message: "the issuer issued another type of token than was asked for"}
	}
	return decode.Check{ID: "issued_token_type", Status: decode.Pass, Found: got, Message: "issued " + got}
}
