#include "privacy/ecies.h"

#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_ecdh.h>

#include "common/error.h"

static secp256k1_context *g_ctx;
static pthread_once_t g_ctx_once = PTHREAD_ONCE_INIT;

/* One context for the process, randomized once so that scalar multiplications with
 * secret keys are blinded (libsecp256k1 recommends it against side channels). */
static void ctx_init(void)
{
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!ctx)
        return;
    uint8_t seed[32];
    if (RAND_bytes(seed, sizeof seed) != 1 || !secp256k1_context_randomize(ctx, seed)) {
        OPENSSL_cleanse(seed, sizeof seed);
        secp256k1_context_destroy(ctx);
        return;
    }
    OPENSSL_cleanse(seed, sizeof seed);
    g_ctx = ctx;
}

static int get_ctx(const secp256k1_context **out)
{
    if (pthread_once(&g_ctx_once, ctx_init) != 0 || !g_ctx)
        return zk_err_set(ZK_ERR_CRYPTO, "ecies: could not create a randomized secp256k1 context");
    *out = g_ctx;
    return ZK_OK;
}

void ecies_route_encode(uint8_t out[ECIES_ROUTE_LEN], const ecies_route *r)
{
    out[0] = r->version;
    zk_store_le64(out + 1, r->src_chain);
    zk_store_le64(out + 9, r->dst_chain);
    zk_store_le64(out + 17, r->sequence);
    memcpy(out + 25, r->leaf, 32);
}

int ecies_route_decode(ecies_route *r, const uint8_t *in, size_t len)
{
    if (!r || !in || len != ECIES_ROUTE_LEN)
        return zk_err_set(ZK_ERR_PARSE, "route: expected %d bytes, got %zu", ECIES_ROUTE_LEN,
                          in ? len : 0);
    r->version = in[0];
    r->src_chain = zk_load_le64(in + 1);
    r->dst_chain = zk_load_le64(in + 9);
    r->sequence = zk_load_le64(in + 17);
    memcpy(r->leaf, in + 25, 32);
    return ZK_OK;
}

static int serialize_pub(const secp256k1_context *ctx, uint8_t out[ECIES_PUBKEY_LEN],
                         const secp256k1_pubkey *pk)
{
    size_t n = ECIES_PUBKEY_LEN;
    if (!secp256k1_ec_pubkey_serialize(ctx, out, &n, pk, SECP256K1_EC_UNCOMPRESSED) ||
        n != ECIES_PUBKEY_LEN)
        return zk_err_set(ZK_ERR_INTERNAL, "ecies: public key serialization failed");
    return ZK_OK;
}

int ecies_keygen(uint8_t sk[ECIES_SECKEY_LEN], uint8_t pub[ECIES_PUBKEY_LEN])
{
    const secp256k1_context *ctx = NULL;
    int rc = get_ctx(&ctx);
    if (rc)
        return rc;
    /* A random 256-bit string is >= n with probability ~2^-128; retry a few times so a
     * broken RNG shows up as an error instead of a loop. */
    for (int tries = 0; tries < 16; tries++) {
        if (RAND_bytes(sk, ECIES_SECKEY_LEN) != 1)
            break;
        if (secp256k1_ec_seckey_verify(ctx, sk)) {
            rc = ecies_pubkey(pub, sk);
            if (rc)
                OPENSSL_cleanse(sk, ECIES_SECKEY_LEN);
            return rc;
        }
    }
    OPENSSL_cleanse(sk, ECIES_SECKEY_LEN);
    return zk_err_set(ZK_ERR_CRYPTO, "ecies: the random generator gave no valid secret key");
}

int ecies_pubkey(uint8_t pub[ECIES_PUBKEY_LEN], const uint8_t sk[ECIES_SECKEY_LEN])
{
    const secp256k1_context *ctx = NULL;
    int rc = get_ctx(&ctx);
    if (rc)
        return rc;
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_create(ctx, &pk, sk))
        return zk_err_set(ZK_ERR_INVALID_ARG, "ecies: secret key is zero or not below the "
                                              "group order");
    return serialize_pub(ctx, pub, &pk);
}

