#include "chains/tx.h"

#include <string.h>

#include <openssl/crypto.h>

#include "common/error.h"
#include "common/keccak.h"
#include "common/rlp.h"
#include "common/secp.h"

void u256_from_u64(u256 *out, uint64_t v)
{
    memset(out->b, 0, 24);
    zk_store_be64(out->b + 24, v);
}

int u256_to_u64(const u256 *x, uint64_t *v)
{
    for (int i = 0; i < 24; i++)
        if (x->b[i])
            return 0;
    *v = zk_load_be64(x->b + 24);
    return 1;
}

int u256_cmp(const u256 *a, const u256 *b)
{
    int c = memcmp(a->b, b->b, 32);
    return (c > 0) - (c < 0);
}

void u256_to_quantity(const u256 *x, char out[67])
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0;
    out[o++] = '0';
    out[o++] = 'x';
    int started = 0;
    for (int i = 0; i < 64; i++) {
        unsigned d = (x->b[i / 2] >> (i % 2 ? 0 : 4)) & 15;
        if (!d && !started && i < 63)
            continue;
        started = 1;
        out[o++] = digits[d];
    }
    out[o] = '\0';
}

int u256_parse(const char *s, u256 *out)
{
    u256 v;
    memset(v.b, 0, 32);
    if (!s[0])
        return zk_err_set(ZK_ERR_PARSE, "empty number");
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        size_t n = strlen(s + 2);
        if (n == 0 || n > 64)
            return zk_err_set(n ? ZK_ERR_RANGE : ZK_ERR_PARSE,
                              "hex number must have 1 to 64 digits, has %zu", n);
        for (size_t i = 0; i < n; i++) {
            char c = s[2 + n - 1 - i];
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (d < 0)
                return zk_err_set(ZK_ERR_PARSE, "not a hex digit at position %zu", n - 1 - i + 2);
            v.b[31 - i / 2] |= (uint8_t)(d << (4 * (i % 2)));
        }
        *out = v;
        return ZK_OK;
    }
    for (size_t i = 0; s[i]; i++) {
        if (s[i] < '0' || s[i] > '9')
            return zk_err_set(ZK_ERR_PARSE, "not a decimal digit at position %zu", i);
        /* v = v * 10 + digit, with the carry out of the top byte meaning overflow */
        unsigned carry = (unsigned)(s[i] - '0');
        for (int k = 31; k >= 0; k--) {
            unsigned x = v.b[k] * 10u + carry;
            v.b[k] = (uint8_t)x;
            carry = x >> 8;
        }
        if (carry)
            return zk_err_set(ZK_ERR_RANGE, "number larger than 2^256 - 1");
    }
    *out = v;
    return ZK_OK;
}

/* The field names of each type, in order, for error details. */
static const char *const k_legacy_fields[9] = {"nonce", "gasPrice", "gas", "to", "value",
                                               "data",  "v",        "r",   "s"};
static const char *const k_1559_fields[12] = {
    "chainId", "nonce", "maxPriorityFeePerGas", "maxFeePerGas", "gas", "to",
    "value",   "data",  "accessList",           "yParity",      "r",   "s"};

static int field_err(int code, const char *field, const char *what)
{
    return zk_err_set(code, "rlp: invalid transaction field '%s': %s", field, what);
}

static int get_uint(const rlp_item *it, const char *field, uint64_t *v)
{
    int rc = rlp_get_uint(it, v);
    if (rc)
        return field_err(rc == ZK_ERR_RANGE ? ZK_ERR_PARSE : rc, field,
                         rc == ZK_ERR_RANGE ? "larger than 64 bits" : zk_err_detail());
    return ZK_OK;
}

/* A canonical big-endian integer of at most 32 bytes. */
static int get_u256(const rlp_item *it, const char *field, u256 *v)
{
    const uint8_t *p;
    size_t n;
    if (rlp_get_bytes(it, &p, &n))
        return field_err(ZK_ERR_PARSE, field, "a list where an integer belongs");
    if (n > 32)
        return field_err(ZK_ERR_PARSE, field, "larger than 256 bits");
    if (n && p[0] == 0)
        return field_err(ZK_ERR_PARSE, field, "integer with a leading zero byte");
    memset(v->b, 0, 32);
    memcpy(v->b + 32 - n, p, n);
    return ZK_OK;
}

static int get_to(const rlp_item *it, eth_tx *tx)
{
    const uint8_t *p;
    size_t n;
    if (rlp_get_bytes(it, &p, &n) || (n != 0 && n != 20))
        return field_err(ZK_ERR_PARSE, "to", "not empty and not a 20-byte address");
    tx->has_to = n == 20;
    if (n)
        memcpy(tx->to, p, 20);
    return ZK_OK;
}

