#include "privacy/viewkey.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "common/error.h"
#include "privacy/envelope.h"

#define VK_VIEW_LABEL "zkgate/v1/viewing-key"

int vk_derive(uint8_t view_sk[ECIES_SECKEY_LEN], uint8_t view_pub[ECIES_PUBKEY_LEN],
              const uint8_t master[VK_MASTER_LEN])
{
    if (!view_sk || !view_pub || !master)
        return zk_err_set(ZK_ERR_INVALID_ARG, "vk_derive: NULL argument");
    uint8_t info[sizeof VK_VIEW_LABEL];
    memcpy(info, VK_VIEW_LABEL, sizeof VK_VIEW_LABEL - 1);
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    int rc = ZK_ERR_CRYPTO;
    /* A 32-byte HKDF output is not a valid scalar with probability ~2^-128; the
     * counter makes the derivation total without biasing it. */
    for (unsigned c = 0; kctx && c < 16; c++) {
        info[sizeof info - 1] = (uint8_t)c;
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)master, VK_MASTER_LEN),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof info),
            OSSL_PARAM_construct_end(),
        };
        if (EVP_KDF_derive(kctx, view_sk, ECIES_SECKEY_LEN, params) != 1)
            break;
        rc = ecies_pubkey(view_pub, view_sk);
        if (rc != ZK_ERR_INVALID_ARG)
            break;
        rc = ZK_ERR_CRYPTO;
    }
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    if (rc) {
        OPENSSL_cleanse(view_sk, ECIES_SECKEY_LEN);
        return zk_err_set(ZK_ERR_CRYPTO, "viewing key: HKDF-SHA256 derivation failed");
    }
    return ZK_OK;
}

void vk_message_info(uint8_t info[VK_INFO_LEN], const uint8_t message_id[VK_MESSAGE_ID_LEN])
{
    memcpy(info, VK_INFO_LABEL, sizeof VK_INFO_LABEL - 1);
    memcpy(info + sizeof VK_INFO_LABEL - 1, message_id, VK_MESSAGE_ID_LEN);
}

int vk_message_key(uint8_t key[ECIES_KEY_LEN], const uint8_t view_sk[ECIES_SECKEY_LEN],
                   const uint8_t *env, size_t env_len, size_t slot)
{
    if (!key || !view_sk)
        return zk_err_set(ZK_ERR_INVALID_ARG, "vk_message_key: NULL argument");
    ecies_route r;
    size_t n;
    int rc = env_parse(env, env_len, &r, &n);
    if (rc)
        return rc;
    if (slot >= n)
        return zk_err_set(ZK_ERR_RANGE, "slot %zu: the envelope has %zu slots", slot, n);
    uint8_t info[VK_INFO_LEN];
    vk_message_info(info, r.leaf);
    return ecies_decapsulate(key, env + ENV_HEADER_LEN + slot * ENV_SLOT_LEN, view_sk, info,
                             sizeof info);
}

/* Appends "name":"<hex>" to b. */
static int put_hex(zk_buf *b, const char *name, const uint8_t *p, size_t n)
{
    int rc = zk_buf_printf(b, "\"%s\":\"", name);
    if (!rc)
        rc = zk_buf_reserve(b, 2 * n + 1);
    if (rc)
        return rc;
    zk_hex_encode((char *)b->data + b->len, p, n, 0);
    b->len += 2 * n;
    return zk_buf_puts(b, "\"");
}

