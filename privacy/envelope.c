#include "privacy/envelope.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/error.h"
#include "privacy/viewkey.h"

size_t env_bucket(size_t len)
{
    if (len > ENV_MAX_PAYLOAD)
        return 0;
    size_t b = ENV_PAD_MIN;
    while (b < len + 4)
        b <<= 1;
    return b;
}

static int is_bucket(size_t n)
{
    return n >= ENV_PAD_MIN && n <= ENV_PAD_MAX && (n & (n - 1)) == 0;
}

int env_pad(zk_buf *out, const uint8_t *pt, size_t pt_len)
{
    if (!out || (!pt && pt_len))
        return zk_err_set(ZK_ERR_INVALID_ARG, "env_pad: NULL argument");
    size_t b = env_bucket(pt_len);
    if (!b)
        return zk_err_set(ZK_ERR_TOO_LARGE,
                          "payload of %zu bytes exceeds the largest bucket "
                          "(%zu bytes of payload)",
                          pt_len, (size_t)ENV_MAX_PAYLOAD);
    int rc = zk_buf_reserve(out, b);
    if (rc)
        return rc;
    uint8_t *p = out->data + out->len;
    zk_store_le32(p, (uint32_t)pt_len);
    if (pt_len)
        memcpy(p + 4, pt, pt_len);
    memset(p + 4 + pt_len, 0, b - 4 - pt_len);
    out->len += b;
    return ZK_OK;
}

int env_unpad(zk_buf *out, const uint8_t *padded, size_t len)
{
    if (!out || !padded)
        return zk_err_set(ZK_ERR_INVALID_ARG, "env_unpad: NULL argument");
    if (!is_bucket(len))
        return zk_err_set(ZK_ERR_PARSE,
                          "padded payload of %zu bytes is not a bucket size "
                          "(a power of two from %zu to %zu)",
                          len, ENV_PAD_MIN, ENV_PAD_MAX);
    size_t n = zk_load_le32(padded);
    if (n > len - 4)
        return zk_err_set(ZK_ERR_PARSE,
                          "padded payload: length prefix %zu exceeds the %zu "
                          "bytes that follow it",
                          n, len - 4);
    if (env_bucket(n) != len)
        return zk_err_set(ZK_ERR_PARSE,
                          "padded payload: %zu bytes belong in a %zu-byte "
                          "bucket, not %zu",
                          n, env_bucket(n), len);
    uint8_t nz = 0;
    for (size_t i = 4 + n; i < len; i++)
        nz |= padded[i];
    if (nz)
        return zk_err_set(ZK_ERR_PARSE, "padded payload: padding after byte %zu is not zero",
                          4 + n);
    return zk_buf_append(out, padded + 4, n);
}

int env_parse(const uint8_t *env, size_t len, ecies_route *route, size_t *n_slots)
{
    if (!env)
        return zk_err_set(ZK_ERR_INVALID_ARG, "env_parse: NULL envelope");
    if (len > ENV_MAX_LEN)
        return zk_err_set(ZK_ERR_TOO_LARGE, "envelope of %zu bytes exceeds the cap of %zu", len,
                          (size_t)ENV_MAX_LEN);
    if (len < ENV_HEADER_LEN)
        return zk_err_set(ZK_ERR_PARSE,
                          "envelope of %zu bytes is shorter than its %d-byte "
                          "header",
                          len, ENV_HEADER_LEN);
    if (memcmp(env, ENV_MAGIC, 4) != 0)
        return zk_err_set(ZK_ERR_PARSE, "bytes 0..3: not an envelope (magic is not \"ZKEV\")");
    if (env[4] != ENV_VERSION)
        return zk_err_set(ZK_ERR_UNSUPPORTED, "byte 4: envelope version %u (this build reads %d)",
                          env[4], ENV_VERSION);
    size_t n = env[5];
    if (n < 1 || n > ENV_MAX_RECIPIENTS)
        return zk_err_set(ZK_ERR_PARSE, "byte 5: %zu recipient slots (allowed 1..%d)", n,
                          ENV_MAX_RECIPIENTS);
    if (env[6] || env[7])
        return zk_err_set(ZK_ERR_PARSE, "bytes 6..7: reserved bytes are not zero");
    size_t body = ENV_HEADER_LEN + n * ENV_SLOT_LEN;
    if (len < body + ECIES_SEAL_OVERHEAD)
        return zk_err_set(ZK_ERR_PARSE, "envelope of %zu bytes ends inside its %zu slots", len, n);
    if (!is_bucket(len - body - ECIES_SEAL_OVERHEAD))
        return zk_err_set(ZK_ERR_PARSE,
                          "byte %zu: body of %zu bytes is not nonce, tag and a "
                          "padding bucket (truncated or extended?)",
                          body, len - body);
    if (route) {
        int rc = ecies_route_decode(route, env + 8, ECIES_ROUTE_LEN);
        if (rc)
            return rc;
    }
    if (n_slots)
        *n_slots = n;
    return ZK_OK;
}

