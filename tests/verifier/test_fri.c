/* FRI: schedules, presets and security bits; folding against its definition;
 * prove -> encode -> decode -> verify over many degrees and parameters (accepted);
 * polynomials of too high a degree and random values (rejected); every byte of a
 * small proof mutated, truncated and extended (rejected, never a crash); a wrong F
 * value and a wrong proof-of-work nonce (rejected). The test plays the PLONK layer:
 * it knows F and gives the verifier F's value at each query. */
#include <math.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/par.h"
#include "prover/fri_prove.h"
#include "prover/ntt.h"
#include "tests/test.h"
#include "verifier/codec.h"
#include "verifier/fri.h"

#define MAX_LOG_N 20

static ntt_plan *plan;

static kb rk(void)
{
    return kb_from_canonical((uint32_t)(t_rand() % KB_P));
}

static kb4 rk4(void)
{
    return (kb4){{rk(), rk(), rk(), rk()}};
}

static kb4 rk4_nonzero(void)
{
    kb4 x;
    do
        x = rk4();
    while (kb4_is_zero(x));
    return x;
}

static fri_params prm(unsigned b, unsigned a, unsigned f, unsigned q, unsigned pow, unsigned cap)
{
    return (fri_params){.log_blowup = b,
                        .arity_bits = a,
                        .final_log = f,
                        .num_queries = q,
                        .pow_bits = pow,
                        .cap_log = cap};
}

static kb4 horner(const kb4 *c, size_t n, kb4 x)
{
    kb4 acc = kb4_zero();
    while (n-- > 0)
        acc = kb4_add(kb4_mul(acc, x), c[n]);
    return acc;
}

/* kinds of F */
enum { F_LOW, F_HIGH, F_RANDOM };

/* F's values on g H_N, N = 2^log_n: F_LOW a random polynomial of degree < 2^d,
 * F_HIGH one of degree exactly 2^d, F_RANDOM random values. */
static kb4 *make_evals(unsigned d, unsigned log_n, int kind)
{
    size_t n = (size_t)1 << log_n, k = (size_t)1 << d;
    kb4 *v = calloc(n, sizeof *v);
    if (!v)
        return NULL;
    if (kind == F_RANDOM) {
        for (size_t i = 0; i < n; i++)
            v[i] = rk4();
        return v;
    }
    for (size_t i = 0; i < k; i++)
        v[i] = rk4();
    if (kind == F_HIGH)
        v[k] = rk4_nonzero();
    kb4 c[3] = {v[0], v[1], kind == F_HIGH && k == 2 ? v[2] : kb4_zero()};
    size_t nc = k + (kind == F_HIGH);
    int rc = ntt_coset_forward(plan, (kb *)v, log_n, KB4_DEGREE, NTT_ROW_MAJOR,
                               kb_from_canonical(FRI_DOMAIN_SHIFT), NTT_NATURAL);
    CHECK_OK(rc);
    if (nc <= 3) {
        /* The evaluation convention: row j is F(g w_N^j). */
        size_t j = t_rand() % n;
        kb x = kb_mul(kb_from_canonical(FRI_DOMAIN_SHIFT), kb_pow(kb_root_of_unity(log_n), j));
        CHECK(kb4_eq(v[j], horner(c, nc, kb4_from_base(x))));
    }
    return v;
}

/* Steps 1-6 of the transcript, as far as FRI cares: some earlier observation. */
static void transcript_start(tr_state *t)
{
    tr_init(t);
    tr_observe(t, kb_from_canonical(0x5a4b));
}

/* Proves evals and encodes items 4 and 5 (FRI part) into out (initialised here). */
static int prove_bytes(const fri_params *p, unsigned d, const kb4 *evals, zk_buf *out,
                       uint32_t *queries, uint32_t *nonce)
{
    tr_state t;
    transcript_start(&t);
    zk_buf_init(out, (size_t)1 << 26);
    fri_prover *fp = NULL;
    fri_proof pr = {0};
    fri_schedule s;
    int rc = fri_schedule_make(&s, p, d);
    if (!rc)
        rc = fri_prove_commit(&fp, &t, p, d, evals, queries);
    if (!rc)
        rc = fri_prove_finish(fp, &pr);
    if (!rc) {
        cd_writer w;
        cd_writer_init(&w, out);
        fri_proof_encode_commit(&w, &pr, &s, p);
        fri_proof_encode_queries(&w, &pr, &s);
        rc = w.err;
        if (nonce)
            *nonce = pr.pow_nonce;
    }
    fri_proof_free(&pr);
    fri_prover_free(fp);
    return rc;
}

