/* zkgate privacy: payload encryption (eciesjs-compatible ECIES and multi-recipient
 * envelopes), viewing keys, salted commitments and auditor bundles. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "common/bytes.h"
#include "common/error.h"
#include "common/keyfile.h"
#include "privacy/commit.h"
#include "privacy/ecies.h"
#include "privacy/envelope.h"
#include "privacy/viewkey.h"

static const char k_usage[] =
    "usage: zkgate privacy SUBCOMMAND [OPTIONS]\n"
    "\n"
    "  keygen [--master FILE] OUT_KEYFILE\n"
    "      Create a viewing (decryption) key file, mode 0600, and print its public key.\n"
    "      With --master, derive it from a 32-byte master key file (HKDF, label\n"
    "      \"zkgate/v1/viewing-key\"); otherwise draw it at random. Never a signing key.\n"
    "  pubkey --key FILE\n"
    "      Print the uncompressed public key (hex) of a key file.\n"
    "  encrypt --to PUBKEY [--to PUBKEY ...] [--aad HEX | --route R] IN OUT\n"
    "      One --to without --route: eciesjs format (ephemeral key 65 || nonce 16 || tag 16\n"
    "      || ciphertext), AAD optional (empty AAD = readable by eciesjs). With --route:\n"
    "      a padded envelope for up to 8 recipients (destination chain, auditor...).\n"
    "  decrypt --key FILE [--aad HEX | --route R] IN OUT\n"
    "      Decrypt either format (an envelope is recognised by its \"ZKEV\" magic; with\n"
    "      --route its route must match).\n"
    "  commit VALUE_HEX [--salt-out FILE]\n"
    "      Commit to VALUE (field elements, 4 bytes little-endian each, canonical) with a\n"
    "      fresh secret salt. Prints the commitment, and the salt unless --salt-out writes\n"
    "      it to a new 0600 file.\n"
    "  open COMMITMENT_HEX VALUE_HEX (--salt HEX | --salt-file FILE)\n"
    "      Check an opening; exit status 0 when it matches, 1 when it does not.\n"
    "  disclose --key FILE --commitment HEX --value HEX --salt-file FILE --index N\n"
    "           [--path HEX ...] ENVELOPE OUT\n"
    "      Write the auditor bundle (JSON) for one message: the message, its envelope and\n"
    "      per-message key, the opening, the inclusion path. Nothing else.\n"
    "  audit BUNDLE [OUT]\n"
    "      Check a bundle (key opens the envelope, message matches, opening matches) and\n"
    "      write the message to OUT.\n"
    "\n"
    "  PUBKEY: hex of 33, 64 or 65 bytes. R: SRC:DST:SEQ:LEAF (decimal chain ids and\n"
    "  sequence, LEAF = 64 hex digits; message version 1).\n";

#define MAX_TO         ENV_MAX_RECIPIENTS
#define MAX_POS        4
#define PRIV_MAX_INPUT (ECIES_MAX_PLAINTEXT + ECIES_OVERHEAD)

/* Parsed options of one privacy subcommand; unused ones stay NULL. */
typedef struct opts {
    const char *cmd;               /* "privacy encrypt", for messages */
    const char *to[MAX_TO];        /* --to, in order */
    size_t n_to;                   /* how many --to */
    const char *path[VK_MAX_PATH]; /* --path, in order */
    size_t n_path;                 /* how many --path */
    const char *key, *aad, *route, *master, *salt_out, *salt, *salt_file, *commitment, *value,
        *index;               /* single-valued options */
    const char *pos[MAX_POS]; /* positional arguments */
    size_t n_pos;             /* how many */
} opts;

