/* KoalaBear: the non-inline field operations and the run-time choice of the
 * vector back end for kb_vec_*. */
#include "verifier/kb.h"

#include <stdatomic.h>

#include "verifier/kb_simd.h"

kb kb_pow(kb a, uint64_t e)
{
    kb r = KB_ONE;
    while (e) {
        if (e & 1)
            r = kb_mul(r, a);
        a = kb_sqr(a);
        e >>= 1;
    }
    return r;
}

/* Fermat: a^(p-2). Zero maps to zero because 0^(p-2) = 0. The exponent is fixed,
 * so the square-and-multiply pattern does not depend on a. */
kb kb_inv(kb a)
{
    return kb_pow(a, KB_P - 2);
}

void kb_batch_inv(kb *out, const kb *in, size_t n, kb *scratch)
{
    if (n == 0)
        return;
    /* Prefix products skip zeros (treated as one) so a zero input does not poison
     * the others; the zero itself maps to zero at the end. */
    kb acc = KB_ONE;
    for (size_t i = 0; i < n; i++) {
        scratch[i] = acc;
        if (!kb_is_zero(in[i]))
            acc = kb_mul(acc, in[i]);
    }
    kb inv = kb_inv(acc);
    for (size_t i = n; i-- > 0;) {
        kb x = in[i];
        if (kb_is_zero(x)) {
            out[i] = KB_ZERO;
            continue;
        }
        out[i] = kb_mul(inv, scratch[i]);
        inv = kb_mul(inv, x);
    }
}

kb kb_root_of_unity(unsigned log_n)
{
    if (log_n > KB_TWO_ADICITY)
        return KB_ZERO;
    kb r = kb_from_canonical(KB_TWO_ADIC_ROOT);
    for (unsigned i = log_n; i < KB_TWO_ADICITY; i++)
        r = kb_sqr(r);
    return r;
}

/* ---- portable vector routines ---- */

void kb_scalar_vec_add(kb *out, const kb *a, const kb *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = kb_add(a[i], b[i]);
}

void kb_scalar_vec_sub(kb *out, const kb *a, const kb *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = kb_sub(a[i], b[i]);
}

void kb_scalar_vec_mul(kb *out, const kb *a, const kb *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = kb_mul(a[i], b[i]);
}

void kb_scalar_vec_scale(kb *out, const kb *a, kb c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = kb_mul(a[i], c);
}

void kb_scalar_vec_axpy(kb *out, const kb *a, kb c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = kb_add(out[i], kb_mul(a[i], c));
}

/* One chunk (n <= KB_DOT_CHUNK) of kb_vec_dot4. Each term is split at once, so lo
 * stays below n * 2^32 and hi below n * 2^30. */
static void dot4_chunk(kb out[4], const kb *x, const kb *const c[4], size_t n)
{
    uint64_t hi[4] = {0, 0, 0, 0}, lo[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        uint64_t xi = x[i];
        for (int k = 0; k < 4; k++) {
            uint64_t t = xi * c[k][i];
            hi[k] += t >> 32;
            lo[k] += (uint32_t)t;
        }
    }
    for (int k = 0; k < 4; k++)
        out[k] = kb_dot_fold(hi[k], lo[k]);
}

void kb_scalar_vec_dot4(kb out[4], const kb *x, const kb *c0, const kb *c1, const kb *c2,
                        const kb *c3, size_t n)
{
    kb_dot4_chunked(out, x, c0, c1, c2, c3, n, dot4_chunk);
}

/* ---- dispatch ---- */

static int cpu_level(void)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return 2;
    if (__builtin_cpu_supports("avx2"))
        return 1;
#endif
    return 0;
}

/* -1 until first use; then the level in effect. Relaxed atomics: every thread
 * computes the same value, so a race only repeats the detection. */
static _Atomic int g_level = -1;
static _Atomic int g_forced = -1;

int kb_simd_level(void)
{
    int l = atomic_load_explicit(&g_level, memory_order_relaxed);
    if (l < 0) {
        l = cpu_level();
        int f = atomic_load_explicit(&g_forced, memory_order_relaxed);
        if (f >= 0 && f < l)
            l = f;
        atomic_store_explicit(&g_level, l, memory_order_relaxed);
    }
    return l;
}

int kb_simd_force(int level)
{
    int hw = cpu_level();
    if (level < 0 || level > hw)
        level = hw;
    atomic_store_explicit(&g_forced, level, memory_order_relaxed);
    atomic_store_explicit(&g_level, level, memory_order_relaxed);
    return level;
}

#if defined(__x86_64__)
#define KB_DISPATCH(name, ...)                                                                     \
    do {                                                                                           \
        int l_ = kb_simd_level();                                                                  \
        if (l_ == 2)                                                                               \
            kb_avx512_##name(__VA_ARGS__);                                                         \
        else if (l_ == 1)                                                                          \
            kb_avx2_##name(__VA_ARGS__);                                                           \
        else                                                                                       \
            kb_scalar_##name(__VA_ARGS__);                                                         \
    } while (0)
#else
#define KB_DISPATCH(name, ...) kb_scalar_##name(__VA_ARGS__)
#endif

void kb_vec_add(kb *out, const kb *a, const kb *b, size_t n)
{
    KB_DISPATCH(vec_add, out, a, b, n);
}
void kb_vec_sub(kb *out, const kb *a, const kb *b, size_t n)
{
    KB_DISPATCH(vec_sub, out, a, b, n);
}
void kb_vec_mul(kb *out, const kb *a, const kb *b, size_t n)
{
    KB_DISPATCH(vec_mul, out, a, b, n);
}
void kb_vec_scale(kb *out, const kb *a, kb c, size_t n)
{
    KB_DISPATCH(vec_scale, out, a, c, n);
}
void kb_vec_axpy(kb *out, const kb *a, kb c, size_t n)
{
    KB_DISPATCH(vec_axpy, out, a, c, n);
}
void kb_vec_dot4(kb out[4], const kb *x, const kb *c0, const kb *c1, const kb *c2, const kb *c3,
                 size_t n)
{
    KB_DISPATCH(vec_dot4, out, x, c0, c1, c2, c3, n);
}
