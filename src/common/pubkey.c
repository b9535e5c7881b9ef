/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/pubkey.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "common/crypto_internal.h"

#define TC_LOG_LAYER TC_LAYER_COMMON
#include "common/log.h"

/* Makes a public key of this type from params; NULL on failure. */
static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM *params)
{
	OSSL_LIB_CTX *ctx = crypto_libctx();
	EVP_PKEY_CTX *pctx;
	EVP_PKEY *pkey = NULL;

	if (ctx == NULL || params == NULL)
		return NULL;
	pctx = EVP_PKEY_CTX_new_from_name(ctx, type, NULL);
	if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(pctx);
	return pkey;
}

/* DER SubjectPublicKeyInfo of pkey into a malloc'd buffer. */
static bool spki_of(EVP_PKEY *pkey, uint8_t **der, size_t *der_len)
{
	unsigned char *buf = NULL;
	int len;

	*der = NULL;
	*der_len = 0;
	if (pkey == NULL)
		return false;
	len = i2d_PUBKEY(pkey, &buf);
	if (len <= 0)
		return false;
	*der = malloc((size_t)len);
	if (*der != NULL) {
		memcpy(*der, buf, (size_t)len);
		*der_len = (size_t)len;
	}
	OPENSSL_free(buf);
	return *der != NULL;
}

bool pubkey_rsa_spki(const uint8_t *modulus, size_t modulus_len,
		     uint32_t exponent, uint8_t **der, size_t *der_len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *n = BN_bin2bn(modulus, (int)modulus_len, NULL);
	BIGNUM *e = BN_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;
	bool ok;

	if (bld != NULL && n != NULL && e != NULL && BN_set_word(e, exponent) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		params = OSSL_PARAM_BLD_to_param(bld);
	pkey = pkey_from_params("RSA", params);
	ok = spki_of(pkey, der, der_len);
	EVP_PKEY_free(pkey);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	if (!ok)
		log_err("cannot encode an RSA public key");
	return ok;
}

bool pubkey_ec_spki(const char *curve, const uint8_t *point, size_t point_len,
		    uint8_t **der, size_t *der_len)
{
	OSSL_PARAM params[3];
	EVP_PKEY *pkey;
	bool ok;

	params[0] = OSSL_PARAM_construct_utf8_string(
		OSSL_PKEY_PARAM_GROUP_NAME, (char *)curve, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
		OSSL_PKEY_PARAM_PUB_KEY, (void *)point, point_len);
	params[2] = OSSL_PARAM_construct_end();
	pkey = pkey_from_params("EC", params);
	ok = spki_of(pkey, der, der_len);

	EVP_PKEY_free(pkey);
	if (!ok)
		log_err("cannot encode an EC public key");
	return ok;
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
