/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/attrs.h"

static void set_find_replace_remove(void **state)
{
	struct attr_list list = { 0 };
	unsigned long value = 0;

	assert_true(attrs_set(&list, 3, "abc", 3));
	assert_true(attrs_set_ulong(&list, 0x100, 42));
	assert_true(attrs_set_bool(&list, 7, true));
	assert_int_equal(list.count, 3);
	assert_true(attrs_set(&list, 3, "wxyz", 4));
	assert_int_equal(list.count, 3);
	assert_int_equal(attrs_find(&list, 3)->len, 4);
	assert_memory_equal(attrs_find(&list, 3)->value, "wxyz", 4);
	assert_true(attrs_get_ulong(&list, 0x100, &value));
	assert_int_equal(value, 42);
	assert_false(attrs_get_ulong(&list, 3, &value));
	assert_true(attrs_get_bool(&list, 7, false));
	assert_false(attrs_get_bool(&list, 99, false));
	attrs_remove(&list, 0x100);
	assert_null(attrs_find(&list, 0x100));
	assert_non_null(attrs_find(&list, 7));
	assert_int_equal(list.count, 2);
	attrs_clear(&list);
	assert_int_equal(list.count, 0);
	attrs_clear(NULL);
}

static void round_trip(void **state)
{
	struct attr_list list = { 0 }, parsed, copy;
	uint8_t *blob = NULL;
	size_t len = 0;

	assert_true(attrs_set(&list, 1, "label", 5));
	assert_true(attrs_set(&list, 0xffffffffffULL, NULL, 0));
	assert_true(attrs_serialize(&list, &blob, &len));
	assert_int_equal(len, 4 + 4 + 12 + 5 + 12);
	assert_true(attrs_parse(blob, len, &parsed));
	assert_int_equal(parsed.count, 2);
	assert_memory_equal(attrs_find(&parsed, 1)->value, "label", 5);
	assert_int_equal(attrs_find(&parsed, 0xffffffffffULL)->len, 0);
	assert_true(attrs_copy(&copy, &parsed));
	assert_int_equal(copy.count, 2);
	free(blob);
	attrs_clear(&list);
	attrs_clear(&parsed);
	attrs_clear(&copy);
}

/* Every truncation and every lie about lengths must be refused. */
static void malformed_input_is_refused(void **state)
{
	struct attr_list list = { 0 }, parsed;
	uint8_t *blob = NULL;
	size_t len = 0;

	assert_true(attrs_set(&list, 1, "label", 5));
	assert_true(attrs_set(&list, 2, "x", 1));
	assert_true(attrs_serialize(&list, &blob, &len));
	for (size_t cut = 0; cut < len; cut++) {
		assert_false(attrs_parse(blob, cut, &parsed));
		assert_int_equal(parsed.count, 0);
	}
	blob[8 + 8 + 3] = 0xff; /* first value length way past the end */
	assert_false(attrs_parse(blob, len, &parsed));
	blob[8 + 8 + 3] = 5;
	blob[8 + 7] = 2; /* duplicate type */
	assert_false(attrs_parse(blob, len, &parsed));
	blob[8 + 7] = 1;
	blob[0] = 'X';
	assert_false(attrs_parse(blob, len, &parsed));
	blob[0] = 'T';
	assert_true(attrs_parse(blob, len, &parsed));
	attrs_clear(&parsed);
	assert_false(attrs_parse(NULL, 0, &parsed));
	free(blob);
	attrs_clear(&list);
}

static void limits_are_enforced(void **state)
{
	struct attr_list list = { 0 };

	for (unsigned int i = 0; i < ATTRS_MAX_COUNT; i++)
		assert_true(attrs_set_bool(&list, i, true));
	assert_false(attrs_set_bool(&list, ATTRS_MAX_COUNT, true));
	assert_false(attrs_set(&list, 0, "", (size_t)ATTRS_MAX_VALUE + 1));
	attrs_clear(&list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_find_replace_remove),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(malformed_input_is_refused),
		cmocka_unit_test(limits_are_enforced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
