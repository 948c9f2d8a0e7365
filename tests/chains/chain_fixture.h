/* What the ledger tests of tests/chains share: test accounts and their genesis,
 * u256 <-> u128, account reads, signed transactions and system calls, stores in a
 * temporary folder, and imports proven through an interop tree made with
 * chains/interop.h.
 *
 * Linked into a test as a second source (zk_test(... SOURCES test_x.c
 * chain_fixture.c ...)). Its CHECKs count in the test's report: the test defines
 * T_SHARED_MAIN before including tests/test.h (see there), this file's .c defines
 * T_SHARED. Each function says what it CHECKs; a CHECK that fails is counted and
 * the function goes on, as in the test itself. Misuse by the test (too many keys or
 * records) is not a check: it prints why and exits 1.
 */
#ifndef ZKGATE_TESTS_CHAINS_CHAIN_FIXTURE_H
#define ZKGATE_TESTS_CHAINS_CHAIN_FIXTURE_H

#if !defined(T_SHARED_MAIN) && !defined(T_SHARED)
#error "define T_SHARED_MAIN (in the test) or T_SHARED (in the fixture) before tests/test.h"
#endif

#include <stddef.h>
#include <stdint.h>

#include "chains/ledger.h"
#include "chains/smt.h"
#include "chains/state.h"
#include "chains/tx.h"
#include "common/bytes.h"
#include "verifier/p2.h"

typedef unsigned __int128 u128;

#define BASE_FEE       7u          /* every genesis here; sign_tx's fee cap */
#define TS0            1700000000u /* genesis(): the timestamp of block 0 */
#define GAS            400000u     /* one_tx's gas limit: enough for any system call */
#define FX_MAX_KEYS    8u          /* make_accounts' n at most */
#define FX_MAX_RECORDS 4u          /* itree_build's n at most */

/* ---- accounts ---- */

/* The test accounts: keys[i] (secp256k1 secret), addrs[i] (its address) and
 * allocs[i] (the address and its genesis balance) for i < make_accounts' n. The
 * entries past n are the test's to use (test_ledger adds a dev account at n). */
extern uint8_t keys[FX_MAX_KEYS][32];
extern uint8_t addrs[FX_MAX_KEYS][20];
extern ledger_alloc allocs[FX_MAX_KEYS];

/* Draws n random valid keys from the test's generator, in order, and gives key i
 * the balance 2^80 plus rand_bits random bits (0: none drawn; up to 64 from one
 * draw; 65 to 128 from two, the first one high). CHECKs eth_address_from_priv for
 * each key. Returns: the sum of the n balances. */
u128 make_accounts(size_t n, unsigned rand_bits);

/* The low 128 bits of v (callers check the high ones where it matters). */
u128 u128_of(const u256 *v);

/* out = v, big-endian in the low 16 bytes. */
void u256_of(u256 *out, u128 v);

/* a's balance on l. CHECKs that ledger_account succeeds and writes a balance
 * below 2^128 (17 checks). */
u128 balance(ledger *l, const uint8_t a[20]);

/* a's nonce on l. CHECKs that ledger_account succeeds. */
uint64_t nonce_of(ledger *l, const uint8_t a[20]);

/* Returns: 1 when a and b are the same digest, else 0. */
int dig_eq(const p2_digest *a, const p2_digest *b);

/* ---- ledgers ---- */

/* The genesis of chain: allocs[0..n) of make_accounts, BASE_FEE, TS0, and the
 * operator address of 20 bytes (chain & 0xff) | 1. alloc points at allocs. */
ledger_genesis genesis(uint64_t chain);

/* Opens genesis(chain) in memory (path NULL) or at path. CHECKs ledger_open;
 * exits 1 when there is no ledger to test. The caller frees it (ledger_free). */
ledger *open_chain(uint64_t chain, const char *path);

/* What a ledger must show again after a reopen or a replay. */
typedef struct head_snap {
    uint64_t head;      /* ledger_head */
    uint8_t root[32];   /* ledger_state_root */
    ledger_block block; /* the head block */
} head_snap;

/* Takes l's snapshot. CHECKs ledger_block_by_number of the head. */
void snap_head(head_snap *s, ledger *l);

/* CHECKs that l shows s again: the same head, state root and head block (4
 * checks). */
void check_head(ledger *l, const head_snap *s);

/* ---- transactions ---- */

/* A signed transaction: raw (owned, free with zk_buf_free) and its decoding,
 * which borrows raw. */
