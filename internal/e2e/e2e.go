// Package e2e is how tests that need real outside parts (Chromium, node
// and its packages, kubectl, git, goreleaser) say they are missing: under
// CI, which installs them, the test fails; elsewhere it skips, and the
// package's test binary ends with one line naming what it skipped and
// what to install, where go test ./... shows it.
package e2e

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// CI says the tests run under CI (CI=true, as CI services set it).
func CI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

var (
	mu      sync.Mutex
	skipped = map[string][]string{} // what is missing and how to get it -> tests
)

// Missing is called by a test whose outside part is missing: under CI it
// fails the test, else records it for the summary and skips it.
// missing says what ("Chromium is not installed"), install how to get it
// ("apt-get install chromium").
func Missing(t testing.TB, missing, install string) {
	t.Helper()
	if CI() {
		t.Fatalf("end-to-end test: %s, and CI installs it (.ci/run): %s", missing, install)
	}
	Record(t.Name(), missing, install)
	t.Skipf("end-to-end test skipped: %s: %s", missing, install)
}

// Record notes a skipped test (a testscript script, which skips itself).
func Record(test, missing, install string) {
	mu.Lock()
	defer mu.Unlock()
	key := missing + " (" + install + ")"
	skipped[key] = append(skipped[key], test)
}

// Summary is the one line naming what was skipped, "" when nothing was.
func Summary() string {
	mu.Lock()
	defer mu.Unlock()
	if len(skipped) == 0 {
		return ""
	}
	var parts []string
	n := 0
	for why, tests := range skipped {
		slices.Sort(tests)
		n += len(tests)
		names := tests
		if len(names) > 3 {
			names = append(names[:3:3], fmt.Sprintf("%d more", len(tests)-3))
		}
		parts = append(parts, strings.Join(names, ", ")+": "+why)
	}
	slices.Sort(parts)
	return fmt.Sprintf("skipped %d end-to-end tests; %s", n, strings.Join(parts, "; "))
}

// Run runs the tests and then writes the summary, returning m.Run's code.
// go test ./... shows a passing package's output only with -v, so the
// line goes to the terminal go test runs on (/dev/tty) when it runs in
// its foreground, else to stdout. A
// cached result repeats nothing: -count=1 runs it again.
func Run(m interface{ Run() int }) int {
	code := m.Run()
	if s := Summary(); s != "" {
		var w io.Writer = os.Stdout
		if tty := foregroundTTY(); tty != nil {
			defer tty.Close()
			w = tty
		}
		fmt.Fprintf(w, "%s: %s\n", pkgName(), s)
	}
	return code
}

// pkgName is the package under test, from the test binary's name
// (cmd.test).
func pkgName() string {
	name := os.Args[0]
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return strings.TrimSuffix(strings.TrimSuffix(name, ".exe"), ".test")
}

// Wrap is a testing.M whose Run also writes the summary, for TestMains
// that hand m to another runner (testscript.Main).
type Wrap struct{ M interface{ Run() int } }

func (w Wrap) Run() int { return Run(w.M) }
