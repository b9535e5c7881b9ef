/* SPDX-License-Identifier: BSD-3-Clause */
#include "tpm/tpm.h"

#include <string.h>

#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

/* The variable properties TPM_PT_PERMANENT .. TPM_PT_LOCKOUT_RECOVERY. */
#define DA_FIRST TPM2_PT_PERMANENT
#define DA_COUNT (TPM2_PT_LOCKOUT_RECOVERY - TPM2_PT_PERMANENT + 1)

static void read_property(const TPMS_TAGGED_PROPERTY *p,
			  struct tpm_da_info *info)
{
	switch (p->property) {
	case TPM2_PT_PERMANENT:
		info->in_lockout = (p->value & TPMA_PERMANENT_INLOCKOUT) != 0;
		break;
	case TPM2_PT_LOCKOUT_COUNTER:
		info->failures = p->value;
		break;
	case TPM2_PT_MAX_AUTH_FAIL:
		info->max_failures = p->value;
		break;
	case TPM2_PT_LOCKOUT_INTERVAL:
		info->recovery_s = p->value;
		break;
	default:
		break;
	}
}

enum tpm_rc tpm_da_info(struct tpm *tpm, struct tpm_da_info *info)
{
	TPMS_CAPABILITY_DATA data = { 0 };
	enum tpm_rc rc;

	memset(info, 0, sizeof(*info));
	tpm_lock(tpm);
	rc = tpm_capability_locked(tpm, TPM2_CAP_TPM_PROPERTIES, DA_FIRST,
				   DA_COUNT, &data);
	tpm_unlock(tpm);
	if (rc == TPM_OK) {
		const TPML_TAGGED_TPM_PROPERTY *props =
			&data.data.tpmProperties;

		for (UINT32 i = 0; i < props->count; i++)
			read_property(&props->tpmProperty[i], info);
	}
	return rc;
}
