package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/go-jose/go-jose/v4"
	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/decode"
)

func newKeygenCmd(io *IO, _ *GlobalOptions) *cobra.Command {
	var alg, out string
	c := &cobra.Command{
		Use:   "keygen --out FILE",
		Short: "Make a client key pair for private_key_jwt: the private JWK to a file, the public JWKS to register on stdout",
		Long: `Keygen makes a key pair for a client that authenticates with private_key_jwt
(RFC 7523, OIDC Core 9). The private key goes to --out as a JWK, created
0600 and never overwritten; the public JWKS to register with the issuer is
printed on stdout. Its kid is the key's RFC 7638 thumbprint.`,
		Example: `  oidc keygen --out client-key.json > client-jwks.json
  oidc client-credentials --issuer "$ISS" --client-id svc --client-key client-key.json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if out == "" {
				return usageError("--out FILE is required: the private key is written there, never to stdout")
			}
			k, err := decode.NewSigningKey(alg)
			if err != nil {
				return usageError("--key-alg: %v", err)
			}
			priv, err := json.MarshalIndent(k, "", "  ")
			if err != nil {
				return err
			}
			f, err := os.OpenFile(filePath(out), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if errors.Is(err, os.ErrExist) {
				return usageError("--out %s exists: a key is never overwritten", filePath(out))
			}
			if err != nil {
				return usageError("--out: %v", err)
			}
			if _, err := f.Write(append(priv, '\n')); err != nil {
				f.Close()
				return usageError("--out: %v", err)
			}
			if err := f.Close(); err != nil {
				return usageError("--out: %v", err)
			}
			pub, _ := json.MarshalIndent(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k.Public()}}, "", "  ")
			if _, err := fmt.Fprintf(io.Out, "%s\n", pub); err != nil {
				return outputError(err)
			}
			return nil
		},
	}
	c.Flags().StringVar(&alg, "key-alg", "ES256", "the new key's algorithm: ES256, RS256, PS256 or EdDSA")
	c.Flags().StringVar(&out, "out", "", "write the private key (a JWK) to this `file`, created 0600")
	return c
}
