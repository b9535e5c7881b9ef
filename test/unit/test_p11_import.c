/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "fake_tpm.h"
#include "p11_fixture.h"
#include "token_verify.h"

/*
 * Private keys imported with C_CreateObject: made by OpenSSL, handed over
 * as PKCS#11 attributes, then signing in the (fake) TPM with signatures
 * OpenSSL verifies against the original key; the refusals; and the
 * attributes an imported key must show.
 */

#define MSG "imported"
#define MSG_LEN (sizeof(MSG) - 1)

static const CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				0x3d, 0x03, 0x01, 0x07 };
static CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY;
static CK_KEY_TYPE rsa_type = CKK_RSA, ec_type = CKK_EC;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

/* A big number of an OpenSSL key as big-endian bytes (malloc'd). */
static CK_BYTE *number(EVP_PKEY *key, const char *name, CK_ULONG *len)
{
	BIGNUM *bn = NULL;
	CK_BYTE *out;

	assert_int_equal(EVP_PKEY_get_bn_param(key, name, &bn), 1);
	*len = (CK_ULONG)BN_num_bytes(bn);
	out = malloc(*len);
	assert_non_null(out);
	BN_bn2bin(bn, out);
	BN_free(bn);
	return out;
}

struct rsa_parts {
	CK_BYTE *n, *e, *d, *p, *q;
	CK_ULONG n_len, e_len, d_len, p_len, q_len;
};

static void rsa_parts_of(EVP_PKEY *key, struct rsa_parts *r)
{
	r->n = number(key, OSSL_PKEY_PARAM_RSA_N, &r->n_len);
	r->e = number(key, OSSL_PKEY_PARAM_RSA_E, &r->e_len);
	r->d = number(key, OSSL_PKEY_PARAM_RSA_D, &r->d_len);
	r->p = number(key, OSSL_PKEY_PARAM_RSA_FACTOR1, &r->p_len);
	r->q = number(key, OSSL_PKEY_PARAM_RSA_FACTOR2, &r->q_len);
}

static void rsa_parts_free(struct rsa_parts *r)
{
	free(r->n);
	free(r->e);
	free(r->d);
	free(r->p);
	free(r->q);
}

static CK_RV import_rsa(struct p11 *p, CK_SESSION_HANDLE s,
			const struct rsa_parts *r, CK_BBOOL *sensitive,
			CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &priv_class, sizeof(priv_class) },
		{ CKA_KEY_TYPE, &rsa_type, sizeof(rsa_type) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_LABEL, "imp", 3 },
		{ CKA_MODULUS, r->n, r->n_len },
		{ CKA_PUBLIC_EXPONENT, r->e, r->e_len },
		{ CKA_PRIVATE_EXPONENT, r->d, r->d_len },
		{ CKA_PRIME_1, r->p, r->p_len },
		{ CKA_PRIME_2, r->q, r->q_len },
		{ CKA_SENSITIVE, sensitive, sizeof(*sensitive) },
	};

	return p->fn->C_CreateObject(s, tmpl, 10, h);
}

static void sign_and_check(struct p11 *p, CK_SESSION_HANDLE s,
			   CK_OBJECT_HANDLE h, CK_MECHANISM_TYPE type,
			   EVP_PKEY *key, bool ec)
{
	CK_MECHANISM mech = { type, NULL, 0 };
	CK_BYTE sig[512];
	CK_ULONG len = sizeof(sig);

	assert_int_equal(p->fn->C_SignInit(s, &mech, h), CKR_OK);
	assert_int_equal(p->fn->C_Sign(s, (CK_BYTE_PTR)MSG, MSG_LEN, sig, &len),
			 CKR_OK);
	/* r || s for EC keys, which verify_hashed re-encodes. */
	assert_int_equal(len, ec ? 64 : 256);
	assert_true(verify_hashed(key, "SHA256", MSG, MSG_LEN, sig, len));
}

static CK_BBOOL attr_bool(struct p11 *p, CK_SESSION_HANDLE s,
			  CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = 0xff;
	CK_ATTRIBUTE a = { type, &v, sizeof(v) };

	assert_int_equal(p->fn->C_GetAttributeValue(s, h, &a, 1), CKR_OK);
	return v;
}

