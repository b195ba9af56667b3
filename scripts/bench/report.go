package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// report renders every measurement as markdown: the machine, the table,
// the micro-benchmarks, the goals and what each peer checks.
func (b *bench) report(took time.Duration) string {
	var s strings.Builder
	fmt.Fprintf(&s, "Measured %s on %s; %s. oidc %s. %s\n\n", time.Now().UTC().Format("2006-01-02"), machine(), runtime.Version(), b.commit, b.setup(took))

	s.WriteString("| operation | tool | version | median | min | max | peak RSS | vs oidc | vs lower bound |\n|---|---|---|---|---|---|---|---|---|\n")
	var notes []string
	noteFor := map[string]int{}
	lastOp := ""
	for _, r := range b.rows {
		op := ""
		if r.op != lastOp {
			op, lastOp = r.op, r.op
		}
		tool := r.tool
		if r.oidc {
			tool = "**" + tool + "**"
		}
		if r.note != "" {
			n, ok := noteFor[r.note]
			if !ok {
				notes = append(notes, r.note)
				n = len(notes)
				noteFor[r.note] = n
			}
			tool += fmt.Sprintf(" [%d]", n)
		}
		if r.failed != "" {
			fmt.Fprintf(&s, "| %s | %s | %s | failed: %s | | | | | |\n", op, tool, r.version, strings.ReplaceAll(r.failed, "|", "/"))
			continue
		}
		if len(r.runs) == 0 {
			continue
		}
		approx := ""
		if r.scale > 1 {
			approx = "≈ "
		}
		ref, floor := b.refs(r.op)
		fmt.Fprintf(&s, "| %s | %s | %s | %s%s | %s%s | %s%s | %s | %s | %s |\n", op, tool, r.version,
			approx, dur(r.median()), approx, dur(pct(r.runs, 0)), approx, dur(pct(r.runs, 1)), rss(r.rssKiB),
			ratio(r, ref), ratio(r, floor))
	}
	s.WriteString("\nMedian, min and max are wall times of the whole process with stdout to a pipe; \"vs oidc\" and \"vs lower bound\" divide medians (below 1.00x is faster).\n")
	for i, n := range notes {
		fmt.Fprintf(&s, "\n[%d] %s", i+1, n)
	}
	s.WriteString("\n\n")

	b.microTable(&s)
	b.goals(&s)
	b.peerTable(&s)
	return s.String()
}

// refs returns the oidc row and the lower-bound row of an operation.
func (b *bench) refs(op string) (ref, floor *row) {
	for _, r := range b.rows {
		if r.op != op || len(r.runs) == 0 || r.failed != "" {
			continue
		}
		if r.oidc && ref == nil {
			ref = r
		}
		if r.floor && floor == nil {
			floor = r
		}
	}
	return ref, floor
}

func ratio(r, to *row) string {
	if to == nil || r == to || len(to.runs) == 0 || to.median() == 0 {
		return ""
	}
	return fmt.Sprintf("%.2fx", float64(r.median())/float64(to.median()))
}

func (b *bench) microTable(s *strings.Builder) {
	n := strconv.Itoa(runtime.NumCPU())
	s.WriteString("In process, per token (`go test ./decode -bench 'RawGoJose|Verify' -cpu 1," + n + "` with `OIDC_BENCH_CORPUS` set; the raw output is in `scripts/bench/micro.txt`, for benchstat):\n\n")
	fmt.Fprintf(s, "| algorithm | go-jose alone, 1 core | decode.Verify, 1 core | go-jose alone, %s cores | decode.Verify, %s cores | decode.Verify / go-jose rate |\n|---|---|---|---|---|---|\n", n, n)
	for _, alg := range algs {
		raw1, v1 := b.micro["RawGoJose/"+alg+"-1"], b.micro["Verify/"+alg+"-1"]
		rawN, vN := b.micro["RawGoJose/"+alg+"-"+n], b.micro["Verify/"+alg+"-"+n]
		if raw1 == 0 || v1 == 0 {
			continue
		}
		fmt.Fprintf(s, "| %s | %s | %s | %s | %s | %.0f%% |\n", alg, us(raw1), us(v1), us(rawN), us(vN), 100*rawN/vN)
	}
	s.WriteString("\n")
}

