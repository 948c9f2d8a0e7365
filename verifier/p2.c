/* Poseidon2-16 over KoalaBear (scalar reference), the sponge and the two-to-one
 * compression. The instance, its constants and its known-answer test are
 * ../shared/vectors/poseidon2-koalabear16.json; the hash domains are described in
 * docs/PROTOCOL.md, "Hash domains". */
#include "verifier/p2.h"

#include <string.h>

#include "verifier/kb_simd.h"

/* Montgomery form of a canonical constant, as a constant expression so the tables
 * below stay in the canonical form of the published specification. */
#define KBC(x) KB_MONT_CONST(x)
/* Canonical -x and 2^-k (k <= 24): p = 127 * 2^24 + 1, so 2^-24 = -127 and
 * 2^-k = -127 * 2^(24-k) mod p. */
#define NEGC(x)   (KB_P - (x))
#define INV2KC(k) (KB_P - (127u << (24 - (k))))

/* Round constants from the JSON file above ("external_initial", "internal",
 * "external_final"), Grain LFSR of the Poseidon2 paper. */
const kb p2_rc_ext_init[4][16] = {
    {
        KBC(0x7ee56a48),
        KBC(0x11367045),
        KBC(0x12e41941),
        KBC(0x7ebbc12b),
        KBC(0x1970b7d5),
        KBC(0x662b60e8),
        KBC(0x3e4990c6),
        KBC(0x679f91f5),
        KBC(0x350813bb),
        KBC(0x00874ad4),
        KBC(0x28a0081a),
        KBC(0x18fa5872),
        KBC(0x5f25b071),
        KBC(0x5e5d5998),
        KBC(0x5e6fd3e7),
        KBC(0x5b2e2660),
    },
    {
        KBC(0x6f1837bf),
        KBC(0x3fe6182b),
        KBC(0x1edd7ac5),
        KBC(0x57470d00),
        KBC(0x43d486d5),
        KBC(0x1982c70f),
        KBC(0x0ea53af9),
        KBC(0x61d6165b),
        KBC(0x51639c00),
        KBC(0x2dec352c),
        KBC(0x2950e531),
        KBC(0x2d2cb947),
        KBC(0x08256cef),
        KBC(0x1a0109f6),
        KBC(0x1f51faf3),
        KBC(0x5cef1c62),
    },
    {
        KBC(0x3d65e50e),
        KBC(0x33d91626),
        KBC(0x133d5a1e),
        KBC(0x0ff49b0d),
        KBC(0x38900cd1),
        KBC(0x2c22cc3f),
        KBC(0x28852bb2),
        KBC(0x06c65a02),
        KBC(0x7b2cf7bc),
        KBC(0x68016e1a),
        KBC(0x15e16bc0),
        KBC(0x5248149a),
        KBC(0x6dd212a0),
        KBC(0x18d6830a),
        KBC(0x5001be82),
        KBC(0x64dac34e),
    },
    {
        KBC(0x5902b287),
        KBC(0x426583a0),
        KBC(0x0c921632),
        KBC(0x3fe028a5),
        KBC(0x245f8e49),
        KBC(0x43bb297e),
        KBC(0x7873dbd9),
        KBC(0x3cc987df),
        KBC(0x286bb4ce),
        KBC(0x640a8dcd),
        KBC(0x512a8e36),
        KBC(0x03a4cf55),
        KBC(0x481837a2),
        KBC(0x03d6da84),
        KBC(0x73726ac7),
        KBC(0x760e7fdf),
    },
};

const kb p2_rc_int[20] = {
    KBC(0x54dfeb5d), KBC(0x7d40afd6), KBC(0x722cb316), KBC(0x106a4573), KBC(0x45a7ccdb),
    KBC(0x44061375), KBC(0x154077a5), KBC(0x45744faa), KBC(0x4eb5e5ee), KBC(0x3794e83f),
    KBC(0x47c7093c), KBC(0x5694903c), KBC(0x69cb6299), KBC(0x373df84c), KBC(0x46a0df58),
    KBC(0x46b8758a), KBC(0x3241ebcb), KBC(0x0b09d233), KBC(0x1af42357), KBC(0x1e66cec2),
};

