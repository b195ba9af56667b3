package cmd

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/internal/version"
	"github.com/oidcdev/oidc/render"
)

// LoginOptions are the flags of `oidc login`.
type LoginOptions struct {
	Global *GlobalOptions

	Issuer, ClientID, ClientSecret, AuthMethod, Scope string
	RedirectURI, ResponseMode                         string
	Port                                              int
	Prompt, LoginHint, MaxAge, ACRValues, UILocales   string
	Audience                                          string
	Resources, Params, Headers                        []string
	AuthorizationEndpoint, TokenEndpoint, Userinfo    string
	NoBrowser, AllowHTTP, Insecure                    bool
	CAFile                                            string
	Timeout, HTTPTimeout, Leeway                      time.Duration
	JSON, ShowTokens, Trace, TraceSecrets, Curl       bool
	JQ, TraceFile                                     string
}

func newLoginCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &LoginOptions{Global: g}
	c := &cobra.Command{
		Use:   "login --issuer URL --client-id ID",
		Short: "Log in through a browser with the authorization code flow, then show and verify everything that came back",
		Long: `Login runs the authorization code flow against any issuer found by discovery:
PKCE S256, a fresh state and nonce, a callback listener on 127.0.0.1, the
system browser (or $BROWSER), the code exchange, then every check of
oidc verify on the ID token, the access token when it is a JWT, and userinfo,
whose sub must be the ID token's.

The URL is always printed on stderr. With --no-browser, or when no browser
opens, open it yourself; where the browser cannot reach this machine's
127.0.0.1 (SSH, containers), paste the URL it was sent back to into the
terminal.

The callback listener binds loopback only, answers one good callback and
closes. A callback with a wrong state is refused and the login goes on
waiting; an RFC 9207 iss that is not the issuer ends it.`,
		Example: `  # a public client (no secret): PKCE only
  oidc login --issuer https://accounts.google.com --client-id 1234.apps.googleusercontent.com

  # a confidential client; the secret from the environment
  OIDC_CLIENT_SECRET=... oidc login --issuer https://dev-1234.okta.com --client-id 0oa...

  # an access token for an API (RFC 8707), as JSON for a script
  oidc login --issuer "$ISS" --client-id cli --resource https://api.example.com --json | jq .valid

  # on a remote machine: open the URL elsewhere, paste the redirect back
  oidc login --no-browser --issuer "$ISS" --client-id cli`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runLogin(c.Context(), opts, io)
		},
	}
	f := c.Flags()
	f.StringVar(&opts.Issuer, "issuer", "", "the issuer `URL` (discovery at /.well-known/openid-configuration)")
	f.StringVar(&opts.ClientID, "client-id", "", "the client id")
	f.StringVar(&opts.ClientSecret, "client-secret", "", "client secret, or @FILE (default $OIDC_CLIENT_SECRET); none for a public client")
	f.StringVar(&opts.AuthMethod, "auth-method", "", "client authentication: none, client_secret_basic or client_secret_post (default: from the metadata)")
	f.StringVar(&opts.Scope, "scope", "openid profile email", "scopes to request")
	f.StringVar(&opts.RedirectURI, "redirect-uri", "", "exact redirect URI to use (loopback host only; the listener binds what it names)")
	f.IntVar(&opts.Port, "port", 0, "callback port (default: a free one)")
	f.StringVar(&opts.ResponseMode, "response-mode", "", "query or form_post")
	f.StringVar(&opts.Prompt, "prompt", "", "prompt: none, login, consent, select_account")
	f.StringVar(&opts.LoginHint, "login-hint", "", "login_hint")
	f.StringVar(&opts.MaxAge, "max-age", "", "max_age (duration or seconds); auth_time is then checked")
	f.StringVar(&opts.ACRValues, "acr-values", "", "acr_values")
	f.StringVar(&opts.UILocales, "ui-locales", "", "ui_locales")
	f.StringVar(&opts.Audience, "audience", "", "audience parameter (Auth0 and others)")
	f.StringArrayVar(&opts.Resources, "resource", nil, "resource indicator (RFC 8707); repeatable")
	f.StringArrayVar(&opts.Params, "param", nil, "extra authorization parameter `key=value`; repeatable")
	f.StringArrayVar(&opts.Headers, "header", nil, "extra header `'Name: value'` on token endpoint requests; repeatable")
	f.StringVar(&opts.AuthorizationEndpoint, "authorization-endpoint", "", "override the discovered authorization endpoint")
	f.StringVar(&opts.TokenEndpoint, "token-endpoint", "", "override the discovered token endpoint")
	f.StringVar(&opts.Userinfo, "userinfo-endpoint", "", "override the discovered userinfo endpoint")
	f.BoolVar(&opts.NoBrowser, "no-browser", false, "do not open a browser: print the URL, and read a pasted redirect URL on stdin")
	f.BoolVar(&opts.AllowHTTP, "allow-http", false, "allow plain http:// to non-loopback issuers")
	f.BoolVar(&opts.Insecure, "insecure", false, "skip TLS certificate verification (dangerous)")
	f.StringVar(&opts.CAFile, "ca-file", "", "trust the CA certificates in this PEM `file` too")
	f.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "how long to wait for the browser")
	f.DurationVar(&opts.HTTPTimeout, "http-timeout", flow.DefaultTimeout, "timeout of each request to the issuer")
	f.DurationVar(&opts.Leeway, "leeway", 60*time.Second, "clock skew allowed in time checks")
	f.BoolVar(&opts.JSON, "json", false, "print one JSON document with everything")
	f.StringVar(&opts.JQ, "jq", "", "filter the JSON with a jq `expression`")
	f.BoolVar(&opts.ShowTokens, "show-tokens", false, "print raw tokens in full")
	f.BoolVar(&opts.Trace, "trace", false, "write every HTTP exchange with the issuer to stderr, secrets redacted")
	f.StringVar(&opts.TraceFile, "trace-file", "", "write every HTTP exchange with the issuer to this HAR `file` (created 0600), secrets redacted")
	f.BoolVar(&opts.Curl, "curl", false, "print each request to the issuer as a curl command on stderr, secrets as shell variables")
	f.BoolVar(&opts.TraceSecrets, "trace-secrets", false, "with --trace, --trace-file or --curl: do not redact secrets")
	return c
}

