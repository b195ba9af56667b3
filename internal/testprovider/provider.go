// Package testprovider runs the real OpenID Provider of the end-to-end
// tests (panva's oidc-provider, scripts/e2e/provider) and walks its
// development login and consent pages over plain HTTP, as a browser
// without JavaScript would.
package testprovider

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oidcdev/oidc/internal/e2e"
)

// Clients registered with the provider (scripts/e2e/provider/provider.mjs).
const (
	PublicClient       = "oidc-cli"
	ConfidentialClient = "oidc-cli-confidential"
	ConfidentialSecret = "oidc-cli-secret"
	PostClient         = "oidc-cli-post"
	PostSecret         = "oidc-cli-post-secret"
)

// Provider is a running oidc-provider.
type Provider struct {
	Issuer string
}

// Dir is the provider's directory in the repository.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts", "e2e", "provider")
}

// Start runs the provider for the test. Without node or the provider's
// npm packages it skips, saying how to get them; under CI it fails
// instead, since CI installs both.
func Start(t testing.TB) *Provider {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	dir := Dir()
	node, err := exec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "node is not installed"
	case !exists(filepath.Join(dir, "node_modules", "oidc-provider")):
		missing = "the provider's packages are not installed: run npm ci --prefix scripts/e2e/provider"
	}
	if missing != "" {
		e2e.Missing(t, missing, "the real provider: apt-get install nodejs npm; npm ci --prefix scripts/e2e/provider")
	}

	cmd := exec.Command(node, "provider.mjs")
	cmd.Dir = dir
	stdin, err := cmd.StdinPipe() // the provider exits when this closes
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the provider: %v", err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case issuer := <-ready:
		if !strings.HasPrefix(issuer, "http://127.0.0.1:") {
			t.Fatalf("the provider did not start: %q\n%s", issuer, stderr.String())
		}
		return &Provider{Issuer: issuer}
	case <-time.After(20 * time.Second):
		t.Fatalf("the provider printed no issuer in 20s\n%s", stderr.String())
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

var (
	formAction = regexp.MustCompile(`<form[^>]*action="([^"]+)"`)
	hiddenNV   = regexp.MustCompile(`<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"`)
)

// Authorize sends the browser's part of an authorization request: it opens
// authURL, logs in as user (any password), gives consent, and returns the
// redirect the provider sends back, without following it. A redirect URI
// on a port nothing listens on is fine. With response_mode=form_post it
// posts the response to the client itself and returns nil.
func Authorize(ctx context.Context, authURL, user string) (*url.URL, error) {
	return AuthorizeWith(ctx, authURL, Choices{User: user})
}

// Choices are what the person at the browser does.
type Choices struct {
	User string
	Deny bool // cancel at the login page: the client gets access_denied
	// InsecureTLS trusts any certificate (a test issuer's own).
	InsecureTLS bool
}

// AuthorizeWith is Authorize with the person's choices.
func AuthorizeWith(ctx context.Context, authURL string, ch Choices) (*url.URL, error) {
	user := ch.User
	jar, _ := cookiejar.New(nil)
	redirect := errors.New("redirected to the client")
	var final *url.URL
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if ch.InsecureTLS {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} // test issuers only
	}
	client := &http.Client{
		Jar:       jar,
		Transport: tr,
		Timeout:   10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == "/callback" {
				final = req.URL
				return redirect
			}
			if len(via) > 10 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
	next, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	for step := 0; step < 6; step++ {
		resp, err := client.Do(next)
		if final != nil {
			if resp != nil {
				resp.Body.Close()
			}
			return final, nil
		}
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s: %s: %s", resp.Request.URL, resp.Status, body)
		}
		m := formAction.FindSubmatch(body)
		if m == nil {
			return nil, fmt.Errorf("%s: no form on the page: %s", resp.Request.URL, body)
		}
		action, err := resp.Request.URL.Parse(html.UnescapeString(string(m[1])))
		if err != nil {
			return nil, err
		}
		form := url.Values{}
		for _, h := range hiddenNV.FindAllSubmatch(body, -1) {
			form.Set(string(h[1]), html.UnescapeString(string(h[2])))
		}
		if action.Path == "/callback" {
			// response_mode=form_post: the page posts the response to
			// the client, as its script would.
			resp, err := client.PostForm(action.String(), form)
			if err != nil {
				return nil, err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("form_post to %s: %s", action, resp.Status)
			}
			return nil, nil
		}
		if bytes.Contains(body, []byte(`name="user"`)) {
			// oidc serve's login page: one button per user.
			if ch.Deny {
				form.Set("deny", "1")
			} else {
				form.Set("user", user)
			}
		}
		// oidc-provider's login page asks for a login name; oidc serve's
		// carries its login id as a hidden field instead.
		if bytes.Contains(body, []byte(`name="login"`)) && !form.Has("login") {
			if ch.Deny {
				abort := strings.TrimSuffix(action.String(), "/login") + "/abort"
				next, err = http.NewRequestWithContext(ctx, http.MethodGet, abort, nil)
				if err != nil {
					return nil, err
				}
				continue
			}
			form.Set("login", user)
			form.Set("password", "any password")
		}
		next, err = http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		next.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return nil, errors.New("no redirect to the client after login and consent")
}