static int parse_opts(opts *o, int argc, char **argv)
{
    struct {
        const char *name;
        const char **slot;
    } single[] = {
        {"--key", &o->key},
        {"--aad", &o->aad},
        {"--route", &o->route},
        {"--master", &o->master},
        {"--salt-out", &o->salt_out},
        {"--salt", &o->salt},
        {"--salt-file", &o->salt_file},
        {"--commitment", &o->commitment},
        {"--value", &o->value},
        {"--index", &o->index},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++) {
                if (o->n_pos == MAX_POS)
                    return cli_usage(o->cmd, "too many arguments");
                o->pos[o->n_pos++] = argv[i];
            }
            break;
        }
        if (a[0] != '-' || a[1] == 0) {
            if (o->n_pos == MAX_POS)
                return cli_usage(o->cmd, "too many arguments ('%s')", a);
            o->pos[o->n_pos++] = a;
            continue;
        }
        if (i + 1 >= argc)
            return cli_usage(o->cmd, "%s needs a value", a);
        const char *v = argv[++i];
        if (strcmp(a, "--to") == 0) {
            if (o->n_to == MAX_TO)
                return cli_usage(o->cmd, "at most %d --to", MAX_TO);
            o->to[o->n_to++] = v;
            continue;
        }
        if (strcmp(a, "--path") == 0) {
            if (o->n_path == VK_MAX_PATH)
                return cli_usage(o->cmd, "at most %d --path", VK_MAX_PATH);
            o->path[o->n_path++] = v;
            continue;
        }
        size_t k = 0;
        for (; k < sizeof single / sizeof single[0]; k++)
            if (strcmp(a, single[k].name) == 0)
                break;
        if (k == sizeof single / sizeof single[0])
            return cli_usage(o->cmd, "unknown option '%s'", a);
        if (*single[k].slot)
            return cli_usage(o->cmd, "%s given twice", a);
        *single[k].slot = v;
    }
    return 0;
}

/* Writes n bytes to a new or truncated file, mode 0600 (outputs may be plaintext). */
static int write_file(const char *path, const uint8_t *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return zk_err_set(ZK_ERR_IO, "%s: %s", path, strerror(errno));
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return zk_err_set(ZK_ERR_IO, "%s: write: %s", path, strerror(e));
        }
        off += (size_t)w;
    }
    if (close(fd) != 0)
        return zk_err_set(ZK_ERR_IO, "%s: close: %s", path, strerror(errno));
    return ZK_OK;
}

static int parse_u64(uint64_t *out, const char *s, const char *what)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+')
        return zk_err_set(ZK_ERR_PARSE, "%s: '%s' is not a decimal number", what, s);
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return zk_err_set(ZK_ERR_PARSE, "%s: '%s' is not a decimal number below 2^64", what, s);
    *out = v;
    return ZK_OK;
}

static int parse_route(ecies_route *r, const char *s)
{
    char buf[160];
    if (strlen(s) >= sizeof buf)
        return zk_err_set(ZK_ERR_PARSE, "--route: longer than %zu characters", sizeof buf - 1);
    strcpy(buf, s);
    char *f[4];
    char *p = buf;
    for (int i = 0; i < 4; i++) {
        f[i] = p;
        p = strchr(p, ':');
        if ((p == NULL) != (i == 3))
            return zk_err_set(ZK_ERR_PARSE, "--route: expected SRC:DST:SEQ:LEAF, got '%s'", s);
        if (p)
            *p++ = 0;
    }
    r->version = 1;
    int rc = parse_u64(&r->src_chain, f[0], "source chain");
    if (!rc)
        rc = parse_u64(&r->dst_chain, f[1], "destination chain");
    if (!rc)
        rc = parse_u64(&r->sequence, f[2], "sequence");
    if (!rc)
        rc = zk_hex_decode_exact(r->leaf, 32, f[3], strlen(f[3]));
    if (rc)
        return zk_err_wrap(rc, "--route: ");
    return ZK_OK;
}

static int read_key(uint8_t sk[32], const char *path)
{
    int rc = zk_keyfile_read(path, sk);
    if (rc)
        return zk_err_wrap(rc, "--key: ");
    return ZK_OK;
}

static void print_hex_line(const char *label, const uint8_t *p, size_t n)
{
    char hex[2 * 65 + 1];
    zk_hex_encode(hex, p, n, 0);
    if (label)
        printf("%s %s\n", label, hex);
    else
        printf("%s\n", hex);
}

static int do_keygen(opts *o)
{
    if (o->n_pos != 1)
        return cli_usage(o->cmd, "expected one OUT_KEYFILE");
    uint8_t sk[32], pub[65], master[32];
    int rc;
    if (o->master) {
        rc = zk_keyfile_read(o->master, master);
        if (!rc)
            rc = vk_derive(sk, pub, master);
        OPENSSL_cleanse(master, sizeof master);
    } else {
        rc = ecies_keygen(sk, pub);
    }
    if (!rc)
        rc = zk_keyfile_write(o->pos[0], sk);
    OPENSSL_cleanse(sk, sizeof sk);
    if (rc)
        return cli_fail(o->cmd, rc);
    print_hex_line(NULL, pub, sizeof pub);
    return CLI_EXIT_OK;
}

