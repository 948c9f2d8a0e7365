#!/usr/bin/env bash
# Cross-checks `zkgate keygen` against an independent implementation: the address
# and public key that ethers v6 (npm) derives from the same private key. Skipped
# (exit 77) when npm or node is missing or the package cannot be installed.
. "$(dirname "$0")/lib.sh"

npmdir="$ZKGATE_BUILD/npm"
npm_ensure "$npmdir" ethers@6 ethers

# ethers reads the key from stdin so it never shows in a process listing.
ethers_identity() {
  NODE_PATH="$npmdir/node_modules" node -e '
    const { Wallet } = require("ethers");
    const key = require("fs").readFileSync(0, "utf8").trim();
    const w = new Wallet(key.startsWith("0x") ? key : "0x" + key);
    console.log(w.address);
    console.log(w.signingKey.publicKey);' <"$1"
}

for i in 1 2 3 4 5 6 7 8; do
  f="$tmp/k$i.key"
  expect_ok "keygen $i" "$ZKGATE" keygen --out "$f"
  ours_addr=$(sed -n 's/^address: //p' "$tmp/out")
  ours_pub=$(sed -n 's/^public key: //p' "$tmp/out")
  if ! theirs=$(ethers_identity "$f" 2>"$tmp/node.err"); then
    fail "ethers failed: $(head -c 400 "$tmp/node.err")"
    continue
  fi
  their_addr=$(sed -n 1p <<<"$theirs")
  their_pub=$(sed -n 2p <<<"$theirs")
  [ "$ours_addr" = "$their_addr" ] && pass "address $i matches ethers" ||
    fail "key $i: zkgate $ours_addr, ethers $their_addr"
  [ "$ours_pub" = "$their_pub" ] && pass "public key $i matches ethers" ||
    fail "key $i: public keys differ"
done

finish
