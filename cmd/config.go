package cmd

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/internal/cache"
	"github.com/oidcdev/oidc/internal/config"
	"github.com/oidcdev/oidc/render"
)

// loginScope is what login (and token, which logs in the same way) asks
// for unless told.
const loginScope = "openid profile email"

func newConfigCmd(io *IO, g *GlobalOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Show the config file's path and its profiles",
		Long: `The config file holds named profiles: an issuer, a client and what to ask
for, so that --profile NAME (or $OIDC_PROFILE) stands for those flags in
every command; flags given override it. oidc login --save NAME writes one.
The file is $OIDC_CONFIG, or oidc/config.yaml in the user config
directory. README describes its fields; an unknown field is an error.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	var out outputFlags
	path := &cobra.Command{
		Use:   "path",
		Short: "Print the config file's path",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			p, err := config.Path(io.Getenv)
			if err != nil {
				return usageError("%v", err)
			}
			return writeLines(io, p)
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the profiles, with the state of each one's cached tokens",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return runConfigList(io, g, &out) },
	}
	out.add(list.Flags(), false)
	var showOut outputFlags
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Print a profile (secrets as the references the file has)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(c *cobra.Command, args []string) error { return runConfigShow(c, io, &showOut, args[0]) },
	}
	showOut.add(show.Flags(), false)
	for _, sub := range []*cobra.Command{path, list, show} {
		run := sub.RunE
		sub.RunE = func(c *cobra.Command, args []string) error {
			g.ran = true
			return run(c, args)
		}
		c.AddCommand(sub)
	}
	return c
}

func writeLines(io *IO, lines ...string) error {
	if _, err := io.Out.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
		return outputError(err)
	}
	return nil
}

func loadConfig(io *IO) (*config.File, error) {
	path, err := config.Path(io.Getenv)
	if err != nil {
		return nil, usageError("%v", err)
	}
	f, err := config.Load(path)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return f, nil
}

// profileKey is the cache key of a profile's tokens, as login and token
// with no more flags make it.
func profileKey(p *config.Profile) cache.TokenKey {
	return tokenKeyOf(p.Issuer, p.ClientID, p.Scope, p.Resource, p.Audience, dpopBinding(p.DPoP, p.DPoPKey))
}

// tokenState says what the cache holds for a profile.
func tokenState(store *cache.TokenStore, p *config.Profile, now time.Time) render.TokenState {
	st := render.TokenState{State: "none"}
	if store == nil {
		return st
	}
	t, err := store.Get(profileKey(p))
	switch {
	case err != nil:
		st.State = "unreadable"
	case t == nil:
	case t.ValidFor(now, 0, false):
		st.State = "valid"
		if !t.Expiry.IsZero() {
			st.Expiry = &t.Expiry
		}
		st.Refreshable = t.RefreshToken != ""
	default:
		st.State = "expired"
		st.Refreshable = t.RefreshToken != ""
	}
	return st
}

func runConfigList(io *IO, g *GlobalOptions, out *outputFlags) error {
	f, err := loadConfig(io)
	if err != nil {
		return err
	}
	store, _ := cache.OpenTokens(io.Getenv("OIDC_CACHE_DIR"))
	now := time.Now()
	list := render.ProfileList{Path: f.Path, Profiles: []render.ProfileRow{}}
	for _, name := range f.Names() {
		p := f.Profiles[name]
		list.Profiles = append(list.Profiles, render.ProfileRow{Name: name, Issuer: p.Issuer, ClientID: p.ClientID, Tokens: tokenState(store, p, now)})
	}
	return writeResult(context.Background(), io, g, out, list, func(pr *render.Printer) { pr.Profiles(list, now) })
}

func runConfigShow(c *cobra.Command, io *IO, out *outputFlags, name string) error {
	f, err := loadConfig(io)
	if err != nil {
		return err
	}
	p, err := f.Profile(name)
	if err != nil {
		return usageError("%v", err)
	}
	if out.structured() {
		return writeResult(c.Context(), io, nil, out, map[string]any{"name": name, "path": f.Path, "profile": p}, nil)
	}
	data, err := config.Marshal(name, p)
	if err != nil {
		return err
	}
	if _, err := io.Out.Write(data); err != nil {
		return outputError(err)
	}
	return nil
}

// writeResult prints v as JSON when asked, else for people.
func writeResult(ctx context.Context, io *IO, g *GlobalOptions, out *outputFlags, v any, human func(*render.Printer)) error {
	if out.structured() {
		jq, err := out.jq()
		if err != nil {
			return err
		}
		jw := render.NewJSONWriter(io.Out, jq, io.OutTTY)
		if err := jw.Write(ctx, v); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		if err := jw.Flush(); err != nil {
			return outputError(err)
		}
		return nil
	}
	p := render.NewPrinter(io.Out, io.OutTheme(g), io.Width)
	human(p)
	if err := p.Flush(); err != nil {
		return outputError(err)
	}
	return nil
}
