#include "privacy/commit.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/bytes.h"
#include "common/error.h"

int pc_salt_random(pc_salt *salt)
{
    if (!salt)
        return zk_err_set(ZK_ERR_INVALID_ARG, "pc_salt_random: NULL salt");
    uint8_t buf[4 * PC_SALT_LEN];
    size_t have = 0;
    /* Each round keeps a candidate with probability (p / 2^31) > 0.99, so 64 rounds
     * failing means the generator is broken, not unlucky. */
    for (int round = 0; round < 64 && have < PC_SALT_LEN; round++) {
        if (RAND_bytes(buf, sizeof buf) != 1)
            break;
        for (size_t i = 0; i < PC_SALT_LEN && have < PC_SALT_LEN; i++) {
            uint32_t x = zk_load_le32(buf + 4 * i) & 0x7fffffffu;
            if (x < KB_P)
                salt->v[have++] = kb_from_canonical(x);
        }
    }
    OPENSSL_cleanse(buf, sizeof buf);
    if (have < PC_SALT_LEN) {
        pc_salt_wipe(salt);
        return zk_err_set(ZK_ERR_CRYPTO, "commitment salt: RAND_bytes failed");
    }
    return ZK_OK;
}

void pc_salt_wipe(pc_salt *salt)
{
    if (salt)
        OPENSSL_cleanse(salt, sizeof *salt);
}

int pc_commit(p2_digest *out, const kb *value, size_t n, const pc_salt *salt)
{
    if (!out || !salt || (!value && n))
        return zk_err_set(ZK_ERR_INVALID_ARG, "pc_commit: NULL argument");
    if (n > PC_MAX_VALUE)
        return zk_err_set(ZK_ERR_TOO_LARGE, "commitment value of %zu elements exceeds %d", n,
                          PC_MAX_VALUE);
    p2_sponge s;
    p2_sponge_init(&s, P2_DOM_COMMITMENT);
    p2_sponge_absorb(&s, salt->v, PC_SALT_LEN);
    if (n)
        p2_sponge_absorb(&s, value, n);
    p2_sponge_finish(&s, out);
    /* The sponge state held the salt. */
    OPENSSL_cleanse(&s, sizeof s);
    return ZK_OK;
}

int pc_state_commit(p2_digest *out, const p2_digest *state_root, const pc_salt *salt)
{
    if (!state_root)
        return zk_err_set(ZK_ERR_INVALID_ARG, "pc_state_commit: NULL state root");
    return pc_commit(out, state_root->v, P2_DIGEST_LEN, salt);
}

int pc_verify(const p2_digest *commitment, const kb *value, size_t n, const pc_salt *salt)
{
    if (!commitment)
        return zk_err_set(ZK_ERR_INVALID_ARG, "pc_verify: NULL commitment");
    p2_digest d;
    int rc = pc_commit(&d, value, n, salt);
    if (rc)
        return rc;
    uint8_t a[32], b[32];
    pc_encode8(a, d.v);
    pc_encode8(b, commitment->v);
    int diff = CRYPTO_memcmp(a, b, sizeof a);
    OPENSSL_cleanse(&d, sizeof d);
    if (diff)
        return zk_err_set(ZK_ERR_PROOF, "opening does not match the commitment");
    return ZK_OK;
}

void pc_encode8(uint8_t out[32], const kb v[8])
{
    for (int i = 0; i < 8; i++)
        zk_store_le32(out + 4 * i, kb_to_canonical(v[i]));
}

int pc_decode8(kb v[8], const uint8_t in[32])
{
    for (int i = 0; i < 8; i++) {
        uint32_t x = zk_load_le32(in + 4 * i);
        if (kb_decode(&v[i], x))
            return zk_err_set(ZK_ERR_PARSE, "element %d (bytes %d..%d) is not below p", i, 4 * i,
                              4 * i + 3);
    }
    return ZK_OK;
}
