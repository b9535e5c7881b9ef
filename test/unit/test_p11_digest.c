/* SPDX-License-Identifier: BSD-3-Clause */
/* C_Digest*: every mechanism against OpenSSL, and every rule of the API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "p11_fixture.h"

#define MSG "tpmcard digests this"
#define MSG_LEN (sizeof(MSG) - 1)

static const struct {
	CK_MECHANISM_TYPE mech;
	const char *name;
	CK_ULONG len;
} digests[] = {
	{ CKM_SHA_1, "SHA1", 20 },     { CKM_SHA224, "SHA224", 28 },
	{ CKM_SHA256, "SHA256", 32 }, { CKM_SHA384, "SHA384", 48 },
	{ CKM_SHA512, "SHA512", 64 },
};

#define DIGEST_COUNT (sizeof(digests) / sizeof(digests[0]))

static CK_RV digest_init(struct p11 *p, CK_SESSION_HANDLE s,
			 CK_MECHANISM_TYPE type)
{
	CK_MECHANISM m = { type, NULL, 0 };

	return p->fn->C_DigestInit(s, &m);
}

/* OpenSSL's digest of MSG. */
static void expected(const char *name, unsigned char *out, unsigned int *len)
{
	assert_int_equal(EVP_Digest(MSG, MSG_LEN, out, len,
				    EVP_get_digestbyname(name), NULL),
			 1);
}

/* True while a digest operation is running on s. */
static bool digesting(struct p11 *p, CK_SESSION_HANDLE s)
{
	CK_RV rv = digest_init(p, s, CKM_SHA256);

	if (rv == CKR_OK) {
		CK_BYTE out[64];
		CK_ULONG len = sizeof(out);

		assert_int_equal(p->fn->C_DigestFinal(s, out, &len), CKR_OK);
		return false;
	}
	assert_int_equal(rv, CKR_OPERATION_ACTIVE);
	return true;
}

static void test_single_part_every_mechanism(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p); /* no login needed */

	for (size_t i = 0; i < DIGEST_COUNT; i++) {
		unsigned char want[EVP_MAX_MD_SIZE];
		unsigned int want_len = 0;
		CK_BYTE out[64];
		CK_ULONG len = 0;

		expected(digests[i].name, want, &want_len);
		assert_int_equal(digest_init(p, s, digests[i].mech), CKR_OK);
		/* Length query, then too small: the operation goes on. */
		assert_int_equal(p->fn->C_Digest(s, (CK_BYTE_PTR)MSG, MSG_LEN,
						 NULL, &len),
				 CKR_OK);
		assert_int_equal(len, digests[i].len);
		len = digests[i].len - 1;
		assert_int_equal(p->fn->C_Digest(s, (CK_BYTE_PTR)MSG, MSG_LEN,
						 out, &len),
				 CKR_BUFFER_TOO_SMALL);
		assert_int_equal(len, digests[i].len);
		assert_int_equal(p->fn->C_Digest(s, (CK_BYTE_PTR)MSG, MSG_LEN,
						 out, &len),
				 CKR_OK);
		assert_int_equal(len, want_len);
		assert_memory_equal(out, want, want_len);
		assert_false(digesting(p, s));
		/* C_Digest cannot finish parts: refused, and it ends. */
		assert_int_equal(digest_init(p, s, digests[i].mech), CKR_OK);
		assert_int_equal(p->fn->C_DigestUpdate(s, (CK_BYTE_PTR)MSG, 5),
				 CKR_OK);
		len = sizeof(out);
		assert_int_equal(p->fn->C_Digest(s, (CK_BYTE_PTR)MSG, 1, out,
						 &len),
				 CKR_OPERATION_ACTIVE);
		assert_false(digesting(p, s));
	}
}

