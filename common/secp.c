/* secp256k1 through libsecp256k1 (recovery module), Ethereum addresses (Yellow
 * Paper section 7 / appendix F) and EIP-55 checksums. */
#include "common/secp.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/keccak.h"

static secp256k1_context *g_ctx;
static int g_ctx_err;
static pthread_once_t g_ctx_once = PTHREAD_ONCE_INIT;

static void ctx_create(void)
{
    uint8_t seed[32];
    secp256k1_context *c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!c) {
        g_ctx_err = 1;
        return;
    }
    if (RAND_bytes(seed, sizeof seed) != 1 || !secp256k1_context_randomize(c, seed)) {
        OPENSSL_cleanse(seed, sizeof seed);
        secp256k1_context_destroy(c);
        g_ctx_err = 2;
        return;
    }
    OPENSSL_cleanse(seed, sizeof seed);
    g_ctx = c;
}

/* The shared context, or NULL with the error recorded. Created once; after that
 * libsecp256k1 only reads it, which is what makes concurrent use safe. */
static const secp256k1_context *ctx(void)
{
    pthread_once(&g_ctx_once, ctx_create);
    if (!g_ctx)
        zk_err_set(ZK_ERR_CRYPTO, "secp256k1: %s",
                   g_ctx_err == 1 ? "context creation failed"
                                  : "randomizing the context from the CSPRNG failed");
    return g_ctx;
}

int ecc_seckey_check(const uint8_t priv[ECC_SECKEY_LEN])
{
    const secp256k1_context *c = ctx();
    if (!c)
        return ZK_ERR_CRYPTO;
    if (!secp256k1_ec_seckey_verify(c, priv))
        return zk_err_set(ZK_ERR_RANGE, "secp256k1: private key is zero or not below the "
                                        "group order");
    return ZK_OK;
}

int ecc_keygen(uint8_t priv[ECC_SECKEY_LEN])
{
    const secp256k1_context *c = ctx();
    if (!c)
        return ZK_ERR_CRYPTO;
    /* an invalid scalar has probability about 2^-128; the bound only guards against
     * a broken CSPRNG that returns the same bad value forever */
    for (int tries = 0; tries < 64; tries++) {
        if (RAND_bytes(priv, ECC_SECKEY_LEN) != 1)
            break;
        if (secp256k1_ec_seckey_verify(c, priv))
            return ZK_OK;
    }
    OPENSSL_cleanse(priv, ECC_SECKEY_LEN);
    return zk_err_set(ZK_ERR_CRYPTO, "secp256k1: the CSPRNG gave no valid private key");
}

int ecc_pubkey(const uint8_t priv[ECC_SECKEY_LEN], uint8_t pub64[ECC_PUB64_LEN],
               uint8_t pub33[ECC_PUB33_LEN])
{
    const secp256k1_context *c = ctx();
    if (!c)
        return ZK_ERR_CRYPTO;
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_create(c, &pk, priv))
        return zk_err_set(ZK_ERR_RANGE, "secp256k1: private key is zero or not below the "
                                        "group order");
    uint8_t ser[65];
    size_t n = sizeof ser;
    if (pub64) {
        if (!secp256k1_ec_pubkey_serialize(c, ser, &n, &pk, SECP256K1_EC_UNCOMPRESSED) || n != 65)
            return zk_err_set(ZK_ERR_CRYPTO, "secp256k1: serializing a public key failed");
        memcpy(pub64, ser + 1, ECC_PUB64_LEN);
    }
    if (pub33) {
        n = ECC_PUB33_LEN;
        if (!secp256k1_ec_pubkey_serialize(c, pub33, &n, &pk, SECP256K1_EC_COMPRESSED) ||
            n != ECC_PUB33_LEN)
            return zk_err_set(ZK_ERR_CRYPTO, "secp256k1: serializing a public key failed");
    }
    return ZK_OK;
}

