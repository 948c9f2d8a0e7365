/* Strict configuration files: JSON read with jansson against a schema.
 *
 * A schema is an array of cfg_field ending with CFG_END. Each field names a key,
 * its type, whether it is required, and where its value goes in the caller's
 * struct (offsetof). Objects nest: a CFG_OBJECT field points to the fields of the
 * sub-object, whose offsets are into the same struct.
 *
 * Loading is strict: an unknown key, a duplicate key, a value of the wrong type or
 * out of range, or a missing required key is an error whose detail names the file
 * and the key path ("devnet.json: key 'rpc.port': expected an integer, got a
 * string"). Command-line flags override values from the file through cfg_set,
 * which parses text by the same schema.
 *
 * The caller fills the struct with defaults before loading; keys absent from the
 * file keep them.
 */
#ifndef ZKGATE_COMMON_CONFIG_H
#define ZKGATE_COMMON_CONFIG_H

#include <stddef.h>
#include <stdint.h>

typedef enum cfg_type {
    CFG_T_END = 0, /* ends a field list */
    CFG_T_STRING,  /* char[size] in the struct; longer values are an error */
    CFG_T_INT,     /* int64_t, in [min, max] */
    CFG_T_BOOL,    /* int, 0 or 1 */
    CFG_T_DOUBLE,  /* double, in [min, max] when min < max */
    CFG_T_OBJECT,  /* a nested object described by sub */
    CFG_T_HEX,     /* uint8_t[size], given as 0x + exactly 2*size hex digits */
} cfg_type;

typedef struct cfg_field {
    const char *key;             /* the JSON key */
    cfg_type type;               /* what the value must be */
    int required;                /* non-zero: the file must have it */
    size_t offset;               /* where the value goes (offsetof) */
    size_t size;                 /* CFG_T_STRING buffer size, CFG_T_HEX byte count */
    int64_t min, max;            /* CFG_T_INT/DOUBLE range (ignored when min == max == 0) */
    const struct cfg_field *sub; /* CFG_T_OBJECT: its fields */
    const char *help;            /* one line for `zkgate config` output and docs */
} cfg_field;

#define CFG_END                                                                                    \
    {                                                                                              \
        NULL, CFG_T_END, 0, 0, 0, 0, 0, NULL, NULL                                                 \
    }

/* The largest configuration file read (bytes). */
#define CFG_MAX_FILE (1u << 20)

/* Loads path into out by spec. Returns ZK_OK, ZK_ERR_IO (cannot read),
 * ZK_ERR_TOO_LARGE, or ZK_ERR_CONFIG with a detail naming the file and key path.
 * On error out may be partly written. */
int cfg_load_file(const cfg_field *spec, void *out, const char *path)
    __attribute__((warn_unused_result));

/* As cfg_load_file on JSON text; origin names it in errors (e.g. "<defaults>"). */
int cfg_load_string(const cfg_field *spec, void *out, const char *json, size_t len,
                    const char *origin) __attribute__((warn_unused_result));

/* Sets one value from text: key_path is dotted ("rpc.port"), value is parsed by
 * the field's type (integers in decimal or 0x hex, bools true/false/1/0). origin
 * names the source in errors (e.g. "--rpc-port"). Returns ZK_OK or ZK_ERR_CONFIG. */
int cfg_set(const cfg_field *spec, void *out, const char *key_path, const char *value,
            const char *origin) __attribute__((warn_unused_result));

/* Writes the values in out as indented JSON to a NUL-terminated malloc'd string
 * (caller frees). Returns NULL on allocation failure. CFG_T_HEX values are shown
 * as "<N bytes>" so that a secret is never printed. */
char *cfg_dump(const cfg_field *spec, const void *out);

/* Splits "host:port" (IPv4 or a name; "[v6]:port") into host (hostcap bytes) and
 * port. Returns ZK_OK or ZK_ERR_CONFIG naming what is wrong. */
int cfg_parse_hostport(const char *s, char *host, size_t hostcap, uint16_t *port)
    __attribute__((warn_unused_result));

#endif
