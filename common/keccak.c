/* Keccak-f[1600] and the Keccak-256 sponge, written from the Keccak reference
 * (Bertoni, Daemen, Peeters, Van Assche, "The Keccak reference", version 3.0) and
 * FIPS 202 section 3. */
#include "common/keccak.h"

#include <string.h>

#include <openssl/crypto.h>

#include "common/bytes.h"

/* Round constants RC[i] of the iota step (FIPS 202 Algorithms 5 and 6; the test
 * recomputes them from the LFSR). */
static const uint64_t k_rc[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

/* Rotation offsets of the rho step for lane x + 5*y (FIPS 202 Algorithm 2; the test
 * recomputes them). */
static const unsigned k_rho[25] = {
    0,  1,  62, 28, 27, /* y = 0 */
    36, 44, 6,  55, 20, /* y = 1 */
    3,  10, 43, 25, 39, /* y = 2 */
    41, 45, 15, 21, 8,  /* y = 3 */
    18, 2,  61, 56, 14, /* y = 4 */
};

static inline uint64_t rotl(uint64_t v, unsigned n)
{
    return n ? (v << n) | (v >> (64 - n)) : v;
}

void zk_keccak_f1600(uint64_t s[25])
{
    uint64_t c[5], b[25];
    for (int round = 0; round < 24; round++) {
        /* theta: every lane absorbs the parity of two neighbouring columns */
        for (int x = 0; x < 5; x++)
            c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
        for (int x = 0; x < 5; x++) {
            uint64_t d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5)
                s[x + y] ^= d;
        }
        /* rho and pi: lane (x, y) is rotated and moves to (y, 2x + 3y) */
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++)
                b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(s[x + 5 * y], k_rho[x + 5 * y]);
        /* chi: the only non-linear step, row by row */
        for (int y = 0; y < 25; y += 5)
            for (int x = 0; x < 5; x++)
                s[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y]);
        /* iota: breaks the symmetry between rounds */
        s[0] ^= k_rc[round];
    }
    OPENSSL_cleanse(b, sizeof b);
    OPENSSL_cleanse(c, sizeof c);
}

void zk_keccak_init(zk_keccak *k)
{
    memset(k, 0, sizeof *k);
}

static inline void xor_byte(zk_keccak *k, size_t pos, uint8_t v)
{
    k->s[pos / 8] ^= (uint64_t)v << (8 * (pos % 8));
}

void zk_keccak_update(zk_keccak *k, const void *p, size_t n)
{
    const uint8_t *in = p;
    while (n > 0 && k->pos != 0) {
        xor_byte(k, k->pos++, *in++);
        n--;
        if (k->pos == ZK_KECCAK256_RATE) {
            zk_keccak_f1600(k->s);
            k->pos = 0;
        }
    }
    /* whole blocks: lanes are little-endian 64-bit words of the input */
    while (n >= ZK_KECCAK256_RATE) {
        for (int i = 0; i < ZK_KECCAK256_RATE / 8; i++)
            k->s[i] ^= zk_load_le64(in + 8 * i);
        zk_keccak_f1600(k->s);
        in += ZK_KECCAK256_RATE;
        n -= ZK_KECCAK256_RATE;
    }
    while (n > 0) {
        xor_byte(k, k->pos++, *in++);
        n--;
    }
}

/* The sponge's last block and squeeze, with the first padding byte as a parameter
 * so that tests can turn the same code into SHA3-256 (0x06) and compare it with
 * OpenSSL. Ethereum's Keccak-256 uses 0x01. */
static void keccak_final_pad(zk_keccak *k, uint8_t pad, uint8_t out[ZK_KECCAK256_LEN])
{
    xor_byte(k, k->pos, pad);
    xor_byte(k, ZK_KECCAK256_RATE - 1, 0x80);
    zk_keccak_f1600(k->s);
    for (int i = 0; i < ZK_KECCAK256_LEN / 8; i++)
        zk_store_le64(out + 8 * i, k->s[i]);
    OPENSSL_cleanse(k, sizeof *k);
}

void zk_keccak_final(zk_keccak *k, uint8_t out[ZK_KECCAK256_LEN])
{
    keccak_final_pad(k, 0x01, out);
}

void zk_keccak256(uint8_t out[ZK_KECCAK256_LEN], const void *p, size_t n)
{
    zk_keccak k;
    zk_keccak_init(&k);
    zk_keccak_update(&k, p, n);
    zk_keccak_final(&k, out);
}
