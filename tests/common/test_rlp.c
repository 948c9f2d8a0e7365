/* Tests for common/rlp: the Ethereum wiki vectors, random round trips, every
 * non-canonical form rejected with its byte offset, and the property that whatever
 * the decoder accepts re-encodes to exactly the same bytes (so no two encodings of
 * one value are both accepted). */
#include "common/error.h"
#include "common/rlp.h"
#include "tests/test.h"

#define CAP (1u << 20)

static int hex_eq(const zk_buf *b, const char *hex)
{
    zk_buf want;
    zk_buf_init(&want, CAP);
    int ok = zk_hex_decode_buf(&want, hex, strlen(hex)) == ZK_OK && want.len == b->len &&
             (b->len == 0 || memcmp(want.data, b->data, b->len) == 0);
    zk_buf_free(&want);
    return ok;
}

static void put_str(zk_buf *b, const char *s)
{
    CHECK_OK(rlp_put_bytes(b, (const uint8_t *)s, strlen(s)));
}

/* Re-encodes a decoded item; used to show that decode then encode is the identity. */
static int reencode(zk_buf *b, const rlp_item *it)
{
    if (!it->is_list) {
        const uint8_t *p;
        size_t n;
        int rc = rlp_get_bytes(it, &p, &n);
        return rc ? rc : rlp_put_bytes(b, p, n);
    }
    size_t mark;
    rlp_iter iter;
    rlp_item child;
    int rc = rlp_list_begin(b, &mark);
    if (!rc)
        rc = rlp_iter_init(&iter, it);
    while (!rc && rlp_iter_next(&iter, &child))
        rc = reencode(b, &child);
    return rc ? rc : rlp_list_end(b, mark);
}

/* Asserts that the decoder accepts in[0..n) only if re-encoding gives it back. */
static int canonical_property(const uint8_t *in, size_t n)
{
    rlp_item top;
    if (rlp_decode(in, n, &top) != ZK_OK)
        return 1;
    zk_buf b;
    zk_buf_init(&b, CAP);
    int ok = reencode(&b, &top) == ZK_OK && b.len == n && memcmp(b.data, in, n) == 0;
    zk_buf_free(&b);
    return ok;
}

