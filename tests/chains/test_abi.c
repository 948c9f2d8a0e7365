/* chains/abi: the well-known ERC-20 selectors, encodings written out by hand from
 * the ABI specification's rules, one rejection per strictness rule, random round
 * trips, and a mutation loop (every byte of a valid encoding changed to every other
 * value: rejected or a different call, never a crash), truncations and an extra
 * byte. */
#include "chains/abi.h"
#include "common/error.h"
#include "tests/test.h"

static void hex(zk_buf *b, const char *h)
{
    zk_buf_init(b, 1 << 20);
    int rc = zk_hex_decode_buf(b, h, strlen(h));
    CHECK_OK(rc);
}

static int values_equal(const abi_value *a, const abi_value *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i].type != b[i].type)
            return 0;
        switch (a[i].type) {
        case ABI_UINT64:
        case ABI_BOOL:
            if (a[i].u64 != b[i].u64)
                return 0;
            break;
        case ABI_UINT256:
            if (memcmp(a[i].u256.b, b[i].u256.b, 32) != 0)
                return 0;
            break;
        case ABI_ADDRESS:
            if (memcmp(a[i].addr, b[i].addr, 20) != 0)
                return 0;
            break;
        case ABI_BYTES32:
            if (memcmp(a[i].b32, b[i].b32, 32) != 0)
                return 0;
            break;
        case ABI_BYTES:
            if (a[i].bytes_len != b[i].bytes_len ||
                (a[i].bytes_len && memcmp(a[i].bytes, b[i].bytes, a[i].bytes_len) != 0))
                return 0;
            break;
        default: return 0;
        }
    }
    return 1;
}

/* "transfer(address,uint256)" and "balanceOf(address)" are the ERC-20 selectors
 * every wallet and block explorer knows. */
static void test_selectors(void)
{
    uint8_t s[4];
    abi_selector(s, "transfer(address,uint256)");
    CHECK_MEM(s, "\xa9\x05\x9c\xbb", 4);
    abi_selector(s, "balanceOf(address)");
    CHECK_MEM(s, "\x70\xa0\x82\x31", 4);
}

/* The mixed call (uint64, bytes32, address, uint256, bytes): five head words, the
 * last one the offset 5 * 32 = 0xa0 of the bytes tail. */
static const abi_type mixed_types[5] = {ABI_UINT64, ABI_BYTES32, ABI_ADDRESS, ABI_UINT256,
                                        ABI_BYTES};

#define MIXED_HEAD                                                                                 \
    /* uint64 0x0102030405060708, left-padded */                                                   \
    "0000000000000000000000000000000000000000000000000102030405060708" /* bytes32, as is */        \
    "00112233445566778899aabbccddeeffffeeddccbbaa99887766554433221100" /* address, left-padded     \
                                                                          with 12 zero bytes */    \
    "000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266" /* uint256 10^18 =          \
                                                                          0x0de0b6b3a7640000 */    \
    "0000000000000000000000000000000000000000000000000de0b6b3a7640000" /* offset of the bytes      \
                                                                          tail: the end of the     \
                                                                          head */                  \
    "00000000000000000000000000000000000000000000000000000000000000a0"

static const char *const mixed_hex[4] = {
    /* 0 bytes: a zero length word and no data words */
    MIXED_HEAD "0000000000000000000000000000000000000000000000000000000000000000",
    /* 1 byte 0x42: length 1, then one word right-padded with zeros */
    MIXED_HEAD "0000000000000000000000000000000000000000000000000000000000000001"
               "4200000000000000000000000000000000000000000000000000000000000000",
    /* 32 bytes 00..1f: length 0x20, exactly one word, no padding */
    MIXED_HEAD "0000000000000000000000000000000000000000000000000000000000000020"
               "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    /* 33 bytes 00..20: length 0x21, two words, the second padded */
    MIXED_HEAD "0000000000000000000000000000000000000000000000000000000000000021"
               "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
               "2000000000000000000000000000000000000000000000000000000000000000",
};
static const size_t mixed_lens[4] = {0, 1, 32, 33};

static uint8_t mixed_data[33];

