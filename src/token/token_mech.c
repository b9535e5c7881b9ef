/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include "token/token_internal.h"

#define EC_FLAGS (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)
#define RSA_SIGN (CKF_HW | CKF_SIGN | CKF_VERIFY)
#define RSA_CRYPT (CKF_HW | CKF_ENCRYPT | CKF_DECRYPT)
#define EC_SIGN (CKF_HW | CKF_SIGN | CKF_VERIFY | EC_FLAGS)

#define AES_CRYPT (CKF_HW | CKF_ENCRYPT | CKF_DECRYPT)
#define HMAC (CKF_HW | CKF_SIGN | CKF_VERIFY)

/* Which of the TPM's capabilities a mechanism's keys depend on. */
enum family { FAM_NONE, FAM_RSA, FAM_EC, FAM_SECRET };

/*
 * What this module does; key sizes in bits for RSA, EC and generic
 * secret generation, in bytes for AES and HMAC, as the standard says.
 */
static const struct {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_INFO info;
	enum family family;
} mechanisms[] = {
	/* Key generation, in the TPM. */
	{ CKM_RSA_PKCS_KEY_PAIR_GEN,
	  { 2048, 4096, CKF_HW | CKF_GENERATE_KEY_PAIR }, FAM_RSA },
	{ CKM_EC_KEY_PAIR_GEN,
	  { 256, 521, CKF_HW | CKF_GENERATE_KEY_PAIR | EC_FLAGS }, FAM_EC },
	/*
	 * RSA: the private operation in the TPM (signing, decryption),
	 * padding and public operations in the module.
	 */
	{ CKM_RSA_PKCS, { 2048, 4096, RSA_SIGN | RSA_CRYPT }, FAM_RSA },
	{ CKM_RSA_X_509, { 2048, 4096, RSA_SIGN | RSA_CRYPT }, FAM_RSA },
	{ CKM_RSA_PKCS_OAEP, { 2048, 4096, RSA_CRYPT }, FAM_RSA },
	{ CKM_RSA_PKCS_PSS, { 2048, 4096, RSA_SIGN }, FAM_RSA },
	{ CKM_SHA1_RSA_PKCS, { 2048, 4096, RSA_SIGN }, FAM_RSA },
	{ CKM_SHA224_RSA_PKCS, { 2048, 4096, RSA_SIGN }, FAM_RSA },
	{ CKM_SHA256_RSA_PKCS, { 2048, 4096, RSA_SIGN }, FAM_RSA },
	{ CKM_SHA384_RSA_PKCS, { 2048, 4096, RSA_SIGN }, FAM_RSA },
	{ CKM_SHA512_RSA_PKCS, { 2048, 4096, RSA_SIGN }, FAM_RSA },
	{ CKM_SHA1_RSA_PKCS_PSS, { 2048, 4096, RSA_SIGN }, FAM_RSA },
	{ CKM_SHA224_RSA_PKCS_PSS, { 2048, 4096, RSA_SIGN }, FAM_RSA },
	{ CKM_SHA256_RSA_PKCS_PSS, { 2048, 4096, RSA_SIGN }, FAM_RSA },
	{ CKM_SHA384_RSA_PKCS_PSS, { 2048, 4096, RSA_SIGN }, FAM_RSA },
	{ CKM_SHA512_RSA_PKCS_PSS, { 2048, 4096, RSA_SIGN }, FAM_RSA },
	{ CKM_ECDH1_DERIVE,
	  { 256, 521, CKF_HW | CKF_DERIVE | EC_FLAGS }, FAM_EC },
	{ CKM_ECDSA, { 256, 521, EC_SIGN }, FAM_EC },
	{ CKM_ECDSA_SHA1, { 256, 521, EC_SIGN }, FAM_EC },
	{ CKM_ECDSA_SHA224, { 256, 521, EC_SIGN }, FAM_EC },
	{ CKM_ECDSA_SHA256, { 256, 521, EC_SIGN }, FAM_EC },
	{ CKM_ECDSA_SHA384, { 256, 521, EC_SIGN }, FAM_EC },
	{ CKM_ECDSA_SHA512, { 256, 521, EC_SIGN }, FAM_EC },
	/* Secret keys in the TPM. */
	{ CKM_AES_KEY_GEN, { 16, 32, CKF_HW | CKF_GENERATE }, FAM_SECRET },
	{ CKM_AES_ECB, { 16, 32, AES_CRYPT }, FAM_SECRET },
	{ CKM_AES_CBC, { 16, 32, AES_CRYPT }, FAM_SECRET },
	{ CKM_AES_CBC_PAD, { 16, 32, AES_CRYPT }, FAM_SECRET },
	{ CKM_AES_CTR, { 16, 32, AES_CRYPT }, FAM_SECRET },
	{ CKM_AES_CFB128, { 16, 32, AES_CRYPT }, FAM_SECRET },
	{ CKM_GENERIC_SECRET_KEY_GEN, { 8, 8 * TPM_HMAC_KEY_MAX,
					CKF_HW | CKF_GENERATE }, FAM_SECRET },
	{ CKM_SHA_1_HMAC, { 1, TPM_HMAC_KEY_MAX, HMAC }, FAM_SECRET },
	{ CKM_SHA256_HMAC, { 1, TPM_HMAC_KEY_MAX, HMAC }, FAM_SECRET },
	{ CKM_SHA384_HMAC, { 1, TPM_HMAC_KEY_MAX, HMAC }, FAM_SECRET },
	{ CKM_SHA512_HMAC, { 1, TPM_HMAC_KEY_MAX, HMAC }, FAM_SECRET },
	/* Digests run in software: no key, no CKF_HW. */
	{ CKM_SHA_1, { 0, 0, CKF_DIGEST }, FAM_NONE },
	{ CKM_SHA224, { 0, 0, CKF_DIGEST }, FAM_NONE },
	{ CKM_SHA256, { 0, 0, CKF_DIGEST }, FAM_NONE },
	{ CKM_SHA384, { 0, 0, CKF_DIGEST }, FAM_NONE },
	{ CKM_SHA512, { 0, 0, CKF_DIGEST }, FAM_NONE },
};

