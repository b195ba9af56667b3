package cmd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/internal/cache"
	"github.com/oidcdev/oidc/internal/config"
	"github.com/oidcdev/oidc/internal/version"
	"github.com/oidcdev/oidc/render"
)

// Flag groups. Each flag is defined once, here, and means the same in every
// command that takes its group; README describes the groups once.

// networkFlags configure the one HTTP stack (flow.New): every command that
// talks to an issuer or a resource takes them.
type networkFlags struct {
	HTTPTimeout  time.Duration
	CAFile       string
	TLSCert      string
	TLSKey       string
	Insecure     bool
	AllowHTTP    bool
	Headers      []string
	Trace        bool
	TraceFile    string
	Curl         bool
	TraceSecrets bool
	NoCache      bool
}

func (n *networkFlags) add(f *pflag.FlagSet) {
	f.DurationVar(&n.HTTPTimeout, "http-timeout", flow.DefaultTimeout, "timeout of each request to the issuer")
	f.StringVar(&n.CAFile, "ca-file", "", "trust the CA certificates in this PEM `file` too")
	f.StringVar(&n.TLSCert, "tls-cert", "", "present this client certificate (PEM `file`) to servers that ask: mTLS, RFC 8705")
	f.StringVar(&n.TLSKey, "tls-key", "", "the private key (PEM `file`) of --tls-cert")
	f.BoolVar(&n.Insecure, "insecure", false, "skip TLS certificate verification (dangerous)")
	f.BoolVar(&n.AllowHTTP, "allow-http", false, "allow plain http:// to non-loopback hosts")
	f.StringArrayVar(&n.Headers, "header", nil, "extra header `'Name: value'` on every request to the issuer; repeatable")
	f.BoolVar(&n.Trace, "trace", false, "write every HTTP exchange to stderr, secrets redacted")
	f.StringVar(&n.TraceFile, "trace-file", "", "write every HTTP exchange to this HAR `file` (created 0600), secrets redacted")
	f.BoolVar(&n.Curl, "curl", false, "print each request as a curl command on stderr, secrets as shell variables")
	f.BoolVar(&n.TraceSecrets, "trace-secrets", false, "with --trace, --trace-file or --curl: do not redact secrets")
	f.BoolVar(&n.NoCache, "no-cache", false, "neither read nor write the cache of discovery documents and key sets")
}

// session is a command's client and what must happen when it ends.
type session struct {
	client *flow.Client
	har    *flow.HAR
	io     *IO
	g      *GlobalOptions
	file   string
}

// close writes the HAR file, however the command ended: a failed flow is
// when it is wanted most.
func (s *session) close() {
	if s.har == nil {
		return
	}
	if err := s.har.WriteFile(s.file); err != nil {
		render.ErrorLine(s.io.Err, s.io.ErrTheme(s.g), "--trace-file: "+err.Error())
	}
}

// client builds the HTTP stack. offline restricts it to the cache, and
// cached says whether the disk cache is worth opening (keys given in full
// fetch nothing).
func (n *networkFlags) client(io *IO, g *GlobalOptions, offline, cached bool) (*session, error) {
	if n.HTTPTimeout <= 0 {
		return nil, usageError("--http-timeout must be positive")
	}
	o := flow.Options{Timeout: n.HTTPTimeout, CAFile: filePath(n.CAFile), Insecure: n.Insecure, AllowHTTP: n.AllowHTTP,
		TLSCert: filePath(n.TLSCert), TLSKey: filePath(n.TLSKey),
		Headers: n.Headers, ShowSecrets: n.TraceSecrets, Offline: offline}
	s := &session{io: io, g: g, file: n.TraceFile}
	if n.Trace {
		o.Trace = io.Err
	}
	if n.Curl {
		o.Curl = io.Err
	}
	if n.TraceFile != "" {
		s.har = flow.NewHAR(version.Get().Version)
		o.HAR = s.har
	}
	if cached && !n.NoCache {
		c, err := cache.Open(io.Getenv("OIDC_CACHE_DIR"))
		switch {
		case err == nil:
			o.Cache = c
		case offline:
			return nil, usageError("--offline: no cache directory: %v", err)
		}
	}
	if offline && n.NoCache {
		return nil, usageError("--offline and --no-cache together leave nothing to work with")
	}
	client, err := flow.New(o)
	if err != nil {
		return nil, err
	}
	if n.Insecure {
		render.WarnLine(io.Err, io.ErrTheme(g), "--insecure: TLS certificates are NOT verified; anyone on the path can read and change what is sent and received")
	}
	s.client = client
	return s, nil
}

