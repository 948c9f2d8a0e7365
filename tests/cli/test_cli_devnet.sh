#!/usr/bin/env bash
# `zkgate devnet` as a real process on loopback: it starts, says what is missing,
# serves /health and devnet_status, stops cleanly on SIGTERM; `config check`
# accepts the shipped config and names the key of a bad one.
. "$(dirname "$0")/lib.sh"

expect_ok "config check devnet.json" "$ZKGATE" config check "$ZKGATE_SRC/config/devnet.json"
grep -q '"addr": "127.0.0.1:8640"' "$tmp/out" || fail "config check prints the effective config"

echo '{"kind":"devnet","rpc":{"adress":"x"}}' >"$tmp/bad1.json"
expect_fail "unknown key named" "key 'rpc.adress' is not known" "$ZKGATE" config check "$tmp/bad1.json"
echo '{"kind":"devnet","rpc":{"timeout_s":"30"}}' >"$tmp/bad2.json"
expect_fail "wrong type named" "key 'rpc.timeout_s': expected an integer, got a string" \
  "$ZKGATE" config check "$tmp/bad2.json"
echo '{"rpc":{}}' >"$tmp/bad3.json"
expect_fail "missing kind" "key 'kind' is required" "$ZKGATE" config check "$tmp/bad3.json"
echo '{"kind":"devnet",' >"$tmp/bad4.json"
expect_fail "bad json" "bad4.json:[0-9]+:[0-9]+: not valid JSON" "$ZKGATE" config check "$tmp/bad4.json"
expect_fail "missing file" "no-such.json" "$ZKGATE" config check "$tmp/no-such.json"
expect_fail "devnet bad config" "key 'rpc.adress'" "$ZKGATE" devnet --config "$tmp/bad1.json"
expect_fail "devnet bad flag" "unknown argument" "$ZKGATE" devnet --frobnicate
expect_fail "devnet bad addr" "port must be" "$ZKGATE" devnet --rpc-addr 127.0.0.1:99999 \
  --data-dir "$tmp/d0"
expect_ok "devnet --help" "$ZKGATE" devnet --help

# Start it on a free port (0) and read the port it prints.
"$ZKGATE" devnet --config "$ZKGATE_SRC/config/devnet.json" --data-dir "$tmp/data" \
  --rpc-addr 127.0.0.1:0 >"$tmp/devnet.out" 2>"$tmp/devnet.err" &
pid=$!
pids+=("$pid")
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|^status: http://127.0.0.1:\([0-9]*\)/health.*|\1|p' "$tmp/devnet.out")
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  fail "devnet did not start: $(cat "$tmp/devnet.err")"
  finish
fi
pass "devnet started on port $port"
grep -q "NOT AVAILABLE  chain nodes" "$tmp/devnet.out" || fail "devnet says chain nodes are missing"
[ -d "$tmp/data" ] || fail "data dir created"

h=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$port/health")
case "$h" in *'"status": "ok"'*200|*'"status":"ok"'*200) pass "health";; *) fail "health: $h";; esac
s=$(curl -s -H 'Content-Type: application/json' \
  -d '{"jsonrpc":"2.0","id":7,"method":"devnet_status","params":[]}' "http://127.0.0.1:$port/")
echo "$s" | grep -q '"not available"' && echo "$s" | grep -q '"id": *7' \
  && pass "devnet_status" || fail "devnet_status: $s"
s=$(curl -s -H 'Content-Type: application/json' \
  -d '{"jsonrpc":"2.0","id":1,"method":"devnet_status","params":[1]}' "http://127.0.0.1:$port/")
echo "$s" | grep -q -- '-32602' && pass "devnet_status rejects params" || fail "params: $s"
m=$(curl -s "http://127.0.0.1:$port/metrics")
echo "$m" | grep -q '^# TYPE' && pass "metrics" || fail "metrics: $m"

kill -TERM "$pid"
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then fail "devnet still running after SIGTERM"; else
  wait "$pid"; rc=$?
  [ "$rc" -eq 0 ] && pass "clean stop" || fail "devnet exit status $rc"
fi
finish
