#!/usr/bin/env bash
# Ethereum transactions against an independent implementation, ethers v6 (npm):
# ethers signs legacy and EIP-1559 transactions that `zkgate tx decode` must read
# to the same sender, hash and fields; `zkgate tx sign` makes transactions that
# ethers must parse to the same sender. Skipped (77) without npm/node or network.
. "$(dirname "$0")/lib.sh"

npmdir="$ZKGATE_BUILD/npm"
npm_ensure "$npmdir" ethers@6 ethers
export NODE_PATH="$npmdir/node_modules"

# ethers -> zkgate: ethers signs, prints "raw from hash chainId nonce value" per line.
node -e '
const { Wallet, Transaction } = require("ethers");
const lines = [];
(async () => {
  for (let i = 0; i < 12; i++) {
    const w = Wallet.createRandom();
    const type = i % 2 ? 2 : 0;
    const tx = { type, chainId: 1 + i * 7919, nonce: i * 3, gasLimit: 21000 + i,
      to: Wallet.createRandom().address, value: BigInt(i) * 10n ** 17n,
      data: "0x" + "ab".repeat(i) };
    if (type === 2) { tx.maxFeePerGas = 1000000000n + BigInt(i); tx.maxPriorityFeePerGas = BigInt(i); }
    else tx.gasPrice = 2000000000n + BigInt(i);
    if (i === 5) tx.accessList = [{ address: w.address, storageKeys: ["0x" + "11".repeat(32)] }];
    const raw = await w.signTransaction(tx);
    const t = Transaction.from(raw);
    lines.push([raw, w.address, t.hash, tx.chainId, tx.nonce, "0x" + tx.value.toString(16)].join(" "));
  }
  console.log(lines.join("\n"));
})();' >"$tmp/ethers.txt" 2>"$tmp/node.err" || { fail "ethers: $(cat "$tmp/node.err")"; finish; }

n=0
while read -r raw from hash chain nonce value; do
  n=$((n + 1))
  if ! out=$("$ZKGATE" tx decode "$raw" 2>&1); then fail "decode $n: $out"; continue; fi
  grep -q "\"from\": \"$from\"" <<<"$out" || fail "tx $n: sender differs: $out (want $from)"
  grep -q "\"hash\": \"$hash\"" <<<"$out" || fail "tx $n: hash differs: $out (want $hash)"
  grep -q "\"chainId\": $chain," <<<"$out" || fail "tx $n: chain id differs"
  grep -q "\"nonce\": $nonce," <<<"$out" || fail "tx $n: nonce differs"
  grep -q "\"value\": \"$value\"" <<<"$out" || fail "tx $n: value differs: $out (want $value)"
done <"$tmp/ethers.txt"
[ "$n" -eq 12 ] && pass "12 ethers transactions decoded" || fail "read $n of 12"

# zkgate -> ethers
expect_ok "keygen" "$ZKGATE" keygen --out "$tmp/k.key"
addr=$(sed -n 's/^address: //p' "$tmp/out")
for type in 0 2; do
  expect_ok "sign type $type" "$ZKGATE" tx sign --key "$tmp/k.key" --type $type --chain-id 31337 \
    --nonce 4 --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --value 1000000000000000000000 \
    --data 0xdeadbeef
  raw=$(cat "$tmp/out")
  got=$(node -e 'const {Transaction}=require("ethers"); const t=Transaction.from(process.argv[1]);
    console.log([t.from, t.type, t.chainId, t.nonce, t.value, t.data].map(String).join(" "))' "$raw" 2>&1)
  [ "$got" = "$addr $type 31337 4 1000000000000000000000 0xdeadbeef" ] && pass "ethers reads type $type" \
    || fail "ethers read type $type as: $got (want sender $addr)"
done

# bad input is a clear error
expect_fail "decode garbage" "rlp|hex|too short|not supported" "$ZKGATE" tx decode 0x01
expect_fail "decode bad hex" "not a hex digit" "$ZKGATE" tx decode 0xzz
expect_fail "sign without key" "needs --key" "$ZKGATE" tx sign --chain-id 1 --nonce 0
finish