// clientFlags name the issuer and the client. withSecret adds the client
// authentication flags, for commands that call the token endpoint.
type clientFlags struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	AuthMethod   string
	ClientKey    string
	AssertionAud string
	Profile      string
	key          *jose.JSONWebKey // ClientKey, read
	// profile is the one --profile or $OIDC_PROFILE named, applied.
	profile    *config.Profile
	configPath string
	// secretResolved: ClientSecret is the value, not a flag's @FILE.
	secretResolved bool
	flags          *pflag.FlagSet
	withSecret     bool
	resolved       bool
	// profileOptional: the profile need not exist yet (login --save).
	profileOptional bool
	// deferCredentials: resolve leaves the secret and key to credentials.
	deferCredentials, credentialsRead bool
	// secretFrom says where the secret came from, and secretFlag is
	// --client-secret as typed: what login --save may write.
	secretFrom, secretFlag string
	// issuerFrom names where --issuer came from when it is not the flag
	// (discover's argument).
	issuerFrom string
}

func (c *clientFlags) add(f *pflag.FlagSet, withSecret bool) {
	c.flags, c.withSecret = f, withSecret
	f.StringVar(&c.Profile, "profile", "", profileHelp)
	f.StringVar(&c.Issuer, "issuer", "", "the issuer `URL`: tokens must come from it; its discovery document gives endpoints and keys (default $OIDC_ISSUER)")
	f.StringVar(&c.ClientID, "client-id", "", "your client `id`: the ID token's expected aud and azp (default $OIDC_CLIENT_ID)")
	if withSecret {
		f.StringVar(&c.ClientSecret, "client-secret", "", "client secret, or @FILE (default $OIDC_CLIENT_SECRET); none for a public client")
		f.StringVar(&c.AuthMethod, "auth-method", "", "client authentication: "+orList(flow.AuthMethods)+" (default: private_key_jwt with --client-key; client_secret_basic with a secret, when the issuer lists it)")
		f.StringVar(&c.ClientKey, "client-key", "", "the client's private key `file` (JWK, JWKS or PEM), for private_key_jwt; oidc keygen makes one")
		f.StringVar(&c.AssertionAud, "assertion-aud", flow.AudienceTokenEndpoint, "the aud of a client assertion: token-endpoint (RFC 7523) or issuer (what some issuers want)")
	}
}

// resolve fills what the flags left empty from the profile, then from the
// environment, and reads a secret given as @FILE. It runs once.
func (c *clientFlags) resolve(ctx context.Context, io *IO) error {
	if c.resolved {
		return nil
	}
	c.resolved = true
	if err := applyProfile(io, c.flags, c); err != nil {
		return err
	}
	from := "--issuer"
	if c.Issuer == "" {
		c.Issuer, from = io.Getenv("OIDC_ISSUER"), "$OIDC_ISSUER"
	} else if !c.flags.Changed("issuer") && c.profile != nil {
		from = "profile " + c.Profile + ": issuer"
	}
	if c.ClientID == "" {
		c.ClientID = io.Getenv("OIDC_CLIENT_ID")
	}
	if c.issuerFrom != "" && c.flags.Changed("issuer") {
		from = c.issuerFrom
	}
	if c.Issuer != "" {
		iss, err := issuerURL(c.Issuer)
		if err != nil {
			return usageError("%s: %v", from, err)
		}
		// Every command takes an issuer given as its discovery URL (what
		// an issuer's documentation often shows) as that issuer.
		if base, ok := issuerOfDiscoveryURL(iss); ok {
			io.warn(from + ": " + iss + " is a discovery URL: taking its issuer, " + base)
			iss = base
		}
		c.Issuer = iss
	}
	if !slices.Contains(flow.AuthMethods, c.AuthMethod) && c.AuthMethod != "" {
		return usageError("--auth-method %q: use %s", c.AuthMethod, orList(flow.AuthMethods))
	}
	switch c.AssertionAud {
	case "", flow.AudienceTokenEndpoint, flow.AudienceIssuer:
	default:
		return usageError("--assertion-aud %q: use token-endpoint or issuer", c.AssertionAud)
	}
	if c.deferCredentials {
		return nil
	}
	return c.credentials(ctx, io)
}

