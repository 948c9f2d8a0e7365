/* The PLONK verifier (verifier/plonk.h), mirroring prover/plonk_prove.c step by
 * step as docs/PROOF.md specifies. */
#include "verifier/plonk.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "verifier/codec.h"
#include "verifier/merkle.h"
#include "verifier/plonk_gates.h"
#include "verifier/transcript.h"

_Static_assert(ZP_NUM_SIGMAS == ZP_ROUTED, "a sigma column per routed column");
_Static_assert(ZP_NUM_SELECTORS == ZP_NGATES, "a selector column per gate type");
_Static_assert(ZP_NUM_PREPROCESSED == ZP_NUM_SELECTORS + ZP_CONSTS + ZP_NUM_SIGMAS,
               "preprocessed columns");
_Static_assert(ZP_PERM_CHUNKS == (ZP_ROUTED + ZP_PERM_CHUNK - 1) / ZP_PERM_CHUNK,
               "permutation chunks");
_Static_assert(ZP_NUM_PERM_COLS == 4 * ZP_PERM_CHUNKS, "Z and the partial products");
_Static_assert(ZP_NUM_OPENINGS ==
                   ZP_NUM_PREPROCESSED + ZP_WIRES + ZP_NUM_PERM_COLS + ZP_NUM_QUOTIENT_COLS,
               "openings at zeta");

int zp_vk_finish(zp_vk *vk)
{
    if (!vk)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zp_vk_finish: NULL key");
    fri_schedule s;
    int rc = fri_schedule_make(&s, &vk->fri, vk->log_n);
    if (rc)
        return zk_err_wrap(rc, "verification key: ");
    if (vk->log_n < ZP_MIN_LOG_ROWS || vk->num_public_inputs > ZP_MAX_PUBLIC_INPUTS ||
        vk->t0_cap_len == 0 || vk->t0_cap_len > ZP_MAX_CAP)
        return zk_err_set(ZK_ERR_INVALID_ARG, "verification key: a field is out of range");
    unsigned cap_log = vk->fri.cap_log < s.log_lde ? vk->fri.cap_log : s.log_lde;
    if (vk->t0_cap_len != ((size_t)1 << cap_log))
        return zk_err_set(ZK_ERR_INVALID_ARG, "verification key: cap of %zu digests, expected %zu",
                          vk->t0_cap_len, (size_t)1 << cap_log);
    kb head[] = {
        kb_from_u32(ZP_FORMAT_VERSION),
        kb_from_u32(vk->log_n),
        kb_from_u32(vk->num_public_inputs),
        kb_from_u32(vk->zk ? 1 : 0),
        kb_from_u32(vk->fri.log_blowup),
        kb_from_u32(vk->fri.arity_bits),
        kb_from_u32(vk->fri.final_log),
        kb_from_u32(vk->fri.num_queries),
        kb_from_u32(vk->fri.pow_bits),
        kb_from_u32(vk->fri.cap_log),
        kb_from_u32(ZP_WIRES),
        kb_from_u32(ZP_ROUTED),
        kb_from_u32(ZP_CONSTS),
        kb_from_u32(ZP_NGATES),
    };
    p2_sponge sp;
    p2_sponge_init(&sp, P2_DOM_VK);
    p2_sponge_absorb(&sp, head, sizeof head / sizeof head[0]);
    for (size_t i = 0; i < vk->t0_cap_len; i++)
        p2_sponge_absorb(&sp, vk->t0_cap[i].v, P2_DIGEST_LEN);
    p2_sponge_finish(&sp, &vk->digest);
    return ZK_OK;
}

void zp_public_input_hash(p2_digest *out, const kb *pi, size_t n)
{
    p2_hash(out, P2_DOM_PUBLIC_INPUTS, pi, n);
}

/* An extension-valued polynomial's value from its four base columns' values:
 * sum_k X^k v_k. */
static kb4 combine(const kb4 *v)
{
    kb4 r = v[0];
    for (int k = 1; k < 4; k++) {
        kb4 xk = kb4_zero();
        xk.c[k] = KB_ONE;
        r = kb4_add(r, kb4_mul(xk, v[k]));
    }
    return r;
}

