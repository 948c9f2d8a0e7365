#!/usr/bin/env bash
# `zkgate privacy` end to end on real files: every subcommand, its --help, and the
# errors a user sees for a wrong key, altered bytes, a wrong route and bad usage.
set -euo pipefail
: "${ZKGATE:?ZKGATE must name the zkgate binary}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 077
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_fail STATUS PATTERN CMD...: CMD must exit with STATUS and say PATTERN on stderr.
expect_fail() {
    local want="$1" pat="$2"; shift 2
    local rc=0
    "$@" >out.txt 2>err.txt || rc=$?
    [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, wanted $want: $(cat err.txt)"
    grep -q -- "$pat" err.txt || fail "'$*' did not say '$pat': $(cat err.txt)"
}

for sub in "" keygen pubkey encrypt decrypt commit open disclose audit; do
    "$ZKGATE" privacy $sub --help | grep -q "usage: zkgate privacy" || fail "--help of '$sub'"
done
expect_fail 2 "unknown subcommand" "$ZKGATE" privacy frobnicate
expect_fail 2 "expected --to" "$ZKGATE" privacy encrypt in out
expect_fail 2 "unknown option" "$ZKGATE" privacy decrypt --kee k in out

pub="$("$ZKGATE" privacy keygen a.key)"
[ "$("$ZKGATE" privacy pubkey --key a.key)" = "$pub" ] || fail "pubkey differs from keygen's"
"$ZKGATE" privacy keygen b.key >/dev/null
expect_fail 1 "ZK_ERR_EXISTS" "$ZKGATE" privacy keygen a.key
cp a.key open.key && chmod 644 open.key
expect_fail 1 "ZK_ERR_PERMISSION" "$ZKGATE" privacy decrypt --key open.key a.key x

head -c 1000 /dev/urandom >msg
"$ZKGATE" privacy encrypt --to "$pub" --aad 0102 msg ct
"$ZKGATE" privacy decrypt --key a.key --aad 0102 ct out && cmp -s msg out || fail "round trip"
expect_fail 1 "does not authenticate" "$ZKGATE" privacy decrypt --key b.key --aad 0102 ct out
expect_fail 1 "does not authenticate" "$ZKGATE" privacy decrypt --key a.key --aad 0103 ct out
printf '\x01' | dd of=ct bs=1 seek=500 conv=notrunc status=none
expect_fail 1 "ZK_ERR_DECRYPT" "$ZKGATE" privacy decrypt --key a.key --aad 0102 ct out
head -c 50 ct >short
expect_fail 1 "shorter than" "$ZKGATE" privacy decrypt --key a.key short out

leaf="$(printf '5a%.0s' $(seq 32))"
pub2="$("$ZKGATE" privacy pubkey --key b.key)"
"$ZKGATE" privacy encrypt --to "$pub" --to "$pub2" --route 10:20:30:"$leaf" msg env
[ "$(stat -c %s env)" -eq $((65 + 2 * 129 + 32 + 1024)) ] || fail "envelope size"
for k in a.key b.key; do
    "$ZKGATE" privacy decrypt --key $k --route 10:20:30:"$leaf" env out
    cmp -s msg out || fail "envelope round trip with $k"
done
expect_fail 1 "not the expected message" "$ZKGATE" privacy decrypt --key a.key --route 10:20:31:"$leaf" env out
expect_fail 2 "needs --route" "$ZKGATE" privacy encrypt --to "$pub" --to "$pub2" msg env2
expect_fail 1 "route" "$ZKGATE" privacy encrypt --to "$pub" --route 10:20:"$leaf" msg env2

value=0100000002000000ffffff7e
read -r _ c < <("$ZKGATE" privacy commit "$value" --salt-out salt.key)
"$ZKGATE" privacy open "$c" "$value" --salt-file salt.key | grep -q ok
expect_fail 1 "does not match" "$ZKGATE" privacy open "$c" 0100000002000000feffff7e --salt-file salt.key
expect_fail 1 "not below p" "$ZKGATE" privacy commit 01000000ffffffff
"$ZKGATE" privacy disclose --key b.key --commitment "$c" --value "$value" --salt-file salt.key \
    --index 7 --path "$leaf" env bundle.json
grep -q '"slot":1' bundle.json || fail "bundle names slot 1"
"$ZKGATE" privacy audit bundle.json m2 | grep -q ok
cmp -s msg m2 || fail "audited message differs"
sed 's/"salt":"\(.\)/"salt":"f/' bundle.json >bad.json
cmp -s bundle.json bad.json && sed -i 's/"salt":"f/"salt":"0/' bad.json
expect_fail 1 "ZK_ERR_P" "$ZKGATE" privacy audit bad.json
echo "privacy CLI: ok"
