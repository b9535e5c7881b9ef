/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

static void pin_auth_known_answer(void **state)
{
	/* HKDF-SHA256 (RFC 5869) as Python's hmac module computes it. */
	static const uint8_t want[32] = {
		0x98, 0x67, 0xca, 0xef, 0xd4, 0x8c, 0x64, 0xfc,
		0x5b, 0x1f, 0x00, 0x6b, 0xfe, 0xb6, 0x3e, 0xc0,
		0xb7, 0xaa, 0x20, 0x2f, 0xc8, 0x60, 0x50, 0xed,
		0xdb, 0x4a, 0x19, 0x31, 0xe8, 0x3d, 0xcb, 0xbf,
	};
	uint8_t salt[16], out[32];

	(void)state;
	for (int i = 0; i < 16; i++)
		salt[i] = (uint8_t)i;
	assert_true(crypto_pin_auth("123456", 6, salt, 16, out));
	assert_memory_equal(out, want, 32);
}

static void hmac_check(enum crypto_digest alg, const uint8_t *key,
		       size_t key_len, const char *msg, const char *want_hex)
{
	uint8_t out[CRYPTO_MAX_DIGEST], want[CRYPTO_MAX_DIGEST];
	size_t len = 0, want_len = strlen(want_hex) / 2;
	/* The message in two parts, to show the parts are one message. */
	struct crypto_part parts[] = { { msg, 5 }, { msg + 5, strlen(msg) - 5 } };

	for (size_t i = 0; i < want_len; i++) {
		unsigned int b;

		assert_int_equal(sscanf(want_hex + 2 * i, "%2x", &b), 1);
		want[i] = (uint8_t)b;
	}
	assert_true(crypto_hmac(alg, key, key_len, parts, 2, out, &len));
	assert_int_equal(len, want_len);
	assert_memory_equal(out, want, want_len);
}

static void hmac_known_answers(void **state)
{
	static const char jefe_msg[] = "what do ya want for nothing?";
	static const char big_msg[] =
		"Test Using Larger Than Block-Size Key - Hash Key First";
	uint8_t big_key[131];

	(void)state;
	memset(big_key, 0xaa, sizeof(big_key));
	/* RFC 2202 and RFC 4231, test cases 2 and 6. */
	hmac_check(CRYPTO_SHA1, (const uint8_t *)"Jefe", 4, jefe_msg,
		   "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	hmac_check(CRYPTO_SHA224, (const uint8_t *)"Jefe", 4, jefe_msg,
		   "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44");
	hmac_check(CRYPTO_SHA384, (const uint8_t *)"Jefe", 4, jefe_msg,
		   "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec373"
		   "6322445e8e2240ca5e69e2c78b3239ecfab21649");
	hmac_check(CRYPTO_SHA256, big_key, sizeof(big_key), big_msg,
		   "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f"
		   "0ee37f54");
	hmac_check(CRYPTO_SHA512, big_key, sizeof(big_key), big_msg,
		   "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b0137"
		   "83f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec"
		   "8b915a985d786598");
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
		cmocka_unit_test(pin_auth_known_answer),
		cmocka_unit_test(hmac_known_answers),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