static int get_data(const rlp_item *it, eth_tx *tx)
{
    if (rlp_get_bytes(it, &tx->data, &tx->data_len))
        return field_err(ZK_ERR_PARSE, "data", "a list where bytes belong");
    return ZK_OK;
}

/* accessList: [[address(20), [storageKey(32), ...]], ...] */
static int check_access_list(const rlp_item *list, eth_tx *tx)
{
    rlp_iter it, kit;
    rlp_item entry, addr, keys, key;
    if (!list->is_list)
        return field_err(ZK_ERR_PARSE, "accessList", "not a list");
    size_t n = rlp_list_count(list);
    if (n > TX_MAX_ACCESS_ENTRIES)
        return field_err(ZK_ERR_TOO_LARGE, "accessList", "too many entries");
    if (rlp_iter_init(&it, list))
        return field_err(ZK_ERR_PARSE, "accessList", "not a list");
    while (rlp_iter_next(&it, &entry)) {
        uint8_t a[20];
        if (!entry.is_list || rlp_list_count(&entry) != 2 || rlp_iter_init(&kit, &entry))
            return field_err(ZK_ERR_PARSE, "accessList", "an entry is not [address, keys]");
        rlp_iter_next(&kit, &addr);
        rlp_iter_next(&kit, &keys);
        if (rlp_get_fixed(&addr, a, 20))
            return field_err(ZK_ERR_PARSE, "accessList", "an address is not 20 bytes");
        if (!keys.is_list || rlp_list_count(&keys) > TX_MAX_STORAGE_KEYS)
            return field_err(ZK_ERR_PARSE, "accessList", "storage keys not a list or too many");
        rlp_iter ki;
        if (rlp_iter_init(&ki, &keys))
            return field_err(ZK_ERR_PARSE, "accessList", "storage keys not a list");
        while (rlp_iter_next(&ki, &key)) {
            uint8_t k[32];
            if (rlp_get_fixed(&key, k, 32))
                return field_err(ZK_ERR_PARSE, "accessList", "a storage key is not 32 bytes");
        }
    }
    tx->access_entries = n;
    return ZK_OK;
}

/* Fills the items of a list that must have exactly n of them. */
static int take_items(const rlp_item *list, rlp_item *items, size_t n, const char *what)
{
    rlp_iter it;
    if (!list->is_list || rlp_iter_init(&it, list))
        return zk_err_set(ZK_ERR_PARSE, "rlp: %s is not a list", what);
    size_t have = rlp_list_count(list);
    if (have != n)
        return zk_err_set(ZK_ERR_PARSE, "rlp: %s has %zu fields, expected %zu", what, have, n);
    for (size_t i = 0; i < n; i++)
        rlp_iter_next(&it, &items[i]);
    return ZK_OK;
}

/* The bytes of items[0..n) as they appear in the buffer (header included): with
 * canonical RLP, re-encoding a prefix of fields is copying it. */
static int append_items(zk_buf *b, const rlp_item *items, size_t n)
{
    const uint8_t *start = items[0].base + items[0].hdr_off;
    const uint8_t *end = items[n - 1].base + items[n - 1].off + items[n - 1].len;
    return rlp_put_raw(b, start, (size_t)(end - start));
}

static int get_sig_part(const rlp_item *it, const char *field, uint8_t out[32])
{
    u256 v;
    int rc = get_u256(it, field, &v);
    if (rc)
        return zk_err_set(ZK_ERR_SIGNATURE, "invalid transaction v, r, s values (%s)",
                          zk_err_detail());
    memcpy(out, v.b, 32);
    return ZK_OK;
}

static int recover_sender(eth_tx *tx)
{
    uint8_t sig[65], pub[64];
    memcpy(sig, tx->r, 32);
    memcpy(sig + 32, tx->s, 32);
    sig[64] = tx->y_parity;
    if (ecc_recover(tx->signing_hash, sig, pub))
        return zk_err_set(ZK_ERR_SIGNATURE, "invalid sender: %s", zk_err_detail());
    eth_address_from_pub(pub, tx->sender);
    return ZK_OK;
}