func runLogin(ctx context.Context, opts *LoginOptions, io *IO) error {
	errTheme := io.ErrTheme(opts.Global)
	progress := func(format string, args ...any) {
		for _, l := range strings.Split(fmt.Sprintf(format, args...), "\n") {
			fmt.Fprintln(io.Err, errTheme.Dim.Render("oidc: ")+render.Sanitize(l))
		}
	}
	if opts.Issuer == "" || opts.ClientID == "" {
		return usageError("--issuer and --client-id are required")
	}
	var jq *render.JQ
	if opts.JQ != "" {
		var err error
		if jq, err = render.CompileJQ(opts.JQ); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
	}
	secret := opts.ClientSecret
	if secret == "" {
		secret = io.Getenv("OIDC_CLIENT_SECRET")
	}
	if strings.HasPrefix(secret, "@") {
		data, err := os.ReadFile(secret[1:])
		if err != nil {
			return usageError("--client-secret: %v", err)
		}
		secret = strings.TrimRight(string(data), "\r\n")
	}
	switch opts.AuthMethod {
	case "", "none", "client_secret_basic", "client_secret_post":
	default:
		return usageError("--auth-method %q: use none, client_secret_basic or client_secret_post", opts.AuthMethod)
	}
	if opts.AuthMethod != "" && opts.AuthMethod != "none" && secret == "" {
		return usageError("--auth-method %s needs --client-secret or $OIDC_CLIENT_SECRET", opts.AuthMethod)
	}
	switch opts.ResponseMode {
	case "", "query", "form_post":
	default:
		return usageError("--response-mode %q: use query or form_post", opts.ResponseMode)
	}
	params := url.Values{}
	for k, v := range map[string]string{"prompt": opts.Prompt, "login_hint": opts.LoginHint, "acr_values": opts.ACRValues, "ui_locales": opts.UILocales, "audience": opts.Audience} {
		if v != "" {
			params.Set(k, v)
		}
	}
	var maxAge *time.Duration
	if opts.MaxAge != "" {
		d, err := parseDuration(opts.MaxAge)
		if err != nil {
			return usageError("--max-age: %v", err)
		}
		maxAge = &d
		params.Set("max_age", fmt.Sprint(int64(d/time.Second)))
	}
	for _, r := range opts.Resources {
		params.Add("resource", r)
	}
	for _, kv := range opts.Params {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageError("--param %q: use key=value", kv)
		}
		if reservedParams[k] {
			return usageError("--param %s: oidc sets %s itself; it protects the flow (PKCE, state, nonce) or has its own flag", k, k)
		}
		params.Add(k, v)
	}
	if opts.RedirectURI != "" {
		if err := flow.CheckRedirectURI(opts.RedirectURI); err != nil {
			return usageError("--redirect-uri: %v", err)
		}
	}
	headers := http.Header{}
	for _, h := range opts.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return usageError("--header %q: use 'Name: value'", h)
		}
		headers.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}

	client := flow.NewClient(opts.HTTPTimeout)
	client.AllowHTTP = opts.AllowHTTP
	tr := client.HTTP.Transport.(*http.Transport)
	if opts.CAFile != "" || opts.Insecure {
		pool, _ := x509.SystemCertPool()
		if pool == nil {
			pool = x509.NewCertPool()
		}
		if opts.CAFile != "" {
			pem, err := os.ReadFile(opts.CAFile)
			if err != nil || !pool.AppendCertsFromPEM(pem) {
				return usageError("--ca-file %s: no PEM certificate in it", opts.CAFile)
			}
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, InsecureSkipVerify: opts.Insecure} // #nosec: --insecure is explicit
		if opts.Insecure {
			render.WarnLine(io.Err, errTheme, "--insecure: TLS certificates are NOT verified; anyone on the path can read and change this login")
		}
	}
	var rt http.RoundTripper = tr
	var har *flow.HAR
	if opts.Trace || opts.TraceFile != "" || opts.Curl {
		tt := &flow.TraceTransport{Next: rt, ShowSecrets: opts.TraceSecrets}
		if opts.Trace {
			tt.Out = io.Err
		}
		if opts.Curl {
			tt.Curl = io.Err
		}
		if opts.TraceFile != "" {
			har = flow.NewHAR(version.Get().Version)
			tt.HAR = har
			// Written however the login ends: a failed one is when it is
			// wanted most.
			defer func() {
				if err := har.WriteFile(opts.TraceFile); err != nil {
					render.ErrorLine(io.Err, errTheme, "--trace-file: "+err.Error())
				}
			}()
		}
		rt = tt
	}

	report := &render.LoginReport{Issuer: opts.Issuer, ClientID: opts.ClientID, Scopes: strings.Fields(opts.Scope), Checks: []decode.Check{}, Hints: []string{}}
	step := func(name string, since time.Time) {
		report.Timeline = append(report.Timeline, render.TimelineStep{Name: name, Millis: float64(time.Since(since).Microseconds()) / 1000})
	}
	client.HTTP.Transport = rt
	start := time.Now()
	md, mdFetch, err := client.Discover(ctx, opts.Issuer)
	if err != nil {
		return &ExitError{Code: ExitNetwork, Err: err}
	}
	step("discovery", start)
	for _, p := range md.Problems {
		render.WarnLine(io.Err, errTheme, "the issuer's metadata: "+p)
	}
	for _, o := range []struct {
		flag, val string
		dst       *string
	}{
		{"--authorization-endpoint", opts.AuthorizationEndpoint, &md.AuthorizationEndpoint},
		{"--token-endpoint", opts.TokenEndpoint, &md.TokenEndpoint},
		{"--userinfo-endpoint", opts.Userinfo, &md.UserinfoEndpoint},
	} {
		if o.val != "" {
			*o.dst = o.val
		}
	}
	for _, e := range []string{md.AuthorizationEndpoint, md.TokenEndpoint} {
		if e == "" {
			return &ExitError{Code: ExitNetwork, Err: fmt.Errorf("the metadata of %s has no authorization or token endpoint: give --authorization-endpoint and --token-endpoint", opts.Issuer)}
		}
		if _, err := client.CheckURL(e); err != nil {
			return &ExitError{Code: ExitNetwork, Err: err}
		}
	}
	if len(md.CodeChallengeMethods) > 0 && !slices.Contains(md.CodeChallengeMethods, "S256") {
		render.WarnLine(io.Err, errTheme, "the issuer does not list S256 in code_challenge_methods_supported; PKCE S256 is sent anyway")
	}
	if len(headers) > 0 {
		client.HTTP.Transport = &flow.HeaderTransport{Next: rt, URL: md.TokenEndpoint, Headers: headers}
	}

	cfg := flow.LoginConfig{
		Metadata: md, ClientID: opts.ClientID, ClientSecret: secret, AuthMethod: opts.AuthMethod,
		Scopes: strings.Fields(opts.Scope), RedirectURI: opts.RedirectURI, Port: opts.Port,
		ResponseMode: opts.ResponseMode, Params: params, Timeout: opts.Timeout, Progress: progress,
	}
	if !opts.NoBrowser {
		cfg.Open = func(u string) error { return flow.OpenBrowser(u, io.Getenv, io.Err) }
	}
	if opts.NoBrowser || io.InTTY {
		cfg.Paste = io.In
	}
	res, err := client.Login(ctx, cfg)
	if res != nil {
		report.RedirectURI, report.AuthMethod = res.RedirectURI, res.AuthMethod
		for _, s := range res.Timeline {
			report.Timeline = append(report.Timeline, render.TimelineStep{Name: s.Name, Millis: s.Millis})
		}
	}
	if err != nil {
		return loginError(err)
	}
	report.TokenResponse = res.TokenResponse

	// Keys for the ID token and a JWT access token.
	start = time.Now()
	var keys *decode.KeySet
	var offset *time.Duration
	if md.JWKSURI != "" {
		ks, f, err := client.KeySet(ctx, md.JWKSURI, false)
		if err != nil {
			return &ExitError{Code: ExitNetwork, Err: err}
		}
		keys, offset = ks, f.ClockOffset
		step("keys", start)
	}
	if offset == nil {
		offset = mdFetch.ClockOffset
	}
	vopts := decode.VerifyOptions{
		Issuer: md.Issuer, IssuerPinned: true, ClientID: opts.ClientID, Nonce: res.Nonce,
		AccessToken: res.Token.AccessToken, MaxAge: maxAge, Leeway: opts.Leeway,
		DiscoveredAlgorithms: md.IDTokenSigningAlgs, ClockOffset: offset, Profile: decode.ProfileID,
	}
	src := decode.Source{Form: "token_response"}
	var idSub string
	if idToken, _ := res.Token.Extra("id_token").(string); idToken != "" {
		r := decode.Token(idToken, src, "id_token", decode.Options{})
		report.IDToken = decode.Verify(r, keys, vopts)
		idSub, _ = r.StringClaim("sub")
	} else if slices.Contains(report.Scopes, "openid") {
		report.Checks = append(report.Checks, decode.Check{ID: "id_token", Status: decode.Fail,
			Message: "the scope had openid but the token response has no id_token", Hint: "the issuer treated the request as plain OAuth: check the client's OpenID settings"})
	}
	report.AccessToken = accessTokenReport(res.Token.AccessToken, keys, opts, vopts)
	tokenResponseChecks(report, res, md)

	if md.UserinfoEndpoint != "" && res.Token.AccessToken != "" {
		start = time.Now()
		body, status, err := client.Userinfo(ctx, md.UserinfoEndpoint, res.Token.AccessToken)
		step("userinfo", start)
		userinfoChecks(report, body, status, err, idSub)
	}
	report.Timeline = append(report.Timeline, render.TimelineStep{Name: "oidc after the callback", Millis: float64(time.Since(res.CallbackAt).Microseconds()) / 1000})

	report.Valid = (report.IDToken == nil || report.IDToken.Valid) && (report.AccessToken == nil || report.AccessToken.Valid)
	for _, c := range report.Checks {
		if c.Status == decode.Fail {
			report.Valid = false
		}
	}
	if opts.JSON || jq != nil {
		jw := render.NewJSONWriter(io.Out, jq, io.OutTTY)
		if err := jw.Write(ctx, report); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		if err := jw.Flush(); err != nil {
			return outputError(err)
		}
	} else {
		p := render.NewPrinter(io.Out, io.OutTheme(opts.Global), io.Width)
		p.Login(report, opts.ShowTokens)
		if err := p.Flush(); err != nil {
			return outputError(err)
		}
	}
	if !report.Valid {
		return &ExitError{Code: ExitCheckFailed, Silent: true, Err: errors.New("login checks failed")}
	}
	return nil
}

