#!/usr/bin/env bash
# The test command (README, .ci/run): installs dependencies, builds, and runs every tier.
#   tools/test.sh                 all suites: unit, privileged, vm
#   tools/test.sh --suite unit    any `meson test` arguments are passed through
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=${BUILDDIR:-build}

tools/install-deps.sh
BUILDDIR=$builddir tools/build.sh

status=0
meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@" || status=$?

# One plain closing line, counted from meson's own log of this run.
/usr/bin/python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0, "TIMEOUT": 0, "ERROR": 0, "UNEXPECTEDPASS": 0, "EXPECTEDFAIL": 0}
with open(sys.argv[1]) as log:
    for line in log:
        result = json.loads(line).get("result", "ERROR")
        counts[result] = counts.get(result, 0) + 1
passed = counts["OK"] + counts["EXPECTEDFAIL"]
failed = counts["FAIL"] + counts["TIMEOUT"] + counts["ERROR"] + counts["UNEXPECTEDPASS"]
print(f"tests: {passed} passed, {failed} failed, {counts['SKIP']} skipped")
PY
exit $status
