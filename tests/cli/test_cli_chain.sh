#!/usr/bin/env bash
# `zkgate chain` as a real process: transfers signed with `zkgate tx sign` go in over
# eth_sendRawTransaction, receipts, balances and nonces come out exactly; bad
# transactions get geth's error strings and the node keeps going; kill -9 during a
# stream of transactions loses no acknowledged one and applies none twice, and the
# stored blocks replay.
. "$(dirname "$0")/lib.sh"

cfg="$ZKGATE_SRC/config/chain-public.json"
expect_ok "config check chain" "$ZKGATE" config check "$cfg"
grep -q '"chain_id": 31337' "$tmp/out" || fail "config check prints the chain config"
echo '{"kind":"chain","chain_id":1,"operator":"0x00","alloc":[]}' >"$tmp/bad1.json"
expect_fail "bad operator named" "key 'operator'" "$ZKGATE" config check "$tmp/bad1.json"
echo '{"kind":"chain","chain_id":5,"operator":"0x000000000000000000000000000000000000fee0","alloc":[{"address":"0x12","balance":"1"}]}' >"$tmp/bad2.json"
expect_fail "bad alloc named" "alloc\[0\]\.address" "$ZKGATE" config check "$tmp/bad2.json"
expect_fail "chain needs --config" "--config FILE is required" "$ZKGATE" chain
expect_ok "chain --help" "$ZKGATE" chain --help

key="$tmp/dev.key"
( umask 077; echo ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 >"$key" )
dev=0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266
bob=0x70997970c51812dc3a010c7d01b50e0d17dc79c8

start_node() {
  "$ZKGATE" chain --config "$cfg" --data-dir "$tmp/data" --rpc-addr 127.0.0.1:0 \
    >"$tmp/node.out" 2>"$tmp/node.err" &
  pid=$!
  pids+=("$pid")
  port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's|^rpc: http://127.0.0.1:\([0-9]*\)$|\1|p' "$tmp/node.out")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { fail "node did not start: $(cat "$tmp/node.err")"; finish; }
}
rpc() { curl -s -H 'Content-Type: application/json' \
  -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "http://127.0.0.1:$port/"; }
result() { rpc "$@" | jq -r '.result'; }
sign() { "$ZKGATE" tx sign --key "$key" --chain-id 31337 --to "$bob" "$@"; }
send() { rpc eth_sendRawTransaction "[\"$1\"]"; }
wait_receipt() {
  for _ in $(seq 1 100); do
    r=$(rpc eth_getTransactionReceipt "[\"$1\"]" | jq -c '.result')
    [ "$r" != "null" ] && { echo "$r"; return; }
    sleep 0.05
  done
  echo null
}