#define MECHANISM_COUNT (sizeof(mechanisms) / sizeof(mechanisms[0]))

static const unsigned int rsa_bits[3] = { 2048, 3072, 4096 };
static const unsigned int curve_bits[4] = { 0, 256, 384, 521 };

/*
 * A mechanism's key sizes as this TPM can make them: RSA from 2048 to the
 * largest size it has, EC from its smallest curve to its largest.  False
 * when it has none, and the mechanism is then not offered.
 */
static bool fit_to_tpm(const struct tpm_caps *caps, enum family family,
		       CK_MECHANISM_INFO *info)
{
	bool rsa = family == FAM_RSA;
	CK_ULONG min = 0, max = 0;

	/*
	 * No key (a digest), or secret keys: every TPM 2.0 has AES-128 and
	 * -256 and HMAC; a size it lacks (AES-192) is refused when a key of
	 * that size is made.
	 */
	if (family == FAM_NONE || family == FAM_SECRET)
		return true;
	for (int i = 0; i < 3; i++) {
		unsigned int bits = rsa ? rsa_bits[i] : curve_bits[i + 1];

		if (!(rsa ? caps->rsa[i] : caps->curve[i + 1]))
			continue;
		if (min == 0)
			min = bits;
		max = bits;
	}
	info->ulMinKeySize = min;
	info->ulMaxKeySize = max;
	return max != 0;
}

/*
 * The TPM's capabilities, asked once per connection; without a TPM the
 * table is reported as it stands (a TPM that appears later may narrow it).
 */
static bool tpm_caps_locked(struct tc_module *mod, struct tpm_caps *caps)
{
	struct tpm *tpm;
	bool known = token_tpm_locked(mod, &tpm) == CKR_OK &&
		     tpm_caps(tpm, caps) == TPM_OK;

	token_release_tpm_if_idle_locked(mod);
	return known;
}

/* Fills info when the mechanism is offered here. */
static bool offered(size_t i, const struct tpm_caps *caps, bool known,
		    CK_MECHANISM_INFO *info)
{
	*info = mechanisms[i].info;
	return !known || fit_to_tpm(caps, mechanisms[i].family, info);
}

CK_RV token_mechanism_list(struct tc_module *mod, CK_MECHANISM_TYPE *list,
			   CK_ULONG *count)
{
	CK_MECHANISM_INFO info;
	struct tpm_caps caps;
	CK_ULONG cap = *count, n = 0;
	bool known;

	tc_mutex_lock(&mod->lock);
	known = tpm_caps_locked(mod, &caps);
	tc_mutex_unlock(&mod->lock);
	for (size_t i = 0; i < MECHANISM_COUNT; i++) {
		if (!offered(i, &caps, known, &info))
			continue;
		if (list != NULL && n < cap)
			list[n] = mechanisms[i].type;
		n++;
	}
	*count = n;
	return list != NULL && cap < n ? CKR_BUFFER_TOO_SMALL : CKR_OK;
}

CK_RV token_mechanism_info(struct tc_module *mod, CK_MECHANISM_TYPE type,
			   CK_MECHANISM_INFO *info)
{
	struct tpm_caps caps;
	bool known;

	tc_mutex_lock(&mod->lock);
	known = tpm_caps_locked(mod, &caps);
	tc_mutex_unlock(&mod->lock);
	for (size_t i = 0; i < MECHANISM_COUNT; i++)
		if (mechanisms[i].type == type)
			return offered(i, &caps, known, info) ?
				       CKR_OK :
				       CKR_MECHANISM_INVALID;
	return CKR_MECHANISM_INVALID;
}
