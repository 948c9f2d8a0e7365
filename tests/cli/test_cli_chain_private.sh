#!/usr/bin/env bash
# A private chain's messages over HTTP (docs/CHAIN.md, "Private chains"): a
# private node (config/chain-private.json with a "peers" entry for the public
# chain) and a public node (config/chain-public.json). `zkgate chain pubkey`
# makes and prints the public chain's key; cast sends to OUTBOX.send on the
# private node with the dev-user token; chain_getMessage shows that token and
# the relay token the envelope and routing fields only and the admin token the
# cleartext; the relay token sees the commitment but not the state root, and no
# member's method; chain_getPublicKey; a send to a chain without a key is
# refused with its message; `zkgate chain interop-root` builds an interop root
# over the private chain's record, the relay adds it to the public node and
# imports the envelope, which the public node opens and delivers (bob's bridged
# balance rises by the amount); a retry is a duplicate, an altered envelope or
# path is rejected. Skipped (exit 77) without cast.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }

cast_setup

dev=0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266
bob=0x70997970c51812dc3a010c7d01b50e0d17dc79c8
outbox=0x000000000000000000000000000000005a4b0002
zero32=0x0000000000000000000000000000000000000000000000000000000000000000
user_tok=zkgate-dev-user-token-not-secret
admin_tok=zkgate-dev-admin-token-not-secret
relay_tok=zkgate-dev-relay-token-not-secret
key=$(jq -r --arg a "$dev" '.secp256k1_private_key_to_address[]
  | select((.address | ascii_downcase) == $a) | .private_key' "$ZKGATE_VECTORS/ethereum.json")

# The public chain (31337) gets a relay token (the dev one) for imports.
jq '.block_time_ms = 200 | .auth.tokens = [{"name": "gw", "role": "relay",
  "sha256": "fa8025ba110f42d1166f4917ab0ea622e3ef4d25f16f841f2877c1a081b6aab6"}]' \
  "$ZKGATE_SRC/config/chain-public.json" >"$tmp/pub.json"
pubkey=$("$ZKGATE" chain pubkey --config "$tmp/pub.json" --data-dir "$tmp/pubdata")
[[ $pubkey =~ ^0x04[0-9a-f]{128}$ ]] && pass "chain pubkey prints an uncompressed key" \
  || fail "chain pubkey: '$pubkey'"
[ "$(stat -c %a "$tmp/pubdata/chain.key")" = 600 ] && pass "chain.key has mode 0600" \
  || fail "chain.key mode $(stat -c %a "$tmp/pubdata/chain.key")"
[ "$("$ZKGATE" chain pubkey --config "$tmp/pub.json" --data-dir "$tmp/pubdata")" = "$pubkey" ] \
  && pass "chain pubkey reads the same key again" || fail "chain pubkey changed"

# Bad peers entries are refused at load.
jq --arg k "$pubkey" '.peers = [{"chain_id": 31338, "public_key": $k}]' \
  "$ZKGATE_SRC/config/chain-private.json" >"$tmp/bad.json"
expect_fail "a peer with this chain's id" "peers\[0\]\.chain_id.*this chain" \
  "$ZKGATE" config check "$tmp/bad.json"
jq --arg k "${pubkey%??}00" '.peers = [{"chain_id": 31337, "public_key": $k}]' \
  "$ZKGATE_SRC/config/chain-private.json" >"$tmp/bad.json"
expect_fail "a peer key off the curve" "peers\[0\]\.public_key" \
  "$ZKGATE" config check "$tmp/bad.json"
jq --arg k "$pubkey" '.peers = [{"chain_id": 5, "public_key": $k}, {"chain_id": 5, "public_key": $k}]' \
  "$ZKGATE_SRC/config/chain-private.json" >"$tmp/bad.json"
