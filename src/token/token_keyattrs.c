/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token_keyattrs.h"

#include <stdlib.h>
#include <string.h>

#include "common/pubkey.h"

static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				    0x3d, 0x03, 0x01, 0x07 };
static const uint8_t oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00,
				    0x22 };
static const uint8_t oid_p521[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00,
				    0x23 };

static const char *const names_p256[] = { "prime256v1", "secp256r1",
					  "P-256", "nistp256", NULL };
static const char *const names_p384[] = { "secp384r1", "P-384", "nistp384",
					  "prime384v1", NULL };
static const char *const names_p521[] = { "secp521r1", "P-521", "nistp521",
					  "prime521v1", NULL };

static const struct tc_curve curves[] = {
	{ TPM_CURVE_P256, "P-256", oid_p256, sizeof(oid_p256), names_p256,
	  256 },
	{ TPM_CURVE_P384, "P-384", oid_p384, sizeof(oid_p384), names_p384,
	  384 },
	{ TPM_CURVE_P521, "P-521", oid_p521, sizeof(oid_p521), names_p521,
	  521 },
};

#define CURVE_COUNT (sizeof(curves) / sizeof(curves[0]))

const struct tc_curve *tc_curve_of(enum tpm_curve curve)
{
	for (size_t i = 0; i < CURVE_COUNT; i++)
		if (curves[i].curve == curve)
			return &curves[i];
	return NULL;
}

static const struct tc_curve *curve_by_name(const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < CURVE_COUNT; i++)
		for (const char *const *n = curves[i].aliases; *n; n++)
			if (strlen(*n) == len && memcmp(*n, name, len) == 0)
				return &curves[i];
	return NULL;
}

/* A DER element with a one-byte length: tag, length, body. */
static bool short_der(const uint8_t *der, size_t len, uint8_t tag)
{
	return len >= 2 && der[0] == tag && der[1] < 0x80 &&
	       (size_t)der[1] + 2 == len;
}

