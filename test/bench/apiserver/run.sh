#!/usr/bin/env bash
# Benchmark of kr-apiserver (issue 5): create N pods over 4 connections while a watch started
# a third of the way through must see every later create in order, then list all pods in
# pages of 500. Prints the create rate and the paged-list time, and as a same-run reference
# the rate of GET /healthz on the same connections (the HTTP floor) with the ratio.
#   test/bench/apiserver/run.sh [builddir] [pods]     (defaults: build, 150000)
set -euo pipefail
cd "$(dirname "$0")/../../.."
builddir=${1:-build}
pods=${2:-150000}
ninja -C "$builddir" tools/kr-apiserver/kr-apiserver tools/kr-apiserver/kr-apiserver-load >/dev/null
exec /usr/bin/python3 tools/kr-apiserver/load_test.py \
  "$builddir/tools/kr-apiserver/kr-apiserver" \
  "$builddir/tools/kr-apiserver/kr-apiserver-load" "$pods" --reference
