/* RLP, the Recursive Length Prefix encoding of Ethereum (Yellow Paper, appendix B).
 *
 * Encoding appends to a zk_buf, whose cap bounds the output. A list is built in
 * place: rlp_list_begin remembers where its payload starts, items are appended,
 * and rlp_list_end inserts the header once the payload length is known.
 *
 * Decoding is strict: rlp_decode accepts exactly one canonical item spanning the
 * whole input and checks every nested item before it returns, so the iteration and
 * getters below never meet malformed data. Rejected: a single byte < 0x80 wrapped
 * as a one-byte string, the long form for a length <= 55, lengths with leading
 * zero bytes, items that run past their buffer or list, trailing bytes, and
 * nesting deeper than RLP_MAX_DEPTH. rlp_get_uint also rejects leading zero bytes.
 * Error details name the byte offset in the decoded buffer.
 */
#ifndef ZKGATE_COMMON_RLP_H
#define ZKGATE_COMMON_RLP_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"

/* The deepest nesting rlp_decode accepts: the top item is depth 0, so a list
 * inside a list inside the top list is depth 2. */
#define RLP_MAX_DEPTH 32

/* Appends the encoding of the byte string p[0..n); p must not point into b, whose
 * memory may move. Returns ZK_OK or the errors of zk_buf_append (ZK_ERR_TOO_LARGE
 * at the cap, ZK_ERR_NOMEM), leaving b unchanged on error. */
int rlp_put_bytes(zk_buf *b, const uint8_t *p, size_t n) __attribute__((warn_unused_result));

/* Appends v as a minimal big-endian byte string (0 is the empty string). Returns
 * as rlp_put_bytes. */
int rlp_put_uint(zk_buf *b, uint64_t v) __attribute__((warn_unused_result));

/* Appends bytes that already are one complete RLP item (not checked). Returns as
 * rlp_put_bytes. */
int rlp_put_raw(zk_buf *b, const uint8_t *p, size_t n) __attribute__((warn_unused_result));

/* Starts a list: *mark records where its payload begins. Lists nest; close them in
 * reverse order. Returns ZK_OK. */
int rlp_list_begin(zk_buf *b, size_t *mark) __attribute__((warn_unused_result));

/* Ends the list started at mark, inserting its header before the payload. Returns
 * ZK_OK, ZK_ERR_INVALID_ARG (mark past the end of b) or the errors of
 * zk_buf_reserve. */
int rlp_list_end(zk_buf *b, size_t mark) __attribute__((warn_unused_result));

/* One decoded item: a view into the buffer given to rlp_decode, which must stay
 * alive and unchanged while the item is used. */
typedef struct rlp_item {
    const uint8_t *base; /* the whole decoded buffer, for offsets in errors */
    size_t off;          /* offset of the payload in base */
    size_t len;          /* payload length in bytes */
    size_t hdr_off;      /* offset of the item's first (prefix) byte in base */
    int is_list;         /* 1 list, 0 byte string */
    unsigned depth;      /* 0 for the top item */
} rlp_item;

/* Walks the items of a list in order. */
typedef struct rlp_iter {
    const uint8_t *base; /* as in rlp_item */
    size_t pos;          /* offset of the next item */
    size_t end;          /* offset just past the list's payload */
    unsigned depth;      /* depth of the items returned */
} rlp_iter;

/* Decodes buf[0..len) as exactly one item and checks all of it. Returns ZK_OK, or
 * ZK_ERR_PARSE with a detail naming the byte offset and the rule broken, or
 * ZK_ERR_TOO_LARGE for nesting deeper than RLP_MAX_DEPTH. */
int rlp_decode(const uint8_t *buf, size_t len, rlp_item *out) __attribute__((warn_unused_result));

/* Starts iterating over list. Returns ZK_OK or ZK_ERR_PARSE (list is a string). */
int rlp_iter_init(rlp_iter *it, const rlp_item *list) __attribute__((warn_unused_result));

/* Returns 1 and sets *item to the next item, or 0 at the end of the list. The
 * list must come from rlp_decode, which has already checked every item. */
int rlp_iter_next(rlp_iter *it, rlp_item *item);

/* Returns the number of items in list (0 for a string). */
size_t rlp_list_count(const rlp_item *list);

/* Gives the payload of a byte-string item. Returns ZK_OK or ZK_ERR_PARSE (a list). */
int rlp_get_bytes(const rlp_item *item, const uint8_t **p, size_t *n)
    __attribute__((warn_unused_result));

/* Reads a byte-string item as an unsigned integer. Returns ZK_OK, ZK_ERR_PARSE (a
 * list, or a leading zero byte) or ZK_ERR_RANGE (more than 8 bytes). */
int rlp_get_uint(const rlp_item *item, uint64_t *v) __attribute__((warn_unused_result));

/* Copies a byte-string item of exactly n bytes (a hash, an address) to out.
 * Returns ZK_OK or ZK_ERR_PARSE (a list or another length). */
int rlp_get_fixed(const rlp_item *item, uint8_t *out, size_t n) __attribute__((warn_unused_result));

#endif
