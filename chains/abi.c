/* The Ethereum contract ABI for the chain node's system calls (see abi.h). */
#include "chains/abi.h"

#include <string.h>

#include "common/error.h"
#include "common/keccak.h"

#define WORD 32

static const char *type_name(abi_type t)
{
    switch (t) {
    case ABI_UINT64: return "uint64";
    case ABI_UINT256: return "uint256";
    case ABI_ADDRESS: return "address";
    case ABI_BYTES32: return "bytes32";
    case ABI_BOOL: return "bool";
    case ABI_BYTES: return "bytes";
    }
    return NULL;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* The zeros that pad n bytes to a whole number of words. */
static size_t pad_len(size_t n)
{
    return (WORD - n % WORD) % WORD;
}

void abi_selector(uint8_t out[4], const char *signature)
{
    uint8_t h[ZK_KECCAK256_LEN];
    zk_keccak256(h, signature, strlen(signature));
    memcpy(out, h, 4);
}

/* A word that holds a length or an offset: the value must fit in 64 bits (the
 * upper 24 bytes zero), which every real one does since no buffer is that
 * large. Returns 0 and sets *v, or -1 when it does not fit. */
static int load_size_word(const uint8_t *w, uint64_t *v)
{
    if (!all_zero(w, WORD - 8))
        return -1;
    *v = zk_load_be64(w + WORD - 8);
    return 0;
}

/* Reads the tail of bytes argument i whose head word is w. *pos is where the
 * canonical encoding puts this tail; on success it moves past the tail. */
static int decode_bytes(abi_value *v, size_t i, const uint8_t *w, const uint8_t *data, size_t len,
                        size_t *pos, size_t max_bytes)
{
    uint64_t off;
    if (load_size_word(w, &off) != 0 || off != *pos)
        return zk_err_set(ZK_ERR_PARSE,
                          "abi: argument %zu (bytes): offset is not the canonical "
                          "%zu (tails must "
                          "follow the head in argument order, without gaps)",
                          i, *pos);
    if (len - *pos < WORD)
        return zk_err_set(ZK_ERR_PARSE,
                          "abi: argument %zu (bytes): length word at byte %zu runs past the data "
                          "(%zu bytes)",
                          i, *pos, len);
    uint64_t n;
    size_t start = *pos + WORD;
    size_t avail = len - start;
    if (load_size_word(data + *pos, &n) != 0 || n > avail)
        return zk_err_set(ZK_ERR_PARSE,
                          "abi: argument %zu (bytes): length at byte %zu runs past the data (%zu "
                          "bytes left)",
                          i, *pos, avail);
    size_t blen = (size_t)n;
    if (blen > max_bytes)
        return zk_err_set(ZK_ERR_TOO_LARGE,
                          "abi: argument %zu (bytes): %zu bytes, more than the %zu allowed", i,
                          blen, max_bytes);
    size_t pad = pad_len(blen);
    if (pad > avail - blen)
        return zk_err_set(ZK_ERR_PARSE,
                          "abi: argument %zu (bytes): padding of the %zu data "
                          "bytes at byte %zu runs "
                          "past the data",
                          i, blen, start);
    if (!all_zero(data + start + blen, pad))
        return zk_err_set(ZK_ERR_PARSE,
                          "abi: argument %zu (bytes): padding after the data "
                          "(bytes %zu..%zu) is not "
                          "zero",
                          i, start + blen, start + blen + pad - 1);
    v->bytes = blen ? data + start : NULL;
    v->bytes_len = blen;
    *pos = start + blen + pad;
    return ZK_OK;
}

/* Decodes the head word of argument i, and its tail for bytes. */
static int decode_one(abi_value *v, size_t i, const uint8_t *data, size_t len, size_t *pos,
                      size_t max_bytes)
{
    const uint8_t *w = data + i * WORD;
    switch (v->type) {
    case ABI_UINT64:
        if (!all_zero(w, WORD - 8))
            return zk_err_set(ZK_ERR_PARSE,
                              "abi: argument %zu (uint64): padding bytes %zu..%zu are not zero", i,
                              i * WORD, i * WORD + WORD - 9);
        v->u64 = zk_load_be64(w + WORD - 8);
        return ZK_OK;
    case ABI_UINT256: memcpy(v->u256.b, w, WORD); return ZK_OK;
    case ABI_ADDRESS:
        if (!all_zero(w, WORD - 20))
            return zk_err_set(ZK_ERR_PARSE,
                              "abi: argument %zu (address): padding bytes %zu..%zu are not zero", i,
                              i * WORD, i * WORD + WORD - 21);
        memcpy(v->addr, w + WORD - 20, 20);
        return ZK_OK;
    case ABI_BYTES32: memcpy(v->b32, w, WORD); return ZK_OK;
    case ABI_BOOL:
        if (!all_zero(w, WORD - 1))
            return zk_err_set(ZK_ERR_PARSE,
                              "abi: argument %zu (bool): padding bytes %zu..%zu are not zero", i,
                              i * WORD, i * WORD + WORD - 2);
        if (w[WORD - 1] > 1)
            return zk_err_set(ZK_ERR_PARSE, "abi: argument %zu (bool): value %u is not 0 or 1", i,
                              (unsigned)w[WORD - 1]);
        v->u64 = w[WORD - 1];
        return ZK_OK;
    case ABI_BYTES: return decode_bytes(v, i, w, data, len, pos, max_bytes);
    }
    return zk_err_set(ZK_ERR_INTERNAL, "abi: argument %zu: type %d was not checked", i,
                      (int)v->type);
}

int abi_decode(abi_value *out, const abi_type *types, size_t n, const uint8_t *data, size_t len,
               size_t max_bytes)
{
    if (n > ABI_MAX_ARGS)
        return zk_err_set(ZK_ERR_INVALID_ARG, "abi: %zu arguments, more than the %d allowed", n,
                          ABI_MAX_ARGS);
    if ((n > 0 && (!out || !types)) || (len > 0 && !data))
        return zk_err_set(ZK_ERR_INVALID_ARG, "abi: decode: NULL pointer");
    for (size_t i = 0; i < n; i++)
        if (!type_name(types[i]))
            return zk_err_set(ZK_ERR_INVALID_ARG, "abi: argument %zu: unknown type %d", i,
                              (int)types[i]);
    size_t head = n * WORD;
    if (len < head)
        return zk_err_set(ZK_ERR_PARSE,
                          "abi: argument %zu (%s): data is %zu bytes, shorter than the head of "
                          "%zu bytes",
                          len / WORD, type_name(types[len / WORD]), len, head);

    /* Decode into a copy so that out is untouched when the data is rejected. */
    abi_value vals[ABI_MAX_ARGS];
    memset(vals, 0, sizeof vals);
    size_t pos = head;
    for (size_t i = 0; i < n; i++) {
        vals[i].type = types[i];
        int rc = decode_one(&vals[i], i, data, len, &pos, max_bytes);
        if (rc != ZK_OK)
            return rc;
    }
    if (pos != len) {
        if (n == 0)
            return zk_err_set(ZK_ERR_PARSE, "abi: %zu bytes of data for a call with no arguments",
                              len);
        return zk_err_set(ZK_ERR_PARSE,
                          "abi: %zu bytes of trailing data at byte %zu, after the last argument "
                          "(%zu)",
                          len - pos, pos, n - 1);
    }
    if (n > 0)
        memcpy(out, vals, n * sizeof *out);
    return ZK_OK;
}

/* Checks v[0..n) and returns the length of its encoding in *total. */
static int encode_size(const abi_value *v, size_t n, size_t *total)
{
    size_t sz = n * WORD;
    for (size_t i = 0; i < n; i++) {
        if (!type_name(v[i].type))
            return zk_err_set(ZK_ERR_INVALID_ARG, "abi: argument %zu: unknown type %d", i,
                              (int)v[i].type);
        if (v[i].type == ABI_BOOL && v[i].u64 > 1)
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "abi: argument %zu (bool): value %llu is not 0 or 1", i,
                              (unsigned long long)v[i].u64);
        if (v[i].type != ABI_BYTES)
            continue;
        size_t bl = v[i].bytes_len;
        if (bl > 0 && !v[i].bytes)
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "abi: argument %zu (bytes): NULL data of %zu bytes", i, bl);
        /* The offsets and lengths are written as 64-bit values; anything near
         * SIZE_MAX cannot be in memory anyway. */
        if (bl > UINT64_MAX - 2 * WORD || bl > SIZE_MAX - 2 * WORD || sz > SIZE_MAX - 2 * WORD - bl)
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "abi: argument %zu (bytes): %zu bytes is too long", i, bl);
        sz += WORD + bl + pad_len(bl);
    }
    *total = sz;
    return ZK_OK;
}

