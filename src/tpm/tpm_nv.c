/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NV indices of tpmcard's own (the PIN counters, tpm_pin_nv.c): defined,
 * written, locked and undefined by the owner hierarchy with its empty
 * auth, always through the module's salted session, so that an auth value
 * or data going in travels encrypted.
 */
#include "tpm/tpm_nv.h"

#include <string.h>

#include <tss2/tss2_mu.h>

#include "common/session_crypto.h"
#include "tpm/tpm_internal.h"
#include "tpm/tpm_policy.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

#define DEFINE_TRIES 8 /* random handles tried before giving up */

bool tpm_nv_named(struct tpm_nv *nv)
{
	uint8_t buf[sizeof(TPMS_NV_PUBLIC)];
	size_t len = 0;
	struct crypto_part part = { buf, 0 };

	if (Tss2_MU_TPMS_NV_PUBLIC_Marshal(&nv->pub, buf, sizeof(buf), &len) !=
	    TSS2_RC_SUCCESS)
		return false;
	part.len = len;
	nv->name.name[0] = (uint8_t)(TPM2_ALG_SHA256 >> 8);
	nv->name.name[1] = (uint8_t)(TPM2_ALG_SHA256 & 0xff);
	nv->name.size = 2 + SC_SHA256_BYTES;
	return sc_sha256(&part, 1, nv->name.name + 2);
}

bool tpm_nv_marshal(const struct tpm_nv *nv, uint8_t *buf, size_t size,
		    size_t *off)
{
	return Tss2_MU_TPMS_NV_PUBLIC_Marshal(&nv->pub, buf, size, off) ==
	       TSS2_RC_SUCCESS;
}

bool tpm_nv_unmarshal(const uint8_t *buf, size_t len, size_t *off,
		      struct tpm_nv *nv)
{
	memset(nv, 0, sizeof(*nv));
	return Tss2_MU_TPMS_NV_PUBLIC_Unmarshal(buf, len, off, &nv->pub) ==
		       TSS2_RC_SUCCESS &&
	       nv->pub.nameAlg == TPM2_ALG_SHA256 && tpm_nv_named(nv);
}

static TPM2_HANDLE random_handle(void)
{
	uint8_t pick[2] = { 0 };

	(void)crypto_random(pick, sizeof(pick));
	return TPM_NV_FIRST + (((uint32_t)pick[0] << 8 | pick[1]) % TPM_NV_SPAN);
}

static TSS2_RC define_at_locked(struct tpm *tpm, const TPMS_NV_PUBLIC *pub,
				const TPM2B_AUTH *value)
{
	TPM2B_NV_PUBLIC info = { .nvPublic = *pub };
	TPM2B_NAME owner;
	struct tpm_authed cmd = {
		.cc = TPM2_CC_NV_DefineSpace, .names = { &owner },
		.name_count = 1, .attrs = TPMA_SESSION_DECRYPT,
	};
	TSS2_RC trc;

	tpm_handle_name(TPM2_RH_OWNER, &owner);
	trc = Tss2_Sys_NV_DefineSpace_Prepare(tpm_sys(tpm), TPM2_RH_OWNER,
					      value, &info);
	if (trc == TSS2_RC_SUCCESS)
		trc = tpm_authed_execute_locked(tpm, &cmd);
	return trc;
}

