#!/usr/bin/env bash
# `zkgate keygen` and `zkgate hash keccak` as a user runs them: key file mode, no
# private key on the output, the ethereum.json vectors, and clear usage errors.
. "$(dirname "$0")/lib.sh"

vectors="$ZKGATE_VECTORS/ethereum.json"
# json_query FILTER: jq when installed, else python3.
json_query() {
  if command -v jq >/dev/null; then jq -r "$1" "$vectors"; else
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
exec("r="+sys.argv[2]); print("\n".join(r) if isinstance(r,list) else r)' "$vectors" "$2"; fi
}

# keygen: a new file, mode 0600, address and public key printed, never the key.
expect_ok "keygen --out" "$ZKGATE" keygen --out "$tmp/a.key"
mode=$(stat -c %a "$tmp/a.key")
[ "$mode" = 600 ] && pass "key file mode 600" || fail "key file mode is $mode"
grep -Eq '^address: 0x[0-9a-fA-F]{40}$' "$tmp/out" || fail "keygen prints no address: $(cat "$tmp/out")"
grep -Eq '^public key: 0x04[0-9a-f]{128}$' "$tmp/out" || fail "keygen prints no public key"
key=$(tr -d '\n' <"$tmp/a.key")
[[ "$key" =~ ^[0-9a-f]{64}$ ]] && pass "key file holds 64 hex digits" || fail "key file content"
if grep -qi "${key:8:48}" "$tmp/out" "$tmp/err"; then fail "the private key was printed"; else
  pass "private key not printed"; fi
addr=$(sed -n 's/^address: //p' "$tmp/out")
pub=$(sed -n 's/^public key: //p' "$tmp/out")

expect_ok "keygen --show-address" "$ZKGATE" keygen --show-address "$tmp/a.key"
[ "$(sed -n 's/^address: //p' "$tmp/out")" = "$addr" ] && pass "same address from the file" ||
  fail "show-address differs"
[ "$(sed -n 's/^public key: //p' "$tmp/out")" = "$pub" ] || fail "show-address public key differs"

cp "$tmp/a.key" "$tmp/a.copy"
expect_fail "no overwrite" "already exists" "$ZKGATE" keygen --out "$tmp/a.key"
cmp -s "$tmp/a.key" "$tmp/a.copy" && pass "existing key unchanged" || fail "existing key changed"
chmod 644 "$tmp/a.key"
expect_fail "mode 0644 refused" "mode 0644" "$ZKGATE" keygen --show-address "$tmp/a.key"
chmod 640 "$tmp/a.key"
expect_fail "mode 0640 refused" "mode 0640" "$ZKGATE" keygen --show-address "$tmp/a.key"
expect_fail "keygen without args" "give exactly one of" "$ZKGATE" keygen
expect_fail "keygen --out without file" "needs a FILE" "$ZKGATE" keygen --out
expect_fail "keygen unknown flag" "unexpected argument '--frob'" "$ZKGATE" keygen --frob
expect_ok "keygen --help" "$ZKGATE" keygen --help
grep -q -- "--show-address" "$tmp/out" || fail "--help documents --show-address"

# The ethereum.json keys give exactly their EIP-55 addresses.
keys=($(json_query '.secp256k1_private_key_to_address[].private_key' \
  '[v["private_key"] for v in d["secp256k1_private_key_to_address"]]'))
addrs=($(json_query '.secp256k1_private_key_to_address[].address' \
  '[v["address"] for v in d["secp256k1_private_key_to_address"]]'))
[ "${#keys[@]}" -ge 3 ] && [ "${#keys[@]}" -eq "${#addrs[@]}" ] || fail "reading $vectors"
for i in "${!keys[@]}"; do
  f="$tmp/v$i.key"
  (umask 077 && echo "${keys[$i]}" >"$f")
  expect_ok "vector key $i" "$ZKGATE" keygen --show-address "$f"
  got=$(sed -n 's/^address: //p' "$tmp/out")
  [ "$got" = "${addrs[$i]}" ] && pass "vector address $i" || fail "vector $i: $got != ${addrs[$i]}"
done

# hash keccak against the vectors, as text and as hex.
abc=$(json_query '.keccak256[] | select(.input_utf8 == "abc") | .hash' \
  '[v["hash"] for v in d["keccak256"] if v["input_utf8"] == "abc"][0]')
empty=$(json_query '.keccak256[] | select(.input_utf8 == "") | .hash' \
  '[v["hash"] for v in d["keccak256"] if v["input_utf8"] == ""][0]')
expect_ok "hash keccak --text abc" "$ZKGATE" hash keccak --text abc
[ "$(cat "$tmp/out")" = "$abc" ] && pass "keccak(abc) vector" || fail "keccak(abc) = $(cat "$tmp/out")"
expect_ok "hash keccak 0x616263" "$ZKGATE" hash keccak 0x616263
[ "$(cat "$tmp/out")" = "$abc" ] || fail "keccak(0x616263) = $(cat "$tmp/out")"
expect_ok "hash keccak 616263" "$ZKGATE" hash keccak 616263
[ "$(cat "$tmp/out")" = "$abc" ] || fail "keccak(616263) = $(cat "$tmp/out")"
expect_ok "hash keccak empty" "$ZKGATE" hash keccak 0x
[ "$(cat "$tmp/out")" = "$empty" ] || fail "keccak() = $(cat "$tmp/out")"

expect_fail "bad hex names position" "not a hex digit at position 4" "$ZKGATE" hash keccak 0x61z263
expect_fail "odd hex" "odd number of hex digits" "$ZKGATE" hash keccak 0x61626
expect_fail "no input" "give HEX or --text" "$ZKGATE" hash keccak
expect_fail "--text without string" "needs a STRING" "$ZKGATE" hash keccak --text
expect_fail "extra argument" "unexpected argument 'x'" "$ZKGATE" hash keccak --text abc x
"$ZKGATE" hash keccak 0xzz >/dev/null 2>&1
[ $? -eq 2 ] && pass "bad hex is a usage error (exit 2)" || fail "bad hex exit status"

finish
