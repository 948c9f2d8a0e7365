/* Unit tests for common/error and common/bytes. */
#include "common/bytes.h"
#include "common/error.h"
#include "tests/test.h"

static void test_error(void)
{
    CHECK(strcmp(zk_strerror(ZK_OK), "success") == 0);
    CHECK(strcmp(zk_errname(ZK_ERR_PARSE), "ZK_ERR_PARSE") == 0);
    CHECK(strcmp(zk_strerror(-1), "unknown error") == 0);
    CHECK(strcmp(zk_strerror(ZK_ERR__COUNT), "unknown error") == 0);
    /* every code has a name and a text */
    for (int i = 0; i < ZK_ERR__COUNT; i++) {
        CHECK(strcmp(zk_strerror(i), "unknown error") != 0);
        CHECK(strcmp(zk_errname(i), "ZK_ERR_UNKNOWN") != 0);
    }
    /* values are part of the interface: spot-check that none moved */
    CHECK_EQ(ZK_ERR_NOMEM, 1);
    CHECK_EQ(ZK_ERR_PROOF, 17);
    CHECK_EQ(ZK_ERR_BUSY, 24);

    zk_err_clear();
    CHECK(strcmp(zk_err_detail(), "") == 0);
    CHECK_EQ(zk_err_set(ZK_ERR_RANGE, "value %d too big", 7), ZK_ERR_RANGE);
    CHECK(strcmp(zk_err_detail(), "value 7 too big") == 0);
    CHECK_EQ(zk_err_wrap(ZK_ERR_CONFIG, "%s: ", "x.json"), ZK_ERR_CONFIG);
    CHECK(strcmp(zk_err_detail(), "x.json: value 7 too big") == 0);
    zk_err_set(ZK_ERR_IO, NULL);
    CHECK(strcmp(zk_err_detail(), "input/output error") == 0);
    /* a long detail is truncated, not overflowed */
    char big[2000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    zk_err_set(ZK_ERR_PARSE, "%s", big);
    CHECK(strlen(zk_err_detail()) < 512);
}

static void test_buf(void)
{
    zk_buf b;
    zk_buf_init(&b, 10);
    CHECK_OK(zk_buf_append(&b, "hello", 5));
    CHECK_OK(zk_buf_puts(&b, "world"));
    CHECK_EQ(b.len, 10);
    CHECK(memcmp(b.data, "helloworld", 10) == 0);
    CHECK_ERR(zk_buf_push(&b, '!'), ZK_ERR_TOO_LARGE);
    CHECK_EQ(b.len, 10); /* unchanged after a refused append */
    zk_buf_reset(&b);
    CHECK_OK(zk_buf_printf(&b, "%d-%s", 42, "x"));
    CHECK(strcmp((char *)b.data, "42-x") == 0);
    CHECK_ERR(zk_buf_printf(&b, "%s", "0123456789"), ZK_ERR_TOO_LARGE);
    zk_buf_free(&b);
    zk_buf_free(NULL);

    zk_buf z = {0};
    CHECK_ERR(zk_buf_push(&z, 1), ZK_ERR_TOO_LARGE);
    /* a cap near SIZE_MAX never overflows the size arithmetic */
    zk_buf h;
    zk_buf_init(&h, SIZE_MAX);
    CHECK_OK(zk_buf_push(&h, 1));
    CHECK(zk_buf_reserve(&h, SIZE_MAX) != ZK_OK);
    zk_buf_free_secret(&h);
}

static void test_hex(void)
{
    uint8_t out[4];
    char txt[16];
    const uint8_t v[4] = {0xde, 0xad, 0xbe, 0xef};
    zk_hex_encode(txt, v, 4, 1);
    CHECK(strcmp(txt, "0xdeadbeef") == 0);
    zk_hex_encode(txt, v, 4, 0);
    CHECK(strcmp(txt, "deadbeef") == 0);
    CHECK_OK(zk_hex_decode_exact(out, 4, "0xDEADbeef", 10));
    CHECK_MEM(out, v, 4);
    CHECK_OK(zk_hex_decode_exact(out, 4, "deadbeef", 8));
    CHECK_ERR(zk_hex_decode_exact(out, 4, "deadbee", 7), ZK_ERR_PARSE);
    CHECK_ERR(zk_hex_decode_exact(out, 4, "deadbeefaa", 10), ZK_ERR_PARSE);
    CHECK_ERR(zk_hex_decode_exact(out, 4, "deadbeeg", 8), ZK_ERR_PARSE);
    CHECK(strstr(zk_err_detail(), "position 7") != NULL);
    CHECK_ERR(zk_hex_decode_exact(out, 4, "0x0xdead", 8), ZK_ERR_PARSE);
    CHECK_OK(zk_hex_decode_exact(out, 0, "0x", 2));
    zk_buf b;
    zk_buf_init(&b, 3);
    CHECK_OK(zk_hex_decode_buf(&b, "0x0102", 6));
    CHECK_EQ(b.len, 2);
    CHECK_ERR(zk_hex_decode_buf(&b, "0304", 4), ZK_ERR_TOO_LARGE);
    zk_buf_free(&b);
    /* random round trips */
    for (int i = 0; i < 200; i++) {
        uint8_t r[33], back[33];
        char t[70];
        size_t n = t_rand() % 34;
        t_rand_bytes(r, n);
        zk_hex_encode(t, r, n, (int)(i & 1));
        CHECK_OK(zk_hex_decode_exact(back, n, t, strlen(t)));
        CHECK_MEM(back, r, n);
    }
}

static void test_endian(void)
{
    uint8_t b[8];
    zk_store_le64(b, 0x0102030405060708ull);
    CHECK_EQ(b[0], 8);
    CHECK(zk_load_le64(b) == 0x0102030405060708ull);
    zk_store_be64(b, 0x0102030405060708ull);
    CHECK_EQ(b[0], 1);
    CHECK(zk_load_be64(b) == 0x0102030405060708ull);
}

int main(void)
{
    t_seed();
    test_error();
    test_buf();
    test_hex();
    test_endian();
    return t_report("test_error_bytes");
}