// credentials reads the client's secret and key: from the flags, the
// profile (a command it names runs here) or the environment. Commands
// that may need none (oidc token on a cache hit) call it only when they
// talk to the issuer. It runs once.
func (c *clientFlags) credentials(ctx context.Context, io *IO) error {
	if c.credentialsRead {
		return nil
	}
	c.credentialsRead = true
	if c.ClientSecret != "" {
		c.secretFrom, c.secretFlag = secretFromFlag, c.ClientSecret
	}
	if err := c.profileSecret(ctx, io); err != nil {
		return err
	}
	// A profile says where its secret is: a secret exported for another
	// issuer must not go to this one.
	if c.ClientSecret == "" && c.profile == nil {
		if c.ClientSecret = io.Getenv("OIDC_CLIENT_SECRET"); c.ClientSecret != "" {
			c.secretFrom = secretFromEnv
		}
	}
	if c.ClientSecret != "" && !c.secretResolved {
		s, err := secretValue(ctx, "--client-secret", c.ClientSecret)
		if err != nil {
			return err
		}
		c.ClientSecret = s
	}
	if c.ClientKey != "" {
		k, err := signingKeyFile(ctx, "--client-key", c.ClientKey)
		if err != nil {
			return err
		}
		c.key = &k
	}
	switch c.AuthMethod {
	case flow.AuthSecretBasic, flow.AuthSecretPost, flow.AuthClientSecretJWT:
		if c.ClientSecret == "" {
			return usageError("--auth-method %s needs --client-secret or $OIDC_CLIENT_SECRET", c.AuthMethod)
		}
	case flow.AuthPrivateKeyJWT:
		if c.key == nil {
			return usageError("--auth-method private_key_jwt needs --client-key")
		}
	}
	return nil
}

// grantFlags are what every grant asks the token endpoint for.
type grantFlags struct {
	Scope         string
	Resources     []string
	TokenEndpoint string
	DPoP          bool
	DPoPKey       string
	// AuthzDetails is RFC 9396's authorization_details, read.
	AuthzDetailsFlag string
	authzDetails     string
	// madeKey is the DPoP key made for this run (a private JWK), to
	// cache with the tokens bound to it.
	madeKey []byte
}

func (gf *grantFlags) add(f *pflag.FlagSet, defaultScope string) {
	f.StringVar(&gf.Scope, "scope", defaultScope, "scopes to request, space-separated")
	f.StringArrayVar(&gf.Resources, "resource", nil, "resource indicator (RFC 8707); repeatable; the access token must be for it")
	f.StringVar(&gf.TokenEndpoint, "token-endpoint", "", "override the discovered token endpoint")
	f.StringVar(&gf.AuthzDetailsFlag, "authorization-details", "", "RFC 9396 authorization_details: a JSON array, or @FILE; what was granted is checked")
	f.BoolVar(&gf.DPoP, "dpop", false, "bind the tokens to a key (DPoP, RFC 9449): a new one for this run; --dpop-key gives one to keep, and implies --dpop")
	f.StringVar(&gf.DPoPKey, "dpop-key", "", dpopKeyHelp)
}

// dpop sets up DPoP on the client when asked.
func (gf *grantFlags) dpop(ctx context.Context, c *flow.Client) error {
	if !gf.DPoP && gf.DPoPKey == "" {
		return nil
	}
	var key jose.JSONWebKey
	var err error
	if gf.DPoPKey != "" {
		if key, err = signingKeyFile(ctx, "--dpop-key", gf.DPoPKey); err != nil {
			return err
		}
	} else if key, err = decode.NewSigningKey("ES256"); err != nil {
		return err
	} else if gf.madeKey, err = key.MarshalJSON(); err != nil {
		return err
	}
	d, err := flow.NewDPoP(key)
	if err != nil {
		return usageError("--dpop-key: %v", err)
	}
	c.DPoP = d
	return nil
}