static void mixed_values(abi_value v[5], size_t blen)
{
    static const uint8_t b32[32] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
                                    0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88,
                                    0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00};
    static const uint8_t addr[20] = {0xf3, 0x9f, 0xd6, 0xe5, 0x1a, 0xad, 0x88, 0xf6, 0xf4, 0xce,
                                     0x6a, 0xb8, 0x82, 0x72, 0x79, 0xcf, 0xff, 0xb9, 0x22, 0x66};
    memset(v, 0, 5 * sizeof *v);
    for (int i = 0; i < 5; i++)
        v[i].type = mixed_types[i];
    v[0].u64 = 0x0102030405060708ull;
    memcpy(v[1].b32, b32, 32);
    memcpy(v[2].addr, addr, 20);
    u256_from_u64(&v[3].u256, 1000000000000000000ull);
    if (blen == 1) {
        mixed_data[0] = 0x42;
    } else {
        for (size_t i = 0; i < sizeof mixed_data; i++)
            mixed_data[i] = (uint8_t)i;
    }
    v[4].bytes = mixed_data;
    v[4].bytes_len = blen;
}

/* Two dynamic arguments around a static one: (bytes 0xaabb, bool true, bytes 0xcc).
 * The first tail starts at the end of the head (3 * 32 = 0x60); the second right
 * after it: 0x60 + 32 (length) + 32 (one padded word) = 0xa0. */
static const abi_type two_types[3] = {ABI_BYTES, ABI_BOOL, ABI_BYTES};
static const char two_hex[] = "0000000000000000000000000000000000000000000000000000000000000060"
                              "0000000000000000000000000000000000000000000000000000000000000001"
                              "00000000000000000000000000000000000000000000000000000000000000a0"
                              "0000000000000000000000000000000000000000000000000000000000000002"
                              "aabb000000000000000000000000000000000000000000000000000000000000"
                              "0000000000000000000000000000000000000000000000000000000000000001"
                              "cc00000000000000000000000000000000000000000000000000000000000000";

static void two_values(abi_value v[3])
{
    static const uint8_t b1[2] = {0xaa, 0xbb}, b2[1] = {0xcc};
    memset(v, 0, 3 * sizeof *v);
    for (int i = 0; i < 3; i++)
        v[i].type = two_types[i];
    v[0].bytes = b1;
    v[0].bytes_len = 2;
    v[1].u64 = 1;
    v[2].bytes = b2;
    v[2].bytes_len = 1;
}

static void test_known_encodings(void)
{
    for (int k = 0; k < 4; k++) {
        abi_value v[5], got[5];
        mixed_values(v, mixed_lens[k]);
        zk_buf enc, want;
        zk_buf_init(&enc, 4096);
        hex(&want, mixed_hex[k]);
        CHECK_OK(abi_encode(&enc, v, 5));
        CHECK_EQ(enc.len, want.len);
        CHECK_MSG(enc.len == want.len && memcmp(enc.data, want.data, enc.len) == 0,
                  "mixed call with %zu bytes", mixed_lens[k]);
        CHECK_OK(abi_decode(got, mixed_types, 5, want.data, want.len, 64));
        CHECK_MSG(values_equal(v, got, 5), "decoded mixed call with %zu bytes", mixed_lens[k]);
        if (mixed_lens[k] > 0)
            CHECK(got[4].bytes == want.data + 5 * 32 + 32); /* points into the input */
        zk_buf_free(&enc);
        zk_buf_free(&want);
    }

    abi_value v[3], got[3];
    two_values(v);
    zk_buf enc, want;
    zk_buf_init(&enc, 4096);
    hex(&want, two_hex);
    CHECK_OK(abi_encode(&enc, v, 3));
    CHECK(enc.len == want.len && memcmp(enc.data, want.data, enc.len) == 0);
    CHECK_OK(abi_decode(got, two_types, 3, want.data, want.len, 64));
    CHECK(values_equal(v, got, 3));

    /* Appending keeps what the buffer held; no arguments encode to nothing. */
    size_t before = enc.len;
    CHECK_OK(abi_encode(&enc, v, 0));
    CHECK_EQ(enc.len, before);
    CHECK_OK(abi_decode(got, two_types, 0, NULL, 0, 0));
    zk_buf_free(&enc);
    zk_buf_free(&want);
}

/* Decodes data and wants code, with needle in the detail. */
static void reject(const abi_type *types, size_t n, const uint8_t *data, size_t len,
                   size_t max_bytes, int code, const char *needle, int line)
{
    abi_value out[ABI_MAX_ARGS];
    memset(out, 0xa5, sizeof out);
    abi_value untouched[ABI_MAX_ARGS];
    memcpy(untouched, out, sizeof out);
    zk_err_clear();
    int rc = abi_decode(out, types, n, data, len, max_bytes);
    CHECK_MSG(rc == code, "line %d: got %d (%s), wanted %d", line, rc, zk_err_detail(), code);
    CHECK_MSG(strstr(zk_err_detail(), needle) != NULL, "line %d: detail '%s' lacks '%s'", line,
              zk_err_detail(), needle);
    CHECK_MSG(memcmp(out, untouched, sizeof out) == 0, "line %d: out written on failure", line);
}

