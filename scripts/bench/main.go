// Command bench measures oidc against lower bounds on this machine, in one
// run, and prints a markdown table (also written to scripts/bench/results.md).
//
//	go run ./scripts/bench [-runs 300]
//
// Start-up: whole processes with stdout to a pipe, run round-robin so that
// noise spreads evenly, against a hello-world Go binary (the floor) and a
// bare cobra program (the framework's own cost). Every binary is built as
// a release is: -trimpath -ldflags "-s -w", CGO_ENABLED=0.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

type target struct {
	name string
	bin  string
	args []string
	runs []time.Duration
}

func main() {
	runs := flag.Int("runs", 300, "runs of each command")
	out := flag.String("o", "scripts/bench/results.md", "results file")
	flag.Parse()
	log.SetFlags(0)

	tmp, err := os.MkdirTemp("", "oidc-bench")
	check(err)
	defer os.RemoveAll(tmp)
	build := func(pkg, name string) string {
		bin := filepath.Join(tmp, name)
		c := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, pkg)
		c.Env = append(os.Environ(), "CGO_ENABLED=0")
		c.Stderr = os.Stderr
		check(c.Run())
		return bin
	}
	oidc := build("./cmd/oidc", "oidc")
	hello := build("./scripts/bench/baseline/hello", "hello")
	bare := build("./scripts/bench/baseline/cobra", "cobra")
	idToken := "decode/testdata/samples/id-token.jwt"
	tok, err := os.ReadFile(idToken)
	check(err)
	token := strings.TrimSpace(string(tok))

	targets := []*target{
		{name: "hello-world Go (floor)", bin: hello},
		{name: "bare cobra program", bin: bare, args: []string{"decode"}},
		{name: "oidc decode ID token", bin: oidc, args: []string{"decode", token}},
		{name: "oidc decode --json ID token", bin: oidc, args: []string{"decode", "--json", token}},
		{name: "oidc version", bin: oidc, args: []string{"version"}},
	}
	for _, t := range targets { // warm the page cache
		run(t)
	}
	for i := 0; i < *runs; i++ {
		for _, t := range targets {
			t.runs = append(t.runs, run(t))
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Start-up, %d runs each, stdout to a pipe; %s/%s, %d CPUs, %s.\n\n", *runs, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(&b, "| command | median | min | p90 | ratio to hello-world |\n|---|---|---|---|---|\n")
	floor := median(targets[0].runs)
	for _, t := range targets {
		m := median(t.runs)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.2fx |\n", t.name, ms(m), ms(slices.Min(t.runs)), ms(pct(t.runs, 0.9)), float64(m)/float64(floor))
	}
	fmt.Print(b.String())
	check(os.WriteFile(*out, []byte(b.String()), 0o644))
}

func run(t *target) time.Duration {
	c := exec.Command(t.bin, t.args...)
	stdout, err := c.StdoutPipe()
	check(err)
	start := time.Now()
	check(c.Start())
	_, _ = io.Copy(io.Discard, stdout)
	check(c.Wait())
	return time.Since(start)
}

func median(d []time.Duration) time.Duration { return pct(d, 0.5) }

func pct(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
