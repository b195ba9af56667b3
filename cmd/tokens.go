package cmd

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/internal/cache"
	"github.com/oidcdev/oidc/internal/config"
	"github.com/oidcdev/oidc/render"
)

// Where a client secret came from, for login --save.
const (
	secretFromFlag    = "flag"
	secretFromEnv     = "env"
	secretFromProfile = "profile"
)

// tokenKey is what the flags ask tokens for: the cache key. No scope is
// login's (refresh sends none unless told).
func (gc *grantCmd) tokenKey() cache.TokenKey {
	return tokenKeyOf(gc.Client.Issuer, gc.Client.ClientID, gc.Grant.Scope, gc.Grant.Resources, gc.Checks.Audience, dpopBinding(gc.Grant.DPoP, gc.Grant.DPoPKey))
}

// tokenKeyOf is the one rule for a cache key: no scope is login's.
func tokenKeyOf(issuer, clientID, scope string, resource, audience []string, dpop string) cache.TokenKey {
	if scope == "" {
		scope = loginScope
	}
	return cache.TokenKey{Issuer: issuer, ClientID: clientID, Scopes: strings.Fields(scope), Resource: resource, Audience: audience, DPoP: dpop}
}

// dpopBinding is the key's DPoP part: a key oidc makes at login (and
// caches with the tokens), the key in a file (by its path: reading it
// would cost every cache hit), or none.
func dpopBinding(dpop bool, keyFile string) string {
	if keyFile != "" {
		p := filePath(keyFile)
		if a, err := filepath.Abs(p); err == nil {
			p = a
		}
		return "key " + p
	}
	if dpop {
		return "made"
	}
	return ""
}

// openTokens opens the token cache ($OIDC_CACHE_DIR/tokens, or the user
// cache directory's).
func openTokens(io *IO) (*cache.TokenStore, error) {
	s, err := cache.OpenTokens(io.Getenv("OIDC_CACHE_DIR"))
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return s, nil
}

// keep saves what a login that passed every check should leave behind:
// the profile (--save) and, for a profile, its tokens in the cache.
func (opts *LoginOptions) keep(ctx context.Context, io *IO, got *flow.Obtained) error {
	progress := progressLine(io, opts.Global)
	if opts.Save != "" {
		p, err := opts.profileToSave(io)
		if err != nil {
			return err
		}
		if err := config.Save(opts.Client.configPathOr(io), opts.Save, p); err != nil {
			return usageError("--save: %v", err)
		}
		progress("saved profile %s in %s", opts.Save, opts.Client.configPathOr(io))
	}
	if opts.Client.Profile == "" || got.Tokens == nil {
		return nil
	}
	store, err := openTokens(io)
	if err == nil {
		key := opts.tokenKey()
		var unlock func()
		if unlock, err = store.Lock(ctx, key, 30*time.Second, nil); err == nil {
			err = store.Put(flow.StoreTokens(key, opts.Client.Profile, got, nil))
			unlock()
		}
	}
	if err != nil {
		render.WarnLine(io.Err, io.ErrTheme(opts.Global), "the tokens were not cached: "+err.Error())
		return nil
	}
	progress("tokens cached for oidc token --profile %s", opts.Client.Profile)
	return nil
}

// configPathOr is the config file the profile came from, or where one
// would be.
func (c *clientFlags) configPathOr(io *IO) string {
	if c.configPath != "" {
		return c.configPath
	}
	p, _ := config.Path(io.Getenv)
	return p
}