static void test_multi_part_every_mechanism(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);

	for (size_t i = 0; i < DIGEST_COUNT; i++) {
		unsigned char want[EVP_MAX_MD_SIZE];
		unsigned int want_len = 0;
		CK_BYTE out[64];
		CK_ULONG len = 0;

		expected(digests[i].name, want, &want_len);
		assert_int_equal(digest_init(p, s, digests[i].mech), CKR_OK);
		assert_int_equal(p->fn->C_DigestUpdate(s, (CK_BYTE_PTR)MSG, 5),
				 CKR_OK);
		assert_int_equal(p->fn->C_DigestUpdate(s, NULL, 0), CKR_OK);
		assert_int_equal(p->fn->C_DigestUpdate(s, (CK_BYTE_PTR)MSG + 5,
						       MSG_LEN - 5),
				 CKR_OK);
		assert_int_equal(p->fn->C_DigestFinal(s, NULL, &len), CKR_OK);
		assert_int_equal(len, digests[i].len);
		len = 1;
		assert_int_equal(p->fn->C_DigestFinal(s, out, &len),
				 CKR_BUFFER_TOO_SMALL);
		len = sizeof(out);
		assert_int_equal(p->fn->C_DigestFinal(s, out, &len), CKR_OK);
		assert_memory_equal(out, want, want_len);
		assert_false(digesting(p, s));
		/* C_Digest cannot finish parts: refused, and it ends. */
		assert_int_equal(digest_init(p, s, digests[i].mech), CKR_OK);
		assert_int_equal(p->fn->C_DigestUpdate(s, (CK_BYTE_PTR)MSG, 5),
				 CKR_OK);
		len = sizeof(out);
		assert_int_equal(p->fn->C_Digest(s, (CK_BYTE_PTR)MSG, 1, out,
						 &len),
				 CKR_OPERATION_ACTIVE);
		assert_false(digesting(p, s));
	}
}

static void test_init_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_BYTE param[4] = { 0 };
	CK_MECHANISM with_param = { CKM_SHA256, param, sizeof(param) };

	assert_int_equal(p->fn->C_DigestInit(s, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(digest_init(p, s, CKM_ECDSA), CKR_MECHANISM_INVALID);
	assert_int_equal(digest_init(p, s, CKM_MD5), CKR_MECHANISM_INVALID);
	assert_int_equal(p->fn->C_DigestInit(s, &with_param),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(digest_init(p, 987654, CKM_SHA256),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(digest_init(p, s, CKM_SHA256), CKR_OK);
	assert_int_equal(digest_init(p, s, CKM_SHA512), CKR_OPERATION_ACTIVE);
}

static void test_not_initialized(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_BYTE out[64];
	CK_ULONG len = sizeof(out);

	assert_int_equal(p->fn->C_Digest(s, (CK_BYTE_PTR)MSG, 1, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_DigestUpdate(s, (CK_BYTE_PTR)MSG, 1),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_DigestKey(s, p->keys.rsa_pub),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_DigestFinal(s, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
}

/* Every error but a short buffer ends the operation. */
static void test_argument_errors_end_the_operation(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_BYTE out[64];

	assert_int_equal(digest_init(p, s, CKM_SHA256), CKR_OK);
	assert_int_equal(p->fn->C_Digest(s, (CK_BYTE_PTR)MSG, 1, out, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_false(digesting(p, s));
	assert_int_equal(digest_init(p, s, CKM_SHA256), CKR_OK);
	assert_int_equal(p->fn->C_DigestUpdate(s, NULL, 3), CKR_ARGUMENTS_BAD);
	assert_false(digesting(p, s));
	assert_int_equal(digest_init(p, s, CKM_SHA256), CKR_OK);
	assert_int_equal(p->fn->C_DigestFinal(s, out, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_false(digesting(p, s));
}

static void test_keys_are_indigestible(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);

	assert_int_equal(digest_init(p, s, CKM_SHA256), CKR_OK);
	assert_int_equal(p->fn->C_DigestKey(s, p->keys.rsa_priv),
			 CKR_KEY_INDIGESTIBLE);
	assert_false(digesting(p, s));
	assert_int_equal(digest_init(p, s, CKM_SHA256), CKR_OK);
	assert_int_equal(p->fn->C_DigestKey(s, 424242),
			 CKR_KEY_HANDLE_INVALID);
	assert_false(digesting(p, s));
}

static void test_mechanism_info(void **state)
{
	struct p11 *p = *state;
	CK_MECHANISM_INFO info;

	for (size_t i = 0; i < DIGEST_COUNT; i++) {
		assert_int_equal(p->fn->C_GetMechanismInfo(p->slot,
							   digests[i].mech,
							   &info),
				 CKR_OK);
		assert_int_equal(info.flags, CKF_DIGEST);
	}
}

/* Closing the session frees a running digest (LeakSanitizer checks). */
static void test_close_with_digest_running(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);

	assert_int_equal(digest_init(p, s, CKM_SHA384), CKR_OK);
	assert_int_equal(p->fn->C_DigestUpdate(s, (CK_BYTE_PTR)MSG, MSG_LEN),
			 CKR_OK);
	assert_int_equal(p->fn->C_CloseSession(s), CKR_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, p11_setup_keys, p11_teardown)
		T(test_single_part_every_mechanism),
		T(test_multi_part_every_mechanism),
		T(test_init_refusals),
		T(test_not_initialized),
		T(test_argument_errors_end_the_operation),
		T(test_keys_are_indigestible),
		T(test_mechanism_info),
		T(test_close_with_digest_running),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
