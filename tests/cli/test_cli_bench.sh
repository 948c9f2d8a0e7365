#!/usr/bin/env bash
# Smoke run of every benchmark group (--quick): each case prints one JSON line with
# its time, throughput, bound and ratio. Figures are not checked (they are for
# docs/PERFORMANCE.md); that the code runs and reports every field is.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }

TMPDIR="$tmp" expect_ok "bench all --quick --json" "$ZKGATE" bench all --quick --json
n=0
while read -r line; do
  n=$((n + 1))
  if ! jq -e '(.group|type=="string") and (.case|type=="string") and (.seconds>0)
      and (.throughput>0) and (.bound|type=="number") and (.ratio|type=="number")
      and (.unit|type=="string")' >/dev/null 2>&1 <<<"$line"; then
    fail "line $n is not a complete result: $line"
  fi
done <"$tmp/out"
for g in field ntt poseidon2 merkle smt chain prove recursion; do
  grep -q "\"group\":\"$g\"" "$tmp/out" && pass "group $g reported" || fail "no $g results"
done
expect_fail "unknown group" "unknown group" "$ZKGATE" bench nosuch
expect_fail "bad threads" "threads" "$ZKGATE" bench field --threads 0
# Without the backend built, or built but without a usable device (every CI
# machine), --backend cuda is one clear line and exit 1; with a device it runs.
if "$ZKGATE" bench ntt --backend cuda >"$tmp/cuda.out" 2>"$tmp/cuda.err"; then
  pass "bench --backend cuda ran on a device"
else
  [ "$(wc -l <"$tmp/cuda.err")" = 1 ] \
    && grep -Eq "built without the CUDA backend|no CUDA device" "$tmp/cuda.err" \
    && pass "no cuda backend or device: one line saying which" \
    || fail "bench --backend cuda without a device: $(cat "$tmp/cuda.err")"
fi
expect_fail "bad backend" "backend" "$ZKGATE" bench ntt --backend opencl
finish
