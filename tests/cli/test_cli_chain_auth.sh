#!/usr/bin/env bash
# A private chain's JSON-RPC as a real process: no token or a wrong one gets HTTP 401,
# the user token reads and sends transactions, an admin method with the user token
# gets -32001, the relay token imports and reads commitments but no member's
# method or view, every denial is in the node's log and no token is; `zkgate chain
# token` makes a token whose printed hash, put in the config, lets it in; config
# errors in "auth" are named.
. "$(dirname "$0")/lib.sh"

# The development tokens of config/chain-private.json (docs/CHAIN.md).
user_tok=zkgate-dev-user-token-not-secret
admin_tok=zkgate-dev-admin-token-not-secret
relay_tok=zkgate-dev-relay-token-not-secret

src="$ZKGATE_SRC/config/chain-private.json"
cfg="$tmp/chain-private.json"
cp "$src" "$cfg"
expect_ok "config check chain-private" "$ZKGATE" config check "$cfg"
grep -q '"mode": "private"' "$tmp/out" || fail "config check prints auth.mode"
for t in $user_tok $admin_tok $relay_tok; do
  h=$(printf %s "$t" | sha256sum | cut -d' ' -f1)
  grep -q "$h" "$src" || fail "config holds the sha256 of the development token $t"
done

# `chain token`: two lines, a 32-byte hex token and its SHA-256; fresh every time.
expect_ok "chain token" "$ZKGATE" chain token
out1=$(cat "$tmp/out")
grep -Eq '^token: [0-9a-f]{64}$' <<<"$out1" && grep -Eq '^sha256: [0-9a-f]{64}$' <<<"$out1" \
  && [ "$(wc -l <<<"$out1")" = 2 ] || fail "chain token format: $out1"
new_tok=$(sed -n 's/^token: //p' <<<"$out1")
new_hash=$(sed -n 's/^sha256: //p' <<<"$out1")
[ "$(printf %s "$new_tok" | sha256sum | cut -d' ' -f1)" = "$new_hash" ] \
  || fail "chain token: sha256 is the SHA-256 of the token"
"$ZKGATE" chain token >"$tmp/out2" || fail "chain token again"
[ "$(sed -n 's/^token: //p' "$tmp/out2")" != "$new_tok" ] || fail "chain token repeats a token"
expect_fail "chain token takes no arguments" "expected: chain token" "$ZKGATE" chain token x

# Config errors name the key.
bad() { jq "$1" "$src" >"$tmp/bad.json"; }
bad '.auth.tokens = []'
expect_fail "private without tokens" "key 'auth': private mode needs at least one token" \
  "$ZKGATE" config check "$tmp/bad.json"
bad '.auth.tokens[1].sha256 = "abcd"'
expect_fail "short sha256" "key 'auth': tokens\[1\] \(dev-gateway\): sha256: expected 64 hex" \
  "$ZKGATE" config check "$tmp/bad.json"
bad '.auth.tokens[0].role = "root"'
expect_fail "unknown role" "role 'root' is not user, relay or admin" "$ZKGATE" config check "$tmp/bad.json"
bad '.auth.tokens[1].name = "dev-user"'
expect_fail "duplicate name" "name 'dev-user' is used by tokens\[0\]" \
  "$ZKGATE" config check "$tmp/bad.json"
bad '.auth.tokens[0].token = "x"'
expect_fail "unknown token key" "key 'auth.tokens\[0\].token' is not known" \
  "$ZKGATE" config check "$tmp/bad.json"
bad '.auth.mode = "secret"'
expect_fail "bad mode" "mode: 'secret' is not public or private" \
  "$ZKGATE" config check "$tmp/bad.json"
bad '.auth.tokens = {}'
expect_fail "tokens not an array" "key 'auth.tokens': expected an array" \
  "$ZKGATE" config check "$tmp/bad.json"

# The operator's flow: a token from `chain token`, its hash in the config.
jq --arg h "$new_hash" '.auth.tokens += [{"name": "ops", "role": "user", "sha256": $h}]' \
  "$src" >"$cfg"

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
pass "private node started on port $port"

# call METHOD PARAMS [TOKEN]: prints the HTTP status, then the body.
call() {
  local auth=()
  [ $# -ge 3 ] && auth=(-H "Authorization: Bearer $3")
  curl -s -o "$tmp/body" -w '%{http_code}\n' -D "$tmp/headers" "${auth[@]}" \
    -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" \
    "http://127.0.0.1:$port/"
  cat "$tmp/body"
}
status() { call "$@" | head -1; }

[ "$(status eth_blockNumber '[]')" = 401 ] || fail "no token: HTTP 401"
grep -qi '^WWW-Authenticate: Bearer' "$tmp/headers" || fail "401 names the Bearer scheme"
[ "$(jq -r .error.code "$tmp/body")" = -32001 ] || fail "401 body is -32001: $(cat "$tmp/body")"
[ "$(status eth_blockNumber '[]' "${user_tok}x")" = 401 ] || fail "wrong token: HTTP 401"
[ "$(status eth_blockNumber '[]' "$user_tok x")" = 401 ] || fail "malformed header: HTTP 401"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Basic dXNlcjpwYXNz' \
  -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' \
  "http://127.0.0.1:$port/")" = 401 ] || fail "Basic credentials: HTTP 401"
pass "calls without a valid token get 401"

