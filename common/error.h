/* One error enum for all of zkgate, and a per-thread detail string.
 *
 * Zero is success. The numeric values are part of the project's interface (they
 * appear in logs, exit codes and JSON-RPC error data) and are never renumbered:
 * new codes are appended before ZK_ERR__COUNT.
 *
 * A function that fails returns a code and, where it knows more, records a detail
 * with zk_err_set() that says what was wrong and where ("config.json: key
 * 'rpc.port': expected an integer"). Details never contain secrets.
 */
#ifndef ZKGATE_COMMON_ERROR_H
#define ZKGATE_COMMON_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum zk_err {
    ZK_OK = 0,
    ZK_ERR_NOMEM = 1,        /* an allocation failed */
    ZK_ERR_INVALID_ARG = 2,  /* a caller passed something the API does not accept */
    ZK_ERR_PARSE = 3,        /* input is not well formed (JSON, hex, RLP, ...) */
    ZK_ERR_RANGE = 4,        /* a value is out of its allowed range */
    ZK_ERR_TOO_LARGE = 5,    /* a size exceeds a cap */
    ZK_ERR_IO = 6,           /* a file or socket operation failed */
    ZK_ERR_NOT_FOUND = 7,    /* the thing asked for does not exist */
    ZK_ERR_EXISTS = 8,       /* the thing to create already exists */
    ZK_ERR_PERMISSION = 9,   /* file permissions or authorization refused */
    ZK_ERR_CONFIG = 10,      /* a configuration file or flag is wrong */
    ZK_ERR_CRYPTO = 11,      /* a cryptographic library call failed */
    ZK_ERR_SIGNATURE = 12,   /* a signature is invalid or does not recover */
    ZK_ERR_DB = 13,          /* the SQLite store failed */
    ZK_ERR_NETWORK = 14,     /* connecting or transferring over the network failed */
    ZK_ERR_TIMEOUT = 15,     /* an operation ran out of time */
    ZK_ERR_RPC = 16,         /* a JSON-RPC peer answered with an error */
    ZK_ERR_PROOF = 17,       /* a proof or inclusion path was rejected */
    ZK_ERR_UNSUPPORTED = 18, /* a version, option or feature is not supported */
    ZK_ERR_STATE = 19,       /* called in a state that does not allow it */
    ZK_ERR_NO_DEVICE = 20,   /* no usable GPU */
    ZK_ERR_DEVICE = 21,      /* a GPU call failed */
    ZK_ERR_DECRYPT = 22,     /* a ciphertext failed to authenticate or decrypt */
    ZK_ERR_INTERNAL = 23,    /* a bug: an invariant did not hold */
    ZK_ERR_BUSY = 24,        /* a resource is busy or a limit was reached; retry later */
    ZK_ERR__COUNT
} zk_err;

/* Returns: a short, constant description of code ("out of memory"); never NULL. */
const char *zk_strerror(int code);

/* Returns: the stable short name of code ("ZK_ERR_PARSE"); never NULL. */
const char *zk_errname(int code);

/* Records a detail message for this thread and returns code, so a failing path
 * reads `return zk_err_set(ZK_ERR_PARSE, "byte %zu: ...", i);`. The message is
 * truncated to fit the per-thread buffer (512 bytes). */
int zk_err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int zk_err_setv(int code, const char *fmt, va_list ap);

/* Prefixes the current detail with more context: "file.json: " + old detail.
 * Returns code. */
int zk_err_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns: this thread's last detail, or zk_strerror of the last code if no detail
 * was recorded; "" if no error was recorded. Valid until the next zk_err_* call on
 * this thread. */
const char *zk_err_detail(void);

/* Forgets this thread's detail. */
void zk_err_clear(void);

#ifdef __cplusplus
}
#endif

#endif
