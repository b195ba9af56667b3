//go:build unix

package cmd

import (
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

const canDetach = true

// detachedProcAttr puts the child in a new session: no controlling
// terminal, so neither Ctrl-C in the caller's terminal nor its hang-up
// reaches the server.
func detachedProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

// redirectStdio points stdout and stderr at f.
func redirectStdio(f *os.File) error {
	for _, fd := range []int{1, 2} {
		if err := unix.Dup2(int(f.Fd()), fd); err != nil {
			return err
		}
	}
	return nil
}

// closeInheritedOnExec marks every descriptor above stderr close-on-exec.
// Go opens its own that way; the rest came from whoever started us.
func closeInheritedOnExec() {
	entries, err := os.ReadDir("/dev/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}
