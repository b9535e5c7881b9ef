/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "fake_tpm.h"
#include "token/token.h"
#include "token_fixture.h"

/*
 * Objects: what key generation records, who sees private objects, finding
 * with templates, C_GetAttributeValue semantics, sizes and destruction.
 */

#define VENDOR_ATTR (CKA_VENDOR_DEFINED + 0x1234)

static const uint8_t p256_oid[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				    0x3d, 0x03, 0x01, 0x07 };
static const uint8_t p521_oid[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00,
				    0x23 };
static const uint8_t fixed_id[] = { 0x01, 0x02, 0x03 };

static CK_BBOOL get_bool(struct tc_session *s, int64_t id,
			 CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL value = 0x55;
	CK_ATTRIBUTE attr = { type, &value, sizeof(value) };

	assert_int_equal(token_object_get_attrs(s, id, &attr, 1), CKR_OK);
	assert_int_equal(attr.ulValueLen, 1);
	return value;
}

/* Asserts an attribute's value equals the expected bytes. */
static void assert_attr(struct tc_session *s, int64_t id,
			CK_ATTRIBUTE_TYPE type, const void *expected,
			size_t len)
{
	uint8_t *value = NULL;
	size_t value_len = 0;

	fixture_get_attr(s, id, type, &value, &value_len);
	assert_int_equal(value_len, len);
	if (len > 0)
		assert_memory_equal(value, expected, len);
	free(value);
}

static size_t count_all(struct tc_session *s)
{
	int64_t ids[16];

	return fixture_find(s, NULL, 0, ids, 16);
}

static void assert_common_records(struct fixture *f, int64_t id,
				  CK_OBJECT_CLASS cls, CK_KEY_TYPE type,
				  const char *label)
{
	assert_int_equal(fixture_get_ulong(f->rw, id, CKA_CLASS), cls);
	assert_int_equal(fixture_get_ulong(f->rw, id, CKA_KEY_TYPE), type);
	assert_attr(f->rw, id, CKA_LABEL, label, strlen(label));
	assert_int_equal(get_bool(f->rw, id, CKA_TOKEN), CK_TRUE);
	assert_int_equal(get_bool(f->rw, id, CKA_LOCAL), CK_TRUE);
	assert_int_equal(get_bool(f->rw, id, CKA_PRIVATE),
			 cls == CKO_PRIVATE_KEY);
	assert_int_equal(fixture_get_ulong(f->rw, id, CKA_KEY_GEN_MECHANISM),
			 type == CKK_RSA ? CKM_RSA_PKCS_KEY_PAIR_GEN :
					   CKM_EC_KEY_PAIR_GEN);
}