// reservedParams are the authorization parameters that --param must not
// replace.
var reservedParams = map[string]bool{
	"state": true, "nonce": true, "code_challenge": true, "code_challenge_method": true, "redirect_uri": true,
	"response_type": true, "client_id": true, "scope": true, "response_mode": true, "resource": true,
}

// loginError maps a failed login to its exit code.
func loginError(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return context.Canceled // Run turns it into 130
	case errors.Is(err, flow.ErrTimeout):
		return &ExitError{Code: ExitNetwork, Err: fmt.Errorf("%v (--timeout)", err)}
	}
	// Everything else (an error response, the token endpoint, the
	// listener, the network) is the issuer's or the network's doing.
	return &ExitError{Code: ExitNetwork, Err: err}
}

// accessTokenReport verifies an RFC 9068 access token; other access tokens
// are for the API to check, so they are shown, not judged.
func accessTokenReport(at string, keys *decode.KeySet, opts *LoginOptions, base decode.VerifyOptions) *decode.Verification {
	if at == "" {
		return nil
	}
	r := decode.Token(at, decode.Source{Form: "token_response"}, "access_token", decode.Options{})
	if typ, _ := r.StringHeader("typ"); strings.EqualFold(strings.TrimPrefix(strings.ToLower(typ), "application/"), "at+jwt") {
		o := base
		o.Profile, o.Nonce, o.AccessToken, o.MaxAge, o.DiscoveredAlgorithms = decode.ProfileAccess, "", "", nil, nil
		o.Audience = opts.Resources
		if opts.Audience != "" {
			o.Audience = append(o.Audience, opts.Audience)
		}
		return decode.Verify(r, keys, o)
	}
	msg := "an opaque access token: only the API or the issuer (introspection) can check it"
	if r.Kind == decode.KindJWS {
		msg = "a JWT access token without typ at+jwt: it is for the API to verify, not the client (RFC 9068 is not used)"
	}
	return &decode.Verification{Valid: true, Profile: decode.ProfileAccess, Token: r,
		Checks: []decode.Check{{ID: "format", Status: decode.Skip, Message: msg}}}
}

