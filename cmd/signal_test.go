package cmd

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"
)

// signalContext catches SIGINT only once something waits on it, and then
// is cancelled by it.
func TestSignalContext(t *testing.T) {
	ctx := &signalContext{Context: context.Background()}
	defer ctx.stop()
	if ctx.installed.Load() || ctx.Err() != nil {
		t.Fatal("installed or cancelled before anything waited")
	}
	done := ctx.Done()
	if !ctx.installed.Load() {
		t.Fatal("Done did not install the handler")
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("SIGINT did not cancel the context")
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("Err() = %v", ctx.Err())
	}
	// A derived context sees the cancellation too.
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a child context was not cancelled")
	}
}
