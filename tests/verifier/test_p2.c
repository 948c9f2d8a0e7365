/* Poseidon2-16: the published known-answer test and the constants, both read from
 * the shared JSON at run time; an independent reference built from that file only;
 * agreement of the scalar, AVX2 and AVX-512 paths; sponge padding and domains;
 * compression. */
#include <jansson.h>
#include <stdlib.h>

#include "common/error.h"
#include "tests/test.h"
#include "verifier/kb_simd.h"
#include "verifier/p2.h"

/* The specification, read from JSON, in canonical form. */
static uint32_t s_init[4][16], s_final[4][16], s_int[20];
static uint32_t kat_in[16], kat_out[16];

static int parse_hex_u32(json_t *v, uint32_t *out)
{
    const char *s = json_string_value(v);
    if (!s)
        return -1;
    char *end;
    unsigned long x = strtoul(s, &end, 16);
    if (*end || x >= KB_P)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

static int load_spec(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/poseidon2-koalabear16.json", t_vectors_dir());
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j) {
        fprintf(stderr, "cannot read %s: %s\n", path, err.text);
        return -1;
    }
    int bad = 0;
    bad |= json_integer_value(json_object_get(j, "prime")) != KB_P;
    bad |= json_integer_value(json_object_get(j, "width")) != 16;
    bad |= json_integer_value(json_object_get(j, "sbox_degree")) != 3;
    bad |= json_integer_value(json_object_get(j, "full_rounds")) != 8;
    bad |= json_integer_value(json_object_get(j, "partial_rounds")) != 20;
    json_t *ei = json_object_get(j, "external_initial"), *ef = json_object_get(j, "external_final");
    json_t *in = json_object_get(j, "internal");
    bad |= json_array_size(ei) != 4 || json_array_size(ef) != 4 || json_array_size(in) != 20;
    for (size_t r = 0; !bad && r < 4; r++) {
        bad |= json_array_size(json_array_get(ei, r)) != 16;
        bad |= json_array_size(json_array_get(ef, r)) != 16;
        for (size_t i = 0; !bad && i < 16; i++) {
            bad |= parse_hex_u32(json_array_get(json_array_get(ei, r), i), &s_init[r][i]);
            bad |= parse_hex_u32(json_array_get(json_array_get(ef, r), i), &s_final[r][i]);
        }
    }
    for (size_t r = 0; !bad && r < 20; r++)
        bad |= parse_hex_u32(json_array_get(in, r), &s_int[r]);
    json_t *kat = json_array_get(json_object_get(j, "known_answer_tests"), 0);
    json_t *ki = json_object_get(kat, "input"), *ko = json_object_get(kat, "output");
    bad |= json_array_size(ki) != 16 || json_array_size(ko) != 16;
    for (size_t i = 0; !bad && i < 16; i++) {
        kat_in[i] = (uint32_t)json_integer_value(json_array_get(ki, i));
        kat_out[i] = (uint32_t)json_integer_value(json_array_get(ko, i));
    }
    json_decref(j);
    if (bad)
        fprintf(stderr, "%s: unexpected shape\n", path);
    return bad ? -1 : 0;
}

/* ---- a reference permutation on canonical integers, from the JSON alone ---- */

static uint32_t r_mul(uint32_t a, uint32_t b)
{
    return (uint32_t)((uint64_t)a * b % KB_P);
}
static uint32_t r_add(uint32_t a, uint32_t b)
{
    return (uint32_t)(((uint64_t)a + b) % KB_P);
}
static uint32_t r_pow(uint32_t a, uint64_t e)
{
    uint32_t r = 1;
    for (; e; e >>= 1, a = r_mul(a, a))
        if (e & 1)
            r = r_mul(r, a);
    return r;
}
static uint32_t r_cube(uint32_t x)
{
    return r_mul(r_mul(x, x), x);
}

static uint32_t r_diag[16];

