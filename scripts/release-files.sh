#!/usr/bin/env bash
# Writes what the release archives and packages carry besides the binary:
# shell completions in completions/ and gzipped manual pages in manpages/
# (goreleaser's before hook). Arguments: the version and the date (RFC 3339)
# the pages name; a checkout's own when not given.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf completions manpages
mkdir -p completions manpages
pkg=github.com/oidcdev/oidc/internal/version
go build -ldflags "${1:+-X $pkg.version=$1} ${2:+-X $pkg.date=$2}" -o completions/.oidc ./cmd/oidc
for sh in bash zsh fish powershell; do
  completions/.oidc completion "$sh" > "completions/oidc.$sh"
done
completions/.oidc man --dir manpages 2>/dev/null
rm completions/.oidc
# -n: no name or time in the header, so the same pages give the same files.
gzip -9n manpages/*.1
