package cmd

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/internal/issuer"
	"github.com/oidcdev/oidc/render"
)

// ServeOptions are the flags of `oidc serve`.
type ServeOptions struct {
	Global            *GlobalOptions
	Port              int
	Addr              string
	AllowRemote       bool
	AutoApprove       bool
	Faults            []string
	SigningAlg        string
	AccessTokenFormat string
	TokenTTL          time.Duration
	KeysFile          string
	ConfigFile        string
	DeviceInterval    time.Duration
	PublicURL         string
	TLS               bool
	CAOut             string
	Background        bool
	LogFile           string
	// changed says which flags were given: they win over --config.
	changed func(name string) bool
	// cmd is the parsed command, for the flags a --background child gets.
	cmd *cobra.Command
}

// errStopped is a server stopped by a signal: the normal end, exit 0.
var errStopped = errors.New("stopped")

func newServeCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &ServeOptions{Global: g}
	var faultHelp strings.Builder
	faultNames := issuer.FaultNames()
	for _, name := range sortedKeys(faultNames) {
		fmt.Fprintf(&faultHelp, "  %-19s %s\n", name, faultNames[name])
	}
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run a local OpenID Provider, to log in with no account anywhere or to test a relying party",
		Long: `Serve runs an OpenID Provider on this machine: discovery, JWKS, the
authorization code flow with PKCE, refresh tokens (with offline_access),
client credentials, the device flow (RFC 8628), userinfo, introspection
(RFC 7662), revocation (RFC 7009) and RP-initiated logout. Access tokens are RFC 9068 JWTs (or opaque); a resource
parameter (RFC 8707) sets their audience. Every authorization response
carries iss (RFC 9207).

With no flags it has a public client oidc-cli (any loopback port on
/callback, RFC 8252) and a confidential client oidc-cli-confidential with
the secret oidc-cli-secret, and two users, alice and bob. The login page
shows what the application asked for (PKCE, nonce, scopes, prompt,
acr_values...), and lets you log in as a user or any typed subject, add or
remove claims (JSON, into the ID token, access token and userinfo) and
switch faults for that one login. Consent, device and logout pages work the
same way. --auto-approve logs in the first user at once, with no pages, so
any HTTP client that follows redirects completes a login.

The first line on stdout is OIDC_ISSUER=<issuer URL>, for scripts. Each
request is logged on stderr (or --log-file), one line, without secrets.
Ctrl-C or SIGTERM stops it (exit 0). It keeps serving when stdout or stderr
is a pipe whose reader has gone (| head -1).

--background starts the server as a process of its own and returns once it
is ready, printing lines for eval:
  OIDC_ISSUER=<issuer URL>
  OIDC_SERVE_PID=<process id>   (kill it to stop the server)
  OIDC_SERVE_LOG=<log file>     (--log-file, else a new file in $TMPDIR)
If the server cannot start, stdout is empty and the exit code says why
(2 usage, 3 a port in use or no answer in 10s).

Every flag can also come from the environment, for a container (a CI
service container takes no arguments): $OIDC_SERVE_<FLAG>, e.g.
OIDC_SERVE_PUBLIC_URL=http://oidc:9400, OIDC_SERVE_FAULT=expired,nonce
(comma-separated for a repeatable flag). A flag given wins. Not
--allow-remote: opening the issuer to other machines is always typed.

Faults make it misbehave on purpose (--fault, repeatable):
` + faultHelp.String(),
		Example: `  # a login with no account anywhere
  oidc serve --auto-approve &
  oidc login --issuer http://127.0.0.1:9400 --client-id oidc-cli

  # in a script: a free port; OIDC_ISSUER, OIDC_SERVE_PID, OIDC_SERVE_LOG
  eval "$(oidc serve --background --port 0 --auto-approve)"
  trap 'kill "$OIDC_SERVE_PID"' EXIT

  # test how your app handles an expired ID token and a wrong nonce
  oidc serve --fault expired --fault nonce`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := flagsFromEnv(c.Flags(), "OIDC_SERVE_", io.Getenv); err != nil {
				return err
			}
			opts.changed = c.Flags().Changed
			opts.cmd = c
			if opts.Background {
				return runServeBackground(c.Context(), opts, io)
			}
			return runServe(c.Context(), opts, io)
		},
	}
	f := c.Flags()
	f.IntVar(&opts.Port, "port", 9400, portHelp)
	f.StringVar(&opts.Addr, "addr", "127.0.0.1", "address to listen on; other than loopback needs --allow-remote")
	f.BoolVar(&opts.TLS, "tls", false, "serve https, with a certificate made for this run (for mTLS and bound tokens); its PEM goes to --ca-out")
	f.StringVar(&opts.CAOut, "ca-out", "", "with --tls: write the certificate to trust (--ca-file) to this `file` (default: a new file in $TMPDIR)")
	f.StringVar(&opts.PublicURL, "public-url", "", "the issuer `URL` other machines reach it at (with --allow-remote); default http://ADDR:PORT")
	f.BoolVar(&opts.AllowRemote, "allow-remote", false, "allow a non-loopback --addr (this is a test issuer: anyone can log in)")
	f.BoolVar(&opts.AutoApprove, "auto-approve", false, "log in the first user at once, with no pages")
	f.StringArrayVar(&opts.Faults, "fault", nil, "switch on a fault, `NAME[=VALUE]`; repeatable (see above)")
	f.StringVar(&opts.SigningAlg, "signing-alg", "RS256", "RS256, PS256, ES256 or EdDSA")
	f.StringVar(&opts.AccessTokenFormat, "access-token-format", "jwt", "jwt (RFC 9068) or opaque")
	f.DurationVar(&opts.TokenTTL, "token-ttl", time.Hour, "lifetime of access and ID tokens")
	f.DurationVar(&opts.DeviceInterval, "device-interval", 5*time.Second, "the polling interval the device flow asks for")
	f.StringVar(&opts.ConfigFile, "config", "", "clients, users (with claims), token_ttl, access_token_format, signing_alg from a YAML or JSON `file`")
	f.StringVar(&opts.KeysFile, "keys", "", "keep the signing keys in this `file` (created 0600) across restarts; SIGHUP rotates them")
	f.BoolVar(&opts.Background, "background", false, "start in the background, print OIDC_ISSUER, OIDC_SERVE_PID and OIDC_SERVE_LOG for eval once ready, and return")
	f.StringVar(&opts.LogFile, "log-file", "", "append the request log to this `file` instead of stderr")
	return c
}

