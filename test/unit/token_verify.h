/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TEST_UNIT_TOKEN_VERIFY_H
#define TPMCARD_TEST_UNIT_TOKEN_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "token/token.h"

/*
 * Checks of the token layer's signatures in OpenSSL.  The key builders
 * assert as they go; the caller frees the EVP_PKEY.
 */

/* The RSA public key of CKA_MODULUS and CKA_PUBLIC_EXPONENT. */
EVP_PKEY *verify_rsa_public(struct tc_session *s, int64_t pub);
/* The EC public key of CKA_EC_POINT on group ("P-256", ...). */
EVP_PKEY *verify_ec_public(struct tc_session *s, int64_t pub,
			   const char *group);
/* Asserts that the object's CKA_PUBLIC_KEY_INFO is the same key. */
void verify_assert_spki(struct tc_session *s, int64_t id, EVP_PKEY *key);

/*
 * A hash-and-sign signature of msg with digest md ("SHA256", ...): RSA
 * PKCS#1 v1.5, or ECDSA given as r || s.
 */
bool verify_hashed(EVP_PKEY *key, const char *md, const void *msg,
		   size_t msg_len, const uint8_t *sig, size_t sig_len);
/* A raw ECDSA signature (r || s) over data as given. */
bool verify_raw_ecdsa(EVP_PKEY *key, const uint8_t *data, size_t len,
		      const uint8_t *sig, size_t sig_len);
/* What a PKCS#1 v1.5 signature carries; asserts it verifies. */
size_t verify_rsa_recover(EVP_PKEY *key, const uint8_t *sig, size_t sig_len,
			  uint8_t *out, size_t out_cap);

#endif /* TPMCARD_TEST_UNIT_TOKEN_VERIFY_H */