// tokenResponseChecks looks at the token response itself: quirks of real
// issuers, and what is missing.
func tokenResponseChecks(rep *render.LoginReport, res *flow.LoginResult, md *flow.Metadata) {
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(res.TokenResponse, &raw)
	if v, ok := raw["expires_in"]; ok && len(v) > 0 && v[0] == '"' {
		rep.Checks = append(rep.Checks, decode.Check{ID: "expires_in", Status: decode.Warn, Found: string(v),
			Message: "expires_in is a string, not a number (RFC 6749 5.1): accepted", Hint: "Entra ID and some older issuers do this; strict clients reject it"})
	}
	if tt := res.Token.TokenType; tt != "" && !strings.EqualFold(tt, "Bearer") && !strings.EqualFold(tt, "DPoP") {
		rep.Checks = append(rep.Checks, decode.Check{ID: "token_type", Status: decode.Warn, Found: tt, Message: "unusual token_type " + tt})
	}
	if res.Token.RefreshToken == "" {
		h := "no refresh token: ask for the offline_access scope if the client may use one"
		if strings.Contains(md.Issuer, "accounts.google.com") {
			h = "no refresh token: Google returns one only with access_type=offline and prompt=consent (--param access_type=offline --prompt consent)"
		}
		rep.Hints = append(rep.Hints, h)
	}
}

