/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "fake_tpm.h"
#include "token/token.h"
#include "token_fixture.h"
#include "token_verify.h"

/*
 * Signing through the token layer with keys of the fake TPM, every
 * signature checked by OpenSSL against the public key read back from the
 * public object's attributes; then the refusals and the TPM failures.
 */

#define MSG "the quick brown fox jumps over the lazy dog"
#define MSG_LEN (sizeof(MSG) - 1)

struct pair {
	int64_t priv, pub;
	EVP_PKEY *key; /* built from the public object's attributes */
};

static const char *group_of(enum tc_key_kind kind)
{
	switch (kind) {
	case TC_KEY_EC_P256:
		return "P-256";
	case TC_KEY_EC_P384:
		return "P-384";
	case TC_KEY_EC_P521:
		return "P-521";
	default:
		return NULL;
	}
}

/* Generates a pair (logged in already) and reads its public key back. */
static void make_pair(struct fixture *f, enum tc_key_kind kind,
		      struct pair *p)
{
	const char *group = group_of(kind);

	fixture_generate(f, kind, token_key_kind_name(kind), &p->priv,
			 &p->pub);
	p->key = group ? verify_ec_public(f->rw, p->pub, group) :
			 verify_rsa_public(f->rw, p->pub);
	verify_assert_spki(f->rw, p->pub, p->key);
	verify_assert_spki(f->rw, p->priv, p->key);
}

static void login_and_make_pair(struct fixture *f, enum tc_key_kind kind,
				struct pair *p)
{
	fixture_login_user(f);
	make_pair(f, kind, p);
}

/* ---- signing ---- */

static CK_RV sign_init(struct tc_session *s, CK_MECHANISM_TYPE type,
		       int64_t key)
{
	CK_MECHANISM mech = { type, NULL, 0 };

	return token_sign_init(s, &mech, key);
}

/* One-part sign into sig (512 bytes); asserts CKR_OK, returns length. */
static size_t sign_ok(struct tc_session *s, CK_MECHANISM_TYPE type,
		      int64_t key, const void *data, size_t len, uint8_t *sig)
{
	CK_ULONG sig_len = 512;

	assert_int_equal(sign_init(s, type, key), CKR_OK);
	assert_int_equal(token_sign(s, data, len, sig, &sig_len), CKR_OK);
	return sig_len;
}

static CK_RV sign_rv(struct tc_session *s, CK_MECHANISM_TYPE type,
		     int64_t key, const void *data, size_t len)
{
	uint8_t sig[512];
	CK_ULONG sig_len = sizeof(sig);
	CK_RV rv = sign_init(s, type, key);

	return rv == CKR_OK ? token_sign(s, data, len, sig, &sig_len) : rv;
}

/* Multi-part: the message in two updates, then final. */
static size_t sign_in_parts(struct tc_session *s, CK_MECHANISM_TYPE type,
			    int64_t key, uint8_t *sig)
{
	CK_ULONG sig_len = 512;

	assert_int_equal(sign_init(s, type, key), CKR_OK);
	assert_int_equal(token_sign_update(s, (const uint8_t *)MSG, 10),
			 CKR_OK);
	assert_int_equal(token_sign_update(s, (const uint8_t *)MSG + 10,
					   MSG_LEN - 10),
			 CKR_OK);
	assert_int_equal(token_sign_final(s, sig, &sig_len), CKR_OK);
	return sig_len;
}

static void assert_not_signing(struct tc_session *s)
{
	uint8_t sig[8];
	CK_ULONG sig_len = sizeof(sig);

	assert_int_equal(token_sign(s, (const uint8_t *)"x", 1, sig, &sig_len),
			 CKR_OPERATION_NOT_INITIALIZED);
}

struct hashed_mech {
	CK_MECHANISM_TYPE type;
	const char *md;
};

