#!/usr/bin/env bash
# Interoperability with the npm package eciesjs (default configuration: secp256k1,
# uncompressed keys, AES-256-GCM, 16-byte nonce): eciesjs encrypts and zkgate
# decrypts, and the other way round, with and without associated data, for several
# sizes. Skips (77) only when npm/node are missing or the registry cannot be reached.
set -euo pipefail

: "${ZKGATE:?ZKGATE must name the zkgate binary}"
: "${ZKGATE_BUILD:?ZKGATE_BUILD must name the build folder}"
here="$(cd "$(dirname "$0")" && pwd)"
tool="$here/eciesjs_tool.js"

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "SKIP: npm or node is not installed; cannot fetch eciesjs" >&2
    exit 77
fi
prefix="$ZKGATE_BUILD/npm-eciesjs"
if [ ! -f "$prefix/node_modules/eciesjs/package.json" ]; then
    mkdir -p "$prefix"
    if ! npm install --prefix "$prefix" --no-audit --no-fund --no-save eciesjs \
        >"$prefix/install.log" 2>&1; then
        echo "SKIP: 'npm install eciesjs' failed (registry unreachable?); see $prefix/install.log" >&2
        tail -5 "$prefix/install.log" >&2 || true
        exit 77
    fi
fi
export NODE_PATH="$prefix/node_modules"
echo "eciesjs $(node -p "JSON.parse(require(\"fs\").readFileSync(\"$prefix/node_modules/eciesjs/package.json\")).version")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 077
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

# A recipient key made by zkgate, and one made by eciesjs.
zpub="$("$ZKGATE" privacy keygen zk.key)"
read -r jsk jpub < <(node "$tool" keygen)
printf '%s\n' "$jsk" >js.key

aad="01070000000000000009000000000000002a00000000000000$(printf 'ab%.0s' $(seq 32))"
for size in 0 1 31 1000 70000; do
    head -c "$size" /dev/urandom >msg
    for mode in plain aad; do
        if [ "$mode" = aad ]; then extra=("$aad"); zopt=(--aad "$aad"); else extra=(); zopt=(); fi
        # eciesjs -> zkgate
        node "$tool" encrypt "$zpub" msg js.ct "${extra[@]}"
        [ "$(stat -c %s js.ct)" -eq $((size + 97)) ] || fail "eciesjs ciphertext size"
        "$ZKGATE" privacy decrypt --key zk.key "${zopt[@]}" js.ct out1
        cmp -s msg out1 || fail "zkgate did not recover eciesjs's plaintext (size $size, $mode)"
        # zkgate -> eciesjs
        "$ZKGATE" privacy encrypt --to "$jpub" "${zopt[@]}" msg zk.ct
        node "$tool" decrypt "$jsk" zk.ct out2 "${extra[@]}"
        cmp -s msg out2 || fail "eciesjs did not recover zkgate's plaintext (size $size, $mode)"
        # zkgate decrypts its own with the key file eciesjs's secret went into
        "$ZKGATE" privacy decrypt --key js.key "${zopt[@]}" zk.ct out3
        cmp -s msg out3 || fail "round trip with the eciesjs key (size $size, $mode)"
    done
done

# The AAD really binds: wrong or missing AAD is refused on both sides.
head -c 100 /dev/urandom >msg
node "$tool" encrypt "$zpub" msg js.ct "$aad"
if "$ZKGATE" privacy decrypt --key zk.key js.ct out 2>err; then fail "decrypted without its AAD"; fi
grep -q ZK_ERR_DECRYPT err || fail "missing-AAD error is not ZK_ERR_DECRYPT: $(cat err)"
"$ZKGATE" privacy encrypt --to "$jpub" --aad "$aad" msg zk.ct
if node "$tool" decrypt "$jsk" zk.ct out 2>/dev/null; then fail "eciesjs decrypted an AAD ciphertext without the AAD"; fi
# A compressed recipient key given to zkgate still gives eciesjs's format.
cpub="$(node -e 'const {PublicKey}=require("eciesjs");console.log(PublicKey.fromHex(process.argv[1]).toHex(true))' "$jpub")"
"$ZKGATE" privacy encrypt --to "$cpub" msg zk.ct
node "$tool" decrypt "$jsk" zk.ct out2
cmp -s msg out2 || fail "compressed recipient key"
echo "eciesjs interoperability: ok"
