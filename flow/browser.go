package flow

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/pkg/browser"
)

// OpenBrowser opens url in the user's browser without waiting for it:
// $BROWSER first (the xdg convention: commands separated by ':', %s
// replaced by the URL, else the URL appended), then the Windows browser on
// WSL, then github.com/pkg/browser (xdg-open and the like). The output of
// a $BROWSER command, the user's own choice, goes to out, never to
// stdout; what xdg-open says is kept back, and only the last line of a
// failure is in the error. An error means nothing could be started.
func OpenBrowser(url string, getenv func(string) string, out io.Writer) error {
	if list := getenv("BROWSER"); list != "" {
		var lastErr error
		for _, entry := range strings.Split(list, ":") {
			args := strings.Fields(entry)
			if len(args) == 0 {
				continue
			}
			replaced := false
			for i, a := range args {
				if strings.Contains(a, "%s") {
					args[i] = strings.ReplaceAll(a, "%s", url)
					replaced = true
				}
			}
			if !replaced {
				args = append(args, url)
			}
			if lastErr = start(args, out); lastErr == nil {
				return nil
			}
		}
		return lastErr
	}
	if isWSL() {
		if _, err := exec.LookPath("wslview"); err == nil {
			return start([]string{"wslview", url}, out)
		}
		if _, err := exec.LookPath("rundll32.exe"); err == nil {
			return start([]string{"rundll32.exe", "url.dll,FileProtocolHandler", url}, out)
		}
	}
	// pkg/browser waits for the opener to exit: run it aside, and report
	// only a failure that comes quickly. Its output is no one's business
	// when it works (browsers chatter), and a dozen lines of "not found"
	// when no browser is there: keep it, for the error.
	said := &lockedBuffer{}
	browser.Stdout, browser.Stderr = said, said
	done := make(chan error, 1)
	go func() { done <- browser.OpenURL(url) }()
	select {
	case err := <-done:
		if err == nil {
			return nil
		}
		if last := lastLine(said.String()); last != "" {
			return fmt.Errorf("%s; %v", strings.ReplaceAll(last, url, "the URL"), err)
		}
		return err
	case <-time.After(2 * time.Second):
		return nil
	}
}

// lockedBuffer collects an opener's output, which its copiers write while
// OpenBrowser may have returned.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lastLine is the last line of s with text: an opener's conclusion.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func start(args []string, out io.Writer) error {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}

func isWSL() bool {
	data, err := os.ReadFile("/proc/sys/kernel/osrelease")
	return err == nil && strings.Contains(strings.ToLower(string(data)), "microsoft")
}
