#!/usr/bin/env bash
# `zkgate hash poseidon2` reproduces the published known-answer test of
# poseidon2-koalabear16.json (read from the file, not copied here), rejects bad
# arguments with a usage error naming the argument, and the sponge form is
# deterministic and separates inputs that differ only in trailing zero bytes.
set -u
vec="$ZKGATE_VECTORS/poseidon2-koalabear16.json"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
command -v jq >/dev/null || { echo "jq is not installed: skipped"; exit 77; }
[ -r "$vec" ] || { echo "cannot read $vec" >&2; exit 1; }

input=$(jq -r '.known_answer_tests[0].input | map(tostring) | join(" ")' "$vec")
want=$(jq -r '.known_answer_tests[0].output | map(tostring) | join(" ")' "$vec")
# shellcheck disable=SC2086
got=$("$ZKGATE" hash poseidon2 $input) || fail "known-answer input: exit $?"
[ "$got" = "$want" ] || fail "known-answer output: got '$got', want '$want'"

# p itself is out of range: a usage error (exit 2) naming X15.
set -- $input
err=$("$ZKGATE" hash poseidon2 "${@:1:15}" 2130706433 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "out-of-range argument: exit $rc, want 2"
echo "$err" | grep -q "argument X15 ('2130706433')" || fail "error does not name X15: $err"
err=$("$ZKGATE" hash poseidon2 "${@:1:3}" -5 "${@:5:12}" 2>&1 >/dev/null)
[ $? -eq 2 ] || fail "negative argument accepted"
echo "$err" | grep -q "argument X3" || fail "error does not name X3: $err"
"$ZKGATE" hash poseidon2 "${@:1:15}" >/dev/null 2>&1
[ $? -eq 2 ] || fail "15 arguments accepted"

a=$("$ZKGATE" hash poseidon2 --sponge 0x616263) || fail "sponge: exit $?"
b=$("$ZKGATE" hash poseidon2 --sponge 61 6263) || fail "sponge split: exit $?"
c=$("$ZKGATE" hash poseidon2 --sponge 0x61626300) || fail "sponge 4 bytes: exit $?"
[ "$a" = "$b" ] || fail "sponge arguments are not concatenated"
[ "$a" != "$c" ] || fail "sponge: a trailing zero byte does not change the digest"
[ "$(echo "$a" | wc -w)" -eq 8 ] || fail "sponge digest is not 8 elements: $a"
"$ZKGATE" hash poseidon2 --sponge 0x6 >/dev/null 2>&1
[ $? -eq 2 ] || fail "odd hex accepted"

[ $fails -eq 0 ] && echo "all passed"
exit $((fails > 0))
