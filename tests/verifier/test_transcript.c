/* The Fiat-Shamir transcript: determinism, every observed element affects every
 * later challenge, bit sampling range, and proof-of-work grinding returns the
 * smallest valid nonce, which verification accepts while rejecting others. */
#include "common/error.h"
#include "tests/test.h"
#include "verifier/transcript.h"

static kb rk(void)
{
    return kb_from_canonical((uint32_t)(t_rand() % KB_P));
}

enum { N_OBS = 21, N_CH = 12 };

/* A fixed script: observe a mix of kinds, sampling in between; records every
 * challenge. obs[] are the base elements observed, in order. */
static void script(const kb obs[N_OBS], kb ch[N_CH])
{
    tr_state t;
    tr_init(&t);
    int c = 0;
    tr_observe(&t, obs[0]);
    tr_observe(&t, obs[1]);
    ch[c++] = tr_sample(&t);
    p2_digest d;
    memcpy(d.v, obs + 2, sizeof d.v); /* obs[2..9] */
    tr_observe_digest(&t, &d);
    kb4 e = tr_sample_ext(&t);
    for (int i = 0; i < 4; i++)
        ch[c++] = e.c[i];
    kb4 x = {{obs[10], obs[11], obs[12], obs[13]}};
    tr_observe_ext(&t, x);
    ch[c++] = tr_sample(&t);
    tr_observe_many(&t, obs + 14, 7); /* obs[14..20] */
    for (; c < N_CH; c++)
        ch[c] = tr_sample(&t);
}

static void test_determinism_and_sensitivity(void)
{
    kb obs[N_OBS], a[N_CH], b[N_CH];
    for (int i = 0; i < N_OBS; i++)
        obs[i] = rk();
    script(obs, a);
    script(obs, b);
    CHECK_MEM(a, b, sizeof a);
    /* Challenges drawn from one state differ from each other. */
    for (int i = 0; i < N_CH; i++)
        for (int j = i + 1; j < N_CH; j++)
            CHECK(a[i] != a[j]);
    /* The first challenge that follows each observation in the script. */
    static const int first_after[N_OBS] = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 5,
                                           5, 5, 5, 6, 6, 6, 6, 6, 6, 6};
    for (int i = 0; i < N_OBS; i++) {
        kb m[N_OBS];
        memcpy(m, obs, sizeof m);
        m[i] = kb_add(m[i], KB_ONE);
        script(m, b);
        for (int c = 0; c < first_after[i]; c++)
            CHECK_MSG(a[c] == b[c], "observation %d changed the earlier challenge %d", i, c);
        for (int c = first_after[i]; c < N_CH; c++)
            CHECK_MSG(a[c] != b[c], "observation %d did not change challenge %d", i, c);
    }
}

static void test_lengths_differ(void)
{
    /* [x] and [x, 0] (and the empty observation) give different challenges. */
    kb x = rk();
    tr_state t1, t2, t3;
    tr_init(&t1);
    tr_init(&t2);
    tr_init(&t3);
    tr_observe(&t1, x);
    tr_observe(&t2, x);
    tr_observe(&t2, KB_ZERO);
    kb c1 = tr_sample(&t1), c2 = tr_sample(&t2), c3 = tr_sample(&t3);
    CHECK(c1 != c2);
    CHECK(c1 != c3);
    CHECK(c2 != c3);
    /* Eight observations (one full block) then a sample vs nine. */
    tr_init(&t1);
    tr_init(&t2);
    for (int i = 0; i < 8; i++) {
        tr_observe(&t1, KB_ZERO);
        tr_observe(&t2, KB_ZERO);
    }
    tr_observe(&t2, KB_ZERO);
    CHECK(tr_sample(&t1) != tr_sample(&t2));
    /* A copy is an independent fork. */
    tr_init(&t1);
    tr_observe(&t1, x);
    t2 = t1;
    CHECK_EQ(tr_sample(&t1), tr_sample(&t2));
}

