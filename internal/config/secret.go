package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// secretCommandTimeout bounds a secret's command: long enough for a
// password manager to ask for its passphrase.
const secretCommandTimeout = 2 * time.Minute

// maxSecret is more than any client secret needs.
const maxSecret = 64 << 10

// Resolve reads the secret from where it is. stderr gets the command's
// own messages (a password manager's prompt).
func (s *Secret) Resolve(ctx context.Context, getenv func(string) string, stderr io.Writer) (string, error) {
	var v string
	switch {
	case s.Env != "":
		v = getenv(s.Env)
		if v == "" {
			return "", fmt.Errorf("client_secret: $%s is not set", s.Env)
		}
	case s.File != "":
		f, err := os.Open(s.File)
		if err != nil {
			return "", fmt.Errorf("client_secret: %v", err)
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, maxSecret+1))
		if err != nil {
			return "", fmt.Errorf("client_secret: %s: %v", s.File, err)
		}
		if len(data) > maxSecret {
			return "", fmt.Errorf("client_secret: %s is over %d KiB: not a secret", s.File, maxSecret>>10)
		}
		v = string(data)
	case len(s.Command) > 0:
		ctx, cancel := context.WithTimeout(ctx, secretCommandTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, s.Command[0], s.Command[1:]...)
		var out limited
		cmd.Stdout = &out
		cmd.Stderr = stderr
		if err := cmd.Run(); err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				err = fmt.Errorf("no answer in %s", secretCommandTimeout)
			}
			return "", fmt.Errorf("client_secret: command %s: %v", s.Command[0], err)
		}
		if out.over {
			return "", fmt.Errorf("client_secret: command %s printed over %d KiB: not a secret", s.Command[0], maxSecret>>10)
		}
		v = out.String()
	default:
		v = s.Value
	}
	v = strings.TrimRight(v, "\r\n")
	if v == "" {
		return "", fmt.Errorf("client_secret: %s is empty", s)
	}
	return v, nil
}

type limited struct {
	bytes.Buffer
	over bool
}

func (l *limited) Write(p []byte) (int, error) {
	if l.Len()+len(p) > maxSecret {
		l.over = true
		return len(p), nil
	}
	return l.Buffer.Write(p)
}