static int decode_legacy(const uint8_t *raw, size_t len, eth_tx *tx)
{
    rlp_item top, f[9];
    int rc = rlp_decode(raw, len, &top);
    if (rc)
        return rc;
    if ((rc = take_items(&top, f, 9, "legacy transaction")))
        return rc;
    uint64_t v;
    if ((rc = get_uint(&f[0], k_legacy_fields[0], &tx->nonce)) ||
        (rc = get_u256(&f[1], k_legacy_fields[1], &tx->gas_price)) ||
        (rc = get_uint(&f[2], k_legacy_fields[2], &tx->gas_limit)) || (rc = get_to(&f[3], tx)) ||
        (rc = get_u256(&f[4], k_legacy_fields[4], &tx->value)) || (rc = get_data(&f[5], tx)))
        return rc;
    if (rlp_get_uint(&f[6], &v))
        return zk_err_set(ZK_ERR_SIGNATURE, "invalid transaction v, r, s values (v)");
    if (v == 27 || v == 28)
        return zk_err_set(ZK_ERR_UNSUPPORTED,
                          "only replay-protected (EIP-155) transactions allowed over RPC");
    if (v < 35)
        return zk_err_set(ZK_ERR_SIGNATURE, "invalid transaction v, r, s values (v = %llu)",
                          (unsigned long long)v);
    tx->chain_id = (v - 35) / 2;
    tx->y_parity = (uint8_t)((v - 35) % 2);
    if ((rc = get_sig_part(&f[7], "r", tx->r)) || (rc = get_sig_part(&f[8], "s", tx->s)))
        return rc;
    tx->max_priority_fee = tx->gas_price;

    /* EIP-155 signing payload: rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]) */
    zk_buf b;
    size_t mark;
    zk_buf_init(&b, TX_MAX_RAW + 64);
    rc = rlp_list_begin(&b, &mark);
    if (!rc)
        rc = append_items(&b, f, 6);
    if (!rc)
        rc = rlp_put_uint(&b, tx->chain_id);
    if (!rc)
        rc = rlp_put_uint(&b, 0);
    if (!rc)
        rc = rlp_put_uint(&b, 0);
    if (!rc)
        rc = rlp_list_end(&b, mark);
    if (!rc)
        zk_keccak256(tx->signing_hash, b.data, b.len);
    zk_buf_free(&b);
    return rc;
}

static int decode_1559(const uint8_t *raw, size_t len, eth_tx *tx)
{
    rlp_item top, f[12];
    int rc = rlp_decode(raw + 1, len - 1, &top);
    if (rc)
        return rc;
    if ((rc = take_items(&top, f, 12, "EIP-1559 transaction")))
        return rc;
    uint64_t parity;
    if ((rc = get_uint(&f[0], k_1559_fields[0], &tx->chain_id)) ||
        (rc = get_uint(&f[1], k_1559_fields[1], &tx->nonce)) ||
        (rc = get_u256(&f[2], k_1559_fields[2], &tx->max_priority_fee)) ||
        (rc = get_u256(&f[3], k_1559_fields[3], &tx->gas_price)) ||
        (rc = get_uint(&f[4], k_1559_fields[4], &tx->gas_limit)) || (rc = get_to(&f[5], tx)) ||
        (rc = get_u256(&f[6], k_1559_fields[6], &tx->value)) || (rc = get_data(&f[7], tx)) ||
        (rc = check_access_list(&f[8], tx)))
        return rc;
    if (rlp_get_uint(&f[9], &parity) || parity > 1)
        return zk_err_set(ZK_ERR_SIGNATURE, "invalid transaction v, r, s values (yParity)");
    tx->y_parity = (uint8_t)parity;
    if ((rc = get_sig_part(&f[10], "r", tx->r)) || (rc = get_sig_part(&f[11], "s", tx->s)))
        return rc;
    if (u256_cmp(&tx->max_priority_fee, &tx->gas_price) > 0)
        return zk_err_set(ZK_ERR_PARSE, "max priority fee per gas higher than max fee per gas");

    /* signing payload: 0x02 || rlp([first nine fields]) */
    zk_buf b;
    size_t mark;
    zk_buf_init(&b, TX_MAX_RAW + 64);
    rc = zk_buf_push(&b, TX_EIP1559);
    if (!rc)
        rc = rlp_list_begin(&b, &mark);
    if (!rc)
        rc = append_items(&b, f, 9);
    if (!rc)
        rc = rlp_list_end(&b, mark);
    if (!rc)
        zk_keccak256(tx->signing_hash, b.data, b.len);
    zk_buf_free(&b);
    return rc;
}

int tx_decode(const uint8_t *raw, size_t len, eth_tx *out)
{
    memset(out, 0, sizeof *out);
    if (len > TX_MAX_RAW)
        return zk_err_set(ZK_ERR_TOO_LARGE, "oversized data: transaction of %zu bytes, limit %u",
                          len, TX_MAX_RAW);
    if (len == 0)
        return zk_err_set(ZK_ERR_PARSE, "typed transaction too short");
    int rc;
    if (raw[0] >= 0xc0) {
        out->type = TX_LEGACY;
        rc = decode_legacy(raw, len, out);
    } else if (raw[0] == TX_EIP1559) {
        if (len < 2)
            return zk_err_set(ZK_ERR_PARSE, "typed transaction too short");
        out->type = TX_EIP1559;
        rc = decode_1559(raw, len, out);
    } else if (raw[0] < 0x80) {
        return zk_err_set(ZK_ERR_UNSUPPORTED, "transaction type not supported (type %u)", raw[0]);
    } else {
        return zk_err_set(ZK_ERR_PARSE, "rlp: expected a transaction, got a byte string");
    }
    if (rc)
        return rc;
    zk_keccak256(out->hash, raw, len);
    return recover_sender(out);
}

