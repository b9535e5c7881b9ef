/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A key's SubjectPublicKeyInfo from its public key object's attributes,
 * for modules without CKA_PUBLIC_KEY_INFO (tpm2-pkcs11 1.9): RSA modulus
 * and exponent, or EC parameters (P-256 only) and point.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "bench.h"

static const uint8_t P256_OID[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				    0x3d, 0x03, 0x01, 0x07 };

/* The public key object of this label; false when there is none. */
static bool find_public(struct p11 *p, const char *label, CK_KEY_TYPE type,
			CK_OBJECT_HANDLE *obj)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_ULONG n = 0;
	bool ok;

	if (p->fn->C_FindObjectsInit(p->session, tmpl, 3) != CKR_OK)
		return false;
	ok = p->fn->C_FindObjects(p->session, obj, 1, &n) == CKR_OK && n == 1;
	p->fn->C_FindObjectsFinal(p->session);
	return ok;
}

/* OSSL_PARAMs of an RSA public key, or of a P-256 one. */
static bool key_params(OSSL_PARAM_BLD *bld, CK_KEY_TYPE type, CK_ATTRIBUTE *a,
		       BIGNUM **n, BIGNUM **e)
{
	const uint8_t *point = a[1].pValue;
	size_t len = a[1].ulValueLen;

	if (type == CKK_RSA) {
		*n = BN_bin2bn(a[0].pValue, (int)a[0].ulValueLen, NULL);
		*e = BN_bin2bn(a[1].pValue, (int)a[1].ulValueLen, NULL);
		return *n && *e &&
		       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, *n) &&
		       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, *e);
	}
	if (a[0].ulValueLen != sizeof(P256_OID) ||
	    memcmp(a[0].pValue, P256_OID, sizeof(P256_OID)) != 0)
		return false;
	/* CKA_EC_POINT: the point, DER OCTET STRING around it. */
	if (len == 67 && point[0] == 0x04 && point[1] == 65) {
		point += 2;
		len -= 2;
	}
	return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					       "prime256v1", 0) &&
	       OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
						point, len);
}

/* DER SubjectPublicKeyInfo of the key the attributes describe. */
static size_t spki_of(CK_KEY_TYPE type, CK_ATTRIBUTE *a, uint8_t *out,
		      size_t max)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(
		NULL, type == CKK_RSA ? "RSA" : "EC", NULL);
	EVP_PKEY *key = NULL;
	BIGNUM *n = NULL, *e = NULL;
	unsigned char *der = NULL;
	int len = -1;

	if (bld != NULL && ctx != NULL && key_params(bld, type, a, &n, &e) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1)
		len = i2d_PUBKEY(key, &der);
	if (len > 0 && (size_t)len <= max)
		memcpy(out, der, (size_t)len);
	else
		len = 0;
	OPENSSL_free(der);
	EVP_PKEY_free(key);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	return (size_t)len;
}

bool spki_from_public_object(struct p11 *p, const char *label,
			     CK_KEY_TYPE type)
{
	uint8_t first[1024], second[1024];
	CK_ATTRIBUTE a[2] = {
		{ type == CKK_RSA ? CKA_MODULUS : CKA_EC_PARAMS, first,
		  sizeof(first) },
		{ type == CKK_RSA ? CKA_PUBLIC_EXPONENT : CKA_EC_POINT, second,
		  sizeof(second) },
	};
	CK_OBJECT_HANDLE obj;

	if (!find_public(p, label, type, &obj) ||
	    p->fn->C_GetAttributeValue(p->session, obj, a, 2) != CKR_OK)
		return false;
	p->spki_len = spki_of(type, a, p->spki, sizeof(p->spki));
	return p->spki_len > 0;
}