const kb p2_rc_ext_final[4][16] = {
    {
        KBC(0x43e7dc24),
        KBC(0x259a5d61),
        KBC(0x27e85a3b),
        KBC(0x1b9133fa),
        KBC(0x343e5628),
        KBC(0x485cd4c2),
        KBC(0x16e269f5),
        KBC(0x165b60c6),
        KBC(0x25f683d9),
        KBC(0x124f81f9),
        KBC(0x174331f9),
        KBC(0x77344dc5),
        KBC(0x5a821dba),
        KBC(0x5fc4177f),
        KBC(0x54153bf5),
        KBC(0x5e3f1194),
    },
    {
        KBC(0x3bdbf191),
        KBC(0x088c84a3),
        KBC(0x68256c9b),
        KBC(0x3c90bbc6),
        KBC(0x6846166a),
        KBC(0x03f4238d),
        KBC(0x463335fb),
        KBC(0x5e3d3551),
        KBC(0x6e59ae6f),
        KBC(0x32d06cc0),
        KBC(0x596293f3),
        KBC(0x6c87edb2),
        KBC(0x08fc60b5),
        KBC(0x34bcca80),
        KBC(0x24f007f3),
        KBC(0x62731c6f),
    },
    {
        KBC(0x1e1db6c6),
        KBC(0x0ca409bb),
        KBC(0x585c1e78),
        KBC(0x56e94edc),
        KBC(0x16d22734),
        KBC(0x18e11467),
        KBC(0x7b2c3730),
        KBC(0x770075e4),
        KBC(0x35d1b18c),
        KBC(0x22be3db5),
        KBC(0x4fb1fbb7),
        KBC(0x477cb3ed),
        KBC(0x7d5311c6),
        KBC(0x5b62ae7d),
        KBC(0x559c5fa8),
        KBC(0x77f15048),
    },
    {
        KBC(0x3211570b),
        KBC(0x490fef6a),
        KBC(0x77ec311f),
        KBC(0x2247171b),
        KBC(0x4e0ac711),
        KBC(0x2edf69c9),
        KBC(0x3b5a8850),
        KBC(0x65809421),
        KBC(0x5619b4aa),
        KBC(0x362019a7),
        KBC(0x6bf9d4ed),
        KBC(0x5b413dff),
        KBC(0x617e181e),
        KBC(0x5e7ab57b),
        KBC(0x33ad7833),
        KBC(0x3466c7ca),
    },
};

/* The internal diagonal of the JSON file:
 * [-2, 1, 2, 1/2, 3, 4, -1/2, -3, -4, 1/2^8, 1/8, 1/2^24, -1/2^8, -1/8, -1/16, -1/2^24]. */
const kb p2_diag[16] = {
    KBC(NEGC(2)),
    KBC(1),
    KBC(2),
    KBC(INV2KC(1)),
    KBC(3),
    KBC(4),
    KBC(NEGC(INV2KC(1))),
    KBC(NEGC(3)),
    KBC(NEGC(4)),
    KBC(INV2KC(8)),
    KBC(INV2KC(3)),
    KBC(INV2KC(24)),
    KBC(NEGC(INV2KC(8))),
    KBC(NEGC(INV2KC(3))),
    KBC(NEGC(INV2KC(4))),
    KBC(NEGC(INV2KC(24))),
};

static inline kb cube(kb x)
{
    return kb_mul(kb_sqr(x), x);
}

/* x mod p for x < 2^37, by 2^31 = 2^24 - 1 (mod p): the low 31 bits plus (x >> 31)
 * (2^24 - 1) is below 2^31 + 2^30 < 2p, so one conditional subtraction ends it. */
static inline kb fold(uint64_t x)
{
    uint64_t h = x >> 31;
    uint32_t y = (uint32_t)((x & 0x7fffffffu) + (h << 24) - h) - KB_P;
    return y + (KB_P & (uint32_t) - (int32_t)(y >> 31));
}

