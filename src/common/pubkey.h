/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_PUBKEY_H
#define TPMCARD_COMMON_PUBKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * DER SubjectPublicKeyInfo of public keys (CKA_PUBLIC_KEY_INFO), built in
 * the module's private OpenSSL context.  *der is malloc'd; the caller
 * frees it.  False on a malformed key or no memory.
 */

/* RSA from the big-endian modulus and the public exponent. */
bool pubkey_rsa_spki(const uint8_t *modulus, size_t modulus_len,
		     uint32_t exponent, uint8_t **der, size_t *der_len);

/*
 * EC from the curve's OpenSSL name ("P-256", "P-384", "P-521") and the
 * uncompressed point 04 || X || Y.
 */
bool pubkey_ec_spki(const char *curve, const uint8_t *point, size_t point_len,
		    uint8_t **der, size_t *der_len);

/*
 * The uncompressed public point 04 || X || Y of an EC private scalar d on
 * a curve (OpenSSL's name); point holds 1 + 2 * field bytes.  False when
 * d is not a valid scalar for the curve.
 */
bool pubkey_ec_point_of(const char *curve, const uint8_t *d, size_t d_len,
			uint8_t *point, size_t point_len);

#endif /* TPMCARD_COMMON_PUBKEY_H */