#define REJECT(types, n, buf, len, max, code, needle)                                              \
    reject(types, n, buf, len, max, code, needle, __LINE__)

/* A copy of the encoding with room for extra bytes at the end. */
static void copy_of(uint8_t *dst, size_t dst_len, const zk_buf *src)
{
    memset(dst, 0, dst_len);
    memcpy(dst, src->data, src->len);
}

static void test_strict(void)
{
    zk_buf one, big, two;
    hex(&one, mixed_hex[1]); /* 224 bytes; bytes tail at 160 */
    hex(&big, mixed_hex[3]); /* 256 bytes, 33 bytes of data */
    hex(&two, two_hex);      /* 224 bytes */
    uint8_t d[512];

    /* data shorter than the head: the head ends inside argument 4's word */
    REJECT(mixed_types, 5, one.data, 159, 64, ZK_ERR_PARSE, "argument 4");
    REJECT(mixed_types, 5, one.data, 0, 64, ZK_ERR_PARSE, "argument 0");

    /* uint64 padding */
    copy_of(d, sizeof d, &one);
    d[23] = 1;
    REJECT(mixed_types, 5, d, one.len, 64, ZK_ERR_PARSE, "argument 0 (uint64): padding");

    /* address padding */
    copy_of(d, sizeof d, &one);
    d[2 * 32 + 11] = 0x80;
    REJECT(mixed_types, 5, d, one.len, 64, ZK_ERR_PARSE, "argument 2 (address): padding");

    /* bool padding, and a bool that is neither 0 nor 1 */
    copy_of(d, sizeof d, &two);
    d[32] = 1;
    REJECT(two_types, 3, d, two.len, 64, ZK_ERR_PARSE, "argument 1 (bool): padding");
    copy_of(d, sizeof d, &two);
    d[63] = 2;
    REJECT(two_types, 3, d, two.len, 64, ZK_ERR_PARSE, "argument 1 (bool): value 2");

    /* first offset not the end of the head: the tail moved one word on, with the
     * data still all there */
    copy_of(d, sizeof d, &one);
    memmove(d + 192, d + 160, 64);
    memset(d + 160, 0, 32);
    d[4 * 32 + 31] = 0xc0;
    REJECT(mixed_types, 5, d, one.len + 32, 64, ZK_ERR_PARSE, "argument 4 (bytes): offset");
    /* an offset word with high bytes set (the low ones canonical) */
    copy_of(d, sizeof d, &one);
    d[4 * 32 + 7] = 1;
    REJECT(mixed_types, 5, d, one.len, 64, ZK_ERR_PARSE, "argument 4 (bytes): offset");

    /* later offset not right after the previous tail: pointing back at the first
     * tail (two arguments sharing one tail), and past a gap */
    copy_of(d, sizeof d, &two);
    d[2 * 32 + 31] = 0x60;
    REJECT(two_types, 3, d, two.len, 64, ZK_ERR_PARSE, "argument 2 (bytes): offset");
    copy_of(d, sizeof d, &two);
    memmove(d + 192, d + 160, 64);
    memset(d + 160, 0, 32);
    d[2 * 32 + 31] = 0xc0;
    REJECT(two_types, 3, d, two.len + 32, 64, ZK_ERR_PARSE, "argument 2 (bytes): offset");

    /* a length that runs past the data: 0x40 where one padded word is there, and a
     * length too large for 64 bits */
    copy_of(d, sizeof d, &one);
    d[160 + 31] = 0x40;
    REJECT(mixed_types, 5, d, one.len, 64, ZK_ERR_PARSE, "argument 4 (bytes): length");
    copy_of(d, sizeof d, &one);
    d[160] = 0x80;
    REJECT(mixed_types, 5, d, one.len, 64, ZK_ERR_PARSE, "argument 4 (bytes): length");

    /* nonzero padding after the bytes */
    copy_of(d, sizeof d, &one);
    d[192 + 31] = 1;
    REJECT(mixed_types, 5, d, one.len, 64, ZK_ERR_PARSE, "argument 4 (bytes): padding");

    /* trailing data after the last tail: one zero byte, a zero word */
    copy_of(d, sizeof d, &one);
    REJECT(mixed_types, 5, d, one.len + 1, 64, ZK_ERR_PARSE, "trailing data");
    REJECT(mixed_types, 5, d, one.len + 32, 64, ZK_ERR_PARSE, "trailing data");
    REJECT(mixed_types, 0, d, 1, 64, ZK_ERR_PARSE, "no arguments");

    /* a bytes argument longer than max_bytes; exactly max_bytes is fine */
    REJECT(mixed_types, 5, big.data, big.len, 32, ZK_ERR_TOO_LARGE, "argument 4 (bytes): 33");
    abi_value out[5];
    CHECK_OK(abi_decode(out, mixed_types, 5, big.data, big.len, 33));

    /* API misuse */
    abi_type many[ABI_MAX_ARGS + 1];
    for (size_t i = 0; i <= ABI_MAX_ARGS; i++)
        many[i] = ABI_BYTES32;
    copy_of(d, sizeof d, &big);
    REJECT(many, ABI_MAX_ARGS + 1, d, (ABI_MAX_ARGS + 1) * 32, 64, ZK_ERR_INVALID_ARG, "arguments");
    abi_type bad[1] = {(abi_type)7};
    REJECT(bad, 1, d, 32, 64, ZK_ERR_INVALID_ARG, "unknown type");
    bad[0] = (abi_type)0;
    REJECT(bad, 1, d, 32, 64, ZK_ERR_INVALID_ARG, "unknown type");
    zk_buf_free(&one);
    zk_buf_free(&big);
    zk_buf_free(&two);
}