/* s 2^-k mod p for s < p, 1 <= k <= 24: p = 1 (mod 2^24), so s + m p with
 * m = -s mod 2^k is a multiple of 2^k, and its quotient is below p. */
static inline uint64_t half(kb s, unsigned k)
{
    uint64_t m = (uint64_t)(0u - s) & ((1u << k) - 1);
    return ((uint64_t)s + m * KB_P) >> k;
}

/* The external layer: M4 = [[2,3,1,1],[1,2,3,1],[1,1,2,3],[3,1,1,2]] on each chunk
 * of 4, then each element gains the sum of the elements in its residue class mod 4
 * (the circulant (2*M4, M4, M4, M4) of the Poseidon2 paper). The sums are taken in
 * 64 bits and reduced once: an output is at most 35 p < 2^37. */
void p2_external_layer(kb s[P2_WIDTH])
{
    uint64_t y[P2_WIDTH];
    for (int c = 0; c < 16; c += 4) {
        uint64_t x0 = s[c], x1 = s[c + 1], x2 = s[c + 2], x3 = s[c + 3];
        uint64_t t = (x0 + x1) + (x2 + x3);
        y[c] = t + x0 + 2 * x1;
        y[c + 1] = t + x1 + 2 * x2;
        y[c + 2] = t + x2 + 2 * x3;
        y[c + 3] = t + x3 + 2 * x0;
    }
    for (int i = 0; i < 4; i++) {
        uint64_t sum = (y[i] + y[i + 4]) + (y[i + 8] + y[i + 12]);
        s[i] = fold(y[i] + sum);
        s[i + 4] = fold(y[i + 4] + sum);
        s[i + 8] = fold(y[i + 8] + sum);
        s[i + 12] = fold(y[i + 12] + sum);
    }
}

void p2_full_round(kb s[P2_WIDTH], const kb rc[P2_WIDTH])
{
    for (int i = 0; i < P2_WIDTH; i++)
        s[i] = cube(kb_add(s[i], rc[i]));
    p2_external_layer(s);
}

/* One partial round: s_0 <- (s_0 + rc)^3, then s_i <- sum + d_i s_i with the
 * diagonal of p2_diag written out as additions, shifts and halvings (no Montgomery
 * product: the state is multiplied by plain constants, which keeps Montgomery
 * form). Each d_i s_i is taken as a value in [0, 4p] (a negative d as k p - |d| s),
 * the sum of the 16 elements stays unreduced below 16 p, so an element before its
 * one reduction is below 20 p. The sum of s_1..s_15 does not wait for the S-box. */
kb p2_partial_round(kb s[P2_WIDTH], kb rc)
{
    const uint64_t P = KB_P;
    kb x = cube(kb_add(s[0], rc));
    uint64_t rest = ((((uint64_t)s[1] + s[2]) + ((uint64_t)s[3] + s[4])) +
                     (((uint64_t)s[5] + s[6]) + ((uint64_t)s[7] + s[8]))) +
                    ((((uint64_t)s[9] + s[10]) + ((uint64_t)s[11] + s[12])) +
                     (((uint64_t)s[13] + s[14]) + s[15]));
    uint64_t t = rest + x;
    s[0] = fold(t + 2 * P - 2 * (uint64_t)x); /* -2 */
    s[1] = fold(t + s[1]);                    /* 1 */
    s[2] = fold(t + 2 * (uint64_t)s[2]);      /* 2 */
    s[3] = fold(t + half(s[3], 1));           /* 1/2 */
    s[4] = fold(t + 3 * (uint64_t)s[4]);      /* 3 */
    s[5] = fold(t + 4 * (uint64_t)s[5]);      /* 4 */
    s[6] = fold(t + P - half(s[6], 1));       /* -1/2 */
    s[7] = fold(t + 3 * (P - s[7]));          /* -3 */
    s[8] = fold(t + 4 * (P - s[8]));          /* -4 */
    s[9] = fold(t + half(s[9], 8));           /* 1/2^8 */
    s[10] = fold(t + half(s[10], 3));         /* 1/8 */
    s[11] = fold(t + half(s[11], 24));        /* 1/2^24 */
    s[12] = fold(t + P - half(s[12], 8));     /* -1/2^8 */
    s[13] = fold(t + P - half(s[13], 3));     /* -1/8 */
    s[14] = fold(t + P - half(s[14], 4));     /* -1/16 */
    s[15] = fold(t + P - half(s[15], 24));    /* -1/2^24 */
    return x;
}

