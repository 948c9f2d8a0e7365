#!/usr/bin/env bash
# A real outside client against `zkgate chain`: Foundry's cast (npm package
# @foundry-rs/cast-linux-amd64, installed under the build folder) sends native
# transfers from the development account and reads balances, nonces, receipts, the
# block number and the chain id. Every figure is checked against what the fee rule
# of docs/CHAIN.md says the ledger must hold, computed here from the fees each
# transaction offered (not from what the node reports). Skipped (exit 77) when npm
# or the package cannot be had.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }

cast_setup

dev=0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266
bob=0x70997970c51812dc3a010c7d01b50e0d17dc79c8
operator=0x000000000000000000000000000000000000fee0
base_fee=1000000000
genesis=10000000000000000000000
key=$(jq -r --arg a "$dev" '.secp256k1_private_key_to_address[]
  | select((.address | ascii_downcase) == $a) | .private_key' "$ZKGATE_VECTORS/ethereum.json")
case "$key" in 0x????????????????????????????????????????????????????????????????) ;;
  *) fail "no private key for $dev in ethereum.json"; finish ;; esac

cfg="$ZKGATE_SRC/config/chain-public.json"
start_chain "$cfg" "$tmp/data"
cast() { timeout 60 "$cast_bin" "$@" --rpc-url "$url"; }
# send ARGS...: cast send from the dev account to bob, printing the receipt as JSON.
send() { cast send --private-key "$key" --json "$bob" "$@" 2>"$tmp/cast.err"; }

[ "$(cast chain-id)" = 31337 ] && pass "cast chain-id" || fail "chain-id: $(cast chain-id 2>&1)"
[ "$(cast block-number)" = 0 ] && pass "cast block-number at genesis" || fail "block-number"
[ "$(cast balance "$dev")" = "$genesis" ] && pass "cast balance: genesis 10000 ether" \
  || fail "genesis balance: $(cast balance "$dev" 2>&1)"
[ "$(cast nonce "$dev")" = 0 ] || fail "nonce at genesis"

# Each transfer: value, and the price the fee rule makes it pay (docs/CHAIN.md:
# type 2 pays min(maxFeePerGas, base fee + maxPriorityFeePerGas), legacy its gas
# price; gas used is 21000 for a plain transfer).
values=() prices=() hashes=() blocks=()
record() { # record RECEIPT_JSON VALUE PRICE
  local st h b gu ep
  st=$(jq -r .status <<<"$1"); h=$(jq -r .transactionHash <<<"$1")
  b=$(jq -r .blockNumber <<<"$1"); gu=$(jq -r .gasUsed <<<"$1")
  ep=$(jq -r .effectiveGasPrice <<<"$1")
  [ "$st" = 0x1 ] || { fail "status of $h: $1 $(cat "$tmp/cast.err")"; return; }
  [ "$gu" = 0x5208 ] || fail "$h: gas used $gu, want 21000"
  [ $((ep)) = "$3" ] || fail "$h: effective gas price $((ep)), fee rule says $3"
  values+=("$2"); prices+=("$3"); hashes+=("$h"); blocks+=($((b)))
}

# 1. cast's own fee choice (eth_feeHistory / eth_maxPriorityFeePerGas): the price
# follows from the fee cap and tip it signed, read back with cast tx.
r=$(send --value 1000)
h=$(jq -r .transactionHash <<<"$r")
t=$(cast tx "$h" --json)
cap=$(($(jq -r .maxFeePerGas <<<"$t"))); tip=$(($(jq -r .maxPriorityFeePerGas <<<"$t")))
want=$((base_fee + tip)); [ "$cap" -lt "$want" ] && want=$cap
record "$r" 1000 "$want"
[ "$(jq -r .from <<<"$t")" = "$dev" ] && [ "$(jq -r .type <<<"$t")" = 0x2 ] &&
  [ $(($(jq -r .value <<<"$t"))) = 1000 ] && [ $(($(jq -r .nonce <<<"$t"))) = 0 ] \
  && pass "cast tx reads the transfer back" || fail "cast tx: $t"