/* The combined constraint at zeta must equal Z_H(zeta) times the quotient. */
static int check_identity(const zp_vk *vk, const kb4 *o, const kb *pi_hash, kb4 alpha, kb4 beta,
                          kb4 gamma, kb4 zeta)
{
    const kb4 *pre = o, *w = o + ZP_NUM_PREPROCESSED;
    const kb4 *perm = w + ZP_WIRES, *q = perm + ZP_NUM_PERM_COLS;
    const kb4 *znext = o + ZP_NUM_OPENINGS;
    size_t n = (size_t)1 << vk->log_n;
    kb4 apow = kb4_one(), acc = kb4_zero();
    kb4 cons[ZP_MAX_GATE_CONSTRAINTS];
    for (unsigned g = 0; g < ZP_NGATES; g++) {
        zp_gate_eval_ext(g, w, pre + ZP_NUM_SELECTORS, pi_hash, cons);
        kb4 s = kb4_zero();
        for (unsigned i = 0; i < zp_gate_num_constraints(g); i++) {
            s = kb4_add(s, kb4_mul(apow, cons[i]));
            apow = kb4_mul(apow, alpha);
        }
        acc = kb4_add(acc, kb4_mul(s, pre[g]));
    }
    kb4 zn = kb4_pow(zeta, n);
    kb4 zh = kb4_sub(zn, kb4_one());
    kb4 l0 = kb4_mul(zh, kb4_inv(kb4_mul_base(kb4_sub(zeta, kb4_one()), kb_from_u64(n))));
    kb4 z = combine(perm);
    acc = kb4_add(acc, kb4_mul(apow, kb4_mul(l0, kb4_sub(z, kb4_one()))));
    apow = kb4_mul(apow, alpha);
    kb g = kb_from_canonical(KB_GENERATOR), k = KB_ONE;
    const kb4 *sig = pre + ZP_NUM_SELECTORS + ZP_CONSTS;
    for (unsigned ch = 0; ch < ZP_PERM_CHUNKS; ch++) {
        kb4 nu = kb4_one(), de = kb4_one();
        for (unsigned i = ZP_PERM_CHUNK * ch; i < ZP_PERM_CHUNK * (ch + 1) && i < ZP_ROUTED; i++) {
            kb4 base = kb4_add(gamma, w[i]);
            nu = kb4_mul(nu, kb4_add(base, kb4_mul(beta, kb4_mul_base(zeta, k))));
            de = kb4_mul(de, kb4_add(base, kb4_mul(beta, sig[i])));
            k = kb_mul(k, g);
        }
        kb4 cur = combine(perm + 4 * ch);
        kb4 nxt = ch + 1 < ZP_PERM_CHUNKS ? combine(perm + 4 * (ch + 1)) : combine(znext);
        acc = kb4_add(acc, kb4_mul(apow, kb4_sub(kb4_mul(nxt, de), kb4_mul(cur, nu))));
        apow = kb4_mul(apow, alpha);
    }
    kb4 qz = combine(q + 8);
    qz = kb4_add(kb4_mul(qz, zn), combine(q + 4));
    qz = kb4_add(kb4_mul(qz, zn), combine(q));
    if (!kb4_eq(acc, kb4_mul(zh, qz)))
        return zk_err_set(ZK_ERR_PROOF,
                          "the constraint identity does not hold at zeta (constraints, "
                          "permutation or quotient openings are wrong)");
    return ZK_OK;
}

