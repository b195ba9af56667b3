package cmd

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// ownDefault are the flags whose meaning is the same everywhere but whose
// default is each command's: serve listens on 9400, login on a free port;
// a login asks for openid scopes, a machine client for none.
var ownDefault = map[string]bool{"port": true, "timeout": true, "scope": true}

// TestSameFlagSameMeaning: a flag name means the same thing in every
// command that has it: the same help text, the same type and default.
func TestSameFlagSameMeaning(t *testing.T) {
	root := newRootCmd(&IO{In: strings.NewReader(""), Out: &strings.Builder{}, Err: &strings.Builder{}, Getenv: func(string) string { return "" }}, &GlobalOptions{}, "")
	type seen struct {
		cmd   string
		usage string
		typ   string
		def   string
	}
	flags := map[string]seen{}
	for _, c := range root.Commands() {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden {
				return
			}
			s := seen{c.Name(), f.Usage, f.Value.Type(), f.DefValue}
			prev, ok := flags[f.Name]
			if !ok {
				flags[f.Name] = s
				return
			}
			if prev.usage != s.usage || prev.typ != s.typ || prev.def != s.def && !ownDefault[f.Name] {
				t.Errorf("--%s differs:\n  %s: %q (%s, default %q)\n  %s: %q (%s, default %q)", f.Name, prev.cmd, prev.usage, prev.typ, prev.def, s.cmd, s.usage, s.typ, s.def)
			}
		})
	}
}
