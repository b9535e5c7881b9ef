/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_RSA_PAD_H
#define TPMCARD_COMMON_RSA_PAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"

/*
 * RSA paddings applied around the TPM's raw private-key operation: the
 * TPM key has no fixed scheme, so the module pads what it signs and
 * unpads what the TPM decrypted.
 */

/*
 * EMSA-PSS-ENCODE (RFC 8017, 9.1.1) of a message hash: em gets k bytes
 * (the modulus length) for a modulus of mod_bits bits, the salt drawn
 * from the module's DRBG.  False when the salt does not fit (or on
 * failure).
 */
bool rsa_pss_encode(enum crypto_digest hash, enum crypto_digest mgf,
		    const uint8_t *mhash, size_t salt_len, size_t mod_bits,
		    uint8_t *em, size_t k);

/* The largest PSS salt for this hash and modulus size. */
size_t rsa_pss_max_salt(enum crypto_digest hash, size_t mod_bits);

/*
 * Removes PKCS#1 v1.5 encryption padding (type 2) or OAEP from a k-byte
 * block, in constant time (OpenSSL's checks); out holds cap bytes.
 * Returns the message length, or -1 when the padding is wrong.
 */
int rsa_unpad_pkcs1(const uint8_t *em, size_t k, uint8_t *out, size_t cap);
int rsa_unpad_oaep(const uint8_t *em, size_t k, enum crypto_digest hash,
		   enum crypto_digest mgf, const uint8_t *label,
		   size_t label_len, uint8_t *out, size_t cap);

/*
 * EMSA-PKCS1-v1_5 (RFC 8017, 9.2): 00 01 FF..FF 00 || prefix || t in k
 * bytes, with at least 8 bytes of FF; false when it does not fit.
 */
bool rsa_pad_pkcs1_sign(const uint8_t *prefix, size_t prefix_len,
			const uint8_t *t, size_t t_len, uint8_t *em, size_t k);

/*
 * EMSA-PSS-VERIFY (RFC 8017, 9.1.2) of the k-byte result of the public
 * operation on a signature, against a message hash, with exactly this
 * salt length.  1: consistent, 0: not, -1: failure.
 */
int rsa_pss_verify(enum crypto_digest hash, enum crypto_digest mgf,
		   const uint8_t *mhash, size_t salt_len, size_t mod_bits,
		   const uint8_t *em, size_t k);

/*
 * Encryption paddings into a k-byte block, random bytes from the module's
 * DRBG: PKCS#1 v1.5 type 2 (RFC 8017, 7.2.1) and OAEP (7.1.1).  False
 * when the message does not fit (or on failure).
 */
bool rsa_pad_pkcs1_encrypt(const uint8_t *in, size_t len, uint8_t *em,
			   size_t k);
bool rsa_pad_oaep(enum crypto_digest hash, enum crypto_digest mgf,
		  const uint8_t *label, size_t label_len, const uint8_t *in,
		  size_t len, uint8_t *em, size_t k);

#endif /* TPMCARD_COMMON_RSA_PAD_H */
