#!/usr/bin/env bash
# Configures (once) and builds the project into build/. Used by the README's commands.
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=${BUILDDIR:-build}
if [[ ! -f $builddir/build.ninja ]]; then
  meson setup "$builddir" --wipe >/dev/null 2>&1 || meson setup "$builddir"
fi
meson compile -C "$builddir"