r=$(call eth_chainId '[]' "$user_tok")
[ "$(head -1 <<<"$r")" = 200 ] && [ "$(jq -r .result "$tmp/body")" = 0x7a6a ] \
  || fail "user token reads: $r"
r=$(call eth_blockNumber '[]' "$new_tok")
[ "$(head -1 <<<"$r")" = 200 ] && jq -e '.result | startswith("0x")' "$tmp/body" >/dev/null \
  || fail "a token from chain token reads: $r"
key="$tmp/dev.key"
( umask 077; echo ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 >"$key" )
raw=$("$ZKGATE" tx sign --key "$key" --chain-id 31338 --nonce 0 --value 1 \
  --to 0x70997970c51812dc3a010c7d01b50e0d17dc79c8)
call eth_sendRawTransaction "[\"$raw\"]" "$user_tok" >/dev/null
jq -e '.result | test("^0x[0-9a-f]{64}$")' "$tmp/body" >/dev/null \
  || fail "user token sends a transaction: $(cat "$tmp/body")"
pass "user tokens read and send"

r=$(call chain_addInteropRoot '[]' "$user_tok")
[ "$(head -1 <<<"$r")" = 200 ] && [ "$(jq -r .error.code "$tmp/body")" = -32001 ] \
  || fail "admin method with the user token: -32001: $r"
r=$(call chain_adminPause '[]' "$user_tok")
[ "$(jq -r .error.code "$tmp/body")" = -32001 ] || fail "chain_admin* with the user token: $r"
[ "$(status chain_addInteropRoot '[]')" = 401 ] || fail "admin method without a token: 401"
# The admin token passes the policy and reaches the method, which checks its
# parameters (-32602 for a missing root), then accepts a well-formed one.
r=$(call chain_addInteropRoot '[]' "$admin_tok")
[ "$(jq -r .error.code "$tmp/body")" = -32602 ] || fail "admin token passes the policy: $r"
root=0x0100000000000000000000000000000000000000000000000000000000000000
r=$(call chain_addInteropRoot "[\"$root\"]" "$admin_tok")
[ "$(jq -r .result "$tmp/body")" = true ] || fail "admin adds an interop root: $r"
pass "admin methods need the admin token"

# The relay token (the gateway's): imports and roots, the shared reads, and the
# state as the gateway may see it (commitment, exit root and count, no state
# root); no member's method.
r=$(call chain_addInteropRoot "[\"$root\"]" "$relay_tok")
[ "$(jq -r .result "$tmp/body")" = true ] || fail "relay adds an interop root: $r"
r=$(call eth_chainId '[]' "$relay_tok")
[ "$(jq -r .result "$tmp/body")" = 0x7a6a ] || fail "relay reads the chain id: $r"
for m in eth_getBalance eth_getTransactionByHash eth_getBlockByNumber eth_sendRawTransaction \
  eth_getTransactionCount eth_call; do
  r=$(call "$m" '[]' "$relay_tok")
  [ "$(head -1 <<<"$r")" = 200 ] && [ "$(jq -r .error.code "$tmp/body")" = -32001 ] \
    || fail "$m with the relay token: -32001: $r"
done
r=$(call chain_getStateCommitment '[]' "$relay_tok")
jq -e '.result | .stateCommitment and .exitRoot and .exitCount and .block
  and (has("stateRoot") or has("accountRoot") or has("channelRoot")
       or has("localBalanceRoot") or has("salt") | not)' "$tmp/body" >/dev/null \
  || fail "relay sees the commitment, never the state root or salt: $r"
r=$(call chain_getStateCommitment '[]' "$user_tok")
jq -e '.result | .stateRoot and .stateCommitment and (has("salt") | not)' "$tmp/body" \
  >/dev/null || fail "user sees the state root, not the salt: $r"
r=$(call chain_getStateCommitment '[]' "$admin_tok")
jq -e '.result | .stateRoot and .salt' "$tmp/body" >/dev/null \
  || fail "admin sees the state root and the salt: $r"
pass "relay tokens import and see commitments only"

grep -Eq 'WARN rpc\.auth_denied method=chain_addInteropRoot reason=forbidden credentials=true' \
  "$tmp/node.err" || fail "forbidden call logged: $(grep auth_denied "$tmp/node.err")"
grep -Eq 'WARN rpc\.auth_denied method=eth_blockNumber reason=unauthenticated credentials=false' \
  "$tmp/node.err" || fail "call without token logged"
grep -Eq 'WARN rpc\.auth_denied method=eth_blockNumber reason=unauthenticated credentials=true' \
  "$tmp/node.err" || fail "call with a wrong token logged"
[ "$(grep -c 'rpc\.auth_denied' "$tmp/node.err")" -ge 7 ] || fail "every denial logged"
grep -q 'chain.auth mode=private tokens=4' "$tmp/node.err" || fail "node logs its auth mode"
for t in "$user_tok" "$admin_tok" "$relay_tok" "$new_tok"; do
  grep -qF "$t" "$tmp/node.err" "$tmp/node.out" && fail "a token appears in the node's output"
done
curl -s "http://127.0.0.1:$port/metrics" | grep -Eq '^zkgate_rpc_auth_denied_total [1-9]' \
  || fail "denials counted in /metrics"
pass "denials logged, tokens never"

kill -TERM "$pid"
wait "$pid"; rc=$?
[ "$rc" -eq 0 ] && pass "clean stop" || fail "exit status $rc"
finish
