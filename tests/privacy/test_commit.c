/* Salted commitments and the auditor's disclosure bundle. */
#include <string.h>

#include "common/bytes.h"
#include "common/error.h"
#include "privacy/commit.h"
#include "privacy/envelope.h"
#include "privacy/viewkey.h"
#include "tests/test.h"

static int digest_eq(const p2_digest *a, const p2_digest *b)
{
    return memcmp(a->v, b->v, sizeof a->v) == 0;
}

static void rand_elems(kb *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = kb_from_u64(t_rand());
}

static void test_salt(void)
{
    pc_salt a, b;
    CHECK_OK(pc_salt_random(&a));
    CHECK_OK(pc_salt_random(&b));
    CHECK(memcmp(&a, &b, sizeof a) != 0);
    for (int i = 0; i < PC_SALT_LEN; i++)
        CHECK(a.v[i] < KB_P && kb_to_canonical(a.v[i]) < KB_P);
    /* Over many salts every element position takes values in both halves of the
     * range (the top bit of 31 is used). */
    int high[PC_SALT_LEN] = {0};
    for (int k = 0; k < 200; k++) {
        CHECK_OK(pc_salt_random(&a));
        for (int i = 0; i < PC_SALT_LEN; i++)
            high[i] += kb_to_canonical(a.v[i]) >= (1u << 30);
    }
    for (int i = 0; i < PC_SALT_LEN; i++)
        CHECK(high[i] > 50 && high[i] < 150);
    pc_salt_wipe(&a);
    for (int i = 0; i < PC_SALT_LEN; i++)
        CHECK(a.v[i] == 0);
    pc_salt_wipe(NULL);
}

static void test_binding(void)
{
    kb value[12];
    rand_elems(value, 12);
    pc_salt salt, salt2;
    CHECK_OK(pc_salt_random(&salt));
    CHECK_OK(pc_salt_random(&salt2));
    p2_digest c, c2;
    CHECK_OK(pc_commit(&c, value, 12, &salt));
    CHECK_OK(pc_commit(&c2, value, 12, &salt));
    CHECK(digest_eq(&c, &c2));
    CHECK_OK(pc_verify(&c, value, 12, &salt));
    /* Same value, fresh salt: a different commitment (hiding). */
    CHECK_OK(pc_commit(&c2, value, 12, &salt2));
    CHECK(!digest_eq(&c, &c2));
    CHECK_ERR(pc_verify(&c, value, 12, &salt2), ZK_ERR_PROOF);
    /* Changing any value element or any salt element changes it (binding). */
    for (int i = 0; i < 12; i++) {
        kb save = value[i];
        value[i] = kb_add(value[i], KB_ONE);
        CHECK_OK(pc_commit(&c2, value, 12, &salt));
        CHECK(!digest_eq(&c, &c2));
        CHECK_ERR(pc_verify(&c, value, 12, &salt), ZK_ERR_PROOF);
        value[i] = save;
    }
    for (int i = 0; i < PC_SALT_LEN; i++) {
        pc_salt s = salt;
        s.v[i] = kb_add(s.v[i], KB_ONE);
        CHECK_OK(pc_commit(&c2, value, 12, &s));
        CHECK(!digest_eq(&c, &c2));
    }
    /* Length matters: a prefix, or an appended zero, is another value. */
    CHECK_OK(pc_commit(&c2, value, 11, &salt));
    CHECK(!digest_eq(&c, &c2));
    kb longer[13];
    memcpy(longer, value, sizeof value);
    longer[12] = KB_ZERO;
    CHECK_OK(pc_commit(&c2, longer, 13, &salt));
    CHECK(!digest_eq(&c, &c2));
    /* Salt first: the value and salt cannot trade places. */
    pc_salt swapped;
    memcpy(swapped.v, value, sizeof swapped.v);
    CHECK_OK(pc_commit(&c2, salt.v, PC_SALT_LEN, &swapped));
    p2_digest c3;
    CHECK_OK(pc_commit(&c3, value, PC_SALT_LEN, &salt));
    CHECK(!digest_eq(&c3, &c2));
    /* The definition: Poseidon2 sponge under the commitment domain of salt || value. */
    kb flat[PC_SALT_LEN + 12];
    memcpy(flat, salt.v, sizeof salt.v);
    memcpy(flat + PC_SALT_LEN, value, sizeof value);
    p2_hash(&c2, P2_DOM_COMMITMENT, flat, PC_SALT_LEN + 12);
    CHECK(digest_eq(&c, &c2));
    p2_hash(&c2, P2_DOM_GENERIC, flat, PC_SALT_LEN + 12);
    CHECK(!digest_eq(&c, &c2));
    /* The empty value still commits to the salt. */
    CHECK_OK(pc_commit(&c2, NULL, 0, &salt));
    CHECK_OK(pc_verify(&c2, NULL, 0, &salt));
    CHECK_ERR(pc_commit(&c2, value, PC_MAX_VALUE + 1, &salt), ZK_ERR_TOO_LARGE);
    CHECK_ERR(pc_commit(&c2, value, 1, NULL), ZK_ERR_INVALID_ARG);
}

