/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/der.h"

/* A header written into a poisoned buffer: exact bytes, nothing beyond. */
static void check_header(uint8_t tag, size_t content_len,
			 const uint8_t *want, size_t want_len)
{
	uint8_t out[8];

	memset(out, 0xee, sizeof(out));
	assert_int_equal(der_header_len(content_len), want_len);
	assert_int_equal(der_put_header(tag, content_len, out), want_len);
	assert_memory_equal(out, want, want_len);
	for (size_t i = want_len; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xee);
}

static void header_lengths(void **state)
{
	static const uint8_t len0[] = { 0x04, 0x00 };
	static const uint8_t len127[] = { 0x30, 0x7f };
	static const uint8_t len128[] = { 0x30, 0x81, 0x80 };
	static const uint8_t len255[] = { 0x03, 0x81, 0xff };
	static const uint8_t len256[] = { 0x30, 0x82, 0x01, 0x00 };
	static const uint8_t len65535[] = { 0x02, 0x82, 0xff, 0xff };

	check_header(0x04, 0, len0, sizeof(len0));
	check_header(0x30, 127, len127, sizeof(len127));
	check_header(0x30, 128, len128, sizeof(len128));
	check_header(0x03, 255, len255, sizeof(len255));
	check_header(0x30, 256, len256, sizeof(len256));
	check_header(0x02, 65535, len65535, sizeof(len65535));
}

/* der_put_uint of be: the size-only call and the written bytes. */
static void check_uint(const uint8_t *be, size_t len, const uint8_t *want,
		       size_t want_len)
{
	uint8_t out[300];
	size_t size = der_put_uint(be, len, NULL);

	memset(out, 0xee, sizeof(out));
	assert_int_equal(size, want_len);
	assert_int_equal(der_put_uint(be, len, out), want_len);
	assert_memory_equal(out, want, want_len);
	assert_int_equal(out[want_len], 0xee);
}

static void put_uint_minimal(void **state)
{
	static const uint8_t lead[] = { 0x00, 0x00, 0x01, 0x02 };
	static const uint8_t lead_der[] = { 0x02, 0x02, 0x01, 0x02 };
	static const uint8_t high[] = { 0x80 };
	static const uint8_t high_der[] = { 0x02, 0x02, 0x00, 0x80 };
	static const uint8_t lead_high[] = { 0x00, 0x00, 0xff, 0x01 };
	static const uint8_t lead_high_der[] = { 0x02, 0x03, 0x00, 0xff, 0x01 };
	static const uint8_t low[] = { 0x7f, 0xff };
	static const uint8_t low_der[] = { 0x02, 0x02, 0x7f, 0xff };
	static const uint8_t zero[] = { 0x00 };
	static const uint8_t zeros[] = { 0x00, 0x00, 0x00 };
	static const uint8_t zero_der[] = { 0x02, 0x01, 0x00 };

	check_uint(lead, sizeof(lead), lead_der, sizeof(lead_der));
	check_uint(high, sizeof(high), high_der, sizeof(high_der));
	check_uint(lead_high, sizeof(lead_high), lead_high_der,
		   sizeof(lead_high_der));
	check_uint(low, sizeof(low), low_der, sizeof(low_der));
	check_uint(zero, sizeof(zero), zero_der, sizeof(zero_der));
	check_uint(zeros, sizeof(zeros), zero_der, sizeof(zero_der));
	check_uint(zero, 0, zero_der, sizeof(zero_der));
}

/* Values whose INTEGER needs a long-form length once the 00 is added. */
static void put_uint_long_form(void **state)
{
	uint8_t be[256], want[300];

	/* 127 bytes with the high bit: content 128, header 02 81 80. */
	memset(be, 0xa5, 127);
	want[0] = 0x02;
	want[1] = 0x81;
	want[2] = 0x80;
	want[3] = 0x00;
	memcpy(want + 4, be, 127);
	check_uint(be, 127, want, 4 + 127);

	/* 255 bytes with the high bit: content 256, header 02 82 01 00. */
	memset(be, 0x80, 255);
	want[0] = 0x02;
	want[1] = 0x82;
	want[2] = 0x01;
	want[3] = 0x00;
	want[4] = 0x00;
	memcpy(want + 5, be, 255);
	check_uint(be, 255, want, 5 + 255);

	/* 256 bytes, two leading zeros, no high bit: content 254. */
	memset(be, 0x11, 256);
	be[0] = 0;
	be[1] = 0;
	want[0] = 0x02;
	want[1] = 0x81;
	want[2] = 0xfe;
	memcpy(want + 3, be + 2, 254);
	check_uint(be, 256, want, 3 + 254);
}

