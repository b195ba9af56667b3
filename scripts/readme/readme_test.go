// Package readme checks that README.md's commands run as written.
package readme

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// notRun are the README blocks this test does not run, by their first
// line, each with why; any other block runs. A new block must be run or
// put here.
var notRun = map[string]string{
	"go install github.com/oidcdev/oidc/cmd/oidc@latest":                                                "the module is not published yet (README says so)",
	"oidc login --issuer https://accounts.google.com --client-id 1234.apps.googleusercontent.com":       "needs a Google client and a person",
	`OIDC_CLIENT_SECRET=... oidc cc --issuer "$ISS" --client-id svc --resource https://api.example.com`: "a template for your own issuer",
	"git config --global credential.https://git.example.com.helper '!oidc token --profile work -o git'": "changes the user's git config; token.txtar runs oidc as git's helper",
	"oidc serve                          # http://127.0.0.1:9400":                                       "serves until Ctrl-C; the --background blocks run it",
	"go test ./...": "this is that command",
	"go test ./decode -run XXX -fuzz FuzzInput -fuzztime 1m": "ten minutes of fuzzing",
}

// notRunLines are lines of run blocks that are another shell's.
var notRunLines = []string{`"${fpath[1]}/_oidc"`, "Invoke-Expression"}

var expectExit = regexp.MustCompile(`^# exit (\d+)`)

// TestREADMECommands runs every sh block of README.md from the
// repository's root as a new user would: with the oidc that the block
// `go install ./cmd/oidc` puts on the PATH, a home of its own, each line's
// exit code checked (0, or what a "# exit N" comment under it says).
func TestREADMECommands(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: README's commands build and run oidc")
	}
	root, _ := filepath.Abs("../..")
	blocks := shBlocks(t, filepath.Join(root, "README.md"))
	home := t.TempDir()
	gobin := filepath.Join(home, "go", "bin")
	// Go's own caches and settings stay the user's: under a new HOME, go
	// install would fetch and build everything again, and leave a
	// read-only module cache that the temporary directory cannot remove.
	goenv, err := exec.Command("go", "env", "GOPATH", "GOMODCACHE", "GOCACHE", "GOENV").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	vals := strings.Split(strings.TrimSpace(string(goenv)), "\n")
	if len(vals) != 4 {
		t.Fatalf("go env: %q", goenv)
	}
	env := append(os.Environ(), "GOPATH="+vals[0], "GOMODCACHE="+vals[1], "GOCACHE="+vals[2], "GOENV="+vals[3])
	env = append(env, "HOME="+home, "GOBIN="+gobin, "PATH="+gobin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"OIDC_CONFIG=", "OIDC_CACHE_DIR=", "OIDC_PROFILE=", "OIDC_ISSUER=", "OIDC_CLIENT_ID=", "NO_COLOR=1")
	ran := 0
	for _, b := range blocks {
		if why, ok := notRun[b.lines[0]]; ok {
			t.Logf("README line %d not run: %s", b.start, why)
			continue
		}
		if strings.Contains(strings.Join(b.lines, "\n"), "oidc serve --background --auto-approve") && !portFree(9400) {
			t.Errorf("README line %d needs port 9400, which is in use", b.start)
			continue
		}
		script := b.script()
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir, cmd.Env = root, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("README block at line %d: %v\n%s", b.start, err, out)
		}
		ran++
	}
	if ran < 6 {
		t.Fatalf("ran %d blocks of README", ran)
	}
	// The completion block wrote where it said.
	for _, f := range []string{".local/share/bash-completion/completions/oidc", ".config/fish/completions/oidc.fish"} {
		if st, err := os.Stat(filepath.Join(home, f)); err != nil || st.Size() == 0 {
			t.Errorf("README's completion block wrote no ~/%s", f)
		}
	}
}

type block struct {
	start int // README line of the first command
	lines []string
}

func shBlocks(t *testing.T, path string) []block {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []block
	var cur *block
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(line) == "```sh":
			cur = &block{start: n + 1}
		case cur != nil && strings.TrimSpace(line) == "```":
			if len(cur.lines) > 0 {
				blocks = append(blocks, *cur)
			}
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, line)
		}
	}
	return blocks
}

// script is the block as one bash script that checks each command's exit
// code where it ends, and stops what it started in the background.
func (b block) script() string {
	var s strings.Builder
	s.WriteString("trap '[ -n \"$OIDC_SERVE_PID\" ] && kill \"$OIDC_SERVE_PID\" 2>/dev/null' EXIT\n")
	var cmd []string
	first := 0
	for i := 0; i < len(b.lines); i++ {
		line := b.lines[i]
		trimmed := strings.TrimSpace(line)
		if len(cmd) == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if len(cmd) == 0 {
			first = b.start + i
		}
		cmd = append(cmd, line)
		if strings.HasSuffix(line, `\`) {
			continue
		}
		full := strings.Join(cmd, "\n")
		cmd = nil
		if skipped(full) {
			continue
		}
		want := "0"
		if i+1 < len(b.lines) {
			if m := expectExit.FindStringSubmatch(strings.TrimSpace(b.lines[i+1])); m != nil {
				want = m[1]
			}
		}
		fmt.Fprintf(&s, "%s\nrc=$?; [ $rc -eq %s ] || { echo \"README line %d: exit $rc, want %s\" >&2; exit 1; }\n", full, want, first, want)
	}
	return s.String()
}

func skipped(cmd string) bool {
	for _, l := range notRunLines {
		if strings.Contains(cmd, l) {
			return true
		}
	}
	return false
}

func portFree(port int) bool {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}