enum tpm_rc tpm_nv_define_locked(struct tpm *tpm, struct tpm_nv *nv,
				 const uint8_t *auth, size_t auth_len)
{
	TPM2B_AUTH value = { .size = (UINT16)auth_len };
	TSS2_RC trc = TPM2_RC_NV_DEFINED;
	enum tpm_rc rc;

	if (auth_len > SC_SHA256_BYTES)
		return TPM_E_BAD_INPUT;
	if (auth_len > 0)
		memcpy(value.buffer, auth, auth_len);
	rc = tpm_session_ready_locked(tpm);
	for (int i = 0; rc == TPM_OK && i < DEFINE_TRIES &&
			trc == TPM2_RC_NV_DEFINED;
	     i++) {
		nv->pub.nvIndex = random_handle();
		trc = define_at_locked(tpm, &nv->pub, &value);
	}
	secmem_wipe(&value, sizeof(value));
	if (rc != TPM_OK)
		return rc;
	if (trc == TSS2_RC_SUCCESS)
		return tpm_nv_named(nv) ? TPM_OK : TPM_E_FAILURE;
	if ((trc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER)
		return tpm_map(trc, "define an NV index");
	log_info("the TPM gives no NV index (TPM2_NV_DefineSpace: 0x%x)",
		 (unsigned int)trc);
	return TPM_E_NV_UNAVAILABLE;
}

void tpm_nv_undefine_locked(struct tpm *tpm, const struct tpm_nv *nv)
{
	TPM2B_NAME owner;
	struct tpm_authed cmd = {
		.cc = TPM2_CC_NV_UndefineSpace, .names = { &owner, &nv->name },
		.name_count = 2,
	};
	TSS2_RC trc;

	tpm_handle_name(TPM2_RH_OWNER, &owner);
	trc = tpm_session_ready_locked(tpm) == TPM_OK ?
		      Tss2_Sys_NV_UndefineSpace_Prepare(
			      tpm_sys(tpm), TPM2_RH_OWNER, nv->pub.nvIndex) :
		      TSS2_SYS_RC_GENERAL_FAILURE;
	if (trc == TSS2_RC_SUCCESS)
		trc = tpm_authed_execute_locked(tpm, &cmd);
	if (trc != TSS2_RC_SUCCESS)
		log_warn("NV index 0x%08x stays in the TPM (0x%x); "
			 "tpm2_nvundefine removes it",
			 (unsigned int)nv->pub.nvIndex, (unsigned int)trc);
}

enum tpm_rc tpm_nv_owner_write_locked(struct tpm *tpm, struct tpm_nv *nv,
				      const uint8_t *data, size_t len)
{
	TPM2B_MAX_NV_BUFFER buf = { .size = (UINT16)len };
	TPM2B_NAME owner;
	struct tpm_authed cmd = {
		.cc = TPM2_CC_NV_Write, .names = { &owner, &nv->name },
		.name_count = 2, .attrs = TPMA_SESSION_DECRYPT,
	};
	TSS2_RC trc;

	if (len > sizeof(buf.buffer))
		return TPM_E_BAD_INPUT;
	memcpy(buf.buffer, data, len);
	tpm_handle_name(TPM2_RH_OWNER, &owner);
	trc = Tss2_Sys_NV_Write_Prepare(tpm_sys(tpm), TPM2_RH_OWNER,
					nv->pub.nvIndex, &buf, 0);
	if (trc == TSS2_RC_SUCCESS)
		trc = tpm_authed_execute_locked(tpm, &cmd);
	secmem_wipe(&buf, sizeof(buf));
	if (trc != TSS2_RC_SUCCESS)
		return tpm_map(trc, "write an NV index");
	nv->pub.attributes |= TPMA_NV_WRITTEN;
	return tpm_nv_named(nv) ? TPM_OK : TPM_E_FAILURE;
}

enum tpm_rc tpm_nv_owner_lock_locked(struct tpm *tpm, struct tpm_nv *nv)
{
	TPM2B_NAME owner;
	struct tpm_authed cmd = {
		.cc = TPM2_CC_NV_WriteLock, .names = { &owner, &nv->name },
		.name_count = 2,
	};
	TSS2_RC trc;

	tpm_handle_name(TPM2_RH_OWNER, &owner);
	trc = Tss2_Sys_NV_WriteLock_Prepare(tpm_sys(tpm), TPM2_RH_OWNER,
					    nv->pub.nvIndex);
	if (trc == TSS2_RC_SUCCESS)
		trc = tpm_authed_execute_locked(tpm, &cmd);
	if (trc != TSS2_RC_SUCCESS)
		return tpm_map(trc, "lock an NV index");
	nv->pub.attributes |= TPMA_NV_WRITELOCKED;
	return tpm_nv_named(nv) ? TPM_OK : TPM_E_FAILURE;
}
