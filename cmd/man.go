package cmd

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/internal/version"
)

// The manual pages are made from the command tree by cobra's generator
// (cobra/doc), in a test that fails when they are stale
// (TestManPagesUpToDate): linked into the binary, the generator's
// markdown package alone would add 0.9 ms to every command's start.
//
//go:embed manpages/*.1
var manFS embed.FS

// manDateless is the date the pages are generated with; oidc man puts
// the build's own in its place.
var manDateless = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// newManCmd prints or writes the manual pages, made from the command tree
// itself (cobra's generator), so that they say what --help says.
func newManCmd(io *IO, root *cobra.Command) *cobra.Command {
	var dir string
	var install bool
	c := &cobra.Command{
		Use:   "man [COMMAND...]",
		Short: "Print or install the manual pages",
		Long: `Man prints the manual page of oidc, or of the command named, in roff;
--dir writes every page (oidc.1, oidc-login.1, ...) into a directory, and
--install into your own manual directory, $XDG_DATA_HOME/man/man1
(default ~/.local/share/man/man1), which man finds when ~/.local/bin is on
your PATH. Packages (deb, rpm) install the pages already.`,
		Example: `  oidc man login | man -l -
  oidc man --install
  oidc man --dir /usr/local/share/man/man1`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if install && dir != "" {
				return usageError("--install and --dir: give one")
			}
			if install {
				d, err := userManDir()
				if err != nil {
					return err
				}
				dir = d
			}
			if dir != "" {
				if len(args) > 0 {
					return usageError("--dir and --install write every page; name no command")
				}
				n, err := writeManPages(dir)
				if err != nil {
					return err
				}
				fmt.Fprintf(io.Err, "oidc: wrote %d manual pages to %s\n", n, dir)
				return nil
			}
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				return usageError("no command %q: oidc man takes the name of a command, e.g. oidc man login", strings.Join(args, " "))
			}
			page, err := manPage(manPageName(target))
			if err != nil {
				return err
			}
			if _, err := io.Out.Write(page); err != nil {
				return outputError(err)
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "write every page into this `directory` (made if missing)")
	c.Flags().BoolVar(&install, "install", false, "write every page into $XDG_DATA_HOME/man/man1")
	return c
}

// manPageName is a command's page: oidc-config-show.1.
func manPageName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
}

// manPage is an embedded page dated and versioned by this build (a
// release's date, a checkout's commit), so the same binary always writes
// the same page.
func manPage(name string) ([]byte, error) {
	page, err := manFS.ReadFile("manpages/" + name)
	if err != nil {
		return nil, usageError("no manual page %s: oidc man takes the name of a command, e.g. oidc man login", strings.TrimSuffix(name, ".1"))
	}
	v := version.Get()
	date := ""
	if t, err := time.Parse(time.RFC3339, v.Date); err == nil {
		date = t.Format("Jan 2006")
	}
	old := fmt.Sprintf(`"%s" "oidc" "oidc manual"`, manDateless.Format("Jan 2006"))
	return bytes.Replace(page, []byte(old), []byte(fmt.Sprintf(`"%s" "oidc %s" "oidc manual"`, date, v.Version)), 1), nil
}

// writeManPages writes every page into dir.
func writeManPages(dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	names, err := fs.Glob(manFS, "manpages/*.1")
	if err != nil {
		return 0, err
	}
	for _, n := range names {
		page, err := manPage(filepath.Base(n))
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(n)), page, 0o644); err != nil {
			return 0, err
		}
	}
	return len(names), nil
}

// userManDir is where man looks for a user's own pages (man-db maps
// ~/.local/bin on PATH to ~/.local/share/man).
func userManDir() (string, error) {
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory for --install: %v; use --dir", err)
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "man", "man1"), nil
}
