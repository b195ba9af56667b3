package flow

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/pkg/browser"
)

// OpenBrowser opens url in the user's browser without waiting for it:
// $BROWSER first (the xdg convention: commands separated by ':', %s
// replaced by the URL, else the URL appended), then the Windows browser on
// WSL, then github.com/pkg/browser. The opener's output goes to out, never
// to stdout. An error means nothing could be started.
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
	// only a failure that comes quickly.
	browser.Stdout, browser.Stderr = out, out
	done := make(chan error, 1)
	go func() { done <- browser.OpenURL(url) }()
	select {
	case err := <-done:
		return err
	case <-time.After(2 * time.Second):
		return nil
	}
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
