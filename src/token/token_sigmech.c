/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token_sigmech.h"

#include <string.h>

#include "common/rsa_pad.h"

/* DER DigestInfo prefixes (RFC 8017, 9.2 note 1). */
static const uint8_t di_sha1[] = { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b,
				   0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
				   0x14 };
static const uint8_t di_sha224[] = { 0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60,
				     0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
				     0x04, 0x05, 0x00, 0x04, 0x1c };
static const uint8_t di_sha256[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
				     0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
				     0x01, 0x05, 0x00, 0x04, 0x20 };
static const uint8_t di_sha384[] = { 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60,
				     0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
				     0x02, 0x05, 0x00, 0x04, 0x30 };
static const uint8_t di_sha512[] = { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60,
				     0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
				     0x03, 0x05, 0x00, 0x04, 0x40 };

#define PKCS1(m, h, di) { m, CKK_RSA, TC_SIG_PKCS1, true, h, di, sizeof(di) }
#define PSS(m, h) { m, CKK_RSA, TC_SIG_PSS, true, h, NULL, 0 }
#define ECDSA(m, h) { m, CKK_EC, TC_SIG_ECDSA, true, h, NULL, 0 }

static const struct tc_sig_mech mechs[] = {
	{ CKM_RSA_PKCS, CKK_RSA, TC_SIG_PKCS1, false, 0, NULL, 0 },
	{ CKM_RSA_X_509, CKK_RSA, TC_SIG_X509, false, 0, NULL, 0 },
	{ CKM_RSA_PKCS_PSS, CKK_RSA, TC_SIG_PSS, false, 0, NULL, 0 },
	PKCS1(CKM_SHA1_RSA_PKCS, CRYPTO_SHA1, di_sha1),
	PKCS1(CKM_SHA224_RSA_PKCS, CRYPTO_SHA224, di_sha224),
	PKCS1(CKM_SHA256_RSA_PKCS, CRYPTO_SHA256, di_sha256),
	PKCS1(CKM_SHA384_RSA_PKCS, CRYPTO_SHA384, di_sha384),
	PKCS1(CKM_SHA512_RSA_PKCS, CRYPTO_SHA512, di_sha512),
	PSS(CKM_SHA1_RSA_PKCS_PSS, CRYPTO_SHA1),
	PSS(CKM_SHA224_RSA_PKCS_PSS, CRYPTO_SHA224),
	PSS(CKM_SHA256_RSA_PKCS_PSS, CRYPTO_SHA256),
	PSS(CKM_SHA384_RSA_PKCS_PSS, CRYPTO_SHA384),
	PSS(CKM_SHA512_RSA_PKCS_PSS, CRYPTO_SHA512),
	{ CKM_ECDSA, CKK_EC, TC_SIG_ECDSA, false, 0, NULL, 0 },
	ECDSA(CKM_ECDSA_SHA1, CRYPTO_SHA1),
	ECDSA(CKM_ECDSA_SHA224, CRYPTO_SHA224),
	ECDSA(CKM_ECDSA_SHA256, CRYPTO_SHA256),
	ECDSA(CKM_ECDSA_SHA384, CRYPTO_SHA384),
	ECDSA(CKM_ECDSA_SHA512, CRYPTO_SHA512),
};

const struct tc_sig_mech *token_sig_mech(CK_MECHANISM_TYPE type)
{
	for (size_t i = 0; i < sizeof(mechs) / sizeof(*mechs); i++)
		if (mechs[i].type == type)
			return &mechs[i];
	return NULL;
}

bool token_digest_of(CK_MECHANISM_TYPE type, enum crypto_digest *digest)
{
	switch (type) {
	case CKM_SHA_1:
		*digest = CRYPTO_SHA1;
		return true;
	case CKM_SHA224:
		*digest = CRYPTO_SHA224;
		return true;
	case CKM_SHA256:
		*digest = CRYPTO_SHA256;
		return true;
	case CKM_SHA384:
		*digest = CRYPTO_SHA384;
		return true;
	case CKM_SHA512:
		*digest = CRYPTO_SHA512;
		return true;
	default:
		return false;
	}
}

bool token_mgf_of(CK_RSA_PKCS_MGF_TYPE mgf, enum crypto_digest *digest)
{
	switch (mgf) {
	case CKG_MGF1_SHA1:
		*digest = CRYPTO_SHA1;
		return true;
	case CKG_MGF1_SHA224:
		*digest = CRYPTO_SHA224;
		return true;
	case CKG_MGF1_SHA256:
		*digest = CRYPTO_SHA256;
		return true;
	case CKG_MGF1_SHA384:
		*digest = CRYPTO_SHA384;
		return true;
	case CKG_MGF1_SHA512:
		*digest = CRYPTO_SHA512;
		return true;
	default:
		return false;
	}
}

static CK_RV pss_params(const struct tc_sig_mech *m,
			const CK_MECHANISM *mechanism, size_t mod_bits,
			struct tc_sig_params *out)
{
	const CK_RSA_PKCS_PSS_PARAMS *p = mechanism->pParameter;

	if (p == NULL || mechanism->ulParameterLen != sizeof(*p) ||
	    !token_digest_of(p->hashAlg, &out->hash) ||
	    !token_mgf_of(p->mgf, &out->mgf))
		return CKR_MECHANISM_PARAM_INVALID;
	/* A hash-and-sign mechanism hashes with the hash it names. */
	if (m->hashed && out->hash != m->hash)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->sLen > rsa_pss_max_salt(out->hash, mod_bits))
		return CKR_MECHANISM_PARAM_INVALID;
	out->salt_len = p->sLen;
	return CKR_OK;
}

CK_RV token_sig_params(const struct tc_sig_mech *m,
		       const CK_MECHANISM *mechanism, size_t mod_bits,
		       struct tc_sig_params *params)
{
	memset(params, 0, sizeof(*params));
	if (m->scheme == TC_SIG_PSS)
		return pss_params(m, mechanism, mod_bits, params);
	if (mechanism->pParameter != NULL || mechanism->ulParameterLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

void token_sig_pkey_params(const struct tc_sig_mech *m,
			   const struct tc_sig_params *params,
			   struct pkey_params *out)
{
	memset(out, 0, sizeof(*out));
	switch (m->scheme) {
	case TC_SIG_PKCS1:
		out->padding = PKEY_PAD_PKCS1;
		out->has_hash = m->hashed;
		out->hash = m->hash;
		out->prefix = m->prefix;
		out->prefix_len = m->prefix_len;
		break;
	case TC_SIG_X509:
		out->padding = PKEY_PAD_NONE;
		break;
	case TC_SIG_PSS:
		out->padding = PKEY_PAD_PSS;
		out->has_hash = true;
		out->hash = params->hash;
		out->mgf = params->mgf;
		out->salt_len = params->salt_len;
		break;
	default:
		out->padding = PKEY_PAD_ECDSA;
		break;
	}
}