expect_fail "a peer chain twice" "chain 5 is also peers\[0\]" "$ZKGATE" config check "$tmp/bad.json"
jq --arg k "$pubkey" '.auditors = [$k, $k, $k, $k, $k, $k, $k, $k]' \
  "$ZKGATE_SRC/config/chain-private.json" >"$tmp/bad.json"
expect_fail "eight auditors" "auditors.*at most 7" "$ZKGATE" config check "$tmp/bad.json"

# The private chain (31338) with the public one as its peer.
jq --arg k "$pubkey" '.block_time_ms = 200 | .batch_blocks = 1
  | .peers = [{"chain_id": 31337, "public_key": $k}]' \
  "$ZKGATE_SRC/config/chain-private.json" >"$tmp/priv.json"
expect_ok "config check of the private config" "$ZKGATE" config check "$tmp/priv.json"
start_chain "$tmp/priv.json" "$tmp/privdata"
purl=$url
start_chain "$tmp/pub.json" "$tmp/pubdata"
burl=$url

rpc() { # rpc URL TOKEN METHOD PARAMS_JSON -> response body
  local auth=()
  [ -n "$2" ] && auth=(-H "Authorization: Bearer $2")
  curl -s "${auth[@]}" -H 'Content-Type: application/json' -o "$tmp/body" -w '%{http_code}' \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$3\",\"params\":$4}" "$1" >"$tmp/code"
  cat "$tmp/body"
}

# chain_getPublicKey: with a token on the private chain, without on the public.
own=$("$ZKGATE" chain pubkey --config "$tmp/priv.json" --data-dir "$tmp/privdata")
[ "$(rpc "$purl" "$user_tok" chain_getPublicKey '[]' | jq -r .result)" = "$own" ] \
  && pass "chain_getPublicKey (private, user token)" || fail "getPublicKey: $(cat "$tmp/body")"
rpc "$purl" "" chain_getPublicKey '[]' >/dev/null
[ "$(cat "$tmp/code")" = 401 ] && pass "chain_getPublicKey needs a token on a private chain" \
  || fail "no token: HTTP $(cat "$tmp/code")"
[ "$(rpc "$burl" "" chain_getPublicKey '[]' | jq -r .result)" = "$pubkey" ] \
  && pass "chain_getPublicKey (public, anonymous)" || fail "public key: $(cat "$tmp/body")"

# cast send to OUTBOX.send with the dev-user token.
cast() { timeout 60 "$cast_bin" "$@" --rpc-url "$purl" --rpc-headers "Authorization: Bearer $user_tok"; }
sig='send(uint64,address,uint64,bytes32,uint256,bytes)'
amount=1000000000000000
r=$(cast send --private-key "$key" --json --value "$amount" "$outbox" "$sig" 31337 "$bob" 31338 \
  "$zero32" "$amount" 0xdeadbeef 2>"$tmp/cast.err")
[ "$(jq -r .status <<<"$r" 2>/dev/null)" = 0x1 ] && pass "cast send with the user token" \
  || { fail "send: $r $(cat "$tmp/cast.err")"; finish; }

# A destination without a key is refused at admission.
if cast send --private-key "$key" --value 5 "$outbox" "$sig" 4242 "$bob" 31338 "$zero32" 5 0x \
  >"$tmp/out" 2>"$tmp/err"; then fail "send to chain 4242 was accepted"; else
  grep -q "destination chain 4242 has no public key in this chain's config" "$tmp/err" \
    && pass "send to a chain without a key refused" || fail "refusal: $(head -c 400 "$tmp/err")"
fi

# chain_getMessage: the user sees routing fields and the envelope, the admin all.
u=$(rpc "$purl" "$user_tok" chain_getMessage '[{"index": 0}]')
jq -e '.result | .envelope and .leaf and .destination == "0x7a69" and .sequence == "0x0"
  and .exitPath and .exitRoot and .exitCount' <<<"$u" >/dev/null \
  && pass "user: envelope, leaf, destination, sequence, exit proof" || fail "user view: $u"
