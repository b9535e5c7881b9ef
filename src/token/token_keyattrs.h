/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TOKEN_TOKEN_KEYATTRS_H
#define TPMCARD_TOKEN_TOKEN_KEYATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#include "common/attrs.h"
#include "tpm/tpm.h"

/*
 * The public-key attributes of RSA and EC keys, in their PKCS#11
 * encodings, shared by generation, import and public-key objects.
 */

struct tc_curve {
	enum tpm_curve curve;
	const char *name;	/* OpenSSL's group name */
	const uint8_t *oid;	/* DER OBJECT IDENTIFIER (CKA_EC_PARAMS) */
	size_t oid_len;
	const char *const *aliases; /* printable names, NULL-terminated */
	unsigned int bits;
};

/* The curve of a TPM curve id, or NULL. */
const struct tc_curve *tc_curve_of(enum tpm_curve curve);

/*
 * The curve named by CKA_EC_PARAMS: a DER OBJECT IDENTIFIER, or a DER
 * PrintableString with a curve name ("prime256v1", "secp384r1", "P-521",
 * ...).  CKR_CURVE_NOT_SUPPORTED for a well-formed other curve,
 * CKR_ATTRIBUTE_VALUE_INVALID for anything else.
 */
CK_RV tc_curve_from_params(const uint8_t *params, size_t len,
			   const struct tc_curve **curve);

#define TC_EC_POINT_MAX (1 + 2 * 66)

/*
 * The uncompressed point 04 || X || Y of CKA_EC_POINT, given as the
 * standard's DER OCTET STRING or as the bare point (some applications
 * send that); checked for length, not yet for being on the curve.
 */
CK_RV tc_ec_point_parse(const struct tc_curve *curve, const uint8_t *value,
			size_t len, uint8_t *point, size_t *point_len);

/*
 * Adds a key's public attributes: RSA CKA_MODULUS, CKA_PUBLIC_EXPONENT
 * (and CKA_MODULUS_BITS on a public key); EC CKA_EC_PARAMS (and
 * CKA_EC_POINT on a public key); CKA_PUBLIC_KEY_INFO on both.
 */
bool tc_pubkey_attrs(struct attr_list *list, const struct tpm_pubkey *pub,
		     bool public_key);

/*
 * Reads the public key an attribute list describes (RSA modulus and
 * exponent, or EC parameters and point) into pub; checks it is a valid
 * key (the point on its curve).
 */
CK_RV tc_pubkey_from_attrs(const struct attr_list *list, CK_KEY_TYPE type,
			   struct tpm_pubkey *pub);

#endif /* TPMCARD_TOKEN_TOKEN_KEYATTRS_H */
