/* Proof files (cli/proof_file.h). */
#include "cli/proof_file.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "prover/plonk_prove.h"
#include "verifier/codec.h"
#include "verifier/plonk.h"

int pf_write(zk_buf *out, const pf_file *f, const kb *pi, uint32_t npi, const uint8_t *proof,
             size_t proof_len)
{
    size_t name_len = strlen(f->circuit);
    if (name_len == 0 || name_len > PF_MAX_NAME || proof_len > ZP_MAX_PROOF_BYTES)
        return zk_err_set(ZK_ERR_INVALID_ARG, "pf_write: bad name or proof length");
    cd_writer w;
    cd_writer_init(&w, out);
    cd_put_u32(&w, PF_MAGIC);
    cd_put_u32(&w, PF_VERSION);
    cd_put_u32(&w, (uint32_t)name_len);
    if (!w.err)
        w.err = zk_buf_append(out, f->circuit, name_len);
    cd_put_u32(&w, f->size);
    cd_put_u32(&w, f->zk ? 1 : 0);
    const fri_params *p = &f->fri;
    uint32_t prm[6] = {p->log_blowup,  p->arity_bits, p->final_log,
                       p->num_queries, p->pow_bits,   p->cap_log};
    for (int i = 0; i < 6; i++)
        cd_put_u32(&w, prm[i]);
    cd_put_digest(&w, &f->vk_digest);
    cd_put_u32(&w, npi);
    cd_put_kbs(&w, pi, npi);
    cd_put_u32(&w, (uint32_t)proof_len);
    if (!w.err)
        w.err = zk_buf_append(out, proof, proof_len);
    return w.err;
}

void pf_free(pf_file *f)
{
    if (!f)
        return;
    free(f->pi);
    memset(f, 0, sizeof *f);
}

int pf_read(pf_file *f, const uint8_t *data, size_t len)
{
    memset(f, 0, sizeof *f);
    cd_reader r;
    cd_reader_init(&r, data, len);
    uint32_t magic = 0, version = 0, name_len = 0, zk = 0, prm[6] = {0}, plen = 0;
    int rc = cd_get_u32(&r, &magic, "magic");
    if (!rc && magic != PF_MAGIC)
        return zk_err_set(ZK_ERR_PARSE, "not a zkgate proof file (magic 0x%08x)", magic);
    if (!rc)
        rc = cd_get_u32(&r, &version, "file version");
    if (!rc && version != PF_VERSION)
        return zk_err_set(ZK_ERR_UNSUPPORTED, "proof file version %u (this build reads %u)",
                          version, PF_VERSION);
    if (!rc)
        rc = cd_get_count(&r, &name_len, PF_MAX_NAME, "circuit name length");
    if (!rc && (name_len == 0 || cd_remaining(&r) < name_len))
        return zk_err_set(ZK_ERR_PARSE, "circuit name: empty or cut off at byte %zu", r.pos);
    if (rc)
        return rc;
    memcpy(f->circuit, data + r.pos, name_len);
    f->circuit[name_len] = 0;
    for (uint32_t i = 0; i < name_len; i++)
        if (f->circuit[i] < 'a' || f->circuit[i] > 'z')
            return zk_err_set(ZK_ERR_PARSE, "circuit name: byte %u is not a lower-case letter", i);
    r.pos += name_len;
    rc = cd_get_u32(&r, &f->size, "size");
    if (!rc)
        rc = cd_get_u32(&r, &zk, "zk flag");
    if (!rc && zk > 1)
        return zk_err_set(ZK_ERR_PARSE, "zk flag is %u (0 or 1)", zk);
    for (int i = 0; i < 6 && !rc; i++)
        rc = cd_get_u32(&r, &prm[i], "FRI parameters");
    if (!rc)
        rc = cd_get_digest(&r, &f->vk_digest, "verification key digest");
    if (!rc)
        rc = cd_get_count(&r, &f->npi, ZP_MAX_PUBLIC_INPUTS, "public input count");
    if (rc)
        return rc;
    if (cd_remaining(&r) / 4 < f->npi)
        return zk_err_set(ZK_ERR_PARSE, "public inputs: file ends at byte %zu", len);
    f->pi = malloc((f->npi ? f->npi : 1) * sizeof *f->pi);
    if (!f->pi)
        return zk_err_set(ZK_ERR_NOMEM, "out of memory");
    rc = cd_get_kbs(&r, f->pi, f->npi, "public inputs");
    if (!rc)
        rc = cd_get_count(&r, &plen, ZP_MAX_PROOF_BYTES, "proof length");
    if (!rc && cd_remaining(&r) != plen)
        rc = zk_err_set(ZK_ERR_PARSE, "proof length says %u bytes, %zu follow", plen,
                        cd_remaining(&r));
    if (rc) {
        pf_free(f);
        return rc;
    }
    f->zk = (int)zk;
    f->fri = (fri_params){.log_blowup = prm[0],
                          .arity_bits = prm[1],
                          .final_log = prm[2],
                          .num_queries = prm[3],
                          .pow_bits = prm[4],
                          .cap_log = prm[5]};
    f->proof = data + r.pos;
    f->proof_len = plen;
    return ZK_OK;
}