typedef struct tree_open {
    uint32_t u; /* rows opened */
    kb *rows;   /* u * width */
    uint32_t nsib;
    p2_digest *sib;
} tree_open;

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static int verify(const zp_vk *vk, const kb *pi, size_t npi, const uint8_t *proof, size_t len,
                  double min_bits, zp_proof_info *info, zp_replay *keep)
{
    zp_proof_info inf;
    memset(&inf, 0, sizeof inf);
    inf.total_bytes = len;
    if (info)
        *info = inf;
    if (!vk || (!pi && npi) || (!proof && len))
        return zk_err_set(ZK_ERR_INVALID_ARG, "zp_verify: NULL argument");
    zp_vk check = *vk;
    int rc = zp_vk_finish(&check);
    if (rc)
        return rc;
    if (memcmp(check.digest.v, vk->digest.v, sizeof vk->digest.v) != 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "verification key: digest does not match its fields");
    double bits = fri_conjectured_bits(&vk->fri);
    if (bits < min_bits)
        return zk_err_set(ZK_ERR_PROOF,
                          "the key's FRI parameters give %.1f conjectured bits, below the "
                          "required %.1f",
                          bits, min_bits);
    if (npi != vk->num_public_inputs)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%zu public inputs given, the circuit has %u", npi,
                          vk->num_public_inputs);
    fri_schedule s;
    rc = fri_schedule_make(&s, &vk->fri, vk->log_n);
    if (rc)
        return rc;
    unsigned log_lde = s.log_lde;
    size_t cap_len = (size_t)1 << (vk->fri.cap_log < log_lde ? vk->fri.cap_log : log_lde);
    size_t salt = vk->zk ? ZP_SALT : 0;
    size_t widths[4] = {ZP_NUM_PREPROCESSED, ZP_WIRES, ZP_NUM_PERM_COLS, ZP_NUM_QUOTIENT_COLS};

    cd_reader r;
    cd_reader_init(&r, proof, len);
    uint32_t magic = 0, version = 0;
    rc = cd_get_u32(&r, &magic, "magic");
    if (!rc && magic != ZP_MAGIC)
        return zk_err_set(ZK_ERR_PARSE, "not a zkgate proof (magic 0x%08x)", magic);
    if (!rc)
        rc = cd_get_u32(&r, &version, "format version");
    if (!rc && version != ZP_FORMAT_VERSION)
        return zk_err_set(ZK_ERR_UNSUPPORTED, "proof format version %u (this verifier reads %u)",
                          version, ZP_FORMAT_VERSION);
    if (rc)
        return rc;
    p2_digest caps[3][ZP_MAX_CAP];
    static const char *const cap_names[3] = {"wires cap", "permutation cap", "quotient cap"};
    for (int i = 0; i < 3 && !rc; i++)
        rc = cd_get_digests(&r, caps[i], cap_len, cap_names[i]);
    kb4 open[ZP_NUM_OPENINGS + 4];
    if (!rc)
        rc = cd_get_kb4s(&r, open, ZP_NUM_OPENINGS + 4, "openings");
    fri_proof fp;
    memset(&fp, 0, sizeof fp);
    tree_open to[4];
    memset(to, 0, sizeof to);
    kb4 *fq = NULL;
    if (!rc)
        rc = fri_proof_decode_commit(&r, &fp, &s, &vk->fri);
    if (rc)
        goto done;
    inf.commit_bytes = r.pos;
    inf.fri_layers = s.nlayers;

    /* the transcript */
    p2_digest h;
    zp_public_input_hash(&h, pi, npi);
    tr_state tr;
    tr_init(&tr);
    tr_observe_digest(&tr, &vk->digest);
    tr_observe_digest(&tr, &h);
    for (size_t i = 0; i < cap_len; i++)
        tr_observe_digest(&tr, &caps[0][i]);
    kb4 beta = tr_sample_ext(&tr), gamma = tr_sample_ext(&tr);
    for (size_t i = 0; i < cap_len; i++)
        tr_observe_digest(&tr, &caps[1][i]);
    kb4 alpha = tr_sample_ext(&tr);
    for (size_t i = 0; i < cap_len; i++)
        tr_observe_digest(&tr, &caps[2][i]);
    size_t n = (size_t)1 << vk->log_n;
    kb4 zeta;
    do
        zeta = tr_sample_ext(&tr);
    while (kb4_eq(kb4_pow(zeta, n), kb4_one()));
    kb4 zeta_next = kb4_mul_base(zeta, kb_root_of_unity(vk->log_n));
    for (unsigned i = 0; i < ZP_NUM_OPENINGS + 4; i++)
        tr_observe_ext(&tr, open[i]);
    kb4 deep = tr_sample_ext(&tr);
    fri_challenges ch;
    rc = fri_verify_commit(&tr, &vk->fri, &s, &fp, &ch);
    if (!rc)
        rc = check_identity(vk, open, h.v, alpha, beta, gamma, zeta);
    if (rc)
        goto done;

    /* the query phase's openings of T0..T3 */
    size_t nq = vk->fri.num_queries, idx[FRI_MAX_QUERIES], u = 0;
    for (size_t i = 0; i < nq; i++)
        idx[i] = ch.queries[i];
    qsort(idx, nq, sizeof *idx, cmp_size);
    for (size_t i = 0; i < nq; i++)
        if (u == 0 || idx[u - 1] != idx[i])
            idx[u++] = idx[i];
    static const char *const tree_names[4] = {"preprocessed", "wires", "permutation", "quotient"};
    for (int t = 0; t < 4 && !rc; t++) {
        size_t wdt = widths[t] + (t ? salt : 0);
        mk_dims dims[2] = {{.log_height = log_lde, .width = widths[t]},
                           {.log_height = log_lde, .width = salt}};
        mk_shape shape = {.mats = dims,
                          .nmats = (t && salt) ? 2 : 1,
                          .cap_log = vk->fri.cap_log < log_lde ? vk->fri.cap_log : log_lde};
        size_t want_sib = 0;
        rc = mk_batch_sibling_count(&shape, idx, u, &want_sib);
        if (!rc)
            rc = cd_get_count(&r, &to[t].u, FRI_MAX_QUERIES, tree_names[t]);
        if (!rc && to[t].u != u)
            rc = zk_err_set(ZK_ERR_PROOF, "%s tree: %u rows opened, %zu expected", tree_names[t],
                            to[t].u, u);
        if (!rc) {
            to[t].rows = malloc(u * wdt * sizeof(kb));
            if (!to[t].rows)
                rc = zk_err_set(ZK_ERR_NOMEM, "out of memory");
        }
        if (!rc)
            rc = cd_get_kbs(&r, to[t].rows, u * wdt, tree_names[t]);
        if (!rc)
            rc = cd_get_count(&r, &to[t].nsib, (uint32_t)(u * MK_MAX_LOG_HEIGHT), tree_names[t]);
        if (!rc && to[t].nsib != want_sib)
            rc = zk_err_set(ZK_ERR_PROOF, "%s tree: %u siblings, %zu expected", tree_names[t],
                            to[t].nsib, want_sib);
        if (!rc) {
            to[t].sib = malloc((want_sib ? want_sib : 1) * sizeof(p2_digest));
            if (!to[t].sib)
                rc = zk_err_set(ZK_ERR_NOMEM, "out of memory");
        }
        if (!rc)
            rc = cd_get_digests(&r, to[t].sib, want_sib, tree_names[t]);
        if (rc)
            break;
        mk_row rows[2 * FRI_MAX_QUERIES];
        for (size_t i = 0; i < u; i++) {
            rows[shape.nmats * i] = (mk_row){.v = to[t].rows + i * wdt, .len = widths[t]};
            if (shape.nmats == 2)
                rows[2 * i + 1] = (mk_row){.v = to[t].rows + i * wdt + widths[t], .len = salt};
        }
        const p2_digest *cap = t == 0 ? vk->t0_cap : caps[t - 1];
        rc = mk_verify_batch(&shape, cap, cap_len, idx, u, rows, u * shape.nmats, to[t].sib,
                             want_sib);
        if (rc)
            zk_err_wrap(rc, "%s tree opening: ", tree_names[t]);
    }
    if (!rc)
        rc = fri_proof_decode_queries(&r, &fp, &s, ch.queries, nq);
    if (!rc)
        rc = cd_reader_finish(&r);
    if (rc)
        goto done;
    inf.query_bytes = len - inf.commit_bytes;

    /* F at each query point, from the opened rows */
    kb4 apow[ZP_NUM_OPENINGS + 4];
    apow[0] = kb4_one();
    for (int i = 1; i < ZP_NUM_OPENINGS + 4; i++)
        apow[i] = kb4_mul(apow[i - 1], deep);
    kb4 s1 = kb4_zero(), s2 = kb4_zero();
    for (unsigned t = 0; t < ZP_NUM_OPENINGS; t++)
        s1 = kb4_add(s1, kb4_mul(apow[t], open[t]));
    for (unsigned k = 0; k < 4; k++)
        s2 = kb4_add(s2, kb4_mul(apow[ZP_NUM_OPENINGS + k], open[ZP_NUM_OPENINGS + k]));
    fq = malloc(nq * sizeof *fq);
    if (!fq) {
        rc = zk_err_set(ZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    kb wN = kb_root_of_unity(log_lde), g = kb_from_canonical(KB_GENERATOR);
    for (size_t qi = 0; qi < nq; qi++) {
        size_t q = ch.queries[qi], lo = 0, hi = u;
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (idx[mid] <= q)
                lo = mid;
            else
                hi = mid;
        }
        kb4 a1 = kb4_zero(), a2 = kb4_zero();
        unsigned t = 0;
        for (int tr_i = 0; tr_i < 4; tr_i++) {
            size_t wdt = widths[tr_i] + (tr_i ? salt : 0);
            const kb *row = to[tr_i].rows + lo * wdt;
            for (size_t i = 0; i < widths[tr_i]; i++, t++)
                a1 = kb4_add(a1, kb4_mul_base(apow[t], row[i]));
        }
        const kb *zrow = to[2].rows + lo * (widths[2] + salt);
        for (unsigned k = 0; k < 4; k++)
            a2 = kb4_add(a2, kb4_mul_base(apow[ZP_NUM_OPENINGS + k], zrow[k]));
        kb x = kb_mul(g, kb_pow(wN, q));
        kb4 d1 = kb4_sub(kb4_from_base(x), zeta), d2 = kb4_sub(kb4_from_base(x), zeta_next);
        fq[qi] =
            kb4_add(kb4_mul(kb4_sub(a1, s1), kb4_inv(d1)), kb4_mul(kb4_sub(a2, s2), kb4_inv(d2)));
    }
    rc = fri_verify_queries(&vk->fri, &s, &fp, &ch, fq);
    if (!rc && keep) {
        /* hand over what a circuit verifying this proof needs as its witness */
        keep->sched = s;
        keep->cap_len = cap_len;
        memcpy(keep->caps, caps, sizeof caps);
        memcpy(keep->open, open, sizeof open);
        keep->deep = deep;
        keep->zeta = zeta;
        keep->zeta_next = zeta_next;
        keep->ch = ch;
        keep->fri = fp;
        memset(&fp, 0, sizeof fp);
        keep->nrows = u;
        memcpy(keep->row_index, idx, u * sizeof idx[0]);
        for (int t = 0; t < 4; t++) {
            keep->rows[t] = to[t].rows;
            keep->sib[t] = to[t].sib;
            keep->nsib[t] = to[t].nsib;
            to[t].rows = NULL;
            to[t].sib = NULL;
        }
    }
done:
    if (info)
        *info = inf;
    free(fq);
    for (int t = 0; t < 4; t++) {
        free(to[t].rows);
        free(to[t].sib);
    }
    fri_proof_free(&fp);
    return rc;
}

int zp_verify(const zp_vk *vk, const kb *pi, size_t npi, const uint8_t *proof, size_t len,
              double min_bits, zp_proof_info *info)
{
    return verify(vk, pi, npi, proof, len, min_bits, info, NULL);
}

int zp_verify_replay(const zp_vk *vk, const kb *pi, size_t npi, const uint8_t *proof, size_t len,
                     double min_bits, zp_replay *out)
{
    if (!out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zp_verify_replay: NULL output");
    memset(out, 0, sizeof *out);
    return verify(vk, pi, npi, proof, len, min_bits, NULL, out);
}

void zp_replay_free(zp_replay *r)
{
    if (!r)
        return;
    fri_proof_free(&r->fri);
    for (int t = 0; t < 4; t++) {
        free(r->rows[t]);
        free(r->sib[t]);
    }
    memset(r, 0, sizeof *r);
}
