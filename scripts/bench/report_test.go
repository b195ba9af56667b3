package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The goals are judged from the rows: a synthetic run where oidc misses
// one goal and meets the others must say exactly that.
func TestGoals(t *testing.T) {
	ms := func(v ...float64) []time.Duration {
		var d []time.Duration
		for _, x := range v {
			d = append(d, time.Duration(x*float64(time.Millisecond)))
		}
		return d
	}
	b := &bench{rows: []*row{
		{op: "decode one token", tool: "hello-world Go (lower bound)", floor: true, runs: ms(1, 1, 1)},
		{op: "decode one token", tool: "oidc decode", oidc: true, runs: ms(1.9, 1.9, 2)},
		{op: "decode one token", tool: "golang-jwt jwt v5 (go install)", runs: ms(1.3, 1.3, 1.3)},
		{op: "verify 10,000 RS256 tokens", tool: "go-jose alone, 2 cores, in process (lower bound)", floor: true, runs: ms(200)},
		{op: "verify 10,000 RS256 tokens", tool: "oidc verify -", oidc: true, runs: ms(240, 240, 250)},
		{op: "verify 10,000 RS256 tokens", tool: "PyJWT (Debian python3-jwt)", runs: ms(700, 700, 700)},
		{op: "verify 10,000 RS256 tokens", tool: "node jose (npm)", runs: ms(550, 550, 550)},
		{op: "scaling: verify 1,000 RS256 tokens", tool: "oidc verify -", oidc: true, runs: ms(30), rssKiB: 20000},
		{op: "scaling: verify 100,000 RS256 tokens", tool: "oidc verify -", oidc: true, runs: ms(2500), rssKiB: 23000},
		{op: tokenOp, tool: "oidc decode", oidc: true, runs: ms(2, 2, 2)},
		{op: tokenOp, tool: "oidc token --profile bench", runs: ms(2.2, 2.2, 2.4), rssKiB: 14000},
		{op: tokenOp, tool: "oidc token --profile bench --id-token -o kubernetes", runs: ms(2.6, 2.6, 2.6), rssKiB: 14000},
	}}
	var s strings.Builder
	b.goals(&s)
	out := s.String()
	for _, want := range []string{
		"| single decode within 2.0x of hello-world | 1.90x | met |",
		"| faster than every peer: decode one token | faster than oidc: golang-jwt jwt v5 (go install) 0.68x | **not met** |",
		"| faster than every peer: verify 10,000 RS256 tokens | oidc fastest | met |",
		"| batch RS256 at least 80% of go-jose's rate on all cores | 83.3% | met |",
		"| batch RS256 at least 2.5x faster than PyJWT (Debian python3-jwt) | 2.92x | met |",
		"| batch RS256 at least 2.5x faster than node jose (npm) | 2.29x | **not met** |",
		"20.5 MB at the smallest, 23.6 MB at the largest | met |",
		"| token --profile bench on a cache hit within 1.2x of oidc decode | 1.10x (2.20 ms vs 2.00 ms; peak RSS 14.3 MB) | met |",
		"| token --profile bench --id-token -o kubernetes on a cache hit within 1.2x of oidc decode | 1.30x (2.60 ms vs 2.00 ms; peak RSS 14.3 MB) | **not met** |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "faster than every peer: "+tokenOp) {
		t.Errorf("the cache-hit operation has no peers, yet a goal says so:\n%s", out)
	}
}

func TestUpdateReadme(t *testing.T) {
	path := filepath.Join(t.TempDir(), "README.md")
	os.WriteFile(path, []byte("# x\n<!-- bench:begin -->\nold\n<!-- bench:end -->\ntail\n"), 0o644)
	if err := updateReadme(path, "new table\n"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if want := "# x\n<!-- bench:begin -->\nnew table\n<!-- bench:end -->\ntail\n"; string(got) != want {
		t.Errorf("got %q", got)
	}
	os.WriteFile(path, []byte("no markers\n"), 0o644)
	if updateReadme(path, "t") == nil {
		t.Error("a README without markers was accepted")
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{7: "7", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q", n, got)
		}
	}
}

// TestOutputs: a smoke run writes nothing tracked unless -o names a file;
// a full run writes its table, micro.txt and README (unless -readme=false).
func TestOutputs(t *testing.T) {
	for _, c := range []struct {
		quick  bool
		out    string
		readme bool
		want   written
	}{
		{true, "", true, written{}},
		{true, "/tmp/r.md", true, written{results: "/tmp/r.md"}},
		{false, "", true, written{results: resultsFile, micro: "scripts/bench/micro.txt", readme: "README.md"}},
		{false, "r.md", false, written{results: "r.md", micro: "scripts/bench/micro.txt"}},
	} {
		if got := outputs(c.quick, c.out, c.readme); got != c.want {
			t.Errorf("quick %v, -o %q, readme %v: %+v, want %+v", c.quick, c.out, c.readme, got, c.want)
		}
	}
}
