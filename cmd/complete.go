package cmd

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/internal/config"
	"github.com/oidcdev/oidc/internal/issuer"
)

// flagValues are the values of flags that take one of a few, by flag
// name: a name means the same thing in every command, so one table serves
// them all. Entries are "value\tdescription".
var flagValues = map[string]func(io *IO) []string{
	"type": fixed(decode.ProfileID+"\tan ID token", decode.ProfileAccess+"\tan access token (RFC 9068)", decode.ProfileLogout+"\ta logout token",
		decode.ProfileUserinfo+"\ta signed userinfo answer", decode.ProfileJOSE+"\tthe signature and encryption only: any payload", "auto\tfrom the token"),
	"auth-method":          func(*IO) []string { return flow.AuthMethods },
	"response-mode":        fixed("query", "form_post"),
	"prompt":               fixed("none", "login", "consent", "select_account"),
	"signing-alg":          fixed("RS256", "PS256", "ES256", "EdDSA"),
	"key-alg":              fixed("ES256", "RS256", "PS256", "EdDSA"),
	"access-token-format":  fixed("jwt\tRFC 9068", "opaque"),
	"method":               fixed("GET", "POST", "PUT", "PATCH", "DELETE"), // userinfo: GET or POST
	"token-type-hint":      fixed("access_token", "refresh_token"),
	"subject-token-type":   tokenTypes,
	"actor-token-type":     tokenTypes,
	"requested-token-type": tokenTypes,
	"output":               func(*IO) []string { return tokenFormats },
	"fault":                faultValues,
	"profile":              profileNames,
}

func fixed(values ...string) func(*IO) []string {
	return func(*IO) []string { return values }
}

func tokenTypes(*IO) []string {
	return []string{"access_token", "refresh_token", "id_token", "jwt", "saml1", "saml2"}
}

// faultValues: a fault that takes a value is offered with its "=".
func faultValues(*IO) []string {
	var out []string
	for spec, help := range issuer.FaultNames() {
		name, _, takesValue := strings.Cut(spec, "=")
		if takesValue {
			name += "="
		}
		out = append(out, name+"\t"+help)
	}
	slices.Sort(out)
	return out
}

func profileNames(io *IO) []string {
	path, err := config.Path(io.Getenv)
	if err != nil {
		return nil
	}
	f, err := config.Load(path)
	if err != nil {
		return nil
	}
	var names []string
	for name := range f.Profiles {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// isCompletion says the command line asks for completions (what the
// shell scripts of oidc completion run): only then are the completion
// functions registered, at no cost to any other run.
func isCompletion(args []string) bool {
	return len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd)
}

// registerCompletions walks the tree: flag values from flagValues, @FILE
// paths for every other flag that takes a value and for arguments, where
// a shell's own file completion stops at the @.
func registerCompletions(root *cobra.Command, io *IO) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.NoOptDefVal != "" { // a switch: no value to complete
				return
			}
			values, ok := flagValues[f.Name]
			if !ok {
				_ = c.RegisterFlagCompletionFunc(f.Name, func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
					if strings.HasPrefix(toComplete, "@") {
						return atFiles(toComplete)
					}
					return nil, cobra.ShellCompDirectiveDefault
				})
				return
			}
			_ = c.RegisterFlagCompletionFunc(f.Name, func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				out := withPrefix(values(io), toComplete)
				// NAME= waits for its value.
				if len(out) == 1 && strings.HasSuffix(strings.Split(out[0], "\t")[0], "=") {
					return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
				}
				return out, cobra.ShellCompDirectiveNoFileComp
			})
		})
		if !c.HasSubCommands() && c.ValidArgsFunction == nil && c.Name() != "help" {
			c.ValidArgsFunction = func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				switch c.CommandPath() {
				case "oidc config show":
					if len(args) == 0 {
						return withPrefix(profileNames(io), toComplete), cobra.ShellCompDirectiveNoFileComp
					}
				case "oidc man":
					return commandNames(root, args, toComplete), cobra.ShellCompDirectiveNoFileComp
				}
				if strings.HasPrefix(toComplete, "@") {
					return atFiles(toComplete)
				}
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// withPrefix keeps the values that start with what is typed.
func withPrefix(values []string, typed string) []string {
	var out []string
	for _, v := range values {
		if strings.HasPrefix(v, typed) {
			out = append(out, v)
		}
	}
	return out
}

// atFiles completes @PATH: the files and directories that start so, each
// with its @ (a directory with its / and no space, to go on).
func atFiles(toComplete string) ([]string, cobra.ShellCompDirective) {
	prefix := strings.TrimPrefix(toComplete, "@")
	matches, _ := filepath.Glob(globQuote(prefix) + "*")
	var out []string
	directive := cobra.ShellCompDirectiveNoFileComp
	for _, m := range matches {
		if strings.HasPrefix(filepath.Base(m), ".") && !strings.HasPrefix(filepath.Base(prefix), ".") {
			continue // hidden, as shells do
		}
		if st, err := os.Stat(m); err == nil && st.IsDir() {
			m += string(filepath.Separator)
			directive |= cobra.ShellCompDirectiveNoSpace
		}
		out = append(out, "@"+m)
	}
	return out, directive
}

// globQuote escapes what filepath.Glob would read as a pattern.
func globQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// commandNames completes oidc man's arguments: the subcommands of what is
// named so far.
func commandNames(root *cobra.Command, args []string, toComplete string) []string {
	c := root
	if len(args) > 0 {
		found, rest, err := root.Find(args)
		if err != nil || len(rest) > 0 {
			return nil
		}
		c = found
	}
	var out []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
			out = append(out, sub.Name()+"\t"+sub.Short)
		}
	}
	return out
}
