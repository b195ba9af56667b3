package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/internal/issuer"
	"github.com/oidcdev/oidc/internal/issuer/issuertest"
)

// pageBrowser is one headless Chromium for a test; each step is a tab.
type pageBrowser struct {
	ctx   context.Context
	shots string // where screenshots are kept, for people to look at
}

func startChromium(t *testing.T) *pageBrowser {
	t.Helper()
	needChromium(t)
	dir, err := os.MkdirTemp("", "oidc-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromiumOptions(dir)...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		os.RemoveAll(dir)
	})
	// The first Run starts the browser, tied to ctx for the whole test.
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	shots := os.Getenv("OIDC_TEST_ARTIFACTS")
	if shots == "" {
		shots = filepath.Join("..", "test-artifacts")
	}
	shots = filepath.Join(shots, "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return &pageBrowser{ctx: ctx, shots: shots}
}

// tab opens a tab for one step, with a deadline that does not outlive it.
func (b *pageBrowser) tab(t *testing.T) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(b.ctx)
	if err := chromedp.Run(tab); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	ctx, cancelStep := context.WithTimeout(tab, 30*time.Second)
	t.Cleanup(func() { cancelStep(); cancel() })
	return ctx
}

// run runs actions on a tab; on failure it says where the page was and
// what it said.
func run(t *testing.T, ctx context.Context, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var loc, text string
		diag, c := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = chromedp.Run(diag, chromedp.Location(&loc), chromedp.Text("body", &text, chromedp.ByQuery))
		c()
		t.Fatalf("%v at %s: %.600q", err, loc, text)
	}
}

// shot screenshots the page as name.png, checks that it shows something,
// and that every field of the page has a label.
func (b *pageBrowser) shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var img []byte
	var unlabelled []string
	run(t, ctx,
		chromedp.FullScreenshot(&img, 100), // 100: PNG
		chromedp.Evaluate(`[...document.querySelectorAll('input:not([type=hidden]), textarea, select')]
			.filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.name || e.id)`, &unlabelled))
	if len(unlabelled) > 0 {
		t.Errorf("%s: fields without a label: %v", name, unlabelled)
	}
	if share := inked(t, img); share < 0.005 {
		t.Errorf("%s: the screenshot is blank (%.2f%% of pixels differ from the background)", name, share*100)
	}
	path := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

// inked is the share of pixels that differ from the top-left one (the
// page's background).
func inked(t *testing.T, data []byte) float64 {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	r := img.Bounds()
	br, bg, bb, _ := img.At(r.Min.X, r.Min.Y).RGBA()
	differ := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if absDiff(cr, br)+absDiff(cg, bg)+absDiff(cb, bb) > 3*0x2000 {
				differ++
			}
		}
	}
	return float64(differ) / float64(r.Dx()*r.Dy())
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// cliRun is an oidc command running while the test drives the browser.
type cliRun struct {
	out, err syncBuffer
	done     chan struct{}
	code     int
}