# 2. legacy (EIP-155) at 3 gwei.
record "$(send --legacy --gas-price 3gwei --value 2000)" 2000 3000000000
# 3. type 2, cap 5 gwei, tip 2 gwei: base + tip = 3 gwei is below the cap.
record "$(send --gas-price 5gwei --priority-gas-price 2gwei --value 3000)" 3000 3000000000
# 4. type 2, cap 1.5 gwei, tip 1 gwei: the cap binds.
record "$(send --gas-price 1500000000 --priority-gas-price 1gwei --value 4000)" 4000 1500000000
# 5. five at once without waiting (--async), then their receipts with cast receipt.
async=()
for k in 4 5 6 7 8; do
  h=$(cast send --private-key "$key" --async --nonce "$k" --gas-price 2gwei \
    --priority-gas-price 0 "$bob" --value $((k * 111)) 2>"$tmp/cast.err")
  case "$h" in 0x*) async+=("$h:$((k * 111))") ;; *) fail "async send $k: $(cat "$tmp/cast.err")" ;; esac
done
for e in "${async[@]}"; do
  record "$(cast receipt "${e%%:*}" --json 2>"$tmp/cast.err")" "${e##*:}" "$base_fee"
done
[ "${#hashes[@]}" = 9 ] && pass "9 transfers mined with the fee rule's price" \
  || fail "only ${#hashes[@]} of 9 transfers mined"

sum_values=$(IFS=+; python3 -c "print(${values[*]})")
fees=$(IFS=+; python3 -c "print(21000 * ($(IFS=+; echo "${prices[*]}")))")
want_dev=$(python3 -c "print($genesis - $sum_values - $fees)")
[ "$(cast balance "$dev")" = "$want_dev" ] && pass "cast balance: sender paid value + fees" \
  || fail "dev balance $(cast balance "$dev"), want $want_dev"
[ "$(cast balance "$bob")" = "$sum_values" ] && pass "cast balance: recipient got $sum_values" \
  || fail "bob balance $(cast balance "$bob"), want $sum_values"
[ "$(cast balance "$operator")" = "$fees" ] && pass "cast balance: operator got every fee" \
  || fail "operator balance $(cast balance "$operator"), want $fees"
[ "$(cast nonce "$dev")" = 9 ] && pass "cast nonce" || fail "nonce $(cast nonce "$dev"), want 9"
[ "$(cast nonce "$bob")" = 0 ] || fail "bob's nonce"
top=0; for b in "${blocks[@]}"; do [ "$b" -gt "$top" ] && top=$b; done
# No empty blocks (docs/CHAIN.md), so the head is the block of the last transfer.
[ "$(cast block-number)" = "$top" ] && pass "cast block-number is the last transfer's block" \
  || fail "block-number $(cast block-number), want $top"
blk=$(cast block "${blocks[0]}" --json)
jq -e --arg h "${hashes[0]}" '.transactions | index($h)' >/dev/null <<<"$blk" \
  && pass "cast block lists the transfer" || fail "block ${blocks[0]}: $blk"

# No address has code or storage, and a call runs nothing: Ethereum's answers for
# an account without code.
[ "$(cast code "$bob")" = 0x ] && pass "cast code" || fail "code: $(cast code "$bob" 2>&1)"
[ "$(cast storage "$bob" 0)" = 0x0000000000000000000000000000000000000000000000000000000000000000 ] \
  && pass "cast storage" || fail "storage: $(cast storage "$bob" 0 2>&1)"
[ "$(cast call "$bob" 0x70a08231000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266)" \
  = 0x ] && pass "cast call" || fail "call: $(cast call "$bob" 0x 2>&1)"

# Refusals reach cast with the message a wallet shows, and the node keeps going.
refused() { # refused NAME MESSAGE ARGS...
  local name=$1 msg=$2; shift 2
  if cast send --private-key "$key" "$bob" "$@" >"$tmp/out" 2>"$tmp/err"; then
    fail "$name: accepted"
  elif grep -qF -- "$msg" "$tmp/err"; then pass "$name refused: $msg"
  else fail "$name: $(head -c 300 "$tmp/err")"; fi
}
refused "too much value" "insufficient funds for gas * price + value" --value 20000ether
refused "calldata" "transaction type not supported" 0x1234
refused "old nonce" "nonce too low" --nonce 0 --value 1
refused "fee cap under base fee" "max fee per gas less than block base fee" --gas-price 100 --value 1
refused "other chain" "invalid chain id" --chain 1 --value 1
[ "$(send --value 5 | jq -r .status)" = 0x1 ] && [ "$(cast nonce "$dev")" = 10 ] \
  && pass "a transfer after the refusals is mined" || fail "send after refusals: $(cat "$tmp/cast.err")"

kill -TERM "$pid"
wait "$pid"; rc=$?
[ "$rc" -eq 0 ] && pass "clean stop" || fail "exit status $rc"
expect_ok "chain verify replays the blocks" "$ZKGATE" chain verify --data-dir "$tmp/data"
finish