typedef struct stx {
    zk_buf raw; /* the signed bytes */
    eth_tx tx;  /* tx_decode of raw */
} stx;

/* Signs f with keys[key] into s (s->raw is initialised here: the caller frees
 * it). CHECKs tx_sign and tx_decode. */
void sign(stx *s, int key, const tx_fields *f);

/* sign() of a type 2 transaction at fee cap BASE_FEE with no tip (its price is
 * the base fee): chain, nonce, gas limit, to, value, and data[0..len) (borrowed
 * while signing). */
void sign_tx(stx *s, int key, uint64_t chain, uint64_t nonce, uint64_t gas, const uint8_t to[20],
             u128 value, const uint8_t *data, size_t len);

/* The block item of s (it borrows s). */
ledger_item item(const stx *s);

/* ledger_apply_block of it[0..n) at timestamp TS0 + head + 1.
 * Returns: its code (callers CHECK it). */
int apply(ledger *l, const ledger_item *it, size_t n, ledger_tx_result *res, ledger_block *b);

/* One transaction from keys[key] in a block of its own on l: next nonce, GAS, to,
 * value, and data (NULL: none). CHECKs nonce_of, sign_tx and apply. keep (or
 * NULL) receives the signed transaction, which the caller then frees; otherwise
 * it is freed here. Returns: its result ({-1, "unset", NULL} if the block was
 * not applied). */
ledger_tx_result one_tx(ledger *l, int key, const uint8_t to[20], u128 value, const zk_buf *data,
                        stx *keep);

/* Appends the 4-byte ABI selector of sig to d. CHECKs the append. */
void put_sel(zk_buf *d, const char *sig);

/* The calldata of the OUTBOX's send(dest, rcp, origin, token (NULL: zero),
 * amount, payload[0..plen)) into d, which is initialised here (the caller frees
 * it). CHECKs the selector's append and abi_encode. */
void send_call(zk_buf *d, uint64_t dest, const uint8_t rcp[20], uint64_t origin,
               const uint8_t *token, u128 amount, const uint8_t *payload, size_t plen);

/* ---- stores on disk ---- */

/* A fresh folder and the name of a store in it (the file is not made here). */
typedef struct tmp_store {
    char dir[64];   /* /tmp/zk_test_<tag>_XXXXXX, made by mkdtemp */
    char path[300]; /* dir/file */
} tmp_store;

/* Makes the folder for tag (a word) and names file in it. CHECKs mkdtemp. */
void mk_store(tmp_store *s, const char *tag, const char *file);

/* Runs sql on the SQLite file at path (to tamper with a store, or to make an old
 * one). CHECKs that it opens and that sql succeeds. Returns: the rows the last
 * statement changed. */
int store_sql(const char *path, const char *sql);

/* Removes s->path with its -wal and -shm files, then the folder (which must hold
 * nothing else by then). Checks nothing: what is not there is fine. */
void rm_store(const tmp_store *s);

/* ---- interop trees and imports ---- */

/* An interop tree of records as the gateway would build it (interop_build). */
typedef struct itree {
    size_t n;                                  /* records */
    st_interop rec[FX_MAX_RECORDS];            /* record i at index i */
    p2_digest root;                            /* the tree's root */
    p2_digest path[FX_MAX_RECORDS][SMT_DEPTH]; /* record i's path under root */
} itree;

/* Builds the tree of recs[0..n) into t (zeroed first). CHECKs interop_build. */
void itree_build(itree *t, const st_interop *recs, size_t n);

/* Points im at record i of t: its record, index, path and the root. */
void itree_place(ledger_import *im, const itree *t, size_t i);

/* The interop record of l in state s (read by the caller, and checked as it
 * likes): l's chain, s's exit root, exit count and commitment, and batch. */
st_interop record_of(ledger *l, const ledger_state *s, uint64_t batch);

/* An import and the payload it points to (owned: free with zk_buf_free). */
typedef struct imp {
    ledger_import im; /* im.payload points into payload */
    zk_buf payload;   /* the message's payload */
} imp;

/* The import of the message src sent at exit index, as recorded by src (message,
 * payload, exit path), proven by record ii of t. m->payload is initialised here.
 * CHECKs ledger_sent_message. */
void imp_from_ledger(imp *m, ledger *src, uint64_t index, const itree *t, size_t ii);

/* imp_from_ledger proven by a tree of rec alone (at index 0). CHECKs interop_build
 * and ledger_sent_message. */
void imp_alone(imp *m, ledger *src, uint64_t index, const st_interop *rec);

#endif