static void test_wiki_vectors(void)
{
    zk_buf b;
    zk_buf_init(&b, CAP);
    size_t m, m1, m2;

    put_str(&b, "dog");
    CHECK(hex_eq(&b, "83646f67"));
    zk_buf_reset(&b);

    CHECK_OK(rlp_list_begin(&b, &m));
    put_str(&b, "cat");
    put_str(&b, "dog");
    CHECK_OK(rlp_list_end(&b, m));
    CHECK(hex_eq(&b, "c88363617483646f67"));
    zk_buf_reset(&b);

    put_str(&b, "");
    CHECK(hex_eq(&b, "80"));
    zk_buf_reset(&b);

    CHECK_OK(rlp_list_begin(&b, &m));
    CHECK_OK(rlp_list_end(&b, m));
    CHECK(hex_eq(&b, "c0"));
    zk_buf_reset(&b);

    CHECK_OK(rlp_put_uint(&b, 0));
    CHECK(hex_eq(&b, "80"));
    zk_buf_reset(&b);

    CHECK_OK(rlp_put_bytes(&b, (const uint8_t *)"\x00", 1));
    CHECK(hex_eq(&b, "00"));
    zk_buf_reset(&b);

    CHECK_OK(rlp_put_uint(&b, 15));
    CHECK(hex_eq(&b, "0f"));
    zk_buf_reset(&b);

    CHECK_OK(rlp_put_uint(&b, 1024));
    CHECK(hex_eq(&b, "820400"));
    zk_buf_reset(&b);

    /* the set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ] */
    CHECK_OK(rlp_list_begin(&b, &m));
    CHECK_OK(rlp_list_begin(&b, &m1));
    CHECK_OK(rlp_list_end(&b, m1));
    CHECK_OK(rlp_list_begin(&b, &m1));
    CHECK_OK(rlp_list_begin(&b, &m2));
    CHECK_OK(rlp_list_end(&b, m2));
    CHECK_OK(rlp_list_end(&b, m1));
    CHECK_OK(rlp_list_begin(&b, &m1));
    CHECK_OK(rlp_list_begin(&b, &m2));
    CHECK_OK(rlp_list_end(&b, m2));
    CHECK_OK(rlp_list_begin(&b, &m2));
    size_t m3;
    CHECK_OK(rlp_list_begin(&b, &m3));
    CHECK_OK(rlp_list_end(&b, m3));
    CHECK_OK(rlp_list_end(&b, m2));
    CHECK_OK(rlp_list_end(&b, m1));
    CHECK_OK(rlp_list_end(&b, m));
    CHECK(hex_eq(&b, "c7c0c1c0c3c0c1c0"));
    rlp_item top;
    CHECK_OK(rlp_decode(b.data, b.len, &top));
    CHECK_EQ(rlp_list_count(&top), 3);
    zk_buf_reset(&b);

    const char *lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
    CHECK_EQ(strlen(lorem), 56);
    put_str(&b, lorem);
    CHECK_EQ(b.len, 58);
    CHECK(b.data[0] == 0xb8 && b.data[1] == 0x38);
    CHECK(memcmp(b.data + 2, lorem, 56) == 0);
    CHECK_OK(rlp_decode(b.data, b.len, &top));
    const uint8_t *p;
    size_t n;
    CHECK_OK(rlp_get_bytes(&top, &p, &n));
    CHECK(n == 56 && memcmp(p, lorem, 56) == 0);
    zk_buf_reset(&b);

    /* decoding the wiki vectors gives back their values */
    uint8_t catdog[] = {0xc8, 0x83, 'c', 'a', 't', 0x83, 'd', 'o', 'g'};
    CHECK_OK(rlp_decode(catdog, sizeof catdog, &top));
    CHECK(top.is_list);
    rlp_iter it;
    rlp_item item;
    CHECK_OK(rlp_iter_init(&it, &top));
    CHECK(rlp_iter_next(&it, &item));
    CHECK_OK(rlp_get_bytes(&item, &p, &n));
    CHECK(n == 3 && memcmp(p, "cat", 3) == 0);
    CHECK_EQ(item.depth, 1);
    CHECK(rlp_iter_next(&it, &item));
    CHECK_OK(rlp_get_bytes(&item, &p, &n));
    CHECK(n == 3 && memcmp(p, "dog", 3) == 0);
    CHECK(!rlp_iter_next(&it, &item));
    uint64_t v = 99;
    uint8_t k1024[] = {0x82, 0x04, 0x00};
    CHECK_OK(rlp_decode(k1024, 3, &top));
    CHECK_OK(rlp_get_uint(&top, &v));
    CHECK(v == 1024);
    uint8_t k0[] = {0x80};
    CHECK_OK(rlp_decode(k0, 1, &top));
    CHECK_OK(rlp_get_uint(&top, &v));
    CHECK(v == 0);
    uint8_t k15[] = {0x0f};
    CHECK_OK(rlp_decode(k15, 1, &top));
    CHECK_OK(rlp_get_uint(&top, &v));
    CHECK(v == 15);
    /* a string where a list is wanted and the reverse */
    CHECK_ERR(rlp_iter_init(&it, &top), ZK_ERR_PARSE);
    CHECK_OK(rlp_decode(catdog, sizeof catdog, &top));
    CHECK_ERR(rlp_get_bytes(&top, &p, &n), ZK_ERR_PARSE);
    CHECK_ERR(rlp_get_uint(&top, &v), ZK_ERR_PARSE);
    zk_buf_free(&b);
}

/* Each rejection: the code, and the byte offset named in the detail. */
static void reject(const char *hex, int code, const char *where)
{
    zk_buf in;
    zk_buf_init(&in, CAP);
    CHECK_OK(zk_hex_decode_buf(&in, hex, strlen(hex)));
    rlp_item top;
    int rc = rlp_decode(in.data, in.len, &top);
    CHECK_MSG(rc == code, "%s: got %d, wanted %d", hex, rc, code);
    CHECK_MSG(strstr(zk_err_detail(), where) != NULL, "%s: detail '%s' lacks '%s'", hex,
              zk_err_detail(), where);
    zk_buf_free(&in);
}

