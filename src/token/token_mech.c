/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include "token/token_internal.h"

#define EC_FLAGS (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)
#define RSA_SIGN (CKF_HW | CKF_SIGN | CKF_VERIFY)
#define RSA_CRYPT (CKF_HW | CKF_ENCRYPT | CKF_DECRYPT)
#define EC_SIGN (CKF_HW | CKF_SIGN | CKF_VERIFY | EC_FLAGS)

/* What this module does today; key sizes in bits. */
static const struct {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_INFO info;
} mechanisms[] = {
	/* Key generation, in the TPM. */
	{ CKM_RSA_PKCS_KEY_PAIR_GEN,
	  { 2048, 4096, CKF_HW | CKF_GENERATE_KEY_PAIR } },
	{ CKM_EC_KEY_PAIR_GEN,
	  { 256, 521, CKF_HW | CKF_GENERATE_KEY_PAIR | EC_FLAGS } },
	/*
	 * RSA: the private operation in the TPM (signing, decryption),
	 * padding and public operations in the module.
	 */
	{ CKM_RSA_PKCS, { 2048, 4096, RSA_SIGN | RSA_CRYPT } },
	{ CKM_RSA_X_509, { 2048, 4096, RSA_SIGN | RSA_CRYPT } },
	{ CKM_RSA_PKCS_OAEP, { 2048, 4096, RSA_CRYPT } },
	{ CKM_RSA_PKCS_PSS, { 2048, 4096, RSA_SIGN } },
	{ CKM_SHA1_RSA_PKCS, { 2048, 4096, RSA_SIGN } },
	{ CKM_SHA224_RSA_PKCS, { 2048, 4096, RSA_SIGN } },
	{ CKM_SHA256_RSA_PKCS, { 2048, 4096, RSA_SIGN } },
	{ CKM_SHA384_RSA_PKCS, { 2048, 4096, RSA_SIGN } },
	{ CKM_SHA512_RSA_PKCS, { 2048, 4096, RSA_SIGN } },
	{ CKM_SHA1_RSA_PKCS_PSS, { 2048, 4096, RSA_SIGN } },
	{ CKM_SHA224_RSA_PKCS_PSS, { 2048, 4096, RSA_SIGN } },
	{ CKM_SHA256_RSA_PKCS_PSS, { 2048, 4096, RSA_SIGN } },
	{ CKM_SHA384_RSA_PKCS_PSS, { 2048, 4096, RSA_SIGN } },
	{ CKM_SHA512_RSA_PKCS_PSS, { 2048, 4096, RSA_SIGN } },
	{ CKM_ECDSA, { 256, 521, EC_SIGN } },
	{ CKM_ECDSA_SHA1, { 256, 521, EC_SIGN } },
	{ CKM_ECDSA_SHA224, { 256, 521, EC_SIGN } },
	{ CKM_ECDSA_SHA256, { 256, 521, EC_SIGN } },
	{ CKM_ECDSA_SHA384, { 256, 521, EC_SIGN } },
	{ CKM_ECDSA_SHA512, { 256, 521, EC_SIGN } },
	/* Digests run in software: no key, no CKF_HW. */
	{ CKM_SHA_1, { 0, 0, CKF_DIGEST } },
	{ CKM_SHA224, { 0, 0, CKF_DIGEST } },
	{ CKM_SHA256, { 0, 0, CKF_DIGEST } },
	{ CKM_SHA384, { 0, 0, CKF_DIGEST } },
	{ CKM_SHA512, { 0, 0, CKF_DIGEST } },
};

#define MECHANISM_COUNT (sizeof(mechanisms) / sizeof(mechanisms[0]))

CK_RV token_mechanism_list(CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
	CK_ULONG cap = *count;

	*count = MECHANISM_COUNT;
	if (list == NULL)
		return CKR_OK;
	if (cap < MECHANISM_COUNT)
		return CKR_BUFFER_TOO_SMALL;
	for (size_t i = 0; i < MECHANISM_COUNT; i++)
		list[i] = mechanisms[i].type;
	return CKR_OK;
}

CK_RV token_mechanism_info(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	for (size_t i = 0; i < MECHANISM_COUNT; i++) {
		if (mechanisms[i].type == type) {
			*info = mechanisms[i].info;
			return CKR_OK;
		}
	}
	return CKR_MECHANISM_INVALID;
}
