/* SPDX-License-Identifier: BSD-3-Clause */
#include "tpm/tpm.h"

#include <string.h>

#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

/*
 * Capabilities: which key sizes and curves the TPM can make, and who made
 * it.  Asked at most once per connection, only when a caller wants them
 * (listing mechanisms), never on the signing path.
 */

static const unsigned int rsa_sizes[] = { 2048, 3072, 4096 };

/* TPM2_TestParms for one RSA size: a format-one error means "no". */
static bool rsa_supported_locked(struct tpm *tpm, unsigned int bits)
{
	TPMT_PUBLIC_PARMS parms = { .type = TPM2_ALG_RSA };
	TSS2_RC rc;

	parms.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
	parms.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	parms.parameters.rsaDetail.keyBits = (UINT16)bits;
	rc = tpm_test_parms_locked(tpm, &parms);
	return rc == TSS2_RC_SUCCESS;
}

static void read_curves(const TPML_ECC_CURVE *list, struct tpm_caps *caps)
{
	for (UINT32 i = 0; i < list->count; i++) {
		for (int c = TPM_CURVE_P256; c <= TPM_CURVE_P521; c++)
			if (list->eccCurves[i] == tpm_curve_id(c))
				caps->curve[c] = true;
	}
}

static enum tpm_rc curves_locked(struct tpm *tpm, struct tpm_caps *caps)
{
	TPMS_CAPABILITY_DATA data = { 0 };
	enum tpm_rc rc;

	rc = tpm_capability_locked(tpm, TPM2_CAP_ECC_CURVES, TPM2_ECC_NONE, 64,
				   &data);
	if (rc == TPM_OK)
		read_curves(&data.data.eccCurves, caps);
	return rc;
}

static void read_fixed(const TPMS_TAGGED_PROPERTY *p, struct tpm_caps *caps)
{
	switch (p->property) {
	case TPM2_PT_MANUFACTURER:
		for (int i = 0; i < 4; i++) {
			char c = (char)(p->value >> (24 - 8 * i));

			caps->manufacturer[i] = c >= 0x20 && c < 0x7f ? c : ' ';
		}
		caps->manufacturer[4] = '\0';
		break;
	case TPM2_PT_FIRMWARE_VERSION_1:
		caps->firmware1 = p->value;
		break;
	case TPM2_PT_REVISION:
		caps->revision = p->value;
		break;
	default:
		break;
	}
}

static enum tpm_rc fixed_locked(struct tpm *tpm, struct tpm_caps *caps)
{
	TPMS_CAPABILITY_DATA data = { 0 };
	enum tpm_rc rc;

	rc = tpm_capability_locked(tpm, TPM2_CAP_TPM_PROPERTIES, TPM2_PT_FIXED,
				   TPM2_PT_FIRMWARE_VERSION_1 -
					   TPM2_PT_FIXED + 1,
				   &data);
	if (rc == TPM_OK)
		for (UINT32 i = 0; i < data.data.tpmProperties.count; i++)
			read_fixed(&data.data.tpmProperties.tpmProperty[i],
				   caps);
	return rc;
}

enum tpm_rc tpm_caps(struct tpm *tpm, struct tpm_caps *caps)
{
	struct tpm_caps found;
	enum tpm_rc rc = TPM_OK;

	tpm_lock(tpm);
	if (!tpm->caps_known) {
		memset(&found, 0, sizeof(found));
		for (size_t i = 0; i < 3; i++)
			found.rsa[i] = rsa_supported_locked(tpm, rsa_sizes[i]);
		rc = curves_locked(tpm, &found);
		if (rc == TPM_OK)
			rc = fixed_locked(tpm, &found);
		if (rc == TPM_OK) {
			tpm->caps = found;
			tpm->caps_known = true;
		}
	}
	if (rc == TPM_OK)
		*caps = tpm->caps;
	tpm_unlock(tpm);
	return rc;
}