func runServe(ctx context.Context, opts *ServeOptions, io *IO) error {
	// File flags take a path, with or without @ (the one rule of args.go).
	opts.ConfigFile, opts.KeysFile, opts.LogFile = filePath(opts.ConfigFile), filePath(opts.KeysFile), filePath(opts.LogFile)
	cfg := issuer.Config{AutoApprove: opts.AutoApprove, SigningAlg: opts.SigningAlg, AccessTokenFormat: opts.AccessTokenFormat,
		TokenTTL: opts.TokenTTL, DeviceInterval: opts.DeviceInterval}
	if opts.AccessTokenFormat != "jwt" && opts.AccessTokenFormat != "opaque" {
		return usageError("--access-token-format %q: use jwt or opaque", opts.AccessTokenFormat)
	}
	if opts.ConfigFile != "" {
		if err := issuer.LoadConfig(opts.ConfigFile, &cfg); err != nil {
			return usageError("--config: %v", err)
		}
		// Flags given on the command line win over the file.
		changed := opts.changed
		if changed == nil {
			changed = func(string) bool { return false }
		}
		if changed("signing-alg") {
			cfg.SigningAlg = opts.SigningAlg
		}
		if changed("access-token-format") {
			cfg.AccessTokenFormat = opts.AccessTokenFormat
		}
		if changed("token-ttl") {
			cfg.TokenTTL = opts.TokenTTL
		}
	}
	for _, spec := range opts.Faults {
		if err := cfg.Faults.Set(spec); err != nil {
			return usageError("--fault: %v", err)
		}
	}
	errTheme := io.ErrTheme(opts.Global)
	if !flow.IsLoopback(opts.Addr) {
		if !opts.AllowRemote {
			return usageError("--addr %s is not loopback: pass --allow-remote to serve a test issuer to other machines", opts.Addr)
		}
		render.WarnLine(io.Err, errTheme, "serving on "+opts.Addr+": this is a TEST issuer, anyone who reaches it can log in as any of its users")
	}
	srv, err := issuer.New(cfg)
	if err != nil {
		return usageError("%v", err)
	}
	if opts.KeysFile != "" {
		loaded, err := srv.LoadKeys(opts.KeysFile)
		if err != nil {
			return usageError("--keys: %v", err)
		}
		if !loaded {
			if err := srv.SaveKeys(opts.KeysFile); err != nil {
				return usageError("--keys: %v", err)
			}
		}
	}
	// After startup, the request log and later messages go to logw.
	logw := io.Err
	var logFile *os.File
	if opts.LogFile != "" {
		logFile, err = os.OpenFile(opts.LogFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return usageError("--log-file: %v", err)
		}
		defer logFile.Close()
		// The banner names the clients' secrets: an existing log keeps
		// its mode otherwise.
		if err := logFile.Chmod(0o600); err != nil {
			return usageError("--log-file: %v", err)
		}
		logw = logFile
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(opts.Addr, strconv.Itoa(opts.Port)))
	if err != nil {
		return &ExitError{Code: ExitNetwork, Err: fmt.Errorf("cannot listen on %s: %v", net.JoinHostPort(opts.Addr, strconv.Itoa(opts.Port)), err)}
	}
	host := opts.Addr
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if opts.PublicURL == "" {
			render.WarnLine(io.Err, errTheme, "the issuer is named after 127.0.0.1: give --public-url for the name other machines use")
		}
	}
	scheme := "http://"
	var caPath string
	if opts.TLS {
		tlsLn, pemCert, err := issuer.ServeTLS(ln, []string{host, "127.0.0.1", "::1", "localhost"})
		if err != nil {
			ln.Close()
			return &ExitError{Code: ExitNetwork, Err: fmt.Errorf("--tls: %v", err)}
		}
		if caPath, err = writeCA(opts.CAOut, pemCert); err != nil {
			ln.Close()
			return usageError("--ca-out: %v", err)
		}
		ln, scheme = tlsLn, "https://"
	}
	srv.SetIssuer(scheme + net.JoinHostPort(host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)))
	if opts.PublicURL != "" {
		if u, err := url.Parse(opts.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			ln.Close()
			return usageError("--public-url %q: an http(s) URL with no query or fragment", opts.PublicURL)
		}
		srv.SetIssuer(opts.PublicURL)
	}

	// SIGTERM must stop the server, not kill it, from the moment its
	// issuer (and, with --background, its pid) is out.
	stop := ctx.Done()
	// A reader of stdout or stderr may go away while the server runs
	// (| head -1): with SIGPIPE caught, such writes fail with EPIPE, which
	// is ignored, instead of killing the server.
	sigpipe := make(chan os.Signal, 1)
	signal.Notify(sigpipe, syscall.SIGPIPE)
	defer signal.Stop(sigpipe)

	// The first line is the contract: scripts read it.
	var banner strings.Builder
	fmt.Fprintf(&banner, "OIDC_ISSUER=%s\n", srv.Issuer())
	if caPath != "" {
		fmt.Fprintf(&banner, "OIDC_SERVE_CA=%s\n", shellQuote(caPath))
	}
	fmt.Fprintf(&banner, "discovery  %s/.well-known/openid-configuration\n", srv.Issuer())
	for _, c := range srv.Config().Clients {
		if c.Secret == "" {
			fmt.Fprintf(&banner, "client     %s (public, PKCE)\n", c.ID)
		} else {
			fmt.Fprintf(&banner, "client     %s (secret %s)\n", c.ID, c.Secret)
		}
	}
	for _, u := range srv.Config().Users {
		fmt.Fprintf(&banner, "user       %s (%s)\n", u.Sub, u.Email)
	}
	if active := cfg.Faults.Active(); len(active) > 0 {
		fmt.Fprintf(&banner, "faults     %s\n", strings.Join(active, ", "))
	}
	fmt.Fprintf(&banner, "try        oidc login --issuer %s --client-id oidc-cli\n", srv.Issuer())
	_, _ = fmt.Fprint(io.Out, banner.String())
	if f, ok := io.Out.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	if logFile != nil {
		// The log says which server wrote it.
		_, _ = fmt.Fprint(logw, banner.String())
	}
	if logFile != nil && io.Getenv(detachedEnv) != "" {
		// A --background child: its stdout and stderr are pipes its parent
		// reads to the end. Pointing them at the log ends them, which
		// tells the parent the server is ready, and keeps anything written
		// later (a panic) where it can be read.
		if err := redirectStdio(logFile); err != nil {
			render.WarnLine(io.Err, errTheme, "--background: "+err.Error())
		}
	}

	logTheme := errTheme
	if logFile != nil {
		logTheme = render.NewTheme(logw, false)
	}
	hs := issuer.NewHTTPServer(srv, func(line string) {
		fmt.Fprintln(logw, logTheme.Dim.Render("oidc serve: ")+render.Sanitize(line))
	})
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case err := <-served:
			return &ExitError{Code: ExitNetwork, Err: err}
		case <-hup:
			// Rotation: new signing keys; the old ones stay published for
			// one more rotation.
			if err := srv.Rotate(); err != nil {
				render.ErrorLine(logw, logTheme, "rotating keys: "+err.Error())
				continue
			}
			if opts.KeysFile != "" {
				if err := srv.SaveKeys(opts.KeysFile); err != nil {
					render.ErrorLine(logw, logTheme, "--keys: "+err.Error())
				}
			}
			fmt.Fprintln(logw, logTheme.Dim.Render("oidc serve: ")+"keys rotated")
		case <-stop:
			shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = hs.Shutdown(shut)
			return errStopped
		}
	}
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// writeCA writes the --tls certificate where clients find it: the file
// named, or a new one in $TMPDIR.
func writeCA(path string, pemCert []byte) (string, error) {
	if path == "" {
		f, err := os.CreateTemp("", "oidc-serve-ca-*.pem")
		if err != nil {
			return "", err
		}
		path = f.Name()
		f.Close()
	}
	path = filePath(path)
	return path, os.WriteFile(path, pemCert, 0o644) // a certificate: public
}

// flagsFromEnv sets each flag not given from $PREFIX<NAME> (--public-url:
// PREFIX_PUBLIC_URL), a repeatable one from a comma-separated list.
func flagsFromEnv(f *pflag.FlagSet, prefix string, getenv func(string) string) error {
	var err error
	f.VisitAll(func(fl *pflag.Flag) {
		// --background from the environment would reach its own child
		// too; --allow-remote opens a test issuer to the network, which a
		// stray variable must never do: it is typed, or in the image's
		// command.
		if fl.Changed || err != nil || fl.Name == "help" || fl.Name == "background" || fl.Name == "allow-remote" {
			return
		}
		name := prefix + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
		v := getenv(name)
		if v == "" {
			return
		}
		values := []string{v}
		if strings.HasSuffix(fl.Value.Type(), "Array") || strings.HasSuffix(fl.Value.Type(), "Slice") {
			values = strings.Split(v, ",")
		}
		for _, one := range values {
			if e := f.Set(fl.Name, strings.TrimSpace(one)); e != nil {
				err = usageError("$%s: %v", name, e)
				return
			}
		}
	})
	return err
}
