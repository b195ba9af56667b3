package flow

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// LoginConfig is one authorization code login.
type LoginConfig struct {
	Metadata     *Metadata
	ClientID     string
	ClientSecret string
	AuthMethod   string // none, client_secret_basic, client_secret_post; "" picks
	Scopes       []string
	RedirectURI  string
	Port         int
	ResponseMode string     // "", query, form_post
	Params       url.Values // prompt, login_hint, max_age, resource, ... and --param
	Timeout      time.Duration
	// Open shows the authorization URL to the user (a browser); an error
	// just means the URL must be opened by hand.
	Open func(authURL string) error
	// Paste, when not nil, is read for a pasted redirect URL.
	Paste io.Reader
	// Progress reports what the flow is doing (stderr).
	Progress func(format string, args ...any)
}

// LoginResult is everything a login saw.
type LoginResult struct {
	AuthURL       string
	RedirectURI   string
	Callback      *Callback
	Token         *oauth2.Token
	TokenResponse json.RawMessage // as the issuer sent it
	Nonce         string
	AuthMethod    string
	Timeline      []Step
	// CallbackAt is when the callback arrived, for measuring oidc's own
	// time to the result.
	CallbackAt time.Time
}

// Step is one timed part of the flow.
type Step struct {
	Name   string  `json:"name"`
	Millis float64 `json:"ms"`
}

func (r *LoginResult) step(name string, since time.Time) {
	d := time.Since(since)
	r.Timeline = append(r.Timeline, Step{Name: name, Millis: float64(d.Microseconds()) / 1000})
}

// ErrTimeout is a login the user did not finish in time.
var ErrTimeout = errors.New("timed out waiting for the browser to come back")

// randomString is 256 bits, base64url: for state and nonce.
func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ChooseAuthMethod picks the client authentication: none without a secret,
// else the first the issuer supports of basic and post (basic when it says
// nothing, as RFC 8414 defaults).
func ChooseAuthMethod(md *Metadata, secret string) string {
	if secret == "" {
		return "none"
	}
	for _, m := range md.TokenEndpointAuthMethods {
		if m == "client_secret_basic" || m == "client_secret_post" {
			return m
		}
	}
	return "client_secret_basic"
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
	method := cfg.AuthMethod
	if method == "" {
		method = ChooseAuthMethod(md, cfg.ClientSecret)
	}
	res.AuthMethod = method
	secret := cfg.ClientSecret
	if method == "none" {
		secret = "" // a public client sends no secret, even if one is set
	}
	conf := &oauth2.Config{
		ClientID: cfg.ClientID, ClientSecret: secret, RedirectURL: res.RedirectURI, Scopes: cfg.Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: md.AuthorizationEndpoint, TokenURL: md.TokenEndpoint, AuthStyle: authStyle(method)},
	}
	authURL, err := url.Parse(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", res.Nonce)))
	if err != nil {
		return nil, err
	}
	q := authURL.Query()
	for k, vs := range cfg.Params {
		q.Del(k)
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	if cfg.ResponseMode != "" && cfg.ResponseMode != "query" {
		q.Set("response_mode", cfg.ResponseMode)
	}
	authURL.RawQuery = q.Encode()
	res.AuthURL = authURL.String()

	ln.serve(&callbackCheck{state: state, issuer: md.Issuer, issuerReq: md.AuthorizationResponseIssParameterSupported})
	start := time.Now()
	cfg.Progress("open this URL to log in (waiting up to %s):\n%s", cfg.Timeout, res.AuthURL)
	if cfg.Open != nil {
		go func() {
			if err := cfg.Open(res.AuthURL); err != nil {
				cfg.Progress("could not open a browser (%v): open the URL above by hand", err)
			}
		}()
	}
	pasted := make(chan callbackResult, 1)
	if cfg.Paste != nil {
		cfg.Progress("or paste the URL the browser was sent back to, then press Enter")
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
	httpc := *c.HTTP
	capture := &captureTransport{next: httpc.Transport}
	httpc.Transport = capture
	exchangeCtx := context.WithValue(ctx, oauth2.HTTPClient, &httpc)
	opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(verifier)}
	for _, r := range cfg.Params["resource"] {
		opts = append(opts, oauth2.SetAuthURLParam("resource", r))
	}
	tok, err := conf.Exchange(exchangeCtx, res.Callback.Params.Get("code"), opts...)
	res.step("token exchange", start)
	res.TokenResponse = asJSON(capture.body)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return res, &TokenError{Code: re.ErrorCode, Description: re.ErrorDescription, URI: re.ErrorURI, Status: statusOf(re), Body: re.Body}
		}
		return res, &Error{URL: md.TokenEndpoint, Err: describeNetErr(md.TokenEndpoint, err)}
	}
	res.Token = tok
	return res, nil
}

// asJSON returns a token response as JSON: some issuers (GitHub) answer
// form-encoded, which oauth2 accepts and a JSON report must not break on.
func asJSON(body []byte) json.RawMessage {
	if len(body) == 0 || json.Valid(body) {
		return body
	}
	obj := map[string]string{}
	if v, err := url.ParseQuery(string(body)); err == nil && len(v) > 0 {
		for k := range v {
			obj[k] = v.Get(k)
		}
	} else {
		obj["body"] = string(body)
	}
	out, _ := json.Marshal(obj)
	return out
}

func statusOf(re *oauth2.RetrieveError) string {
	if re.Response != nil {
		return re.Response.Status
	}
	return ""
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

func authStyle(method string) oauth2.AuthStyle {
	if method == "client_secret_basic" {
		return oauth2.AuthStyleInHeader
	}
	return oauth2.AuthStyleInParams
}

// ListenError is a callback listener that could not start (the port is
// taken, or the redirect URI is not loopback).
type ListenError struct{ Err error }

func (e *ListenError) Error() string { return e.Err.Error() }
func (e *ListenError) Unwrap() error { return e.Err }

// TokenError is an error response of the token endpoint (RFC 6749 5.2).
type TokenError struct {
	Code, Description, URI, Status string
	Body                           []byte
}

func (e *TokenError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("the token endpoint answered %s: %s", e.Status, strings.TrimSpace(string(e.Body)))
	}
	return oauthError("the token endpoint answered", e.Code, e.Description, e.URI)
}

// captureTransport keeps the token response body as the issuer sent it:
// oauth2.Token keeps only what it understands.
type captureTransport struct {
	next http.RoundTripper
	body []byte
}

func (t *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocument+1))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if len(body) > MaxDocument {
		return nil, fmt.Errorf("the token response is larger than %d KiB", MaxDocument>>10)
	}
	t.body = body
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp, nil
}

// Userinfo calls the userinfo endpoint with the access token.
func (c *Client) Userinfo(ctx context.Context, endpoint, accessToken string) (json.RawMessage, int, error) {
	if _, err := c.CheckURL(endpoint); err != nil {
		return nil, 0, &Error{URL: endpoint, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json, application/jwt")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, 0, &Error{URL: endpoint, Err: describeNetErr(endpoint, err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocument+1))
	if err != nil || len(body) > MaxDocument {
		return nil, resp.StatusCode, &Error{URL: endpoint, Err: fmt.Errorf("GET %s: response unreadable or over %d KiB", endpoint, MaxDocument>>10)}
	}
	if resp.StatusCode != http.StatusOK {
		msg := resp.Status
		if wa := resp.Header.Get("WWW-Authenticate"); wa != "" {
			msg += " (" + wa + ")"
		}
		return body, resp.StatusCode, &Error{URL: endpoint, Err: fmt.Errorf("userinfo answered %s", msg)}
	}
	return body, resp.StatusCode, nil
}
