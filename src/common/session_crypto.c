/* SPDX-License-Identifier: BSD-3-Clause */
/* libcrypto's built-in AES is deprecated API in OpenSSL 3.0. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "common/session_crypto.h"

#include <string.h>

#include <openssl/aes.h>

#include "common/crypto.h"
#include "common/secmem.h"

bool sc_sha256(const struct crypto_part *parts, size_t count, uint8_t *out)
{
	struct crypto_hash *h = crypto_hash_new(CRYPTO_SHA256);
	size_t n = 0;
	bool ok = h != NULL;

	for (size_t i = 0; ok && i < count; i++)
		ok = crypto_hash_update(h, parts[i].data, parts[i].len);
	ok = ok && crypto_hash_final(h, out, &n) && n == SC_SHA256_BYTES;
	crypto_hash_free(h);
	return ok;
}

bool sc_hmac_sha256(const uint8_t *key, size_t key_len,
		    const struct crypto_part *parts, size_t count,
		    uint8_t *out)
{
	size_t n = 0;

	return crypto_hmac(CRYPTO_SHA256, key, key_len, parts, count, out,
			   &n) &&
	       n == SC_SHA256_BYTES;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

bool sc_kdfa_sha256(const uint8_t *key, size_t key_len, const char *label,
		    const uint8_t *u, size_t u_len, const uint8_t *v,
		    size_t v_len, uint8_t *out, size_t out_len)
{
	uint8_t counter[4], bits[4], block[SC_SHA256_BYTES];
	bool ok = out_len <= 2 * SC_SHA256_BYTES;

	put_be32(bits, (uint32_t)(8 * out_len));
	for (uint32_t i = 1, done = 0; ok && done < out_len; i++) {
		struct crypto_part parts[] = {
			{ counter, sizeof(counter) },
			{ label, strlen(label) + 1 },
			{ u, u_len },
			{ v, v_len },
			{ bits, sizeof(bits) },
		};
		size_t n = out_len - done < SC_SHA256_BYTES ? out_len - done :
							       SC_SHA256_BYTES;

		put_be32(counter, i);
		ok = sc_hmac_sha256(key, key_len, parts, 5, block);
		if (ok)
			memcpy(out + done, block, n);
		done += (uint32_t)n;
	}
	secmem_wipe(block, sizeof(block));
	return ok;
}

bool sc_aes128_cfb(const uint8_t *key, const uint8_t *iv, bool encrypt,
		   uint8_t *buf, size_t len)
{
	AES_KEY schedule;
	uint8_t feedback[SC_AES128_BYTES];
	int num = 0;
	bool ok = AES_set_encrypt_key(key, 128, &schedule) == 0;

	memcpy(feedback, iv, sizeof(feedback));
	if (ok && len > 0)
		AES_cfb128_encrypt(buf, buf, len, &schedule, feedback, &num,
				   encrypt ? AES_ENCRYPT : AES_DECRYPT);
	secmem_wipe(&schedule, sizeof(schedule));
	secmem_wipe(feedback, sizeof(feedback));
	return ok;
}
