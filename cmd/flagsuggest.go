package cmd

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oidcdev/oidc/internal/config"
)

// flagError is cobra's error for a flag it could not parse, with the
// nearest flag of the command suggested when the flag is unknown: a typo
// (--isuer), an underscore for a dash (--client_id), a long flag written
// with one dash (-issuer).
func flagError(c *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	if !errors.As(err, &ne) {
		return err
	}
	typed := ne.GetSpecifiedName()
	if short := ne.GetSpecifiedShortnames(); short != "" {
		// -issuer: pflag read it as the shorthands i, s, s, ...
		if f := c.Flags().Lookup(normalFlagName(short)); f != nil && !f.Hidden && len(short) > 1 {
			return fmt.Errorf("%w; did you mean --%s?", err, f.Name)
		}
		return err
	}
	if names := nearestFlags(c.Flags(), typed); len(names) > 0 {
		return fmt.Errorf("%w; did you mean --%s?", err, strings.Join(names, " or --"))
	}
	return err
}

// normalFlagName is a flag name as oidc spells flags: lower case, words
// joined by dashes.
func normalFlagName(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "_", "-")
}

// nearestFlags are the visible flags of fs nearest to typed, within an
// edit distance of 2 (1 for names of up to 4 letters, where 2 would
// suggest anything), the nearest first; several only when equally near.
func nearestFlags(fs *pflag.FlagSet, typed string) []string {
	want := normalFlagName(typed)
	limit := 2
	if len(want) <= 4 {
		limit = 1
	}
	best, names := limit+1, []string(nil)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := config.EditDistance(want, f.Name)
		switch {
		case d > limit:
		case d < best:
			best, names = d, []string{f.Name}
		case d == best:
			names = append(names, f.Name)
		}
	})
	sort.Strings(names)
	return names
}