int ecies_pubkey_parse(uint8_t pub[ECIES_PUBKEY_LEN], const uint8_t *in, size_t len)
{
    const secp256k1_context *ctx = NULL;
    int rc = get_ctx(&ctx);
    if (rc)
        return rc;
    uint8_t tmp[ECIES_PUBKEY_LEN];
    const uint8_t *p = in;
    if (!in || (len != 33 && len != 64 && len != 65))
        return zk_err_set(ZK_ERR_PARSE, "public key: expected 33, 64 or 65 bytes, got %zu",
                          in ? len : 0);
    if (len == 64) {
        tmp[0] = 0x04;
        memcpy(tmp + 1, in, 64);
        p = tmp;
        len = 65;
    }
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_parse(ctx, &pk, p, len))
        return zk_err_set(ZK_ERR_PARSE, "public key: not a point on secp256k1 (prefix 0x%02x)",
                          p[0]);
    return serialize_pub(ctx, pub, &pk);
}

/* libsecp256k1 hashes the shared point by default; eciesjs feeds the whole
 * uncompressed point to HKDF, so this callback hands it back unhashed. */
static int ecdh_full_point(unsigned char *out, const unsigned char *x32, const unsigned char *y32,
                           void *data)
{
    (void)data;
    out[0] = 0x04;
    memcpy(out + 1, x32, 32);
    memcpy(out + 33, y32, 32);
    return 1;
}

static int hkdf_sha256(uint8_t out[ECIES_KEY_LEN], const uint8_t *ikm, size_t ikm_len,
                       const uint8_t *info, size_t info_len)
{
    int rc = ZK_OK;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[4];
    size_t np = 0;
    params[np++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
    params[np++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
    /* No salt: HKDF then uses a string of zeros as the HMAC key (RFC 5869 2.2), as
     * eciesjs does. */
    if (info_len)
        params[np++] =
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    params[np] = OSSL_PARAM_construct_end();
    if (!kctx || EVP_KDF_derive(kctx, out, ECIES_KEY_LEN, params) != 1) {
        OPENSSL_cleanse(out, ECIES_KEY_LEN);
        rc = zk_err_set(ZK_ERR_CRYPTO, "ecies: HKDF-SHA256 failed");
    }
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return rc;
}

/* key = HKDF(eph_pub || sk * point). */
static int derive(uint8_t key[ECIES_KEY_LEN], const uint8_t eph_pub[ECIES_PUBKEY_LEN],
                  const secp256k1_pubkey *point, const uint8_t sk[ECIES_SECKEY_LEN],
                  const uint8_t *info, size_t info_len)
{
    const secp256k1_context *ctx = NULL;
    int rc = get_ctx(&ctx);
    if (rc)
        return rc;
    uint8_t ikm[2 * ECIES_PUBKEY_LEN];
    memcpy(ikm, eph_pub, ECIES_PUBKEY_LEN);
    if (!secp256k1_ecdh(ctx, ikm + ECIES_PUBKEY_LEN, point, sk, ecdh_full_point, NULL)) {
        rc = zk_err_set(ZK_ERR_INVALID_ARG, "ecies: secret key is zero or not below the "
                                            "group order");
    } else {
        rc = hkdf_sha256(key, ikm, sizeof ikm, info, info_len);
    }
    OPENSSL_cleanse(ikm, sizeof ikm);
    return rc;
}

int ecies_encapsulate(uint8_t key[ECIES_KEY_LEN], uint8_t eph_pub[ECIES_PUBKEY_LEN],
                      const uint8_t pub[ECIES_PUBKEY_LEN], const uint8_t *info, size_t info_len)
{
    const secp256k1_context *ctx = NULL;
    int rc = get_ctx(&ctx);
    if (rc)
        return rc;
    secp256k1_pubkey point;
    if (!secp256k1_ec_pubkey_parse(ctx, &point, pub, ECIES_PUBKEY_LEN))
        return zk_err_set(ZK_ERR_INVALID_ARG, "ecies: recipient public key is not on secp256k1");
    uint8_t eph_sk[ECIES_SECKEY_LEN];
    rc = ecies_keygen(eph_sk, eph_pub);
    if (!rc)
        rc = derive(key, eph_pub, &point, eph_sk, info, info_len);
    OPENSSL_cleanse(eph_sk, sizeof eph_sk);
    return rc;
}

int ecies_decapsulate(uint8_t key[ECIES_KEY_LEN], const uint8_t eph_pub[ECIES_PUBKEY_LEN],
                      const uint8_t sk[ECIES_SECKEY_LEN], const uint8_t *info, size_t info_len)
{
    const secp256k1_context *ctx = NULL;
    int rc = get_ctx(&ctx);
    if (rc)
        return rc;
    secp256k1_pubkey point;
    if (!secp256k1_ec_pubkey_parse(ctx, &point, eph_pub, ECIES_PUBKEY_LEN))
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "ecies: ephemeral public key is not an uncompressed secp256k1 point");
    return derive(key, eph_pub, &point, sk, info, info_len);
}

/* One AES-256-GCM operation with a 16-byte nonce. enc: tag is written; else: tag is
 * checked. out receives ct_len bytes. */
static int gcm(int enc, uint8_t *out, const uint8_t key[ECIES_KEY_LEN],
               const uint8_t nonce[ECIES_NONCE_LEN], const uint8_t *aad, size_t aad_len,
               const uint8_t *in, size_t len, uint8_t tag[ECIES_TAG_LEN])
{
    if (len > INT_MAX || aad_len > INT_MAX)
        return zk_err_set(ZK_ERR_TOO_LARGE, "ecies: %zu bytes is too long for one GCM call",
                          len > aad_len ? len : aad_len);
    int ok = 0, n = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c)
        return zk_err_set(ZK_ERR_NOMEM, "ecies: cipher context");
    if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, ECIES_NONCE_LEN, NULL) != 1 ||
        EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) != 1)
        goto done;
    if (aad_len && EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len) != 1)
        goto done;
    if (len && EVP_CipherUpdate(c, out, &n, in, (int)len) != 1)
        goto done;
    if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, ECIES_TAG_LEN, tag) != 1)
        goto done;
    if (EVP_CipherFinal_ex(c, out + (len ? n : 0), &n) != 1) {
        EVP_CIPHER_CTX_free(c);
        if (enc)
            return zk_err_set(ZK_ERR_CRYPTO, "ecies: AES-256-GCM encryption failed");
        return zk_err_set(ZK_ERR_DECRYPT, "ciphertext does not authenticate (wrong key, wrong "
                                          "associated data, or altered bytes)");
    }
    if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, ECIES_TAG_LEN, tag) != 1)
        goto done;
    ok = 1;