static void test_sample_bits(void)
{
    tr_state t;
    tr_init(&t);
    tr_observe(&t, rk());
    uint32_t v, seen_or = 0;
    for (unsigned bits = 0; bits <= TR_MAX_SAMPLE_BITS; bits++)
        for (int i = 0; i < 200; i++) {
            CHECK_OK(tr_sample_bits(&t, bits, &v));
            CHECK_MSG(v < (1u << bits) || (bits == 0 && v == 0), "bits %u gave %u", bits, v);
            if (bits == TR_MAX_SAMPLE_BITS)
                seen_or |= v;
        }
    /* All 24 bit positions occur among 200 samples (a miss is ~2^-200 likely). */
    CHECK_EQ(seen_or, (1u << 24) - 1);
    v = 77;
    CHECK_ERR(tr_sample_bits(&t, TR_MAX_SAMPLE_BITS + 1, &v), ZK_ERR_INVALID_ARG);
    CHECK_EQ(v, 77);
    /* The low bits of the base sample, as documented. */
    tr_state a, b;
    tr_init(&a);
    b = a;
    kb x = tr_sample(&a);
    CHECK_OK(tr_sample_bits(&b, 10, &v));
    CHECK_EQ(v, kb_to_canonical(x) & 1023);
}

static void test_grind(void)
{
    for (unsigned pending = 0; pending < 8; pending++) {
        for (unsigned bits = 0; bits <= 8; bits += 2) {
            tr_state base;
            tr_init(&base);
            tr_observe(&base, rk());
            (void)tr_sample(&base);
            for (unsigned i = 0; i < pending; i++)
                tr_observe(&base, rk());
            tr_state g = base;
            uint32_t nonce = 0;
            CHECK_OK(tr_grind(&g, bits, &nonce));
            /* Every smaller nonce fails, this one passes, and the transcript after
             * grinding equals the verifier's after checking. */
            for (uint32_t n = 0; n < nonce; n++) {
                tr_state v = base;
                if (tr_check_pow(&v, bits, n) == ZK_OK) {
                    CHECK_MSG(0, "nonce %u < %u also valid (bits %u, pending %u)", n, nonce, bits,
                              pending);
                    break;
                }
            }
            tr_state v = base;
            CHECK_OK(tr_check_pow(&v, bits, nonce));
            CHECK_EQ(tr_sample(&v), tr_sample(&g));
            if (bits == 0)
                CHECK_EQ(nonce, 0);
        }
    }
    /* A harder case, where the smallest nonce is found in a later chunk. */
    tr_state base;
    tr_init(&base);
    tr_observe(&base, rk());
    tr_state g = base;
    uint32_t nonce;
    CHECK_OK(tr_grind(&g, 14, &nonce));
    int rejected = 0, tried = 0;
    for (uint32_t n = 0; n < nonce; n++) {
        tr_state v = base;
        tried++;
        rejected += tr_check_pow(&v, 14, n) == ZK_ERR_PROOF;
    }
    CHECK_EQ(rejected, tried);
    tr_state v = base;
    CHECK_OK(tr_check_pow(&v, 14, nonce));
    /* Other nonces above it are rejected unless they happen to be valid too, which
     * tr_check_pow decides on the same rule. */
    for (uint32_t n = nonce + 1; n < nonce + 50; n++) {
        tr_state w = base, w2 = base;
        int rc = tr_check_pow(&w, 14, n);
        uint32_t x = kb_to_canonical((tr_observe(&w2, kb_from_canonical(n)), tr_sample(&w2)));
        CHECK_EQ(rc == ZK_OK, x < (1u << 17));
    }
    v = base;
    CHECK_ERR(tr_check_pow(&v, 14, KB_P), ZK_ERR_PROOF);
    v = base;
    CHECK_ERR(tr_check_pow(&v, 14, 0xffffffffu), ZK_ERR_PROOF);
    v = base;
    CHECK_ERR(tr_check_pow(&v, TR_MAX_POW_BITS + 1, nonce), ZK_ERR_INVALID_ARG);
    CHECK_ERR(tr_grind(&v, TR_MAX_POW_BITS + 1, &nonce), ZK_ERR_INVALID_ARG);
    printf("14-bit proof of work: smallest nonce %u\n", nonce);
}

int main(void)
{
    t_seed();
    test_determinism_and_sensitivity();
    test_lengths_differ();
    test_sample_bits();
    test_grind();
    return t_report("test_transcript");
}
