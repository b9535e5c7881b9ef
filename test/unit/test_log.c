/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "common/log.h"

static void spec_levels(void **state)
{
	enum tc_log_level levels[TC_LAYER_COUNT];

	assert_true(log_parse_spec("", levels));
	assert_int_equal(levels[TC_LAYER_TPM], TC_LOG_ERROR);
	assert_true(log_parse_spec("debug", levels));
	assert_int_equal(levels[TC_LAYER_DB], TC_LOG_DEBUG);
	assert_true(log_parse_spec("warn,tpm=trace,DB=none", levels));
	assert_int_equal(levels[TC_LAYER_PKCS11], TC_LOG_WARN);
	assert_int_equal(levels[TC_LAYER_TPM], TC_LOG_TRACE);
	assert_int_equal(levels[TC_LAYER_DB], TC_LOG_NONE);
	levels[TC_LAYER_TPM] = TC_LOG_INFO;
	assert_false(log_parse_spec("verbose", levels));
	assert_false(log_parse_spec("warn,disk=debug", levels));
	assert_int_equal(levels[TC_LAYER_TPM], TC_LOG_INFO);
}

static void environment_sets_levels(void **state)
{
	setenv("TPMCARD_LOG", "none,token=info", 1);
	log_reset();
	assert_true(log_enabled(TC_LAYER_TOKEN, TC_LOG_INFO));
	assert_false(log_enabled(TC_LAYER_TOKEN, TC_LOG_DEBUG));
	assert_false(log_enabled(TC_LAYER_TPM, TC_LOG_ERROR));
	unsetenv("TPMCARD_LOG");
	log_reset();
	assert_true(log_enabled(TC_LAYER_TPM, TC_LOG_ERROR));
	assert_false(log_enabled(TC_LAYER_TPM, TC_LOG_WARN));
	assert_false(log_enabled(TC_LAYER_COUNT, TC_LOG_ERROR));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_levels),
		cmocka_unit_test(environment_sets_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