done:
    EVP_CIPHER_CTX_free(c);
    return ok ? ZK_OK : zk_err_set(ZK_ERR_CRYPTO, "ecies: AES-256-GCM call failed");
}

int ecies_seal(zk_buf *out, const uint8_t key[ECIES_KEY_LEN], const uint8_t *aad, size_t aad_len,
               const uint8_t *pt, size_t pt_len)
{
    if (!out || !key || (!aad && aad_len) || (!pt && pt_len))
        return zk_err_set(ZK_ERR_INVALID_ARG, "ecies_seal: NULL argument");
    if (pt_len > ECIES_MAX_PLAINTEXT)
        return zk_err_set(ZK_ERR_TOO_LARGE, "ecies: plaintext of %zu bytes exceeds the cap of %zu",
                          pt_len, ECIES_MAX_PLAINTEXT);
    int rc = zk_buf_reserve(out, ECIES_SEAL_OVERHEAD + pt_len);
    if (rc)
        return rc;
    uint8_t *p = out->data + out->len;
    if (RAND_bytes(p, ECIES_NONCE_LEN) != 1)
        return zk_err_set(ZK_ERR_CRYPTO, "ecies: RAND_bytes failed for the nonce");
    rc = gcm(1, p + ECIES_SEAL_OVERHEAD, key, p, aad, aad_len, pt, pt_len, p + ECIES_NONCE_LEN);
    if (rc) {
        OPENSSL_cleanse(p, ECIES_SEAL_OVERHEAD + pt_len);
        return rc;
    }
    out->len += ECIES_SEAL_OVERHEAD + pt_len;
    return ZK_OK;
}