start_node
pass "node started on port $port"
[ "$(result eth_chainId '[]')" = 0x7a69 ] || fail "eth_chainId"
[ "$(result net_version '[]')" = 31337 ] || fail "net_version"
[ "$(result eth_getBalance "[\"$dev\",\"latest\"]")" = 0x21e19e0c9bab2400000 ] \
  || fail "genesis balance 10000 ether"
[ "$(result eth_estimateGas "[{\"to\":\"$bob\",\"data\":\"0x0001\"}]")" = 0x521c ] \
  || fail "estimateGas 21000 + 4 + 16"

# Three transfers (type 2, legacy, type 2) in one go; nonce pending counts the pool.
t0=$(sign --nonce 0 --value 1000)
t1=$(sign --nonce 1 --value 2000 --type 0)
t2=$(sign --nonce 2 --value 3000 --max-fee 2000000000 --tip 1000000000)
h0=$(send "$t0" | jq -r .result); h1=$(send "$t1" | jq -r .result); h2=$(send "$t2" | jq -r .result)
case "$h0$h1$h2" in *null*) fail "send: $h0 $h1 $h2";; esac
p=$(result eth_getTransactionCount "[\"$dev\",\"pending\"]")
[ "$p" = 0x3 ] || [ "$(result eth_getTransactionCount "[\"$dev\",\"latest\"]")" = 0x3 ] \
  || fail "pending nonce: $p"
r2=$(wait_receipt "$h2")
[ "$(echo "$r2" | jq -r .status)" = 0x1 ] || fail "receipt 2: $r2"
[ "$(echo "$r2" | jq -r .effectiveGasPrice)" = 0x77359400 ] || fail "tip paid: $r2"
[ "$(echo "$r2" | jq -r .logsBloom | wc -c)" = 515 ] || fail "logsBloom 256 bytes"
r0=$(wait_receipt "$h0")
[ "$(echo "$r0" | jq -r .gasUsed)" = 0x5208 ] || fail "receipt 0: $r0"
[ "$(result eth_getTransactionCount "[\"$dev\",\"latest\"]")" = 0x3 ] || fail "nonce 3"
[ "$(result eth_getBalance "[\"$bob\",\"latest\"]")" = 0x1770 ] || fail "bob has 6000 wei"
# dev: 10000 ether - 6000 wei - 2 * 21000 gwei - 21000 * 2 gwei
want=$(python3 -c 'print(hex(10000*10**18 - 6000 - 2*21000*10**9 - 21000*2*10**9))')
[ "$(result eth_getBalance "[\"$dev\",\"latest\"]")" = "$want" ] || fail "dev balance exact"
tx=$(rpc eth_getTransactionByHash "[\"$h1\"]" | jq -c .result)
[ "$(echo "$tx" | jq -r .from)" = "$dev" ] && [ "$(echo "$tx" | jq -r .type)" = 0x0 ] \
  || fail "getTransactionByHash: $tx"
bn=$(echo "$r0" | jq -r .blockNumber)
blk=$(rpc eth_getBlockByNumber "[\"$bn\",false]" | jq -c .result)
echo "$blk" | jq -e ".transactions | index(\"$h0\")" >/dev/null || fail "block lists tx: $blk"
bh=$(echo "$blk" | jq -r .hash)
[ "$(rpc eth_getBlockByHash "[\"$bh\",true]" | jq -r .result.number)" = "$bn" ] \
  || fail "getBlockByHash"
[ "$(result eth_getBlockByNumber '["earliest",false]' | jq -r .number)" = 0x0 ] || fail "earliest"
pass "transfers, receipts, balances and nonces"

# Bad transactions: the message a wallet shows, code -32000.
err() { send "$1" | jq -r '.error.code, .error.message' | paste -sd' '; }
e=$(err "$("$ZKGATE" tx sign --key "$key" --chain-id 1 --nonce 3 --to $bob)")
[ "$e" = "-32000 invalid chain id" ] || [ "$e" = "-32000 invalid chain id for signer" ] \
  || fail "wrong chain: $e"
e=$(err "$t0"); [ "$e" = "-32000 already known" ] || fail "replay: $e"
e=$(err "$(sign --nonce 0 --value 5)"); [ "$e" = "-32000 nonce too low" ] || fail "low: $e"
e=$(err "$(sign --nonce 3 --value 20000000000000000000000)")
[ "$e" = "-32000 insufficient funds for gas * price + value" ] || fail "funds: $e"
e=$(err "0x02c0ffee"); case "$e" in -32000\ *) ;; *) fail "garbage: $e";; esac
e=$(err "$(sign --nonce 3 --max-fee 1)")
[ "$e" = "-32000 max fee per gas less than block base fee" ] || fail "fee: $e"
[ "$(result eth_blockNumber '[]')" != null ] || fail "node alive after bad txs"
pass "bad transactions refused"

# Crash: a stream of transfers, kill -9 in the middle, restart.
: >"$tmp/acked"
for k in $(seq 3 40); do
  h=$(send "$(sign --nonce "$k" --value 1)" | jq -r .result)
  case "$h" in 0x*) echo "$h" >>"$tmp/acked" ;; esac
  [ "$k" = 25 ] && kill -9 "$pid"
done
wait "$pid" 2>/dev/null
n_acked=$(wc -l <"$tmp/acked")
[ "$n_acked" -ge 1 ] || fail "some txs acknowledged before the kill"
start_node
for _ in $(seq 1 100); do
  [ "$(result eth_getTransactionCount "[\"$dev\",\"latest\"]")" = "$(printf '0x%x' $((3 + n_acked)))" ] && break
  sleep 0.05
done
[ "$(result eth_getTransactionCount "[\"$dev\",\"latest\"]")" = "$(printf '0x%x' $((3 + n_acked)))" ] \
  || fail "nonce after restart: every acknowledged tx mined ($n_acked)"
missing=0
while read -r h; do
  r=$(rpc eth_getTransactionReceipt "[\"$h\"]" | jq -r .result.status)
  [ "$r" = 0x1 ] || missing=$((missing + 1))
done <"$tmp/acked"
[ "$missing" = 0 ] || fail "$missing acknowledged txs missing after restart"
[ "$(result eth_getBalance "[\"$bob\",\"latest\"]")" = "$(printf '0x%x' $((6000 + n_acked)))" ] \
  || fail "bob's balance counts each acknowledged tx once"
# A JSON-RPC batch of transfers, good and bad mixed: the good ones are admitted
# together and mined, each bad one gets its own error, answers in the batch's order.
nb=$((3 + n_acked))
g1=$(sign --nonce "$nb" --value 11)
g2=$(sign --nonce $((nb + 1)) --value 13)
wrong=$("$ZKGATE" tx sign --key "$key" --chain-id 1 --nonce $((nb + 2)) --to $bob)
call() { printf '{"jsonrpc":"2.0","id":%s,"method":"eth_sendRawTransaction","params":["%s"]}' "$1" "$2"; }
body="[$(call 1 "$g1"),$(call 2 "$wrong"),$(call 3 0x02c0ffee),$(call 4 "$t0"),$(call 5 "$g2")]"
ans=$(curl -s -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$port/")
[ "$(echo "$ans" | jq -r '[.[].id] | map(tostring) | join(",")')" = 1,2,3,4,5 ] \
  || fail "batch answers in order: $ans"
bh1=$(echo "$ans" | jq -r '.[0].result'); bh2=$(echo "$ans" | jq -r '.[4].result')
case "$bh1$bh2" in *null*) fail "batch: good ones accepted: $ans" ;; esac
e2=$(echo "$ans" | jq -r '.[1].error.code, .[1].error.message' | paste -sd' ')
[ "$e2" = "-32000 invalid chain id" ] || fail "batch: wrong chain: $e2"
[ "$(echo "$ans" | jq -r '.[2].error.code')" = -32000 ] || fail "batch: garbage: $ans"
[ "$(echo "$ans" | jq -r '.[3].error.message')" = "already known" ] || fail "batch: replay: $ans"
[ "$(echo "$(wait_receipt "$bh2")" | jq -r .status)" = 0x1 ] || fail "batch: second mined"
[ "$(echo "$(wait_receipt "$bh1")" | jq -r .status)" = 0x1 ] || fail "batch: first mined"
[ "$(result eth_getBalance "[\"$bob\",\"latest\"]")" = "$(printf '0x%x' $((6000 + n_acked + 24)))" ] \
  || fail "batch: bob's balance"
pass "batch of transfers: good ones mined, bad ones refused in order"
kill -TERM "$pid"
wait "$pid"; rc=$?
[ "$rc" -eq 0 ] && pass "clean stop" || fail "exit status $rc"
expect_ok "chain verify replays the blocks" "$ZKGATE" chain verify --data-dir "$tmp/data"
pass "crash: $n_acked acknowledged txs, each once"
finish
