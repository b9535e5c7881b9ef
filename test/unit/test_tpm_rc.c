/* SPDX-License-Identifier: BSD-3-Clause */
/* tpm_map(): every class of TSS2_RC to the TPM layer's own result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tpm/tpm_internal.h"

/* A format-one TPM code, about parameter 1 (as TPMs report them). */
#define FMT1_PARAM1(rc) ((rc) | TPM2_RC_P | TPM2_RC_1)
/* The same code about session 1 (where PIN failures are reported). */
#define FMT1_SESSION1(rc) ((rc) | TPM2_RC_S | TPM2_RC_1)

static void test_success(void **state)
{
	(void)state;
	assert_int_equal(tpm_map(TSS2_RC_SUCCESS, "test"), TPM_OK);
}

static void test_wrong_auth_wherever_reported(void **state)
{
	(void)state;
	assert_int_equal(tpm_map(FMT1_SESSION1(TPM2_RC_AUTH_FAIL), "t"),
			 TPM_E_AUTH_FAIL);
	assert_int_equal(tpm_map(FMT1_SESSION1(TPM2_RC_BAD_AUTH), "t"),
			 TPM_E_AUTH_FAIL);
	/* Relayed by a resource manager, it is still the TPM's answer. */
	assert_int_equal(tpm_map(TSS2_RESMGR_TPM_RC_LAYER |
					 FMT1_SESSION1(TPM2_RC_AUTH_FAIL),
				 "t"),
			 TPM_E_AUTH_FAIL);
}

static void test_lockout_and_memory_and_retry(void **state)
{
	(void)state;
	assert_int_equal(tpm_map(TPM2_RC_LOCKOUT, "t"), TPM_E_LOCKOUT);
	assert_int_equal(tpm_map(TPM2_RC_OBJECT_MEMORY, "t"), TPM_E_NO_SLOTS);
	assert_int_equal(tpm_map(TPM2_RC_SESSION_MEMORY, "t"),
			 TPM_E_NO_SLOTS);
	assert_int_equal(tpm_map(TPM2_RC_RETRY, "t"), TPM_E_RETRY);
	assert_int_equal(tpm_map(TPM2_RC_YIELDED, "t"), TPM_E_RETRY);
	assert_int_equal(tpm_map(TPM2_RC_TESTING, "t"), TPM_E_RETRY);
}

static void test_unsupported_algorithms(void **state)
{
	(void)state;
	assert_int_equal(tpm_map(FMT1_PARAM1(TPM2_RC_KEY_SIZE), "t"),
			 TPM_E_UNSUPPORTED);
	assert_int_equal(tpm_map(FMT1_PARAM1(TPM2_RC_CURVE), "t"),
			 TPM_E_UNSUPPORTED);
	assert_int_equal(tpm_map(FMT1_PARAM1(TPM2_RC_SCHEME), "t"),
			 TPM_E_UNSUPPORTED);
	assert_int_equal(tpm_map(FMT1_PARAM1(TPM2_RC_HASH), "t"),
			 TPM_E_UNSUPPORTED);
}

static void test_damaged_blob_and_bad_values(void **state)
{
	(void)state;
	assert_int_equal(tpm_map(FMT1_PARAM1(TPM2_RC_INTEGRITY), "t"),
			 TPM_E_BAD_BLOB);
	assert_int_equal(tpm_map(FMT1_PARAM1(TPM2_RC_VALUE), "t"),
			 TPM_E_BAD_INPUT);
	assert_int_equal(tpm_map(FMT1_PARAM1(TPM2_RC_SIZE), "t"),
			 TPM_E_BAD_INPUT);
}

static void test_stack_errors(void **state)
{
	(void)state;
	assert_int_equal(tpm_map(TSS2_TCTI_RC_NO_CONNECTION, "t"),
			 TPM_E_NO_DEVICE);
	assert_int_equal(tpm_map(TSS2_TCTI_RC_IO_ERROR, "t"), TPM_E_IO);
	assert_int_equal(tpm_map(TSS2_ESYS_RC_MALFORMED_RESPONSE, "t"),
			 TPM_E_IO);
	assert_int_equal(tpm_map(TSS2_ESYS_RC_MEMORY, "t"), TPM_E_NO_MEMORY);
	assert_int_equal(tpm_map(TSS2_TCTI_RC_TRY_AGAIN, "t"), TPM_E_RETRY);
	assert_int_equal(tpm_map(TSS2_ESYS_RC_BAD_VALUE, "t"),
			 TPM_E_BAD_INPUT);
	assert_int_equal(tpm_map(TPM2_RC_FAILURE, "t"), TPM_E_FAILURE);
}

static void test_every_result_has_its_own_text(void **state)
{
	(void)state;
	for (int a = TPM_OK; a <= TPM_E_FAILURE; a++) {
		const char *text = tpm_rc_text((enum tpm_rc)a);

		assert_non_null(text);
		assert_true(strlen(text) > 5);
		for (int b = TPM_OK; b < a; b++)
			assert_string_not_equal(text,
						tpm_rc_text((enum tpm_rc)b));
	}
	assert_string_equal(tpm_rc_text((enum tpm_rc)999),
			    "unknown TPM error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_success),
		cmocka_unit_test(test_wrong_auth_wherever_reported),
		cmocka_unit_test(test_lockout_and_memory_and_retry),
		cmocka_unit_test(test_unsupported_algorithms),
		cmocka_unit_test(test_damaged_blob_and_bad_values),
		cmocka_unit_test(test_stack_errors),
		cmocka_unit_test(test_every_result_has_its_own_text),
	};

	setenv("TPMCARD_LOG", "none", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
