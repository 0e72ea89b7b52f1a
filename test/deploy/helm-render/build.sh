#!/bin/sh
# Builds helm-render offline from Debian's packaged Go sources (GOPATH mode).
#   build.sh OUTPUT WORKDIR
# Debian ships Masterminds/semver v3 at its v1 import path; sprig imports ".../semver/v3",
# so WORKDIR gets a GOPATH whose only entry is that alias, searched before /usr/share/gocode.
set -eu
out=$(realpath -m "$1")
work=$(realpath -m "$2")
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work/gopath/src/github.com/Masterminds/semver" "$work/cache"
ln -sfn /usr/share/gocode/src/github.com/Masterminds/semver "$work/gopath/src/github.com/Masterminds/semver/v3"
cd "$src"
GO111MODULE=off GOFLAGS= GOPROXY=off GOPATH="$work/gopath:/usr/share/gocode" GOCACHE="$work/cache" \
  go build -o "$out" main.go chart.go values.go schema.go engine.go manifests.go