static const struct hashed_mech rsa_hashed[] = {
	{ CKM_SHA1_RSA_PKCS, "SHA1" },	   { CKM_SHA224_RSA_PKCS, "SHA224" },
	{ CKM_SHA256_RSA_PKCS, "SHA256" }, { CKM_SHA384_RSA_PKCS, "SHA384" },
	{ CKM_SHA512_RSA_PKCS, "SHA512" },
};

static const struct hashed_mech ec_hashed[] = {
	{ CKM_ECDSA_SHA1, "SHA1" },	{ CKM_ECDSA_SHA224, "SHA224" },
	{ CKM_ECDSA_SHA256, "SHA256" }, { CKM_ECDSA_SHA384, "SHA384" },
	{ CKM_ECDSA_SHA512, "SHA512" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void rsa_hash_and_sign_verifies(void **state)
{
	struct fixture *f = *state;
	uint8_t one[512], parts[512];
	struct pair p;

	login_and_make_pair(f, TC_KEY_RSA2048, &p);
	for (size_t i = 0; i < COUNT(rsa_hashed); i++) {
		size_t len = sign_ok(f->rw, rsa_hashed[i].type, p.priv, MSG,
				     MSG_LEN, one);

		assert_int_equal(len, 256);
		assert_true(verify_hashed(p.key, rsa_hashed[i].md, MSG,
					  MSG_LEN, one, len));
		assert_false(verify_hashed(p.key, rsa_hashed[i].md, "other",
					   5, one, len));
		/* PKCS#1 v1.5 is deterministic: parts give the same. */
		assert_int_equal(sign_in_parts(f->rw, rsa_hashed[i].type,
					       p.priv, parts),
				 256);
		assert_memory_equal(one, parts, 256);
	}
	EVP_PKEY_free(p.key);
}

static void rsa_raw_pads_what_it_is_given(void **state)
{
	struct fixture *f = *state;
	uint8_t hashed[512], raw[512], digest_info[512], data[245];
	size_t info_len;
	struct pair p;

	login_and_make_pair(f, TC_KEY_RSA2048, &p);
	/* Raw CKM_RSA_PKCS over a DigestInfo is SHA256_RSA_PKCS. */
	sign_ok(f->rw, CKM_SHA256_RSA_PKCS, p.priv, MSG, MSG_LEN, hashed);
	info_len = verify_rsa_recover(p.key, hashed, 256, digest_info,
			       sizeof(digest_info));
	assert_int_equal(info_len, 19 + 32);
	assert_int_equal(sign_ok(f->rw, CKM_RSA_PKCS, p.priv, digest_info,
				 info_len, raw),
			 256);
	assert_memory_equal(raw, hashed, 256);
	/* The longest input: the modulus less 11 bytes of padding. */
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	sign_ok(f->rw, CKM_RSA_PKCS, p.priv, data, sizeof(data), raw);
	assert_int_equal(verify_rsa_recover(p.key, raw, 256, digest_info,
				     sizeof(digest_info)),
			 sizeof(data));
	assert_memory_equal(digest_info, data, sizeof(data));
	EVP_PKEY_free(p.key);
}

static void rsa_data_too_long_ends_the_operation(void **state)
{
	struct fixture *f = *state;
	uint8_t data[246] = { 1 };
	struct pair p;

	login_and_make_pair(f, TC_KEY_RSA2048, &p);
	assert_int_equal(sign_rv(f->rw, CKM_RSA_PKCS, p.priv, data,
				 sizeof(data)),
			 CKR_DATA_LEN_RANGE);
	assert_not_signing(f->rw);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_RSA_PRIVATE), 0);
	EVP_PKEY_free(p.key);
}

static void bigger_rsa_keys_sign(void **state)
{
	static const struct {
		enum tc_key_kind kind;
		size_t bytes;
	} sizes[] = { { TC_KEY_RSA3072, 384 }, { TC_KEY_RSA4096, 512 } };
	struct fixture *f = *state;
	uint8_t sig[512];
	struct pair p;

	fixture_login_user(f);
	for (size_t i = 0; i < COUNT(sizes); i++) {
		make_pair(f, sizes[i].kind, &p);
		assert_int_equal(fixture_get_ulong(f->rw, p.pub,
						   CKA_MODULUS_BITS),
				 8 * sizes[i].bytes);
		assert_int_equal(sign_ok(f->rw, CKM_SHA384_RSA_PKCS, p.priv,
					 MSG, MSG_LEN, sig),
				 sizes[i].bytes);
		assert_true(verify_hashed(p.key, "SHA384", MSG, MSG_LEN, sig,
					  sizes[i].bytes));
		EVP_PKEY_free(p.key);
	}
}

