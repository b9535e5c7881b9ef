/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_tpm.h"
#include "p11_fixture.h"

/*
 * Keys with CKA_ALWAYS_AUTHENTICATE: each signing operation needs its own
 * C_Login(CKU_CONTEXT_SPECIFIC) between C_SignInit and the signature, the
 * PIN checked by the TPM again, and spent by that one operation.
 */

#define WRONG_PIN "654321"

static const CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				0x3d, 0x03, 0x01, 0x07 };

/* An EC session key pair; always_auth sets CKA_ALWAYS_AUTHENTICATE. */
static CK_OBJECT_HANDLE make_key(struct p11 *p, CK_SESSION_HANDLE s,
				 bool always_auth)
{
	CK_BBOOL flag = always_auth ? CK_TRUE : CK_FALSE;
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pub = { CKA_EC_PARAMS, (void *)p256, sizeof(p256) };
	CK_ATTRIBUTE priv = { CKA_ALWAYS_AUTHENTICATE, &flag, sizeof(flag) };
	CK_OBJECT_HANDLE pub_h, priv_h;

	assert_int_equal(p->fn->C_GenerateKeyPair(s, &gen, &pub, 1, &priv, 1,
						  &pub_h, &priv_h),
			 CKR_OK);
	return priv_h;
}

static CK_RV sign_init(struct p11 *p, CK_SESSION_HANDLE s,
		       CK_OBJECT_HANDLE key)
{
	CK_MECHANISM mech = { CKM_ECDSA_SHA256, NULL, 0 };

	return p->fn->C_SignInit(s, &mech, key);
}

static CK_RV sign(struct p11 *p, CK_SESSION_HANDLE s)
{
	CK_BYTE sig[128];
	CK_ULONG len = sizeof(sig);

	return p->fn->C_Sign(s, (CK_BYTE_PTR) "msg", 3, sig, &len);
}

static CK_RV context_login(struct p11 *p, CK_SESSION_HANDLE s,
			   const char *pin)
{
	return p11_login(p, s, CKU_CONTEXT_SPECIFIC, pin);
}

static void test_attribute_reads_back(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE key = make_key(p, s, true);
	CK_BBOOL value = CK_FALSE;
	CK_ATTRIBUTE a = { CKA_ALWAYS_AUTHENTICATE, &value, sizeof(value) };

	assert_int_equal(p->fn->C_GetAttributeValue(s, key, &a, 1), CKR_OK);
	assert_int_equal(value, CK_TRUE);
}

static void test_sign_needs_a_context_login(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE key = make_key(p, s, true);

	assert_int_equal(sign_init(p, s, key), CKR_OK);
	assert_int_equal(sign(p, s), CKR_USER_NOT_LOGGED_IN);
	/* The error ended the operation. */
	assert_int_equal(sign(p, s), CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(sign_init(p, s, key), CKR_OK);
	assert_int_equal(context_login(p, s, USER_PIN), CKR_OK);
	assert_int_equal(sign(p, s), CKR_OK);
	/* Spent: the next operation needs its own. */
	assert_int_equal(sign_init(p, s, key), CKR_OK);
	assert_int_equal(sign(p, s), CKR_USER_NOT_LOGGED_IN);
}

/* A length query needs no context login; the signature does. */
static void test_length_query_before_context_login(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE key = make_key(p, s, true);
	CK_BYTE sig[128];
	CK_ULONG len = 0;

	assert_int_equal(sign_init(p, s, key), CKR_OK);
	assert_int_equal(p->fn->C_Sign(s, (CK_BYTE_PTR) "m", 1, NULL, &len),
			 CKR_OK);
	assert_int_equal(len, 64);
	assert_int_equal(context_login(p, s, USER_PIN), CKR_OK);
	len = sizeof(sig);
	assert_int_equal(p->fn->C_Sign(s, (CK_BYTE_PTR) "m", 1, sig, &len),
			 CKR_OK);
}

/* A new SignInit forgets a context login given for the one before. */
static void test_context_login_does_not_carry_over(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE key = make_key(p, s, true);
	CK_BYTE part[4] = { 1, 2, 3, 4 };

	assert_int_equal(sign_init(p, s, key), CKR_OK);
	assert_int_equal(context_login(p, s, USER_PIN), CKR_OK);
	assert_int_equal(p->fn->C_SignUpdate(s, part, sizeof(part)), CKR_OK);
	assert_int_equal(p->fn->C_SignFinal(s, NULL, &(CK_ULONG){ 0 }),
			 CKR_OK);
	{
		CK_BYTE sig[128];
		CK_ULONG len = sizeof(sig);

		assert_int_equal(p->fn->C_SignFinal(s, sig, &len), CKR_OK);
	}
	assert_int_equal(sign_init(p, s, key), CKR_OK);
	assert_int_equal(sign(p, s), CKR_USER_NOT_LOGGED_IN);
}

static void test_wrong_context_pin_counts_in_the_tpm(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE key = make_key(p, s, true);
	struct tpm_da_info before, after;

	assert_int_equal(sign_init(p, s, key), CKR_OK);
	fake_tpm_da(&before);
	assert_int_equal(context_login(p, s, WRONG_PIN), CKR_PIN_INCORRECT);
	fake_tpm_da(&after);
	assert_int_equal(after.failures, before.failures + 1);
	assert_int_equal(sign(p, s), CKR_USER_NOT_LOGGED_IN);
	/* A PIN of impossible length costs no strike. */
	assert_int_equal(sign_init(p, s, key), CKR_OK);
	assert_int_equal(context_login(p, s, "1"), CKR_PIN_INCORRECT);
	fake_tpm_da(&before);
	assert_int_equal(before.failures, after.failures);
}

static void test_context_login_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE plain = make_key(p, s, false);
	CK_OBJECT_HANDLE strict = make_key(p, s, true);

	/* No operation, or one whose key does not ask for it. */
	assert_int_equal(context_login(p, s, USER_PIN),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(sign_init(p, s, plain), CKR_OK);
	assert_int_equal(context_login(p, s, USER_PIN),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(sign(p, s), CKR_OK);
	/* Without a user login first. */
	assert_int_equal(sign_init(p, s, strict), CKR_OK);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(context_login(p, s, USER_PIN),
			 CKR_USER_NOT_LOGGED_IN);
}

#define T(name) \
	cmocka_unit_test_setup_teardown(name, p11_setup, p11_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_attribute_reads_back),
		T(test_sign_needs_a_context_login),
		T(test_length_query_before_context_login),
		T(test_context_login_does_not_carry_over),
		T(test_wrong_context_pin_counts_in_the_tpm),
		T(test_context_login_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
