// Command bench puts oidc beside the tools people use instead of it, in
// one run on this machine, against lower bounds measured in the same run,
// and prints a markdown table (a full run also writes it to
// scripts/bench/results.md and into README's Performance section).
//
//	go run ./scripts/bench            # the full run: about 10 minutes, more the first time
//	go run ./scripts/bench -quick     # fewer runs and tokens: a smoke test of the harness; writes nothing in the checkout
//
// What it does, in order: builds oidc as a release is built (-trimpath,
// -ldflags "-s -w", CGO_ENABLED=0) with a hello-world Go program and a bare
// cobra program; writes a deterministic corpus (keys committed in
// scripts/bench/testdata, ID-token-like claims, 10,000 tokens per
// algorithm); installs the peers it can get here (peers.go) into a cache
// that later runs reuse; then times each operation with every tool,
// round-robin so that noise spreads evenly, stdout to a pipe. oidc token's
// cache hit, the path behind every kubectl and git call, is timed beside
// oidc decode with a profile logged in to oidc serve in a temporary config
// and cache (token.go); oidc serve's start, until its discovery answers,
// beside a hello-world process's (servestart.go). Peak RSS is
// read by GNU time from one more run of each command: a child's rusage
// counts its parent's memory, and the harness is not small.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// row is one tool doing one operation.
type row struct {
	op, tool, version string
	runs              []time.Duration
	rssKiB            int64
	note              string
	floor             bool // a lower bound, not a tool
	oidc              bool // the oidc row the others are compared with
	failed            string
	rank              int     // where its operation comes in the table
	micro             string  // a lower bound from go test -bench: its name, without -cpu
	tokens            int     // and how many tokens it stands for
	scale             float64 // a loop measured on fewer tokens: times are multiplied by this
	make              func() *exec.Cmd
}

func (r *row) median() time.Duration { return pct(r.runs, 0.5) }

type bench struct {
	runs, batchRuns, loopN int
	quick                  bool
	corpus                 Corpus
	bin                    string // directory of the built binaries
	oidc, hello, cobra     string
	gojose                 string // go-jose alone in one process: a reference for batches
	timeBin                string // GNU time, for peak RSS
	rows                   []*row
	peers                  []Peer
	micro                  map[string]float64 // go test -bench name -> ns/op
	microText              string
	missing                string // why peers are missing, one line each
	commit                 string // what was measured: git describe before the run wrote its results
}