static void test_import_rsa(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	struct rsa_parts r;
	CK_OBJECT_HANDLE h = 0;
	CK_BYTE buf[512];
	CK_ATTRIBUTE secret = { CKA_PRIVATE_EXPONENT, buf, sizeof(buf) };

	assert_non_null(key);
	rsa_parts_of(key, &r);
	assert_int_equal(import_rsa(p, s, &r, &yes, &h), CKR_OK);
	sign_and_check(p, s, h, CKM_SHA256_RSA_PKCS, key, false);
	assert_int_equal(attr_bool(p, s, h, CKA_LOCAL), CK_FALSE);
	assert_int_equal(attr_bool(p, s, h, CKA_ALWAYS_SENSITIVE), CK_FALSE);
	assert_int_equal(attr_bool(p, s, h, CKA_NEVER_EXTRACTABLE), CK_FALSE);
	assert_int_equal(attr_bool(p, s, h, CKA_SENSITIVE), CK_TRUE);
	/* The private exponent was used, not kept. */
	assert_int_equal(p->fn->C_GetAttributeValue(s, h, &secret, 1),
			 CKR_ATTRIBUTE_SENSITIVE);
	rsa_parts_free(&r);
	EVP_PKEY_free(key);
}

static void test_import_rsa_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	struct rsa_parts r, o;
	CK_OBJECT_HANDLE h = 0;
	CK_BYTE *keep;

	rsa_parts_of(key, &r);
	rsa_parts_of(other, &o);
	assert_int_equal(import_rsa(p, s, &r, &yes, &h),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	/* A TPM key cannot be made non-sensitive. */
	assert_int_equal(import_rsa(p, s, &r, &no, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	/* A prime of another key: the parts do not make one key. */
	keep = r.p;
	r.p = o.p;
	assert_int_equal(import_rsa(p, s, &r, &yes, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	r.p = keep;
	fake_tpm_fail_next(FAKE_TPM_KEY_IMPORT, TPM_E_NO_DEVICE);
	assert_int_equal(import_rsa(p, s, &r, &yes, &h), CKR_DEVICE_REMOVED);
	assert_int_equal(h, 0);
	rsa_parts_free(&r);
	rsa_parts_free(&o);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

static CK_RV import_ec(struct p11 *p, CK_SESSION_HANDLE s, const CK_BYTE *d,
		       CK_ULONG d_len, CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &priv_class, sizeof(priv_class) },
		{ CKA_KEY_TYPE, &ec_type, sizeof(ec_type) },
		{ CKA_EC_PARAMS, (void *)p256, sizeof(p256) },
		{ CKA_VALUE, (void *)d, d_len },
	};

	return p->fn->C_CreateObject(s, tmpl, 4, h);
}

static void test_import_ec(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	CK_BYTE zero[32] = { 0 }, ones[32];
	CK_ULONG d_len;
	CK_BYTE *d = number(key, OSSL_PKEY_PARAM_PRIV_KEY, &d_len);
	CK_OBJECT_HANDLE h = 0;
	CK_ATTRIBUTE missing[] = {
		{ CKA_CLASS, &priv_class, sizeof(priv_class) },
		{ CKA_KEY_TYPE, &ec_type, sizeof(ec_type) },
		{ CKA_EC_PARAMS, (void *)p256, sizeof(p256) },
	};

	assert_int_equal(import_ec(p, s, d, d_len, &h), CKR_OK);
	sign_and_check(p, s, h, CKM_ECDSA_SHA256, key, true);
	/* A session object: gone when the session closes. */
	assert_int_equal(attr_bool(p, s, h, CKA_TOKEN), CK_FALSE);
	/* A scalar of 0 or not below the order is no key. */
	memset(ones, 0xff, sizeof(ones));
	assert_int_equal(import_ec(p, s, zero, sizeof(zero), &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(import_ec(p, s, ones, sizeof(ones), &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(p->fn->C_CreateObject(s, missing, 3, &h),
			 CKR_TEMPLATE_INCOMPLETE);
	free(d);
	EVP_PKEY_free(key);
}

#define T(name) \
	cmocka_unit_test_setup_teardown(name, p11_setup, p11_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_import_rsa),
		T(test_import_rsa_refusals),
		T(test_import_ec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
