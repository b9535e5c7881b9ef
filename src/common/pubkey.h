/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_PUBKEY_H
#define TPMCARD_COMMON_PUBKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * DER SubjectPublicKeyInfo of public keys (CKA_PUBLIC_KEY_INFO), written by
 * the module itself (no OpenSSL key object, which an engine the host
 * registered for RSA or EC keys would capture).  *der is malloc'd; the caller
 * frees it.  False on a malformed key or no memory.
 */

/* The largest RSA modulus the module handles, in bytes (8192 bits). */
#define PUBKEY_RSA_MAX_BYTES 1024

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
 * The OpenSSL NID of the named curve (P-256, P-384, P-521) whose OBJECT
 * IDENTIFIER has this content; NID_undef (0) for any other.
 */
int pubkey_curve_nid(const uint8_t *oid, size_t len);

/*
 * The uncompressed public point 04 || X || Y of an EC private scalar d on
 * a curve (OpenSSL's name); point holds 1 + 2 * field bytes.  False when
 * d is not a valid scalar for the curve.
 */
bool pubkey_ec_point_of(const char *curve, const uint8_t *d, size_t d_len,
			uint8_t *point, size_t point_len);

#endif /* TPMCARD_COMMON_PUBKEY_H */