static int put_u256(zk_buf *b, const u256 *v)
{
    size_t i = 0;
    while (i < 32 && v->b[i] == 0)
        i++;
    return rlp_put_bytes(b, v->b + i, 32 - i);
}

/* The fields every type shares after the fees: gas, to, value, data. */
static int put_common(zk_buf *b, const tx_fields *f)
{
    int rc = rlp_put_uint(b, f->gas_limit);
    if (!rc)
        rc = rlp_put_bytes(b, f->to, f->has_to ? 20 : 0);
    if (!rc)
        rc = put_u256(b, &f->value);
    if (!rc)
        rc = rlp_put_bytes(b, f->data, f->data_len);
    return rc;
}

static int put_sig(zk_buf *b, const uint8_t sig[65])
{
    u256 r, s;
    memcpy(r.b, sig, 32);
    memcpy(s.b, sig + 32, 32);
    int rc = put_u256(b, &r);
    if (!rc)
        rc = put_u256(b, &s);
    return rc;
}

/* Writes the body of f (without signature) into b; legacy ends with chainId, 0, 0
 * (EIP-155), type 2 with the empty access list. */
static int put_unsigned(zk_buf *b, const tx_fields *f)
{
    int rc;
    if (f->type == TX_LEGACY) {
        rc = rlp_put_uint(b, f->nonce);
        if (!rc)
            rc = rlp_put_uint(b, f->gas_price);
        if (!rc)
            rc = put_common(b, f);
        return rc;
    }
    rc = rlp_put_uint(b, f->chain_id);
    if (!rc)
        rc = rlp_put_uint(b, f->nonce);
    if (!rc)
        rc = rlp_put_uint(b, f->max_priority_fee);
    if (!rc)
        rc = rlp_put_uint(b, f->gas_price);
    if (!rc)
        rc = put_common(b, f);
    if (!rc)
        rc = rlp_put_raw(b, (const uint8_t *)"\xc0", 1); /* empty access list */
    return rc;
}

int tx_sign(const tx_fields *f, const uint8_t priv[32], zk_buf *out)
{
    if (f->type != TX_LEGACY && f->type != TX_EIP1559)
        return zk_err_set(ZK_ERR_INVALID_ARG, "transaction type %d cannot be signed", f->type);
    if (f->type == TX_LEGACY && f->chain_id > (UINT64_MAX - 36) / 2)
        return zk_err_set(ZK_ERR_RANGE, "chain id too large for EIP-155 v");
    zk_buf body;
    size_t mark;
    uint8_t hash[32], sig[65];
    zk_buf_init(&body, TX_MAX_RAW + 256);

    /* what is signed */
    int rc = f->type == TX_EIP1559 ? zk_buf_push(&body, TX_EIP1559) : ZK_OK;
    if (!rc)
        rc = rlp_list_begin(&body, &mark);
    if (!rc)
        rc = put_unsigned(&body, f);
    if (!rc && f->type == TX_LEGACY) {
        rc = rlp_put_uint(&body, f->chain_id);
        if (!rc)
            rc = rlp_put_uint(&body, 0);
        if (!rc)
            rc = rlp_put_uint(&body, 0);
    }
    if (!rc)
        rc = rlp_list_end(&body, mark);
    if (!rc) {
        zk_keccak256(hash, body.data, body.len);
        rc = ecc_sign_recoverable(priv, hash, sig);
    }

    /* what is sent */
    if (!rc) {
        zk_buf_reset(&body);
        rc = f->type == TX_EIP1559 ? zk_buf_push(&body, TX_EIP1559) : ZK_OK;
    }
    if (!rc)
        rc = rlp_list_begin(&body, &mark);
    if (!rc)
        rc = put_unsigned(&body, f);
    if (!rc)
        rc = rlp_put_uint(&body, f->type == TX_LEGACY ? f->chain_id * 2 + 35 + sig[64]
                                                      : (uint64_t)sig[64]);
    if (!rc)
        rc = put_sig(&body, sig);
    if (!rc)
        rc = rlp_list_end(&body, mark);
    if (!rc)
        rc = zk_buf_append(out, body.data, body.len);
    OPENSSL_cleanse(sig, sizeof sig);
    zk_buf_free(&body);
    return rc;
}