static void ecdsa_raw_on_every_curve(void **state)
{
	static const struct {
		enum tc_key_kind kind;
		size_t digest, sig;
	} curves[] = { { TC_KEY_EC_P256, 32, 64 },
		       { TC_KEY_EC_P384, 48, 96 },
		       { TC_KEY_EC_P521, 64, 132 } };
	struct fixture *f = *state;
	uint8_t digest[64], sig[512];
	struct pair p;

	fixture_login_user(f);
	for (size_t i = 0; i < sizeof(digest); i++)
		digest[i] = (uint8_t)(0xa5 ^ i);
	for (size_t i = 0; i < COUNT(curves); i++) {
		make_pair(f, curves[i].kind, &p);
		assert_int_equal(sign_ok(f->rw, CKM_ECDSA, p.priv, digest,
					 curves[i].digest, sig),
				 curves[i].sig);
		assert_true(verify_raw_ecdsa(p.key, digest, curves[i].digest,
					     sig, curves[i].sig));
		digest[0] ^= 1;
		assert_false(verify_raw_ecdsa(p.key, digest, curves[i].digest,
					      sig, curves[i].sig));
		digest[0] ^= 1;
		EVP_PKEY_free(p.key);
	}
}

static void ecdsa_hash_and_sign_verifies(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[512];
	struct pair p;

	login_and_make_pair(f, TC_KEY_EC_P256, &p);
	for (size_t i = 0; i < COUNT(ec_hashed); i++) {
		assert_int_equal(sign_ok(f->rw, ec_hashed[i].type, p.priv, MSG,
					 MSG_LEN, sig),
				 64);
		assert_true(verify_hashed(p.key, ec_hashed[i].md, MSG, MSG_LEN,
					  sig, 64));
		assert_int_equal(sign_in_parts(f->rw, ec_hashed[i].type,
					       p.priv, sig),
				 64);
		assert_true(verify_hashed(p.key, ec_hashed[i].md, MSG, MSG_LEN,
					  sig, 64));
	}
	EVP_PKEY_free(p.key);
}

static void ecdsa_input_is_fitted_to_the_curve(void **state)
{
	struct fixture *f = *state;
	uint8_t data[66], sig[512];
	struct pair p256, p521;

	fixture_login_user(f);
	make_pair(f, TC_KEY_EC_P256, &p256);
	make_pair(f, TC_KEY_EC_P521, &p521);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i + 1);
	/* Shorter than the order: the same integer; longer: truncated. */
	sign_ok(f->rw, CKM_ECDSA, p256.priv, data, 20, sig);
	assert_true(verify_raw_ecdsa(p256.key, data, 20, sig, 64));
	sign_ok(f->rw, CKM_ECDSA, p256.priv, data, 33, sig);
	assert_true(verify_raw_ecdsa(p256.key, data, 33, sig, 64));
	sign_ok(f->rw, CKM_ECDSA, p256.priv, data, 64, sig);
	assert_true(verify_raw_ecdsa(p256.key, data, 64, sig, 64));
	sign_ok(f->rw, CKM_ECDSA, p521.priv, data, 48, sig);
	assert_true(verify_raw_ecdsa(p521.key, data, 48, sig, 132));
	/* Nothing, or more than a SHA-512 digest on P-521: refused. */
	assert_int_equal(sign_rv(f->rw, CKM_ECDSA, p256.priv, data, 0),
			 CKR_DATA_LEN_RANGE);
	assert_int_equal(sign_rv(f->rw, CKM_ECDSA, p521.priv, data, 65),
			 CKR_DATA_LEN_RANGE);
	assert_int_equal(sign_rv(f->rw, CKM_ECDSA, p521.priv, data, 66),
			 CKR_DATA_LEN_RANGE);
	assert_not_signing(f->rw);
	EVP_PKEY_free(p256.key);
	EVP_PKEY_free(p521.key);
}

