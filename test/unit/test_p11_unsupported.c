/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "p11_fixture.h"

/*
 * The entry points this version does not implement: each checks the
 * session handle first, then answers CKR_FUNCTION_NOT_SUPPORTED, whatever
 * junk it is given; the legacy parallel functions answer
 * CKR_FUNCTION_NOT_PARALLEL.
 */

#define NO_SUCH_SESSION ((CK_SESSION_HANDLE)987654)
#define NOT_SUPPORTED CKR_FUNCTION_NOT_SUPPORTED

/* Sane arguments, so that only "not supported" can be the answer. */
static void assert_crypto_not_supported(CK_FUNCTION_LIST_PTR fn,
					CK_SESSION_HANDLE s, CK_RV want)
{
	CK_MECHANISM m = { CKM_SHA256, NULL, 0 };
	CK_BYTE in[32] = { 0 }, out[512];
	CK_ULONG len = sizeof(out);

	assert_int_equal(fn->C_SignRecoverInit(s, &m, 1), want);
	assert_int_equal(fn->C_SignRecover(s, in, 32, out, &len), want);
	assert_int_equal(fn->C_VerifyRecoverInit(s, &m, 1), want);
	assert_int_equal(fn->C_VerifyRecover(s, out, 64, in, &len), want);
}

static void test_not_supported(void **state)
{
	struct p11 *p = *state;

	assert_crypto_not_supported(p->fn, p11_open_rw(p), NOT_SUPPORTED);
	assert_crypto_not_supported(p->fn, p11_open_user(p), NOT_SUPPORTED);
}

/* The session handle is checked first. */
static void test_not_supported_invalid_session(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);

	assert_crypto_not_supported(p->fn, NO_SUCH_SESSION,
				    CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_CloseSession(s), CKR_OK);
	assert_crypto_not_supported(p->fn, s, CKR_SESSION_HANDLE_INVALID);
}

/* NULL pointers and absurd lengths: still a plain answer, no crash. */
static void test_not_supported_junk_arguments(void **state)
{
	struct p11 *p = *state;
	CK_FUNCTION_LIST_PTR fn = p->fn;
	CK_SESSION_HANDLE s = p11_open_rw(p);
	CK_ULONG huge = (CK_ULONG)-1;

	assert_int_equal(fn->C_SignRecoverInit(s, NULL, 0), NOT_SUPPORTED);
	assert_int_equal(fn->C_SignRecover(s, NULL, huge, NULL, NULL),
			 NOT_SUPPORTED);
}

/* Legacy: "simply return CKR_FUNCTION_NOT_PARALLEL". */
static void test_parallel_functions(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);

	assert_int_equal(p->fn->C_GetFunctionStatus(s),
			 CKR_FUNCTION_NOT_PARALLEL);
	assert_int_equal(p->fn->C_CancelFunction(s),
			 CKR_FUNCTION_NOT_PARALLEL);
	assert_int_equal(p->fn->C_GetFunctionStatus(NO_SUCH_SESSION),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_CancelFunction(NO_SUCH_SESSION),
			 CKR_SESSION_HANDLE_INVALID);
}

#define T(name) cmocka_unit_test_setup_teardown(name, p11_setup, p11_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_not_supported),
		T(test_not_supported_invalid_session),
		T(test_not_supported_junk_arguments),
		T(test_parallel_functions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
