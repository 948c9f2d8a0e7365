/* The two backends give the same proof bytes: every gate type, the example
 * circuits, with and without zero knowledge, several FRI presets; the CPU
 * verifier accepts the device's proofs; a circuit that does not fit in the
 * device arena is refused with the memory it needs.
 *
 * Built twice (tests/prover/CMakeLists.txt): as test_prove_emu (label unit)
 * against zk_prover_emu, where the device path runs on the host emulation of
 * tests/prover/zkc_emu.c, so CI checks the prover's device path and the kernels'
 * per-item functions without a GPU; and as test_gpu_prove (label gpu) against
 * the real CUDA backend, which skips when no device is present. */
#include <stdlib.h>
#include <string.h>

#include "../test.h"
#include "tests/prover/cuda_test.h"
#include "common/error.h"
#include "prover/backend.h"
#include "prover/circuit.h"
#include "prover/examples.h"
#include "prover/plonk_prove.h"
#include "verifier/plonk.h"

#define MAX_PI 32

#ifdef ZKGATE_TEST_EMU
#include "prover/gpu_internal.h"
#include "prover/plonk_gpu.h"

extern size_t zkc_emu_bytes_to_device, zkc_emu_bytes_to_host; /* zkc_emu.c */
extern long zkc_emu_fail_alloc_in, zkc_emu_fail_copy_in;
extern int zkc_emu_fail_zero;
extern size_t zkc_emu_arena_peak;
size_t zkc_emu_arena_leftovers(void);
void zkc_emu_arena_scrub(void);
#define BYTES_UP()   zkc_emu_bytes_to_device
#define BYTES_DOWN() zkc_emu_bytes_to_host
/* plonk_gpu.c's SCRATCH_MARGIN: what zpg_bytes_needed adds for the kernels' own
 * scratch, which the emulation does not take */
#define EMU_SCRATCH_MARGIN ((size_t)64 << 20)
#else
#define BYTES_UP()   ((size_t)0)
#define BYTES_DOWN() ((size_t)0)
#endif

/* One gate of every type: arithmetic, extension arithmetic, Poseidon2, constants,
 * a range check (bits), random access and public inputs. `salt` varies the
 * witness so that circuits of several sizes come out of `rounds`. */
static int build_all_gates(cb_circuit **out, cb_witness **w, const fri_params *fri, int zk,
                           unsigned rounds)
{
    cb_builder *b;
    int rc = cb_new(&b, fri, zk);
    if (rc)
        return rc;
    cb_target in[4];
    for (int i = 0; i < 4; i++)
        in[i] = cb_virtual(b);
    cb_target acc = in[0];
    for (unsigned r = 0; r < rounds; r++) {
        cb_target x = cb_arith(b, kb_from_u32(3 + r), kb_from_u32(5), acc, in[1], in[2]);
        cb_ext e1 = {{x, in[1], in[2], in[3]}}, e2 = {{in[3], x, acc, in[0]}};
        cb_ext e = cb_ext_mul(b, e1, e2);
        cb_target st[16], o[16];
        for (int i = 0; i < 16; i++)
            st[i] = i < 4 ? e.c[i] : (i < 8 ? in[i - 4] : cb_constant(b, kb_from_u32(r * 16 + i)));
        cb_poseidon2(b, st, o);
        cb_target small = cb_constant(b, kb_from_u32(1000 + r));
        cb_range_check(b, small, 12, NULL);
        cb_target vals[6] = {o[0], o[1], o[2], o[3], o[4], x};
        acc = cb_random_access(b, cb_constant(b, kb_from_u32(r % 6)), vals, 6);
    }
    cb_public_input(b, acc);
    cb_public_input(b, in[0]);
    if ((rc = cb_build(b, out)))
        return rc;
    if ((rc = cb_witness_new(w, *out)))
        return rc;
    for (int i = 0; i < 4 && !rc; i++)
        rc = cb_witness_set(*w, in[i], kb_from_u32(7 + 11 * (uint32_t)i));
    return rc;
}

typedef struct proved {
    zk_buf proof;
    kb pi[MAX_PI];
} proved;

static int prove_with(const cb_circuit *c, cb_witness *w, zp_backend *be, uint64_t seed, proved *p)
{
    zk_buf_init(&p->proof, ZP_MAX_PROOF_BYTES);
    zp_prove_opts o = {.rand = t_rand_source, .rand_ctx = &seed, .backend = be};
    return zp_prove(c, w, &o, &p->proof, p->pi);
}

