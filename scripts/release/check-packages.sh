#!/usr/bin/env bash
# Builds the release snapshot with goreleaser (no publishing, no container
# image: that needs a Docker daemon) and checks what the deb installs.
# TestReleaseSnapshot runs it when goreleaser is on the PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
goreleaser check
log=$(mktemp)
trap 'rm -f "$log"' EXIT
goreleaser release --snapshot --clean --skip=docker,publish,sign >"$log" 2>&1 || { cat "$log"; exit 1; }
# The before hook runs go mod tidy: a module file it changes was untidy.
git diff --exit-code go.mod go.sum || { echo "check-packages: go mod tidy changed go.mod or go.sum"; exit 1; }
deb=$(ls dist/oidc_*_linux_amd64.deb)
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for want in \
  ./usr/bin/oidc \
  ./usr/share/bash-completion/completions/oidc \
  ./usr/share/zsh/vendor-completions/_oidc \
  ./usr/share/fish/vendor_completions.d/oidc.fish \
  ./usr/share/man/man1/oidc.1.gz \
  ./usr/share/man/man1/oidc-login.1.gz \
  ./usr/share/man/man1/oidc-serve.1.gz \
  ./usr/share/doc/oidc/copyright; do
  grep -qx -- "$want" <<<"$files" || { echo "check-packages: $deb lacks $want"; echo "$files"; exit 1; }
done
# The packaged binary runs and its pages open.
tmp=$(mktemp -d)
dpkg-deb -x "$deb" "$tmp"
"$tmp/usr/bin/oidc" version
zcat "$tmp/usr/share/man/man1/oidc-verify.1.gz" | grep -q '^\.TH "OIDC-VERIFY" "1"'
rpm=$(ls dist/oidc_*_linux_amd64.rpm)
test -s "$rpm"
test -s dist/homebrew/Casks/oidc.rb
grep -q 'manpage "manpages/oidc.1.gz"' dist/homebrew/Casks/oidc.rb
grep -q 'manpage "manpages/oidc-login.1.gz"' dist/homebrew/Casks/oidc.rb
rm -rf "$tmp"
echo "check-packages: $deb, $rpm and the cask have what they should"
