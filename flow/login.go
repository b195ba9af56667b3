package flow

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/oidcdev/oidc/decode"
)

// LoginConfig is one authorization code login.
type LoginConfig struct {
	Metadata     *Metadata
	Auth         ClientAuth
	Scopes       []string
	RedirectURI  string
	Port         int
	ResponseMode string     // "", query, form_post
	Params       url.Values // prompt, login_hint, max_age, resource, ... and --param
	// PAR pushes the request first (RFC 9126); it is pushed anyway when
	// the issuer requires it.
	PAR bool
	// RequestObject signs the request (JAR, RFC 9101) with the client's
	// key (private_key_jwt) or secret; done anyway when the issuer
	// requires it.
	RequestObject bool
	Timeout       time.Duration
	// Open shows the authorization URL to the user (a browser); an error
	// just means the URL must be opened by hand.
	Open func(authURL string) error
	// Paste, when not nil, is read for a pasted redirect URL.
	Paste io.Reader
	// Progress reports what the flow is doing (stderr).
	Progress func(format string, args ...any)
	// NoPreflight: the authorization request goes to the browser only
	// (oidc probe counts as one client attempt what a server counts).
	NoPreflight bool
}

// LoginResult is everything a login saw.
type LoginResult struct {
	AuthURL     string
	RedirectURI string
	Callback    *Callback
	Token       *TokenResponse
	Nonce       string
	Timeline    []decode.Step
	// CallbackAt is when the callback arrived, for measuring oidc's own
	// time to the result.
	CallbackAt time.Time
}

func (r *LoginResult) step(name string, since time.Time) {
	r.Timeline = append(r.Timeline, decode.Step{Name: name, Millis: Millis(time.Since(since))})
}

// Millis is a duration in milliseconds, to the microsecond, for timelines.
func Millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// ErrTimeout is a login the user did not finish in time.
var ErrTimeout = errors.New("timed out waiting for the browser to come back")