/* Proves c on both backends with the same randomness and compares. */
static void same_bytes(const char *what, const cb_circuit *c, cb_witness *w, zp_backend *be)
{
    uint64_t seed = t_rand();
    proved cpu, dev, again;
    CHECK_OK(prove_with(c, w, NULL, seed, &cpu));
    size_t up0 = BYTES_UP(), down0 = BYTES_DOWN();
#ifdef ZKGATE_TEST_EMU
    zkc_emu_arena_peak = 0;
#endif
    int rc = prove_with(c, w, be, seed, &dev);
    size_t up1 = BYTES_UP(), down = BYTES_DOWN() - down0;
    CHECK_MSG(rc == ZK_OK, "%s: device proof: %s", what, zk_err_detail());
#ifdef ZKGATE_TEST_EMU
    /* zpg_bytes_needed, which zpg_new checks against the arena, covers every buffer
     * the proof holds at once (an arena of that size must not run out mid-proof);
     * 64 KiB for the alignment of the arena's ~40 allocations */
    CHECK_MSG(zkc_emu_arena_peak <= zpg_bytes_needed(c) - EMU_SCRATCH_MARGIN + ((size_t)64 << 10),
              "%s: the proof held %zu arena bytes, zpg_bytes_needed counts %zu", what,
              zkc_emu_arena_peak, zpg_bytes_needed(c) - EMU_SCRATCH_MARGIN);
#endif
    CHECK_EQ(cpu.proof.len, dev.proof.len);
    int same = cpu.proof.len == dev.proof.len &&
               memcmp(cpu.proof.data, dev.proof.data, cpu.proof.len) == 0;
    CHECK_MSG(same, "%s: the backends' proofs differ", what);
    size_t npi = cb_circuit_num_public_inputs(c);
    CHECK(npi <= MAX_PI);
    CHECK_MEM(cpu.pi, dev.pi, npi * sizeof(kb));
    CHECK_OK(zp_verify(cb_circuit_vk(c), dev.pi, npi, dev.proof.data, dev.proof.len, 0, NULL));
    /* the arena is reused by the next proof: the same bytes again, and the circuit's
     * preprocessed columns (n + N rows of 44) are not uploaded again */
#ifdef ZKGATE_TEST_EMU
    zkc_emu_arena_scrub();
#endif
    CHECK_OK(prove_with(c, w, be, seed, &again));
#ifdef ZKGATE_TEST_EMU
    size_t n = (size_t)1 << cb_circuit_log_rows(c), nl = n << cb_circuit_vk(c)->fri.log_blowup;
    CHECK_EQ((up1 - up0) - (BYTES_UP() - up1), (n + nl) * ZP_NUM_PREPROCESSED * sizeof(kb));
    /* the host gets the quotient's coefficients (4n x 4), the caps, the opened rows
     * and siblings and the last FRI layer: never a whole tree or LDE */
    size_t opened = (size_t)cb_circuit_vk(c)->fri.num_queries * 8 * 1024;
    CHECK_MSG(down <= 64 * n + opened, "%s: %zu bytes came to the host", what, down);
    printf("%s: %zu bytes to the device, %zu to the host\n", what, up1 - up0, down);
    /* with zero knowledge nothing of the proof is left in the arena once it is done
     * (without, the leftovers show that this check can see them) */
    size_t left = zkc_emu_arena_leftovers();
    if (cb_circuit_vk(c)->zk)
        CHECK_MSG(left == 0, "%s: %zu non-zero bytes left in the arena", what, left);
    else
        CHECK(left > 0);
#else
    (void)up0, (void)up1, (void)down0, (void)down;
#endif
    CHECK(again.proof.len == dev.proof.len &&
          memcmp(again.proof.data, dev.proof.data, dev.proof.len) == 0);
    printf("%s: 2^%u rows, %zu-byte proofs %s\n", what, cb_circuit_log_rows(c), dev.proof.len,
           same ? "identical" : "DIFFER");
    zk_buf_free(&cpu.proof);
    zk_buf_free(&dev.proof);
    zk_buf_free(&again.proof);
}