static int do_pubkey(opts *o)
{
    if (!o->key || o->n_pos)
        return cli_usage(o->cmd, "expected --key FILE and nothing else");
    uint8_t sk[32], pub[65];
    int rc = read_key(sk, o->key);
    if (!rc)
        rc = ecies_pubkey(pub, sk);
    OPENSSL_cleanse(sk, sizeof sk);
    if (rc)
        return cli_fail(o->cmd, rc);
    print_hex_line(NULL, pub, sizeof pub);
    return CLI_EXIT_OK;
}

/* The AAD of the raw (eciesjs) format: --aad bytes, or the route's encoding. */
static int raw_aad(zk_buf *aad, const opts *o, const ecies_route *route)
{
    if (o->aad) {
        int rc = zk_hex_decode_buf(aad, o->aad, strlen(o->aad));
        return rc ? zk_err_wrap(rc, "--aad: ") : ZK_OK;
    }
    if (o->route) {
        uint8_t enc[ECIES_ROUTE_LEN];
        ecies_route_encode(enc, route);
        return zk_buf_append(aad, enc, sizeof enc);
    }
    return ZK_OK;
}

static int do_encrypt(opts *o)
{
    if (o->n_to < 1 || o->n_pos != 2)
        return cli_usage(o->cmd, "expected --to PUBKEY, IN and OUT");
    if (o->aad && o->route)
        return cli_usage(o->cmd, "--aad and --route exclude each other");
    if (o->n_to > 1 && !o->route)
        return cli_usage(o->cmd, "several --to make an envelope, which needs --route");
    ecies_route route = {0};
    uint8_t pubs[MAX_TO][65];
    zk_buf in, out, aad, kb_;
    zk_buf_init(&in, ECIES_MAX_PLAINTEXT);
    zk_buf_init(&out, ENV_MAX_LEN + PRIV_MAX_INPUT);
    zk_buf_init(&aad, 4096);
    zk_buf_init(&kb_, 65);
    int rc = o->route ? parse_route(&route, o->route) : ZK_OK;
    for (size_t i = 0; i < o->n_to && !rc; i++) {
        zk_buf_reset(&kb_);
        rc = zk_hex_decode_buf(&kb_, o->to[i], strlen(o->to[i]));
        if (!rc)
            rc = ecies_pubkey_parse(pubs[i], kb_.data, kb_.len);
        if (rc)
            rc = zk_err_wrap(rc, "--to #%zu: ", i + 1);
    }
    if (!rc)
        rc = raw_aad(&aad, o, &route);
    if (!rc)
        rc = zk_read_file(&in, o->pos[0]);
    if (!rc && o->route)
        rc = env_seal(&out, &route, (const uint8_t(*)[65])pubs, o->n_to, in.data, in.len);
    else if (!rc)
        rc = ecies_encrypt(&out, pubs[0], 65, aad.data, aad.len, in.data, in.len);
    if (!rc)
        rc = write_file(o->pos[1], out.data, out.len);
    zk_buf_free_secret(&in);
    zk_buf_free(&out);
    zk_buf_free(&aad);
    zk_buf_free(&kb_);
    return rc ? cli_fail(o->cmd, rc) : CLI_EXIT_OK;
}

static int do_decrypt(opts *o)
{
    if (!o->key || o->n_pos != 2)
        return cli_usage(o->cmd, "expected --key FILE, IN and OUT");
    if (o->aad && o->route)
        return cli_usage(o->cmd, "--aad and --route exclude each other");
    ecies_route route = {0};
    uint8_t sk[32];
    zk_buf in, out, aad;
    zk_buf_init(&in, ENV_MAX_LEN > PRIV_MAX_INPUT ? ENV_MAX_LEN : PRIV_MAX_INPUT);
    zk_buf_init(&out, ECIES_MAX_PLAINTEXT);
    zk_buf_init(&aad, 4096);
    int rc = o->route ? parse_route(&route, o->route) : ZK_OK;
    if (!rc)
        rc = raw_aad(&aad, o, &route);
    if (!rc)
        rc = zk_read_file(&in, o->pos[0]);
    if (!rc)
        rc = read_key(sk, o->key);
    if (!rc && in.len >= 4 && memcmp(in.data, ENV_MAGIC, 4) == 0) {
        if (o->aad)
            rc = zk_err_set(ZK_ERR_INVALID_ARG,
                            "%s is an envelope: its AAD is its route; use "
                            "--route, not --aad",
                            o->pos[0]);
        else
            rc = env_open(&out, NULL, NULL, sk, o->route ? &route : NULL, in.data, in.len);
    } else if (!rc) {
        rc = ecies_decrypt(&out, sk, aad.data, aad.len, in.data, in.len);
    }
    OPENSSL_cleanse(sk, sizeof sk);
    if (rc)
        rc = zk_err_wrap(rc, "%s: ", o->pos[0]);
    else
        rc = write_file(o->pos[1], out.data ? out.data : (const uint8_t *)"", out.len);
    zk_buf_free(&in);
    zk_buf_free_secret(&out);
    zk_buf_free(&aad);
    return rc ? cli_fail(o->cmd, rc) : CLI_EXIT_OK;
}

