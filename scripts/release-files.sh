#!/usr/bin/env bash
# Writes shell completion scripts to completions/ for release archives.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf completions
mkdir -p completions
for sh in bash zsh fish powershell; do
  go run ./cmd/oidc completion "$sh" > "completions/oidc.$sh"
done
