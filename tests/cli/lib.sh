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

# npm_ensure DIR SPEC NAME: installs the npm package SPEC into DIR once. Tests that
# share DIR may run at the same time (ctest -j), so the install holds a lock and
# marks itself complete only after npm succeeded. Exits 77 (skipped) when node/npm
# are missing or the registry cannot be reached.
npm_ensure() {
  local dir=$1 spec=$2 name=$3
  if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    echo "SKIP: npm/node not installed"
    exit 77
  fi
  mkdir -p "$dir"
  if ! (
    flock 9
    if [ ! -f "$dir/.installed-$name" ]; then
      timeout 180 npm install --prefix "$dir" "$spec" --no-audit --no-fund \
        >"$dir/npm-$name.log" 2>&1 || exit 1
      touch "$dir/.installed-$name"
    fi
  ) 9>"$dir/.lock"; then
    echo "SKIP: npm install $spec failed (no network?):"
    tail -5 "$dir/npm-$name.log"
    exit 77
  fi
}

# start_chain CONFIG DATA_DIR: starts `zkgate chain` on a free loopback port in the
# background; sets pid (also in pids, killed on exit) and url. Fails the test and
# finishes when the node does not print its address within 10 s.
start_chain() {
  "$ZKGATE" chain --config "$1" --data-dir "$2" --rpc-addr 127.0.0.1:0 \
    >"$tmp/node.out" 2>"$tmp/node.err" &
  pid=$!
  pids+=("$pid")
  local port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's|^rpc: http://127.0.0.1:\([0-9]*\)$|\1|p' "$tmp/node.out")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { fail "node did not start: $(cat "$tmp/node.err")"; finish; }
  url="http://127.0.0.1:$port"
}

# cast_setup: installs Foundry's cast from npm under the build folder (exit 77 when
# it cannot be had), sets cast_bin and keeps cast's files out of the user's HOME.
cast_setup() {
  local npmdir="$ZKGATE_BUILD/npm"
  npm_ensure "$npmdir" @foundry-rs/cast-linux-amd64 cast
  cast_bin="$npmdir/node_modules/@foundry-rs/cast-linux-amd64/bin/cast"
  [ -x "$cast_bin" ] || { echo "SKIP: no cast binary in the package"; exit 77; }
  export HOME="$tmp/home" FOUNDRY_DISABLE_NIGHTLY_WARNING=1
  mkdir -p "$HOME"
}
