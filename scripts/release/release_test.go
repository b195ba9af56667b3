// Package release holds the release's files (the container's Dockerfile,
// the package check) and the test that builds a snapshot of them.
package release

import (
	"os"
	"os/exec"
	"testing"

	"github.com/oidcdev/oidc/internal/e2e"
)

// TestReleaseSnapshot builds the deb, rpm, archives and Homebrew cask with
// goreleaser and checks what the deb installs (check-packages.sh). It
// runs where goreleaser is installed: it is not in Debian, and building it
// would take most of CI's time budget, so CI skips it too, saying so.
func TestMain(m *testing.M) { os.Exit(e2e.Run(m)) }

func TestReleaseSnapshot(t *testing.T) {
	if _, err := exec.LookPath("goreleaser"); err != nil {
		// Not an e2e.Missing: CI does not install it.
		e2e.Record(t.Name(), "goreleaser is not on the PATH", "go install github.com/goreleaser/goreleaser/v2@v2.15.1")
		t.Skip("goreleaser is not on the PATH: the release snapshot (deb, rpm, cask) is not built; go install github.com/goreleaser/goreleaser/v2@v2.15.1 to run it")
	}
	if testing.Short() {
		t.Skip("-short: the release snapshot takes minutes")
	}
	out, err := exec.Command("bash", "check-packages.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Logf("%s", out)
}