// warnForgottenKey: a refresh token bound to a key this run makes and
// forgets can never be used.
func (gf *grantFlags) warnForgottenKey(io *IO, g *GlobalOptions, cached bool) {
	if !cached && gf.DPoP && gf.DPoPKey == "" && slices.Contains(strings.Fields(gf.Scope), "offline_access") {
		render.WarnLine(io.Err, io.ErrTheme(g), "the refresh token will be bound to a DPoP key made for this run and then forgotten: give --dpop-key FILE (oidc keygen makes one) to use it later")
	}
}

// flowRequest is what every grant command hands to flow: the client, the
// grant's request and the checks, from the groups.
func flowRequest(io *IO, g *GlobalOptions, c *clientFlags, gf *grantFlags, checks *checkFlags, maxAge *time.Duration) flow.FlowRequest {
	return flow.FlowRequest{
		GrantRequest: flow.GrantRequest{Scopes: strings.Fields(gf.Scope), Audience: checks.Audience, Resource: gf.Resources, AuthorizationDetails: gf.authzDetails},
		Issuer:       c.Issuer, Endpoints: flow.Endpoints{Token: gf.TokenEndpoint},
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, AuthMethod: c.AuthMethod,
		ClientKey: c.key, AssertionAudience: c.AssertionAud,
		Leeway: checks.Leeway, MaxAge: maxAge,
		Warn:  func(msg string) { render.WarnLine(io.Err, io.ErrTheme(g), msg) },
		Flags: optionFlags,
	}
}

// grantCmd is what every grant command has: the groups its flags come
// from, and the steps around its grant.
type grantCmd struct {
	Global     *GlobalOptions
	Client     clientFlags
	Grant      grantFlags
	Net        networkFlags
	Checks     checkFlags
	Output     outputFlags
	ShowTokens bool
	maxAge     *time.Duration
}

// addFlags adds the groups; a command's own flags come first, before it.
func (gc *grantCmd) addFlags(f *pflag.FlagSet, defaultScope string) {
	gc.Grant.add(f, defaultScope)
	gc.Checks.add(f)
	gc.Net.add(f)
	gc.Output.add(f, true)
	f.BoolVar(&gc.ShowTokens, "show-tokens", false, "print raw tokens in full")
}

// start checks the flags and builds the client (DPoP included): every
// usage error before anything is sent. The caller closes the session.
func (gc *grantCmd) start(ctx context.Context, io *IO) (*session, error) {
	if err := gc.Client.resolve(ctx, io); err != nil {
		return nil, err
	}
	if err := gc.Client.credentials(ctx, io); err != nil {
		return nil, err
	}
	if gc.Client.Issuer == "" || gc.Client.ClientID == "" {
		return nil, usageError("--issuer and --client-id are required (or --profile NAME, or $OIDC_ISSUER and $OIDC_CLIENT_ID)")
	}
	if m := gc.Client.AuthMethod; (m == flow.AuthTLSClient || m == flow.AuthSelfSignedTLSClient) && (gc.Net.TLSCert == "" || gc.Net.TLSKey == "") {
		return nil, usageError("--auth-method %s needs --tls-cert and --tls-key", m)
	}
	if _, err := gc.Output.jq(); err != nil {
		return nil, err
	}
	maxAge, err := gc.Checks.maxAge()
	if err != nil {
		return nil, err
	}
	gc.maxAge = maxAge
	sess, err := gc.Net.client(io, gc.Global, false, true)
	if err != nil {
		return nil, err
	}
	if err := gc.Grant.dpop(ctx, sess.client); err != nil {
		sess.close()
		return nil, err
	}
	gc.Grant.warnForgottenKey(io, gc.Global, gc.Client.Profile != "")
	if gc.Grant.AuthzDetailsFlag != "" {
		data, err := readValue(ctx, "--authorization-details", gc.Grant.AuthzDetailsFlag)
		if err == nil {
			if _, err = flow.AuthorizationDetailTypes(string(data)); err != nil {
				err = usageError("--authorization-details: %v", err)
			}
		}
		if err != nil {
			sess.close()
			return nil, err
		}
		gc.Grant.authzDetails = strings.TrimSpace(string(data))
	}
	return sess, nil
}

