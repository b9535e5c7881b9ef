/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/pubkey.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/objects.h>

#include "common/crypto_internal.h"
#include "common/der.h"

#define TC_LOG_LAYER TC_LAYER_COMMON
#include "common/log.h"

/* AlgorithmIdentifier rsaEncryption, NULL parameters (RFC 8017, A.1). */
static const uint8_t rsa_algorithm[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
					 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
					 0x01, 0x05, 0x00 };
/* OBJECT IDENTIFIER id-ecPublicKey (RFC 5480). */
static const uint8_t ec_public_key_oid[] = { 0x06, 0x07, 0x2a, 0x86, 0x48,
					     0xce, 0x3d, 0x02, 0x01 };

static const struct {
	int nid;
	size_t len;
	uint8_t oid[8]; /* the OBJECT IDENTIFIER's content */
} named_curves[] = {
	{ NID_X9_62_prime256v1, 8,
	  { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 } },
	{ NID_secp384r1, 5, { 0x2b, 0x81, 0x04, 0x00, 0x22 } },
	{ NID_secp521r1, 5, { 0x2b, 0x81, 0x04, 0x00, 0x23 } },
};

#define NAMED_CURVES (sizeof(named_curves) / sizeof(named_curves[0]))

int pubkey_curve_nid(const uint8_t *oid, size_t len)
{
	for (size_t i = 0; i < NAMED_CURVES; i++)
		if (named_curves[i].len == len &&
		    memcmp(named_curves[i].oid, oid, len) == 0)
			return named_curves[i].nid;
	return NID_undef;
}

static int nid_of_name(const char *curve)
{
	int nid = EC_curve_nist2nid(curve);

	return nid != NID_undef ? nid : OBJ_sn2nid(curve);
}

/*
 * SEQUENCE { algorithm, BIT STRING { key } } into a malloc'd buffer:
 * a SubjectPublicKeyInfo (RFC 5280, 4.1).
 */
static uint8_t *spki_encode(const uint8_t *algorithm, size_t algorithm_len,
			    const uint8_t *key, size_t key_len, size_t *len)
{
	size_t bits = 1 + key_len;
	size_t content = algorithm_len + der_header_len(bits) + bits;
	size_t total = der_header_len(content) + content, at;
	uint8_t *der = malloc(total);

	if (der == NULL)
		return NULL;
	at = der_put_header(DER_SEQUENCE, content, der);
	memcpy(der + at, algorithm, algorithm_len);
	at += algorithm_len;
	at += der_put_header(DER_BIT_STRING, bits, der + at);
	der[at++] = 0x00; /* no unused bits */
	memcpy(der + at, key, key_len);
	*len = total;
	return der;
}

bool pubkey_rsa_spki(const uint8_t *modulus, size_t modulus_len,
		     uint32_t exponent, uint8_t **der, size_t *der_len)
{
	const uint8_t e[4] = { (uint8_t)(exponent >> 24),
			       (uint8_t)(exponent >> 16),
			       (uint8_t)(exponent >> 8), (uint8_t)exponent };
	uint8_t key[PUBKEY_RSA_MAX_BYTES + 32];
	size_t content, at;

	*der = NULL;
	*der_len = 0;
	while (modulus_len > 0 && modulus[0] == 0) {
		modulus++;
		modulus_len--;
	}
	if (modulus_len == 0 || modulus_len > PUBKEY_RSA_MAX_BYTES ||
	    exponent == 0) {
		log_err("cannot encode an RSA public key: malformed");
		return false;
	}
	/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, exponent INTEGER } */
	content = der_put_uint(modulus, modulus_len, NULL) +
		  der_put_uint(e, sizeof(e), NULL);
	at = der_put_header(DER_SEQUENCE, content, key);
	at += der_put_uint(modulus, modulus_len, key + at);
	at += der_put_uint(e, sizeof(e), key + at);
	*der = spki_encode(rsa_algorithm, sizeof(rsa_algorithm), key, at,
			   der_len);
	return *der != NULL;
}

/* True when point is an uncompressed point on the curve, not infinity. */
static bool point_on_curve(int nid, const uint8_t *point, size_t point_len)
{
	EC_GROUP *group = EC_GROUP_new_by_curve_name_ex(crypto_libctx(), NULL,
							nid);
	EC_POINT *q = group != NULL ? EC_POINT_new(group) : NULL;
	BN_CTX *bn = BN_CTX_new_ex(crypto_libctx());
	bool ok = q != NULL && bn != NULL && point_len > 1 &&
		  point[0] == POINT_CONVERSION_UNCOMPRESSED &&
		  EC_POINT_oct2point(group, q, point, point_len, bn) == 1 &&
		  !EC_POINT_is_at_infinity(group, q) &&
		  EC_POINT_is_on_curve(group, q, bn) == 1;

	EC_POINT_free(q);
	EC_GROUP_free(group);
	BN_CTX_free(bn);
	return ok;
}

bool pubkey_ec_spki(const char *curve, const uint8_t *point, size_t point_len,
		    uint8_t **der, size_t *der_len)
{
	uint8_t algorithm[2 + sizeof(ec_public_key_oid) + 2 + 8];
	int nid = nid_of_name(curve);
	size_t i, at;

	*der = NULL;
	*der_len = 0;
	for (i = 0; i < NAMED_CURVES && named_curves[i].nid != nid; i++)
		;
	if (i == NAMED_CURVES || !point_on_curve(nid, point, point_len)) {
		log_err("cannot encode an EC public key: not a point of %s",
			curve);
		return false;
	}
	/* AlgorithmIdentifier { id-ecPublicKey, namedCurve } (RFC 5480) */
	at = der_put_header(DER_SEQUENCE,
			    sizeof(ec_public_key_oid) + 2 + named_curves[i].len,
			    algorithm);
	memcpy(algorithm + at, ec_public_key_oid, sizeof(ec_public_key_oid));
	at += sizeof(ec_public_key_oid);
	at += der_put_header(DER_OID, named_curves[i].len, algorithm + at);
	memcpy(algorithm + at, named_curves[i].oid, named_curves[i].len);
	at += named_curves[i].len;
	*der = spki_encode(algorithm, at, point, point_len, der_len);
	return *der != NULL;
}

bool pubkey_ec_point_of(const char *curve, const uint8_t *d, size_t d_len,
			uint8_t *point, size_t point_len)
{
	int nid = OBJ_sn2nid(curve);
	EC_GROUP *group;
	EC_POINT *q = NULL;
	BIGNUM *scalar = BN_bin2bn(d, (int)d_len, NULL);
	BN_CTX *bn = BN_CTX_new_ex(crypto_libctx());
	bool ok = false;

	if (nid == NID_undef)
		nid = EC_curve_nist2nid(curve);
	group = EC_GROUP_new_by_curve_name_ex(crypto_libctx(), NULL, nid);
	if (group != NULL)
		q = EC_POINT_new(group);
	/* 0 < d < order, then Q = dG. */
	if (q != NULL && scalar != NULL && bn != NULL && !BN_is_zero(scalar) &&
	    BN_cmp(scalar, EC_GROUP_get0_order(group)) < 0 &&
	    EC_POINT_mul(group, q, scalar, NULL, NULL, bn) == 1)
		ok = EC_POINT_point2oct(group, q, POINT_CONVERSION_UNCOMPRESSED,
					point, point_len, bn) == point_len;
	BN_clear_free(scalar);
	EC_POINT_free(q);
	EC_GROUP_free(group);
	BN_CTX_free(bn);
	return ok;
}