int ecies_open(zk_buf *out, const uint8_t key[ECIES_KEY_LEN], const uint8_t *aad, size_t aad_len,
               const uint8_t *ct, size_t ct_len)
{
    if (!out || !key || (!aad && aad_len) || (!ct && ct_len))
        return zk_err_set(ZK_ERR_INVALID_ARG, "ecies_open: NULL argument");
    if (ct_len < ECIES_SEAL_OVERHEAD)
        return zk_err_set(ZK_ERR_DECRYPT,
                          "ciphertext of %zu bytes is shorter than nonce and tag (%d bytes)",
                          ct_len, ECIES_SEAL_OVERHEAD);
    size_t n = ct_len - ECIES_SEAL_OVERHEAD;
    if (n > ECIES_MAX_PLAINTEXT)
        return zk_err_set(ZK_ERR_TOO_LARGE, "ecies: ciphertext of %zu bytes exceeds the cap",
                          ct_len);
    /* Reserve up front so the buffer never reallocates (and leaves a copy of
     * plaintext behind) while this call writes into it. */
    int rc = zk_buf_reserve(out, n);
    if (rc)
        return rc;
    uint8_t tag[ECIES_TAG_LEN], nonce[ECIES_NONCE_LEN];
    memcpy(nonce, ct, ECIES_NONCE_LEN);
    memcpy(tag, ct + ECIES_NONCE_LEN, ECIES_TAG_LEN);
    uint8_t *p = out->data + out->len;
    rc = gcm(0, p, key, nonce, aad, aad_len, ct + ECIES_SEAL_OVERHEAD, n, tag);
    if (rc) {
        OPENSSL_cleanse(p, n);
        return rc;
    }
    out->len += n;
    return ZK_OK;
}

int ecies_encrypt(zk_buf *out, const uint8_t *pub, size_t pub_len, const uint8_t *aad,
                  size_t aad_len, const uint8_t *pt, size_t pt_len)
{
    if (!out || (!aad && aad_len) || (!pt && pt_len))
        return zk_err_set(ZK_ERR_INVALID_ARG, "ecies_encrypt: NULL argument");
    if (pt_len > ECIES_MAX_PLAINTEXT)
        return zk_err_set(ZK_ERR_TOO_LARGE, "ecies: plaintext of %zu bytes exceeds the cap of %zu",
                          pt_len, ECIES_MAX_PLAINTEXT);
    uint8_t rpub[ECIES_PUBKEY_LEN], eph[ECIES_PUBKEY_LEN], key[ECIES_KEY_LEN];
    int rc = ecies_pubkey_parse(rpub, pub, pub_len);
    if (rc)
        return zk_err_wrap(rc, "recipient ");
    size_t start = out->len;
    rc = ecies_encapsulate(key, eph, rpub, NULL, 0);
    if (!rc)
        rc = zk_buf_reserve(out, ECIES_OVERHEAD + pt_len);
    if (!rc)
        rc = zk_buf_append(out, eph, sizeof eph);
    if (!rc)
        rc = ecies_seal(out, key, aad, aad_len, pt, pt_len);
    if (rc)
        out->len = start;
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int ecies_decrypt(zk_buf *out, const uint8_t sk[ECIES_SECKEY_LEN], const uint8_t *aad,
                  size_t aad_len, const uint8_t *ct, size_t ct_len)
{
    if (!out || !sk || (!aad && aad_len) || (!ct && ct_len))
        return zk_err_set(ZK_ERR_INVALID_ARG, "ecies_decrypt: NULL argument");
    if (ct_len < ECIES_OVERHEAD)
        return zk_err_set(ZK_ERR_DECRYPT,
                          "ciphertext of %zu bytes is shorter than the %d-byte ECIES header "
                          "(ephemeral key, nonce, tag)",
                          ct_len, ECIES_OVERHEAD);
    const secp256k1_context *ctx = NULL;
    int rc = get_ctx(&ctx);
    if (rc)
        return rc;
    if (!secp256k1_ec_seckey_verify(ctx, sk))
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "ecies: secret key is zero or not below the group order");
    uint8_t key[ECIES_KEY_LEN];
    rc = ecies_decapsulate(key, ct, sk, NULL, 0);
    if (rc == ZK_ERR_INVALID_ARG && ct[0] != 0x04)
        rc = zk_err_set(ZK_ERR_DECRYPT,
                        "byte 0: ephemeral key prefix 0x%02x is not 0x04 (uncompressed); "
                        "not an eciesjs/zkgate ciphertext",
                        ct[0]);
    else if (rc == ZK_ERR_INVALID_ARG)
        rc = zk_err_wrap(ZK_ERR_DECRYPT, "bytes 0..64: ");
    if (!rc)
        rc = ecies_open(out, key, aad, aad_len, ct + ECIES_PUBKEY_LEN, ct_len - ECIES_PUBKEY_LEN);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}