int vk_disclose(zk_buf *json, const uint8_t view_sk[ECIES_SECKEY_LEN], const uint8_t *env,
                size_t env_len, const p2_digest *commitment, const kb *value, size_t value_len,
                const pc_salt *salt, const vk_path *path)
{
    if (!json || !view_sk || !env || !commitment || !salt || !path || (!value && value_len))
        return zk_err_set(ZK_ERR_INVALID_ARG, "vk_disclose: NULL argument");
    if (path->len > VK_MAX_PATH)
        return zk_err_set(ZK_ERR_TOO_LARGE, "inclusion path of %zu digests exceeds %d", path->len,
                          VK_MAX_PATH);
    int rc = pc_verify(commitment, value, value_len, salt);
    if (rc)
        return zk_err_wrap(rc, "disclose: ");
    zk_buf msg, vbytes;
    zk_buf_init(&msg, ENV_MAX_PAYLOAD);
    zk_buf_init(&vbytes, 4 * PC_MAX_VALUE);
    uint8_t key[ECIES_KEY_LEN], enc[32];
    ecies_route r;
    size_t slot = 0, start = json->len;
    rc = env_open(&msg, &r, &slot, view_sk, NULL, env, env_len);
    if (!rc)
        rc = vk_message_key(key, view_sk, env, env_len, slot);
    if (!rc)
        rc = zk_buf_reserve(&vbytes, 4 * value_len);
    /* Reserved up front so the growing text never reallocates and leaves secrets
     * behind. */
    if (!rc)
        rc = zk_buf_reserve(json, 1024 + 2 * (msg.len + env_len + vbytes.alloc) + 70 * path->len);
    if (rc)
        goto done;
    for (size_t i = 0; i < value_len; i++)
        zk_store_le32(vbytes.data + 4 * i, kb_to_canonical(value[i]));
    vbytes.len = 4 * value_len;
    rc = zk_buf_printf(json,
                       "{\"kind\":\"zkgate-disclosure\",\"version\":1,\"route\":{\"version\":%u,"
                       "\"source\":\"%" PRIu64 "\",\"destination\":\"%" PRIu64
                       "\",\"sequence\":\"%" PRIu64 "\",",
                       r.version, r.src_chain, r.dst_chain, r.sequence);
    if (!rc)
        rc = put_hex(json, "leaf", r.leaf, sizeof r.leaf);
    if (!rc)
        rc = zk_buf_puts(json, "},");
    if (!rc)
        rc = put_hex(json, "message", msg.data ? msg.data : (const uint8_t *)"", msg.len);
    if (!rc)
        rc = zk_buf_puts(json, ",");
    if (!rc)
        rc = put_hex(json, "envelope", env, env_len);
    if (!rc)
        rc = zk_buf_printf(json, ",\"slot\":%zu,", slot);
    if (!rc)
        rc = put_hex(json, "message_key", key, sizeof key);
    pc_encode8(enc, commitment->v);
    if (!rc)
        rc = zk_buf_puts(json, ",");
    if (!rc)
        rc = put_hex(json, "commitment", enc, sizeof enc);
    if (!rc)
        rc = zk_buf_puts(json, ",\"opening\":{");
    if (!rc)
        rc = put_hex(json, "value", vbytes.data, vbytes.len);
    pc_encode8(enc, salt->v);
    if (!rc)
        rc = zk_buf_puts(json, ",");
    if (!rc)
        rc = put_hex(json, "salt", enc, sizeof enc);
    if (!rc)
        rc = zk_buf_printf(json, "},\"inclusion\":{\"index\":\"%" PRIu64 "\",\"path\":[",
                           path->index);
    for (size_t i = 0; i < path->len && !rc; i++) {
        rc = zk_buf_printf(json, "%s\"", i ? "," : "");
        if (!rc)
            rc = zk_buf_reserve(json, 65);
        if (!rc) {
            zk_hex_encode((char *)json->data + json->len, path->digest[i], 32, 0);
            json->len += 64;
            rc = zk_buf_puts(json, "\"");
        }
    }
    if (!rc)
        rc = zk_buf_puts(json, "]}}\n");
    if (!rc)
        json->data[json->len] = 0; /* zk_buf_reserve always leaves room for it */
done:
    if (rc && json->data) {
        OPENSSL_cleanse(json->data + start, json->len - start);
        json->len = start;
    }
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(enc, sizeof enc);
    zk_buf_free_secret(&msg);
    zk_buf_free_secret(&vbytes);
    return rc;
}

/* jansson frees its strings without wiping them; the bundle's secrets are wiped in
 * place before the tree is released. */
static void wipe_strings(json_t *j)
{
    if (json_is_string(j)) {
        OPENSSL_cleanse((char *)json_string_value(j), json_string_length(j));
    } else if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) wipe_strings(v);
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) wipe_strings(v);
    }
}

/* Decodes the hex string at obj.name into b. */
static int get_hex(zk_buf *b, json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    if (!json_is_string(v))
        return zk_err_set(ZK_ERR_PARSE, "bundle: field \"%s\" is missing or not a string", name);
    /* Reserved up front so a secret is never left behind by a reallocation. */
    int rc = zk_buf_reserve(b, json_string_length(v) / 2);
    if (!rc)
        rc = zk_hex_decode_buf(b, json_string_value(v), json_string_length(v));
    if (rc)
        return zk_err_wrap(rc, "bundle: field \"%s\": ", name);
    return ZK_OK;
}

