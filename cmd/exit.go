package cmd

import (
	"errors"
	"fmt"
)

// Exit codes: a contract scripts rely on. README and `oidc --help` list them.
const (
	ExitOK          = 0   // success; every check passed
	ExitCheckFailed = 1   // a check failed: token invalid, expired, wrong audience...
	ExitUsage       = 2   // usage error, or input that is not a token
	ExitNetwork     = 3   // network, issuer or protocol error
	ExitInterrupted = 130 // interrupted (Ctrl-C)
)

const exitCodesHelp = `Exit codes:
  0    success; every check passed
  1    a check failed (token invalid, expired, wrong audience, ...)
  2    usage error, or input that is not a token
  3    network, issuer or protocol error (discovery failed, token endpoint error, timeout)
  130  interrupted
`

// ExitError carries the exit code for an error. Silent means the details
// were already printed.
type ExitError struct {
	Code   int
	Err    error
	Silent bool
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// outputError is a failure to write the result (a full disk, a closed
// pipe): not a usage error, so no pointer to --help.
func outputError(err error) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf("cannot write the output: %v", err)}
}

func usageError(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// exitCode maps an error to the process exit code. Errors that are not an
// ExitError come from cobra's own argument and flag checks: usage errors.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitUsage
}
