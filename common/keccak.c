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

static inline uint64_t rotl(uint64_t v, unsigned n)
{
    return n ? (v << n) | (v >> (64 - n)) : v;
}

/* The round function written out lane by lane with the state in locals, so the
 * compiler can keep it in registers. Lane (x, y) is a{x + 5y}. The rho rotation
 * amounts are those of FIPS 202 Algorithm 2 (the offsets (t+1)(t+2)/2 mod 64 along
 * the walk (x, y) -> (y, 2x + 3y) from (1, 0)); pi moves lane (x, y) to
 * (y, 2x + 3y). The test checks all of it against OpenSSL's SHA3-256, which shares
 * this permutation. */
void zk_keccak_f1600(uint64_t s[25])
{
    uint64_t a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12;
    uint64_t a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24;
    uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
    uint64_t b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12;
    uint64_t b13, b14, b15, b16, b17, b18, b19, b20, b21, b22, b23, b24;
    a0 = s[0];
    a1 = s[1];
    a2 = s[2];
    a3 = s[3];
    a4 = s[4];
    a5 = s[5];
    a6 = s[6];
    a7 = s[7];
    a8 = s[8];
    a9 = s[9];
    a10 = s[10];
    a11 = s[11];
    a12 = s[12];
    a13 = s[13];
    a14 = s[14];
    a15 = s[15];
    a16 = s[16];
    a17 = s[17];
    a18 = s[18];
    a19 = s[19];
    a20 = s[20];
    a21 = s[21];
    a22 = s[22];
    a23 = s[23];
    a24 = s[24];
    for (int round = 0; round < 24; round++) {
        /* theta: every lane absorbs the parity of two neighbouring columns */
        c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
        c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
        c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
        c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
        c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
        d0 = c4 ^ rotl(c1, 1);
        d1 = c0 ^ rotl(c2, 1);
        d2 = c1 ^ rotl(c3, 1);
        d3 = c2 ^ rotl(c4, 1);
        d4 = c3 ^ rotl(c0, 1);
        /* rho and pi: lane (x, y) is rotated and moves to (y, 2x + 3y) */
        b0 = rotl(a0 ^ d0, 0);
        b10 = rotl(a1 ^ d1, 1);
        b20 = rotl(a2 ^ d2, 62);
        b5 = rotl(a3 ^ d3, 28);
        b15 = rotl(a4 ^ d4, 27);
        b16 = rotl(a5 ^ d0, 36);
        b1 = rotl(a6 ^ d1, 44);
        b11 = rotl(a7 ^ d2, 6);
        b21 = rotl(a8 ^ d3, 55);
        b6 = rotl(a9 ^ d4, 20);
        b7 = rotl(a10 ^ d0, 3);
        b17 = rotl(a11 ^ d1, 10);
        b2 = rotl(a12 ^ d2, 43);
        b12 = rotl(a13 ^ d3, 25);
        b22 = rotl(a14 ^ d4, 39);
        b23 = rotl(a15 ^ d0, 41);
        b8 = rotl(a16 ^ d1, 45);
        b18 = rotl(a17 ^ d2, 15);
        b3 = rotl(a18 ^ d3, 21);
        b13 = rotl(a19 ^ d4, 8);
        b14 = rotl(a20 ^ d0, 18);
        b24 = rotl(a21 ^ d1, 2);
        b9 = rotl(a22 ^ d2, 61);
        b19 = rotl(a23 ^ d3, 56);
        b4 = rotl(a24 ^ d4, 14);
        /* chi: the only non-linear step, row by row */
        a0 = b0 ^ (~b1 & b2);
        a1 = b1 ^ (~b2 & b3);
        a2 = b2 ^ (~b3 & b4);
        a3 = b3 ^ (~b4 & b0);
        a4 = b4 ^ (~b0 & b1);
        a5 = b5 ^ (~b6 & b7);
        a6 = b6 ^ (~b7 & b8);
        a7 = b7 ^ (~b8 & b9);
        a8 = b8 ^ (~b9 & b5);
        a9 = b9 ^ (~b5 & b6);
        a10 = b10 ^ (~b11 & b12);
        a11 = b11 ^ (~b12 & b13);
        a12 = b12 ^ (~b13 & b14);
        a13 = b13 ^ (~b14 & b10);
        a14 = b14 ^ (~b10 & b11);
        a15 = b15 ^ (~b16 & b17);
        a16 = b16 ^ (~b17 & b18);
        a17 = b17 ^ (~b18 & b19);
        a18 = b18 ^ (~b19 & b15);
        a19 = b19 ^ (~b15 & b16);
        a20 = b20 ^ (~b21 & b22);
        a21 = b21 ^ (~b22 & b23);
        a22 = b22 ^ (~b23 & b24);
        a23 = b23 ^ (~b24 & b20);
        a24 = b24 ^ (~b20 & b21);
        /* iota: breaks the symmetry between rounds */
        a0 ^= k_rc[round];
    }
    s[0] = a0;
    s[1] = a1;
    s[2] = a2;
    s[3] = a3;
    s[4] = a4;
    s[5] = a5;
    s[6] = a6;
    s[7] = a7;
    s[8] = a8;
    s[9] = a9;
    s[10] = a10;
    s[11] = a11;
    s[12] = a12;
    s[13] = a13;
    s[14] = a14;
    s[15] = a15;
    s[16] = a16;
    s[17] = a17;
    s[18] = a18;
    s[19] = a19;
    s[20] = a20;
    s[21] = a21;
    s[22] = a22;
    s[23] = a23;
    s[24] = a24;
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
