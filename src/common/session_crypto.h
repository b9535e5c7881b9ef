/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_SESSION_CRYPTO_H
#define TPMCARD_COMMON_SESSION_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"

/*
 * The cryptography of the module's TPM sessions: SHA-256 for command and
 * response hashes, HMAC-SHA256 for authorizations, KDFa (TPM 2.0 Part 1,
 * 11.4.10.2) for session keys and parameter-encryption keys, AES-128-CFB
 * for encrypted parameters.  None of it can be handed to an engine or a
 * provider of the host application: the hash and the cipher are
 * libcrypto's own built-in implementations, the HMAC is built on them
 * (common/crypto.h).
 */

#define SC_SHA256_BYTES 32
#define SC_AES128_BYTES 16

/* SHA-256 and HMAC-SHA256 over the parts: out gets 32 bytes. */
bool sc_sha256(const struct crypto_part *parts, size_t count, uint8_t *out);
bool sc_hmac_sha256(const uint8_t *key, size_t key_len,
		    const struct crypto_part *parts, size_t count, uint8_t *out);

/*
 * KDFa with SHA-256: out_len bytes (at most 64) from key, the label (its
 * terminating NUL included, as the TPM counts it) and the two contexts.
 */
bool sc_kdfa_sha256(const uint8_t *key, size_t key_len, const char *label,
		    const uint8_t *u, size_t u_len, const uint8_t *v,
		    size_t v_len, uint8_t *out, size_t out_len);

/* AES-128 in CFB mode (128-bit feedback) over buf, in place. */
bool sc_aes128_cfb(const uint8_t *key, const uint8_t *iv, bool encrypt,
		   uint8_t *buf, size_t len);

#endif /* TPMCARD_COMMON_SESSION_CRYPTO_H */
