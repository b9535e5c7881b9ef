/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/secmem.h"

static void new_is_zeroed_and_sized(void **state)
{
	struct secbuf *buf = secbuf_new(5000);

	assert_non_null(buf);
	assert_int_equal(buf->cap, 5000);
	assert_int_equal(buf->len, 0);
	for (size_t i = 0; i < buf->cap; i++)
		assert_int_equal(buf->data[i], 0);
	memset(buf->data, 0xaa, buf->cap);
	secbuf_free(buf);
	secbuf_free(NULL);
}

static void dup_copies(void **state)
{
	struct secbuf *buf = secbuf_dup("1234", 4);

	assert_non_null(buf);
	assert_int_equal(buf->len, 4);
	assert_memory_equal(buf->data, "1234", 4);
	secbuf_free(buf);
	buf = secbuf_dup(NULL, 0);
	assert_non_null(buf);
	assert_int_equal(buf->len, 0);
	secbuf_free(buf);
}

static void wipe_zeroes(void **state)
{
	uint8_t bytes[16];

	memset(bytes, 0x11, sizeof(bytes));
	secmem_wipe(bytes, sizeof(bytes));
	for (size_t i = 0; i < sizeof(bytes); i++)
		assert_int_equal(bytes[i], 0);
	secmem_wipe(NULL, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_is_zeroed_and_sized),
		cmocka_unit_test(dup_copies),
		cmocka_unit_test(wipe_zeroes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
