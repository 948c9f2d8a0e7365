/* Private key files: one 32-byte key as 64 hex digits, readable by its owner only.
 *
 * The read side refuses files that others could have read (the key is then no
 * longer secret) or written (it could have been swapped), and symbolic links,
 * which could point the process at a file someone else controls.
 */
#ifndef ZKGATE_COMMON_KEYFILE_H
#define ZKGATE_COMMON_KEYFILE_H

#include <stdint.h>

/* Writes key (32 bytes) as 64 lowercase hex digits and a newline to a NEW file
 * created with mode 0600 (O_CREAT|O_EXCL|O_NOFOLLOW; ZK_ERR_EXISTS if present).
 * Returns ZK_OK, ZK_ERR_EXISTS, ZK_ERR_IO (a partly written file is removed) or
 * ZK_ERR_INVALID_ARG. */
int zk_keyfile_write(const char *path, const uint8_t key[32]) __attribute__((warn_unused_result));

/* Reads a key file; refuses (ZK_ERR_PERMISSION, detail names the file and its
 * mode) a file readable or writable by group or others, or not a regular file;
 * ZK_ERR_PARSE for anything but 64 hex digits (optional 0x, optional trailing
 * newline). Wipes its buffers. Out: key, zeroed on failure. Returns also
 * ZK_ERR_NOT_FOUND (no such file) and ZK_ERR_IO. */
int zk_keyfile_read(const char *path, uint8_t key[32]) __attribute__((warn_unused_result));

#endif