static void r_init_diag(void)
{
    /* "[-2, 1, 2, 1/2, 3, 4, -1/2, -3, -4, 1/2^8, 1/8, 1/2^24, -1/2^8, -1/8, -1/16,
     * -1/2^24]" from the JSON, with inverses by Fermat. */
    const int num[16] = {-2, 1, 2, 1, 3, 4, -1, -3, -4, 1, 1, 1, -1, -1, -1, -1};
    const int log_den[16] = {0, 0, 0, 1, 0, 0, 1, 0, 0, 8, 3, 24, 8, 3, 4, 24};
    for (int i = 0; i < 16; i++) {
        uint32_t n = num[i] < 0 ? KB_P - (uint32_t)(-num[i]) : (uint32_t)num[i];
        r_diag[i] = r_mul(n, r_pow(r_pow(2, (uint64_t)log_den[i]), KB_P - 2));
    }
}

static void r_ext(uint32_t s[16])
{
    static const int m4[4][4] = {{2, 3, 1, 1}, {1, 2, 3, 1}, {1, 1, 2, 3}, {3, 1, 1, 2}};
    uint32_t t[16];
    for (int c = 0; c < 16; c += 4)
        for (int i = 0; i < 4; i++) {
            uint64_t acc = 0;
            for (int k = 0; k < 4; k++)
                acc += (uint64_t)m4[i][k] * s[c + k];
            t[c + i] = (uint32_t)(acc % KB_P);
        }
    for (int i = 0; i < 16; i++) {
        uint64_t acc = t[i];
        for (int j = i % 4; j < 16; j += 4)
            acc += t[j];
        s[i] = (uint32_t)(acc % KB_P);
    }
}

/* One full round and one partial round of the reference (the partial one returns
 * its S-box's output). */
static void r_full(uint32_t s[16], const uint32_t rc[16])
{
    for (int i = 0; i < 16; i++)
        s[i] = r_cube(r_add(s[i], rc[i]));
    r_ext(s);
}

static uint32_t r_partial(uint32_t s[16], uint32_t rc)
{
    uint32_t x = s[0] = r_cube(r_add(s[0], rc));
    uint64_t tot = 0;
    for (int i = 0; i < 16; i++)
        tot += s[i];
    for (int i = 0; i < 16; i++)
        s[i] = (uint32_t)((tot + (uint64_t)r_diag[i] * s[i]) % KB_P);
    return x;
}

/* The reference permutation; rec (when not NULL) gets p2_permute_record's record. */
static void r_permute_rec(uint32_t s[16], uint32_t *rec)
{
    r_ext(s);
    for (int r = 0; r < 4; r++) {
        r_full(s, s_init[r]);
        if (rec)
            memcpy(rec + 16 * r, s, 16 * sizeof *s);
    }
    for (int r = 0; r < 20; r++) {
        uint32_t x = r_partial(s, s_int[r]);
        if (rec)
            rec[64 + r] = x;
    }
    for (int r = 0; r < 4; r++) {
        r_full(s, s_final[r]);
        if (rec && r < 3)
            memcpy(rec + 84 + 16 * r, s, 16 * sizeof *s);
    }
}

static void r_permute(uint32_t s[16])
{
    r_permute_rec(s, NULL);
}

static void to_kb(kb out[16], const uint32_t in[16])
{
    for (int i = 0; i < 16; i++)
        out[i] = kb_from_canonical(in[i]);
}

static void test_constants(void)
{
    for (int r = 0; r < 4; r++)
        for (int i = 0; i < 16; i++) {
            CHECK_EQ(kb_to_canonical(p2_rc_ext_init[r][i]), s_init[r][i]);
            CHECK_EQ(kb_to_canonical(p2_rc_ext_final[r][i]), s_final[r][i]);
        }
    for (int r = 0; r < 20; r++)
        CHECK_EQ(kb_to_canonical(p2_rc_int[r]), s_int[r]);
    for (int i = 0; i < 16; i++)
        CHECK_MSG(kb_to_canonical(p2_diag[i]) == r_diag[i], "diag[%d]", i);
}

