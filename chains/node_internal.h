/* Internals shared by the node's source files (node.c: pool, sequencer, Ethereum
 * methods; node_msg.c: the zkgate methods). Not a public header. */
#ifndef ZKGATE_CHAINS_NODE_INTERNAL_H
#define ZKGATE_CHAINS_NODE_INTERNAL_H

#include <stdint.h>

#include "chains/ledger.h"
#include "chains/node.h"
#include "common/rpc_server.h"

/* Takes / releases the ledger's lock; the ledger may be used in between. */
ledger *node_ledger_lock(node *n);
void node_ledger_unlock(node *n);
/* Returns: blocks per batch (>= 1); nonzero when the chain is public. */
uint64_t node_batch_blocks(const node *n);
int node_is_public(const node *n);
/* Registers chain_* methods (node_msg.c). */
int node_register_chain_rpc(node *n, rpcs_server *srv) __attribute__((warn_unused_result));

#endif