int ecc_pubkey_parse(const uint8_t *in, size_t len, uint8_t pub64[ECC_PUB64_LEN])
{
    const secp256k1_context *c = ctx();
    if (!c)
        return ZK_ERR_CRYPTO;
    uint8_t buf[65];
    const uint8_t *p = in;
    if (len == 64) {
        buf[0] = 0x04;
        memcpy(buf + 1, in, 64);
        p = buf;
        len = 65;
    } else if (len != 33 && len != 65) {
        return zk_err_set(ZK_ERR_PARSE, "secp256k1: a public key has 33, 64 or 65 bytes, not %zu",
                          len);
    } else if (len == 65 && in[0] != 0x04) {
        /* the hybrid forms 0x06/0x07 are legal SEC1 but nobody should send them */
        return zk_err_set(ZK_ERR_PARSE,
                          "secp256k1: a 65-byte public key starts with 0x04, not 0x%02x", in[0]);
    }
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_parse(c, &pk, p, len))
        return zk_err_set(ZK_ERR_PARSE, "secp256k1: the public key is not a point on the curve");
    uint8_t ser[65];
    size_t n = sizeof ser;
    if (!secp256k1_ec_pubkey_serialize(c, ser, &n, &pk, SECP256K1_EC_UNCOMPRESSED))
        return zk_err_set(ZK_ERR_CRYPTO, "secp256k1: serializing a public key failed");
    memcpy(pub64, ser + 1, ECC_PUB64_LEN);
    return ZK_OK;
}

int ecc_sign_recoverable(const uint8_t priv[ECC_SECKEY_LEN], const uint8_t hash[32],
                         uint8_t sig[ECC_SIG_LEN])
{
    const secp256k1_context *c = ctx();
    if (!c)
        return ZK_ERR_CRYPTO;
    secp256k1_ecdsa_recoverable_signature rs;
    int recid = -1;
    if (!secp256k1_ecdsa_sign_recoverable(c, &rs, hash, priv, NULL, NULL))
        return zk_err_set(ZK_ERR_RANGE, "secp256k1: private key is zero or not below the "
                                        "group order");
    secp256k1_ecdsa_recoverable_signature_serialize_compact(c, sig, &recid, &rs);
    if (recid < 0 || recid > 1) {
        /* r >= n happens with probability about 2^-127 and cannot be written with
         * v in {0, 1}: refuse rather than emit a signature Ethereum cannot carry */
        OPENSSL_cleanse(sig, ECC_SIG_LEN);
        return zk_err_set(ZK_ERR_CRYPTO, "secp256k1: recovery id %d cannot be encoded", recid);
    }
    sig[64] = (uint8_t)recid;
    return ZK_OK;
}

int ecc_recover(const uint8_t hash[32], const uint8_t sig[ECC_SIG_LEN],
                uint8_t pub64[ECC_PUB64_LEN])
{
    const secp256k1_context *c = ctx();
    if (!c)
        return ZK_ERR_CRYPTO;
    if (sig[64] > 1)
        return zk_err_set(ZK_ERR_SIGNATURE, "signature: byte 64: v is %u, expected 0 or 1",
                          sig[64]);
    secp256k1_ecdsa_recoverable_signature rs;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(c, &rs, sig, sig[64]))
        return zk_err_set(ZK_ERR_SIGNATURE, "signature: r or s is not below the group order");
    secp256k1_ecdsa_signature plain, low;
    secp256k1_ecdsa_recoverable_signature_convert(c, &plain, &rs);
    if (secp256k1_ecdsa_signature_normalize(c, &low, &plain))
        return zk_err_set(ZK_ERR_SIGNATURE,
                          "signature: s is in the upper half of the group order (malleable)");
    secp256k1_pubkey pk;
    if (!secp256k1_ecdsa_recover(c, &pk, &rs, hash))
        return zk_err_set(ZK_ERR_SIGNATURE, "signature: no public key recovers from it");
    uint8_t ser[65];
    size_t n = sizeof ser;
    if (!secp256k1_ec_pubkey_serialize(c, ser, &n, &pk, SECP256K1_EC_UNCOMPRESSED))
        return zk_err_set(ZK_ERR_CRYPTO, "secp256k1: serializing a public key failed");
    memcpy(pub64, ser + 1, ECC_PUB64_LEN);
    return ZK_OK;
}