static void test_all_gates(zp_backend *be)
{
    static const char *presets[] = {"test", "batch", "aggregate"};
    for (size_t pi = 0; pi < 3; pi++) {
        for (int zk = 0; zk < 2; zk++) {
            fri_params fri;
            CHECK_OK(fri_preset(presets[pi], &fri));
            cb_circuit *c = NULL;
            cb_witness *w = NULL;
            unsigned rounds = 1 + (unsigned)(t_rand() % 6);
            CHECK_OK(build_all_gates(&c, &w, &fri, zk, rounds));
            char what[96];
            snprintf(what, sizeof what, "all gates x%u, %s%s", rounds, presets[pi],
                     zk ? ", zk" : "");
            if (c && w)
                same_bytes(what, c, w, be);
            cb_witness_free(w);
            cb_circuit_free(c);
        }
    }
}

/* The largest blowup with arity 2 and a short final polynomial: the most FRI
 * layers, whose matrices and folded values the device holds until the proof ends
 * (zpg_bytes_needed must count them all). */
static void test_big_blowup(zp_backend *be)
{
    fri_params fri = {.log_blowup = 8,
                      .arity_bits = 1,
                      .final_log = 0,
                      .num_queries = 4,
                      .pow_bits = 0,
                      .cap_log = 2};
    cb_circuit *c = NULL;
    cb_witness *w = NULL;
    CHECK_OK(build_all_gates(&c, &w, &fri, 0, 6));
    if (c && w)
        same_bytes("all gates x6, blowup 256, arity 2", c, w, be);
    cb_witness_free(w);
    cb_circuit_free(c);
}

static void test_examples(zp_backend *be)
{
    static const struct {
        const char *name;
        uint32_t size;
        int zk;
    } k[] = {{"hashchain", 64, 0}, {"hashchain", 200, 1}, {"merkle", 4, 0}, {"merkle", 8, 1}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        fri_params fri;
        CHECK_OK(fri_preset("batch", &fri));
        ex_instance *e;
        CHECK_OK(ex_build(&e, k[i].name, k[i].size, &fri, k[i].zk));
        uint64_t seed = t_rand();
        zk_buf a, b;
        zk_buf_init(&a, ZP_MAX_PROOF_BYTES);
        zk_buf_init(&b, ZP_MAX_PROOF_BYTES);
        kb pa[MAX_PI], pb[MAX_PI];
        uint64_t s1 = seed, s2 = seed;
        zp_prove_opts oc = {.rand = t_rand_source, .rand_ctx = &s1};
        zp_prove_opts od = {.rand = t_rand_source, .rand_ctx = &s2, .backend = be};
        CHECK_OK(ex_prove(e, &oc, &a, pa));
        CHECK_OK(ex_prove(e, &od, &b, pb));
        CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
        size_t npi = ex_num_public_inputs(e);
        CHECK_OK(zp_verify(cb_circuit_vk(ex_circuit(e)), pb, npi, b.data, b.len, 0, NULL));
        printf("%s %u%s: %zu-byte proofs %s\n", k[i].name, k[i].size, k[i].zk ? " zk" : "", b.len,
               a.len == b.len && memcmp(a.data, b.data, a.len) == 0 ? "identical" : "DIFFER");
        /* an arena of exactly what zp_prove_device_bytes says is enough (zkgate prove
         * asks for that much) */
        zp_backend *exact = NULL;
        const cb_circuit *c = ex_circuit(e);
        CHECK_OK(zp_backend_open(&exact, ZP_BACKEND_CUDA,
                                 cb_circuit_log_rows(c) + cb_circuit_vk(c)->fri.log_blowup,
                                 zp_prove_device_bytes(c)));
        uint64_t s3 = seed;
        zp_prove_opts oe = {.rand = t_rand_source, .rand_ctx = &s3, .backend = exact};
        b.len = 0;
        CHECK_OK(ex_prove(e, &oe, &b, pb));
        CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
        zp_backend_free(exact);
        zk_buf_free(&a);
        zk_buf_free(&b);
        ex_free(e);
    }
}

/* Proves e on the device and on the CPU with the same randomness (tamper: on the
 * device only, with the trace changed, to leave rows the solver does not write
 * dirty); returns 1 when the bytes are the same. */
