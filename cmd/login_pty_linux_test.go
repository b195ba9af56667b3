package cmd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestLoginBrowserOnTerminal: a login on a terminal with no $BROWSER opens
// the browser with xdg-open. When that fails, its lines of "not found"
// stay out of the output: one line says why, and pasting the URL is
// offered; when it works, neither its chatter nor the offer to paste is
// shown.
func TestLoginBrowserOnTerminal(t *testing.T) {
	bin, err := exec.LookPath("oidc")
	if err != nil {
		t.Fatalf("oidc not on PATH (TestMain installs it): %v", err)
	}
	if _, err := exec.LookPath("fake-browser"); err != nil {
		t.Fatalf("fake-browser not on PATH: %v", err)
	}
	data, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	if strings.Contains(strings.ToLower(string(data)), "microsoft") {
		t.Skip("on WSL the Windows browser is used, not xdg-open")
	}
	iss, _ := startServe(t, "--auto-approve")
	cases := []struct {
		name, opener  string
		want, notWant []string
		interrupt     bool
		wantExit      int
	}{
		{
			name: "no browser",
			opener: `#!/bin/sh
for b in www-browser links2 elinks lynx w3m; do echo "/usr/bin/xdg-open: 882: $b: not found" >&2; done
echo "xdg-open: no method available for opening '$1'" >&2
exit 3
`,
			want:      []string{"could not open a browser (xdg-open: no method available for opening 'the URL'; exit status 3): open the URL above by hand", "or paste the URL the browser was sent back to"},
			notWant:   []string{"not found", "882"},
			interrupt: true, wantExit: ExitInterrupted,
		},
		{
			name: "browser opens",
			opener: `#!/bin/sh
echo "Opening in existing browser session."
fake-browser "$1"
echo "[1234:5678:ERROR:gpu_init.cc] chatter" >&2
exit 0
`,
			want:     []string{"open this URL to log in"},
			notWant:  []string{"or paste", "Opening in existing browser session", "chatter", "fake-browser:", "could not open"},
			wantExit: ExitOK,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "xdg-open"), []byte(tc.opener), 0o755); err != nil {
				t.Fatal(err)
			}
			controller, tty := openPTY(t)
			defer controller.Close()
			c := exec.Command(bin, "login", "--issuer", iss, "--client-id", "oidc-cli", "-q", "--timeout", "20s")
			c.Stdin, c.Stdout, c.Stderr = tty, tty, tty
			var env []string
			for _, kv := range os.Environ() {
				k, _, _ := strings.Cut(kv, "=")
				switch k {
				case "BROWSER", "PATH", "SSH_CONNECTION", "SSH_TTY", "OIDC_PROFILE", "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET":
					continue
				}
				env = append(env, kv)
			}
			c.Env = append(env, "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "TERM=dumb", "OIDC_CACHE_DIR="+t.TempDir(), "OIDC_CONFIG="+filepath.Join(t.TempDir(), "config.yaml"))
			c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			tty.Close()

			var mu sync.Mutex
			var out bytes.Buffer
			go func() {
				buf := make([]byte, 4096)
				for {
					n, err := controller.Read(buf)
					mu.Lock()
					out.Write(buf[:n])
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
			output := func() string {
				mu.Lock()
				defer mu.Unlock()
				return strings.ReplaceAll(out.String(), "\r\n", "\n")
			}
			exited := make(chan error, 1)
			go func() { exited <- c.Wait() }()
			if tc.interrupt {
				// Wait for the offer to paste, then press Ctrl-C.
				deadline := time.Now().Add(10 * time.Second)
				for !strings.Contains(output(), "or paste the URL") && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				controller.Write([]byte{3})
			}
			var werr error
			select {
			case werr = <-exited:
			case <-time.After(25 * time.Second):
				c.Process.Kill()
				<-exited
				t.Fatalf("oidc login still running; output so far:\n%s", output())
			}
			code := 0
			if ee, ok := werr.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			time.Sleep(100 * time.Millisecond) // the last of the output
			got := output()
			if code != tc.wantExit {
				t.Errorf("exit %d, want %d; output:\n%s", code, tc.wantExit, got)
			}
			checkOutput(t, got, tc.want, tc.notWant)
		})
	}
}

// checkOutput: every want is in the output, no notWant is.
func checkOutput(t *testing.T, out string, want, notWant []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	for _, w := range notWant {
		if strings.Contains(out, w) {
			t.Errorf("output has %q:\n%s", w, out)
		}
	}
}