// userinfoChecks: userinfo's sub must be the ID token's (OIDC Core 5.3.2).
func userinfoChecks(rep *render.LoginReport, body []byte, status int, err error, idSub string) {
	if err != nil {
		msg := err.Error()
		if status == http.StatusUnauthorized && rep.AccessToken != nil && rep.AccessToken.Profile == decode.ProfileAccess && len(rep.AccessToken.Checks) > 1 {
			msg += ": the access token is for another resource (RFC 8707), so userinfo refuses it; the profile claims are in the ID token"
		}
		rep.UserinfoError = msg
		rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo", Status: decode.Warn, Message: msg})
		return
	}
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] != '{' {
		// A signed (JWT) userinfo response: shown decoded; its signature
		// is not checked here, so say so.
		if r := decode.Token(string(body), decode.Source{}, "userinfo", decode.Options{}); r.Payload != nil {
			body = r.Payload
			rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo", Status: decode.Warn,
				Message: "userinfo came as a signed JWT; its claims are shown, its signature was not checked", Hint: "verify it with oidc verify --issuer"})
		}
	}
	members, perr := decode.ObjectMembers(body)
	if perr != nil {
		rep.UserinfoError = "userinfo is not a JSON object: " + perr.Error()
		rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo", Status: decode.Fail, Message: rep.UserinfoError})
		return
	}
	rep.Userinfo = body
	var sub string
	var groups bool
	for _, m := range members {
		switch m.Name {
		case "sub":
			_ = json.Unmarshal(m.Value, &sub)
		case "groups":
			groups = true
		}
	}
	switch {
	case idSub == "":
	case sub != idSub:
		rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo_sub", Status: decode.Fail, Found: sub, Expected: idSub,
			Message: "userinfo's sub is not the ID token's (OIDC Core 5.3.2)", Hint: "the access token belongs to another user or session: never merge these claims"})
	default:
		rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo_sub", Status: decode.Pass, Found: sub, Message: "userinfo's sub is the ID token's"})
	}
	if groups && rep.IDToken != nil {
		if !rep.IDToken.Token.HasClaim("groups") {
			rep.Hints = append(rep.Hints, "groups is in userinfo but not in the ID token: Okta's org authorization server, for one, sends groups only there")
		}
	}
}