// randomString is 256 bits, base64url: for state and nonce.
func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Login runs the browser part and the code exchange. It starts the
// listener, opens the authorization URL, waits for one good callback (or a
// pasted redirect URL), and exchanges the code with PKCE.
func (c *Client) Login(ctx context.Context, cfg LoginConfig) (*LoginResult, error) {
	md := cfg.Metadata
	res := &LoginResult{Nonce: randomString()}
	ln, err := Listen(cfg.RedirectURI, cfg.Port)
	if err != nil {
		return nil, &ListenError{Err: err}
	}
	defer ln.Close()
	res.RedirectURI = ln.RedirectURI()

	state := randomString()
	verifier := oauth2.GenerateVerifier()
	authURL, err := url.Parse(md.AuthorizationEndpoint)
	if err != nil {
		return nil, &Error{URL: md.AuthorizationEndpoint, Err: err}
	}
	q := authURL.Query() // an endpoint may carry parameters of its own
	for k, v := range map[string]string{
		"response_type": "code", "client_id": cfg.Auth.ID(), "redirect_uri": res.RedirectURI,
		"scope": strings.Join(cfg.Scopes, " "), "state": state, "nonce": res.Nonce,
		"code_challenge": oauth2.S256ChallengeFromVerifier(verifier), "code_challenge_method": "S256",
	} {
		q.Set(k, v)
	}
	for k, vs := range cfg.Params {
		q.Del(k)
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	if cfg.ResponseMode != "" && cfg.ResponseMode != "query" {
		q.Set("response_mode", cfg.ResponseMode)
	}
	if c.DPoP != nil {
		// RFC 9449 10: the code is bound to the key too.
		q.Set("dpop_jkt", c.DPoP.Thumbprint())
	}
	// The preflight asks with a twin of the request, so a single-use one
	// (a request object's jti) is still fresh for the browser.
	preflightQuery := q
	if cfg.RequestObject || md.RequireSignedRequestObject {
		plain := q
		if q, err = requestObject(md, cfg.Auth, plain); err != nil {
			return res, err
		}
		if preflightQuery, err = requestObject(md, cfg.Auth, plain); err != nil {
			return res, err
		}
	}
	if cfg.PAR || md.RequirePushedAuthorizationRequests {
		start := time.Now()
		if q, err = c.push(ctx, md, cfg, q); err != nil {
			return res, err
		}
		res.step("pushed authorization request", start)
	}
	authURL.RawQuery = q.Encode()
	res.AuthURL = authURL.String()

	// A pushed request is single-use, and so may be a request object given
	// with --param: neither is tried twice (a pushed one was checked when
	// pushed). With form_post, errors come back as a 200 page that
	// preflight cannot read, and the page would hold a live code.
	if !q.Has("request_uri") && !cfg.Params.Has("request") && cfg.ResponseMode != "form_post" && !cfg.NoPreflight {
		pre := *authURL
		pre.RawQuery = preflightQuery.Encode()
		if err := c.preflight(ctx, pre.String(), res.RedirectURI, cfg.Auth.ID()); err != nil {
			return res, err
		}
	}
	ln.serve(&callbackCheck{state: state, issuer: md.Issuer, issuerReq: md.AuthorizationResponseIssParameterSupported})
	start := time.Now()
	cfg.Progress("open this URL to log in (waiting up to %s):\n%s", decode.Ago(cfg.Timeout), res.AuthURL)
	// Pasting is offered where no browser opened: it is read all the
	// same, for a browser that opened on another machine.
	pasteHint := func() {
		if cfg.Paste != nil {
			cfg.Progress("or paste the URL the browser was sent back to, then press Enter")
		}
	}
	if cfg.Open != nil {
		go func() {
			if err := cfg.Open(res.AuthURL); err != nil {
				cfg.Progress("could not open a browser (%v): open the URL above by hand", err)
				pasteHint()
			}
		}()
	} else {
		pasteHint()
	}
	pasted := make(chan callbackResult, 1)
	if cfg.Paste != nil {
		go readPasted(cfg.Paste, ln.check, pasted)
	}
	timer := time.NewTimer(cfg.Timeout)
	defer timer.Stop()
	var got callbackResult
	select {
	case got = <-ln.result:
	case got = <-pasted:
	case <-timer.C:
		return res, ErrTimeout
	case <-ctx.Done():
		return res, ctx.Err()
	}
	res.CallbackAt = time.Now()
	res.step("waiting for the browser", start)
	ln.Close() // one flow: nothing more is accepted
	if got.err != nil {
		return res, got.err
	}
	res.Callback = got.cb

	start = time.Now()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {res.Callback.Params.Get("code")},
		"redirect_uri": {res.RedirectURI}, "code_verifier": {verifier}}
	for _, r := range cfg.Params["resource"] {
		form.Add("resource", r)
	}
	res.Token, err = c.Exchange(ctx, md, form, cfg.Auth)
	res.step("token exchange", start)
	return res, err
}

// push sends the authorization request's parameters on the back channel,
// with client authentication (RFC 9126 2), and returns what the front
// channel then carries: the client id and the request_uri.
func (c *Client) push(ctx context.Context, md *Metadata, cfg LoginConfig, params url.Values) (url.Values, error) {
	endpoint := md.PushedAuthorizationRequestEndpoint
	if endpoint == "" {
		return nil, &Error{URL: md.Source, Err: errors.New("the issuer has no pushed_authorization_request_endpoint: it does not take pushed requests (RFC 9126)")}
	}
	resp, err := c.PostForm(ctx, endpoint, params, cfg.Auth)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	isJSON := json.Unmarshal(resp.Body, &m) == nil
	uri := jsonString(m["request_uri"])
	if resp.Status != http.StatusCreated && resp.Status != http.StatusOK || !isJSON || uri == "" {
		te := resp.oauthError("the pushed authorization request endpoint", m, cfg.Auth)
		explainClientAuth(te, md, cfg.Auth)
		return nil, te
	}
	if cfg.Progress != nil {
		msg := "pushed the authorization request (RFC 9126)"
		if d := seconds(m["expires_in"], 0); d > 0 {
			msg += "; its request_uri is valid for " + d.String()
		}
		cfg.Progress("%s", msg)
	}
	return url.Values{"client_id": {cfg.Auth.ID()}, "request_uri": {uri}}, nil
}

