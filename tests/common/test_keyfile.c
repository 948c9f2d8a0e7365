/* Tests for common/keyfile: round trip, file mode, refused modes and file types,
 * malformed contents, no overwrite. Works in a fresh temporary folder. */
#include <sys/stat.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/keyfile.h"
#include "tests/test.h"

static char g_dir[] = "/tmp/zk_keyfile_XXXXXX";

static void path_of(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", g_dir, name);
}

static void put_file(const char *path, const char *content, mode_t mode)
{
    unlink(path);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(content, f);
    fclose(f);
    CHECK(chmod(path, mode) == 0);
}

static void test_round_trip(void)
{
    char p[256];
    uint8_t key[32], back[32];
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "rt%d.key", i);
        path_of(p, sizeof p, name);
        t_rand_bytes(key, 32);
        /* the mode is 0600 whatever the umask */
        mode_t old = umask(i % 2 ? 0 : 077);
        CHECK_OK(zk_keyfile_write(p, key));
        umask(old);
        struct stat st;
        CHECK(stat(p, &st) == 0);
        CHECK_MSG((st.st_mode & 07777) == 0600, "mode 0%o", (unsigned)(st.st_mode & 07777));
        CHECK(S_ISREG(st.st_mode));
        CHECK_OK(zk_keyfile_read(p, back));
        CHECK_MEM(key, back, 32);
        /* the exact format: 64 lowercase hex digits and a newline */
        zk_buf b;
        zk_buf_init(&b, 1024);
        CHECK_OK(zk_read_file(&b, p));
        char want[66];
        zk_hex_encode(want, key, 32, 0);
        want[64] = '\n';
        want[65] = 0;
        CHECK(b.len == 65 && memcmp(b.data, want, 65) == 0);
        zk_buf_free_secret(&b);
    }
}

static void test_no_overwrite(void)
{
    char p[256];
    path_of(p, sizeof p, "exists.key");
    uint8_t k1[32], k2[32], back[32];
    t_rand_bytes(k1, 32);
    t_rand_bytes(k2, 32);
    CHECK_OK(zk_keyfile_write(p, k1));
    CHECK_ERR(zk_keyfile_write(p, k2), ZK_ERR_EXISTS);
    CHECK(strstr(zk_err_detail(), p) != NULL);
    CHECK_OK(zk_keyfile_read(p, back));
    CHECK_MEM(back, k1, 32);
    /* a symbolic link at the path is not followed, even to a missing target */
    char l[256], target[256];
    path_of(l, sizeof l, "link.key");
    path_of(target, sizeof target, "target-does-not-exist.key");
    CHECK(symlink(target, l) == 0);
    CHECK_ERR(zk_keyfile_write(l, k1), ZK_ERR_EXISTS);
    CHECK(access(target, F_OK) != 0);
    /* a folder that does not exist */
    path_of(p, sizeof p, "no/such/dir.key");
    CHECK_ERR(zk_keyfile_write(p, k1), ZK_ERR_IO);
    CHECK_ERR(zk_keyfile_write(NULL, k1), ZK_ERR_INVALID_ARG);
}