static void test_kat(void)
{
    uint32_t ref[16];
    memcpy(ref, kat_in, sizeof ref);
    r_permute(ref);
    CHECK_MEM(ref, kat_out, sizeof ref);

    kb s[16];
    to_kb(s, kat_in);
    p2_permute(s);
    for (int i = 0; i < 16; i++)
        CHECK_MSG(kb_to_canonical(s[i]) == kat_out[i], "KAT output %d: %u != %u", i,
                  kb_to_canonical(s[i]), kat_out[i]);
}

/* The round functions one by one (p2_external_layer, p2_full_round,
 * p2_partial_round reduce lazily: their bounds are tightest at the edges) on
 * states of edge values and random ones, against the reference rounds. The state
 * is in Montgomery form; the linear layers commute with it, the S-boxes are
 * compared through kb_to_canonical. */
static void test_rounds(void)
{
    static const uint32_t edge[] = {0,        1,        2,        KB_P - 1,
                                    KB_P - 2, KB_P / 2, 1u << 24, KB_P - (1u << 24)};
    for (int it = 0; it < 3000; it++) {
        kb s[16], e[16];
        uint32_t c[16], ce[16];
        for (int i = 0; i < 16; i++) {
            uint32_t r = (uint32_t)t_rand();
            s[i] = it < 8 ? edge[it] : (r & 1) ? edge[(r >> 1) % 8] : (r >> 4) % KB_P;
            c[i] = kb_to_canonical(s[i]);
        }
        memcpy(e, s, sizeof e);
        memcpy(ce, c, sizeof ce);
        p2_external_layer(e);
        r_ext(ce);
        for (int i = 0; i < 16; i++)
            CHECK_MSG(kb_to_canonical(e[i]) == ce[i], "external layer, iteration %d lane %d", it,
                      i);

        int r = it % 20;
        memcpy(e, s, sizeof e);
        memcpy(ce, c, sizeof ce);
        kb x = p2_partial_round(e, p2_rc_int[r]);
        CHECK_EQ(kb_to_canonical(x), r_partial(ce, s_int[r]));
        for (int i = 0; i < 16; i++)
            CHECK_MSG(kb_to_canonical(e[i]) == ce[i], "partial round, iteration %d lane %d", it, i);

        memcpy(e, s, sizeof e);
        memcpy(ce, c, sizeof ce);
        p2_full_round(e, p2_rc_ext_final[r % 4]);
        r_full(ce, s_final[r % 4]);
        for (int i = 0; i < 16; i++)
            CHECK_MSG(kb_to_canonical(e[i]) == ce[i], "full round, iteration %d lane %d", it, i);
        if (t_failures)
            return;
    }
}

static void test_random_vs_reference(void)
{
    for (int it = 0; it < 300; it++) {
        uint32_t c[16];
        kb s[16];
        for (int i = 0; i < 16; i++)
            c[i] = (it == 0) ? 0 : (it == 1) ? KB_P - 1 : (uint32_t)(t_rand() % KB_P);
        to_kb(s, c);
        r_permute(c);
        p2_permute(s);
        for (int i = 0; i < 16; i++)
            CHECK_EQ(kb_to_canonical(s[i]), c[i]);
        if (t_failures)
            return;
    }
}

/* p2_permute_record on every back end the CPU has (scalar, and AVX-512 with one
 * state in one register): the state and every recorded value against the
 * reference rounds, on edge and random states, and NULL records nothing. */