int env_seal(zk_buf *out, const ecies_route *route, const uint8_t (*recipients)[ECIES_PUBKEY_LEN],
             size_t n, const uint8_t *pt, size_t pt_len)
{
    if (!out || !route || !recipients || (!pt && pt_len))
        return zk_err_set(ZK_ERR_INVALID_ARG, "env_seal: NULL argument");
    if (n < 1 || n > ENV_MAX_RECIPIENTS)
        return zk_err_set(ZK_ERR_INVALID_ARG, "envelope: %zu recipients (allowed 1..%d)", n,
                          ENV_MAX_RECIPIENTS);
    size_t b = env_bucket(pt_len);
    if (!b)
        return zk_err_set(ZK_ERR_TOO_LARGE,
                          "payload of %zu bytes exceeds the largest bucket "
                          "(%zu bytes of payload)",
                          pt_len, (size_t)ENV_MAX_PAYLOAD);
    size_t start = out->len;
    size_t total = ENV_HEADER_LEN + n * ENV_SLOT_LEN + ECIES_SEAL_OVERHEAD + b;
    uint8_t ckey[ECIES_KEY_LEN], wkey[ECIES_KEY_LEN], eph[ECIES_PUBKEY_LEN];
    uint8_t info[VK_INFO_LEN], hdr[ENV_HEADER_LEN];
    zk_buf padded;
    zk_buf_init(&padded, ENV_PAD_MAX);
    int rc = zk_buf_reserve(out, total);
    if (rc)
        return rc;
    memcpy(hdr, ENV_MAGIC, 4);
    hdr[4] = ENV_VERSION;
    hdr[5] = (uint8_t)n;
    hdr[6] = hdr[7] = 0;
    ecies_route_encode(hdr + 8, route);
    vk_message_info(info, route->leaf);
    if (RAND_bytes(ckey, sizeof ckey) != 1) {
        rc = zk_err_set(ZK_ERR_CRYPTO, "envelope: RAND_bytes failed for the content key");
        goto done;
    }
    rc = zk_buf_append(out, hdr, sizeof hdr);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = ecies_encapsulate(wkey, eph, recipients[i], info, sizeof info);
        if (rc) {
            rc = zk_err_wrap(rc, "recipient %zu: ", i);
            break;
        }
        rc = zk_buf_append(out, eph, sizeof eph);
        if (!rc)
            rc = ecies_seal(out, wkey, hdr, sizeof hdr, ckey, sizeof ckey);
    }
    if (!rc)
        rc = env_pad(&padded, pt, pt_len);
    if (!rc)
        rc = ecies_seal(out, ckey, out->data + start, out->len - start, padded.data, padded.len);
done:
    if (rc)
        out->len = start;
    OPENSSL_cleanse(ckey, sizeof ckey);
    OPENSSL_cleanse(wkey, sizeof wkey);
    zk_buf_free_secret(&padded);
    return rc;
}

static int routes_equal(const ecies_route *a, const ecies_route *b)
{
    uint8_t ea[ECIES_ROUTE_LEN], eb[ECIES_ROUTE_LEN];
    ecies_route_encode(ea, a);
    ecies_route_encode(eb, b);
    return memcmp(ea, eb, sizeof ea) == 0;
}

/* Opens the body with the content key held in ckey (32 bytes). */
static int open_body(zk_buf *out, const uint8_t *ckey, const uint8_t *env, size_t len,
                     size_t n_slots)
{
    size_t body = ENV_HEADER_LEN + n_slots * ENV_SLOT_LEN;
    zk_buf padded;
    zk_buf_init(&padded, ENV_PAD_MAX);
    int rc = ecies_open(&padded, ckey, env, body, env + body, len - body);
    if (rc)
        rc = zk_err_wrap(rc, "envelope body: ");
    else
        rc = env_unpad(out, padded.data, padded.len);
    zk_buf_free_secret(&padded);
    return rc;
}