CK_RV tc_curve_from_params(const uint8_t *params, size_t len,
			   const struct tc_curve **curve)
{
	*curve = NULL;
	if (params == NULL || len == 0)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (short_der(params, len, 0x06)) { /* OBJECT IDENTIFIER */
		for (size_t i = 0; i < CURVE_COUNT; i++)
			if (curves[i].oid_len == len &&
			    memcmp(curves[i].oid, params, len) == 0)
				*curve = &curves[i];
	} else if (short_der(params, len, 0x13)) { /* PrintableString */
		*curve = curve_by_name(params + 2, len - 2);
	} else {
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	return *curve != NULL ? CKR_OK : CKR_CURVE_NOT_SUPPORTED;
}

CK_RV tc_ec_point_parse(const struct tc_curve *curve, const uint8_t *value,
			size_t len, uint8_t *point, size_t *point_len)
{
	size_t need = 1 + 2 * tpm_curve_bytes(curve->curve), skip = 0;

	if (value == NULL)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	/* DER OCTET STRING: 04, length (one or two bytes), the point. */
	if (len == need + 2 && value[0] == 0x04 && value[1] == need)
		skip = 2;
	else if (len == need + 3 && value[0] == 0x04 && value[1] == 0x81 &&
		 value[2] == need)
		skip = 3;
	else if (len != need)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (value[skip] != 0x04) /* uncompressed points only */
		return CKR_ATTRIBUTE_VALUE_INVALID;
	memcpy(point, value + skip, need);
	*point_len = need;
	return CKR_OK;
}

/* Minimal big-endian encoding of the public exponent. */
static bool exponent_attr(struct attr_list *a, uint32_t e)
{
	uint8_t bytes[4] = { e >> 24, e >> 16, e >> 8, e };
	size_t skip = 0;

	while (skip < 3 && bytes[skip] == 0)
		skip++;
	return attrs_set(a, CKA_PUBLIC_EXPONENT, bytes + skip, 4 - skip);
}

/* Bits of a big-endian number without leading zero bytes. */
static size_t bit_length(const uint8_t *n, size_t len)
{
	size_t bits = len * 8;

	if (len == 0)
		return 0;
	for (uint8_t top = n[0]; top < 0x80; top <<= 1)
		bits--;
	return bits;
}

static bool rsa_attrs(struct attr_list *a, const struct tpm_pubkey *pub,
		      bool public_key)
{
	uint8_t *der = NULL;
	size_t der_len = 0;
	bool ok = attrs_set(a, CKA_MODULUS, pub->modulus, pub->modulus_len) &&
		  exponent_attr(a, pub->exponent) &&
		  (!public_key ||
		   attrs_set_ulong(a, CKA_MODULUS_BITS,
				   bit_length(pub->modulus,
					      pub->modulus_len))) &&
		  pubkey_rsa_spki(pub->modulus, pub->modulus_len,
				  pub->exponent, &der, &der_len) &&
		  attrs_set(a, CKA_PUBLIC_KEY_INFO, der, der_len);

	free(der);
	return ok;
}

static size_t uncompressed_point(const struct tpm_pubkey *pub, uint8_t *point)
{
	point[0] = 0x04;
	memcpy(point + 1, pub->x, pub->coord_len);
	memcpy(point + 1 + pub->coord_len, pub->y, pub->coord_len);
	return 1 + 2 * pub->coord_len;
}

/* CKA_EC_POINT: DER OCTET STRING holding 04 || X || Y. */
static bool ec_point_attr(struct attr_list *a, const uint8_t *point,
			  size_t point_len)
{
	uint8_t der[3 + TC_EC_POINT_MAX];
	size_t pos = 0;

	der[pos++] = 0x04;
	if (point_len >= 0x80)
		der[pos++] = 0x81;
	der[pos++] = (uint8_t)point_len;
	memcpy(der + pos, point, point_len);
	return attrs_set(a, CKA_EC_POINT, der, pos + point_len);
}

static bool ec_attrs(struct attr_list *a, const struct tpm_pubkey *pub,
		     bool public_key)
{
	const struct tc_curve *curve = tc_curve_of(pub->curve);
	uint8_t point[TC_EC_POINT_MAX], *der = NULL;
	size_t point_len, der_len = 0;
	bool ok;

	if (curve == NULL)
		return false;
	point_len = uncompressed_point(pub, point);
	ok = attrs_set(a, CKA_EC_PARAMS, curve->oid, curve->oid_len) &&
	     (!public_key || ec_point_attr(a, point, point_len)) &&
	     pubkey_ec_spki(curve->name, point, point_len, &der, &der_len) &&
	     attrs_set(a, CKA_PUBLIC_KEY_INFO, der, der_len);
	free(der);
	return ok;
}

bool tc_pubkey_attrs(struct attr_list *list, const struct tpm_pubkey *pub,
		     bool public_key)
{
	if (pub->type == TPM_KEY_RSA)
		return rsa_attrs(list, pub, public_key);
	return ec_attrs(list, pub, public_key);
}

static CK_RV rsa_from_attrs(const struct attr_list *list,
			    struct tpm_pubkey *pub)
{
	const struct attr *n = attrs_find(list, CKA_MODULUS);
	const struct attr *e = attrs_find(list, CKA_PUBLIC_EXPONENT);
	size_t skip = 0, e_skip = 0;

	if (n == NULL || e == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	while (skip < n->len && n->value[skip] == 0)
		skip++;
	while (e_skip < e->len && e->value[e_skip] == 0)
		e_skip++;
	/* 1024 to 4096 bits; an odd exponent of at most 32 bits, not 1. */
	if (n->len - skip < 128 || n->len - skip > sizeof(pub->modulus) ||
	    e->len - e_skip == 0 || e->len - e_skip > 4 ||
	    !(e->value[e->len - 1] & 1))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	pub->type = TPM_KEY_RSA;
	pub->modulus_len = n->len - skip;
	memcpy(pub->modulus, n->value + skip, pub->modulus_len);
	pub->exponent = 0;
	for (size_t i = e_skip; i < e->len; i++)
		pub->exponent = pub->exponent << 8 | e->value[i];
	return pub->exponent > 1 ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

static CK_RV ec_from_attrs(const struct attr_list *list,
			   struct tpm_pubkey *pub)
{
	const struct attr *params = attrs_find(list, CKA_EC_PARAMS);
	const struct attr *value = attrs_find(list, CKA_EC_POINT);
	const struct tc_curve *curve;
	uint8_t point[TC_EC_POINT_MAX], *der = NULL;
	size_t point_len = 0, der_len = 0;
	CK_RV rv;

	if (params == NULL || value == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	rv = tc_curve_from_params(params->value, params->len, &curve);
	if (rv == CKR_OK)
		rv = tc_ec_point_parse(curve, value->value, value->len, point,
				       &point_len);
	if (rv != CKR_OK)
		return rv;
	/* OpenSSL refuses a point that is not on the curve. */
	if (!pubkey_ec_spki(curve->name, point, point_len, &der, &der_len))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	free(der);
	pub->type = TPM_KEY_EC;
	pub->curve = curve->curve;
	pub->coord_len = (point_len - 1) / 2;
	memcpy(pub->x, point + 1, pub->coord_len);
	memcpy(pub->y, point + 1 + pub->coord_len, pub->coord_len);
	return CKR_OK;
}

CK_RV tc_pubkey_from_attrs(const struct attr_list *list, CK_KEY_TYPE type,
			   struct tpm_pubkey *pub)
{
	memset(pub, 0, sizeof(*pub));
	if (type == CKK_RSA)
		return rsa_from_attrs(list, pub);
	if (type == CKK_EC)
		return ec_from_attrs(list, pub);
	return CKR_ATTRIBUTE_VALUE_INVALID;
}