// profileToSave is the profile the flags of a login that worked make:
// what was given (by flag or by the profile it started from), with the
// client secret as a reference to where it came from.
func (opts *LoginOptions) profileToSave(io *IO) (*config.Profile, error) {
	abs := func(p string) string {
		if p == "" {
			return ""
		}
		if a, err := filepath.Abs(filePath(p)); err == nil {
			return a
		}
		return p
	}
	c := &opts.Client
	p := &config.Profile{
		Issuer: c.Issuer, ClientID: c.ClientID, AuthMethod: c.AuthMethod, ClientKey: abs(c.ClientKey),
		Scope: opts.Grant.Scope, Audience: opts.Checks.Audience, Resource: opts.Grant.Resources,
		RedirectURI: opts.RedirectURI, Port: opts.Port, Device: opts.Device,
		DPoP: opts.Grant.DPoP, DPoPKey: abs(opts.Grant.DPoPKey),
		CAFile: abs(opts.Net.CAFile), TLSCert: abs(opts.Net.TLSCert), TLSKey: abs(opts.Net.TLSKey),
		AllowHTTP: opts.Net.AllowHTTP, Headers: opts.Net.Headers,
	}
	if c.AssertionAud != flow.AudienceTokenEndpoint {
		p.AssertionAudience = c.AssertionAud
	}
	if len(opts.Params) > 0 {
		p.Params = map[string]string{}
		for _, kv := range opts.Params {
			k, v, _ := strings.Cut(kv, "=")
			p.Params[k] = v
		}
	}
	if c.profile != nil {
		p.Output = c.profile.Output
		if c.profile.Params != nil && p.Params == nil {
			p.Params = maps.Clone(c.profile.Params)
		}
	}
	switch c.secretFrom {
	case secretFromProfile:
		p.ClientSecret = c.profile.ClientSecret
	case secretFromEnv:
		p.ClientSecret = &config.Secret{Env: "OIDC_CLIENT_SECRET"}
	case secretFromFlag:
		switch path, ok := strings.CutPrefix(c.secretFlag, "@"); {
		case ok && path != "":
			p.ClientSecret = &config.Secret{File: abs(path)}
		case opts.SaveSecret:
			p.ClientSecret = &config.Secret{Value: c.ClientSecret}
		default:
			render.WarnLine(io.Err, io.ErrTheme(opts.Global), "--save: the client secret given on the command line is not saved: add client_secret: {env: NAME}, {file: PATH} or {command: [...]} to the profile, or give --save-secret to write it into the file")
		}
	}
	return p, nil
}

// lazySession builds a grant command's session on first use: a token
// from the cache needs none, and building one costs start-up time.
type lazySession struct {
	gc *grantCmd
	io *IO
	s  *session
}

func (l *lazySession) get(ctx context.Context) (*session, error) {
	if l.s == nil {
		s, err := l.gc.start(ctx, l.io)
		if err != nil {
			return nil, err
		}
		l.s = s
	}
	return l.s, nil
}

func (l *lazySession) close() {
	if l.s != nil {
		l.s.close()
	}
}

// refresh uses a cached set's refresh token, with the DPoP key the set is
// bound to, and checks what comes back as oidc refresh does.
func (l *lazySession) refresh(ctx context.Context, cur *cache.Tokens) (*flow.Obtained, error) {
	sess, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	// The set is bound to the key cached with it: that one, not a key
	// this run made; for this refresh only (a login after it binds its
	// tokens to the run's key, which is the one it records).
	if prev := sess.client.DPoP; len(cur.DPoPKey) > 0 {
		defer func() { sess.client.DPoP = prev }()
		var k jose.JSONWebKey
		err := k.UnmarshalJSON(cur.DPoPKey)
		var d *flow.DPoP
		if err == nil {
			d, err = flow.NewDPoP(k)
		}
		if err != nil {
			return nil, fmt.Errorf("the cached DPoP key: %v", err)
		}
		sess.client.DPoP = d
	}
	got := &flow.Obtained{DPoPKey: cur.DPoPKey}
	fr := l.gc.request(l.io)
	// No scope: the refresh keeps what was granted (RFC 6749 6); asking
	// for the login's request again fails where less was granted.
	fr.Scopes = nil
	fr.OnTokens = func(tr *flow.TokenResponse) { got.Tokens = tr }
	rep, err := sess.client.RunRefresh(ctx, flow.RefreshRequest{FlowRequest: fr, RefreshToken: cur.RefreshToken, Original: cur.OriginalIDToken, OriginalAt: cur.Obtained})
	if err != nil {
		return nil, err
	}
	got.Report = rep
	return got, nil
}

// waitingLine says on stderr that another oidc holds the tokens' lock.
func waitingLine(io *IO, g *GlobalOptions) func() {
	return func() {
		progressLine(io, g)("waiting for another oidc that is refreshing or logging in for the same tokens")
	}
}

// resolveCached resolves the client flags of a command that works on the
// token cache: the issuer and client name the tokens; the secret and key
// wait until a request needs them.
func (c *clientFlags) resolveCached(ctx context.Context, io *IO, alternative string) error {
	c.deferCredentials = true
	if err := c.resolve(ctx, io); err != nil {
		return err
	}
	if c.Issuer == "" || c.ClientID == "" {
		return usageError("%s--profile NAME, or --issuer and --client-id, are required (or $OIDC_PROFILE, or $OIDC_ISSUER and $OIDC_CLIENT_ID)", alternative)
	}
	return nil
}
