package cmd

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oidcdev/oidc/internal/e2e"
	"github.com/oidcdev/oidc/internal/testprovider"
)

// chromiumPath finds a Chromium, or "".
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// chromiumOptions start a headless Chromium with a profile in dir.
func chromiumOptions(dir string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath()),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(dir),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("password-store", "basic"),
		// Hermetic: the provider's pages link web fonts.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost"),
	)
}

// needChromium skips a test without Chromium, except under CI, which
// installs it.
func needChromium(t *testing.T) {
	t.Helper()
	if chromiumPath() != "" {
		return
	}
	e2e.Missing(t, "Chromium is not installed", "apt-get install chromium")
}

// chromeBrowser is what TestLoginChromium puts in $BROWSER: the test
// binary driving a real headless Chromium through the provider's login and
// consent pages, the way a person would, until oidc's page says signed in.
func chromeBrowser() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: chrome-browser URL")
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "oidc-chromium-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chrome-browser:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromiumOptions(dir)...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	// The first Run starts the browser and ties it to ctx; the deadline
	// comes from a child context so that it does not kill the browser.
	if err := chromedp.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "chrome-browser: start:", err)
		os.Exit(1)
	}
	stepCtx, stepCancel := context.WithTimeout(ctx, 30*time.Second)
	defer stepCancel()
	var heading string
	step := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(context.Context) error {
			fmt.Fprintln(os.Stderr, "chrome-browser:", name)
			return nil
		})
	}
	err = chromedp.Run(stepCtx,
		chromedp.Navigate(os.Args[1]),
		step("login page"),
		chromedp.WaitVisible(`input[name="login"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="login"]`, "alice", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="password"]`, "any password", chromedp.ByQuery),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		step("consent page"),
		chromedp.WaitReady(`input[name="prompt"][value="consent"]`, chromedp.ByQuery),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		step("waiting for the redirect to oidc"),
		// The consent page has an h1 too: wait until the browser is on
		// oidc's own page before reading it.
		chromedp.ActionFunc(func(ctx context.Context) error {
			for {
				var loc string
				if err := chromedp.Location(&loc).Do(ctx); err != nil {
					return err
				}
				if strings.Contains(loc, "/callback") {
					return nil
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(50 * time.Millisecond):
				}
			}
		}),
		chromedp.WaitVisible(`h1`, chromedp.ByQuery),
		chromedp.Text(`h1`, &heading, chromedp.ByQuery),
	)
	if err != nil {
		// Say where it stopped: the page's address and its text.
		var loc, text string
		diagCtx, c := context.WithTimeout(ctx, 5*time.Second)
		_ = chromedp.Run(diagCtx, chromedp.Location(&loc), chromedp.Text("body", &text, chromedp.ByQuery))
		c()
		fmt.Fprintf(os.Stderr, "chrome-browser: %v at %s: %.300q\n", err, loc, text)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "chrome-browser: the page says:", heading)
}

// TestLoginChromium logs in with a real headless Chromium filling the real
// provider's pages.
func TestLoginChromium(t *testing.T) {
	needChromium(t)
	p := testprovider.Start(t)
	start := time.Now()
	code, out, errOut := runOIDCEnv(t, map[string]string{"BROWSER": "chrome-browser"},
		"login", "--issuer", p.Issuer, "--client-id", testprovider.PublicClient, "--timeout", "60s", "--json")
	rep := loginJSON(t, code, out, errOut)
	if code != 0 || !rep.Valid {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	// A valid login means Chromium filled the provider's pages and its
	// redirect reached the listener.
	checkStatus(t, rep.IDToken, map[string]string{"signature": "pass", "nonce": "pass"})
	t.Logf("full login with Chromium: %s; timeline %+v", time.Since(start).Round(time.Millisecond), rep.Timeline)
}