/* RSA keys decrypt (and their public halves encrypt); EC keys do not. */
static void assert_private_key_rules(struct fixture *f, int64_t id, int64_t pub,
				     bool rsa)
{
	assert_int_equal(get_bool(f->rw, id, CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(get_bool(f->rw, id, CKA_ALWAYS_SENSITIVE), CK_TRUE);
	assert_int_equal(get_bool(f->rw, id, CKA_EXTRACTABLE), CK_FALSE);
	assert_int_equal(get_bool(f->rw, id, CKA_NEVER_EXTRACTABLE), CK_TRUE);
	assert_int_equal(get_bool(f->rw, id, CKA_SIGN), CK_TRUE);
	assert_int_equal(get_bool(f->rw, id, CKA_DECRYPT), rsa);
	assert_int_equal(get_bool(f->rw, pub, CKA_ENCRYPT), rsa);
}

static void rsa_pair_records(void **state)
{
	static const uint8_t e65537[] = { 0x01, 0x00, 0x01 };
	struct fixture *f = *state;
	uint8_t *modulus = NULL, *id = NULL, sha1[SHA_DIGEST_LENGTH];
	size_t modulus_len = 0, id_len = 0;
	int64_t priv, pub;

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_RSA2048, "rsa", &priv, &pub);
	assert_int_not_equal(priv, pub);
	assert_common_records(f, priv, CKO_PRIVATE_KEY, CKK_RSA, "rsa");
	assert_common_records(f, pub, CKO_PUBLIC_KEY, CKK_RSA, "rsa");
	assert_private_key_rules(f, priv, pub, true);
	assert_int_equal(get_bool(f->rw, pub, CKA_VERIFY), CK_TRUE);
	assert_int_equal(fixture_get_ulong(f->rw, pub, CKA_MODULUS_BITS),
			 2048);
	assert_attr(f->rw, pub, CKA_PUBLIC_EXPONENT, e65537, 3);
	assert_attr(f->rw, priv, CKA_PUBLIC_EXPONENT, e65537, 3);
	fixture_get_attr(f->rw, pub, CKA_MODULUS, &modulus, &modulus_len);
	assert_int_equal(modulus_len, 256);
	assert_true(modulus[0] & 0x80); /* a full 2048-bit modulus */
	assert_attr(f->rw, priv, CKA_MODULUS, modulus, modulus_len);
	/* No CKA_ID given: the SHA-1 of the modulus, shared by the pair. */
	fixture_get_attr(f->rw, pub, CKA_ID, &id, &id_len);
	assert_int_equal(id_len, SHA_DIGEST_LENGTH);
	assert_non_null(SHA1(modulus, modulus_len, sha1));
	assert_memory_equal(id, sha1, SHA_DIGEST_LENGTH);
	assert_attr(f->rw, priv, CKA_ID, id, id_len);
	free(modulus);
	free(id);
}

static void ec_pair_records(void **state)
{
	struct fixture *f = *state;
	uint8_t *point = NULL;
	size_t point_len = 0;
	int64_t priv, pub;

	fixture_login_user(f);
	assert_int_equal(token_key_generate(f->rw, TC_KEY_EC_P256, "ec",
					    fixed_id, sizeof(fixed_id), &priv,
					    &pub),
			 CKR_OK);
	assert_common_records(f, priv, CKO_PRIVATE_KEY, CKK_EC, "ec");
	assert_common_records(f, pub, CKO_PUBLIC_KEY, CKK_EC, "ec");
	assert_private_key_rules(f, priv, pub, false);
	assert_attr(f->rw, priv, CKA_ID, fixed_id, sizeof(fixed_id));
	assert_attr(f->rw, priv, CKA_EC_PARAMS, p256_oid, sizeof(p256_oid));
	assert_attr(f->rw, pub, CKA_EC_PARAMS, p256_oid, sizeof(p256_oid));
	/* DER OCTET STRING of an uncompressed point: 04 41 04 X Y. */
	fixture_get_attr(f->rw, pub, CKA_EC_POINT, &point, &point_len);
	assert_int_equal(point_len, 2 + 1 + 64);
	assert_int_equal(point[0], 0x04);
	assert_int_equal(point[1], 0x41);
	assert_int_equal(point[2], 0x04);
	free(point);
}

static void p521_point_uses_a_long_der_length(void **state)
{
	struct fixture *f = *state;
	uint8_t *point = NULL;
	size_t point_len = 0;
	int64_t priv, pub;

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_EC_P521, "big", &priv, &pub);
	assert_attr(f->rw, pub, CKA_EC_PARAMS, p521_oid, sizeof(p521_oid));
	fixture_get_attr(f->rw, pub, CKA_EC_POINT, &point, &point_len);
	assert_int_equal(point_len, 3 + 1 + 2 * 66);
	assert_int_equal(point[0], 0x04);
	assert_int_equal(point[1], 0x81);
	assert_int_equal(point[2], 1 + 2 * 66);
	assert_int_equal(point[3], 0x04);
	free(point);
}

static void generation_gives_the_tpm_a_random_auth(void **state)
{
	struct fixture *f = *state;
	struct fake_object_view a, b;
	int64_t priv, pub;
	size_t before = fake_tpm_object_count();

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_EC_P256, "a", &priv, &pub);
	fixture_generate(f, TC_KEY_RSA2048, "b", &priv, &pub);
	assert_int_equal(fake_tpm_object_count(), before + 2);
	assert_true(fake_tpm_object(before, &a));
	assert_true(fake_tpm_object(before + 1, &b));
	assert_int_equal(a.kind, FAKE_OBJ_EC);
	assert_int_equal(b.kind, FAKE_OBJ_RSA);
	assert_int_equal(a.auth_len, 32);
	assert_int_equal(b.auth_len, 32);
	assert_memory_not_equal(a.auth, b.auth, 32);
}

