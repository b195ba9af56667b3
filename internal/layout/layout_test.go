// Package layout holds the test that keeps the project's imports pointing
// one way: cmd -> flow, decode, render; flow -> decode; decode and render
// never reach for the network; lipgloss only in render.
package layout

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/oidcdev/oidc/"

// rules: for each top-level directory, the project packages its non-test
// files may import (by prefix), and imports that are forbidden outright.
var rules = map[string]struct {
	allow  []string
	forbid []string
}{
	"decode":   {allow: nil, forbid: []string{"net/http", "net", "os/exec", "github.com/charmbracelet/"}},
	"render":   {allow: []string{"decode"}, forbid: []string{"net/http", "crypto/tls", "golang.org/x/oauth2"}},
	"flow":     {allow: []string{"decode", "internal/"}, forbid: []string{"github.com/charmbracelet/", "github.com/spf13/"}},
	"cmd":      {allow: []string{"cmd", "decode", "flow", "render", "internal/"}, forbid: []string{"github.com/charmbracelet/", "golang.org/x/oauth2", "crypto/tls", "net/http"}},
	"internal": {allow: []string{"internal/", "decode"}, forbid: []string{"github.com/charmbracelet/", "github.com/spf13/"}},
}

func TestImportsPointOneWay(t *testing.T) {
	root := filepath.Join("..", "..")
	for dir, rule := range rules {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if own, ok := strings.CutPrefix(p, module); ok {
					if !allowed(own, rule.allow) {
						t.Errorf("%s imports %s: %s may import only %v of the project", rel, p, dir, rule.allow)
					}
					continue
				}
				for _, bad := range rule.forbid {
					if p == bad || strings.HasSuffix(bad, "/") && strings.HasPrefix(p, bad) {
						t.Errorf("%s imports %s, which does not belong in %s", rel, p, dir)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func allowed(pkg string, allow []string) bool {
	for _, a := range allow {
		if pkg == strings.TrimSuffix(a, "/") || strings.HasPrefix(pkg, strings.TrimSuffix(a, "/")+"/") {
			return true
		}
	}
	return false
}
