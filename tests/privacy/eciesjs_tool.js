// Helper for test_eciesjs.sh: runs the npm package eciesjs (an outside ECIES
// implementation) so its output can be checked against zkgate's, and the other way.
//   node eciesjs_tool.js keygen                     -> "SECRET_HEX PUBLIC_HEX"
//   node eciesjs_tool.js encrypt PUB_HEX IN OUT [AAD_HEX]
//   node eciesjs_tool.js decrypt SECRET_HEX IN OUT [AAD_HEX]
// With AAD it uses eciesjs's own building blocks (encapsulate, symEncrypt/symDecrypt
// with AAD), which is how zkgate's AAD extension is defined.
"use strict";
const fs = require("fs");
const { PrivateKey, PublicKey, encrypt, decrypt, ECIES_CONFIG } = require("eciesjs");
const utils = require("eciesjs/utils");

const [cmd, a, inPath, outPath, aadHex] = process.argv.slice(2);
const hex = (b) => Buffer.from(b).toString("hex");

if (cmd === "keygen") {
  const sk = new PrivateKey();
  console.log(hex(sk.secret) + " " + hex(sk.publicKey.toBytes(false)));
} else if (cmd === "encrypt") {
  const data = fs.readFileSync(inPath);
  let ct;
  if (aadHex === undefined) {
    ct = encrypt(a, data);
  } else {
    const eph = new PrivateKey();
    const key = eph.encapsulate(PublicKey.fromHex(a), ECIES_CONFIG.isHkdfKeyCompressed);
    const body = utils.symEncrypt(ECIES_CONFIG, key, data, Buffer.from(aadHex, "hex"));
    ct = Buffer.concat([Buffer.from(eph.publicKey.toBytes(false)), Buffer.from(body)]);
  }
  fs.writeFileSync(outPath, ct);
} else if (cmd === "decrypt") {
  const data = fs.readFileSync(inPath);
  let pt;
  if (aadHex === undefined) {
    pt = decrypt(a, data);
  } else {
    const sk = PrivateKey.fromHex(a);
    const eph = new PublicKey(data.subarray(0, 65));
    const key = eph.decapsulate(sk, ECIES_CONFIG.isHkdfKeyCompressed);
    pt = utils.symDecrypt(ECIES_CONFIG, key, data.subarray(65), Buffer.from(aadHex, "hex"));
  }
  fs.writeFileSync(outPath, pt);
} else {
  console.error("usage: eciesjs_tool.js keygen | encrypt PUB IN OUT [AAD] | decrypt SK IN OUT [AAD]");
  process.exit(2);
}