jq -e '.result | has("sender") or has("recipient") or has("amount") or has("payload")
  or has("payloadHash") or has("salt") or has("asset") or has("txHash")' <<<"$u" >/dev/null \
  && fail "user sees cleartext: $u" || pass "user: no sender, recipient, amount, payload, salt"
a=$(rpc "$purl" "$admin_tok" chain_getMessage '[{"index": 0}]')
jq -e --arg b "$bob" '.result | .sender and .recipient == $b and .amount == "0x38d7ea4c68000"
  and .payload == "0xdeadbeef" and .envelope and (.salt != "'"$zero32"'")' <<<"$a" >/dev/null \
  && pass "admin: cleartext fields and a nonzero salt" || fail "admin view: $a"

# The commitment's salt: to the admin only.
rpc "$purl" "$user_tok" chain_getStateCommitment '[]' | jq -e '.result.stateCommitment
  and (.result | has("salt") | not)' >/dev/null && pass "user: commitment without its salt" \
  || fail "user commitment: $(cat "$tmp/body")"
rpc "$purl" "$admin_tok" chain_getStateCommitment '[]' | jq -e '.result.salt' >/dev/null \
  && pass "admin: the commitment's salt" || fail "admin commitment: $(cat "$tmp/body")"

# The relay (the gateway's token) on the private chain: the routing fields and
# the envelope, the commitment without the state root, no member's method.
r=$(rpc "$purl" "$relay_tok" chain_getMessage '[{"index": 0}]')
jq -e '.result | .envelope and .leaf and .exitPath and (has("sender") or has("amount")
  or has("payload") or has("salt") | not)' <<<"$r" >/dev/null \
  && pass "relay: the envelope and routing fields, no cleartext" || fail "relay view: $r"
r=$(rpc "$purl" "$relay_tok" chain_getStateCommitment '[]')
jq -e '.result | .stateCommitment and .exitRoot and (has("stateRoot") or has("salt") | not)' \
  <<<"$r" >/dev/null && pass "relay: the commitment, not the state root" || fail "relay: $r"
r=$(rpc "$purl" "$relay_tok" eth_getBalance "[\"$dev\", \"latest\"]")
[ "$(jq -r .error.code <<<"$r")" = -32001 ] && pass "relay: no member's method" \
  || fail "relay eth_getBalance: $r"

# The gateway's part, done by hand: the private chain's interop record (what the
# relay sees of it), an interop tree over it, the root added at the public node.
sc=$(rpc "$purl" "$relay_tok" chain_getStateCommitment '[]' | jq -r .result.stateCommitment)
jq -c --arg sc "$sc" '[.result | {chainId: 31338, exitRoot: .exitRoot, exitCount: .exitCount,
  lastBatch: 1, stateCommitment: $sc}]' <<<"$u" >"$tmp/records.json"
expect_ok "chain interop-root" "$ZKGATE" chain interop-root "$tmp/records.json"
ir=$(cat "$tmp/out")
root=$(jq -r .interopRoot <<<"$ir")
[[ $root =~ ^0x[0-9a-f]{64}$ ]] && [ "$(jq '.records[0].interopPath | length' <<<"$ir")" = 32 ] \
  && [ "$(jq -r '.records[0].interopIndex' <<<"$ir")" = 0 ] \
  && pass "interop-root prints the root, the index and a path of 32" || fail "interop-root: $ir"
[ "$("$ZKGATE" chain interop-root - <"$tmp/records.json" | jq -r .interopRoot)" = "$root" ] \
  && pass "interop-root reads stdin too" || fail "interop-root from stdin"
jq '.[0].exitRoot = "0x12"' "$tmp/records.json" >"$tmp/bad.json"
expect_fail "interop-root: a bad digest" "records\[0\]: exitRoot: expected 0x and 64 hex" \
  "$ZKGATE" chain interop-root "$tmp/bad.json"