/* Decodes VALUE_HEX (4 bytes LE per canonical element) into a new array. */
static int parse_value(kb **out, size_t *n, const char *hex)
{
    zk_buf b;
    zk_buf_init(&b, 4 * PC_MAX_VALUE);
    int rc = zk_hex_decode_buf(&b, hex, strlen(hex));
    if (!rc && b.len % 4)
        rc = zk_err_set(ZK_ERR_PARSE, "%zu bytes is not a whole number of 4-byte elements", b.len);
    *n = b.len / 4;
    *out = NULL;
    if (!rc)
        *out = calloc(*n ? *n : 1, sizeof **out);
    if (!rc && !*out)
        rc = zk_err_set(ZK_ERR_NOMEM, "%zu elements", *n);
    for (size_t i = 0; !rc && i < *n; i++)
        if (kb_decode(&(*out)[i], zk_load_le32(b.data + 4 * i)))
            rc = zk_err_set(ZK_ERR_PARSE, "element %zu (bytes %zu..%zu) is not below p", i, 4 * i,
                            4 * i + 3);
    zk_buf_free_secret(&b);
    if (rc) {
        free(*out);
        *out = NULL;
        return zk_err_wrap(rc, "VALUE: ");
    }
    return ZK_OK;
}

static int do_commit(opts *o)
{
    if (o->n_pos != 1)
        return cli_usage(o->cmd, "expected one VALUE_HEX");
    kb *value = NULL;
    size_t n = 0;
    pc_salt salt;
    p2_digest c;
    uint8_t enc[32];
    int rc = parse_value(&value, &n, o->pos[0]);
    if (!rc)
        rc = pc_salt_random(&salt);
    if (!rc)
        rc = pc_commit(&c, value, n, &salt);
    if (!rc && o->salt_out) {
        pc_encode8(enc, salt.v);
        rc = zk_keyfile_write(o->salt_out, enc);
        if (rc)
            rc = zk_err_wrap(rc, "--salt-out: ");
    }
    if (!rc) {
        pc_encode8(enc, c.v);
        print_hex_line("commitment", enc, 32);
        if (!o->salt_out) {
            pc_encode8(enc, salt.v);
            print_hex_line("salt", enc, 32);
        }
    }
    OPENSSL_cleanse(enc, sizeof enc);
    pc_salt_wipe(&salt);
    if (value)
        OPENSSL_cleanse(value, n * sizeof *value);
    free(value);
    return rc ? cli_fail(o->cmd, rc) : CLI_EXIT_OK;
}

static int read_salt(pc_salt *salt, const opts *o)
{
    uint8_t enc[32];
    int rc;
    if (o->salt && o->salt_file)
        return zk_err_set(ZK_ERR_INVALID_ARG, "--salt and --salt-file exclude each other");
    if (o->salt)
        rc = zk_hex_decode_exact(enc, 32, o->salt, strlen(o->salt));
    else if (o->salt_file)
        rc = zk_keyfile_read(o->salt_file, enc);
    else
        return zk_err_set(ZK_ERR_INVALID_ARG, "the salt is missing (--salt or --salt-file)");
    if (!rc)
        rc = pc_decode8(salt->v, enc);
    OPENSSL_cleanse(enc, sizeof enc);
    return rc ? zk_err_wrap(rc, "salt: ") : ZK_OK;
}

static int read_commitment(p2_digest *c, const char *hex)
{
    uint8_t enc[32];
    int rc = zk_hex_decode_exact(enc, 32, hex, strlen(hex));
    if (!rc)
        rc = pc_decode8(c->v, enc);
    return rc ? zk_err_wrap(rc, "commitment: ") : ZK_OK;
}