func main() {
	runs := flag.Int("runs", 100, "runs of each single-token command")
	batchRuns := flag.Int("batch-runs", 7, "runs of each batch command")
	loopN := flag.Int("loop", 200, "tokens a one-process-per-token peer is timed on in a batch; the time is scaled to the batch")
	quick := flag.Bool("quick", false, "a quick smoke test: 10 runs, 1,000-token batches; the table is printed, no file written unless -o names one")
	out := flag.String("o", "", "results file (default: "+resultsFile+"; none with -quick)")
	cacheDir := flag.String("cache", "", "cache of the corpus and the peers (default: the user cache directory's oidc-bench)")
	noPeers := flag.Bool("no-peers", false, "measure oidc and the lower bounds only")
	readme := flag.Bool("readme", true, "write the results into README.md's Performance section (not with -quick)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bench: ")
	if _, err := os.Stat("go.mod"); err != nil {
		log.Fatal("run it from the repository's root: go run ./scripts/bench")
	}

	b := &bench{runs: *runs, batchRuns: *batchRuns, loopN: *loopN, quick: *quick}
	sizes := []int{1000, 10000, 100000}
	batchN := 10000
	if b.quick {
		b.runs, b.batchRuns, b.loopN = 10, 2, 20
		sizes, batchN = []int{1000, 10000}, 1000
	}
	if *cacheDir == "" {
		base, err := os.UserCacheDir()
		check(err)
		*cacheDir = filepath.Join(base, "oidc-bench")
	}
	start := time.Now()
	b.commit = gitDescribe()
	b.bin = filepath.Join(*cacheDir, "bin")
	check(os.MkdirAll(b.bin, 0o755))
	b.oidc = b.build("./cmd/oidc", "oidc")
	b.hello = b.build("./scripts/bench/baseline/hello", "hello")
	b.cobra = b.build("./scripts/bench/baseline/cobra", "cobra")
	b.gojose = b.build("./scripts/bench/baseline/gojose", "gojose")

	log.Printf("corpus in %s", filepath.Join(*cacheDir, "corpus"))
	b.corpus = makeCorpus(filepath.Join(*cacheDir, "corpus"), append([]int{batchN}, sizes...))
	b.timeBin = gnuTime()
	if !*noPeers {
		log.Printf("peers in %s", filepath.Join(*cacheDir, "peers"))
		var missing strings.Builder
		b.peers = installPeers(filepath.Join(*cacheDir, "peers"), io.MultiWriter(os.Stderr, &missing))
		b.missing = strings.TrimSpace(missing.String())
	}

	// Every executable the Go linker wrote is copied anew, as an
	// installed binary is written (by tar, cp or a package manager):
	// measured here, a linker-written file starts up to 0.5 ms slower
	// than a plain copy of the same bytes, from how its pages sit in the
	// page cache.
	for _, f := range []string{b.oidc, b.hello, b.cobra, b.gojose} {
		check(refresh(f))
	}
	for _, p := range b.peers {
		for _, f := range p.Built {
			check(refresh(f))
		}
	}

	// The batches run first, after a pause: measured right after builds or
	// thousands of short processes, a batch moved by up to 30% here. Each
	// phase also starts after a pause. The table keeps the order below.
	phases := []func(){
		func() { b.single("decode one token", b.decodeRows()) },
		func() { b.single("verify one RS256 token (key set file)", b.verifyRows()) },
		b.token,
		func() { b.batch(fmt.Sprintf("verify %s RS256 tokens", count(batchN)), "RS256", batchN) },
		func() { b.batch(fmt.Sprintf("verify %s ES256 tokens", count(batchN)), "ES256", batchN) },
		func() { b.scaling(sizes) },
		b.serveStart,
	}
	time.Sleep(10 * time.Second) // builds and installs just ran
	for _, rank := range []int{3, 4, 5, 0, 1, 2, 6} {
		time.Sleep(3 * time.Second)
		first := len(b.rows)
		phases[rank]()
		for _, r := range b.rows[first:] {
			r.rank = rank
		}
	}
	slices.SortStableFunc(b.rows, func(x, y *row) int { return x.rank - y.rank })

	// The in-process lower bounds last: go test's build is the heaviest
	// thing the run does, and what follows it measured noisily.
	b.micros()
	w := outputs(b.quick, *out, *readme)
	if w.micro != "" {
		check(os.WriteFile(w.micro, []byte(b.microText), 0o644))
	}
	for _, r := range b.rows {
		if ns := b.micro[r.micro+"-"+strconv.Itoa(runtime.NumCPU())]; r.micro != "" && ns > 0 {
			r.runs = []time.Duration{time.Duration(ns * float64(r.tokens))}
		}
	}

	report := b.report(time.Since(start))
	fmt.Print(report)
	if w.results != "" {
		check(os.WriteFile(w.results, []byte(report), 0o644))
	}
	if w.readme != "" {
		check(updateReadme(w.readme, report))
	}
}

// resultsFile is where a full run keeps its table.
const resultsFile = "scripts/bench/results.md"

// written are the tracked files a run writes ("" for none).
type written struct{ results, micro, readme string }

