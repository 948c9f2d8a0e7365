#!/usr/bin/env bash
# Runs the privacy unit tests (key agreement, sealing, envelopes, padding, viewing
# keys, commitments, disclosure: every path that handles secrets) under valgrind
# memcheck. Skips (77) when valgrind is not installed.
set -euo pipefail
: "${ZKGATE_BUILD:?ZKGATE_BUILD must name the build folder}"
if ! command -v valgrind >/dev/null 2>&1; then
    echo "SKIP: valgrind is not installed" >&2
    exit 77
fi
for t in test_ecies test_commit; do
    bin="$ZKGATE_BUILD/tests/privacy/$t"
    [ -x "$bin" ] || { echo "FAIL: $bin is not built" >&2; exit 1; }
    echo "== valgrind $t"
    valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --track-origins=yes "$bin"
done