static void take_right_tag(void **state)
{
	static const uint8_t der[] = { 0x30, 0x03, 0x02, 0x01, 0x05,
				       0x04, 0x00, 0x05, 0x00 };
	struct der_in in = { der, sizeof(der) }, seq, v;

	assert_true(der_take(&in, DER_SEQUENCE, &seq));
	assert_ptr_equal(seq.p, der + 2);
	assert_int_equal(seq.len, 3);
	assert_ptr_equal(in.p, der + 5);
	assert_int_equal(in.len, 4);

	assert_true(der_take(&seq, DER_INTEGER, &v));
	assert_int_equal(v.len, 1);
	assert_int_equal(v.p[0], 5);
	assert_int_equal(seq.len, 0);

	/* An empty OCTET STRING, then NULL, then nothing. */
	assert_true(der_take(&in, DER_OCTET_STRING, &v));
	assert_int_equal(v.len, 0);
	assert_ptr_equal(v.p, der + 7);
	assert_true(der_take(&in, DER_NULL, &v));
	assert_int_equal(v.len, 0);
	assert_int_equal(in.len, 0);
	assert_false(der_take(&in, DER_NULL, &v));
}

/* der_take fails and leaves in exactly as it was. */
static void check_refused(const uint8_t *der, size_t len, uint8_t tag)
{
	struct der_in in = { der, len }, out = { NULL, 12345 };

	assert_false(der_take(&in, tag, &out));
	assert_ptr_equal(in.p, der);
	assert_int_equal(in.len, len);
}

static void take_wrong_tag(void **state)
{
	static const uint8_t der[] = { 0x02, 0x01, 0x05 };

	check_refused(der, sizeof(der), DER_SEQUENCE);
	check_refused(der, sizeof(der), DER_OCTET_STRING);
}

static void take_truncated(void **state)
{
	static const uint8_t short_content[] = { 0x04, 0x05, 0xaa, 0xbb };
	static const uint8_t tag_only[] = { 0x04 };
	static const uint8_t long_no_len[] = { 0x04, 0x81 };
	static const uint8_t long_short[] = { 0x04, 0x82, 0x01 };
	static const uint8_t long_short3[] = { 0x04, 0x83, 0x01, 0x00 };
	static const uint8_t one_short[] = { 0x04, 0x81, 0x80, 0x00 };
	uint8_t big[3 + 0x80];

	check_refused(short_content, sizeof(short_content), DER_OCTET_STRING);
	check_refused(tag_only, sizeof(tag_only), DER_OCTET_STRING);
	check_refused(tag_only, 0, DER_OCTET_STRING);
	check_refused(long_no_len, sizeof(long_no_len), DER_OCTET_STRING);
	check_refused(long_short, sizeof(long_short), DER_OCTET_STRING);
	check_refused(long_short3, sizeof(long_short3), DER_OCTET_STRING);
	check_refused(one_short, sizeof(one_short), DER_OCTET_STRING);

	/* 0x80 bytes of content: one byte short is refused, all is read. */
	memset(big, 0x42, sizeof(big));
	big[0] = 0x04;
	big[1] = 0x81;
	big[2] = 0x80;
	check_refused(big, sizeof(big) - 1, DER_OCTET_STRING);
	{
		struct der_in in = { big, sizeof(big) }, v;

		assert_true(der_take(&in, DER_OCTET_STRING, &v));
		assert_int_equal(v.len, 0x80);
		assert_ptr_equal(v.p, big + 3);
		assert_int_equal(in.len, 0);
	}
}

static void take_non_minimal_length(void **state)
{
	static const uint8_t l81_05[] = { 0x04, 0x81, 0x05, 1, 2, 3, 4, 5 };
	static const uint8_t l81_7f[] = { 0x04, 0x81, 0x7f };
	static const uint8_t l82_0080[] = { 0x04, 0x82, 0x00, 0x80 };
	static const uint8_t l83_00ffff[] = { 0x04, 0x83, 0x00, 0xff, 0xff };
	static const uint8_t indefinite[] = { 0x30, 0x80, 0x00, 0x00 };
	static const uint8_t l84[] = { 0x04, 0x84, 0x00, 0x00, 0x00, 0x01,
				       0x00 };
	uint8_t big[4 + 0x80];

	check_refused(l81_05, sizeof(l81_05), DER_OCTET_STRING);
	check_refused(l81_7f, sizeof(l81_7f), DER_OCTET_STRING);
	memset(big, 0, sizeof(big));
	memcpy(big, l82_0080, sizeof(l82_0080));
	check_refused(big, sizeof(big), DER_OCTET_STRING);
	check_refused(indefinite, sizeof(indefinite), DER_SEQUENCE);
	check_refused(l84, sizeof(l84), DER_OCTET_STRING);
	/* 83 00 ff ff is refused before its length is even looked at. */
	check_refused(l83_00ffff, sizeof(l83_00ffff), DER_OCTET_STRING);
}