static void test_record(void)
{
    static const uint32_t edge[] = {0, 1, 2, KB_P - 1, KB_P - 2, KB_P / 2, 1u << 24};
    int hw = kb_simd_force(-1);
    for (int level = 0; level <= hw; level += 2) {
        kb_simd_force(level);
        for (int it = 0; it < 400; it++) {
            uint32_t c[16], want[P2_RECORD_LEN];
            kb s[16], s2[16], rec[P2_RECORD_LEN + 1];
            for (int i = 0; i < 16; i++) {
                uint32_t r = (uint32_t)t_rand();
                c[i] = it < 7 ? edge[it] : (r & 3) == 0 ? edge[(r >> 2) % 7] : (r >> 3) % KB_P;
            }
            to_kb(s, c);
            memcpy(s2, s, sizeof s);
            r_permute_rec(c, want);
            rec[P2_RECORD_LEN] = 12345;
            p2_permute_record(s, rec);
            CHECK(rec[P2_RECORD_LEN] == 12345);
            for (int i = 0; i < 16; i++)
                CHECK_MSG(kb_to_canonical(s[i]) == c[i], "%s: state %d, iteration %d",
                          p2_backend_name(), i, it);
            for (int i = 0; i < P2_RECORD_LEN; i++)
                CHECK_MSG(kb_to_canonical(rec[i]) == want[i], "%s: record %d, iteration %d",
                          p2_backend_name(), i, it);
            p2_permute_record(s2, NULL);
            CHECK(memcmp(s, s2, sizeof s) == 0);
            if (t_failures)
                break;
        }
        printf("p2_permute_record on %s agrees with the reference rounds\n", p2_backend_name());
    }
    kb_simd_force(-1);
}

static void test_backends(void)
{
    int hw = kb_simd_force(-1);
    const size_t counts[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 47, 100, 257};
    size_t maxn = 257;
    kb *init = malloc(maxn * 16 * sizeof(kb)), *want = malloc(maxn * 16 * sizeof(kb)),
       *got = malloc(maxn * 16 * sizeof(kb));
    for (size_t i = 0; i < maxn * 16; i++) {
        uint64_t r = t_rand();
        /* Mostly uniform, some edge values so lanes near p are exercised. */
        init[i] = kb_from_canonical((r & 15) == 0   ? KB_P - 1
                                    : (r & 15) == 1 ? 0
                                                    : (uint32_t)((r >> 8) % KB_P));
    }
    memcpy(want, init, maxn * 16 * sizeof(kb));
    for (size_t i = 0; i < maxn; i++)
        p2_permute(want + 16 * i);
    for (int level = 0; level <= hw; level++) {
        kb_simd_force(level);
        const char *name = p2_backend_name();
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            size_t n = counts[c];
            memcpy(got, init, maxn * 16 * sizeof(kb));
            p2_permute_many(got, n);
            CHECK_MSG(memcmp(got, want, n * 16 * sizeof(kb)) == 0, "%s, %zu states", name, n);
            /* States past n are untouched. */
            CHECK_MSG(memcmp(got + 16 * n, init + 16 * n, (maxn - n) * 16 * sizeof(kb)) == 0,
                      "%s wrote past %zu states", name, n);
        }
        printf("p2_permute_many backend %s agrees with p2_permute\n", name);
    }
    if (hw < 2)
        printf("avx512 not on this CPU: not run\n");
    if (hw < 1)
        printf("avx2 not on this CPU: not run\n");
    kb_simd_force(-1);
    free(init);
    free(want);
    free(got);
}

/* The sponge as docs/PROTOCOL.md describes it, written out directly. */
static void spec_hash(p2_digest *out, unsigned tag, const kb *x, size_t n)
{
    kb s[16] = {0};
    s[8] = kb_from_canonical(tag);
    size_t padded = (n / 8 + 1) * 8;
    for (size_t b = 0; b < padded; b += 8) {
        for (size_t i = 0; i < 8; i++) {
            size_t k = b + i;
            kb v = k < n ? x[k] : k == n ? KB_ONE : KB_ZERO;
            s[i] = kb_add(s[i], v);
        }
        p2_permute(s);
    }
    memcpy(out->v, s, sizeof out->v);
}

