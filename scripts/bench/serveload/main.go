// Command serveload puts logins through `oidc serve`: 1,000 sequential and
// 200 concurrent code flows with PKCE (authorize, then the token request),
// as curl-like clients would, and reports logins per second, errors and
// the server's memory before and after.
//
//	go run ./scripts/bench/serveload [-sequential 1000] [-concurrent 200]
package main

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	seq := flag.Int("sequential", 1000, "sequential logins")
	conc := flag.Int("concurrent", 200, "concurrent logins")
	flag.Parse()
	log.SetFlags(0)
	tmp, err := os.MkdirTemp("", "oidc-serveload")
	check(err)
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "oidc")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./cmd/oidc")
	build.Stderr = os.Stderr
	check(build.Run())

	srv := exec.Command(bin, "serve", "--port", "0", "--auto-approve")
	out, err := srv.StdoutPipe()
	check(err)
	check(srv.Start())
	defer srv.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	check(err)
	issuer := strings.TrimSpace(strings.TrimPrefix(line, "OIDC_ISSUER="))
	pid := srv.Process.Pid

	tr := &http.Transport{MaxIdleConnsPerHost: *conc}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var failures atomic.Int64
	login := func() {
		if err := oneLogin(client, issuer); err != nil {
			if failures.Add(1) <= 3 {
				log.Printf("login failed: %v", err)
			}
		}
	}
	login() // warm up
	rssStart := rss(pid)

	start := time.Now()
	for i := 0; i < *seq; i++ {
		login()
	}
	seqTook := time.Since(start)
	rssSeq := rss(pid)

	start = time.Now()
	var wg sync.WaitGroup
	for i := 0; i < *conc; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); login() }()
	}
	wg.Wait()
	concTook := time.Since(start)
	rssEnd := rss(pid)

	fmt.Printf("| run | logins | time | logins/s |\n|---|---|---|---|\n")
	fmt.Printf("| sequential | %d | %s | %.0f |\n", *seq, seqTook.Round(time.Millisecond), float64(*seq)/seqTook.Seconds())
	fmt.Printf("| concurrent | %d | %s | %.0f |\n", *conc, concTook.Round(time.Millisecond), float64(*conc)/concTook.Seconds())
	fmt.Printf("\nfailures: %d; server RSS %s after warm-up, %s after the sequential run, %s at the end\n", failures.Load(), rssStart, rssSeq, rssEnd)
	if failures.Load() > 0 {
		os.Exit(1)
	}
}

// oneLogin: authorize (auto-approved: a redirect with the code), then the
// token request with the PKCE verifier.
func oneLogin(c *http.Client, issuer string) error {
	v := random()
	sum := sha256.Sum256([]byte(v))
	redirect := "http://127.0.0.1:9/callback"
	q := url.Values{"client_id": {"oidc-cli"}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid profile"},
		"state": {random()}, "nonce": {random()}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	resp, err := c.Get(issuer + "/authorize?" + q.Encode())
	if err != nil {
		return err
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return fmt.Errorf("authorize: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	resp, err = c.PostForm(issuer+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {redirect}, "client_id": {"oidc-cli"}, "code_verifier": {v}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var tok map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 || tok["id_token"] == nil {
		return fmt.Errorf("token: %s %v", resp.Status, tok)
	}
	return nil
}

// random is 32 bytes, base64url: 43 characters, as PKCE verifiers need.
func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// rss reads a process's resident memory from /proc (Linux).
func rss(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			return strings.Join(strings.Fields(l)[1:], " ")
		}
	}
	return "?"
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