// goals checks the targets of issue 5 against this run.
func (b *bench) goals(s *strings.Builder) {
	s.WriteString("Goals:\n\n| goal | measured | |\n|---|---|---|\n")
	goal := func(name, measured string, ok bool) {
		mark := "met"
		if !ok {
			mark = "**not met**"
		}
		fmt.Fprintf(s, "| %s | %s | %s |\n", name, measured, mark)
	}
	find := func(op, tool string) *row {
		for _, r := range b.rows {
			if r.op == op && r.tool == tool && r.failed == "" && len(r.runs) > 0 {
				return r
			}
		}
		return nil
	}
	vs := func(a, c *row) float64 { return float64(a.median()) / float64(c.median()) }
	for _, g := range []struct {
		op, what string
		limit    float64
	}{{"decode one token", "decode", 2.0}, {"verify one RS256 token (key set file)", "verify", 2.2}} {
		ref, floor := b.refs(g.op)
		if ref == nil || floor == nil {
			continue
		}
		x := vs(ref, floor)
		goal(fmt.Sprintf("single %s within %.1fx of hello-world", g.what, g.limit), fmt.Sprintf("%.2fx", x), x <= g.limit)
	}
	if ref := find(tokenOp, "oidc decode"); ref != nil {
		for _, tool := range []string{"oidc token --profile bench", "oidc token --profile bench --id-token -o kubernetes"} {
			if r := find(tokenOp, tool); r != nil {
				x := vs(r, ref)
				goal(fmt.Sprintf("%s on a cache hit within 1.2x of oidc decode", strings.TrimPrefix(tool, "oidc ")),
					fmt.Sprintf("%.2fx (%s vs %s; peak RSS %s)", x, dur(r.median()), dur(ref.median()), rss(r.rssKiB)), x <= 1.2)
			}
		}
	}
	if r := find(serveStartOp, "oidc serve --port 0"); r != nil {
		goal("oidc serve answers discovery within 25 ms of its start (median)", dur(r.median()), r.median() <= 25*time.Millisecond)
	}
	for _, op := range b.ops() {
		ref, _ := b.refs(op)
		if ref == nil || strings.HasPrefix(op, "scaling") || op == tokenOp || op == serveStartOp {
			continue
		}
		var slower []string
		for _, r := range b.rows {
			if r.op == op && !r.floor && r.failed == "" && len(r.runs) > 0 && !strings.HasPrefix(r.tool, "oidc") && !strings.Contains(r.tool, "(reference)") && r.median() < ref.median() {
				slower = append(slower, fmt.Sprintf("%s %.2fx", r.tool, vs(r, ref)))
			}
		}
		m := "oidc fastest"
		if len(slower) > 0 {
			m = "faster than oidc: " + strings.Join(slower, ", ")
		}
		goal("faster than every peer: "+op, m, len(slower) == 0)
	}
	for _, alg := range []string{"RS256", "ES256"} {
		op := ""
		for _, o := range b.ops() {
			if strings.HasPrefix(o, "verify ") && strings.HasSuffix(o, alg+" tokens") {
				op = o
			}
		}
		ref, floor := b.refs(op)
		if ref == nil {
			continue
		}
		if floor != nil {
			x := float64(floor.median()) / float64(ref.median())
			measured := fmt.Sprintf("%.1f%%", 100*x)
			// The lower bound runs in process; a process of go-jose alone
			// says how much of the gap any process pays.
			if own := find(op, "go-jose alone, one process (reference)"); own != nil {
				measured += fmt.Sprintf(" (go-jose alone as a process: %.0f%% of that rate; oidc %.0f%% of its)",
					100*float64(floor.median())/float64(own.median()), 100*float64(own.median())/float64(ref.median()))
			}
			goal(fmt.Sprintf("batch %s at least 80%% of go-jose's rate on all cores", alg), measured, x >= 0.8)
		}
		// Issue 12: every check against go-jose's signatures alone, both
		// as processes reading the same tokens.
		if own := find(op, "go-jose alone, one process (reference)"); own != nil {
			x := float64(ref.median()) / float64(own.median())
			goal(fmt.Sprintf("batch %s with iss, aud and exp checked within 1.15x of go-jose alone as a process", alg), fmt.Sprintf("%.2fx", x), x <= 1.15)
		}
		if alg != "RS256" {
			continue
		}
		for _, peer := range []string{"PyJWT (Debian python3-jwt)", "node jose (npm)"} {
			if r := find(op, peer); r != nil {
				x := vs(r, ref)
				goal(fmt.Sprintf("batch %s at least 2.5x faster than %s", alg, peer), fmt.Sprintf("%.2fx", x), x >= 2.5)
			}
		}
	}
	var first, last *row
	for _, r := range b.rows {
		if strings.HasPrefix(r.op, "scaling") && r.oidc && len(r.runs) > 0 {
			if first == nil {
				first = r
			}
			last = r
		}
	}
	if first != nil && last != first {
		goal("peak RSS flat as the batch grows (the largest within 1.25x of the smallest) and under 50 MB",
			fmt.Sprintf("%s at the smallest, %s at the largest", rss(first.rssKiB), rss(last.rssKiB)),
			last.rssKiB < 50*1000 && float64(last.rssKiB) <= 1.25*float64(first.rssKiB))
	}
	s.WriteString("\n")
}

