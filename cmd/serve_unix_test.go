//go:build unix

package cmd

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// oidcBinary is the oidc on PATH, which TestMain installs: these tests
// need the program as scripts run it, in processes of its own.
func oidcBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("oidc")
	if err != nil {
		t.Fatalf("oidc not on PATH (TestMain installs it): %v", err)
	}
	return bin
}

// TestServeSurvivesClosedPipe: a foreground server whose output reader
// goes away after the first line (oidc serve 2>&1 | head -1) keeps
// serving; before, its next log line killed it with SIGPIPE.
func TestServeSurvivesClosedPipe(t *testing.T) {
	bin := oidcBinary(t)
	for _, tc := range []struct {
		name   string
		stderr bool // stderr goes to the same closed pipe
	}{{"stdout | head -1", false}, {"2>&1 | head -1", true}} {
		t.Run(tc.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			c := exec.Command(bin, "serve", "--port", "0", "--auto-approve")
			var errOut syncBuffer
			c.Stdout, c.Stderr = w, &errOut
			if tc.stderr {
				c.Stderr = w
			}
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			exited := make(chan error, 1)
			go func() { exited <- c.Wait() }()
			t.Cleanup(func() { _ = c.Process.Kill() })
			// head -1: one line, then the reader is gone.
			_ = r.SetReadDeadline(time.Now().Add(10 * time.Second))
			line, err := bufio.NewReader(r).ReadString('\n')
			r.Close()
			iss, ok := strings.CutPrefix(strings.TrimSpace(line), "OIDC_ISSUER=")
			if err != nil || !ok {
				t.Fatalf("first line %q: %v", line, err)
			}
			// Each request logs a line: to the closed pipe with 2>&1.
			for i := range 3 {
				resp, err := http.Get(iss + "/.well-known/openid-configuration")
				if err != nil {
					t.Fatalf("request %d after the reader left: %v", i+1, err)
				}
				resp.Body.Close()
			}
			if err := c.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("oidc serve ended with %v, want exit 0 on SIGTERM", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("oidc serve did not stop on SIGTERM")
			}
			// Wait has copied all of stderr: a line per request.
			if !tc.stderr && strings.Count(errOut.String(), "GET /.well-known/openid-configuration 200") != 3 {
				t.Errorf("stderr: %q", errOut.String())
			}
		})
	}
}