/* Decodes and verifies; the test's own F values go to the verifier, with
 * f_at_q[0] changed when tamper_f. */
static int verify_bytes(const fri_params *p, unsigned d, const uint8_t *bytes, size_t len,
                        const kb4 *evals, int tamper_f, uint32_t *queries_out)
{
    fri_schedule s;
    int rc = fri_schedule_make(&s, p, d);
    if (rc)
        return rc;
    tr_state t;
    transcript_start(&t);
    cd_reader r;
    cd_reader_init(&r, bytes, len);
    fri_proof pr;
    fri_challenges ch;
    rc = fri_proof_decode_commit(&r, &pr, &s, p);
    if (!rc)
        rc = fri_verify_commit(&t, p, &s, &pr, &ch);
    if (!rc)
        rc = fri_proof_decode_queries(&r, &pr, &s, ch.queries, p->num_queries);
    if (!rc)
        rc = cd_reader_finish(&r);
    if (!rc) {
        kb4 f[FRI_MAX_QUERIES];
        for (unsigned k = 0; k < p->num_queries; k++)
            f[k] = evals[ch.queries[k]];
        if (tamper_f)
            f[0] = kb4_add(f[0], kb4_one());
        rc = fri_verify_queries(p, &s, &pr, &ch, f);
        if (queries_out)
            memcpy(queries_out, ch.queries, p->num_queries * sizeof *queries_out);
    }
    fri_proof_free(&pr);
    return rc;
}

static void test_schedule(void)
{
    fri_params p;
    fri_schedule s;
    CHECK_OK(fri_preset("batch", &p));
    CHECK_OK(fri_schedule_make(&s, &p, 20));
    CHECK_EQ(s.log_lde, 23);
    CHECK_EQ(s.nlayers, 5);
    static const unsigned ar[5] = {4, 4, 4, 4, 1}, ls[6] = {23, 19, 15, 11, 7, 6};
    for (unsigned i = 0; i < 5; i++) {
        CHECK_EQ(s.arity_bits[i], ar[i]);
        CHECK_EQ(s.cap_log[i], 4);
    }
    for (unsigned i = 0; i < 6; i++)
        CHECK_EQ(s.log_size[i], ls[i]);
    CHECK_EQ(s.final_degree_log, 3);
    /* A cap larger than a small tree shrinks to the tree's height. */
    p = prm(2, 2, 0, 4, 0, 8);
    CHECK_OK(fri_schedule_make(&s, &p, 4));
    CHECK_EQ(s.nlayers, 2);
    CHECK_EQ(s.cap_log[0], 4);
    CHECK_EQ(s.cap_log[1], 2);
    CHECK_EQ(s.log_size[2], 2);
    for (unsigned d = 0; d <= 3; d++) {
        p = prm(3, 4, 3, 4, 0, 4);
        CHECK_OK(fri_schedule_make(&s, &p, d));
        CHECK_EQ(s.nlayers, 0);
        CHECK_EQ(s.log_size[0], d + 3);
        CHECK_EQ(s.final_degree_log, d);
    }
    /* The largest schedule fits FRI_MAX_LAYERS. */
    p = prm(2, 1, 0, 1, 0, 0);
    CHECK_OK(fri_schedule_make(&s, &p, 22));
    CHECK_EQ(s.nlayers, 22);
}