static int check_route(ecies_route *route, const ecies_route *expect, const uint8_t *env,
                       size_t len, size_t *n_slots)
{
    ecies_route r;
    int rc = env_parse(env, len, &r, n_slots);
    if (rc)
        return rc;
    if (expect && !routes_equal(&r, expect))
        return zk_err_set(ZK_ERR_DECRYPT,
                          "envelope route (source %llu, destination %llu, "
                          "sequence %llu) is not the expected message's",
                          (unsigned long long)r.src_chain, (unsigned long long)r.dst_chain,
                          (unsigned long long)r.sequence);
    if (route)
        *route = r;
    return ZK_OK;
}

/* Unwraps slot i's content key with wkey into ckey (a 32-byte secret buffer). */
static int unwrap(zk_buf *ckey, const uint8_t *wkey, const uint8_t *env, size_t i)
{
    const uint8_t *slot = env + ENV_HEADER_LEN + i * ENV_SLOT_LEN;
    zk_buf_reset(ckey);
    return ecies_open(ckey, wkey, env, ENV_HEADER_LEN, slot + ECIES_PUBKEY_LEN,
                      ENV_SLOT_LEN - ECIES_PUBKEY_LEN);
}

int env_open(zk_buf *out, ecies_route *route, size_t *slot, const uint8_t sk[ECIES_SECKEY_LEN],
             const ecies_route *expect, const uint8_t *env, size_t len)
{
    if (!out || !sk)
        return zk_err_set(ZK_ERR_INVALID_ARG, "env_open: NULL argument");
    size_t n = 0;
    ecies_route r;
    int rc = check_route(&r, expect, env, len, &n);
    if (rc)
        return rc;
    uint8_t info[VK_INFO_LEN], wkey[ECIES_KEY_LEN];
    vk_message_info(info, r.leaf);
    zk_buf ckey;
    zk_buf_init(&ckey, ECIES_KEY_LEN);
    rc = zk_buf_reserve(&ckey, ECIES_KEY_LEN);
    size_t i = 0;
    for (; i < n && !rc; i++) {
        const uint8_t *s = env + ENV_HEADER_LEN + i * ENV_SLOT_LEN;
        rc = ecies_decapsulate(wkey, s, sk, info, sizeof info);
        if (rc == ZK_ERR_INVALID_ARG) /* a slot whose key is not a point opens for no one */
            rc = ZK_OK;
        else if (!rc && unwrap(&ckey, wkey, env, i) == ZK_OK)
            break;
    }
    OPENSSL_cleanse(wkey, sizeof wkey);
    if (!rc && i == n)
        rc = zk_err_set(ZK_ERR_DECRYPT,
                        "no recipient slot of the envelope opens with this key "
                        "(%zu tried)",
                        n);
    if (!rc)
        rc = open_body(out, ckey.data, env, len, n);
    if (!rc && route)
        *route = r;
    if (!rc && slot)
        *slot = i;
    zk_buf_free_secret(&ckey);
    return rc;
}

int env_open_with_key(zk_buf *out, ecies_route *route, size_t slot,
                      const uint8_t msg_key[ECIES_KEY_LEN], const uint8_t *env, size_t len)
{
    if (!out || !msg_key)
        return zk_err_set(ZK_ERR_INVALID_ARG, "env_open_with_key: NULL argument");
    size_t n = 0;
    ecies_route r;
    int rc = check_route(&r, NULL, env, len, &n);
    if (rc)
        return rc;
    if (slot >= n)
        return zk_err_set(ZK_ERR_RANGE, "slot %zu: the envelope has %zu slots", slot, n);
    zk_buf ckey;
    zk_buf_init(&ckey, ECIES_KEY_LEN);
    rc = zk_buf_reserve(&ckey, ECIES_KEY_LEN);
    if (!rc) {
        rc = unwrap(&ckey, msg_key, env, slot);
        if (rc)
            rc = zk_err_wrap(rc, "slot %zu: ", slot);
    }
    if (!rc)
        rc = open_body(out, ckey.data, env, len, n);
    if (!rc && route)
        *route = r;
    zk_buf_free_secret(&ckey);
    return rc;
}