jq '. + .' "$tmp/records.json" >"$tmp/bad.json"
expect_fail "interop-root: a chain twice" "records\[1\]: chain 31338 is also records\[0\]" \
  "$ZKGATE" chain interop-root "$tmp/bad.json"
echo '[' >"$tmp/bad.json"
expect_fail "interop-root: not JSON" "bad.json:" "$ZKGATE" chain interop-root "$tmp/bad.json"
expect_fail "interop-root: no records" "expected an array of 1.." \
  "$ZKGATE" chain interop-root - <<<'[]'
[ "$(rpc "$burl" "$relay_tok" chain_addInteropRoot "[\"$root\"]" | jq -r .result)" = true ] \
  && pass "the relay adds the interop root" || fail "addInteropRoot: $(cat "$tmp/body")"

imp() { # imp ENVELOPE [PATH_JQ] -> the result's status and reason
  local m
  m=$(jq -c --arg env "$1" --argjson ir "$ir" '.result | {envelope: $env, exitIndex: 0,
    exitPath: .exitPath} + $ir.records[0]' <<<"$u" | jq -c "${2:-.}")
  rpc "$burl" "$relay_tok" chain_importMessages \
    "[{\"interopRoot\": \"$root\", \"messages\": [$m]}]" \
    | jq -r '.result.results[0] | "\(.status) \(.reason)"'
}
env=$(jq -r .result.envelope <<<"$u")
flipped="${env:0:300}$(printf %x $(((0x${env:300:1} + 1) % 16)))${env:301}"
[ "$(imp "$flipped")" = "rejected envelope does not open with this chain's key" ] \
  && pass "an altered envelope is rejected" || fail "altered: $(cat "$tmp/body")"
[ "$(imp "0x5a4b4556" | cut -d' ' -f1)" = rejected ] && grep -q "malformed envelope" "$tmp/body" \
  && pass "a truncated envelope is rejected" || fail "truncated: $(cat "$tmp/body")"
[ "$(imp "$env" ".interopPath[3] = .exitPath[0]")" = "rejected bad interop-tree proof" ] \
  && pass "an altered interop path is rejected" || fail "bad path: $(cat "$tmp/body")"
[ "$(imp "$env" ".interop.lastBatch = 2")" = "rejected bad interop-tree proof" ] \
  && pass "an altered interop record is rejected" || fail "bad record: $(cat "$tmp/body")"

# The real import: queued, then delivered in the public node's next block; bob
# holds the private chain's coin as a bridged asset there.
[ "$(imp "$env")" = "queued null" ] && pass "the relay imports the envelope" \
  || fail "import: $(cat "$tmp/body")"
[ "$(imp "$env")" = "duplicate already imported" ] && pass "a retry is a duplicate" \
  || fail "retry: $(cat "$tmp/body")"
d=""
for _ in $(seq 1 50); do
  d=$(rpc "$burl" "" chain_getMessage '[{"source": 31338, "sequence": 0}]')
  [ "$(jq -r .result.status <<<"$d")" = delivered ] && break
  sleep 0.1
done
jq -e --arg b "$bob" '.result | .status == "delivered" and .recipient == $b
  and .amount == "0x38d7ea4c68000" and .payload == "0xdeadbeef"' <<<"$d" >/dev/null \
  && pass "the public node delivered the message to bob" || fail "delivered: $d"
bal=$(timeout 60 "$cast_bin" call --rpc-url "$burl" 0x000000000000000000000000000000005a4b0001 \
  'balanceOf(uint64,bytes32,address)(uint256)' 31338 "$zero32" "$bob" 2>&1)
[ "${bal%% *}" = "$amount" ] && pass "bob holds the amount of chain 31338's coin on 31337" \
  || fail "bridged balance: $bal"

kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
expect_ok "chain verify of the private chain" "$ZKGATE" chain verify --data-dir "$tmp/privdata"
finish