static void test_invalid_params(void)
{
    fri_schedule s;
    fri_params good = prm(3, 4, 3, 28, 16, 4), p;
#define BAD(field, value)                                                                          \
    do {                                                                                           \
        p = good;                                                                                  \
        p.field = value;                                                                           \
        CHECK_ERR(fri_schedule_make(&s, &p, 10), ZK_ERR_INVALID_ARG);                              \
        CHECK(strstr(zk_err_detail(), #field) != NULL);                                            \
        CHECK(fri_proven_bits(&p, 10) == 0.0);                                                     \
    } while (0)
    BAD(log_blowup, 1);
    BAD(log_blowup, 9);
    BAD(arity_bits, 0);
    BAD(arity_bits, 5);
    BAD(final_log, FRI_MAX_FINAL_LOG + 1);
    BAD(num_queries, 0);
    BAD(num_queries, FRI_MAX_QUERIES + 1);
    BAD(pow_bits, TR_MAX_POW_BITS + 1);
    BAD(cap_log, 9);
#undef BAD
    CHECK_OK(fri_schedule_make(&s, &good, 21));
    CHECK_ERR(fri_schedule_make(&s, &good, 22), ZK_ERR_INVALID_ARG);
    CHECK_ERR(fri_schedule_make(NULL, &good, 2), ZK_ERR_INVALID_ARG);
    /* A schedule that does not come from the parameters is refused. */
    fri_proof pr = {0};
    tr_state t;
    fri_challenges ch;
    tr_init(&t);
    CHECK_OK(fri_schedule_make(&s, &good, 10));
    s.cap_log[0] = 3;
    CHECK_ERR(fri_verify_commit(&t, &good, &s, &pr, &ch), ZK_ERR_INVALID_ARG);
    /* The prover refuses what the schedule refuses. */
    kb4 v[4] = {{{0}}};
    uint32_t q[FRI_MAX_QUERIES];
    fri_prover *fp = NULL;
    p = good;
    p.arity_bits = 7;
    CHECK_ERR(fri_prove_commit(&fp, &t, &p, 0, v, q), ZK_ERR_INVALID_ARG);
    CHECK(fp == NULL);
}

static void test_presets_and_bits(void)
{
    fri_params p;
    static const char *names[] = {"test", "batch", "aggregate", "settle"};
    static const double conj[] = {8, 100, 100, 123};
    CHECK_EQ(fri_preset_count(), 4);
    for (size_t i = 0; i < 4; i++) {
        CHECK(fri_preset_at(i) && strcmp(fri_preset_at(i), names[i]) == 0);
        CHECK_OK(fri_preset(names[i], &p));
        CHECK(fri_conjectured_bits(&p) == conj[i]);
        for (unsigned d = 16; d <= 20; d += 4) {
            double pb = fri_proven_bits(&p, d);
            printf("preset %-9s b=%u a=%u final_log=%u q=%u pow=%u cap=%u: conjectured %.0f, "
                   "proven (log_degree %u) %.1f\n",
                   names[i], p.log_blowup, p.arity_bits, p.final_log, p.num_queries, p.pow_bits,
                   p.cap_log, fri_conjectured_bits(&p), d, pb);
            CHECK(pb > 0.0 && pb < fri_conjectured_bits(&p));
        }
    }
    CHECK(fri_preset_at(4) == NULL);
    CHECK_ERR(fri_preset("fast", &p), ZK_ERR_NOT_FOUND);
    CHECK(strstr(zk_err_detail(), "settle") != NULL);
    /* Proven bits grow with queries and grinding and shrink with the domain. */
    CHECK_OK(fri_preset("batch", &p));
    double base = fri_proven_bits(&p, 16);
    fri_params more = p;
    more.num_queries += 10;
    CHECK(fri_proven_bits(&more, 16) > base);
    more = p;
    more.pow_bits += 4;
    CHECK(fri_proven_bits(&more, 16) > base);
    CHECK(fri_proven_bits(&p, 20) <= base);
    /* alpha > sqrt(rho) for every m, so the query part caps the bound at q b / 2 + pow. */
    CHECK(base <= p.num_queries * p.log_blowup / 2.0 + p.pow_bits + 1e-9);
    more = prm(2, 2, 2, FRI_MAX_QUERIES, 30, 2);
    CHECK(fri_conjectured_bits(&more) == 123.0);
}

/* fri_fold_row against the definition: the folded function is sum_r beta^r f_r
 * where f(x) = sum_r x^r f_r(x^K). */
static void test_fold_row(void)
{
    for (unsigned a = 1; a <= 4; a++) {
        size_t kall = (size_t)1 << a, ncoef = kall * 4;
        kb4 c[64], row[16], beta = rk4();
        for (size_t i = 0; i < ncoef; i++)
            c[i] = rk4();
        kb x0 = rk();
        if (kb_is_zero(x0))
            x0 = KB_ONE;
        kb w = kb_root_of_unity(a);
        for (size_t k = 0; k < kall; k++)
            row[k] = horner(c, ncoef, kb4_from_base(kb_mul(x0, kb_pow(w, k))));
        kb y = kb_pow(x0, kall);
        kb4 want = kb4_zero(), bp = kb4_one();
        for (size_t r = 0; r < kall; r++) {
            kb4 fr[4];
            for (size_t j = 0; j < 4; j++)
                fr[j] = c[r + kall * j];
            want = kb4_add(want, kb4_mul(bp, horner(fr, 4, kb4_from_base(y))));
            bp = kb4_mul(bp, beta);
        }
        CHECK_MSG(kb4_eq(fri_fold_row(row, a, kb_inv(x0), beta), want), "arity_bits %u", a);
    }
}

/* One parameter set over degrees lo..hi: honest proofs are accepted, degree 2^d
 * and random values are rejected, and a wrong F value is rejected. */
static void accept_reject(const fri_params *p, unsigned lo, unsigned hi)
{
    for (unsigned d = lo; d <= hi; d++) {
        unsigned log_n = d + p->log_blowup;
        for (int kind = F_LOW; kind <= F_RANDOM; kind++) {
            kb4 *ev = make_evals(d, log_n, kind);
            CHECK(ev != NULL);
            if (!ev)
                return;
            zk_buf b;
            uint32_t q[FRI_MAX_QUERIES], vq[FRI_MAX_QUERIES];
            CHECK_OK(prove_bytes(p, d, ev, &b, q, NULL));
            int rc = verify_bytes(p, d, b.data, b.len, ev, 0, vq);
            if (kind == F_LOW) {
                CHECK_MSG(rc == ZK_OK, "b=%u a=%u f=%u d=%u: %s", p->log_blowup, p->arity_bits,
                          p->final_log, d, zk_err_detail());
                CHECK_MEM(q, vq, p->num_queries * sizeof q[0]);
                CHECK_ERR(verify_bytes(p, d, b.data, b.len, ev, 1, NULL), ZK_ERR_PROOF);
            } else {
                CHECK_MSG(rc == ZK_ERR_PROOF, "b=%u a=%u f=%u d=%u kind %d: accepted (%d)",
                          p->log_blowup, p->arity_bits, p->final_log, d, kind, rc);
            }
            zk_buf_free(&b);
            free(ev);
        }
    }
}

static void test_roundtrip(void)
{
    fri_params p;
    CHECK_OK(fri_preset("test", &p));
    accept_reject(&p, 0, 8);
    p = prm(3, 4, 3, 6, 4, 4);
    accept_reject(&p, 0, 10);
    p = prm(2, 1, 0, 5, 0, 0);
    accept_reject(&p, 0, 7);
    p = prm(4, 3, 1, 3, 2, 8);
    accept_reject(&p, 0, 9);
    p = prm(2, 4, 10, 2, 0, 3); /* no layers up to degree 2^10 */
    accept_reject(&p, 0, 11);
    p = prm(8, 2, 2, 2, 1, 1);
    accept_reject(&p, 4, 6);
}

/* A batch-sized proof: accepted, the same bytes on one thread and on all, and the
 * time it takes. */
static void test_larger(void)
{
    fri_params p;
    CHECK_OK(fri_preset("batch", &p));
    unsigned d = 14, log_n = d + p.log_blowup;
    kb4 *ev = make_evals(d, log_n, F_LOW);
    CHECK(ev != NULL);
    if (!ev)
        return;
    zk_buf a, b;
    uint32_t q[FRI_MAX_QUERIES];
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_OK(prove_bytes(&p, d, ev, &a, q, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK_OK(verify_bytes(&p, d, a.data, a.len, ev, 0, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t2);
    printf("batch preset, log_degree %u (N = 2^%u): proof part %zu bytes, prove %.1f ms, "
           "verify %.2f ms (%d threads)\n",
           d, log_n, a.len, (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
           (t2.tv_sec - t1.tv_sec) * 1e3 + (t2.tv_nsec - t1.tv_nsec) / 1e6, zk_par_threads());
    int threads = zk_par_threads();
    zk_par_set_threads(1);
    CHECK_OK(prove_bytes(&p, d, ev, &b, q, NULL));
    zk_par_set_threads(threads);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    zk_buf_free(&a);
    zk_buf_free(&b);
    free(ev);
}

/* Every byte of a small proof changed in turn, then cut short and extended. */
static void test_mutations(void)
{
    fri_params p = prm(2, 2, 1, 4, 12, 1);
    unsigned d = 5;
    kb4 *ev = make_evals(d, d + p.log_blowup, F_LOW);
    CHECK(ev != NULL);
    if (!ev)
        return;
    zk_buf b;
    uint32_t q[FRI_MAX_QUERIES], nonce = 0;
    CHECK_OK(prove_bytes(&p, d, ev, &b, q, &nonce));
    CHECK_OK(verify_bytes(&p, d, b.data, b.len, ev, 0, NULL));
    uint8_t *m = malloc(b.len + 1);
    CHECK(m != NULL);
    if (!m)
        return;
    size_t accepted = 0;
    for (size_t i = 0; i < b.len; i++) {
        memcpy(m, b.data, b.len);
        m[i] ^= (uint8_t)(1 + t_rand() % 255);
        if (verify_bytes(&p, d, m, b.len, ev, 0, NULL) == ZK_OK) {
            accepted++;
            fprintf(stderr, "byte %zu of %zu changed: accepted\n", i, b.len);
        }
    }
    CHECK_EQ(accepted, 0);
    CHECK_ERR(verify_bytes(&p, d, b.data, b.len - 1, ev, 0, NULL), ZK_ERR_PARSE);
    memcpy(m, b.data, b.len);
    m[b.len] = 0;
    CHECK_ERR(verify_bytes(&p, d, m, b.len + 1, ev, 0, NULL), ZK_ERR_PARSE);
    CHECK_ERR(verify_bytes(&p, d, b.data, 0, ev, 0, NULL), ZK_ERR_PARSE);

    /* The nonce: grinding returns the smallest valid one, so nonce - 1 is invalid;
     * p itself is never a field element. */
    fri_schedule s;
    CHECK_OK(fri_schedule_make(&s, &p, d));
    uint32_t bad[2] = {nonce ? nonce - 1 : KB_P + 1, KB_P};
    for (int j = 0; j < 2; j++) {
        cd_reader r;
        cd_reader_init(&r, b.data, b.len);
        fri_proof pr;
        fri_challenges ch;
        tr_state t;
        transcript_start(&t);
        CHECK_OK(fri_proof_decode_commit(&r, &pr, &s, &p));
        CHECK_EQ(pr.pow_nonce, nonce);
        pr.pow_nonce = bad[j];
        CHECK_ERR(fri_verify_commit(&t, &p, &s, &pr, &ch), ZK_ERR_PROOF);
        /* Query lists the decoder must refuse. */
        uint32_t qs[2] = {0, 1u << s.log_lde};
        CHECK_ERR(fri_proof_decode_queries(&r, &pr, &s, qs, 2), ZK_ERR_INVALID_ARG);
        CHECK_ERR(fri_proof_decode_queries(&r, &pr, &s, qs, 0), ZK_ERR_INVALID_ARG);
        fri_proof_free(&pr);
        fri_proof_free(&pr);
    }
    fri_proof_free(NULL);
    free(m);
    zk_buf_free(&b);
    free(ev);
}

/* Counts in the bytes that claim more than the queries open are refused before
 * anything is allocated for them. */
static void test_counts(void)
{
    fri_params p = prm(2, 2, 0, 3, 0, 0);
    unsigned d = 4;
    kb4 *ev = make_evals(d, d + p.log_blowup, F_LOW);
    CHECK(ev != NULL);
    if (!ev)
        return;
    zk_buf b;
    uint32_t q[FRI_MAX_QUERIES];
    CHECK_OK(prove_bytes(&p, d, ev, &b, q, NULL));
    fri_schedule s;
    CHECK_OK(fri_schedule_make(&s, &p, d));
    /* The first row count follows the caps (2 layers, one digest each), the final
     * polynomial (1 coefficient) and the nonce. */
    size_t at = (2 * 8 + 4 + 1) * 4;
    CHECK(b.len > at + 4);
    uint8_t *m = malloc(b.len);
    CHECK(m != NULL);
    if (!m)
        return;
    static const uint32_t lies[] = {0, 4, 0xffffffffu};
    for (size_t j = 0; j < 3; j++) {
        memcpy(m, b.data, b.len);
        zk_store_le32(m + at, lies[j]);
        cd_reader r;
        cd_reader_init(&r, m, b.len);
        fri_proof pr;
        CHECK_OK(fri_proof_decode_commit(&r, &pr, &s, &p));
        CHECK_ERR(fri_proof_decode_queries(&r, &pr, &s, q, p.num_queries), ZK_ERR_PROOF);
        CHECK(strstr(zk_err_detail(), "byte 84") != NULL);
        fri_proof_free(&pr);
    }
    free(m);
    zk_buf_free(&b);
    free(ev);
}

int main(void)
{
    t_seed();
    if (ntt_plan_new(&plan, MAX_LOG_N) != ZK_OK) {
        fprintf(stderr, "ntt_plan_new: %s\n", zk_err_detail());
        return 1;
    }
    test_schedule();
    test_invalid_params();
    test_presets_and_bits();
    test_fold_row();
    test_roundtrip();
    test_counts();
    test_mutations();
    test_larger();
    ntt_plan_free(plan);
    return t_report("test_fri");
}
