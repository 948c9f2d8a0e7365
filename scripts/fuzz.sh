#!/usr/bin/env bash
# Fuzzes the proof verifier (tests/fuzz/fuzz_verify.c) with libFuzzer for SECONDS
# (default 60): configures build-fuzz with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, builds the target, writes the seed corpus (valid
# proofs) and runs. Exits 0, saying it skipped, when clang or libFuzzer is missing;
# on CI (CI=true) it installs clang first. A crash, a sanitizer report or a broken
# invariant exits non-zero and leaves the input in build-fuzz/tests/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
case "$secs" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
build=${ZKGATE_FUZZ_BUILD:-build-fuzz}
jobs=${JOBS:-2}

if ! command -v clang >/dev/null 2>&1 && [ "${CI:-}" = true ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo=sudo; fi
  echo "fuzz: installing clang"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clang >/dev/null ||
    echo "fuzz: installing clang failed" >&2
fi
if ! command -v clang >/dev/null 2>&1; then
  echo "fuzz: skipped (clang not found; CI=true installs it)"
  exit 0
fi
# Some distributions ship libFuzzer's runtime apart from clang: probe for it.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
  'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
  'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return (int)(d && n) * 0; }' \
  > "$probe/p.c"
if ! clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
  echo "fuzz: skipped (clang cannot link -fsanitize=fuzzer: libFuzzer's runtime is missing)"
  exit 0
fi

cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DZKGATE_FUZZ=ON -DZKGATE_CUDA=OFF \
  -DZKGATE_SANITIZE=fuzzer-no-link,address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$jobs" --target fuzz_verify fuzz_corpus
cd "$build/tests/fuzz"
# New inputs go to work/; corpus/ holds the generated seeds and stays as built.
mkdir -p work
echo "fuzz: running fuzz_verify for ${secs}s (log: $build/tests/fuzz/fuzz.log)"
rc=0
./fuzz_verify -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
  work corpus >fuzz.log 2>&1 || rc=$?
grep -E '^(INFO: seed|#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|==[0-9]+==ERROR|SUMMARY|fuzz_verify:|artifact_prefix)' fuzz.log || true
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' fuzz.log)
if [ "$rc" -ne 0 ]; then
  tail -n 40 fuzz.log >&2
  echo "fuzz: FAILED (exit $rc); the input that failed is named above" >&2
  exit "$rc"
fi
echo "fuzz: ok, ${execs:-?} executions in ${secs}s, $(ls work | wc -l) new corpus inputs in $build/tests/fuzz/work"
