/* The Ethereum contract ABI (Solidity ABI specification) for the few types that
 * the chain node's system addresses take: uint64, uint256, address, bytes32,
 * bool and dynamic bytes.
 *
 * Arguments are encoded as a head of one 32-byte big-endian word per argument
 * followed by the tails of the dynamic ones. Static values are left-padded with
 * zeros; a bytes argument's head word is the offset of its tail from the start
 * of the arguments, and its tail is a length word followed by the data
 * right-padded with zeros to a multiple of 32 bytes. A call is the 4-byte
 * selector followed by the arguments; abi_encode and abi_decode handle the
 * arguments only.
 *
 * Decoding is strict: only the canonical encoding (the one abi_encode writes)
 * is accepted, so that one call has exactly one byte string and nothing (a hash
 * of the calldata, a replay check, a log) can be told two different stories
 * about it.
 */
#ifndef ZKGATE_CHAINS_ABI_H
#define ZKGATE_CHAINS_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "chains/tx.h"
#include "common/bytes.h"

/* The most arguments one call may have. */
#define ABI_MAX_ARGS 8

/* The argument types understood. The values are not part of any wire format. */
typedef enum abi_type {
    ABI_UINT64 = 1,
    ABI_UINT256,
    ABI_ADDRESS,
    ABI_BYTES32,
    ABI_BOOL,
    ABI_BYTES
} abi_type;

/* One argument. Only the field(s) named for its type are read (encode) or set
 * (decode; the others are zero). */
typedef struct abi_value {
    abi_type type;
    uint64_t u64;         /* ABI_UINT64, ABI_BOOL (0/1) */
    u256 u256;            /* ABI_UINT256 */
    uint8_t addr[20];     /* ABI_ADDRESS */
    uint8_t b32[32];      /* ABI_BYTES32 */
    const uint8_t *bytes; /* ABI_BYTES: points into the decoded buffer (decode) or the caller's
                             data (encode); NULL when decoded with bytes_len 0 */
    size_t bytes_len;     /* ABI_BYTES: length of bytes */
} abi_value;

/* out = first 4 bytes of Keccak-256 of the canonical signature, e.g.
 * "transfer(uint64,bytes32,address,uint256)".
 * Args: signature: a NUL-terminated string (not NULL), hashed as given: no spaces,
 *       canonical type names ("uint256", never "uint"). */
void abi_selector(uint8_t out[4], const char *signature);

/* Decodes the arguments (data WITHOUT the 4-byte selector) of types[0..n) strictly:
 * the exact canonical encoding only, so one call has one byte string. Rejects with
 * ZK_ERR_PARSE and a detail naming the argument index and what is wrong: data shorter
 * than the head; uint64 / address / bool words whose padding bytes are not zero, bool
 * other than 0/1; a bytes offset that is not the canonical one (the end of the head
 * for the first dynamic argument, right after the previous tail for later ones),
 * a length that runs past the data, nonzero padding after the bytes, trailing data
 * after the last tail; ZK_ERR_TOO_LARGE when a bytes argument is longer than max_bytes.
 * n <= ABI_MAX_ARGS else ZK_ERR_INVALID_ARG.
 * Returns: ZK_OK, ZK_ERR_PARSE, ZK_ERR_TOO_LARGE, or ZK_ERR_INVALID_ARG (n too large,
 *          a type not in abi_type, NULL pointers). out is written only on ZK_OK.
 * Out:  out[0..n): the values; a bytes value points into data, so it lives as long
 *       as data does.
 * In:   types[0..n): the expected types; data, len: the arguments (data may be NULL
 *       when len is 0); max_bytes: the longest bytes argument accepted. */
int abi_decode(abi_value *out, const abi_type *types, size_t n, const uint8_t *data, size_t len,
               size_t max_bytes) __attribute__((warn_unused_result));

/* Appends the canonical encoding of v[0..n) (no selector) to out (its cap bounds it).
 * Returns ZK_OK, ZK_ERR_INVALID_ARG, or zk_buf_append's errors. ZK_ERR_INVALID_ARG:
 * n > ABI_MAX_ARGS, an unknown type, a bool other than 0/1, or bytes NULL with
 * bytes_len > 0. On any error out is left as it was.
 * In/Out: out: the buffer appended to.
 * In:     v[0..n): the values. */
int abi_encode(zk_buf *out, const abi_value *v, size_t n) __attribute__((warn_unused_result));

#endif