// outputs: a full run writes its table, the raw go test -bench output and
// README's Performance section; a smoke run (-quick) leaves the checkout
// as it was, writing only a results file -o names.
func outputs(quick bool, out string, readme bool) written {
	if quick {
		return written{results: out}
	}
	w := written{results: out, micro: "scripts/bench/micro.txt"}
	if w.results == "" {
		w.results = resultsFile
	}
	if readme {
		w.readme = "README.md"
	}
	return w
}

// build compiles pkg as a release is built.
func (b *bench) build(pkg, name string) string {
	bin := filepath.Join(b.bin, name)
	c := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X github.com/oidcdev/oidc/internal/version.version=bench", "-o", bin, pkg)
	c.Env = append(os.Environ(), "CGO_ENABLED=0")
	c.Stderr = os.Stderr
	check(c.Run())
	return bin
}

func (b *bench) oidcCmd(stdin string, args ...string) func() *exec.Cmd {
	return func() *exec.Cmd { return peerCmd(stdin, b.oidc, args...) }
}

func (b *bench) verifyArgs(extra ...string) []string {
	return append([]string{"verify", "--jwks", "@" + b.corpus.JWKS(), "--issuer", b.corpus.Issuer, "--audience", b.corpus.Audience}, extra...)
}

func (b *bench) decodeRows() []*row {
	c := b.corpus
	tok := readToken(c.Token("RS256"))
	rows := []*row{
		{tool: "hello-world Go (lower bound)", floor: true, make: func() *exec.Cmd { return exec.Command(b.hello) }},
		{tool: "oidc decode", oidc: true, make: b.oidcCmd("", "decode", tok)},
		{tool: "oidc decode --json", make: b.oidcCmd("", "decode", "--json", tok)},
		{tool: "bare cobra program (reference)", make: func() *exec.Cmd { return exec.Command(b.cobra, "decode") }},
	}
	for _, p := range b.peers {
		if p.Decode != nil {
			rows = append(rows, &row{tool: p.Name, version: p.Version, make: func() *exec.Cmd { return p.Decode(c) }})
		}
	}
	return rows
}

func (b *bench) verifyRows() []*row {
	c := b.corpus
	rows := []*row{
		{tool: "hello-world Go (lower bound)", floor: true, make: func() *exec.Cmd { return exec.Command(b.hello) }},
		{tool: "oidc verify", oidc: true, make: b.oidcCmd("", b.verifyArgs(readToken(c.Token("RS256")))...)},
	}
	for _, p := range b.peers {
		if p.Verify != nil && p.Verify(c, "RS256") != nil {
			rows = append(rows, &row{tool: p.Name, version: p.Version, make: func() *exec.Cmd { return p.Verify(c, "RS256") }})
		}
	}
	return rows
}

// single times one-token commands, round-robin.
func (b *bench) single(op string, rows []*row) {
	log.Printf("%s: %d tools x %d runs", op, len(rows), b.runs)
	for _, r := range rows {
		r.op = op
	}
	b.roundRobin(rows, b.runs)
	b.rows = append(b.rows, rows...)
}

// roundRobin warms every row that runs a command, then runs each in turn,
// runs times, so that the machine's noise falls on all of them alike. A
// command that fails is reported, not timed.
func (b *bench) roundRobin(rows []*row, runs int) {
	for _, r := range rows {
		if r.make != nil {
			if err := b.warm(r); err != nil {
				r.failed = err.Error()
			}
		}
	}
	for range runs {
		for _, r := range rows {
			if r.make == nil || r.failed != "" {
				continue
			}
			d, err := timeRun(r.make())
			if err != nil {
				r.failed = err.Error()
				continue
			}
			r.runs = append(r.runs, d)
		}
	}
}

// warm runs a command once (the page cache, the tool's own caches), checks
// that it succeeds, and reads its peak RSS.
func (b *bench) warm(r *row) error {
	if _, err := timeRun(r.make()); err != nil {
		return err
	}
	kib, err := b.peakRSS(r.make())
	r.rssKiB = kib
	return err
}