func startOIDC(t *testing.T, env map[string]string, args ...string) *cliRun {
	t.Helper()
	r := &cliRun{done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	io := &IO{In: strings.NewReader(""), Out: &r.out, Err: &r.err, Getenv: func(k string) string { return env[k] }}
	go func() {
		defer close(r.done)
		r.code = Run(ctx, args, io)
	}()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

// find waits for re on the command's stderr and returns its first group.
func (r *cliRun) find(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(r.err.String()); m != nil {
			return m[1]
		}
		select {
		case <-r.done:
			t.Fatalf("oidc exited %d before printing %s:\n%s", r.code, re, r.err.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("oidc never printed %s:\n%s", re, r.err.String())
	return ""
}

func (r *cliRun) wait(t *testing.T) (int, string, string) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("oidc did not finish:\n%s", r.err.String())
	}
	return r.code, r.out.String(), r.err.String()
}

var (
	loginURLRE  = regexp.MustCompile(`open this URL to log in[^\n]*:\n(?:oidc: )?(\S+)`)
	logoutURLRE = regexp.MustCompile(`open this URL to sign out[^\n]*:\n(?:oidc: )?(\S+)`)
	deviceURLRE = regexp.MustCompile(`or open (\S+) \(the code filled in\)`)
)

// waitFor polls until the tab's address contains part.
func waitFor(part string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for {
			var loc string
			if err := chromedp.Location(&loc).Do(ctx); err != nil {
				return err
			}
			if strings.Contains(loc, part) {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

func claimsOf(t *testing.T, v *decode.Verification) map[string]any {
	t.Helper()
	if v == nil || v.Token == nil {
		t.Fatal("no token in the report")
	}
	var m map[string]any
	if err := json.Unmarshal(v.Token.Payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestServePagesChromium drives oidc serve's pages in a real headless
// Chromium while oidc login, oidc login --device and oidc logout wait for
// them, as a tester would: each page is screenshotted.
func TestServePagesChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end browser test skipped under -short")
	}
	b := startChromium(t)
	consent := []issuer.Client{{ID: "oidc-cli", Name: "Pages Test App", SkipConsent: false,
		RedirectURIs: []string{"http://127.0.0.1/callback", "http://localhost/callback"}}}
	op := issuertest.Start(t, issuer.Config{DeviceInterval: time.Second}, false)
	opConsent := issuertest.Start(t, issuer.Config{Clients: consent}, false)
	env := func() map[string]string {
		dir := t.TempDir()
		return map[string]string{"OIDC_CACHE_DIR": dir, "OIDC_CONFIG": filepath.Join(dir, "config.yaml")}
	}
	login := func(t *testing.T, iss string, args ...string) (*cliRun, context.Context) {
		r := startOIDC(t, env(), append([]string{"login", "--issuer", iss, "--client-id", "oidc-cli", "--no-browser", "--timeout", "60s", "--json"}, args...)...)
		u := r.find(t, loginURLRE)
		ctx := b.tab(t)
		run(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(`button[value="approve"]`, chromedp.ByQuery))
		return r, ctx
	}

	t.Run("configured user", func(t *testing.T) {
		r, ctx := login(t, op.URL, "--scope", "openid profile email")
		b.shot(t, ctx, "login")
		var asked string
		run(t, ctx, chromedp.Text(`section`, &asked, chromedp.ByQuery))
		for _, want := range []string{"oidc-cli", "openid profile email", "S256", "sent: the ID token carries it back"} {
			if !strings.Contains(asked, want) {
				t.Errorf("the request summary lacks %q: %s", want, asked)
			}
		}
		run(t, ctx, chromedp.Click(`input[name="user"][value="bob"]`, chromedp.ByQuery),
			chromedp.Click(`button[value="approve"]`, chromedp.ByQuery), waitFor("/callback"))
		code, out, errOut := r.wait(t)
		rep := loginJSON(t, code, out, errOut)
		if code != 0 || !rep.Valid || claimsOf(t, rep.IDToken)["sub"] != "bob" {
			t.Fatalf("exit %d, valid %v, claims %v\n%s", code, rep.Valid, claimsOf(t, rep.IDToken), errOut)
		}
	})

	t.Run("typed subject and claims", func(t *testing.T) {
		r, ctx := login(t, op.URL, "--scope", "openid profile")
		run(t, ctx,
			chromedp.Click(`#typed`, chromedp.ByQuery),
			chromedp.SendKeys(`#subject`, "carol@example.test", chromedp.ByQuery),
			chromedp.Click(`details summary`, chromedp.ByQuery),
			chromedp.WaitVisible(`#claims`, chromedp.ByQuery),
			// Bad JSON first: the page says where, the login stays open.
			chromedp.SetValue(`#claims`, `{"roles": [admin]}`, chromedp.ByQuery),
			chromedp.Click(`button[value="approve"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#claims-error`, chromedp.ByQuery))
		var alert, subject string
		var typed bool
		run(t, ctx, chromedp.Text(`#claims-error`, &alert, chromedp.ByQuery),
			chromedp.Value(`#subject`, &subject, chromedp.ByQuery),
			chromedp.Evaluate(`document.getElementById('typed').checked`, &typed))
		if !strings.Contains(alert, "not JSON") || !strings.Contains(alert, "line 1, column 12") || subject != "carol@example.test" || !typed {
			t.Errorf("the error page: alert %q, subject %q, typed %v", alert, subject, typed)
		}
		b.shot(t, ctx, "login-error")
		run(t, ctx,
			chromedp.SetValue(`#claims`, `{"roles": ["admin"], "tenant": "t-42"}`, chromedp.ByQuery),
			chromedp.Click(`button[value="approve"]`, chromedp.ByQuery), waitFor("/callback"))
		code, out, errOut := r.wait(t)
		rep := loginJSON(t, code, out, errOut)
		id, at := claimsOf(t, rep.IDToken), claimsOf(t, rep.AccessToken)
		var ui map[string]any
		_ = json.Unmarshal(rep.Userinfo, &ui)
		if code != 0 || !rep.Valid || id["sub"] != "carol@example.test" || id["tenant"] != "t-42" || at["tenant"] != "t-42" || ui["tenant"] != "t-42" || ui["sub"] != "carol@example.test" {
			t.Fatalf("exit %d valid %v\nID token %v\naccess token %v\nuserinfo %v\n%s", code, rep.Valid, id, at, ui, errOut)
		}
	})

	t.Run("a fault for this login", func(t *testing.T) {
		r, ctx := login(t, op.URL)
		run(t, ctx, chromedp.Click(`details summary`, chromedp.ByQuery),
			chromedp.Click(`input[name="fault"][value="nonce"]`, chromedp.ByQuery),
			chromedp.Click(`button[value="approve"]`, chromedp.ByQuery), waitFor("/callback"))
		code, out, errOut := r.wait(t)
		rep := loginJSON(t, code, out, errOut)
		if code != 1 || rep.Valid {
			t.Fatalf("exit %d valid %v: the nonce fault did not reach the ID token\n%s", code, rep.Valid, errOut)
		}
		checkStatus(t, rep.IDToken, map[string]string{"nonce": "fail", "signature": "pass"})
	})

	t.Run("form_post", func(t *testing.T) {
		// The one page that runs a script: it posts the code to the
		// listener under the page's CSP.
		r, ctx := login(t, op.URL, "--response-mode", "form_post")
		run(t, ctx, chromedp.Click(`button[value="approve"]`, chromedp.ByQuery), waitFor("/callback"))
		code, out, errOut := r.wait(t)
		if rep := loginJSON(t, code, out, errOut); code != 0 || !rep.Valid {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
	})

	t.Run("phone-sized window", func(t *testing.T) {
		r := startOIDC(t, env(), "login", "--issuer", op.URL, "--client-id", "oidc-cli", "--no-browser", "--timeout", "60s")
		u := r.find(t, loginURLRE)
		ctx := b.tab(t)
		var fits bool
		run(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(u),
			chromedp.WaitVisible(`button[value="approve"]`, chromedp.ByQuery),
			chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fits))
		if !fits {
			t.Error("the login page scrolls sideways on a 390 px wide screen")
		}
		b.shot(t, ctx, "login-phone")
	})

	t.Run("consent granted", func(t *testing.T) {
		r, ctx := login(t, opConsent.URL, "--scope", "openid profile email")
		run(t, ctx, chromedp.Click(`button[value="approve"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`button[value="allow"]`, chromedp.ByQuery))
		b.shot(t, ctx, "consent")
		var text string
		run(t, ctx, chromedp.Text(`form`, &text, chromedp.ByQuery))
		if !strings.Contains(text, "email = alice@example.com") {
			t.Errorf("the consent page does not show the claims: %s", text)
		}
		run(t, ctx, chromedp.Click(`input[name="scope"][value="email"]`, chromedp.ByQuery),
			chromedp.Click(`button[value="allow"]`, chromedp.ByQuery), waitFor("/callback"))
		code, out, errOut := r.wait(t)
		rep := loginJSON(t, code, out, errOut)
		id := claimsOf(t, rep.IDToken)
		if code != 0 || id["email"] != nil || id["name"] != "Alice Example" {
			t.Fatalf("exit %d, ID token %v (email unchecked)\n%s", code, id, errOut)
		}
	})

	t.Run("consent denied", func(t *testing.T) {
		r, ctx := login(t, opConsent.URL)
		run(t, ctx, chromedp.Click(`button[value="approve"]`, chromedp.ByQuery),
			// The login page has a Cancel (deny) too: wait for consent's.
			chromedp.WaitVisible(`button[value="allow"]`, chromedp.ByQuery),
			chromedp.Click(`button[name="deny"]`, chromedp.ByQuery), waitFor("/callback"))
		code, _, errOut := r.wait(t)
		if code != 3 || !strings.Contains(errOut, "access_denied") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
	})

	t.Run("device approved", func(t *testing.T) {
		ctx := b.tab(t)
		run(t, ctx, chromedp.Navigate(op.URL+"/device"), chromedp.WaitVisible(`#user_code`, chromedp.ByQuery))
		b.shot(t, ctx, "device-code")
		r := startOIDC(t, env(), "login", "--device", "--issuer", op.URL, "--client-id", "oidc-cli", "--timeout", "60s", "--json")
		u := r.find(t, deviceURLRE)
		run(t, ctx, chromedp.Navigate(u), chromedp.WaitVisible(`button[value="approve"]`, chromedp.ByQuery))
		b.shot(t, ctx, "device")
		run(t, ctx, chromedp.Click(`input[name="user"][value="bob"]`, chromedp.ByQuery),
			chromedp.Click(`button[value="approve"]`, chromedp.ByQuery))
		code, out, errOut := r.wait(t)
		rep := loginJSON(t, code, out, errOut)
		if code != 0 || !rep.Valid || claimsOf(t, rep.IDToken)["sub"] != "bob" {
			t.Fatalf("exit %d valid %v\n%s", code, rep.Valid, errOut)
		}
	})

	t.Run("logout confirmed", func(t *testing.T) {
		e := env()
		r := startOIDC(t, e, "login", "--issuer", op.URL, "--client-id", "oidc-cli", "--no-browser", "--timeout", "60s", "--save", "pages", "-q")
		ctx := b.tab(t)
		run(t, ctx, chromedp.Navigate(r.find(t, loginURLRE)), chromedp.WaitVisible(`button[value="approve"]`, chromedp.ByQuery),
			chromedp.Click(`button[value="approve"]`, chromedp.ByQuery), waitFor("/callback"))
		if code, _, errOut := r.wait(t); code != 0 {
			t.Fatalf("login: exit %d\n%s", code, errOut)
		}
		r = startOIDC(t, e, "logout", "--profile", "pages", "--end-session", "--no-browser", "--timeout", "60s", "--json")
		run(t, ctx, chromedp.Navigate(r.find(t, logoutURLRE)), chromedp.WaitVisible(`button[value="yes"]`, chromedp.ByQuery))
		var text string
		run(t, ctx, chromedp.Text(`main`, &text, chromedp.ByQuery))
		if !strings.Contains(text, "oidc-cli asks to sign alice out of this issuer") {
			t.Errorf("the logout page: %s", text)
		}
		b.shot(t, ctx, "logout")
		run(t, ctx, chromedp.Click(`button[value="yes"]`, chromedp.ByQuery), waitFor("/callback"))
		code, out, errOut := r.wait(t)
		if code != 0 || !strings.Contains(out, `"ended_session":true`) {
			t.Fatalf("logout: exit %d %s\n%s", code, out, errOut)
		}
	})
}
