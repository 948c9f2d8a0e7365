#!/usr/bin/env bash
# Cross-chain sends through the OUTBOX system address with a real outside client
# (Foundry's cast, from npm like test_cli_chain_cast.sh): cast send of a native
# send with a payload, cast call of the system addresses' reads, the escrow, a
# reverted asset transfer (receipt status 0, fee paid, nonce moved), stateless
# refusals with their strings, and the zkgate methods chain_getMessage (the sent
# message and its exit path), chain_getStateCommitment and chain_getBatch.
# Skipped (exit 77) when npm or the package cannot be had.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }

cast_setup

dev=0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266
bob=0x70997970c51812dc3a010c7d01b50e0d17dc79c8
assets=0x000000000000000000000000000000005a4b0001
outbox=0x000000000000000000000000000000005a4b0002
inbox=0x000000000000000000000000000000005a4b0003
zero32=0x0000000000000000000000000000000000000000000000000000000000000000
genesis=10000000000000000000000
one_eth=1000000000000000000
key=$(jq -r --arg a "$dev" '.secp256k1_private_key_to_address[]
  | select((.address | ascii_downcase) == $a) | .private_key' "$ZKGATE_VECTORS/ethereum.json")

# One block per batch, so that batch N is block N.
jq '.batch_blocks = 1 | .block_time_ms = 200' "$ZKGATE_SRC/config/chain-public.json" >"$tmp/cfg.json"
start_chain "$tmp/cfg.json" "$tmp/data"
cast() { timeout 60 "$cast_bin" "$@" --rpc-url "$url"; }
rpc() { # rpc METHOD PARAMS_JSON -> response body
  curl -s -H 'Content-Type: application/json' -o "$tmp/body" -w '%{http_code}' \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$url" >"$tmp/code"
  cat "$tmp/body"
}

# 1. A native send of 1 ether to chain 31338 with a 4-byte payload.
sig='send(uint64,address,uint64,bytes32,uint256,bytes)'
data=$("$cast_bin" calldata "$sig" 31338 "$bob" 31337 "$zero32" "$one_eth" 0xdeadbeef)
r=$(cast send --private-key "$key" --json --value "$one_eth" "$outbox" "$sig" 31338 "$bob" 31337 \
  "$zero32" "$one_eth" 0xdeadbeef 2>"$tmp/cast.err")
[ "$(jq -r .status <<<"$r")" = 0x1 ] && pass "cast send to the outbox" \
  || { fail "send: $r $(cat "$tmp/cast.err")"; finish; }
# gas = 21000 + 16 per nonzero / 4 per zero calldata byte + 40000 (LEDGER_SEND_GAS)
hex=${data#0x}
gas=61000
for ((i = 0; i < ${#hex}; i += 2)); do
  [ "${hex:i:2}" = 00 ] && gas=$((gas + 4)) || gas=$((gas + 16))
done
[ $(($(jq -r .gasUsed <<<"$r"))) = "$gas" ] && pass "send gas: $gas" \
  || fail "send gas $(($(jq -r .gasUsed <<<"$r"))), want $gas"
price=$(($(jq -r .effectiveGasPrice <<<"$r")))
fee=$((gas * price))
want=$(python3 -c "print($genesis - $one_eth - $fee)")
[ "$(cast balance "$dev")" = "$want" ] && pass "sender paid value and fee" \
  || fail "dev balance $(cast balance "$dev"), want $want"
[ "$(cast balance "$outbox")" = "$one_eth" ] && pass "the outbox holds the escrow" \
  || fail "escrow: $(cast balance "$outbox")"

# 2. The system addresses' reads through eth_call.
[ "$(cast call "$outbox" 'exitCount()(uint64)')" = 1 ] && pass "exitCount() = 1" \
  || fail "exitCount: $(cast call "$outbox" 'exitCount()(uint64)' 2>&1)"
[ "$(cast call "$outbox" 'nextSequence(uint64)(uint64)' 31338)" = 1 ] \
  && [ "$(cast call "$outbox" 'nextSequence(uint64)(uint64)' 5)" = 0 ] \
  && pass "nextSequence per destination" || fail "nextSequence"
[ "$(cast call "$inbox" 'expectedSequence(uint64)(uint64)' 31338)" = 0 ] \
  && pass "expectedSequence before any import" || fail "expectedSequence"
[ "$(cast call "$assets" 'balanceOf(uint64,bytes32,address)(uint256)' 31338 "$zero32" "$dev")" = 0 ] \
  && pass "balanceOf a bridged asset never received" || fail "balanceOf"
root=$(cast call "$outbox" 'exitRoot()(bytes32)')

# 3. chain_getMessage: the sent message, its leaf and its exit path.
m=$(rpc chain_getMessage '[{"index":0}]')
[ "$(jq -r .result.status <<<"$m")" = sent ] && [ "$(jq -r .result.destination <<<"$m")" = 0x7a6a ] \
  && [ "$(jq -r .result.sequence <<<"$m")" = 0x0 ] && [ "$(jq -r .result.payload <<<"$m")" = 0xdeadbeef ] \
  && [ "$(jq -r .result.sender <<<"$m")" = "$dev" ] && [ "$(jq -r .result.recipient <<<"$m")" = "$bob" ] \
  && [ "$(jq -r .result.amount <<<"$m")" = 0xde0b6b3a7640000 ] \
  && [ "$(jq -r '.result.exitPath | length' <<<"$m")" = 32 ] \
  && [ "$(jq -r .result.exitRoot <<<"$m")" = "$root" ] \
  && [ "$(jq -r .result.payloadHash <<<"$m")" = "$("$cast_bin" keccak 0xdeadbeef)" ] \
  && pass "chain_getMessage: fields, payload hash, exit path under exitRoot()" \
  || fail "chain_getMessage: $m (exitRoot() $root)"
[ "$(jq -r .result <<<"$(rpc chain_getMessage '[{"index":1}]')")" = null ] \
  && pass "unknown message: null" || fail "message 1: $(cat "$tmp/body")"

# 4. A bridged-asset transfer the sender cannot cover reverts: status 0, the fee
# is paid, the nonce moves.
nonce=$(cast nonce "$dev")
r=$(cast send --private-key "$key" --json "$assets" 'transfer(uint64,bytes32,address,uint256)' \
  31338 "$zero32" "$bob" 5 2>"$tmp/cast.err")
h=$(jq -r .transactionHash <<<"$r")
rc=$(rpc eth_getTransactionReceipt "[\"$h\"]")
[ "$(jq -r .result.status <<<"$rc")" = 0x0 ] \
  && [ "$(jq -r .result.revertReason <<<"$rc")" = "insufficient balance of the asset" ] \
  && pass "reverted transfer: status 0 with its reason" || fail "revert: $rc $(cat "$tmp/cast.err")"
[ "$(cast nonce "$dev")" = $((nonce + 1)) ] && pass "a reverted call moves the nonce" \
  || fail "nonce after revert: $(cast nonce "$dev")"

# 5. Stateless refusals come back from eth_sendRawTransaction with their strings.
refused_case() { # refused_case WANT ARGS... : the node must refuse the cast send saying WANT
  local want=$1
  shift
  if cast send --private-key "$key" "$@" >/dev/null 2>"$tmp/cast.err"; then
    fail "accepted: $*"
  elif grep -q "server returned an error response" "$tmp/cast.err" &&
    grep -qF "$want" "$tmp/cast.err"; then
    pass "refused: $want"
  else
    fail "$want: $(cat "$tmp/cast.err")"
  fi
}
refused_case "value must equal the amount sent" --value 5 "$outbox" "$sig" 31338 "$bob" 31337 \
  "$zero32" 6 0x
refused_case "bad destination chain" --value 5 "$outbox" "$sig" 31337 "$bob" 31337 "$zero32" 5 0x
refused_case "the native coin moves by value transfer" "$assets" \
  'transfer(uint64,bytes32,address,uint256)' 31337 "$zero32" "$bob" 5
refused_case "transaction type not supported" "$bob" 'transfer(address,uint256)' "$bob" 5
refused_case "a read function (use eth_call)" "$outbox" 'exitCount()'
refused_case "unknown function" "$outbox" 'nope(uint64)' 5

# 6. The state commitment and batches.
s=$(rpc chain_getStateCommitment '[]')
b=$(rpc eth_getBlockByNumber '["latest", false]')
[ "$(jq -r .result.exitCount <<<"$s")" = 0x1 ] && [ "$(jq -r .result.exitRoot <<<"$s")" = "$root" ] \
  && [ "$(jq -r .result.stateRoot <<<"$s")" = "$(jq -r .result.stateRoot <<<"$b")" ] \
  && [ "$(jq -r .result.block <<<"$s")" = "$(jq -r .result.number <<<"$b")" ] \
  && pass "chain_getStateCommitment matches the head block" || fail "state: $s / $b"
send_block=$(jq -r .result.block <<<"$m")
g=$(rpc chain_getBatch "[$((send_block))]")
jq -e --arg h "$(jq -r .result.txHash <<<"$m")" '.result.transactions | index($h) != null' \
  <<<"$g" >/dev/null && [ "$(jq -r .result.exitCount <<<"$g")" = 0x1 ] \
  && pass "chain_getBatch lists the send's transaction" || fail "batch: $g"
[ "$(jq -r .result <<<"$(rpc chain_getBatch '[1000000]')")" = null ] \
  && pass "a batch not yet complete: null" || fail "future batch: $(cat "$tmp/body")"

# 7. Imports are the gateway's (admin): without a token they are refused.
rpc chain_importMessages '[{"interopRoot":"'"$zero32"'","messages":[]}]' >/dev/null
[ "$(cat "$tmp/code")" = 401 ] && pass "chain_importMessages needs the admin token" \
  || fail "import without a token: HTTP $(cat "$tmp/code") $(cat "$tmp/body")"

kill -TERM "$pid"
wait "$pid" 2>/dev/null
"$ZKGATE" chain verify --data-dir "$tmp/data" >/dev/null 2>"$tmp/verify.err" \
  && pass "replay of the stored blocks (with sends and a revert)" \
  || fail "replay: $(cat "$tmp/verify.err")"
finish