// batch verifies n tokens of alg with every tool, in one process where the
// tool can read many tokens, else one process per token.
func (b *bench) batch(op, alg string, n int) {
	c := b.corpus
	file := c.Tokens(alg, n)
	rows := []*row{
		{tool: fmt.Sprintf("go-jose alone, %d cores, in process (lower bound)", runtime.NumCPU()), floor: true,
			micro: "RawGoJose/" + alg, tokens: n, note: "go test -bench RawGoJose: parse and verify only"},
		{tool: "oidc verify -", oidc: true, note: "one line per token", make: b.oidcCmd(file, b.verifyArgs("-")...)},
		{tool: "oidc verify --json -", note: "a full JSON document per token", make: b.oidcCmd(file, b.verifyArgs("--json", "-")...)},
		{tool: "go-jose alone, one process (reference)", note: "scripts/bench/baseline/gojose: signatures only, no claims, no output per token",
			make: func() *exec.Cmd { return peerCmd(file, b.gojose, c.JWKS(), alg) }},
	}
	var loops []*row
	for _, p := range b.peers {
		switch {
		case p.Batch != nil:
			rows = append(rows, &row{tool: p.Name, version: p.Version, note: "one process reads every token", make: func() *exec.Cmd { return p.Batch(c, alg, n) }})
		case p.Verify != nil && p.Verify(c, alg) != nil:
			m := min(b.loopN, n)
			loops = append(loops, &row{tool: p.Name, version: p.Version, scale: float64(n) / float64(m),
				note: fmt.Sprintf("one process per token, %d at a time; %s timed, scaled to %s", runtime.NumCPU(), count(m), count(n)),
				make: func() *exec.Cmd { return p.Verify(c, alg) }})
		}
	}
	log.Printf("%s: %d tools x %d runs, %d one-process-per-token tools", op, len(rows)-1, b.batchRuns, len(loops))
	for _, r := range rows {
		r.op = op
	}
	b.roundRobin(rows, b.batchRuns)
	for _, r := range loops {
		r.op = op
		if err := b.warm(r); err != nil {
			r.failed = err.Error()
			continue
		}
		d, err := loop(r.make, min(b.loopN, n))
		if err != nil {
			r.failed = err.Error()
			continue
		}
		r.runs = []time.Duration{time.Duration(float64(d) * r.scale)}
	}
	b.rows = append(b.rows, rows...)
	b.rows = append(b.rows, loops...)
}

// loop runs mk n times, NumCPU at a time: the fastest honest way a shell
// user has (xargs -P) to put a one-token tool through a batch.
func loop(mk func() *exec.Cmd, n int) (time.Duration, error) {
	start := time.Now()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if _, err := timeRun(mk()); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), first
}

// scaling runs oidc on growing batches: time should grow linearly and
// memory not at all.
func (b *bench) scaling(sizes []int) {
	runs := max(1, b.batchRuns-2)
	for _, n := range sizes {
		op := fmt.Sprintf("scaling: verify %s RS256 tokens", count(n))
		file := b.corpus.Tokens("RS256", n)
		rows := []*row{
			{op: op, tool: "oidc verify -", oidc: true, make: b.oidcCmd(file, b.verifyArgs("-")...)},
			{op: op, tool: "oidc verify --json -", make: b.oidcCmd(file, b.verifyArgs("--json", "-")...)},
		}
		rows = append([]*row{{op: op, tool: fmt.Sprintf("go-jose alone, %d cores, in process (lower bound)", runtime.NumCPU()), floor: true,
			micro: "RawGoJose/RS256", tokens: n}}, rows...)
		log.Printf("%s", op)
		b.roundRobin(rows, runs)
		b.rows = append(b.rows, rows...)
	}
}

