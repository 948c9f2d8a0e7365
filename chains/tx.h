/* Ethereum transactions as wallets and tools send them: legacy transactions with
 * EIP-155 replay protection and EIP-1559 (type 2) transactions. Decoding is strict
 * (canonical RLP, every field's width checked, low-s signatures only) and recovers
 * the sender with secp256k1; encoding and signing exist for tests, load generators
 * and the devnet's own accounts.
 *
 * Error details use the messages Ethereum clients give for the same faults
 * ("invalid chain id for signer", "transaction type not supported", "invalid
 * sender", ...), so a wallet shows its user something familiar.
 */
#ifndef ZKGATE_CHAINS_TX_H
#define ZKGATE_CHAINS_TX_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"

/* The largest raw transaction accepted (geth's default pool limit is 128 KiB). */
#define TX_MAX_RAW (128u * 1024u)
/* The most access-list entries and storage keys per entry accepted. */
#define TX_MAX_ACCESS_ENTRIES 256
#define TX_MAX_STORAGE_KEYS   256

typedef enum tx_type {
    TX_LEGACY = 0,  /* rlp([nonce, gasPrice, gas, to, value, data, v, r, s]), EIP-155 v */
    TX_EIP1559 = 2, /* 0x02 || rlp([chainId, nonce, tip, feeCap, gas, to, value, data,
                       accessList, yParity, r, s]) */
} tx_type;

/* A 256-bit unsigned integer, big-endian, as Ethereum encodes quantities. */
typedef struct u256 {
    uint8_t b[32];
} u256;

/* A decoded transaction. data points into the raw buffer given to tx_decode (it
 * stays valid while that buffer does). */
typedef struct eth_tx {
    tx_type type;
    uint64_t chain_id; /* from the body (type 2) or from v (legacy, EIP-155) */
    uint64_t nonce;
    u256 gas_price;        /* legacy: gasPrice; type 2: maxFeePerGas */
    u256 max_priority_fee; /* type 2 only; legacy: equal to gas_price */
    uint64_t gas_limit;
    int has_to; /* 0: contract creation */
    uint8_t to[20];
    u256 value;
    const uint8_t *data; /* calldata, borrowed */
    size_t data_len;
    size_t access_entries; /* type 2: access-list entries (checked, not used) */
    uint8_t y_parity;      /* 0 or 1 */
    uint8_t r[32], s[32];
    uint8_t signing_hash[32]; /* what the sender signed */
    uint8_t hash[32];         /* the transaction hash: Keccak-256 of the raw bytes */
    uint8_t sender[20];       /* recovered */
} eth_tx;

/* Decodes and checks raw (as eth_sendRawTransaction receives it) and recovers the
 * sender. Pre-EIP-155 legacy transactions (v = 27/28) are refused: they can be
 * replayed on any chain.
 * Returns: ZK_OK; ZK_ERR_TOO_LARGE ("oversized data"); ZK_ERR_PARSE (non-canonical
 * RLP or a malformed field: the detail names the field); ZK_ERR_UNSUPPORTED
 * ("transaction type not supported", or unprotected legacy);
 * ZK_ERR_SIGNATURE ("invalid sender": bad r, s, v, high s, or no key recovers). */
int tx_decode(const uint8_t *raw, size_t len, eth_tx *out) __attribute__((warn_unused_result));

/* What tx_sign fills in. */
typedef struct tx_fields {
    tx_type type;
    uint64_t chain_id;
    uint64_t nonce;
    uint64_t gas_price;        /* legacy gasPrice, or type 2 maxFeePerGas */
    uint64_t max_priority_fee; /* type 2 */
    uint64_t gas_limit;
    int has_to;
    uint8_t to[20];
    u256 value;
    const uint8_t *data;
    size_t data_len;
} tx_fields;

/* Encodes f, signs it with priv and appends the raw transaction to out.
 * Returns: ZK_OK, ZK_ERR_INVALID_ARG (type), ZK_ERR_RANGE (key), or the errors of
 * zk_buf_append. */
int tx_sign(const tx_fields *f, const uint8_t priv[32], zk_buf *out)
    __attribute__((warn_unused_result));

/* u256 helpers. */
void u256_from_u64(u256 *out, uint64_t v);
/* Returns: 1 and *v when x fits in 64 bits, else 0. */
int u256_to_u64(const u256 *x, uint64_t *v);
/* Returns: -1, 0 or 1 as a <, ==, > b. */
int u256_cmp(const u256 *a, const u256 *b);
/* Parses a decimal number or 0x-prefixed hex (at most 256 bits, no sign, no
 * spaces). Returns: ZK_OK or ZK_ERR_PARSE / ZK_ERR_RANGE naming the problem. */
int u256_parse(const char *s, u256 *out) __attribute__((warn_unused_result));
/* Writes x as an Ethereum quantity ("0x0", "0x1f", no leading zeros) to out
 * (67 bytes). */
void u256_to_quantity(const u256 *x, char out[67]);

#endif
