#!/usr/bin/env bash
# A private chain's messages over HTTP (docs/CHAIN.md, "Private chains"): a
# private node (config/chain-private.json with a "peers" entry for the public
# chain) and a public node (config/chain-public.json). `zkgate chain pubkey`
# makes and prints the public chain's key; cast sends to OUTBOX.send on the
# private node with the dev-user token; chain_getMessage shows that token the
# envelope and routing fields only and the admin token the cleartext;
# chain_getPublicKey; a send to a chain without a key is refused with its
# message; the public node opens the envelope (an import then stops at the
# interop root this test cannot build: the C test test_private does the whole
# round trip) and rejects an altered one. Skipped (exit 77) without cast.
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
key=$(jq -r --arg a "$dev" '.secp256k1_private_key_to_address[]
  | select((.address | ascii_downcase) == $a) | .private_key' "$ZKGATE_VECTORS/ethereum.json")

# The public chain (31337) gets an admin token (the dev one) for imports.
jq '.block_time_ms = 200 | .auth.tokens = [{"name": "gw", "role": "admin",
  "sha256": "923300cf7a7a44d407be4ecf437bb89dc599e4d782896647a6b2a2285701bb95"}]' \
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

# The public node opens the envelope: the import then fails only on the interop
# root, which no gateway gave it. An altered envelope does not open.
sc=$(rpc "$purl" "$user_tok" chain_getStateCommitment '[]' | jq -r .result.stateCommitment)
zeros=$(jq -nc "[range(32)] | map(\"$zero32\")")
imp() { # imp ENVELOPE -> the result's reason
  local m
  m=$(jq -c --arg env "$1" --arg sc "$sc" --argjson zp "$zeros" '.result | {envelope: $env,
    exitIndex: 0, exitPath: .exitPath, interop: {chainId: 31338, exitRoot: .exitRoot,
    exitCount: .exitCount, lastBatch: 1, stateCommitment: $sc}, interopIndex: 0,
    interopPath: $zp}' <<<"$u")
  rpc "$burl" "$admin_tok" chain_importMessages \
    "[{\"interopRoot\": \"0x0100000000000000000000000000000000000000000000000000000000000000\",
      \"messages\": [$m]}]" | jq -r '.result.results[0].reason'
}
env=$(jq -r .result.envelope <<<"$u")
[ "$(imp "$env")" = "unknown interop root" ] && pass "the public node opens the envelope" \
  || fail "import: $(cat "$tmp/body")"
flipped="${env:0:300}$(printf %x $(((0x${env:300:1} + 1) % 16)))${env:301}"
[ "$(imp "$flipped")" = "envelope does not open with this chain's key" ] \
  && pass "an altered envelope is rejected" || fail "altered: $(cat "$tmp/body")"
[ "$(imp "0x5a4b4556")" != null ] && grep -q "malformed envelope" "$tmp/body" \
  && pass "a truncated envelope is rejected" || fail "truncated: $(cat "$tmp/body")"

kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
expect_ok "chain verify of the private chain" "$ZKGATE" chain verify --data-dir "$tmp/privdata"
finish