// peerTable says how each peer verifies: a faster tool that checks less
// is not doing the same job.
func (b *bench) peerTable(s *strings.Builder) {
	s.WriteString("What each tool verifies with and checks besides the signature:\n\n| tool | key | checks | batch |\n|---|---|---|---|\n")
	s.WriteString("| oidc | JWKS file (--jwks), or discovery | every OIDC Core 3.1.3.7 / RFC 7519 / RFC 8725 check: alg from the key, typ, iss, aud, azp, exp, nbf, iat, sub, duplicates, crit | one process, all cores, input order |\n")
	for _, p := range b.peers {
		batch := "one process per token"
		if p.Batch != nil {
			batch = "one process"
		}
		if p.Verify == nil {
			batch = "cannot verify"
		}
		fmt.Fprintf(s, "| %s %s | %s | %s | %s |\n", p.Name, p.Version, p.Key, p.Checks, batch)
	}
	if b.missing != "" {
		s.WriteString("\nNot measured: " + strings.ReplaceAll(b.missing, "\n", "; ") + "\n")
	}
	s.WriteString("\n")
}

func (b *bench) ops() []string {
	var ops []string
	for _, r := range b.rows {
		if len(ops) == 0 || ops[len(ops)-1] != r.op {
			ops = append(ops, r.op)
		}
	}
	return ops
}

func (b *bench) setup(took time.Duration) string {
	return fmt.Sprintf("%d runs of each single-token command, %d of each batch, round-robin; the run took %s.", b.runs, b.batchRuns, took.Round(time.Second))
}

func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel := ""
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(data))
	}
	return fmt.Sprintf("%s/%s, %d cores (%s)%s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), model, kernel)
}

func gitDescribe() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "(not a git checkout)"
	}
	return strings.TrimSpace(string(out))
}

func dur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f ms", float64(d)/1e6)
}

func us(ns float64) string { return fmt.Sprintf("%.1f µs", ns/1000) }

func rss(kib int64) string {
	if kib == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f MB", float64(kib)*1024/1e6)
}

// updateReadme replaces what lies between README's bench markers.
func updateReadme(path, report string) error {
	const begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(data)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s ... %s section", path, begin, end)
	}
	s = s[:i+len(begin)] + "\n" + report + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