static void put_u64_word(uint8_t w[WORD], uint64_t x)
{
    memset(w, 0, WORD);
    zk_store_be64(w + WORD - 8, x);
}

int abi_encode(zk_buf *out, const abi_value *v, size_t n)
{
    if (!out || (n > 0 && !v))
        return zk_err_set(ZK_ERR_INVALID_ARG, "abi: encode: NULL pointer");
    if (n > ABI_MAX_ARGS)
        return zk_err_set(ZK_ERR_INVALID_ARG, "abi: %zu arguments, more than the %d allowed", n,
                          ABI_MAX_ARGS);
    size_t total = 0;
    int rc = encode_size(v, n, &total);
    if (rc != ZK_OK)
        return rc;
    /* Reserving the whole encoding first means no append below can fail half way. */
    rc = zk_buf_reserve(out, total);
    if (rc != ZK_OK)
        return zk_err_wrap(rc, "abi: encoding of %zu bytes: ", total);

    size_t start = out->len;
    size_t tail = n * WORD; /* where the next bytes tail goes, from the start */
    uint8_t w[WORD];
    for (size_t i = 0; i < n && rc == ZK_OK; i++) {
        switch (v[i].type) {
        case ABI_UINT64:
        case ABI_BOOL: put_u64_word(w, v[i].u64); break;
        case ABI_UINT256: memcpy(w, v[i].u256.b, WORD); break;
        case ABI_ADDRESS:
            memset(w, 0, WORD - 20);
            memcpy(w + WORD - 20, v[i].addr, 20);
            break;
        case ABI_BYTES32: memcpy(w, v[i].b32, WORD); break;
        case ABI_BYTES:
            put_u64_word(w, tail);
            tail += WORD + v[i].bytes_len + pad_len(v[i].bytes_len);
            break;
        }
        rc = zk_buf_append(out, w, WORD);
    }
    static const uint8_t zeros[WORD];
    for (size_t i = 0; i < n && rc == ZK_OK; i++) {
        if (v[i].type != ABI_BYTES)
            continue;
        put_u64_word(w, v[i].bytes_len);
        rc = zk_buf_append(out, w, WORD);
        if (rc == ZK_OK && v[i].bytes_len > 0)
            rc = zk_buf_append(out, v[i].bytes, v[i].bytes_len);
        if (rc == ZK_OK)
            rc = zk_buf_append(out, zeros, pad_len(v[i].bytes_len));
    }
    if (rc == ZK_OK && out->len - start != total)
        rc = zk_err_set(ZK_ERR_INTERNAL, "abi: wrote %zu bytes, computed %zu", out->len - start,
                        total);
    if (rc != ZK_OK) {
        out->len = start;
        if (out->data)
            out->data[start] = 0;
    }
    return rc;
}
