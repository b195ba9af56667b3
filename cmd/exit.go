package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/internal/cache"
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
  1    a check failed (token invalid, expired, wrong audience, ...); token: login required
  2    usage error, a bad config file, or input that is not a token
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

// cobraError marks an error cobra itself found in the arguments or flags,
// before any command ran: a usage error.
type cobraError struct{ error }

func (e cobraError) Unwrap() error { return e.error }

// exitCode maps an error to the process exit code, in this one place, by
// the error's type. What a command's run returns without an ExitError is
// the issuer's, the network's or the protocol's doing: 3, even when a
// command forgets to wrap it.
func exitCode(err error) int {
	var ee *ExitError
	var oe *flow.OptionError
	var ue *flow.UnpinnedIssuerError
	var ce cobraError
	var unsafe *cache.UnsafeError
	var corrupt *cache.CorruptError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ce), errors.As(err, &oe), errors.As(err, &ue), errors.As(err, &unsafe), errors.As(err, &corrupt), errors.Is(err, flow.ErrNoKeySource):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	}
	return ExitNetwork
}

// errorMessage is the one line an error gets, with the flags that fix the
// inputs flow and decode name in words.
func errorMessage(err error) string {
	var oe *flow.OptionError
	var ue *flow.UnpinnedIssuerError
	var te *flow.TokenError
	var re *flow.RefusedError
	var fe *flow.Error
	switch {
	case errors.Is(err, flow.ErrNoKeySource):
		return err.Error() + ": pass --issuer, --jwks, --key or --secret"
	case errors.As(err, &ue):
		return err.Error() + " (--issuer, or --allow-http)"
	case errors.As(err, &oe):
		if f, ok := optionFlags[oe.Option]; ok {
			return f + ": " + err.Error()
		}
	case errors.As(err, &te) && te.HintOption != "":
		if f, ok := optionFlags[te.HintOption]; ok {
			return err.Error() + " (" + f + ")"
		}
	case errors.As(err, &re) && re.Option != "":
		if f, ok := optionFlags[re.Option]; ok {
			return err.Error() + " (" + f + ")"
		}
	case errors.As(err, &fe) && fe.Option != "":
		if f, ok := optionFlags[fe.Option]; ok {
			return err.Error() + " (" + f + ")"
		}
	}
	return err.Error()
}
