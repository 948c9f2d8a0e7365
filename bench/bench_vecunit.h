/* Internal to bench/: measured peak rates of this core's vector units, from which
 * the field and Poseidon2 groups derive their arithmetic bounds (see
 * docs/PERFORMANCE.md, "Field" and "Poseidon2"). */
#ifndef ZKGATE_BENCH_BENCH_VECUNIT_H
#define ZKGATE_BENCH_BENCH_VECUNIT_H

/* Returns: 32x32->64-bit products per second one core sustains with the widest
 * vector multiplier it has (vpmuludq on zmm, ymm, or scalar 64-bit multiplies),
 * measured on independent chains so only throughput limits it. Cached. */
double bench_vec_mul_rate(void);

/* Returns: 32-bit lane additions per second one core sustains (vpaddd, same
 * method). Cached. */
double bench_vec_add_rate(void);

/* Returns: "avx512", "avx2" or "scalar": the unit the rates above were measured on. */
const char *bench_vec_unit(void);

#endif
