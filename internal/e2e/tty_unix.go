//go:build unix

package e2e

import (
	"os"

	"golang.org/x/sys/unix"
)

// foregroundTTY is the controlling terminal when this process's group is
// in its foreground, else nil: a background job writing there would be
// stopped (stty tostop), and must never wait on the terminal.
func foregroundTTY() *os.File {
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return nil
	}
	pgrp, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	if err != nil || pgrp != unix.Getpgrp() {
		tty.Close()
		return nil
	}
	return tty
}
