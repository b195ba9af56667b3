package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The cache-hit operation: `oidc token --profile P` is what kubectl's exec
// plugin and git's credential helper run before every request, so it
// should cost no more than decoding a token (goal: within 1.2x of
// `oidc decode TOKEN`).
const tokenOp = "token for a profile, cache hit"

// tokenProfile is a logged-in profile in a config and cache of its own,
// against `oidc serve` (kept running, so that a token gone stale would be
// refreshed rather than fail; a hit needs no network).
type tokenProfile struct {
	dir       string
	env       []string // OIDC_CONFIG and OIDC_CACHE_DIR, set
	serve     *exec.Cmd
	token     string // the cached access token
	cacheFile string
	cached    []byte // the cache file before the runs
}

// token times oidc token on a cache hit beside oidc decode of the token
// it prints, and checks afterwards that every run was a hit: the cache
// file is as it was.
func (b *bench) token() {
	rows := []*row{
		{tool: "hello-world Go (lower bound)", floor: true, make: func() *exec.Cmd { return exec.Command(b.hello) }},
		{tool: "oidc decode", oidc: true, note: "the access token oidc token prints, decoded"},
		{tool: "oidc token --profile bench"},
		{tool: "oidc token --profile bench --id-token -o kubernetes", note: "as kubectl runs it: $KUBERNETES_EXEC_INFO set, not interactive"},
	}
	p, err := b.loginProfile()
	if p != nil {
		defer p.close()
	}
	if err != nil {
		log.Printf("%s: %v", tokenOp, err)
		for _, r := range rows[1:] {
			r.failed = "setup: " + err.Error()
		}
	} else {
		with := func(extra []string, args ...string) func() *exec.Cmd {
			return func() *exec.Cmd {
				c := exec.Command(b.oidc, args...)
				c.Env = append(append(os.Environ(), p.env...), extra...)
				return c
			}
		}
		rows[1].make = with(nil, "decode", p.token)
		rows[2].make = with(nil, "token", "--profile", "bench")
		rows[3].make = with([]string{`KUBERNETES_EXEC_INFO={"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`},
			"token", "--profile", "bench", "--id-token", "-o", "kubernetes")
		time.Sleep(time.Second) // the login just ran
	}
	b.single(tokenOp, rows)
	if err == nil {
		if now, err := os.ReadFile(p.cacheFile); err != nil || !bytes.Equal(now, p.cached) {
			for _, r := range rows[2:] {
				r.failed = "not every run was a cache hit: the cache file changed"
			}
		}
	}
}

// loginProfile starts oidc serve, logs in to it with --save bench in a
// temporary config and cache, and plays the browser itself: it fetches
// the URL oidc login prints, and the server's auto-approval redirects to
// login's loopback callback.
func (b *bench) loginProfile() (*tokenProfile, error) {
	dir, err := os.MkdirTemp("", "oidc-bench-token")
	if err != nil {
		return nil, err
	}
	p := &tokenProfile{dir: dir, env: []string{
		"OIDC_CONFIG=" + filepath.Join(dir, "config.yaml"),
		"OIDC_CACHE_DIR=" + filepath.Join(dir, "cache"),
	}}
	p.serve = exec.Command(b.oidc, "serve", "--port", "0", "--auto-approve", "--log-file", filepath.Join(dir, "serve.log"))
	out, err := p.serve.StdoutPipe()
	if err != nil {
		return p, err
	}
	if err := p.serve.Start(); err != nil {
		return p, err
	}
	first, err := bufio.NewReader(out).ReadString('\n')
	go io.Copy(io.Discard, out)
	issuer, ok := strings.CutPrefix(strings.TrimSpace(first), "OIDC_ISSUER=")
	if err != nil || !ok {
		return p, fmt.Errorf("oidc serve: first line %q: %v", first, err)
	}

	login := exec.Command(b.oidc, "login", "--issuer", issuer, "--client-id", "oidc-cli", "--scope", "openid offline_access", "--save", "bench", "-q")
	// A browser that opens nothing: the URL is fetched below.
	login.Env = append(append(os.Environ(), p.env...), "BROWSER=true")
	stderr, err := login.StderrPipe()
	if err != nil {
		return p, err
	}
	if err := login.Start(); err != nil {
		return p, err
	}
	var said strings.Builder
	fetched := make(chan error, 1)
	sc := bufio.NewScanner(stderr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		said.WriteString(sc.Text() + "\n")
		if u, ok := strings.CutPrefix(sc.Text(), "oidc: "); ok && strings.HasPrefix(u, issuer+"/") {
			go func() {
				client := &http.Client{Timeout: 10 * time.Second}
				resp, err := client.Get(u)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("the login's redirect ended in %s", resp.Status)
					}
				}
				fetched <- err
			}()
		}
	}
	if err := login.Wait(); err != nil {
		return p, fmt.Errorf("oidc login: %v: %s", err, strings.TrimSpace(said.String()))
	}
	select {
	case err := <-fetched:
		if err != nil {
			return p, err
		}
	default:
		return p, fmt.Errorf("oidc login printed no URL of %s: %s", issuer, strings.TrimSpace(said.String()))
	}

	show := exec.Command(b.oidc, "token", "--profile", "bench", "--json")
	show.Env = append(os.Environ(), p.env...)
	data, err := show.Output()
	if err != nil {
		return p, fmt.Errorf("oidc token --json: %v", err)
	}
	var got struct {
		Token     string `json:"token"`
		Source    string `json:"source"`
		CacheFile string `json:"cache_file"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		return p, fmt.Errorf("oidc token --json: %v", err)
	}
	if got.Source != "cache" || got.Token == "" || got.CacheFile == "" {
		return p, errors.New("oidc token --json after the login: " + strings.TrimSpace(string(data)))
	}
	p.token, p.cacheFile = got.Token, got.CacheFile
	p.cached, err = os.ReadFile(p.cacheFile)
	return p, err
}

func (p *tokenProfile) close() {
	if p.serve != nil && p.serve.Process != nil {
		p.serve.Process.Kill()
		p.serve.Wait()
	}
	os.RemoveAll(p.dir)
}
