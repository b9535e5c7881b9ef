/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Attribute templates from fuzzer bytes (the encoding is in
 * fuzz_tmpl.h), with the tables of attribute types, CK_ULONG values and
 * ready-made values the encoding indexes.  The corpus generator
 * (gen_corpus.py) uses the same indexes: append to the tables, never
 * reorder them.
 */
#include "fuzz_tmpl.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_vectors.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Every attribute token_template.c has a rule for, then some it lacks. */
const CK_ATTRIBUTE_TYPE fuzz_attr_types[] = {
	/* 0 */ CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE,
	/* 4 */ CKA_COPYABLE, CKA_DESTROYABLE, CKA_LABEL, CKA_APPLICATION,
	/* 8 */ CKA_OBJECT_ID, CKA_VALUE, CKA_CERTIFICATE_TYPE, CKA_TRUSTED,
	/* 12 */ CKA_CERTIFICATE_CATEGORY, CKA_CHECK_VALUE, CKA_START_DATE,
	/* 15 */ CKA_END_DATE, CKA_SUBJECT, CKA_ID, CKA_ISSUER,
	/* 19 */ CKA_SERIAL_NUMBER, CKA_URL, CKA_HASH_OF_SUBJECT_PUBLIC_KEY,
	/* 22 */ CKA_HASH_OF_ISSUER_PUBLIC_KEY, CKA_JAVA_MIDP_SECURITY_DOMAIN,
	/* 24 */ CKA_KEY_TYPE, CKA_DERIVE, CKA_LOCAL, CKA_KEY_GEN_MECHANISM,
	/* 28 */ CKA_ALLOWED_MECHANISMS, CKA_ENCRYPT, CKA_VERIFY,
	/* 31 */ CKA_VERIFY_RECOVER, CKA_WRAP, CKA_PUBLIC_KEY_INFO,
	/* 34 */ CKA_MODULUS, CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT,
	/* 37 */ CKA_EC_PARAMS, CKA_EC_POINT, CKA_SENSITIVE, CKA_DECRYPT,
	/* 41 */ CKA_SIGN, CKA_SIGN_RECOVER, CKA_UNWRAP, CKA_EXTRACTABLE,
	/* 45 */ CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE,
	/* 47 */ CKA_WRAP_WITH_TRUSTED, CKA_ALWAYS_AUTHENTICATE,
	/* 49 */ CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
	/* 52 */ CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT,
	/* 55 */ CKA_VALUE_LEN,
	/* Not in the module's rules. */
	/* 56 */ CKA_VALUE_BITS, CKA_PRIME, CKA_SUBPRIME, CKA_BASE,
	/* 60 */ CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE, CKA_DERIVE_TEMPLATE,
	/* 63 */ CKA_HW_FEATURE_TYPE, CKA_NAME_HASH_ALGORITHM, CKA_OWNER,
	/* 66 */ CKA_ATTR_TYPES, CKA_MECHANISM_TYPE, CKA_OTP_FORMAT,
	/* 69 */ CKA_GOSTR3410_PARAMS, CKA_SECONDARY_AUTH,
	/* 71 */ 0x00000004UL /* CKA_UNIQUE_ID */,
	/* 72 */ 0x00000601UL /* CKA_PROFILE_ID */,
};

const size_t fuzz_attr_type_count = COUNT(fuzz_attr_types);

_Static_assert(COUNT(fuzz_attr_types) <= FUZZ_ATTR_TYPES_MAX,
	       "fuzz_attr_types outgrew FUZZ_ATTR_TYPES_MAX");

static const CK_ULONG ulong_consts[] = {
	/* 0: classes */
	CKO_DATA, CKO_CERTIFICATE, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY,
	CKO_SECRET_KEY, CKO_HW_FEATURE, CKO_DOMAIN_PARAMETERS, CKO_MECHANISM,
	CKO_OTP_KEY, CKO_VENDOR_DEFINED,
	/* 10: key and certificate types */
	CKK_RSA, CKK_DSA, CKK_DH, CKK_EC, CKK_GENERIC_SECRET, CKK_AES,
	CKK_DES3, CKK_EC_EDWARDS, CKC_X_509, CKC_X_509_ATTR_CERT, CKC_WTLS,
	/* 21: sizes */
	1, 8, 15, 16, 17, 24, 31, 32, 33, 48, 64, 65, 128, 256, 512, 1024,
	2047, 2048, 3072, 4096, 8192, 0x7fffffffUL, 0xffffffffUL,
	0x7fffffffffffffffUL, CK_UNAVAILABLE_INFORMATION,
	/* 46: mechanisms */
	CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_RSA_PKCS, CKM_RSA_X_509,
	CKM_RSA_PKCS_OAEP, CKM_RSA_PKCS_PSS, CKM_SHA1_RSA_PKCS,
	CKM_SHA256_RSA_PKCS, CKM_SHA256_RSA_PKCS_PSS, CKM_EC_KEY_PAIR_GEN,
	CKM_ECDSA, CKM_ECDSA_SHA256, CKM_ECDH1_DERIVE, CKM_AES_KEY_GEN,
	CKM_AES_ECB, CKM_AES_CBC, CKM_AES_CBC_PAD, CKM_AES_CTR, CKM_AES_GCM,
	CKM_AES_CFB128, CKM_GENERIC_SECRET_KEY_GEN, CKM_SHA_1_HMAC,
	CKM_SHA256_HMAC, CKM_SHA384_HMAC, CKM_SHA512_HMAC, CKM_SHA_1,
	CKM_SHA224, CKM_SHA256, CKM_SHA384, CKM_SHA512, CKM_VENDOR_DEFINED,
	/* 76: MGFs, KDFs, OAEP source */
	CKG_MGF1_SHA1, CKG_MGF1_SHA224, CKG_MGF1_SHA256, CKG_MGF1_SHA384,
	CKG_MGF1_SHA512, CKD_NULL, CKD_SHA1_KDF, CKD_SHA224_KDF,
	CKD_SHA256_KDF, CKD_SHA384_KDF, CKD_SHA512_KDF, CKZ_DATA_SPECIFIED,
	/* 88 */ 0,
};