// Exchange calls the token endpoint for a grant and explains a refused
// client authentication with what the issuer advertises.
func (c *Client) Exchange(ctx context.Context, md *Metadata, form url.Values, auth ClientAuth) (*TokenResponse, error) {
	tr, err := c.Token(ctx, md.TokenEndpoint, form, auth)
	var te *TokenError
	if errors.As(err, &te) {
		explainClientAuth(te, md, auth)
	}
	return tr, err
}

// readPasted reads lines until one is a good redirect URL for this flow.
func readPasted(r io.Reader, cc *callbackCheck, out chan<- callbackResult) {
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		u, err := url.Parse(line)
		if line == "" || err != nil {
			continue
		}
		params := u.Query()
		if u.Fragment != "" {
			params, _ = url.ParseQuery(u.Fragment)
		}
		switch err := cc.check(params); {
		case err == nil:
			out <- callbackResult{cb: &Callback{Params: params, Via: "paste"}}
			return
		case errors.Is(err, errWrongState):
			continue
		default:
			out <- callbackResult{err: err}
			return
		}
	}
}

// ListenError is a callback listener that could not start (the port is
// taken, or the redirect URI is not loopback).
type ListenError struct{ Err error }

func (e *ListenError) Error() string { return e.Err.Error() }
func (e *ListenError) Unwrap() error { return e.Err }

// Endpoints override what discovery found (issuers that lie, or that
// publish no metadata for an endpoint).
type Endpoints struct {
	Authorization, Token, Userinfo string
}

// apply sets the overrides on md.
func (e Endpoints) apply(md *Metadata) {
	for _, o := range []struct {
		val string
		dst *string
	}{{e.Authorization, &md.AuthorizationEndpoint}, {e.Token, &md.TokenEndpoint}, {e.Userinfo, &md.UserinfoEndpoint}} {
		if o.val != "" {
			*o.dst = o.val
		}
	}
}

// Discovered is an issuer's metadata with the user's overrides, after
// the checks every grant needs.
func (c *Client) Discovered(ctx context.Context, issuer string, ov Endpoints, warn func(string)) (*Metadata, *Fetched, error) {
	c.TrustHeaders(issuer) // the user named it
	md, f, err := c.Discover(ctx, issuer)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range md.Problems {
		warn("the issuer's metadata: " + p)
	}
	if c.CertThumbprint != "" {
		md.useMTLSAliases()
	}
	ov.apply(md)
	c.TrustHeaders(md.endpoints()...)
	return md, f, nil
}

// endpoints are the URLs of the issuer's endpoints.
func (md *Metadata) endpoints() []string {
	return []string{md.AuthorizationEndpoint, md.TokenEndpoint, md.UserinfoEndpoint, md.JWKSURI, md.EndSessionEndpoint,
		md.IntrospectionEndpoint, md.RevocationEndpoint, md.DeviceAuthorizationEndpoint, md.PushedAuthorizationRequestEndpoint}
}

// LoginRequest is a whole login, from discovery to verified tokens.
type LoginRequest struct {
	FlowRequest
	LoginConfig
}