static void length_query_keeps_the_operation(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[512];
	CK_ULONG sig_len = 0;
	struct pair p;

	login_and_make_pair(f, TC_KEY_RSA2048, &p);
	assert_int_equal(sign_init(f->rw, CKM_SHA256_RSA_PKCS, p.priv),
			 CKR_OK);
	assert_int_equal(token_sign(f->rw, (const uint8_t *)MSG, MSG_LEN, NULL,
				    &sig_len),
			 CKR_OK);
	assert_int_equal(sig_len, 256);
	sig_len = 255;
	assert_int_equal(token_sign(f->rw, (const uint8_t *)MSG, MSG_LEN, sig,
				    &sig_len),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(sig_len, 256);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_RSA_PRIVATE), 0);
	sig_len = sizeof(sig);
	assert_int_equal(token_sign(f->rw, (const uint8_t *)MSG, MSG_LEN, sig,
				    &sig_len),
			 CKR_OK);
	assert_int_equal(sig_len, 256);
	assert_true(verify_hashed(p.key, "SHA256", MSG, MSG_LEN, sig, 256));
	assert_not_signing(f->rw);
	EVP_PKEY_free(p.key);
}

static void final_length_query_keeps_the_operation(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[512];
	CK_ULONG sig_len = 0;
	struct pair p;

	login_and_make_pair(f, TC_KEY_EC_P384, &p);
	assert_int_equal(sign_init(f->rw, CKM_ECDSA_SHA384, p.priv), CKR_OK);
	assert_int_equal(token_sign_update(f->rw, (const uint8_t *)MSG,
					   MSG_LEN),
			 CKR_OK);
	assert_int_equal(token_sign_final(f->rw, NULL, &sig_len), CKR_OK);
	assert_int_equal(sig_len, 96);
	sig_len = 10;
	assert_int_equal(token_sign_final(f->rw, sig, &sig_len),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(sig_len, 96);
	sig_len = sizeof(sig);
	assert_int_equal(token_sign_final(f->rw, sig, &sig_len), CKR_OK);
	assert_true(verify_hashed(p.key, "SHA384", MSG, MSG_LEN, sig, 96));
	EVP_PKEY_free(p.key);
}

static void mechanism_must_fit_the_key(void **state)
{
	struct fixture *f = *state;
	CK_MECHANISM with_param = { CKM_SHA256_RSA_PKCS, "x", 1 };
	struct pair rsa, ec;

	fixture_login_user(f);
	make_pair(f, TC_KEY_RSA2048, &rsa);
	make_pair(f, TC_KEY_EC_P256, &ec);
	assert_int_equal(sign_init(f->rw, CKM_ECDSA, rsa.priv),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(sign_init(f->rw, CKM_ECDSA_SHA256, rsa.priv),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(sign_init(f->rw, CKM_RSA_PKCS, ec.priv),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(sign_init(f->rw, CKM_SHA256_RSA_PKCS, ec.priv),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(sign_init(f->rw, CKM_RSA_PKCS, rsa.pub),
			 CKR_KEY_TYPE_INCONSISTENT);
	/* PSS needs its parameters. */
	assert_int_equal(sign_init(f->rw, CKM_RSA_PKCS_PSS, rsa.priv),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(sign_init(f->rw, CKM_DSA, rsa.priv),
			 CKR_MECHANISM_INVALID);
	/* An HMAC mechanism needs a generic secret key. */
	assert_int_equal(sign_init(f->rw, CKM_SHA256_HMAC, rsa.priv),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(token_sign_init(f->rw, &with_param, rsa.priv),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(sign_init(f->rw, CKM_RSA_PKCS, rsa.priv + 1000),
			 CKR_KEY_HANDLE_INVALID);
	assert_not_signing(f->rw);
	EVP_PKEY_free(rsa.key);
	EVP_PKEY_free(ec.key);
}

static void signing_needs_the_user(void **state)
{
	struct fixture *f = *state;
	struct pair p;

	login_and_make_pair(f, TC_KEY_EC_P256, &p);
	assert_int_equal(token_logout(f->rw), CKR_OK);
	assert_int_equal(sign_init(f->rw, CKM_ECDSA, p.priv),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(fixture_login(f->rw, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(sign_init(f->rw, CKM_ECDSA, p.priv),
			 CKR_USER_NOT_LOGGED_IN);
	assert_not_signing(f->rw);
	EVP_PKEY_free(p.key);
}

static void key_without_sign_is_not_permitted(void **state)
{
	struct fixture *f = *state;
	int64_t ids[4];
	struct pair p;

	login_and_make_pair(f, TC_KEY_EC_P256, &p);
	fixture_store_set_bool(f, p.priv, CKA_SIGN, false);
	assert_int_equal(fixture_find(f->rw, NULL, 0, ids, 4), 2);
	assert_int_equal(sign_init(f->rw, CKM_ECDSA, p.priv),
			 CKR_KEY_FUNCTION_NOT_PERMITTED);
	EVP_PKEY_free(p.key);
}

static void operation_state_codes(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[512];
	CK_ULONG sig_len = sizeof(sig);
	struct pair p;

	login_and_make_pair(f, TC_KEY_EC_P256, &p);
	assert_not_signing(f->rw);
	assert_int_equal(token_sign_update(f->rw, sig, 1),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(token_sign_final(f->rw, sig, &sig_len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(sign_init(f->rw, CKM_ECDSA, p.priv), CKR_OK);
	assert_int_equal(sign_init(f->rw, CKM_ECDSA, p.priv),
			 CKR_OPERATION_ACTIVE);
	/* A single-part mechanism has no update and no final. */
	assert_int_equal(token_sign_update(f->rw, sig, 1),
			 CKR_FUNCTION_NOT_SUPPORTED);
	assert_not_signing(f->rw);
	assert_int_equal(sign_init(f->rw, CKM_ECDSA, p.priv), CKR_OK);
	assert_int_equal(token_sign_final(f->rw, sig, &sig_len),
			 CKR_FUNCTION_NOT_SUPPORTED);
	assert_not_signing(f->rw);
	/* Once updated, a one-part call is refused and ends it. */
	assert_int_equal(sign_init(f->rw, CKM_ECDSA_SHA256, p.priv), CKR_OK);
	assert_int_equal(token_sign_update(f->rw, sig, 1), CKR_OK);
	assert_int_equal(token_sign(f->rw, sig, 1, sig, &sig_len),
			 CKR_OPERATION_ACTIVE);
	assert_not_signing(f->rw);
	/* An operation left open is ended with its session. */
	assert_int_equal(sign_init(f->rw, CKM_ECDSA_SHA256, p.priv), CKR_OK);
	assert_int_equal(token_sign_update(f->rw, sig, 1), CKR_OK);
	EVP_PKEY_free(p.key);
}

static void logout_ends_a_pending_operation(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[512];
	CK_ULONG sig_len = sizeof(sig);
	struct pair p;

	login_and_make_pair(f, TC_KEY_EC_P256, &p);
	assert_int_equal(sign_init(f->rw, CKM_ECDSA_SHA256, p.priv), CKR_OK);
	assert_int_equal(token_logout(f->rw), CKR_OK);
	assert_int_equal(token_sign(f->rw, (const uint8_t *)MSG, MSG_LEN, sig,
				    &sig_len),
			 CKR_USER_NOT_LOGGED_IN);
	assert_not_signing(f->rw);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_ECDSA), 0);
	EVP_PKEY_free(p.key);
}

static void key_stays_loaded_until_logout(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[512];
	struct pair p;

	login_and_make_pair(f, TC_KEY_EC_P256, &p);
	assert_int_equal(fake_tpm_loaded_keys(), 0);
	sign_ok(f->rw, CKM_ECDSA_SHA256, p.priv, MSG, MSG_LEN, sig);
	sign_ok(f->rw, CKM_ECDSA_SHA256, p.priv, MSG, MSG_LEN, sig);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_KEY_OPEN), 1);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_KEY_LOAD), 1);
	assert_int_equal(fake_tpm_loaded_keys(), 1);
	assert_int_equal(token_logout(f->rw), CKR_OK);
	assert_int_equal(fake_tpm_open_keys(), 0);
	assert_int_equal(fake_tpm_loaded_keys(), 0);
	assert_true(fake_tpm_releases() > 0);
	EVP_PKEY_free(p.key);
}

static void exit_without_finalize_unloads_but_keeps_the_login(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[512];
	struct pair p;

	login_and_make_pair(f, TC_KEY_EC_P256, &p);
	sign_ok(f->rw, CKM_ECDSA_SHA256, p.priv, MSG, MSG_LEN, sig);
	fake_tpm_set_busy(true);
	token_module_release_at_exit(f->mod);
	assert_int_equal(fake_tpm_loaded_keys(), 1);
	fake_tpm_set_busy(false);
	token_module_release_at_exit(f->mod);
	assert_int_equal(fake_tpm_loaded_keys(), 0);
	assert_int_equal(fake_tpm_open_keys(), 1);
	/* Still usable: the key loads again. */
	sign_ok(f->rw, CKM_ECDSA_SHA256, p.priv, MSG, MSG_LEN, sig);
	assert_true(verify_hashed(p.key, "SHA256", MSG, MSG_LEN, sig, 64));
	assert_int_equal(fake_tpm_calls(FAKE_TPM_KEY_LOAD), 2);
	EVP_PKEY_free(p.key);
}

static void destroying_a_key_in_use_unloads_it(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[512];
	struct pair p;

	login_and_make_pair(f, TC_KEY_RSA2048, &p);
	sign_ok(f->rw, CKM_SHA256_RSA_PKCS, p.priv, MSG, MSG_LEN, sig);
	assert_int_equal(fake_tpm_loaded_keys(), 1);
	assert_int_equal(token_object_destroy(f->rw, p.priv), CKR_OK);
	assert_int_equal(fake_tpm_loaded_keys(), 0);
	assert_int_equal(fake_tpm_open_keys(), 0);
	assert_int_equal(sign_init(f->rw, CKM_SHA256_RSA_PKCS, p.priv),
			 CKR_KEY_HANDLE_INVALID);
	EVP_PKEY_free(p.key);
}

static void keys_sign_after_the_module_is_reopened(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[512];
	struct pair p;

	login_and_make_pair(f, TC_KEY_RSA2048, &p);
	fixture_close_module(f);
	fixture_open_module(f);
	fixture_login_user(f);
	sign_ok(f->rw, CKM_SHA512_RSA_PKCS, p.priv, MSG, MSG_LEN, sig);
	assert_true(verify_hashed(p.key, "SHA512", MSG, MSG_LEN, sig, 256));
	EVP_PKEY_free(p.key);
}

struct rc_case {
	enum tpm_rc rc;
	CK_RV rv;
};

/* Failures of a key operation: a key's auth is no PIN, so no PIN codes. */
static const struct rc_case key_cases[] = {
	{ TPM_E_AUTH_FAIL, CKR_DEVICE_ERROR },
	{ TPM_E_LOCKOUT, CKR_PIN_LOCKED },
	{ TPM_E_BAD_BLOB, CKR_DEVICE_ERROR },
	{ TPM_E_NO_DEVICE, CKR_DEVICE_REMOVED },
	{ TPM_E_IO, CKR_DEVICE_ERROR },
	{ TPM_E_BAD_INPUT, CKR_ARGUMENTS_BAD },
	{ TPM_E_NO_SLOTS, CKR_DEVICE_MEMORY },
	{ TPM_E_RETRY, CKR_DEVICE_ERROR },
	{ TPM_E_NO_MEMORY, CKR_HOST_MEMORY },
	{ TPM_E_FAILURE, CKR_DEVICE_ERROR },
};

/* Puts the key where op happens at the next sign: unopened, unloaded. */
static void make_op_due(struct fixture *f, enum fake_tpm_op op)
{
	if (op == FAKE_TPM_KEY_OPEN) {
		assert_int_equal(token_logout(f->rw), CKR_OK);
		fixture_login_user(f);
	} else if (op == FAKE_TPM_KEY_LOAD) {
		token_module_release_at_exit(f->mod);
	}
}

/* Each failure of op ends the operation; the key works afterwards. */
static void check_key_failures(struct fixture *f, enum fake_tpm_op op,
			       CK_MECHANISM_TYPE mech, const struct pair *p)
{
	unsigned int before = fake_tpm_calls(op);
	uint8_t sig[512];

	for (size_t i = 0; i < COUNT(key_cases); i++) {
		make_op_due(f, op);
		fake_tpm_fail_next(op, key_cases[i].rc);
		assert_int_equal(sign_rv(f->rw, mech, p->priv, MSG, MSG_LEN),
				 key_cases[i].rv);
		assert_not_signing(f->rw);
	}
	assert_int_equal(fake_tpm_calls(op), before + COUNT(key_cases));
	make_op_due(f, op);
	sign_ok(f->rw, mech, p->priv, MSG, MSG_LEN, sig);
}

static void tpm_failures_while_signing(void **state)
{
	struct fixture *f = *state;
	struct pair rsa, ec;

	fixture_login_user(f);
	make_pair(f, TC_KEY_RSA2048, &rsa);
	make_pair(f, TC_KEY_EC_P256, &ec);
	check_key_failures(f, FAKE_TPM_KEY_OPEN, CKM_SHA256_RSA_PKCS, &rsa);
	check_key_failures(f, FAKE_TPM_RSA_PRIVATE, CKM_SHA256_RSA_PKCS,
			   &rsa);
	check_key_failures(f, FAKE_TPM_KEY_LOAD, CKM_SHA256_RSA_PKCS, &rsa);
	check_key_failures(f, FAKE_TPM_ECDSA, CKM_ECDSA_SHA256, &ec);
	check_key_failures(f, FAKE_TPM_KEY_LOAD, CKM_ECDSA_SHA256, &ec);
	EVP_PKEY_free(rsa.key);
	EVP_PKEY_free(ec.key);
}

static void tpm_cleared_under_a_logged_in_token(void **state)
{
	struct fixture *f = *state;
	struct pair p;

	login_and_make_pair(f, TC_KEY_EC_P256, &p);
	fake_tpm_clear();
	assert_int_equal(sign_rv(f->rw, CKM_ECDSA_SHA256, p.priv, MSG,
				 MSG_LEN),
			 CKR_DEVICE_ERROR);
	assert_not_signing(f->rw);
	EVP_PKEY_free(p.key);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, \
						fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(rsa_hash_and_sign_verifies),
		T(rsa_raw_pads_what_it_is_given),
		T(rsa_data_too_long_ends_the_operation),
		T(bigger_rsa_keys_sign),
		T(ecdsa_raw_on_every_curve),
		T(ecdsa_hash_and_sign_verifies),
		T(ecdsa_input_is_fitted_to_the_curve),
		T(length_query_keeps_the_operation),
		T(final_length_query_keeps_the_operation),
		T(mechanism_must_fit_the_key),
		T(signing_needs_the_user),
		T(key_without_sign_is_not_permitted),
		T(operation_state_codes),
		T(logout_ends_a_pending_operation),
		T(key_stays_loaded_until_logout),
		T(exit_without_finalize_unloads_but_keeps_the_login),
		T(destroying_a_key_in_use_unloads_it),
		T(keys_sign_after_the_module_is_reopened),
		T(tpm_failures_while_signing),
		T(tpm_cleared_under_a_logged_in_token),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
