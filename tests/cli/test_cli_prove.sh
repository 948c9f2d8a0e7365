#!/usr/bin/env bash
# zkgate prove / verify on the built-in circuits: valid proofs verify (exit 0),
# tampered ones are invalid (exit 1), malformed files are refused (exit 2), and
# --info prints sizes, parameters and security bits.
. "$(dirname "$0")/lib.sh"

# expect_exit NAME CODE CMD...: the command must exit with CODE.
expect_exit() {
  local name=$1 want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then pass "$name"; else
    fail "$name: exit $got, wanted $want ($(head -c 300 "$tmp/err") $(head -c 300 "$tmp/out"))"; fi
}

for zk in "" "--zk"; do
  expect_ok "prove hashchain $zk" "$ZKGATE" prove --circuit hashchain --size 64 $zk --out "$tmp/hc$zk.bin"
  expect_exit "verify hashchain $zk" 0 "$ZKGATE" verify "$tmp/hc$zk.bin"
  grep -q "^valid" "$tmp/out" && pass "says valid" || fail "no 'valid' line"
  expect_ok "prove merkle $zk" "$ZKGATE" prove --circuit merkle --size 2 $zk --out "$tmp/mk$zk.bin"
  expect_exit "verify merkle $zk" 0 "$ZKGATE" verify "$tmp/mk$zk.bin"
done

expect_exit "verify --info" 0 "$ZKGATE" verify --info "$tmp/hc.bin"
for k in "conjectured bits" "proven bits" "rows" "queries" "bytes"; do
  grep -q "$k" "$tmp/out" && pass "info shows $k" || fail "info lacks $k: $(cat "$tmp/out")"
done

# a flipped byte in the proof part (the file's last bytes) -> invalid or malformed, never 0
size=$(stat -c %s "$tmp/hc.bin")
for off in 200 300 $((size / 2)) $((size - 5)); do
  cp "$tmp/hc.bin" "$tmp/bad.bin"
  old=$(od -An -tu1 -j "$off" -N1 "$tmp/hc.bin" | tr -d ' ')
  printf "\\x$(printf %02x $((old ^ 0x55)))" | dd of="$tmp/bad.bin" bs=1 seek="$off" conv=notrunc status=none
  "$ZKGATE" verify "$tmp/bad.bin" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ "$rc" -eq 1 ] || [ "$rc" -eq 2 ]; then pass "flip at $off rejected ($rc)"; else
    fail "flip at $off: exit $rc"; fi
done
# a changed public input (the first one, right after the header) -> invalid
cp "$tmp/hc.bin" "$tmp/pi.bin"
# header: magic, version, name length, "hashchain" (9), size, zk, 6 params, digest (8), count
off=$((4 + 4 + 4 + 9 + 4 + 4 + 24 + 32 + 4))
old=$(od -An -tu1 -j "$off" -N1 "$tmp/hc.bin" | tr -d ' ')
printf "\\x$(printf %02x $((old ^ 0x02)))" | dd of="$tmp/pi.bin" bs=1 seek="$off" conv=notrunc status=none
expect_exit "changed public input" 1 "$ZKGATE" verify "$tmp/pi.bin"
grep -q "^invalid" "$tmp/out" && pass "says invalid" || fail "no 'invalid' line"
# a file of the previous format (version 1, before the Poseidon2 swap bit) is refused as such
cp "$tmp/hc.bin" "$tmp/v1.bin"
printf '\x01' | dd of="$tmp/v1.bin" bs=1 seek=4 conv=notrunc status=none
expect_exit "version-1 file" 2 "$ZKGATE" verify "$tmp/v1.bin"
grep -q "version 1" "$tmp/err" "$tmp/out" && pass "names the old version" ||
  fail "no version in: $(cat "$tmp/err" "$tmp/out")"
# one byte short / one byte more / garbage / missing
head -c $((size - 1)) "$tmp/hc.bin" >"$tmp/short.bin"
expect_exit "truncated" 2 "$ZKGATE" verify "$tmp/short.bin"
{ cat "$tmp/hc.bin"; printf '\x00'; } >"$tmp/long.bin"
expect_exit "extended" 2 "$ZKGATE" verify "$tmp/long.bin"
head -c 1000 /dev/urandom >"$tmp/junk.bin"
expect_exit "garbage" 2 "$ZKGATE" verify "$tmp/junk.bin"
expect_exit "missing file" 2 "$ZKGATE" verify "$tmp/nosuch.bin"
: >"$tmp/empty.bin"
expect_exit "empty file" 2 "$ZKGATE" verify "$tmp/empty.bin"
# the weak test preset is refused by default, accepted when asked for
expect_ok "prove test preset" "$ZKGATE" prove --circuit hashchain --size 8 --preset test --out "$tmp/weak.bin"
expect_exit "weak proof refused" 1 "$ZKGATE" verify "$tmp/weak.bin"
grep -q "conjectured bits" "$tmp/out" && pass "says why" || fail "no reason: $(cat "$tmp/out")"
expect_exit "weak proof with --min-bits 0" 0 "$ZKGATE" verify --min-bits 0 "$tmp/weak.bin"
# usage errors
expect_fail "unknown circuit" "no built-in circuit" "$ZKGATE" prove --circuit nosuch --size 4 --out "$tmp/x"
expect_fail "size 0" "out of range" "$ZKGATE" prove --circuit hashchain --size 0 --out "$tmp/x"
expect_fail "unknown preset" "preset" "$ZKGATE" prove --circuit hashchain --size 4 --preset nosuch --out "$tmp/x"
expect_fail "no out" "required" "$ZKGATE" prove --circuit hashchain --size 4