// RunLogin discovers the issuer, runs the code flow and checks every token
// that came back. The report is filled as far as the login got, also when
// it fails; the error says why it stopped.
func (c *Client) RunLogin(ctx context.Context, req LoginRequest) (*decode.FlowReport, error) {
	req.FlowRequest.Scopes = req.LoginConfig.Scopes
	return c.runFlow(ctx, req.FlowRequest, GrantAuthorizationCode, func(md *Metadata, auth ClientAuth, rep *decode.FlowReport) (*TokenResponse, string, time.Time, error) {
		if md.AuthorizationEndpoint == "" {
			return nil, "", time.Time{}, &Error{URL: md.Source, Option: "authorization_endpoint", Err: errors.New("the metadata of " + req.Issuer + " has no authorization endpoint: give it yourself")}
		}
		if _, err := c.CheckURL(md.AuthorizationEndpoint); err != nil {
			return nil, "", time.Time{}, &Error{URL: md.AuthorizationEndpoint, Err: err}
		}
		if len(md.CodeChallengeMethods) > 0 && !slices.Contains(md.CodeChallengeMethods, "S256") {
			req.Warn("the issuer does not list S256 in code_challenge_methods_supported; PKCE S256 is sent anyway")
		}
		cfg := req.LoginConfig
		cfg.Metadata, cfg.Auth = md, auth
		res, err := c.Login(ctx, cfg)
		if res == nil {
			return nil, "", time.Time{}, err
		}
		rep.RedirectURI = res.RedirectURI
		rep.Timeline = append(rep.Timeline, res.Timeline...)
		return res.Token, res.Nonce, res.CallbackAt, err
	})
}

// requestObject signs the authorization request's parameters as a JWT
// (RFC 9101): iss the client, aud the issuer, a minute to live, a jti, with
// the key or secret of the client's authentication. The front channel then
// carries client_id and request, and the parameters OpenID Connect wants
// outside too (response_type, scope: OIDC Core 6.1).
func requestObject(md *Metadata, auth ClientAuth, q url.Values) (url.Values, error) {
	ja, ok := auth.(*JWTAuth)
	if !ok {
		return nil, &OptionError{Option: "client_key", Err: errors.New("a request object is signed with the client's key (private_key_jwt) or with its secret (client_secret_jwt): give one of them")}
	}
	claims := map[string]any{}
	for k, vs := range q {
		switch {
		case len(vs) > 1:
			claims[k] = vs
		case (k == "authorization_details" || k == "claims") && json.Valid([]byte(vs[0])):
			claims[k] = json.RawMessage(vs[0]) // JSON values stay JSON (RFC 9396 3, OIDC Core 6.1)
		case k == "max_age":
			if n, err := strconv.ParseInt(vs[0], 10, 64); err == nil {
				claims[k] = n
				continue
			}
			claims[k] = vs[0]
		default:
			claims[k] = vs[0]
		}
	}
	now := time.Now()
	if ja.Now != nil {
		now = ja.Now()
	}
	claims["iss"], claims["aud"], claims["jti"] = ja.ClientID, md.Issuer, randomString()
	claims["iat"], claims["nbf"], claims["exp"] = now.Unix(), now.Unix(), now.Add(assertionLifetime).Unix()
	jwt, err := ja.sign(claims, "oauth-authz-req+jwt")
	if err != nil {
		return nil, &OptionError{Option: "client_key", Err: err}
	}
	return url.Values{"client_id": {ja.ClientID}, "request": {jwt}, "response_type": {q.Get("response_type")}, "scope": {q.Get("scope")}}, nil
}

// useMTLSAliases points the endpoints at their mTLS aliases, where a client
// certificate is presented (RFC 8705 5).
func (md *Metadata) useMTLSAliases() {
	for name, dst := range map[string]*string{
		"token_endpoint": &md.TokenEndpoint, "userinfo_endpoint": &md.UserinfoEndpoint,
		"pushed_authorization_request_endpoint": &md.PushedAuthorizationRequestEndpoint,
		"device_authorization_endpoint":         &md.DeviceAuthorizationEndpoint,
		"introspection_endpoint":                &md.IntrospectionEndpoint, "revocation_endpoint": &md.RevocationEndpoint,
	} {
		if alias := md.MTLSEndpointAliases[name]; alias != "" {
			*dst = alias
		}
	}
}
