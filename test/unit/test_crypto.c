/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/crypto.h"

static void sha256_known_answer(void **state)
{
	static const uint8_t expected[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	uint8_t out[CRYPTO_MAX_DIGEST];
	size_t len = 0;

	assert_true(crypto_digest_once(CRYPTO_SHA256, "abc", 3, out, &len));
	assert_int_equal(len, 32);
	assert_memory_equal(out, expected, 32);
	assert_int_equal(crypto_digest_len(CRYPTO_SHA1), 20);
	assert_int_equal(crypto_digest_len(CRYPTO_SHA512), 64);
	assert_int_equal(crypto_digest_len(CRYPTO_DIGEST_COUNT), 0);
	assert_false(crypto_digest_once(CRYPTO_DIGEST_COUNT, "a", 1, out,
					&len));
}

static void aead_round_trip_and_tamper(void **state)
{
	uint8_t key[32], other[32], sealed[32 + CRYPTO_AEAD_OVERHEAD];
	uint8_t plain[32], secret[32];

	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	memset(secret, 0x5a, sizeof(secret));
	assert_true(crypto_aead_seal(key, "aad", 3, secret, 32, sealed));
	assert_true(memmem(sealed, sizeof(sealed), secret, 8) == NULL);
	assert_true(crypto_aead_open(key, "aad", 3, sealed, sizeof(sealed),
				     plain));
	assert_memory_equal(plain, secret, 32);
	assert_false(crypto_aead_open(other, "aad", 3, sealed, sizeof(sealed),
				      plain));
	assert_false(crypto_aead_open(key, "aaX", 3, sealed, sizeof(sealed),
				      plain));
	sealed[20] ^= 1;
	assert_false(crypto_aead_open(key, "aad", 3, sealed, sizeof(sealed),
				      plain));
	assert_false(crypto_aead_open(key, "aad", 3, sealed, 27, plain));
}

static void pin_auth_depends_on_pin_and_salt(void **state)
{
	uint8_t a[32], b[32], c[32], salt1[16] = { 1 }, salt2[16] = { 2 };

	assert_true(crypto_pin_auth("123456", 6, salt1, 16, a));
	assert_true(crypto_pin_auth("123456", 6, salt1, 16, b));
	assert_memory_equal(a, b, 32);
	assert_true(crypto_pin_auth("123457", 6, salt1, 16, c));
	assert_memory_not_equal(a, c, 32);
	assert_true(crypto_pin_auth("123456", 6, salt2, 16, c));
	assert_memory_not_equal(a, c, 32);
}

static void random_differs(void **state)
{
	uint8_t a[32], b[32];

	assert_true(crypto_random(a, sizeof(a)));
	assert_true(crypto_random(b, sizeof(b)));
	assert_memory_not_equal(a, b, sizeof(a));
}

static int teardown(void **state)
{
	crypto_shutdown();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256_known_answer),
		cmocka_unit_test(aead_round_trip_and_tamper),
		cmocka_unit_test(pin_auth_depends_on_pin_and_salt),
		cmocka_unit_test(random_differs),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