int vk_audit(zk_buf *message, const char *json, size_t len)
{
    if (!json)
        return zk_err_set(ZK_ERR_INVALID_ARG, "vk_audit: NULL bundle");
    if (len > VK_MAX_BUNDLE)
        return zk_err_set(ZK_ERR_TOO_LARGE, "bundle of %zu bytes exceeds the cap of %zu", len,
                          VK_MAX_BUNDLE);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return zk_err_set(ZK_ERR_PARSE, "bundle: line %d column %d: %s", jerr.line, jerr.column,
                          jerr.text);
    zk_buf env, key, msg, opened, val, salt_b, cm, path_b;
    zk_buf_init(&env, ENV_MAX_LEN);
    zk_buf_init(&key, ECIES_KEY_LEN);
    zk_buf_init(&msg, ENV_MAX_PAYLOAD);
    zk_buf_init(&opened, ENV_MAX_PAYLOAD);
    zk_buf_init(&val, 4 * PC_MAX_VALUE);
    zk_buf_init(&salt_b, 32);
    zk_buf_init(&cm, 32);
    zk_buf_init(&path_b, 32);
    kb *value = NULL;
    pc_salt salt;
    p2_digest commitment;
    int rc = ZK_OK;
    json_t *kind = json_object_get(root, "kind");
    json_t *slot = json_object_get(root, "slot");
    json_t *opening = json_object_get(root, "opening");
    json_t *incl = json_object_get(root, "inclusion");
    if (!json_is_string(kind) || strcmp(json_string_value(kind), "zkgate-disclosure") != 0)
        rc = zk_err_set(ZK_ERR_PARSE, "bundle: field \"kind\" is not \"zkgate-disclosure\"");
    else if (!json_is_integer(json_object_get(root, "version")) ||
             json_integer_value(json_object_get(root, "version")) != 1)
        rc = zk_err_set(ZK_ERR_UNSUPPORTED, "bundle: field \"version\" is not 1");
    else if (!json_is_integer(slot) || json_integer_value(slot) < 0 ||
             json_integer_value(slot) >= ENV_MAX_RECIPIENTS)
        rc = zk_err_set(ZK_ERR_PARSE, "bundle: field \"slot\" is not an integer in 0..%d",
                        ENV_MAX_RECIPIENTS - 1);
    else if (!json_is_object(opening))
        rc = zk_err_set(ZK_ERR_PARSE, "bundle: field \"opening\" is not an object");
    else if (!json_is_object(incl) || !json_is_array(json_object_get(incl, "path")) ||
             json_array_size(json_object_get(incl, "path")) > VK_MAX_PATH)
        rc = zk_err_set(ZK_ERR_PARSE,
                        "bundle: field \"inclusion\" needs a \"path\" array of "
                        "at most %d digests",
                        VK_MAX_PATH);
    if (!rc)
        rc = get_hex(&env, root, "envelope");
    if (!rc)
        rc = get_hex(&key, root, "message_key");
    if (!rc && key.len != ECIES_KEY_LEN)
        rc = zk_err_set(ZK_ERR_PARSE, "bundle: field \"message_key\" is not 32 bytes");
    if (!rc)
        rc = get_hex(&msg, root, "message");
    if (!rc)
        rc = get_hex(&cm, root, "commitment");
    if (!rc && cm.len != 32)
        rc = zk_err_set(ZK_ERR_PARSE, "bundle: field \"commitment\" is not 32 bytes");
    if (!rc)
        rc = get_hex(&salt_b, opening, "salt");
    if (!rc && salt_b.len != 32)
        rc = zk_err_set(ZK_ERR_PARSE, "bundle: field \"opening.salt\" is not 32 bytes");
    if (!rc)
        rc = get_hex(&val, opening, "value");
    if (!rc && val.len % 4)
        rc = zk_err_set(ZK_ERR_PARSE, "bundle: field \"opening.value\" is not whole elements");
    for (size_t i = 0; !rc && i < json_array_size(json_object_get(incl, "path")); i++) {
        json_t *d = json_array_get(json_object_get(incl, "path"), i);
        zk_buf_reset(&path_b);
        if (!json_is_string(d) ||
            zk_hex_decode_buf(&path_b, json_string_value(d), json_string_length(d)) ||
            path_b.len != 32)
            rc = zk_err_set(ZK_ERR_PARSE,
                            "bundle: inclusion.path[%zu] is not a 32-byte hex "
                            "digest",
                            i);
    }
    if (!rc && !json_is_string(json_object_get(incl, "index")))
        rc = zk_err_set(ZK_ERR_PARSE, "bundle: field \"inclusion.index\" is not a string");
    if (!rc)
        rc = env_open_with_key(&opened, NULL, (size_t)json_integer_value(slot), key.data, env.data,
                               env.len);
    if (!rc &&
        (opened.len != msg.len || (msg.len && CRYPTO_memcmp(opened.data, msg.data, msg.len) != 0)))
        rc = zk_err_set(ZK_ERR_PROOF, "bundle: the envelope does not hold the disclosed message");
    if (!rc)
        rc = pc_decode8(commitment.v, cm.data);
    if (!rc)
        rc = pc_decode8(salt.v, salt_b.data);
    size_t n = val.len / 4;
    if (!rc && n) {
        value = calloc(n, sizeof *value);
        if (!value)
            rc = zk_err_set(ZK_ERR_NOMEM, "bundle: %zu value elements", n);
    }
    for (size_t i = 0; !rc && i < n; i++)
        if (kb_decode(&value[i], zk_load_le32(val.data + 4 * i)))
            rc = zk_err_set(ZK_ERR_PARSE, "bundle: opening.value element %zu is not below p", i);
    if (!rc)
        rc = pc_verify(&commitment, value, n, &salt);
    if (!rc && message)
        rc = zk_buf_append(message, msg.data ? msg.data : (const uint8_t *)"", msg.len);
    if (value) {
        OPENSSL_cleanse(value, n * sizeof *value);
        free(value);
    }
    pc_salt_wipe(&salt);
    zk_buf_free_secret(&env);
    zk_buf_free_secret(&key);
    zk_buf_free_secret(&msg);
    zk_buf_free_secret(&opened);
    zk_buf_free_secret(&val);
    zk_buf_free_secret(&salt_b);
    zk_buf_free(&cm);
    zk_buf_free(&path_b);
    wipe_strings(root);
    json_decref(root);
    return rc;
}