// request is the flow request the groups make.
func (gc *grantCmd) request(io *IO) flow.FlowRequest {
	return flowRequest(io, gc.Global, &gc.Client, &gc.Grant, &gc.Checks, gc.maxAge)
}

// finish prints the report of a grant that ran, or returns why it did not.
func (gc *grantCmd) finish(ctx context.Context, io *IO, rep *decode.FlowReport, err error) error {
	if err != nil {
		return err
	}
	return writeFlowReport(ctx, io, gc.Global, &gc.Output, rep, gc.ShowTokens)
}

// writeFlowReport prints a grant's report: JSON, only the verdict, or all
// of it; and says by the exit code whether every check passed.
func writeFlowReport(ctx context.Context, io *IO, g *GlobalOptions, out *outputFlags, rep *decode.FlowReport, showTokens bool) error {
	jq, err := out.jq()
	if err != nil {
		return err
	}
	if out.structured() {
		jw := render.NewJSONWriter(io.Out, jq, io.OutTTY)
		if err := jw.Write(ctx, rep); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		if err := jw.Flush(); err != nil {
			return outputError(err)
		}
	} else {
		p := render.NewPrinter(io.Out, io.OutTheme(g), io.Width)
		if out.Quiet {
			p.LoginVerdict(rep)
		} else {
			p.Login(rep, showTokens)
		}
		if err := p.Flush(); err != nil {
			return outputError(err)
		}
	}
	if !rep.Valid {
		return &ExitError{Code: ExitCheckFailed, Silent: true, Err: errors.New("checks failed")}
	}
	return nil
}

// outputFlags choose the output: for people, JSON, a jq filter, or only
// the verdict.
type outputFlags struct {
	JSON  bool
	JQ    string
	Quiet bool
}

func (o *outputFlags) add(f *pflag.FlagSet, quiet bool) {
	f.BoolVar(&o.JSON, "json", false, jsonHelp)
	f.StringVar(&o.JQ, "jq", "", "filter the JSON with a jq `expression`; strings print raw")
	if quiet {
		f.BoolVarP(&o.Quiet, "quiet", "q", false, "print only the verdict")
	}
}

// Help texts of flags that are not in a group but appear in several
// commands: one text each.
const (
	jsonHelp = "print JSON instead of text, for scripts (schema: oidc help json)"
	timeHelp = "times are as of this `instant`, not now (RFC 3339 or Unix seconds)"
	portHelp = "the local `port` to listen on (0: a free one)"
	// The browser's way back: login's redirect, logout's post-logout one.
	redirectURIHelp    = "the exact loopback URI the browser comes back to (login: the redirect URI; logout: post_logout_redirect_uri); the listener binds what it names"
	noBrowserHelp      = "do not open a browser: print the URL to open (login: and read the URL the browser came back to, pasted on stdin)"
	browserTimeoutHelp = "how long to wait for the browser to come back (for you to log in, or out)"
	methodHelp         = "the request's HTTP `method` (userinfo: GET or POST, OIDC Core 5.3.1)"
	noLoginHelp        = "never log in (token: without a valid or refreshable token, exit 1; probe: stop after registration)"
	dpopKeyHelp        = "the private key `file` (JWK, JWKS or PEM) DPoP proofs are signed with"
	decryptKeyHelp     = "decrypt a JWE with the key in this `file` first: PEM or JWK private key, or a symmetric key"
	// paramHelp: login's go on the authorization request, the other
	// grants' on the token request.
	paramHelp = "an extra `key=value` parameter of the request to the issuer (login: the authorization request); repeatable"
)

// assertFlags are jq expressions every token must satisfy, for scripts
// that gate on a claim (decode and verify).
type assertFlags struct{ Exprs []string }

func (a *assertFlags) add(f *pflag.FlagSet) {
	f.StringArrayVar(&a.Exprs, "assert", nil, "a jq `expression` on each token's --json document that must be true (not false or null, no error), else exit 1 naming it; verify: .payload and .header are there too; repeatable")
}

func (a *assertFlags) compile() (render.Assertions, error) {
	as, err := render.CompileAssertions(a.Exprs)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return as, nil
}

// jq compiles the --jq filter, nil when none.
func (o *outputFlags) jq() (*render.JQ, error) {
	if o.JQ == "" {
		return nil, nil
	}
	jq, err := render.CompileJQ(o.JQ)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return jq, nil
}

