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
	"encoding/json"
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
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"
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
	batchN := flag.Int("batch", 10000, "tokens per algorithm in the batch benchmark")
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
	batch(&b, oidc, tmp, *batchN)
	fmt.Print(b.String())
	check(os.WriteFile(*out, []byte(b.String()), 0o644))
}

// batch verifies n RS256 and n ES256 tokens in one oidc process, and the
// same tokens with go-jose alone on all cores: the lower bound.
func batch(b *strings.Builder, oidc, tmp string, n int) {
	keysData, err := os.ReadFile("decode/testdata/samples/keys.json")
	check(err)
	var set jose.JSONWebKeySet
	check(json.Unmarshal(keysData, &set))
	fmt.Fprintf(b, "\nBatch verify, %d tokens per algorithm, one process, stdout to a pipe.\n\n", n)
	fmt.Fprintf(b, "| algorithm | oidc verify - | tokens/s | peak RSS | go-jose alone, all cores | oidc / go-jose |\n|---|---|---|---|---|---|\n")
	for _, k := range set.Keys {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm), Key: k.Key},
			(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.KeyID))
		check(err)
		tokens := make([]string, n)
		var file strings.Builder
		for i := range tokens {
			obj, err := signer.Sign([]byte(fmt.Sprintf(`{"iss":"https://login.example.com","sub":"user-%d","aud":"oidc-cli","exp":1795604400,"iat":1795600800,"nonce":"n-%d","email":"user%d@example.com","name":"User %d"}`, i, i, i, i)))
			check(err)
			tokens[i], err = obj.CompactSerialize()
			check(err)
			file.WriteString(tokens[i] + "\n")
		}
		in := filepath.Join(tmp, "tokens-"+k.Algorithm)
		check(os.WriteFile(in, []byte(file.String()), 0o644))

		f, err := os.Open(in)
		check(err)
		c := exec.Command(oidc, "verify", "--json", "--jwks", "@decode/testdata/samples/jwks.json", "--issuer", "https://login.example.com",
			"--client-id", "oidc-cli", "--time", "2026-11-25T10:30:00Z", "-")
		c.Stdin = f
		stdout, err := c.StdoutPipe()
		check(err)
		start := time.Now()
		check(c.Start())
		_, _ = io.Copy(io.Discard, stdout)
		check(c.Wait())
		took := time.Since(start)
		f.Close()
		rss := c.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB

		// go-jose alone: parse and verify each token, on every core.
		pub := k.Public()
		start = time.Now()
		var wg sync.WaitGroup
		next := int64(-1)
		for range runtime.NumCPU() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := atomic.AddInt64(&next, 1)
					if i >= int64(n) {
						return
					}
					obj, err := jose.ParseSignedCompact(tokens[i], []jose.SignatureAlgorithm{jose.SignatureAlgorithm(k.Algorithm)})
					check(err)
					_, err = obj.Verify(pub.Key)
					check(err)
				}
			}()
		}
		wg.Wait()
		raw := time.Since(start)
		fmt.Fprintf(b, "| %s | %s | %.0f | %.1f MiB | %s | %.0f%% of the rate |\n", k.Algorithm, ms(took), float64(n)/took.Seconds(),
			float64(rss)/1024, ms(raw), 100*raw.Seconds()/took.Seconds())
	}
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