void eth_address_from_pub(const uint8_t pub64[ECC_PUB64_LEN], uint8_t addr[ETH_ADDRESS_LEN])
{
    uint8_t h[ZK_KECCAK256_LEN];
    zk_keccak256(h, pub64, ECC_PUB64_LEN);
    memcpy(addr, h + 12, ETH_ADDRESS_LEN);
}

int eth_address_from_priv(const uint8_t priv[ECC_SECKEY_LEN], uint8_t addr[ETH_ADDRESS_LEN])
{
    uint8_t pub[ECC_PUB64_LEN];
    int rc = ecc_pubkey(priv, pub, NULL);
    if (rc)
        return rc;
    eth_address_from_pub(pub, addr);
    return ZK_OK;
}

/* EIP-55: a hex letter is upper case when the matching nibble of
 * Keccak-256(lowercase hex address) is 8 or more. */
void eth_address_checksum(const uint8_t addr[ETH_ADDRESS_LEN], char out[ETH_ADDRESS_STR_LEN])
{
    char lower[2 * ETH_ADDRESS_LEN + 1];
    uint8_t h[ZK_KECCAK256_LEN];
    zk_hex_encode(lower, addr, ETH_ADDRESS_LEN, 0);
    zk_keccak256(h, lower, 2 * ETH_ADDRESS_LEN);
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 2 * ETH_ADDRESS_LEN; i++) {
        unsigned nib = (i % 2 == 0) ? h[i / 2] >> 4 : h[i / 2] & 15;
        char ch = lower[i];
        out[2 + i] = (ch >= 'a' && nib >= 8) ? (char)(ch - 'a' + 'A') : ch;
    }
    out[ETH_ADDRESS_STR_LEN - 1] = '\0';
}

int eth_address_parse(const char *s, uint8_t addr[ETH_ADDRESS_LEN])
{
    if (!s || !addr)
        return zk_err_set(ZK_ERR_INVALID_ARG, "address: NULL argument");
    size_t len = strnlen(s, ETH_ADDRESS_STR_LEN);
    if (len < 2 || s[0] != '0' || s[1] != 'x')
        return zk_err_set(ZK_ERR_PARSE, "address: must start with 0x");
    if (len != ETH_ADDRESS_STR_LEN - 1)
        return zk_err_set(ZK_ERR_PARSE, "address: expected 0x and 40 hex digits, got %s",
                          len >= ETH_ADDRESS_STR_LEN ? "more" : "fewer");
    int upper = 0, lower = 0;
    for (size_t i = 2; i < len; i++) {
        char ch = s[i];
        if (ch >= 'a' && ch <= 'f')
            lower = 1;
        else if (ch >= 'A' && ch <= 'F')
            upper = 1;
        else if (!(ch >= '0' && ch <= '9'))
            return zk_err_set(ZK_ERR_PARSE, "address: position %zu: not a hex digit", i);
    }
    uint8_t a[ETH_ADDRESS_LEN];
    if (zk_hex_decode_exact(a, ETH_ADDRESS_LEN, s, len) != ZK_OK)
        return zk_err_wrap(ZK_ERR_PARSE, "address: ");
    if (upper && lower) {
        char want[ETH_ADDRESS_STR_LEN];
        eth_address_checksum(a, want);
        for (size_t i = 2; i < len; i++)
            if (s[i] != want[i])
                return zk_err_set(ZK_ERR_PARSE,
                                  "address: EIP-55 checksum mismatch at position %zu ('%c' "
                                  "should be '%c')",
                                  i, s[i], want[i]);
    }
    memcpy(addr, a, ETH_ADDRESS_LEN);
    return ZK_OK;
}