func (o *outputFlags) structured() bool { return o.JSON || o.JQ != "" }

// checkFlags are what a verified token must match beyond issuer and
// client: the same in verify and in every flow that verifies what it got.
type checkFlags struct {
	Audience []string
	Leeway   time.Duration
	MaxAge   string
}

func (c *checkFlags) add(f *pflag.FlagSet) {
	f.StringSliceVar(&c.Audience, "audience", nil, "the `audience` the token must be for, an API (any of several: repeat or comma-separate); flows also send it as the audience parameter (Auth0 and others)")
	f.DurationVar(&c.Leeway, "leeway", 60*time.Second, "clock skew allowed in time checks")
	f.StringVar(&c.MaxAge, "max-age", "", "max_age (`duration` or seconds): auth_time must be within it; flows also request it")
}

// maxAge is --max-age, nil when not given.
func (c *checkFlags) maxAge() (*time.Duration, error) {
	if c.Leeway < 0 {
		return nil, usageError("--leeway must not be negative")
	}
	if c.MaxAge == "" {
		return nil, nil
	}
	d, err := parseDuration(c.MaxAge)
	if err != nil {
		return nil, usageError("--max-age: %v", err)
	}
	return &d, nil
}

// optionFlags name, for the hints of flow and decode (which speak of
// inputs, not flags), the flag that gives each input. Every command takes
// these names from its groups.
var optionFlags = map[string]string{
	"issuer": "--issuer", "client_id": "--client-id", "client_secret": "--client-secret or $OIDC_CLIENT_SECRET",
	"auth_method": "--auth-method", "ca_file": "--ca-file", "header": "--header", "audience": "--audience", "max_age": "--max-age",
	"client_key": "--client-key", "assertion_aud": "--assertion-aud", "tls_cert": "--tls-cert and --tls-key", "resource": "--resource",
	"subject_token_type": "--subject-token-type", "sign_key": "--sign-key",
	"leeway": "--leeway", "redirect_uri": "--redirect-uri or --port", "scope": "--scope",
	"token_endpoint": "--token-endpoint", "authorization_endpoint": "--authorization-endpoint",
}

// withOptionFlags is optionFlags and a command's own.
func withOptionFlags(own map[string]string) map[string]string {
	m := make(map[string]string, len(optionFlags)+len(own))
	for k, v := range optionFlags {
		m[k] = v
	}
	for k, v := range own {
		m[k] = v
	}
	return m
}

// withFlag adds the flag that gives an option to a hint.
func withFlag(hint, option string) string {
	if f, ok := optionFlags[option]; ok && hint != "" {
		return fmt.Sprintf("%s (%s)", hint, f)
	}
	return hint
}

// orList is "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// deprecatedAlias keeps an old flag name working, hidden from --help, with
// a warning on stderr. (pflag's own deprecation notice goes to stdout
// under cobra, where it would mix with the result.)
func deprecatedAlias(c *cobra.Command, io *IO, g *GlobalOptions, old, name string) {
	c.Flags().Lookup(old).Hidden = true
	run := c.RunE
	c.RunE = func(c *cobra.Command, args []string) error {
		if c.Flags().Changed(old) {
			render.WarnLine(io.Err, io.ErrTheme(g), "--"+old+" is deprecated here: use --"+name)
		}
		return run(c, args)
	}
}

// signingKeyFile reads the private key a file flag names.
func signingKeyFile(ctx context.Context, flag, v string) (jose.JSONWebKey, error) {
	data, err := readFileFlag(ctx, flag, v)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	k, err := decode.SigningKey(data)
	if err != nil {
		return jose.JSONWebKey{}, usageError("%s %s: %v", flag, filePath(v), err)
	}
	return k, nil
}

// decryptionKeyFile reads --decrypt-key: a JWE's decryption key, for
// verify's tokens and userinfo's encrypted answers alike.
func decryptionKeyFile(ctx context.Context, v string) (any, error) {
	data, err := readFileFlag(ctx, "--decrypt-key", v)
	if err != nil {
		return nil, err
	}
	k, err := decode.DecryptionKey(data)
	if err != nil {
		return nil, usageError("--decrypt-key: %v", err)
	}
	return k, nil
}