static void test_state_and_codec(void)
{
    p2_digest root, c, c2;
    rand_elems(root.v, 8);
    pc_salt salt;
    CHECK_OK(pc_salt_random(&salt));
    CHECK_OK(pc_state_commit(&c, &root, &salt));
    CHECK_OK(pc_commit(&c2, root.v, 8, &salt));
    CHECK(digest_eq(&c, &c2));
    CHECK_OK(pc_verify(&c, root.v, 8, &salt));
    uint8_t enc[32];
    pc_encode8(enc, c.v);
    kb back[8];
    CHECK_OK(pc_decode8(back, enc));
    CHECK(memcmp(back, c.v, sizeof back) == 0);
    for (int i = 0; i < 8; i++)
        CHECK(zk_load_le32(enc + 4 * i) == kb_to_canonical(c.v[i]));
    zk_store_le32(enc + 12, KB_P);
    CHECK_ERR(pc_decode8(back, enc), ZK_ERR_PARSE);
    CHECK(strstr(zk_err_detail(), "element 3") != NULL);
    zk_store_le32(enc + 12, KB_P - 1);
    CHECK_OK(pc_decode8(back, enc));
}

static void test_disclose(void)
{
    uint8_t master[32], vsk[32], vpub[65], other_sk[32], other_pub[65];
    t_rand_bytes(master, sizeof master);
    CHECK_OK(vk_derive(vsk, vpub, master));
    CHECK_OK(ecies_keygen(other_sk, other_pub));
    ecies_route r = {.version = 1, .src_chain = 3, .dst_chain = 4, .sequence = 17};
    t_rand_bytes(r.leaf, 32);
    uint8_t pubs[2][65];
    memcpy(pubs[0], other_pub, 65);
    memcpy(pubs[1], vpub, 65);
    const char *payload = "transfer 100 units of asset 7";
    zk_buf env;
    zk_buf_init(&env, ENV_MAX_LEN);
    CHECK_OK(env_seal(&env, &r, (const uint8_t(*)[65])pubs, 2, (const uint8_t *)payload,
                      strlen(payload)));
    kb value[4];
    rand_elems(value, 4);
    pc_salt salt;
    CHECK_OK(pc_salt_random(&salt));
    p2_digest c;
    CHECK_OK(pc_commit(&c, value, 4, &salt));
    vk_path path = {.index = 5, .len = 3};
    t_rand_bytes(path.digest, sizeof path.digest);

    zk_buf json, msg;
    zk_buf_init(&json, VK_MAX_BUNDLE);
    zk_buf_init(&msg, ENV_MAX_PAYLOAD);
    CHECK_OK(vk_disclose(&json, vsk, env.data, env.len, &c, value, 4, &salt, &path));
    CHECK(json.len > 0 && strstr((char *)json.data, "\"slot\":1") != NULL);
    CHECK(strstr((char *)json.data, "\"index\":\"5\"") != NULL);
    /* The bundle holds no viewing secret. */
    char vhex[65];
    zk_hex_encode(vhex, vsk, 32, 0);
    CHECK(strstr((char *)json.data, vhex) == NULL);
    CHECK_OK(vk_audit(&msg, (char *)json.data, json.len));
    CHECK(msg.len == strlen(payload) && memcmp(msg.data, payload, msg.len) == 0);

    /* A wrong opening is refused at disclosure time. */
    zk_buf bad;
    zk_buf_init(&bad, VK_MAX_BUNDLE);
    value[0] = kb_add(value[0], KB_ONE);
    CHECK_ERR(vk_disclose(&bad, vsk, env.data, env.len, &c, value, 4, &salt, &path), ZK_ERR_PROOF);
    value[0] = kb_sub(value[0], KB_ONE);
    /* A key that is not a recipient cannot disclose. */
    uint8_t stranger[32], spub[65];
    CHECK_OK(ecies_keygen(stranger, spub));
    CHECK_ERR(vk_disclose(&bad, stranger, env.data, env.len, &c, value, 4, &salt, &path),
              ZK_ERR_DECRYPT);
    CHECK(bad.len == 0);

    /* Tampering with the message, salt, value or key is caught by the audit. */
    const char *fields[] = {"\"message\":\"", "\"salt\":\"", "\"value\":\"", "\"message_key\":\""};
    for (size_t f = 0; f < 4; f++) {
        zk_buf_reset(&bad);
        CHECK_OK(zk_buf_append(&bad, json.data, json.len));
        char *p = strstr((char *)bad.data, fields[f]);
        CHECK(p != NULL);
        if (!p)
            continue;
        p += strlen(fields[f]);
        *p = *p == '0' ? '1' : '0';
        zk_buf_reset(&msg);
        int rc = vk_audit(&msg, (char *)bad.data, bad.len);
        CHECK_MSG(rc == ZK_ERR_DECRYPT || rc == ZK_ERR_PROOF, "field %s: rc %d", fields[f], rc);
        CHECK(msg.len == 0);
    }
    CHECK_ERR(vk_audit(&msg, "{\"kind\":\"zkgate-disclosure\"", 27), ZK_ERR_PARSE);
    CHECK_ERR(vk_audit(&msg, "{\"kind\":\"other\"}", 16), ZK_ERR_PARSE);
    zk_buf_free(&env);
    zk_buf_free_secret(&json);
    zk_buf_free_secret(&bad);
    zk_buf_free_secret(&msg);
}

int main(void)
{
    t_seed();
    test_salt();
    test_binding();
    test_state_and_codec();
    test_disclose();
    return t_report("test_commit");
}