static void test_rejections(void)
{
    reject("", ZK_ERR_PARSE, "byte 0: an item was expected");
    reject("8105", ZK_ERR_PARSE, "byte 0: the single byte 0x05");
    reject("817f", ZK_ERR_PARSE, "byte 0: the single byte 0x7f");
    reject("c3817f00", ZK_ERR_PARSE, "byte 1: the single byte 0x7f");
    reject("b80568656c6c6f", ZK_ERR_PARSE, "byte 0: long form used for a length of 5");
    reject("f80180", ZK_ERR_PARSE, "byte 0: long form used for a length of 1");
    reject("f9000100", ZK_ERR_PARSE, "byte 1: length has a leading zero byte");
    reject("83646f", ZK_ERR_PARSE, "byte 0: a payload of 3 bytes runs past the end of the input");
    reject("b8", ZK_ERR_PARSE, "byte 0: a 1-byte length runs past");
    reject("bf0102", ZK_ERR_PARSE, "byte 0: a 8-byte length runs past");
    reject("bfffffffffffffffff00", ZK_ERR_PARSE, "byte 0: a payload of 18446744073709551615");
    reject("b9ffff00", ZK_ERR_PARSE, "runs past the end of the input");
    reject("c383646f", ZK_ERR_PARSE,
           "byte 1: a payload of 3 bytes runs past the end of its "
           "enclosing list");
    reject("c0c0c0", ZK_ERR_PARSE, "byte 1: 2 trailing bytes");
    reject("8000", ZK_ERR_PARSE, "byte 1: 1 trailing bytes");
    reject("c0c0", ZK_ERR_PARSE, "byte 1: 1 trailing bytes");

    /* long forms around the 55/56 boundary, built here because they are long */
    char hex[2 * 64 + 8];
    memset(hex, '0', sizeof hex);
    memcpy(hex, "b837", 4);
    hex[4 + 2 * 55] = 0;
    reject(hex, ZK_ERR_PARSE, "byte 0: long form used for a length of 55");
    memset(hex, '0', sizeof hex);
    memcpy(hex, "b90038", 6);
    hex[6 + 2 * 56] = 0;
    reject(hex, ZK_ERR_PARSE, "byte 1: length has a leading zero byte");
    memset(hex, '0', sizeof hex);
    memcpy(hex, "b838", 4);
    hex[4 + 2 * 56] = 0;
    zk_buf ok;
    zk_buf_init(&ok, CAP);
    CHECK_OK(zk_hex_decode_buf(&ok, hex, strlen(hex)));
    CHECK(canonical_property(ok.data, ok.len));
    rlp_item t56;
    CHECK_OK(rlp_decode(ok.data, ok.len, &t56));
    CHECK_EQ(t56.len, 56);
    zk_buf_free(&ok);

    /* nesting: RLP_MAX_DEPTH levels inside the top list pass, one more does not */
    for (int depth = RLP_MAX_DEPTH; depth <= RLP_MAX_DEPTH + 1; depth++) {
        zk_buf b;
        zk_buf_init(&b, CAP);
        size_t marks[RLP_MAX_DEPTH + 2];
        for (int i = 0; i <= depth; i++)
            CHECK_OK(rlp_list_begin(&b, &marks[i]));
        for (int i = depth; i >= 0; i--)
            CHECK_OK(rlp_list_end(&b, marks[i]));
        rlp_item top;
        int rc = rlp_decode(b.data, b.len, &top);
        if (depth == RLP_MAX_DEPTH) {
            CHECK_OK(rc);
        } else {
            CHECK_EQ(rc, ZK_ERR_TOO_LARGE);
            char want[64];
            snprintf(want, sizeof want, "byte %d: lists nested deeper", depth);
            CHECK_MSG(strstr(zk_err_detail(), want) != NULL, "%s", zk_err_detail());
        }
        zk_buf_free(&b);
    }

    /* integers: leading zeros, more than 64 bits */
    rlp_item top;
    uint64_t v;
    uint8_t lead[] = {0x82, 0x00, 0x01};
    CHECK_OK(rlp_decode(lead, sizeof lead, &top));   /* a fine byte string ... */
    CHECK_ERR(rlp_get_uint(&top, &v), ZK_ERR_PARSE); /* ... but not a canonical integer */
    CHECK(strstr(zk_err_detail(), "byte 1: integer has a leading zero") != NULL);
    uint8_t zero_byte[] = {0x00};
    CHECK_OK(rlp_decode(zero_byte, 1, &top));
    CHECK_ERR(rlp_get_uint(&top, &v), ZK_ERR_PARSE);
    uint8_t nine[] = {0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK_OK(rlp_decode(nine, sizeof nine, &top));
    CHECK_ERR(rlp_get_uint(&top, &v), ZK_ERR_RANGE);
    uint8_t max[] = {0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK_OK(rlp_decode(max, sizeof max, &top));
    CHECK_OK(rlp_get_uint(&top, &v));
    CHECK(v == UINT64_MAX);
    uint8_t fixed[4];
    CHECK_ERR(rlp_get_fixed(&top, fixed, 4), ZK_ERR_PARSE);
}

static void test_encoder_caps(void)
{
    zk_buf b;
    zk_buf_init(&b, 4);
    CHECK_OK(rlp_put_bytes(&b, (const uint8_t *)"dog", 3));
    CHECK_ERR(rlp_put_bytes(&b, (const uint8_t *)"x", 1), ZK_ERR_TOO_LARGE);
    zk_buf_reset(&b);
    /* a refused append leaves the buffer as it was */
    CHECK_OK(rlp_put_bytes(&b, (const uint8_t *)"a", 1));
    CHECK_ERR(rlp_put_bytes(&b, (const uint8_t *)"dog", 3), ZK_ERR_TOO_LARGE);
    CHECK_EQ(b.len, 1);
    size_t m;
    zk_buf_reset(&b);
    CHECK_OK(rlp_list_begin(&b, &m));
    CHECK_OK(rlp_put_bytes(&b, (const uint8_t *)"dog", 3));
    CHECK_ERR(rlp_list_end(&b, m), ZK_ERR_TOO_LARGE); /* [dog] needs 5 bytes */
    CHECK_EQ(b.len, 4);
    zk_buf_free(&b);
    zk_buf_init(&b, 5);
    CHECK_OK(rlp_list_begin(&b, &m));
    CHECK_OK(rlp_put_bytes(&b, (const uint8_t *)"dog", 3));
    CHECK_ERR(rlp_list_end(&b, 99), ZK_ERR_INVALID_ARG);
    CHECK_OK(rlp_list_end(&b, m));
    CHECK_EQ(b.len, 5);
    zk_buf_free(&b);
}

/* Builds a random tree into b and returns 0 on success. */
static int random_item(zk_buf *b, int depth)
{
    uint8_t data[300];
    int kind = (int)(t_rand() % (depth >= 6 ? 3 : 4));
    if (kind == 0) {
        return rlp_put_uint(b, t_rand() >> (t_rand() % 64));
    } else if (kind <= 2) {
        size_t n = t_rand() % 4 == 0 ? t_rand() % sizeof data : t_rand() % 3;
        t_rand_bytes(data, n);
        return rlp_put_bytes(b, data, n);
    }
    size_t m;
    int rc = rlp_list_begin(b, &m);
    size_t count = t_rand() % 6;
    for (size_t i = 0; !rc && i < count; i++)
        rc = random_item(b, depth + 1);
    return rc ? rc : rlp_list_end(b, m);
}

static void test_round_trips(void)
{
    for (int iter = 0; iter < 500; iter++) {
        zk_buf b;
        zk_buf_init(&b, CAP);
        CHECK_OK(random_item(&b, 0));
        CHECK_MSG(canonical_property(b.data, b.len), "iteration %d", iter);
        rlp_item top;
        CHECK_OK(rlp_decode(b.data, b.len, &top));
        /* every truncation of a valid encoding is rejected */
        if (b.len > 0) {
            size_t cut = t_rand() % b.len;
            CHECK(rlp_decode(b.data, cut, &top) != ZK_OK);
        }
        /* random single-byte mutations: accepted only if still canonical */
        for (int k = 0; k < 20 && b.len; k++) {
            size_t i = t_rand() % b.len;
            uint8_t old = b.data[i];
            b.data[i] = (uint8_t)t_rand();
            CHECK_MSG(canonical_property(b.data, b.len), "iteration %d mutation at %zu", iter, i);
            b.data[i] = old;
        }
        zk_buf_free(&b);
    }
    for (int iter = 0; iter < 2000; iter++) {
        uint64_t v = t_rand() >> (t_rand() % 64), back = 0;
        zk_buf b;
        zk_buf_init(&b, 16);
        CHECK_OK(rlp_put_uint(&b, v));
        rlp_item top;
        CHECK_OK(rlp_decode(b.data, b.len, &top));
        CHECK_OK(rlp_get_uint(&top, &back));
        CHECK(v == back);
        zk_buf_free(&b);
    }
}

/* Every input of up to two bytes, and random short inputs. */
static void test_canonical_exhaustive(void)
{
    uint8_t in[8];
    for (unsigned x = 0; x < 256; x++) {
        in[0] = (uint8_t)x;
        CHECK_MSG(canonical_property(in, 1), "input %02x", x);
        for (unsigned y = 0; y < 256; y++) {
            in[1] = (uint8_t)y;
            CHECK_MSG(canonical_property(in, 2), "input %02x%02x", x, y);
        }
    }
    for (int iter = 0; iter < 200000; iter++) {
        size_t n = 3 + t_rand() % 6;
        t_rand_bytes(in, n);
        CHECK(canonical_property(in, n));
    }
}

int main(void)
{
    t_seed();
    test_wiki_vectors();
    test_rejections();
    test_encoder_caps();
    test_round_trips();
    test_canonical_exhaustive();
    return t_report("test_rlp");
}
