/* Internals shared by the node's source files (node.c: pool, sequencer, Ethereum
 * methods; node_msg.c: the zkgate methods). Not a public header. */
#ifndef ZKGATE_CHAINS_NODE_INTERNAL_H
#define ZKGATE_CHAINS_NODE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "chains/ledger.h"
#include "chains/node.h"
#include "common/rpc_server.h"

/* Takes / releases the ledger's lock; the ledger may be used in between. */
ledger *node_ledger_lock(node *n);
void node_ledger_unlock(node *n);
/* Returns: blocks per batch (>= 1); nonzero when the chain is public. */
uint64_t node_batch_blocks(const node *n);
int node_is_public(const node *n);
/* The chain key (node_config.chain_key) and its uncompressed public key; NULL
 * when the node has none. */
const uint8_t *node_chain_sk(const node *n);
const uint8_t *node_chain_pub(const node *n);
/* node_private.c: chain_getPublicKey. */
int node_register_private_rpc(node *n, rpcs_server *srv) __attribute__((warn_unused_result));
/* node_private.c: the message of an import given as {"envelope", "sequence"?,
 * "leaf"?} beside its proofs (im's exit and interop fields already parsed): fills
 * im->msg and the payload (into buf) from the envelope opened with the chain key.
 * Returns: ZK_OK; ZK_ERR_PARSE with why (a malformed parameter: the whole call
 * fails); a rejection of this message alone: *rejected = 1 with reason. */
int node_open_import(node *n, const json_t *o, ledger_import *im, zk_buf *buf, char *why, size_t wl,
                     int *rejected, char *reason, size_t rl) __attribute__((warn_unused_result));
/* JSON answers (node.c): a hex quantity; 0x and 2n hex digits (NULL when out of
 * memory); sets key to a new reference val, -1 when val is NULL. */
json_t *j_qty(uint64_t v);
json_t *j_hex(const uint8_t *p, size_t n);
int jset(json_t *o, const char *key, json_t *val);
/* Registers chain_* methods (node_msg.c). */
int node_register_chain_rpc(node *n, rpcs_server *srv) __attribute__((warn_unused_result));

#endif