static int dev_vs_cpu(ex_instance *e, zp_backend *be, zp_tamper_fn tamper)
{
    uint64_t seed = t_rand(), s1 = seed, s2 = seed;
    zk_buf a, b;
    zk_buf_init(&a, ZP_MAX_PROOF_BYTES);
    zk_buf_init(&b, ZP_MAX_PROOF_BYTES);
    kb pa[MAX_PI], pb[MAX_PI];
    zp_prove_opts oc = {.rand = t_rand_source, .rand_ctx = &s1};
    zp_prove_opts od = {.rand = t_rand_source, .rand_ctx = &s2, .backend = be, .tamper = tamper};
    CHECK_OK(ex_prove(e, &od, &b, pb));
    int same = 0;
    if (!tamper) {
        CHECK_OK(ex_prove(e, &oc, &a, pa));
        same = a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
    }
    zk_buf_free(&a);
    zk_buf_free(&b);
    return same;
}

static void dirty_last_row(void *ctx, kb *trace, size_t rows)
{
    (void)ctx;
    for (size_t k = 0; k < ZP_WIRES; k++)
        trace[(rows - 1) * ZP_WIRES + k] = kb_from_u32(7 + (uint32_t)k);
}

/* The staging buffer kept between proofs: the solver skips the padding rows it
 * holds as zeros (cb_witness_solve_rows), so what one proof leaves there must not
 * reach the next. A proof's gate rows, a smaller proof between, then a circuit of
 * the same height whose padding covers them; a tampered trace's last row; a zk
 * proof (which wipes the buffer when it ends); each proof the CPU's bytes. */
static void test_staging(zp_backend *be)
{
    static const struct {
        uint32_t size;
        int zk, tamper;
    } seq[] = {{1080, 0, 0}, {100, 0, 0},  {1030, 0, 0}, {1030, 0, 1},
               {1030, 0, 0}, {1000, 1, 0}, {1030, 0, 0}};
    fri_params fri;
    CHECK_OK(fri_preset("batch", &fri));
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        ex_instance *e = NULL;
        CHECK_OK(ex_build(&e, "hashchain", seq[i].size, &fri, seq[i].zk));
        if (!e)
            continue;
        if (seq[i].tamper)
            (void)dev_vs_cpu(e, be, dirty_last_row);
        else
            CHECK_MSG(dev_vs_cpu(e, be, NULL), "step %zu: hashchain %u%s differs from the CPU", i,
                      seq[i].size, seq[i].zk ? " zk" : "");
        ex_free(e);
    }
}

/* A circuit larger than the arena: refused before any work, with the figures. */
static void test_too_small(void)
{
    zp_backend *be = NULL;
    CHECK_OK(zp_backend_open(&be, ZP_BACKEND_CUDA, 16, (size_t)1 << 20));
    fri_params fri;
    CHECK_OK(fri_preset("batch", &fri));
    ex_instance *e;
    CHECK_OK(ex_build(&e, "hashchain", 300, &fri, 0));
    zk_buf a;
    zk_buf_init(&a, ZP_MAX_PROOF_BYTES);
    kb pa[MAX_PI];
    zp_prove_opts o = {.backend = be};
    CHECK_ERR(ex_prove(e, &o, &a, pa), ZK_ERR_NOMEM);
    CHECK(strstr(zk_err_detail(), "needs") != NULL && strstr(zk_err_detail(), "MiB") != NULL);
    printf("too small an arena: %s\n", zk_err_detail());
    CHECK_EQ(a.len, 0);
    zk_buf_free(&a);
    ex_free(e);
    zp_backend_free(be);
}

static void test_choice(void)
{
    zp_backend_kind k;
    CHECK_OK(zp_backend_parse("auto", &k));
    CHECK_EQ(k, ZP_BACKEND_AUTO);
    CHECK_OK(zp_backend_parse("cpu", &k));
    CHECK_EQ(k, ZP_BACKEND_CPU);
    CHECK_OK(zp_backend_parse("cuda", &k));
    CHECK_EQ(k, ZP_BACKEND_CUDA);
    CHECK_ERR(zp_backend_parse("gpu", &k), ZK_ERR_INVALID_ARG);
    CHECK(strstr(zk_err_detail(), "'gpu'") != NULL);
    CHECK_ERR(zp_backend_parse(NULL, &k), ZK_ERR_INVALID_ARG);
    zp_backend *b = NULL;
    CHECK_OK(zp_backend_open(&b, ZP_BACKEND_CPU, 20, 0));
    CHECK_EQ(zp_backend_used(b), ZP_BACKEND_CPU);
    CHECK(zp_backend_gpu(b) == NULL);
    zp_backend_free(b);
    CHECK_OK(zp_backend_open(&b, ZP_BACKEND_AUTO, 20, (size_t)64 << 20));
    CHECK_EQ(zp_backend_used(b), ZP_BACKEND_CUDA);
    CHECK(strncmp(zp_backend_describe(b), "cuda: ", 6) == 0);
    zp_backend_free(b);
#ifdef ZKGATE_TEST_EMU
    /* no device: auto falls back and says why, cuda refuses with the reason */
    setenv("ZKC_EMU_NO_DEVICE", "1", 1);
    CHECK_OK(zp_backend_open(&b, ZP_BACKEND_AUTO, 20, 0));
    CHECK_EQ(zp_backend_used(b), ZP_BACKEND_CPU);
    CHECK(strstr(zp_backend_describe(b), "cpu (auto: ") != NULL);
    CHECK(strstr(zp_backend_describe(b), "no CUDA device") != NULL);
    zp_backend_free(b);
    b = NULL;
    CHECK_ERR(zp_backend_open(&b, ZP_BACKEND_CUDA, 20, 0), ZK_ERR_NO_DEVICE);
    CHECK(b == NULL);
    CHECK(strstr(zk_err_detail(), "--backend cuda") != NULL);
    unsetenv("ZKC_EMU_NO_DEVICE");
#endif
}