# backends: the command says which it used; cpu and auto give the same bytes as
# cuda would (checked by test_prove_emu / test_gpu_prove); cuda without a usable
# device fails and says why; unknown names are refused, also from the environment
expect_ok "prove --backend cpu" "$ZKGATE" prove --circuit hashchain --size 16 --backend cpu --out "$tmp/cpu.bin"
grep -q " on cpu -> " "$tmp/out" && pass "says cpu" || fail "no backend in: $(cat "$tmp/out")"
grep -q "^backend: cpu (as asked)" "$tmp/err" && pass "says why cpu" || fail "stderr: $(cat "$tmp/err")"
expect_exit "cpu proof verifies" 0 "$ZKGATE" verify "$tmp/cpu.bin"
expect_ok "prove --backend auto" "$ZKGATE" prove --circuit hashchain --size 16 --backend auto --out "$tmp/auto.bin"
if grep -q " on cpu -> " "$tmp/out"; then
  grep -q "^backend: cpu (auto: " "$tmp/err" && pass "auto says why it fell back" \
    || fail "stderr: $(cat "$tmp/err")"
  expect_fail "cuda without a device" "--backend cuda: .*(no CUDA device|without the CUDA backend|no usable|driver)" \
    "$ZKGATE" prove --circuit hashchain --size 16 --backend cuda --out "$tmp/cuda.bin"
  [ ! -e "$tmp/cuda.bin" ] && pass "no file from a refused backend" || fail "cuda.bin written"
else
  grep -q " on cuda -> " "$tmp/out" && pass "auto chose the GPU" || fail "out: $(cat "$tmp/out")"
  expect_ok "prove --backend cuda" "$ZKGATE" prove --circuit hashchain --size 16 --backend cuda --out "$tmp/cuda.bin"
  expect_exit "cuda proof verifies" 0 "$ZKGATE" verify "$tmp/cuda.bin"
fi
expect_exit "auto proof verifies" 0 "$ZKGATE" verify "$tmp/auto.bin"
expect_fail "unknown backend" "unknown backend 'gpu'" "$ZKGATE" prove --circuit hashchain --size 4 --backend gpu --out "$tmp/x"
expect_fail "unknown backend from the environment" "ZKGATE_BACKEND" \
  env ZKGATE_BACKEND=fast "$ZKGATE" prove --circuit hashchain --size 4 --out "$tmp/x"
expect_fail "empty --backend" "unknown backend ''.*from --backend" \
  "$ZKGATE" prove --circuit hashchain --size 4 --backend "" --out "$tmp/x"
expect_ok "empty \$ZKGATE_BACKEND is unset" env ZKGATE_BACKEND= "$ZKGATE" prove --circuit hashchain --size 4 --out "$tmp/x"
expect_ok "backend from the environment" env ZKGATE_BACKEND=cpu "$ZKGATE" prove --circuit hashchain --size 4 --out "$tmp/env.bin"
grep -q " on cpu -> " "$tmp/out" && pass "environment honoured" || fail "out: $(cat "$tmp/out")"
expect_fail "bad --gpu-memory" "gpu-memory" "$ZKGATE" prove --circuit hashchain --size 4 --gpu-memory 0 --out "$tmp/x"

# the prover configuration (kind "prover"): --backend > --config > $ZKGATE_BACKEND
printf '{"kind": "prover", "backend": "cpu", "gpu_memory_mib": 512}\n' >"$tmp/cpu.json"
expect_ok "config check prover" "$ZKGATE" config check "$tmp/cpu.json"
expect_ok "config check shipped prover.json" "$ZKGATE" config check "$(dirname "$0")/../../config/prover.json"
expect_ok "config over the environment" env ZKGATE_BACKEND=cuda "$ZKGATE" prove --circuit hashchain --size 4 --config "$tmp/cpu.json" --out "$tmp/cfg.bin"
grep -q " on cpu -> " "$tmp/out" && pass "config's backend used" || fail "out: $(cat "$tmp/out")"
printf '{"kind": "prover", "backend": "cuda"}\n' >"$tmp/cuda.json"
expect_ok "a valid flag over the config" "$ZKGATE" prove --circuit hashchain --size 4 --config "$tmp/cuda.json" --backend cpu --out "$tmp/x"
grep -q " on cpu -> " "$tmp/out" && pass "the flag's backend used" || fail "out: $(cat "$tmp/out")"
expect_fail "flag over the config" "(--backend|--backend cuda: )" \
  "$ZKGATE" prove --circuit hashchain --size 4 --config "$tmp/cpu.json" --backend gpu --out "$tmp/x"
printf '{"kind": "prover", "backend": "gpu"}\n' >"$tmp/bad.json"
expect_fail "unknown backend in the config" "backend: 'gpu'" "$ZKGATE" prove --circuit hashchain --size 4 --config "$tmp/bad.json" --out "$tmp/x"
expect_fail "config check refuses it" "backend: 'gpu'" "$ZKGATE" config check "$tmp/bad.json"
printf '{"kind": "prover", "backend": "cpu", "threads": 4}\n' >"$tmp/extra.json"
expect_fail "unknown key in the config" "threads" "$ZKGATE" prove --circuit hashchain --size 4 --config "$tmp/extra.json" --out "$tmp/x"
expect_fail "missing config" "nosuch" "$ZKGATE" prove --circuit hashchain --size 4 --config "$tmp/nosuch.json" --out "$tmp/x"
finish