void p2_scalar_permute_record(kb s[P2_WIDTH], kb *rec)
{
    p2_external_layer(s);
    for (int r = 0; r < 4; r++) {
        p2_full_round(s, p2_rc_ext_init[r]);
        if (rec)
            memcpy(rec + P2_WIDTH * r, s, P2_WIDTH * sizeof(kb));
    }
    for (int r = 0; r < 20; r++) {
        kb x = p2_partial_round(s, p2_rc_int[r]);
        if (rec)
            rec[64 + r] = x;
    }
    for (int r = 0; r < 4; r++) {
        p2_full_round(s, p2_rc_ext_final[r]);
        if (rec && r < 3)
            memcpy(rec + 84 + P2_WIDTH * r, s, P2_WIDTH * sizeof(kb));
    }
}

void p2_permute_record(kb s[P2_WIDTH], kb *rec)
{
#if defined(__x86_64__)
    if (kb_simd_level() == 2) {
        p2_avx512_permute_record(s, rec);
        return;
    }
#endif
    p2_scalar_permute_record(s, rec);
}

void p2_permute(kb state[P2_WIDTH])
{
    p2_permute_record(state, NULL);
}

void p2_scalar_permute_many(kb *states, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p2_scalar_permute_record(states + P2_WIDTH * i, NULL);
}

void p2_permute_many(kb *states, size_t n)
{
#if defined(__x86_64__)
    int l = kb_simd_level();
    if (l == 2) {
        p2_avx512_permute_many(states, n);
        return;
    }
    if (l == 1) {
        p2_avx2_permute_many(states, n);
        return;
    }
#endif
    p2_scalar_permute_many(states, n);
}

const char *p2_backend_name(void)
{
    switch (kb_simd_level()) {
    case 2: return "avx512";
    case 1: return "avx2";
    default: return "scalar";
    }
}

void p2_compress(p2_digest *out, const p2_digest *left, const p2_digest *right)
{
    kb s[P2_WIDTH];
    memcpy(s, left->v, sizeof left->v);
    memcpy(s + P2_DIGEST_LEN, right->v, sizeof right->v);
    p2_permute(s);
    memcpy(out->v, s, sizeof out->v);
}

/* The tag goes in the first capacity element as a canonical integer, so the
 * capacity (never touched by input) differs between domains from the start. */
void p2_sponge_init(p2_sponge *s, unsigned domain)
{
    memset(s->state, 0, sizeof s->state);
    s->state[P2_RATE] = kb_from_u32(domain);
    s->pos = 0;
}

/* Input is added into the rate; a full rate block is permuted at once. Because
 * finishing always appends the padding element, this is the same as padding first
 * and permuting block by block. */
void p2_sponge_absorb(p2_sponge *s, const kb *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s->state[s->pos] = kb_add(s->state[s->pos], x[i]);
        if (++s->pos == P2_RATE) {
            p2_permute(s->state);
            s->pos = 0;
        }
    }
}

void p2_sponge_finish(p2_sponge *s, p2_digest *out)
{
    s->state[s->pos] = kb_add(s->state[s->pos], KB_ONE);
    p2_permute(s->state);
    memcpy(out->v, s->state, sizeof out->v);
    s->pos = 0;
}

void p2_hash(p2_digest *out, unsigned domain, const kb *x, size_t n)
{
    p2_sponge s;
    p2_sponge_init(&s, domain);
    p2_sponge_absorb(&s, x, n);
    p2_sponge_finish(&s, out);
}
