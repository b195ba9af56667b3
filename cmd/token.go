package cmd

import (
	"bufio"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/internal/cache"
	"github.com/oidcdev/oidc/render"
)

// TokenOptions are the flags of `oidc token`: login's, since it logs in
// the same way when it must, and its own.
type TokenOptions struct {
	LoginOptions
	MinValid time.Duration
	IDToken  bool
	Format   string
	Login    bool
	NoLogin  bool
	Wait     time.Duration
	// Action is git's credential helper action (get, store, erase).
	Action string
}

// tokenFormats are --output's values.
var tokenFormats = []string{render.TokenBare, render.TokenHeader, render.TokenEnv, render.TokenJSON, render.TokenKubernetes, render.TokenGit}

func newTokenCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &TokenOptions{LoginOptions: LoginOptions{grantCmd: grantCmd{Global: g}}}
	c := &cobra.Command{
		Use:   "token --profile NAME",
		Short: "Print a valid access token (or ID token) for scripts, kubectl and git: cached, refreshed or logged in",
		Long: `Token prints a token for a profile (or for --issuer and --client-id): from
the cache when it is valid for --min-valid more, else refreshed with the
cached refresh token, else from a login. A login happens only when a
person is there (stdin and stderr are terminals) or --login asks for it;
otherwise token exits 1 with "login required".

What it hands out it has verified: tokens enter the cache only when every
check of oidc login passed, and a refreshed ID token must match the
login's (OIDC Core 12.2). Of many oidc token runs that find the token
stale at once, one refreshes and the others wait for it and print its
token.

Tokens are cached per issuer, client, scopes, resource, audience and DPoP
key (none, one made at login, or a --dpop-key file), in
files readable by you only ($OIDC_CACHE_DIR/tokens, or the user cache
directory's oidc/tokens).

Output (--output): token (the bare token; a newline only on a terminal),
header (an Authorization header line), env (shell export lines), json,
kubernetes (an ExecCredential for kubectl's exec plugin, in the API
version kubectl asks for), git (git's credential helper protocol: use
oidc token as a helper; "get" prints the token, "erase" drops a token a
server refused).`,
		Example: `  curl -H "Authorization: Bearer $(oidc token --profile work)" https://api.example.com/
  curl -H @<(oidc token --profile work -o header) https://api.example.com/
  eval "$(oidc token --profile work -o env)"
  oidc token --profile work --id-token -o kubernetes   # in a kubeconfig, see README
  git config credential.https://git.example.com.helper '!oidc token --profile work -o git'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Action = args[0]
			}
			return runToken(c.Context(), opts, io)
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.Format, "output", "o", "", "how to print it: "+orList(tokenFormats)+" (default token, or the profile's output)")
	f.BoolVar(&opts.IDToken, "id-token", false, "print the ID token, not the access token")
	f.DurationVar(&opts.MinValid, "min-valid", time.Minute, "a cached token must be valid for this much longer, else it is refreshed")
	f.BoolVar(&opts.Login, "login", false, "log in when needed even when stdin is not a terminal (the browser or device flow still needs you)")
	f.BoolVar(&opts.NoLogin, "no-login", false, noLoginHelp)
	f.DurationVar(&opts.Wait, "wait", 2*time.Minute, "how long to wait for another oidc refreshing or logging in for the same tokens")
	opts.addLoginFlags(f)
	return c
}

func runToken(ctx context.Context, opts *TokenOptions, io *IO) error {
	if err := opts.Client.resolveCached(ctx, io, ""); err != nil {
		return err
	}
	format := opts.Format
	if format == "" && opts.Client.profile != nil {
		format = opts.Client.profile.Output
	}
	if opts.Output.JSON {
		if format != "" && format != render.TokenJSON && opts.flags.Changed("output") {
			return usageError("--json and --output %s: choose one", format)
		}
		format = render.TokenJSON
	}
	if opts.Output.JQ != "" {
		format = render.TokenJSON
	}
	if format == "" {
		format = render.TokenBare
	}
	if format == "exec-credential" {
		format = render.TokenKubernetes
	}
	if !slices.Contains(tokenFormats, format) {
		if !opts.flags.Changed("output") && opts.Client.profile != nil && format == opts.Client.profile.Output {
			// Not typed: say where it came from, as a profile's flag values do.
			return usageError("%s: profile %s: output: %q: use %s", opts.Client.configPath, opts.Client.Profile, format, orList(tokenFormats))
		}
		return usageError("--output %q: use %s", format, orList(tokenFormats))
	}
	if opts.Action != "" && format != render.TokenGit {
		return usageError("%q: only --output git takes an argument (git's get, store or erase)", opts.Action)
	}
	if opts.Login && opts.NoLogin {
		return usageError("--login and --no-login: choose one")
	}
	if opts.MinValid < 0 {
		return usageError("--min-valid must not be negative")
	}
	if opts.Wait <= 0 {
		return usageError("--wait must be positive")
	}
	jq, err := opts.Output.jq()
	if err != nil {
		return err
	}
	var kube *render.ExecInfo
	if format == render.TokenKubernetes {
		if kube, err = render.ParseExecInfo(io.Getenv("KUBERNETES_EXEC_INFO")); err != nil {
			return usageError("$KUBERNETES_EXEC_INFO: %v", err)
		}
	}
	var gitReq *render.GitRequest
	if format == render.TokenGit {
		switch opts.Action {
		case "get", "store", "erase":
		case "":
			return usageError("--output git: give git's action (get, store or erase); git does, when oidc token is its credential helper")
		default:
			return usageError("git credential action %q: get, store or erase", opts.Action)
		}
		if gitReq, err = readGitRequest(ctx, io); err != nil {
			return err
		}
		if why := gitReq.Refused(); why != "" && opts.Action == "get" {
			// Answer nothing: git asks its other helpers, or the user.
			render.WarnLine(io.Err, io.ErrTheme(opts.Global), why)
			return nil
		}
	}
	store, err := openTokens(io)
	if err != nil {
		return err
	}
	key := opts.tokenKey()
	if format == render.TokenGit && opts.Action != "get" {
		if opts.Action == "erase" {
			// The server refused the token: the next get must not hand it out again.
			return forgetAccessToken(store, key)
		}
		return nil // store: oidc keeps its own tokens
	}

	warn := func(msg string) { render.WarnLine(io.Err, io.ErrTheme(opts.Global), msg) }
	sess := &lazySession{gc: &opts.grantCmd, io: io}
	defer sess.close()
	req := flow.CachedRequest{Store: store, Key: key, Profile: opts.Client.Profile, MinValid: opts.MinValid, IDToken: opts.IDToken,
		Wait: opts.Wait, Warn: warn, Waiting: waitingLine(io, opts.Global), Refresh: sess.refresh}
	if opts.interactive(io, kube, gitReq) {
		req.Login = func(ctx context.Context) (*flow.Obtained, error) {
			s, err := sess.get(ctx)
			if err != nil {
				return nil, err
			}
			progressLine(io, opts.Global)("logging in: no valid or refreshable token cached")
			return opts.login(ctx, io, s)
		}
	}
	res, err := flow.CachedToken(ctx, req)
	if err != nil {
		return tokenError(err)
	}
	if res.Source == flow.FromLogin {
		progressLine(io, opts.Global)("logged in: every check passed; the tokens are cached in %s", res.Path)
	}
	t := res.Tokens
	if tok := map[bool]string{true: t.IDToken, false: t.AccessToken}[opts.IDToken]; !b64token(tok) {
		return fmt.Errorf("the issuer's token has characters outside RFC 6750's b64token: not printed, it could inject lines into a header, shell or git")
	}
	out := render.TokenOut{Profile: opts.Client.Profile, Issuer: t.Key.Issuer, ClientID: t.Key.ClientID, Source: res.Source, CacheFile: res.Path,
		Kind: "access_token", Token: t.AccessToken, Type: t.TokenType, Expiry: t.Expiry, Scope: t.Scope}
	if opts.IDToken {
		out.Kind, out.Token, out.Type, out.Expiry = "id_token", t.IDToken, "", t.IDTokenExpiry
	}
	if strings.EqualFold(out.Type, "DPoP") && format != render.TokenJSON {
		warn("this access token is bound to a DPoP key: each request needs a DPoP proof besides it (RFC 9449 7.1); a Bearer header alone is refused")
	}
	return render.Token(io.Out, format, out, render.TokenOutOptions{TTY: io.OutTTY, JQ: jq, Exec: kube, Git: gitReq})
}

// b64token: RFC 6750 2.1's token characters, so the token cannot break a
// header line, a shell export or git's key=value lines.
func b64token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/=", c) >= 0) {
			return false
		}
	}
	return true
}

// interactive: a login may happen, with a person to do it.
func (opts *TokenOptions) interactive(io *IO, kube *render.ExecInfo, git *render.GitRequest) bool {
	switch {
	case opts.NoLogin:
		return false
	case opts.Login:
		return true
	case kube != nil && kube.Given:
		// kubectl says whether it handed over the terminal.
		return kube.Interactive && io.ErrTTY
	case git != nil:
		// git's pipe is stdin; the person is on stderr's terminal.
		return io.ErrTTY
	}
	return io.InTTY && io.ErrTTY
}

// tokenError maps the cache's errors to exit codes: a login needed or a
// token that failed its checks is 1 (a check failed), as scripts expect.
func tokenError(err error) error {
	switch err.(type) {
	case *flow.LoginRequiredError, *flow.ChecksFailedError, *flow.BusyError:
		return &ExitError{Code: ExitCheckFailed, Err: err}
	}
	return err
}

// forgetAccessToken drops the cached access token (keeping the refresh
// token), for git's erase: the next get refreshes.
func forgetAccessToken(store *cache.TokenStore, key cache.TokenKey) error {
	unlock, err := store.Lock(context.Background(), key, 10*time.Second, nil)
	if err != nil {
		return err
	}
	defer unlock()
	t, err := store.Get(key)
	if err != nil || t == nil {
		return err
	}
	if t.RefreshToken == "" {
		return store.Delete(key)
	}
	t.AccessToken, t.Expiry = "", time.Time{}
	return store.Put(t)
}

// readGitRequest reads git's attributes (key=value lines up to a blank
// line or the end), bounded: git writes them and closes.
func readGitRequest(ctx context.Context, io *IO) (*render.GitRequest, error) {
	req := &render.GitRequest{}
	if io.InTTY {
		return req, nil // run by hand: no attributes to wait for
	}
	data, err := readAll(ctx, io.In, "stdin")
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, usageError("git credential input: %q is not key=value", line)
		}
		switch {
		case k == "capability[]":
			req.Capabilities = append(req.Capabilities, v)
		case k == "protocol", k == "host", k == "path", k == "username":
			req.Attrs = append(req.Attrs, [2]string{k, v})
		}
	}
	return req, nil
}
