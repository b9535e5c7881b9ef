/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TPM session cryptography against known answers: KDFa vectors
 * computed independently (Python's hmac module), AES-128-CFB from NIST SP
 * 800-38A F.3.13, SHA-256 from FIPS 180-2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/crypto.h"
#include "common/session_crypto.h"

static void hex(const char *s, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned int b;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
}

static void sha256_in_parts(void **state)
{
	uint8_t want[32], out[32];
	struct crypto_part parts[] = { { "a", 1 }, { "", 0 }, { "bc", 2 } };

	(void)state;
	hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    want, 32);
	assert_true(sc_sha256(parts, 3, out));
	assert_memory_equal(out, want, 32);
}

static void hmac_with_an_empty_key(void **state)
{
	uint8_t want[32], out[32];
	struct crypto_part parts[] = { { "mess", 4 }, { "age", 3 } };

	(void)state;
	hex("eb08c1f56d5ddee07f7bdf80468083da06b64cf4fac64fe3a90883df5feacae4",
	    want, 32);
	assert_true(sc_hmac_sha256(NULL, 0, parts, 2, out));
	assert_memory_equal(out, want, 32);
}

static void kdfa_known_answers(void **state)
{
	uint8_t key[32], u[32], v[16], out[64], want[64];

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	memset(u, 0xaa, sizeof(u));
	memset(v, 0x55, sizeof(v));
	hex("88d53c2f3d1e28b8abb772718d800707d9dc3ec83448cae5decae082fc957047",
	    want, 32);
	assert_true(sc_kdfa_sha256(key, 32, "CFB", u, 32, v, 16, out, 32));
	assert_memory_equal(out, want, 32);
	/* Two blocks: the counter counts. */
	hex("d953d72c6f1c63c2cad508b9f7209cd0053bba8bf1a3a062fadbf680cf4dd799"
	    "bd2af96d171bc11b81af125c28b9ead2e08db82f321eaeaeea16622b9f4b68fc",
	    want, 64);
	assert_true(sc_kdfa_sha256(key, 32, "ATH", u, 32, v, 16, out, 64));
	assert_memory_equal(out, want, 64);
	/* Empty key and contexts, 128 bits: the bit count is in the input. */
	hex("3ba64573d6607a2cabb0d23c8c948a8f", want, 16);
	assert_true(sc_kdfa_sha256(NULL, 0, "CFB", NULL, 0, NULL, 0, out, 16));
	assert_memory_equal(out, want, 16);
	assert_false(sc_kdfa_sha256(key, 32, "CFB", u, 32, v, 16, out, 65));
}

static void aes_cfb_known_answer_and_round_trip(void **state)
{
	uint8_t key[16], iv[16], plain[64], buf[64], want[64];

	(void)state;
	hex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
	hex("000102030405060708090a0b0c0d0e0f", iv, 16);
	hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
	    plain, 64);
	hex("3b3fd92eb72dad20333449f8e83cfb4ac8a64537a0b3a93fcde3cdad9f1ce58b"
	    "26751f67a3cbb140b1808cf187a4f4dfc04b05357c5d1c0eeac4c66f9ff7f2e6",
	    want, 64);
	memcpy(buf, plain, 64);
	assert_true(sc_aes128_cfb(key, iv, true, buf, 64));
	assert_memory_equal(buf, want, 64);
	assert_true(sc_aes128_cfb(key, iv, false, buf, 64));
	assert_memory_equal(buf, plain, 64);
	/* A stream mode: a length that is no multiple of the block. */
	memcpy(buf, plain, 64);
	assert_true(sc_aes128_cfb(key, iv, true, buf, 21));
	assert_memory_equal(buf, want, 21);
	assert_memory_equal(buf + 21, plain + 21, 64 - 21);
	assert_true(sc_aes128_cfb(key, iv, true, buf, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256_in_parts),
		cmocka_unit_test(hmac_with_an_empty_key),
		cmocka_unit_test(kdfa_known_answers),
		cmocka_unit_test(aes_cfb_known_answer_and_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
