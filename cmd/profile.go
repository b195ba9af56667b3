package cmd

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/pflag"

	"github.com/oidcdev/oidc/internal/config"
)

// profileHelp is --profile's text, in every command that talks to an
// issuer.
const profileHelp = "take the issuer, client and the rest from this profile of the config file (default $OIDC_PROFILE); flags given override it"

// applyProfile fills, from the profile the command names, every flag the
// command line did not give: flags first, then the profile, then the
// environment ($OIDC_ISSUER and the like fill only what is left). The
// flags stay unchanged in pflag's sense: Changed still means "typed".
func applyProfile(io *IO, f *pflag.FlagSet, c *clientFlags) error {
	name := c.Profile
	from := "--profile"
	if name == "" {
		name, from = io.Getenv("OIDC_PROFILE"), "$OIDC_PROFILE"
	}
	if name == "" {
		return nil
	}
	if err := config.ValidName(name); err != nil {
		return usageError("%s: %v", from, err)
	}
	file, p, err := loadProfile(io, name)
	if c.profileOptional && errors.Is(err, config.ErrNoProfile) {
		return nil // login --save NAME makes it
	}
	if err != nil {
		return err
	}
	c.Profile, c.profile, c.configPath = name, p, file.Path
	for _, kv := range p.Flags() {
		fl := f.Lookup(kv[0])
		if fl == nil || fl.Changed {
			continue // the command has no such flag, or it was typed
		}
		if err := fl.Value.Set(kv[1]); err != nil {
			return usageError("%s: profile %s: %s: %v", file.Path, name, strings.ReplaceAll(kv[0], "-", "_"), err)
		}
	}
	return nil
}

// loadProfile reads the config file and the named profile; every problem
// is a usage error naming the file.
func loadProfile(io *IO, name string) (*config.File, *config.Profile, error) {
	path, err := config.Path(io.Getenv)
	if err != nil {
		return nil, nil, usageError("%v", err)
	}
	file, err := config.Load(path)
	if err != nil {
		return nil, nil, usageError("%v", err)
	}
	p, err := file.Profile(name)
	if err != nil {
		return nil, nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return file, p, nil
}

// profileSecret resolves the profile's client secret reference, when the
// command line gave none.
func (c *clientFlags) profileSecret(ctx context.Context, io *IO) error {
	if !c.withSecret || c.ClientSecret != "" || c.profile == nil || c.profile.ClientSecret == nil {
		return nil
	}
	s, err := c.profile.ClientSecret.Resolve(ctx, io.Getenv, io.Err)
	if err != nil {
		return usageError("profile %s: %v", c.Profile, err)
	}
	c.ClientSecret, c.secretResolved, c.secretFrom = s, true, secretFromProfile
	return nil
}