static void take_long_form_83(void **state)
{
	size_t content = 0x010203;
	uint8_t *der = malloc(5 + content + 2);
	struct der_in in, v;

	assert_non_null(der);
	memset(der, 0x5c, 5 + content + 2);
	der[0] = 0x04;
	der[1] = 0x83;
	der[2] = 0x01;
	der[3] = 0x02;
	der[4] = 0x03;
	der[5 + content] = 0x05;
	der[5 + content + 1] = 0x00;

	/* One byte short of the content. */
	check_refused(der, 5 + content - 1, DER_OCTET_STRING);

	in.p = der;
	in.len = 5 + content + 2;
	assert_true(der_take(&in, DER_OCTET_STRING, &v));
	assert_ptr_equal(v.p, der + 5);
	assert_int_equal(v.len, content);
	assert_ptr_equal(in.p, der + 5 + content);
	assert_int_equal(in.len, 2);
	assert_true(der_take(&in, DER_NULL, &v));
	assert_int_equal(in.len, 0);

	/* 83 00 ff ff with all 65535 bytes there: not minimal (82 ff ff). */
	der[1] = 0x83;
	der[2] = 0x00;
	der[3] = 0xff;
	der[4] = 0xff;
	check_refused(der, 5 + 0xffff, DER_OCTET_STRING);
	/* 82 ff ff is. */
	in.p = der + 1;
	in.len = 4 + 0xffff;
	der[1] = 0x04;
	der[2] = 0x82;
	assert_true(der_take(&in, DER_OCTET_STRING, &v));
	assert_int_equal(v.len, 0xffff);
	assert_int_equal(in.len, 0);
	free(der);
}

/* der_take_uint fails and leaves in as it was. */
static void check_uint_refused(const uint8_t *der, size_t len)
{
	struct der_in in = { der, len }, v = { NULL, 12345 };

	assert_false(der_take_uint(&in, &v));
	assert_ptr_equal(in.p, der);
	assert_int_equal(in.len, len);
}

static void take_uint(void **state)
{
	static const uint8_t negative[] = { 0x02, 0x01, 0x80 };
	static const uint8_t negative2[] = { 0x02, 0x02, 0xff, 0x01 };
	static const uint8_t non_minimal[] = { 0x02, 0x02, 0x00, 0x01 };
	static const uint8_t two_zeros[] = { 0x02, 0x03, 0x00, 0x00, 0x80 };
	static const uint8_t zero_zero[] = { 0x02, 0x02, 0x00, 0x00 };
	static const uint8_t empty[] = { 0x02, 0x00 };
	static const uint8_t not_int[] = { 0x04, 0x01, 0x01 };
	static const uint8_t padded[] = { 0x02, 0x02, 0x00, 0x80, 0x05, 0x00 };
	static const uint8_t zero[] = { 0x02, 0x01, 0x00 };
	static const uint8_t plain[] = { 0x02, 0x02, 0x7f, 0x01 };
	struct der_in in, v;

	check_uint_refused(negative, sizeof(negative));
	check_uint_refused(negative2, sizeof(negative2));
	check_uint_refused(non_minimal, sizeof(non_minimal));
	check_uint_refused(two_zeros, sizeof(two_zeros));
	check_uint_refused(zero_zero, sizeof(zero_zero));
	check_uint_refused(empty, sizeof(empty));
	check_uint_refused(not_int, sizeof(not_int));
	check_uint_refused(padded, 3); /* truncated */

	in.p = padded;
	in.len = sizeof(padded);
	assert_true(der_take_uint(&in, &v));
	assert_int_equal(v.len, 1);
	assert_ptr_equal(v.p, padded + 3);
	assert_int_equal(v.p[0], 0x80);
	assert_ptr_equal(in.p, padded + 4);
	assert_int_equal(in.len, 2);

	in.p = zero;
	in.len = sizeof(zero);
	assert_true(der_take_uint(&in, &v));
	assert_int_equal(v.len, 1);
	assert_int_equal(v.p[0], 0x00);
	assert_int_equal(in.len, 0);

	in.p = plain;
	in.len = sizeof(plain);
	assert_true(der_take_uint(&in, &v));
	assert_int_equal(v.len, 2);
	assert_ptr_equal(v.p, plain + 2);
	assert_int_equal(in.len, 0);
}

/* What der_put_uint writes, der_take_uint reads back without the 00. */
static void uint_round_trip(void **state)
{
	static const uint8_t values[][4] = {
		{ 0x00, 0x00, 0x00, 0x00 }, { 0x00, 0x00, 0x00, 0x7f },
		{ 0x00, 0x00, 0x00, 0x80 }, { 0x00, 0x01, 0x00, 0x01 },
		{ 0xff, 0xff, 0xff, 0xff }, { 0x80, 0x00, 0x00, 0x00 },
	};
	static const size_t sig_len[] = { 1, 1, 1, 3, 4, 4 };

	for (size_t i = 0; i < sizeof(sig_len) / sizeof(sig_len[0]); i++) {
		uint8_t out[8];
		size_t n = der_put_uint(values[i], 4, out);
		struct der_in in = { out, n }, v;

		assert_true(der_take_uint(&in, &v));
		assert_int_equal(in.len, 0);
		assert_int_equal(v.len, sig_len[i]);
		assert_memory_equal(v.p, values[i] + 4 - sig_len[i],
				    sig_len[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_lengths),
		cmocka_unit_test(put_uint_minimal),
		cmocka_unit_test(put_uint_long_form),
		cmocka_unit_test(take_right_tag),
		cmocka_unit_test(take_wrong_tag),
		cmocka_unit_test(take_truncated),
		cmocka_unit_test(take_non_minimal_length),
		cmocka_unit_test(take_long_form_83),
		cmocka_unit_test(take_uint),
		cmocka_unit_test(uint_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