static void test_encode_errors(void)
{
    abi_value v[ABI_MAX_ARGS + 1];
    memset(v, 0, sizeof v);
    for (size_t i = 0; i <= ABI_MAX_ARGS; i++)
        v[i].type = ABI_UINT64;
    zk_buf b;
    zk_buf_init(&b, 1024);
    CHECK_OK(zk_buf_append(&b, "x", 1));
    CHECK_ERR(abi_encode(&b, v, ABI_MAX_ARGS + 1), ZK_ERR_INVALID_ARG);
    CHECK_OK(abi_encode(&b, v, ABI_MAX_ARGS));
    CHECK_EQ(b.len, 1 + ABI_MAX_ARGS * 32);
    zk_buf_reset(&b);

    v[1].type = ABI_BOOL;
    v[1].u64 = 2;
    CHECK_ERR(abi_encode(&b, v, 2), ZK_ERR_INVALID_ARG);
    v[1].type = (abi_type)9;
    CHECK_ERR(abi_encode(&b, v, 2), ZK_ERR_INVALID_ARG);
    v[1].type = ABI_BYTES;
    v[1].bytes = NULL;
    v[1].bytes_len = 3;
    CHECK_ERR(abi_encode(&b, v, 2), ZK_ERR_INVALID_ARG);
    CHECK_EQ(b.len, 0);

    /* The cap bounds the whole encoding, and a refused one leaves nothing behind. */
    abi_value m[5];
    mixed_values(m, 33);
    zk_buf small;
    zk_buf_init(&small, 8 * 32 - 1 + 3);
    CHECK_OK(zk_buf_append(&small, "abc", 3));
    CHECK_ERR(abi_encode(&small, m, 5), ZK_ERR_TOO_LARGE);
    CHECK_EQ(small.len, 3);
    CHECK(strstr(zk_err_detail(), "abi: encoding of 256 bytes: ") == zk_err_detail());
    small.cap = 8 * 32 + 3;
    CHECK_OK(abi_encode(&small, m, 5));
    CHECK_EQ(small.len, 8 * 32 + 3);
    zk_buf_free(&small);
    zk_buf_free(&b);
}

/* Every byte changed to every other value: rejected, or decoded to a different call
 * whose canonical encoding is the changed bytes. */
static void mutate_all(const abi_type *types, size_t n, const zk_buf *valid)
{
    abi_value orig[ABI_MAX_ARGS], got[ABI_MAX_ARGS];
    CHECK_OK(abi_decode(orig, types, n, valid->data, valid->len, 64));
    /* orig's bytes point into valid, which stays unchanged */
    uint8_t *d = malloc(valid->len);
    CHECK(d != NULL);
    if (!d)
        return;
    zk_buf re;
    zk_buf_init(&re, 4096);
    size_t accepted = 0, same = 0, noncanonical = 0;
    for (size_t i = 0; i < valid->len; i++) {
        for (unsigned x = 1; x < 256; x++) {
            memcpy(d, valid->data, valid->len);
            d[i] ^= (uint8_t)x;
            if (abi_decode(got, types, n, d, valid->len, 64) != ZK_OK)
                continue;
            accepted++;
            if (values_equal(orig, got, n))
                same++;
            zk_buf_reset(&re);
            if (abi_encode(&re, got, n) != ZK_OK || re.len != valid->len ||
                memcmp(re.data, d, re.len) != 0)
                noncanonical++;
        }
    }
    CHECK_EQ(same, 0);
    CHECK_EQ(noncanonical, 0);
    CHECK(accepted > 0); /* the data bytes and the free-value words may change */
    zk_buf_free(&re);
    free(d);
}

