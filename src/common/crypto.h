/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_CRYPTO_H
#define TPMCARD_COMMON_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The module's own software cryptography: digests, the AEAD that wraps key
 * auth values, the PIN KDF and random numbers.  All of it runs in a private
 * OpenSSL library context with only the default provider loaded, so that
 * engines or providers loaded by the host application (a PKCS#11 engine,
 * say) never see our keys or route our operations back into us.
 */

enum crypto_digest {
	CRYPTO_SHA1 = 0,
	CRYPTO_SHA224,
	CRYPTO_SHA256,
	CRYPTO_SHA384,
	CRYPTO_SHA512,
	CRYPTO_DIGEST_COUNT,
};

#define CRYPTO_MAX_DIGEST 64
#define CRYPTO_AEAD_KEY_LEN 32
#define CRYPTO_AEAD_OVERHEAD (12 + 16) /* nonce + tag */
#define CRYPTO_PIN_AUTH_LEN 32

/* Size in bytes of a digest, 0 for an unknown one. */
size_t crypto_digest_len(enum crypto_digest alg);

/* Hashes len bytes into out (CRYPTO_MAX_DIGEST bytes); false on failure. */
bool crypto_digest_once(enum crypto_digest alg, const void *data, size_t len,
			uint8_t *out, size_t *out_len);

/* An incremental digest (multi-part hash-and-sign). */
struct crypto_hash;
/* NULL on failure or an unknown algorithm. */
struct crypto_hash *crypto_hash_new(enum crypto_digest alg);
bool crypto_hash_update(struct crypto_hash *hash, const void *data,
			size_t len);
/* Pieces of a message, hashed or MACed in order. */
struct crypto_part {
	const void *data;
	size_t len;
};

/*
 * HMAC (RFC 2104) with one of the digests over the parts; out holds
 * CRYPTO_MAX_DIGEST bytes, *out_len gets the MAC's length.  Built on the
 * module's own digests, so no engine sees the key.
 */
bool crypto_hmac(enum crypto_digest alg, const uint8_t *key, size_t key_len,
		 const struct crypto_part *parts, size_t count, uint8_t *out,
		 size_t *out_len);

/* out holds CRYPTO_MAX_DIGEST bytes; the hash cannot be updated after. */
bool crypto_hash_final(struct crypto_hash *hash, uint8_t *out,
		       size_t *out_len);
/* Accepts NULL. */
void crypto_hash_free(struct crypto_hash *hash);

/* Fills buf with len bytes from the DRBG; false on failure. */
bool crypto_random(void *buf, size_t len);

/*
 * AES-256-GCM: out gets nonce || ciphertext || tag, plain_len +
 * CRYPTO_AEAD_OVERHEAD bytes.  key is CRYPTO_AEAD_KEY_LEN bytes.
 */
bool crypto_aead_seal(const uint8_t *key, const void *aad, size_t aad_len,
		      const uint8_t *plain, size_t plain_len, uint8_t *out);

/*
 * Inverse of crypto_aead_seal: plain gets sealed_len - CRYPTO_AEAD_OVERHEAD
 * bytes; false when the input is short, altered or the key is wrong (plain
 * is wiped then).
 */
bool crypto_aead_open(const uint8_t *key, const void *aad, size_t aad_len,
		      const uint8_t *sealed, size_t sealed_len, uint8_t *plain);

/*
 * Derives the TPM authValue of a PIN-sealed object: HKDF-SHA256 of the PIN
 * with salt, CRYPTO_PIN_AUTH_LEN bytes into out.
 */
bool crypto_pin_auth(const void *pin, size_t pin_len, const uint8_t *salt,
		     size_t salt_len, uint8_t *out);

/*
 * AES-128-CFB encryption with a zero IV (the TPM's duplication inner
 * wrapper); key is 16 bytes, out gets len bytes.  False on failure.
 */
bool crypto_aes128_cfb_encrypt(const uint8_t *key, const uint8_t *in,
			       size_t len, uint8_t *out);

/* Releases the private library context (C_Finalize, tests). */
void crypto_shutdown(void);

#endif /* TPMCARD_COMMON_CRYPTO_H */
