//go:build !unix

package cmd

import (
	"errors"
	"os"
	"syscall"
)

// canDetach: --background needs sessions and dup2; on Windows it is a
// usage error.
const canDetach = false

func detachedProcAttr() *syscall.SysProcAttr { return nil }

func redirectStdio(*os.File) error { return errors.New("not available on this system") }

func closeInheritedOnExec() {}