static void test_mutations(void)
{
    zk_buf b;
    hex(&b, mixed_hex[3]);
    mutate_all(mixed_types, 5, &b);
    zk_buf_free(&b);
    hex(&b, two_hex);
    mutate_all(two_types, 3, &b);
    zk_buf_free(&b);
}

static void test_truncations(void)
{
    for (int k = 0; k < 5; k++) {
        zk_buf b;
        hex(&b, k < 4 ? mixed_hex[k] : two_hex);
        const abi_type *types = k < 4 ? mixed_types : two_types;
        size_t n = k < 4 ? 5 : 3;
        abi_value out[5];
        for (size_t len = 0; len < b.len; len++)
            CHECK_ERR(abi_decode(out, types, n, b.data, len, 64), ZK_ERR_PARSE);
        uint8_t *d = calloc(1, b.len + 1);
        CHECK(d != NULL);
        if (d) {
            memcpy(d, b.data, b.len);
            CHECK_ERR(abi_decode(out, types, n, d, b.len + 1, 64), ZK_ERR_PARSE);
            d[b.len] = 0x01;
            CHECK_ERR(abi_decode(out, types, n, d, b.len + 1, 64), ZK_ERR_PARSE);
        }
        free(d);
        zk_buf_free(&b);
    }
}

/* Random calls: the encoding has the length the rules give, decodes to the same
 * values, and re-encodes to the same bytes. */
static void test_round_trip(void)
{
    enum { MAXB = 100 };
    static uint8_t pool[ABI_MAX_ARGS][MAXB];
    zk_buf enc, re;
    zk_buf_init(&enc, 1 << 16);
    zk_buf_init(&re, 1 << 16);
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = (size_t)(t_rand() % (ABI_MAX_ARGS + 1));
        abi_value v[ABI_MAX_ARGS], got[ABI_MAX_ARGS];
        abi_type types[ABI_MAX_ARGS];
        memset(v, 0, sizeof v);
        size_t want_len = 32 * n;
        for (size_t i = 0; i < n; i++) {
            types[i] = v[i].type = (abi_type)(1 + t_rand() % 6);
            switch (types[i]) {
            case ABI_UINT64: v[i].u64 = t_rand() >> (t_rand() % 64); break;
            case ABI_BOOL: v[i].u64 = t_rand() & 1; break;
            case ABI_UINT256: t_rand_bytes(v[i].u256.b, 32); break;
            case ABI_ADDRESS: t_rand_bytes(v[i].addr, 20); break;
            case ABI_BYTES32: t_rand_bytes(v[i].b32, 32); break;
            case ABI_BYTES: {
                size_t l = (size_t)(t_rand() % (MAXB + 1));
                if (t_rand() % 4 == 0)
                    l = 32 * (size_t)(t_rand() % 4); /* whole words, no padding */
                t_rand_bytes(pool[i], l);
                v[i].bytes = l ? pool[i] : NULL;
                v[i].bytes_len = l;
                want_len += 32 + (l + 31) / 32 * 32;
                break;
            }
            }
        }
        zk_buf_reset(&enc);
        zk_buf_reset(&re);
        CHECK_OK(abi_encode(&enc, v, n));
        CHECK_EQ(enc.len, want_len);
        int rc = abi_decode(got, types, n, enc.data, enc.len, MAXB);
        CHECK_MSG(rc == ZK_OK, "iteration %d: %s", iter, zk_err_detail());
        if (rc != ZK_OK)
            continue;
        CHECK_MSG(values_equal(v, got, n), "iteration %d", iter);
        CHECK_OK(abi_encode(&re, got, n));
        CHECK(re.len == enc.len && memcmp(re.data, enc.data, enc.len) == 0);
    }
    zk_buf_free(&enc);
    zk_buf_free(&re);
}

int main(void)
{
    t_seed();
    test_selectors();
    test_known_encodings();
    test_strict();
    test_encode_errors();
    test_mutations();
    test_truncations();
    test_round_trip();
    return t_report("test_abi");
}
