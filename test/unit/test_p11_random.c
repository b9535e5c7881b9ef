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
 * C_GenerateRandom and C_SeedRandom through the function list: the bytes
 * come from the (fake) TPM, no login needed, and its failures show.
 */

#define NO_SUCH_SESSION ((CK_SESSION_HANDLE)987654)

static bool all_zero(const CK_BYTE *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != 0)
			return false;
	return true;
}

static void test_random_from_tpm(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_BYTE a[100] = { 0 }, b[100] = { 0 };
	unsigned int calls = fake_tpm_calls(FAKE_TPM_RANDOM);

	assert_int_equal(p->fn->C_GenerateRandom(s, a, sizeof(a)), CKR_OK);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_RANDOM), calls + 1);
	assert_int_equal(p->fn->C_GenerateRandom(s, b, sizeof(b)), CKR_OK);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_RANDOM), calls + 2);
	assert_false(all_zero(a, sizeof(a)));
	assert_memory_not_equal(a, b, sizeof(a));
}

static void test_random_empty(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_BYTE buf[4] = { 0 };

	assert_int_equal(p->fn->C_GenerateRandom(s, NULL, 0), CKR_OK);
	assert_int_equal(p->fn->C_GenerateRandom(s, buf, 0), CKR_OK);
	assert_true(all_zero(buf, sizeof(buf)));
}

static void test_random_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_BYTE buf[16];
	unsigned int calls = fake_tpm_calls(FAKE_TPM_RANDOM);

	assert_int_equal(p->fn->C_GenerateRandom(s, NULL, 16),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_GenerateRandom(NO_SUCH_SESSION, buf, 16),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_GenerateRandom(CK_INVALID_HANDLE, buf, 16),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_RANDOM), calls);
}

static void test_random_tpm_failure(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_BYTE buf[16];

	fake_tpm_fail_next(FAKE_TPM_RANDOM, TPM_E_FAILURE);
	assert_int_equal(p->fn->C_GenerateRandom(s, buf, sizeof(buf)),
			 CKR_DEVICE_ERROR);
	assert_int_equal(p->fn->C_GenerateRandom(s, buf, sizeof(buf)), CKR_OK);
}

static void test_random_no_tpm(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_BYTE buf[16];
	unsigned int calls = fake_tpm_calls(FAKE_TPM_RANDOM);

	fake_tpm_fail_next(FAKE_TPM_OPEN, TPM_E_NO_DEVICE);
	assert_int_equal(p->fn->C_GenerateRandom(s, buf, sizeof(buf)),
			 CKR_DEVICE_REMOVED);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_RANDOM), calls);
}

static void test_seed_random(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_BYTE seed[16] = { 1, 2, 3 };

	assert_int_equal(p->fn->C_SeedRandom(s, seed, sizeof(seed)),
			 CKR_RANDOM_SEED_NOT_SUPPORTED);
	assert_int_equal(p->fn->C_SeedRandom(NO_SUCH_SESSION, seed,
					     sizeof(seed)),
			 CKR_SESSION_HANDLE_INVALID);
}

#define T(name) cmocka_unit_test_setup_teardown(name, p11_setup, p11_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_random_from_tpm),    T(test_random_empty),
		T(test_random_refusals),    T(test_random_tpm_failure),
		T(test_random_no_tpm),	    T(test_seed_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