// micros runs the in-process micro-benchmarks of decode/ on the corpus:
// go-jose alone (the lower bound) and decode.Verify, on one core and on
// all of them. The raw output is benchstat's input format.
func (b *bench) micros() {
	log.Printf("go test -bench in decode/")
	cpus := "1," + strconv.Itoa(runtime.NumCPU())
	count := "5"
	if b.quick {
		count = "1"
	}
	c := exec.Command("go", "test", "./decode", "-run", "^$", "-bench", "^(BenchmarkRawGoJose|BenchmarkVerify)$", "-benchmem", "-cpu", cpus, "-count", count, "-benchtime", "2000x")
	c.Env = append(os.Environ(), "OIDC_BENCH_CORPUS="+b.corpus.Dir)
	c.Stderr = os.Stderr
	out, err := c.Output()
	check(err)
	b.microText = string(out)
	all := map[string][]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 4 && strings.HasPrefix(f[0], "Benchmark") && f[3] == "ns/op" {
			name := strings.TrimPrefix(f[0], "Benchmark")
			if !strings.Contains(name, "-") { // -cpu 1 prints no suffix
				name += "-1"
			}
			v, _ := strconv.ParseFloat(f[2], 64)
			all[name] = append(all[name], v)
		}
	}
	b.micro = map[string]float64{}
	for name, vs := range all {
		slices.Sort(vs)
		b.micro[name] = vs[len(vs)/2]
	}
}

// timeRun runs one command with stdout to a pipe that is read and
// discarded, and returns its wall time.
func timeRun(c *exec.Cmd) (time.Duration, error) {
	defer closeStdin(c)
	stdout, err := c.StdoutPipe()
	if err != nil {
		return 0, err
	}
	var stderr bytes.Buffer
	c.Stderr = &limited{w: &stderr, n: 4096}
	start := time.Now()
	if err := c.Start(); err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, stdout)
	err = c.Wait()
	d := time.Since(start)
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return 0, fmt.Errorf("%s: %v: %s", filepath.Base(c.Path), err, msg)
	}
	return d, nil
}

func closeStdin(c *exec.Cmd) {
	if f, ok := c.Stdin.(*os.File); ok {
		f.Close()
	}
}

// limited keeps the first n bytes written to it.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

// peakRSS runs c under GNU time, which forks it from a small process, and
// returns its maximum resident set size in KiB.
func (b *bench) peakRSS(c *exec.Cmd) (int64, error) {
	defer closeStdin(c)
	if b.timeBin == "" {
		return 0, nil
	}
	f, err := os.CreateTemp("", "oidc-bench-rss")
	if err != nil {
		return 0, err
	}
	f.Close()
	defer os.Remove(f.Name())
	w := exec.Command(b.timeBin, append([]string{"-f", "%M", "-o", f.Name(), c.Path}, c.Args[1:]...)...)
	w.Stdin, w.Env, w.Dir = c.Stdin, c.Env, c.Dir
	w.Stdout = io.Discard
	if err := w.Run(); err != nil {
		return 0, fmt.Errorf("%s: %v", filepath.Base(c.Path), err)
	}
	data, err := os.ReadFile(f.Name())
	if err != nil {
		return 0, err
	}
	lines := strings.Fields(string(data))
	if len(lines) == 0 {
		return 0, errors.New("GNU time printed nothing")
	}
	return strconv.ParseInt(lines[len(lines)-1], 10, 64)
}

// gnuTime finds GNU time, installing Debian's package when it is missing.
func gnuTime() string {
	const bin = "/usr/bin/time"
	if _, err := os.Stat(bin); err != nil {
		if _, err := peerAptInstall([]string{"time"}); err != nil {
			log.Printf("no GNU time (%v): peak RSS is not measured", err)
			return ""
		}
	}
	return bin
}

// refresh rewrites an executable with plain reads and writes, under the
// same name.
func refresh(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	tmp := path + ".copy"
	if err := os.WriteFile(tmp, data, 0o755); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func readToken(path string) string {
	data, err := os.ReadFile(path)
	check(err)
	return strings.TrimSpace(string(data))
}

func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