static void generation_is_refused_without_a_user_login(void **state)
{
	struct fixture *f = *state;
	struct tc_session *ro = NULL;
	size_t before = fake_tpm_object_count();
	int64_t priv = 0, pub = 0;

	assert_int_equal(token_key_generate(f->rw, TC_KEY_EC_P256, "k", NULL,
					    0, &priv, &pub),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(fixture_login(f->rw, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(token_key_generate(f->rw, TC_KEY_EC_P256, "k", NULL,
					    0, &priv, &pub),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(token_logout(f->rw), CKR_OK);
	fixture_login_user(f);
	assert_int_equal(token_session_open(f->mod, f->token_id, false, &ro),
			 CKR_OK);
	assert_int_equal(token_key_generate(ro, TC_KEY_EC_P256, "k", NULL, 0,
					    &priv, &pub),
			 CKR_SESSION_READ_ONLY);
	token_session_close(ro);
	assert_int_equal(token_key_generate(f->rw, TC_KEY_KIND_COUNT, "k",
					    NULL, 0, &priv, &pub),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(token_key_generate(f->rw, TC_KEY_EC_P256, NULL, NULL,
					    0, &priv, &pub),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(fake_tpm_object_count(), before);
	assert_int_equal(count_all(f->rw), 0);
}

struct rc_case {
	enum tpm_rc rc;
	CK_RV rv;
};

static void tpm_failures_while_generating_store_nothing(void **state)
{
	static const struct rc_case cases[] = {
		{ TPM_E_UNSUPPORTED, CKR_KEY_SIZE_RANGE },
		{ TPM_E_NO_SLOTS, CKR_DEVICE_MEMORY },
		{ TPM_E_NO_DEVICE, CKR_DEVICE_REMOVED },
		{ TPM_E_NO_MEMORY, CKR_HOST_MEMORY },
		{ TPM_E_BAD_INPUT, CKR_TEMPLATE_INCONSISTENT },
		{ TPM_E_OWNER_AUTH, CKR_DEVICE_ERROR },
		{ TPM_E_FAILURE, CKR_DEVICE_ERROR },
	};
	struct fixture *f = *state;
	int64_t priv, pub;

	fixture_login_user(f);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_tpm_fail_next(FAKE_TPM_KEY_CREATE, cases[i].rc);
		assert_int_equal(token_key_generate(f->rw, TC_KEY_RSA2048, "k",
						    NULL, 0, &priv, &pub),
				 cases[i].rv);
		assert_int_equal(count_all(f->rw), 0);
	}
}

static void private_objects_need_a_user_login(void **state)
{
	struct fixture *f = *state;
	CK_ATTRIBUTE label = { CKA_LABEL, NULL, 0 };
	CK_ULONG size = 0;
	int64_t priv, pub, ids[4];

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_EC_P256, "k", &priv, &pub);
	assert_int_equal(count_all(f->rw), 2);
	assert_int_equal(token_logout(f->rw), CKR_OK);
	assert_int_equal(fixture_find(f->rw, NULL, 0, ids, 4), 1);
	assert_int_equal(ids[0], pub);
	assert_int_equal(token_object_get_attrs(f->rw, priv, &label, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(token_object_size(f->rw, priv, &size),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(token_object_destroy(f->rw, priv),
			 CKR_OBJECT_HANDLE_INVALID);
	/* The SO is no user: private objects stay hidden. */
	assert_int_equal(fixture_login(f->rw, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(count_all(f->rw), 1);
	assert_int_equal(token_logout(f->rw), CKR_OK);
	fixture_login_user(f);
	assert_int_equal(count_all(f->rw), 2);
}

static void objects_persist_and_stay_hidden_after_reopen(void **state)
{
	struct fixture *f = *state;
	int64_t priv, pub, ids[4];

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_EC_P256, "k", &priv, &pub);
	fixture_close_module(f);
	fixture_open_module(f);
	assert_int_equal(fixture_find(f->rw, NULL, 0, ids, 4), 1);
	assert_int_equal(ids[0], pub);
	fixture_login_user(f);
	assert_int_equal(count_all(f->rw), 2);
	assert_int_equal(fixture_get_ulong(f->rw, priv, CKA_CLASS),
			 CKO_PRIVATE_KEY);
}

/* Two pairs: RSA "rsa" with a random id, EC "ec" with fixed_id. */
static void make_two_pairs(struct fixture *f, int64_t *rsa_pub,
			   int64_t *ec_pub)
{
	int64_t priv;

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_RSA2048, "rsa", &priv, rsa_pub);
	assert_int_equal(token_key_generate(f->rw, TC_KEY_EC_P256, "ec",
					    fixed_id, sizeof(fixed_id), &priv,
					    ec_pub),
			 CKR_OK);
}

static size_t find_count(struct tc_session *s, CK_ATTRIBUTE *tmpl,
			 CK_ULONG count)
{
	int64_t ids[16];

	return fixture_find(s, tmpl, count, ids, 16);
}

static void find_matches_whole_values(void **state)
{
	struct fixture *f = *state;
	CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY, pub_class =
							      CKO_PUBLIC_KEY;
	CK_KEY_TYPE ec = CKK_EC;
	uint32_t short_class = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE by_class = { CKA_CLASS, &priv_class, sizeof(priv_class) };
	CK_ATTRIBUTE by_type = { CKA_KEY_TYPE, &ec, sizeof(ec) };
	CK_ATTRIBUTE by_label = { CKA_LABEL, "ec", 2 };
	CK_ATTRIBUTE by_prefix = { CKA_LABEL, "e", 1 };
	CK_ATTRIBUTE by_id = { CKA_ID, (void *)fixed_id, sizeof(fixed_id) };
	CK_ATTRIBUTE by_short = { CKA_CLASS, &short_class,
				  sizeof(short_class) };
	CK_ATTRIBUTE by_vendor = { VENDOR_ATTR, "x", 1 };
	CK_ATTRIBUTE rsa_public[] = {
		{ CKA_CLASS, &pub_class, sizeof(pub_class) },
		{ CKA_LABEL, "rsa", 3 },
	};
	int64_t rsa_pub, ec_pub, ids[4];

	make_two_pairs(f, &rsa_pub, &ec_pub);
	assert_int_equal(find_count(f->rw, NULL, 0), 4);
	assert_int_equal(find_count(f->rw, &by_class, 1), 2);
	assert_int_equal(find_count(f->rw, &by_type, 1), 2);
	assert_int_equal(find_count(f->rw, &by_label, 1), 2);
	assert_int_equal(find_count(f->rw, &by_prefix, 1), 0);
	assert_int_equal(find_count(f->rw, &by_id, 1), 2);
	assert_int_equal(find_count(f->rw, &by_short, 1), 0);
	assert_int_equal(find_count(f->rw, &by_vendor, 1), 0);
	assert_int_equal(fixture_find(f->rw, rsa_public, 2, ids, 4), 1);
	assert_int_equal(ids[0], rsa_pub);
}

static void find_without_a_value_matches_nothing(void **state)
{
	struct fixture *f = *state;
	CK_ATTRIBUTE no_value = { CKA_LABEL, NULL, 2 };
	CK_ATTRIBUTE empty = { CKA_SUBJECT, NULL, 0 };
	int64_t rsa_pub, ec_pub;

	make_two_pairs(f, &rsa_pub, &ec_pub);
	/* A bad template from the caller must not crash the host. */
	assert_int_equal(find_count(f->rw, &no_value, 1), 0);
	/* An empty value matches the attributes that are empty. */
	assert_int_equal(find_count(f->rw, &empty, 1), 4);
}

static void find_hands_out_results_in_pieces(void **state)
{
	struct fixture *f = *state;
	int64_t rsa_pub, ec_pub, id, seen[4];
	size_t found = 0, total = 0;

	make_two_pairs(f, &rsa_pub, &ec_pub);
	assert_int_equal(token_find_init(f->rw, NULL, 0), CKR_OK);
	do {
		assert_int_equal(token_find_next(f->rw, &id, 1, &found),
				 CKR_OK);
		if (found == 1) {
			assert_true(total < 4);
			seen[total++] = id;
		}
	} while (found == 1);
	assert_int_equal(total, 4);
	for (size_t i = 1; i < total; i++)
		assert_int_not_equal(seen[i], seen[i - 1]);
	assert_int_equal(token_find_final(f->rw), CKR_OK);
}

static void find_operation_state(void **state)
{
	struct fixture *f = *state;
	size_t found = 9;
	int64_t id;

	assert_int_equal(token_find_next(f->rw, &id, 1, &found),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(found, 0);
	assert_int_equal(token_find_final(f->rw),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(token_find_init(f->rw, NULL, 0), CKR_OK);
	assert_int_equal(token_find_init(f->rw, NULL, 0),
			 CKR_OPERATION_ACTIVE);
	assert_int_equal(token_find_next(f->rw, &id, 1, &found), CKR_OK);
	assert_int_equal(found, 0);
	assert_int_equal(token_find_final(f->rw), CKR_OK);
	assert_int_equal(token_find_final(f->rw),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* Closing a session ends its search. */
	assert_int_equal(token_find_init(f->rw, NULL, 0), CKR_OK);
}

static void get_attrs_fills_the_whole_template(void **state)
{
	struct fixture *f = *state;
	CK_OBJECT_CLASS cls = 0;
	uint8_t label[1], id[16], exponent[64], vendor[8], subject[4];
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_LABEL, label, sizeof(label) },
		{ CKA_ID, id, sizeof(id) },
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_PRIVATE_EXPONENT, exponent, sizeof(exponent) },
		{ VENDOR_ATTR, vendor, sizeof(vendor) },
		{ CKA_SUBJECT, subject, sizeof(subject) },
	};
	int64_t priv, pub;

	fixture_login_user(f);
	assert_int_equal(token_key_generate(f->rw, TC_KEY_RSA2048, "rsa",
					    fixed_id, sizeof(fixed_id), &priv,
					    &pub),
			 CKR_OK);
	assert_int_equal(token_object_get_attrs(f->rw, priv, tmpl, 6),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(tmpl[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(tmpl[1].ulValueLen, sizeof(fixed_id));
	assert_memory_equal(id, fixed_id, sizeof(fixed_id));
	assert_int_equal(tmpl[2].ulValueLen, sizeof(cls));
	assert_int_equal(cls, CKO_PRIVATE_KEY);
	assert_int_equal(tmpl[3].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(tmpl[4].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(tmpl[5].ulValueLen, 0);
}

static void sensitive_and_unknown_attributes(void **state)
{
	static const CK_ATTRIBUTE_TYPE secret_parts[] = {
		CKA_PRIVATE_EXPONENT, CKA_PRIME_1,	CKA_PRIME_2,
		CKA_EXPONENT_1,	      CKA_EXPONENT_2, CKA_COEFFICIENT,
		CKA_VALUE,
	};
	struct fixture *f = *state;
	uint8_t buf[600];
	CK_ATTRIBUTE a = { 0, buf, sizeof(buf) };
	int64_t priv, pub;

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_RSA2048, "rsa", &priv, &pub);
	for (size_t i = 0; i < sizeof(secret_parts) / sizeof(*secret_parts);
	     i++) {
		a.type = secret_parts[i];
		a.ulValueLen = sizeof(buf);
		assert_int_equal(token_object_get_attrs(f->rw, priv, &a, 1),
				 CKR_ATTRIBUTE_SENSITIVE);
		assert_int_equal(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
		/* The public key has no such attribute at all. */
		a.ulValueLen = sizeof(buf);
		assert_int_equal(token_object_get_attrs(f->rw, pub, &a, 1),
				 CKR_ATTRIBUTE_TYPE_INVALID);
		assert_int_equal(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	}
	a.type = VENDOR_ATTR;
	a.ulValueLen = sizeof(buf);
	assert_int_equal(token_object_get_attrs(f->rw, priv, &a, 1),
			 CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

static void get_attrs_length_queries_and_bad_handles(void **state)
{
	struct fixture *f = *state;
	uint8_t label[3];
	CK_ATTRIBUTE a = { CKA_LABEL, NULL, 0 };
	int64_t priv, pub;

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_EC_P256, "abc", &priv, &pub);
	assert_int_equal(token_object_get_attrs(f->rw, pub, &a, 1), CKR_OK);
	assert_int_equal(a.ulValueLen, 3);
	a.pValue = label;
	assert_int_equal(token_object_get_attrs(f->rw, pub, &a, 1), CKR_OK);
	assert_memory_equal(label, "abc", 3);
	assert_int_equal(token_object_get_attrs(f->rw, pub, NULL, 0), CKR_OK);
	assert_int_equal(token_object_get_attrs(f->rw, pub + priv + 100, &a,
						1),
			 CKR_OBJECT_HANDLE_INVALID);
}

static void object_size_counts_what_is_stored(void **state)
{
	struct fixture *f = *state;
	CK_ULONG priv_size = 0, pub_size = 0;
	int64_t priv, pub;

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_RSA2048, "rsa", &priv, &pub);
	assert_int_equal(token_object_size(f->rw, priv, &priv_size), CKR_OK);
	assert_int_equal(token_object_size(f->rw, pub, &pub_size), CKR_OK);
	/* Both carry the modulus; the private one also its TPM blobs. */
	assert_true(pub_size > 256);
	assert_true(priv_size > pub_size);
	assert_int_equal(token_object_size(f->rw, priv + pub + 100,
					   &pub_size),
			 CKR_OBJECT_HANDLE_INVALID);
}

static void destroy_removes_from_store_and_cache(void **state)
{
	struct fixture *f = *state;
	int64_t priv, pub;

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_EC_P256, "k", &priv, &pub);
	assert_int_equal(token_logout(f->rw), CKR_OK);
	/* A public object needs no login. */
	assert_int_equal(token_object_destroy(f->rw, pub), CKR_OK);
	assert_int_equal(count_all(f->rw), 0);
	assert_int_equal(token_object_destroy(f->rw, pub),
			 CKR_OBJECT_HANDLE_INVALID);
	fixture_login_user(f);
	assert_int_equal(token_object_destroy(f->rw, priv), CKR_OK);
	fixture_close_module(f);
	fixture_open_module(f);
	fixture_login_user(f);
	assert_int_equal(count_all(f->rw), 0);
}

static void destroy_needs_rw_and_a_destroyable_object(void **state)
{
	struct fixture *f = *state;
	struct tc_session *ro = NULL;
	int64_t priv, pub;

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_EC_P256, "k", &priv, &pub);
	assert_int_equal(token_session_open(f->mod, f->token_id, false, &ro),
			 CKR_OK);
	assert_int_equal(token_object_destroy(ro, pub), CKR_SESSION_READ_ONLY);
	token_session_close(ro);
	fixture_store_set_bool(f, pub, CKA_DESTROYABLE, false);
	assert_int_equal(count_all(f->rw), 2); /* refreshes the cache */
	assert_int_equal(token_object_destroy(f->rw, pub),
			 CKR_ACTION_PROHIBITED);
	assert_int_equal(count_all(f->rw), 2);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, \
						fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(rsa_pair_records),
		T(ec_pair_records),
		T(p521_point_uses_a_long_der_length),
		T(generation_gives_the_tpm_a_random_auth),
		T(generation_is_refused_without_a_user_login),
		T(tpm_failures_while_generating_store_nothing),
		T(private_objects_need_a_user_login),
		T(objects_persist_and_stay_hidden_after_reopen),
		T(find_matches_whole_values),
		T(find_without_a_value_matches_nothing),
		T(find_hands_out_results_in_pieces),
		T(find_operation_state),
		T(get_attrs_fills_the_whole_template),
		T(sensitive_and_unknown_attributes),
		T(get_attrs_length_queries_and_bad_handles),
		T(object_size_counts_what_is_stored),
		T(destroy_removes_from_store_and_cache),
		T(destroy_needs_rw_and_a_destroyable_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