static void test_modes(void)
{
    char p[256];
    path_of(p, sizeof p, "mode.key");
    uint8_t key[32], back[32];
    t_rand_bytes(key, 32);
    CHECK_OK(zk_keyfile_write(p, key));
    static const struct {
        mode_t mode;
        int ok;
    } cases[] = {{0644, 0}, {0640, 0}, {0604, 0}, {0620, 0}, {0602, 0},
                 {0666, 0}, {0600, 1}, {0400, 1}, {0700, 1}, {0611, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(chmod(p, cases[i].mode) == 0);
        memset(back, 0xaa, 32);
        int rc = zk_keyfile_read(p, back);
        if (cases[i].ok) {
            CHECK_MSG(rc == ZK_OK, "mode 0%o: %s", (unsigned)cases[i].mode, zk_err_detail());
            CHECK_MEM(back, key, 32);
        } else {
            CHECK_MSG(rc == ZK_ERR_PERMISSION, "mode 0%o gave %d", (unsigned)cases[i].mode, rc);
            char m[16];
            snprintf(m, sizeof m, "0%o", (unsigned)cases[i].mode);
            CHECK_MSG(strstr(zk_err_detail(), m) && strstr(zk_err_detail(), p), "detail: %s",
                      zk_err_detail());
            static const uint8_t zero[32];
            CHECK_MEM(back, zero, 32); /* nothing of the key leaks out on refusal */
        }
    }
    /* not a regular file: a symbolic link, a folder, a FIFO */
    char l[256];
    path_of(l, sizeof l, "link-to-good.key");
    CHECK(chmod(p, 0600) == 0);
    CHECK(symlink(p, l) == 0);
    CHECK_ERR(zk_keyfile_read(l, back), ZK_ERR_PERMISSION);
    CHECK(strstr(zk_err_detail(), "symbolic link") != NULL);
    char d[256];
    path_of(d, sizeof d, "adir");
    CHECK(mkdir(d, 0700) == 0);
    CHECK_ERR(zk_keyfile_read(d, back), ZK_ERR_PERMISSION);
    CHECK(strstr(zk_err_detail(), "not a regular file") != NULL);
    char f[256];
    path_of(f, sizeof f, "fifo");
    CHECK(mkfifo(f, 0600) == 0);
    CHECK_ERR(zk_keyfile_read(f, back), ZK_ERR_PERMISSION);
    path_of(f, sizeof f, "missing.key");
    CHECK_ERR(zk_keyfile_read(f, back), ZK_ERR_NOT_FOUND);
}

static void test_contents(void)
{
    char p[256];
    path_of(p, sizeof p, "content.key");
    const char *hex = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    uint8_t want[32], back[32];
    CHECK_OK(zk_hex_decode_exact(want, 32, hex, 64));
    char buf[512];
    /* accepted forms */
    const char *fmts[] = {"%s\n", "%s", "0x%s\n", "0x%s", "0X%s\n"};
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        snprintf(buf, sizeof buf, fmts[i], hex);
        put_file(p, buf, 0600);
        CHECK_OK(zk_keyfile_read(p, back));
        CHECK_MEM(back, want, 32);
    }
    for (size_t i = 0; buf[i]; i++)
        if (buf[i] >= 'a' && buf[i] <= 'f')
            buf[i] = (char)(buf[i] - 'a' + 'A');
    put_file(p, buf, 0600);
    CHECK_OK(zk_keyfile_read(p, back));
    CHECK_MEM(back, want, 32);

    /* refused forms, each a parse error whose detail names the file but not the key */
    char long_text[300];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    char bad_digit[70], short_key[70], long_key[70], two_nl[70], crlf[70], spaced[72];
    snprintf(bad_digit, sizeof bad_digit, "%.40sz%.23s\n", hex, hex + 41);
    snprintf(short_key, sizeof short_key, "%.63s\n", hex);
    snprintf(long_key, sizeof long_key, "%s0\n", hex);
    snprintf(two_nl, sizeof two_nl, "%s\n\n", hex);
    snprintf(crlf, sizeof crlf, "%s\r\n", hex);
    snprintf(spaced, sizeof spaced, " %s\n", hex);
    const char *bad[] = {"",     "\n", "hello\n", bad_digit, short_key, long_key,
                         two_nl, crlf, spaced,    long_text, "0x\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put_file(p, bad[i], 0600);
        memset(back, 0xaa, 32);
        int rc = zk_keyfile_read(p, back);
        CHECK_MSG(rc == ZK_ERR_PARSE, "case %zu gave %d", i, rc);
        CHECK(strstr(zk_err_detail(), p) != NULL);
        CHECK(strstr(zk_err_detail(), hex + 8) == NULL);
        static const uint8_t zero[32];
        CHECK_MEM(back, zero, 32);
    }
    put_file(p, bad_digit, 0600);
    CHECK_ERR(zk_keyfile_read(p, back), ZK_ERR_PARSE);
    CHECK_MSG(strstr(zk_err_detail(), "position 40") != NULL, "%s", zk_err_detail());
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
}

int main(void)
{
    t_seed();
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_round_trip();
    test_no_overwrite();
    test_modes();
    test_contents();
    cleanup();
    return t_report("test_keyfile");
}