#ifdef ZKGATE_TEST_EMU
/* Every arena allocation, then every copy between host and device (row and sibling
 * reads included), failing in turn: the proof fails with the injected failure's
 * detail (an error is neither swallowed nor its detail overwritten), appends
 * nothing to the proof, leaves the arena holding nothing but the cached
 * preprocessed columns, and leaks nothing (the sanitizer build); the next proof is
 * the same bytes. The cache is forgotten before each proof so that its upload
 * fails in turn too. */
static void test_injected(zp_backend *be)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    cb_circuit *c = NULL;
    cb_witness *w = NULL;
    CHECK_OK(build_all_gates(&c, &w, &fri, 1, 1));
    if (!c || !w)
        return;
    gpu_ctx *g = zp_backend_gpu(be);
    uint64_t seed = t_rand();
    proved ref;
    CHECK_OK(prove_with(c, w, be, seed, &ref));
    static const char *what[2] = {"arena allocation", "copy"};
    for (int kind = 0; kind < 2; kind++) {
        long *knob = kind ? &zkc_emu_fail_copy_in : &zkc_emu_fail_alloc_in, k, fails = 0;
        for (k = 1;; k += k < 64 ? 1 : k / 16) {
            memset(&g->pre_key, 0xa5, sizeof g->pre_key);
            zkc_emu_arena_scrub();
            *knob = k;
            proved p;
            int rc = prove_with(c, w, be, seed, &p);
            long left = *knob;
            *knob = 0;
            if (left > 0) { /* fewer than k calls: the proof ran clean */
                CHECK_OK(rc);
                CHECK(p.proof.len == ref.proof.len &&
                      memcmp(p.proof.data, ref.proof.data, ref.proof.len) == 0);
                zk_buf_free(&p.proof);
                break;
            }
            fails++;
            CHECK_MSG(rc != ZK_OK, "%s %ld failed and the proof succeeded", what[kind], k);
            CHECK_MSG(rc == ZK_OK || strstr(zk_err_detail(), "injected") != NULL,
                      "%s %ld: the detail lost the cause: %s", what[kind], k, zk_err_detail());
            CHECK_MSG(p.proof.len == 0, "%s %ld: %zu bytes appended by a failed proof", what[kind],
                      k, p.proof.len);
            CHECK_MSG(zkc_arena_used(g->arena) == g->pre_end,
                      "%s %ld: the arena holds %zu bytes after the proof, the cache %zu",
                      what[kind], k, zkc_arena_used(g->arena), g->pre_end);
            /* zero knowledge: nothing of the witness stays in the arena, neither in
             * the proof's buffers nor in scratch released before the failure */
            size_t residue = zkc_emu_arena_leftovers();
            CHECK_MSG(residue == 0, "%s %ld: %zu non-zero bytes left in the arena", what[kind], k,
                      residue);
            zk_buf_free(&p.proof);
        }
        printf("injected: %ld %s failures, then a clean proof\n", fails, what[kind]);
        CHECK(fails > 0);
    }
    /* the zero-knowledge proof's arena cannot be zeroed either once it has failed (a
     * device gone bad): the error that ended the proof keeps its detail */
    zkc_emu_fail_alloc_in = 8;
    zkc_emu_fail_zero = 1;
    proved p;
    CHECK_ERR(prove_with(c, w, be, seed, &p), ZK_ERR_NOMEM);
    CHECK_MSG(strstr(zk_err_detail(), "injected allocation failure") != NULL,
              "the cause's detail was replaced: %s", zk_err_detail());
    zkc_emu_fail_zero = 0;
    zkc_emu_fail_alloc_in = 0;
    zk_buf_free(&p.proof);
    zk_buf_free(&ref.proof);
    cb_witness_free(w);
    cb_circuit_free(c);
}
#endif

