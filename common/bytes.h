/* Byte buffers with a hard cap, and hex encoding.
 *
 * Every growable buffer in zkgate is a zk_buf with a cap fixed when it is set up;
 * an append that would pass the cap fails with ZK_ERR_TOO_LARGE and leaves the
 * buffer as it was. Hex decoding is strict: an optional "0x"/"0X" prefix, an even
 * number of hex digits, nothing else.
 */
#ifndef ZKGATE_COMMON_BYTES_H
#define ZKGATE_COMMON_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer. Zero-initialised ({0}) it is empty with no cap (and
 * cannot grow); use zk_buf_init to give it a cap. */
typedef struct zk_buf {
    uint8_t *data; /* owned; NULL while empty */
    size_t len;    /* bytes in use */
    size_t alloc;  /* bytes allocated */
    size_t cap;    /* the most len may ever be */
} zk_buf;

/* Sets up an empty buffer that may grow to cap bytes. Allocates nothing. */
void zk_buf_init(zk_buf *b, size_t cap);

/* Frees the memory and leaves an empty buffer with the same cap. NULL is fine. */
void zk_buf_free(zk_buf *b);

/* Like zk_buf_free, but overwrites the contents first (for secrets). */
void zk_buf_free_secret(zk_buf *b);

/* Ensures room for extra more bytes. Returns ZK_OK, ZK_ERR_TOO_LARGE (cap) or
 * ZK_ERR_NOMEM. */
int zk_buf_reserve(zk_buf *b, size_t extra) __attribute__((warn_unused_result));

/* Appends n bytes. Returns as zk_buf_reserve. */
int zk_buf_append(zk_buf *b, const void *p, size_t n) __attribute__((warn_unused_result));

/* Appends one byte. */
int zk_buf_push(zk_buf *b, uint8_t c) __attribute__((warn_unused_result));

/* Appends a NUL-terminated string without its NUL. */
int zk_buf_puts(zk_buf *b, const char *s) __attribute__((warn_unused_result));

/* Appends printf-formatted text (not NUL-terminated in len, but a NUL follows
 * data[len] when there is room). */
int zk_buf_printf(zk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)))
__attribute__((warn_unused_result));

/* Empties the buffer but keeps its memory. */
void zk_buf_reset(zk_buf *b);

/* Writes 2*n lowercase hex digits and a NUL to out (out must hold 2*n+1 bytes).
 * With prefix, "0x" is written first (out must hold 2*n+3). */
void zk_hex_encode(char *out, const uint8_t *p, size_t n, int prefix);

/* Decodes hex text of text_len chars (an optional 0x prefix) into exactly out_len
 * bytes. Returns ZK_OK, or ZK_ERR_PARSE with a detail naming the bad position or a
 * wrong length. */
int zk_hex_decode_exact(uint8_t *out, size_t out_len, const char *text, size_t text_len)
    __attribute__((warn_unused_result));

/* Decodes hex text of any even length into b (appending). Returns ZK_OK,
 * ZK_ERR_PARSE or the errors of zk_buf_append. */
int zk_hex_decode_buf(zk_buf *b, const char *text, size_t text_len)
    __attribute__((warn_unused_result));

/* Reads a whole file into b, which caps its size. Returns ZK_OK, ZK_ERR_IO,
 * ZK_ERR_TOO_LARGE (the file is larger than the cap) or ZK_ERR_NOMEM. */
int zk_read_file(zk_buf *b, const char *path) __attribute__((warn_unused_result));

/* Little- and big-endian loads and stores. */
static inline uint32_t zk_load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t zk_load_le64(const uint8_t *p)
{
    return (uint64_t)zk_load_le32(p) | (uint64_t)zk_load_le32(p + 4) << 32;
}
static inline void zk_store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void zk_store_le64(uint8_t *p, uint64_t v)
{
    zk_store_le32(p, (uint32_t)v);
    zk_store_le32(p + 4, (uint32_t)(v >> 32));
}
static inline uint64_t zk_load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}
static inline void zk_store_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

#endif
