package cmd

import (
	"testing"

	"github.com/spf13/pflag"

	"github.com/oidcdev/oidc/internal/config"
)

func TestNearestFlags(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	for _, n := range []string{"issuer", "client-id", "client-secret", "jq", "json", "time"} {
		fs.String(n, "", "")
	}
	fs.String("old-name", "", "")
	fs.Lookup("old-name").Hidden = true
	for typed, want := range map[string]string{
		"isuer":     "issuer",
		"issuer_":   "issuer",
		"client_id": "client-id",
		"CLIENT_ID": "client-id",
		"jqq":       "jq",
		"jsn":       "json",
		"old-nam":   "", // hidden flags are not suggested
		"x":         "",
		"tim":       "time",
		"zzzzzz":    "",
	} {
		got := nearestFlags(fs, typed)
		switch {
		case want == "" && len(got) != 0:
			t.Errorf("%s: got %v, want nothing", typed, got)
		case want != "" && (len(got) != 1 || got[0] != want):
			t.Errorf("%s: got %v, want %s", typed, got, want)
		}
	}
	if got := nearestFlags(fs, "jsoq"); len(got) != 1 || got[0] != "json" {
		t.Errorf("jsoq: %v", got)
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"a", "", 1}, {"isuer", "issuer", 1}, {"kitten", "sitting", 3}, {"jq", "json", 3}} {
		if got := config.EditDistance(c.a, c.b); got != c.d {
			t.Errorf("%q %q: %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