#ifdef ZKGATE_TEST_EMU
/* The preprocessed columns' cache when proofs of two circuits alternate and when
 * another caller holds arena memory: every proof is the CPU's bytes, the arena
 * goes back to what the other caller holds (plus the cache), and the columns are
 * sent again only when the cache could not serve. */
static void test_cache(zp_backend *be)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    cb_circuit *c[2] = {NULL, NULL};
    cb_witness *w[2] = {NULL, NULL};
    CHECK_OK(build_all_gates(&c[0], &w[0], &fri, 0, 1));
    CHECK_OK(build_all_gates(&c[1], &w[1], &fri, 1, 3));
    if (!c[0] || !c[1] || !w[0] || !w[1])
        return;
    gpu_ctx *g = zp_backend_gpu(be);
    uint64_t seed = t_rand();
    proved ref[2];
    for (int i = 0; i < 2; i++)
        CHECK_OK(prove_with(c[i], w[i], NULL, seed, &ref[i]));
    /* held: 0 none, 1 some memory above whatever is there, taken before the proof */
    static const int plan[][2] = {{0, 0}, {1, 0}, {0, 0}, {0, 0}, {0, 1}, {0, 1},
                                  {1, 1}, {0, 0}, {1, 0}, {1, 1}, {0, 1}};
    for (size_t s = 0; s < sizeof plan / sizeof plan[0]; s++) {
        int i = plan[s][0], hold = plan[s][1];
        size_t mark = zkc_arena_mark(g->arena);
        void *other = NULL;
        if (hold)
            CHECK_OK(zkc_arena_alloc(g->arena, (size_t)3 << 20, &other));
        size_t before = zkc_arena_used(g->arena), up0 = BYTES_UP();
        int hit = !hold && g->pre_end && before == g->pre_end &&
                  memcmp(&g->pre_key, &cb_circuit_vk(c[i])->digest, sizeof g->pre_key) == 0;
        proved p;
        CHECK_OK(prove_with(c[i], w[i], be, seed, &p));
        CHECK_MSG(p.proof.len == ref[i].proof.len &&
                      memcmp(p.proof.data, ref[i].proof.data, p.proof.len) == 0,
                  "step %zu: circuit %d%s: not the CPU's proof", s, i, hold ? " (held)" : "");
        if (hold)
            CHECK_EQ(zkc_arena_used(g->arena), before);
        else
            CHECK_EQ(zkc_arena_used(g->arena), g->pre_end);
        size_t n = (size_t)1 << cb_circuit_log_rows(c[i]), nl = n << fri.log_blowup;
        size_t pre = (n + nl) * ZP_NUM_PREPROCESSED * sizeof(kb), up = BYTES_UP() - up0;
        CHECK_MSG(up >= pre || hit, "step %zu: columns not sent and no cache", s);
        CHECK_MSG(up < pre || !hit, "step %zu: columns sent again", s);
        zk_buf_free(&p.proof);
        zkc_arena_release(g->arena, hold ? mark : zkc_arena_used(g->arena));
    }
    for (int i = 0; i < 2; i++) {
        zk_buf_free(&ref[i].proof);
        cb_witness_free(w[i]);
        cb_circuit_free(c[i]);
    }
}
#endif

int main(void)
{
    t_seed();
    zp_backend *be = NULL;
    int rc = zp_backend_open(&be, ZP_BACKEND_CUDA, 22, (size_t)512 << 20);
    int code = ct_device_gate(rc, "test_prove_backends");
    if (code != CT_GO_ON)
        return code;
    printf("device: %s\n", zp_backend_describe(be));
    test_choice();
    test_all_gates(be);
    test_big_blowup(be);
    test_examples(be);
    test_staging(be);
    test_too_small();
#ifdef ZKGATE_TEST_EMU
    test_injected(be);
    test_cache(be);
#endif
    zp_backend_free(be);
    return t_report("test_prove_backends");
}