static int do_open(opts *o)
{
    if (o->n_pos != 2)
        return cli_usage(o->cmd, "expected COMMITMENT_HEX and VALUE_HEX");
    kb *value = NULL;
    size_t n = 0;
    pc_salt salt;
    p2_digest c;
    int rc = read_commitment(&c, o->pos[0]);
    if (!rc)
        rc = parse_value(&value, &n, o->pos[1]);
    if (!rc)
        rc = read_salt(&salt, o);
    if (!rc)
        rc = pc_verify(&c, value, n, &salt);
    pc_salt_wipe(&salt);
    free(value);
    if (rc)
        return cli_fail(o->cmd, rc);
    printf("ok: the opening matches the commitment\n");
    return CLI_EXIT_OK;
}

static int do_disclose(opts *o)
{
    if (!o->key || !o->commitment || !o->value || !o->index || o->n_pos != 2)
        return cli_usage(o->cmd, "expected --key, --commitment, --value, --salt-file, "
                                 "--index, ENVELOPE and OUT");
    uint8_t sk[32];
    kb *value = NULL;
    size_t n = 0;
    pc_salt salt;
    p2_digest c;
    vk_path *path = calloc(1, sizeof *path);
    zk_buf env, json;
    zk_buf_init(&env, ENV_MAX_LEN);
    zk_buf_init(&json, VK_MAX_BUNDLE);
    int rc = path ? ZK_OK : zk_err_set(ZK_ERR_NOMEM, "inclusion path");
    if (!rc)
        rc = read_commitment(&c, o->commitment);
    if (!rc)
        rc = parse_value(&value, &n, o->value);
    if (!rc)
        rc = read_salt(&salt, o);
    if (!rc)
        rc = parse_u64(&path->index, o->index, "--index");
    for (size_t i = 0; !rc && i < o->n_path; i++) {
        rc = zk_hex_decode_exact(path->digest[i], 32, o->path[i], strlen(o->path[i]));
        if (rc)
            rc = zk_err_wrap(rc, "--path #%zu: ", i + 1);
        path->len = i + 1;
    }
    if (!rc)
        rc = zk_read_file(&env, o->pos[0]);
    if (!rc)
        rc = read_key(sk, o->key);
    if (!rc) {
        rc = vk_disclose(&json, sk, env.data, env.len, &c, value, n, &salt, path);
        OPENSSL_cleanse(sk, sizeof sk);
    }
    if (!rc)
        rc = write_file(o->pos[1], json.data, json.len);
    pc_salt_wipe(&salt);
    free(value);
    free(path);
    zk_buf_free(&env);
    zk_buf_free_secret(&json);
    return rc ? cli_fail(o->cmd, rc) : CLI_EXIT_OK;
}

static int do_audit(opts *o)
{
    if (o->n_pos < 1 || o->n_pos > 2)
        return cli_usage(o->cmd, "expected BUNDLE [OUT]");
    zk_buf json, msg;
    zk_buf_init(&json, VK_MAX_BUNDLE);
    zk_buf_init(&msg, ENV_MAX_PAYLOAD);
    int rc = zk_read_file(&json, o->pos[0]);
    if (!rc)
        rc = vk_audit(&msg, (const char *)json.data, json.len);
    if (rc)
        rc = zk_err_wrap(rc, "%s: ", o->pos[0]);
    else if (o->n_pos == 2)
        rc = write_file(o->pos[1], msg.data ? msg.data : (const uint8_t *)"", msg.len);
    zk_buf_free_secret(&json);
    zk_buf_free_secret(&msg);
    if (rc)
        return cli_fail(o->cmd, rc);
    printf("ok: the bundle is consistent (message, envelope, opening)\n");
    return CLI_EXIT_OK;
}

int cmd_privacy(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(opts *o);
    } subs[] = {
        {"keygen", do_keygen},     {"pubkey", do_pubkey}, {"encrypt", do_encrypt},
        {"decrypt", do_decrypt},   {"commit", do_commit}, {"open", do_open},
        {"disclose", do_disclose}, {"audit", do_audit},
    };
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(k_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(argv[1], subs[i].name) != 0)
            continue;
        char cmd[32];
        snprintf(cmd, sizeof cmd, "privacy %s", subs[i].name);
        if (cli_wants_help(argc - 1, argv + 1)) {
            fputs(k_usage, stdout);
            return CLI_EXIT_OK;
        }
        opts o = {.cmd = cmd};
        int rc = parse_opts(&o, argc - 1, argv + 1);
        if (rc)
            return rc;
        return subs[i].run(&o);
    }
    return cli_usage("privacy", "unknown subcommand '%s'", argv[1]);
}
