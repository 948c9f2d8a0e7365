/* Little-endian readers and writers for proof bytes (docs/PROOF.md, "Proof
 * bytes"): u32 words, field elements in canonical form, extension elements (four
 * coefficients, low degree first) and digests (eight elements).
 *
 * A writer appends to a zk_buf (whose cap bounds the proof); a reader walks a
 * borrowed buffer and never reads past its end. Both are sticky: after the first
 * failure every later call does nothing and returns the same error, so a decoder
 * can read a whole structure and check once. A reader's error says what was being
 * read and at which byte offset.
 */
#ifndef ZKGATE_VERIFIER_CODEC_H
#define ZKGATE_VERIFIER_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "verifier/kb.h"
#include "verifier/kb4.h"
#include "verifier/p2.h"

typedef struct cd_writer {
    zk_buf *out; /* borrowed: bytes are appended here */
    int err;     /* ZK_OK, or the first error (sticky) */
} cd_writer;

typedef struct cd_reader {
    const uint8_t *p; /* borrowed input */
    size_t len;       /* bytes in p */
    size_t pos;       /* next byte to read */
    int err;          /* ZK_OK, or the first error (sticky; zk_err_detail says where) */
} cd_reader;

void cd_writer_init(cd_writer *w, zk_buf *out);
void cd_put_u32(cd_writer *w, uint32_t x);
void cd_put_kb(cd_writer *w, kb x);
void cd_put_kbs(cd_writer *w, const kb *x, size_t n);
void cd_put_kb4(cd_writer *w, kb4 x);
void cd_put_kb4s(cd_writer *w, const kb4 *x, size_t n);
void cd_put_digest(cd_writer *w, const p2_digest *d);
void cd_put_digests(cd_writer *w, const p2_digest *d, size_t n);

void cd_reader_init(cd_reader *r, const uint8_t *p, size_t len);

/* Each reads one item (or n) named `what` in errors. A reader that has failed
 * returns its error at once; after a failure the outputs hold nothing usable. Errors: ZK_ERR_PARSE (the input ends
 * inside the item) or ZK_ERR_RANGE (a field element >= p). */
int cd_get_u32(cd_reader *r, uint32_t *out, const char *what);
int cd_get_kb(cd_reader *r, kb *out, const char *what);
int cd_get_kbs(cd_reader *r, kb *out, size_t n, const char *what);
int cd_get_kb4(cd_reader *r, kb4 *out, const char *what);
int cd_get_kb4s(cd_reader *r, kb4 *out, size_t n, const char *what);
int cd_get_digest(cd_reader *r, p2_digest *out, const char *what);
int cd_get_digests(cd_reader *r, p2_digest *out, size_t n, const char *what);

/* Reads a u32 count and checks it is at most max (so a caller may allocate it).
 * Errors as above, or ZK_ERR_TOO_LARGE naming what and the limit. */
int cd_get_count(cd_reader *r, uint32_t *out, uint32_t max, const char *what);

/* Returns: ZK_OK when every byte was consumed (and nothing failed), else the
 * reader's error or ZK_ERR_PARSE ("N trailing bytes"). */
int cd_reader_finish(cd_reader *r);

/* Returns: the bytes not yet read. */
size_t cd_remaining(const cd_reader *r);

#endif