static int dig_eq(const p2_digest *a, const p2_digest *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

static void test_sponge(void)
{
    kb x[40];
    for (int i = 0; i < 40; i++)
        x[i] = kb_from_canonical((uint32_t)(t_rand() % KB_P));
    p2_digest d[41], e;
    for (size_t n = 0; n <= 40; n++) {
        p2_hash(&d[n], P2_DOM_GENERIC, x, n);
        spec_hash(&e, P2_DOM_GENERIC, x, n);
        CHECK_MSG(dig_eq(&d[n], &e), "length %zu", n);
        /* Incremental absorption in uneven pieces gives the same digest. */
        p2_sponge s;
        p2_sponge_init(&s, P2_DOM_GENERIC);
        size_t done = 0, step = 1;
        while (done < n) {
            size_t m = n - done < step ? n - done : step;
            p2_sponge_absorb(&s, x + done, m);
            done += m;
            step = step * 2 + 1;
        }
        p2_sponge_finish(&s, &e);
        CHECK_MSG(dig_eq(&d[n], &e), "incremental, length %zu", n);
    }
    for (size_t a = 0; a <= 40; a++)
        for (size_t b = a + 1; b <= 40; b++)
            CHECK_MSG(!dig_eq(&d[a], &d[b]), "lengths %zu and %zu collide", a, b);

    /* Padding injectivity: [v] vs [v, 0], and [v, 1] vs [v] (the pad is 1). */
    for (int k = 0; k < 3; k++) {
        kb v = k == 0 ? KB_ZERO : x[k];
        kb one[1] = {v}, two[2] = {v, KB_ZERO}, pad[2] = {v, KB_ONE};
        p2_digest h1, h2, h3;
        p2_hash(&h1, P2_DOM_GENERIC, one, 1);
        p2_hash(&h2, P2_DOM_GENERIC, two, 2);
        p2_hash(&h3, P2_DOM_GENERIC, pad, 2);
        CHECK(!dig_eq(&h1, &h2));
        CHECK(!dig_eq(&h1, &h3));
        CHECK(!dig_eq(&h2, &h3));
    }
    /* Eight zeros (a full block) vs seven. */
    kb z[8] = {0};
    p2_digest h7, h8;
    p2_hash(&h7, P2_DOM_GENERIC, z, 7);
    p2_hash(&h8, P2_DOM_GENERIC, z, 8);
    CHECK(!dig_eq(&h7, &h8));

    /* Domains: every tag gives a different digest of the same input. */
    p2_digest t[9];
    for (unsigned tag = 1; tag <= 9; tag++)
        p2_hash(&t[tag - 1], tag, x, 5);
    for (int a = 0; a < 9; a++)
        for (int b = a + 1; b < 9; b++)
            CHECK_MSG(!dig_eq(&t[a], &t[b]), "tags %d and %d collide", a + 1, b + 1);
}

static void test_compress(void)
{
    p2_digest l, r, out;
    for (int i = 0; i < 8; i++) {
        l.v[i] = kb_from_canonical((uint32_t)(t_rand() % KB_P));
        r.v[i] = kb_from_canonical((uint32_t)(t_rand() % KB_P));
    }
    kb s[16];
    memcpy(s, l.v, sizeof l.v);
    memcpy(s + 8, r.v, sizeof r.v);
    p2_permute(s);
    p2_compress(&out, &l, &r);
    CHECK_MEM(out.v, s, sizeof out.v);
    p2_digest swapped;
    p2_compress(&swapped, &r, &l);
    CHECK(!dig_eq(&out, &swapped));
    /* Compression is not the sponge of the same 16 elements under any tag. */
    for (unsigned tag = 1; tag <= 9; tag++) {
        p2_digest h;
        p2_hash(&h, tag, s, 0);
        kb both[16];
        memcpy(both, l.v, sizeof l.v);
        memcpy(both + 8, r.v, sizeof r.v);
        p2_hash(&h, tag, both, 16);
        CHECK(!dig_eq(&h, &out));
    }
    /* Aliasing the output with an input. */
    p2_digest a = l;
    p2_compress(&a, &a, &r);
    CHECK(dig_eq(&a, &out));
}

int main(void)
{
    t_seed();
    if (load_spec()) {
        fprintf(stderr, "the Poseidon2 specification could not be read\n");
        return 1;
    }
    r_init_diag();
    test_constants();
    test_kat();
    test_random_vs_reference();
    test_rounds();
    test_record();
    test_backends();
    test_sponge();
    test_compress();
    return t_report("test_p2");
}
