#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what the checked-in .clang-format produces.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.hpp' '*.cpp' '*.cc' 2>/dev/null || true)
((${#files[@]} == 0)) && { echo "no C++ files tracked"; exit 0; }
clang-format --dry-run -Werror "${files[@]}"
echo "clang-format: ${#files[@]} files clean"