CK_ULONG fuzz_ulong_const(uint8_t index)
{
	return ulong_consts[index % COUNT(ulong_consts)];
}

#define CANNED(v) { v, sizeof(v) }

static const struct {
	const uint8_t *value;
	CK_ULONG len;
} canned[] = {
	/* 0 */ CANNED(vec_rsa_modulus), CANNED(vec_rsa_exponent),
	/* 2 */ CANNED(vec_rsa_private_exponent), CANNED(vec_rsa_prime1),
	/* 4 */ CANNED(vec_rsa_prime2), CANNED(vec_rsa_exponent1),
	/* 6 */ CANNED(vec_rsa_exponent2), CANNED(vec_rsa_coefficient),
	/* 8 */ CANNED(vec_rsa_spki), CANNED(vec_p256_oid),
	/* 10 */ CANNED(vec_p384_oid), CANNED(vec_p521_oid),
	/* 12 */ CANNED(vec_k256_oid), CANNED(vec_p256_name),
	/* 14 */ CANNED(vec_p256_point_der), CANNED(vec_p256_point),
	/* 16 */ CANNED(vec_p256_scalar), CANNED(vec_p384_point_der),
	/* 18 */ CANNED(vec_p384_scalar), CANNED(vec_cert),
	/* 20 */ CANNED(vec_aes128), CANNED(vec_aes256),
	/* 22 */ CANNED(vec_date),
};

void fuzz_canned_value(uint8_t index, const void **value, CK_ULONG *len)
{
	*value = canned[index % COUNT(canned)].value;
	*len = canned[index % COUNT(canned)].len;
}

static CK_ATTRIBUTE_TYPE decode_type(struct fuzz_in *in)
{
	uint8_t t = fuzz_u8(in);

	if (t == 0xff)
		return (CK_ATTRIBUTE_TYPE)fuzz_uint(in, 4);
	if (t >= 0xf0)
		return CKA_VENDOR_DEFINED + (t - 0xf0);
	return fuzz_attr_types[t % fuzz_attr_type_count];
}

/* A buffer of exactly len bytes holding a copy of data. */
static void set_copy(CK_ATTRIBUTE *a, const void *data, size_t len)
{
	/* malloc(0) is a real pointer with no usable byte. */
	a->pValue = malloc(len);
	if (a->pValue == NULL && len > 0)
		abort();
	if (len > 0)
		memcpy(a->pValue, data, len);
	a->ulValueLen = len;
}

static void set_ulong(CK_ATTRIBUTE *a, CK_ULONG v)
{
	set_copy(a, &v, sizeof(v));
}

static void set_bytes(CK_ATTRIBUTE *a, struct fuzz_in *in, size_t want)
{
	const uint8_t *p;
	size_t n = fuzz_take(in, want, &p);

	set_copy(a, p, n);
}

static void set_mechanisms(CK_ATTRIBUTE *a, struct fuzz_in *in)
{
	CK_MECHANISM_TYPE m[16];
	size_t n = fuzz_u8(in) % 17;

	for (size_t i = 0; i < n; i++)
		m[i] = fuzz_ulong_const(fuzz_u8(in));
	set_copy(a, m, n * sizeof(*m));
}

void fuzz_attr_value_decode(struct fuzz_in *in, CK_ATTRIBUTE *a)
{
	const void *value;
	CK_ULONG len;
	uint8_t b;

	switch (fuzz_u8(in) & 0x0f) {
	case 0:
		b = fuzz_u8(in);
		set_copy(a, &b, 1);
		break;
	case 1:
		set_ulong(a, fuzz_u8(in));
		break;
	case 2:
		set_ulong(a, (CK_ULONG)fuzz_uint(in, 8));
		break;
	case 3:
		set_ulong(a, fuzz_ulong_const(fuzz_u8(in)));
		break;
	case 5:
		set_bytes(a, in, (size_t)fuzz_uint(in, 2));
		break;
	case 6:
		a->pValue = NULL;
		a->ulValueLen = fuzz_u8(in);
		if (a->ulValueLen == 0xff)
			a->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		break;
	case 7:
		fuzz_canned_value(fuzz_u8(in), &value, &len);
		set_copy(a, value, len);
		break;
	case 8:
		set_bytes(a, in, 8);
		break;
	case 9:
		set_mechanisms(a, in);
		break;
	case 10:
		set_copy(a, "", 0);
		break;
	default:
		set_bytes(a, in, fuzz_u8(in));
		break;
	}
}

void fuzz_tmpl_decode(struct fuzz_in *in, size_t count, struct fuzz_tmpl *t)
{
	memset(t, 0, sizeof(*t));
	while (t->count < count && t->count < FUZZ_TMPL_MAX && in->left > 0) {
		CK_ATTRIBUTE *a = &t->a[t->count++];

		a->type = decode_type(in);
		fuzz_attr_value_decode(in, a);
	}
}

void fuzz_tmpl_free(struct fuzz_tmpl *t)
{
	for (CK_ULONG i = 0; i < t->count; i++)
		free(t->a[i].pValue);
	memset(t, 0, sizeof(*t));
}

CK_ATTRIBUTE *fuzz_tmpl_find(struct fuzz_tmpl *t, CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; i < t->count; i++)
		if (t->a[i].type == type)
			return &t->a[i];
	return NULL;
}
