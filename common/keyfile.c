#include "common/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/bytes.h"
#include "common/error.h"

#define KEY_HEX 64
/* "0x" + 64 digits + "\n" is the longest valid file; one byte more proves too long */
#define READ_MAX (2 + KEY_HEX + 1 + 1)

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int zk_keyfile_write(const char *path, const uint8_t key[32])
{
    if (!path || !*path || !key)
        return zk_err_set(ZK_ERR_INVALID_ARG, "key file: no path or no key");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return zk_err_set(ZK_ERR_EXISTS, "key file '%s' already exists; not overwriting it",
                              path);
        return zk_err_set(ZK_ERR_IO, "key file '%s': cannot create: %s", path, strerror(errno));
    }
    char text[KEY_HEX + 2];
    zk_hex_encode(text, key, 32, 0);
    text[KEY_HEX] = '\n';
    const char *step = "set mode 0600 on";
    /* the umask may only remove bits, but a caller's umask should not decide the
     * mode of a key file either way */
    int bad = fchmod(fd, 0600) != 0;
    if (!bad) {
        step = "write";
        bad = write_all(fd, text, KEY_HEX + 1) != 0;
    }
    if (!bad) {
        step = "sync";
        bad = fsync(fd) != 0;
    }
    int err = errno;
    OPENSSL_cleanse(text, sizeof text);
    if (close(fd) != 0 && !bad) {
        bad = 1;
        step = "close";
        err = errno;
    }
    if (bad) {
        unlink(path);
        return zk_err_set(ZK_ERR_IO, "key file '%s': cannot %s it: %s", path, step, strerror(err));
    }
    return ZK_OK;
}

/* Parses the file's bytes; the detail names the file, never the content. */
static int parse_key(const char *path, char *text, size_t n, uint8_t key[32])
{
    if (n > 0 && text[n - 1] == '\n')
        n--;
    for (size_t i = 0; i < n; i++)
        if (text[i] == '\n' || text[i] == '\r' || text[i] == ' ' || text[i] == '\t')
            return zk_err_set(ZK_ERR_PARSE,
                              "key file '%s': byte %zu: white space; expected 64 hex digits "
                              "and one trailing newline",
                              path, i);
    if (n != KEY_HEX && n != KEY_HEX + 2)
        return zk_err_set(ZK_ERR_PARSE,
                          "key file '%s': expected 64 hex digits (optionally 0x and a newline), "
                          "found %zu characters",
                          path, n);
    if (zk_hex_decode_exact(key, 32, text, n) != ZK_OK)
        return zk_err_wrap(ZK_ERR_PARSE, "key file '%s': ", path);
    return ZK_OK;
}

int zk_keyfile_read(const char *path, uint8_t key[32])
{
    if (!path || !*path || !key)
        return zk_err_set(ZK_ERR_INVALID_ARG, "key file: no path or no output");
    memset(key, 0, 32);
    /* O_NONBLOCK: opening a FIFO planted at the path must not hang us */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return zk_err_set(ZK_ERR_NOT_FOUND, "key file '%s' does not exist", path);
        if (e == ELOOP)
            return zk_err_set(ZK_ERR_PERMISSION,
                              "key file '%s' is a symbolic link; refusing to follow it", path);
        if (e == EACCES)
            return zk_err_set(ZK_ERR_PERMISSION, "key file '%s': %s", path, strerror(e));
        return zk_err_set(ZK_ERR_IO, "key file '%s': cannot open: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return zk_err_set(ZK_ERR_IO, "key file '%s': cannot stat: %s", path, strerror(e));
    }
    unsigned mode = (unsigned)(st.st_mode & 07777);
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return zk_err_set(ZK_ERR_PERMISSION, "key file '%s' is not a regular file (mode 0%o)", path,
                          (unsigned)st.st_mode);
    }
    if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
        close(fd);
        return zk_err_set(ZK_ERR_PERMISSION,
                          "key file '%s' has mode 0%03o: group or others may read or write it; "
                          "run chmod 600 on it",
                          path, mode);
    }
    char text[READ_MAX];
    size_t n = 0;
    int rc = ZK_OK;
    while (n < sizeof text) {
        ssize_t r = read(fd, text + n, sizeof text - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = zk_err_set(ZK_ERR_IO, "key file '%s': cannot read: %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (!rc && n == sizeof text)
        rc = zk_err_set(ZK_ERR_PARSE, "key file '%s' is longer than a key (%zu bytes or more)",
                        path, n);
    if (!rc)
        rc = parse_key(path, text, n, key);
    OPENSSL_cleanse(text, sizeof text);
    if (rc)
        OPENSSL_cleanse(key, 32);
    return rc;
}
