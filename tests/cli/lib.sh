# Helpers for the CLI's shell tests. $ZKGATE is the binary under test.
set -u
fails=0
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

# expect_ok NAME CMD...: the command must exit 0.
expect_ok() {
  local name=$1; shift
  if "$@" >"$tmp/out" 2>"$tmp/err"; then pass "$name"; else
    fail "$name: exit $? ($(head -c 400 "$tmp/err"))"; fi
}

# expect_fail NAME PATTERN CMD...: the command must exit non-zero and print PATTERN
# (grep -E) on stderr.
expect_fail() {
  local name=$1 pat=$2; shift 2
  if "$@" >"$tmp/out" 2>"$tmp/err"; then fail "$name: exited 0"; return; fi
  if grep -Eq -- "$pat" "$tmp/err"; then pass "$name"; else
    fail "$name: stderr lacks '$pat': $(head -c 400 "$tmp/err")"; fi
}

finish() {
  if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed" >&2; exit 1; fi
  echo "all checks passed"
  exit 0
}
