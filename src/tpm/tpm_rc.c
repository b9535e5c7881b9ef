/* SPDX-License-Identifier: BSD-3-Clause */
#include "tpm/tpm.h"

#include <tss2/tss2_rc.h>

#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

static const char *const rc_texts[] = {
	[TPM_OK] = "success",
	[TPM_E_NO_DEVICE] = "no TPM could be reached",
	[TPM_E_IO] = "the connection to the TPM failed",
	[TPM_E_AUTH_FAIL] = "wrong authorization value",
	[TPM_E_LOCKOUT] = "the TPM is in dictionary-attack lockout",
	[TPM_E_BAD_BLOB] = "the key blob is damaged or belongs to another "
			   "TPM or SRK",
	[TPM_E_UNSUPPORTED] = "the TPM does not support this algorithm or "
			      "size",
	[TPM_E_BAD_INPUT] = "the TPM refused a size or value",
	[TPM_E_NO_SLOTS] = "the TPM is out of object or session memory",
	[TPM_E_OWNER_AUTH] = "the owner hierarchy has a password; persist "
			     "an SRK at 0x81000001 first",
	[TPM_E_RETRY] = "the TPM stayed busy",
	[TPM_E_NO_MEMORY] = "out of memory",
	[TPM_E_FAILURE] = "the TPM failed",
	[TPM_E_PIN_LOCKED] = "the PIN's retry counter in the TPM is at its "
			     "limit",
	[TPM_E_NV_UNAVAILABLE] = "the TPM has no NV index to give for a PIN "
				 "counter",
};

const char *tpm_rc_text(enum tpm_rc rc)
{
	if ((size_t)rc < sizeof(rc_texts) / sizeof(rc_texts[0]))
		return rc_texts[rc];
	return "unknown TPM error";
}

/* A response code of the TPM itself (possibly relayed by an RM). */
static enum tpm_rc map_tpm_code(uint32_t code)
{
	if (code & TPM2_RC_FMT1) {
		switch ((code & 0x3f) | TPM2_RC_FMT1) {
		case TPM2_RC_AUTH_FAIL:
		case TPM2_RC_BAD_AUTH:
			return TPM_E_AUTH_FAIL;
		case TPM2_RC_INTEGRITY:
			return TPM_E_BAD_BLOB;
		case TPM2_RC_ASYMMETRIC:
		case TPM2_RC_HASH:
		case TPM2_RC_KEY_SIZE:
		case TPM2_RC_MGF:
		case TPM2_RC_MODE:
		case TPM2_RC_KDF:
		case TPM2_RC_SCHEME:
		case TPM2_RC_SYMMETRIC:
		case TPM2_RC_CURVE:
			return TPM_E_UNSUPPORTED;
		default:
			return TPM_E_BAD_INPUT;
		}
	}
	switch (code & 0xfff) {
	case TPM2_RC_LOCKOUT:
		return TPM_E_LOCKOUT;
	case TPM2_RC_OBJECT_MEMORY:
	case TPM2_RC_SESSION_MEMORY:
	case TPM2_RC_MEMORY:
	case TPM2_RC_SESSION_HANDLES:
	case TPM2_RC_OBJECT_HANDLES:
		return TPM_E_NO_SLOTS;
	case TPM2_RC_RETRY:
	case TPM2_RC_YIELDED:
	case TPM2_RC_TESTING:
	case TPM2_RC_NV_RATE:
		return TPM_E_RETRY;
	default:
		return TPM_E_FAILURE;
	}
}

/* An error of the software stack (TCTI, ESAPI, resource manager). */
static enum tpm_rc map_stack_code(TSS2_RC rc)
{
	switch (rc & 0xffff) {
	case TSS2_BASE_RC_NO_CONNECTION:
		return TPM_E_NO_DEVICE;
	case TSS2_BASE_RC_MEMORY:
		return TPM_E_NO_MEMORY;
	case TSS2_BASE_RC_BAD_VALUE:
	case TSS2_BASE_RC_BAD_SIZE:
	case TSS2_BASE_RC_INSUFFICIENT_BUFFER:
		return TPM_E_BAD_INPUT;
	case TSS2_BASE_RC_TRY_AGAIN:
		return TPM_E_RETRY;
	case TSS2_BASE_RC_IO_ERROR:
	case TSS2_BASE_RC_MALFORMED_RESPONSE:
	case TSS2_BASE_RC_INSUFFICIENT_RESPONSE:
	case TSS2_BASE_RC_GENERAL_FAILURE:
		return TPM_E_IO;
	default:
		return TPM_E_FAILURE;
	}
}

enum tpm_rc tpm_map(TSS2_RC rc, const char *what)
{
	TSS2_RC layer = rc & TSS2_RC_LAYER_MASK;
	enum tpm_rc mapped;

	if (rc == TSS2_RC_SUCCESS)
		return TPM_OK;
	if (layer == TSS2_TPM_RC_LAYER || layer == TSS2_RESMGR_TPM_RC_LAYER)
		mapped = map_tpm_code(rc & 0xffff);
	else
		mapped = map_stack_code(rc);
	/* A wrong PIN is the caller's to report, at the level it wants. */
	if (mapped == TPM_E_AUTH_FAIL || mapped == TPM_E_LOCKOUT)
		log_info("%s: %s (0x%x)", what, Tss2_RC_Decode(rc), rc);
	else
		log_err("%s: %s (0x%x)", what, Tss2_RC_Decode(rc), rc);
	return mapped;
}
