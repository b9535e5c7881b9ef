/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <string.h>

#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

#define MANUFACTURER "tpmcard"
#define MODEL "TPM 2.0"
#define VERSION_MAJOR 0
#define VERSION_MINOR 1

/* PIN flags from the TPM's dictionary-attack counters. */
static CK_FLAGS da_flags(const struct tc_module *mod)
{
	const struct tpm_da_info *da = &mod->da;
	CK_FLAGS flags = 0;

	if (!mod->da_known)
		return 0;
	if (da->in_lockout)
		return CKF_USER_PIN_LOCKED | CKF_SO_PIN_LOCKED;
	if (da->failures > 0)
		flags |= CKF_USER_PIN_COUNT_LOW | CKF_SO_PIN_COUNT_LOW;
	if (da->max_failures > 0 && da->failures + 1 >= da->max_failures)
		flags |= CKF_USER_PIN_FINAL_TRY | CKF_SO_PIN_FINAL_TRY;
	return flags;
}

/* User PIN flags from the token's own retry counter in the TPM. */
static CK_FLAGS counter_flags(const struct tc_token *token)
{
	CK_FLAGS flags = 0;

	if (!token->pin_count_known)
		return 0;
	if (token->pin_count >= token->pin_limit)
		return CKF_USER_PIN_LOCKED;
	if (token->pin_count > 0)
		flags |= CKF_USER_PIN_COUNT_LOW;
	if (token->pin_count + 1 == token->pin_limit)
		flags |= CKF_USER_PIN_FINAL_TRY;
	return flags;
}

static CK_FLAGS pin_flags(const struct tc_module *mod,
			  const struct tc_token *token)
{
	const CK_FLAGS user = CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY |
			      CKF_USER_PIN_LOCKED;
	CK_FLAGS flags = da_flags(mod);

	if (!token_has_pin_counter(token))
		return flags;
	/* The DA lockout still stops the SO; the user has the counter. */
	return (flags & ~user) | counter_flags(token);
}

/*
 * The TPM's revision (TPM_PT_REVISION 159 is 1.59) as recorded when the
 * token was made; 2.0, the TPM family, for tokens from before that.
 */
static void tpm_revision(const struct db_token *row, CK_VERSION *version)
{
	if (row->tpm_revision == 0) {
		version->major = 2;
		version->minor = 0;
		return;
	}
	version->major = (CK_BYTE)(row->tpm_revision / 100);
	version->minor = (CK_BYTE)(row->tpm_revision % 100);
}

static void fill_token_info(struct tc_module *mod, struct tc_token *token,
			    CK_TOKEN_INFO *info)
{
	memset(info, 0, sizeof(*info));
	token_pad(info->label, sizeof(info->label), token->row.label);
	token_pad(info->manufacturerID, sizeof(info->manufacturerID),
		  MANUFACTURER);
	token_pad(info->model, sizeof(info->model), MODEL);
	token_pad(info->serialNumber, sizeof(info->serialNumber),
		  token->row.serial);
	info->flags = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_TOKEN_INITIALIZED |
		      pin_flags(mod, token);
	if (token_user_pin_set(token))
		info->flags |= CKF_USER_PIN_INITIALIZED;
	if (mod->db != NULL && db_read_only(mod->db))
		info->flags |= CKF_WRITE_PROTECTED;
	info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulSessionCount = token->sessions;
	info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulRwSessionCount = token->rw_sessions;
	info->ulMaxPinLen = TC_MAX_PIN_LEN;
	info->ulMinPinLen = token->row.min_pin_len;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	/* The TPM's specification revision; the firmware is tpmcard's. */
	tpm_revision(&token->row, &info->hardwareVersion);
	info->firmwareVersion.major = VERSION_MAJOR;
	info->firmwareVersion.minor = VERSION_MINOR;
	token_pad(info->utcTime, sizeof(info->utcTime), "");
}

CK_RV token_get_info(struct tc_module *mod, int64_t token_id,
		     CK_TOKEN_INFO *info)
{
	struct tc_token *token;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&mod->lock);
	token = token_get_locked(mod, token_id);
	if (token == NULL) {
		rv = CKR_TOKEN_NOT_PRESENT;
	} else {
		/* Only a connection already open is asked: no TPM traffic
		 * just to list tokens. */
		token_da_refresh_locked(mod);
		token_counter_refresh_locked(mod, token);
		fill_token_info(mod, token, info);
	}
	tc_mutex_unlock(&mod->lock);
	return rv;
}

static void fill_slot_info(CK_SLOT_INFO *info, const char *description)
{
	memset(info, 0, sizeof(*info));
	token_pad(info->slotDescription, sizeof(info->slotDescription),
		  description);
	token_pad(info->manufacturerID, sizeof(info->manufacturerID),
		  MANUFACTURER);
	info->flags = CKF_TOKEN_PRESENT | CKF_HW_SLOT;
	info->hardwareVersion.major = 2;
	info->hardwareVersion.minor = 0;
	info->firmwareVersion.major = VERSION_MAJOR;
	info->firmwareVersion.minor = VERSION_MINOR;
}

/*
 * A token's slot is the TPM it was made on: its manufacturer, revision
 * and firmware version (TPM_PT_FIRMWARE_VERSION_1, major and minor in
 * its two halves), as recorded then.
 */
static void tpm_slot_info(const struct db_token *row, CK_SLOT_INFO *info)
{
	if (row->tpm_vendor == NULL || row->tpm_vendor[0] == '\0')
		return;
	token_pad(info->manufacturerID, sizeof(info->manufacturerID),
		  row->tpm_vendor);
	tpm_revision(row, &info->hardwareVersion);
	info->firmwareVersion.major = (CK_BYTE)(row->tpm_firmware >> 16);
	info->firmwareVersion.minor = (CK_BYTE)row->tpm_firmware;
}

CK_RV token_get_slot_info(struct tc_module *mod, int64_t token_id,
			  CK_SLOT_INFO *info)
{
	struct tc_token *token;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&mod->lock);
	token = token_get_locked(mod, token_id);
	if (token == NULL) {
		rv = CKR_SLOT_ID_INVALID;
	} else {
		fill_slot_info(info, "tpmcard TPM 2.0 token");
		tpm_slot_info(&token->row, info);
	}
	tc_mutex_unlock(&mod->lock);
	return rv;
}

void token_empty_slot_info(CK_SLOT_INFO *slot, CK_TOKEN_INFO *token)
{
	if (slot != NULL)
		fill_slot_info(slot, "tpmcard TPM 2.0, no token yet");
	if (token == NULL)
		return;
	memset(token, 0, sizeof(*token));
	token_pad(token->label, sizeof(token->label), "");
	token_pad(token->manufacturerID, sizeof(token->manufacturerID),
		  MANUFACTURER);
	token_pad(token->model, sizeof(token->model), MODEL);
	token_pad(token->serialNumber, sizeof(token->serialNumber), "");
	token->flags = CKF_RNG | CKF_LOGIN_REQUIRED;
	token->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
	token->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
	token->ulMaxPinLen = TC_MAX_PIN_LEN;
	token->ulMinPinLen = TC_DEFAULT_MIN_PIN_LEN;
	token->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	token->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	token->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	token->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	token->hardwareVersion.major = 2;
	token->firmwareVersion.major = VERSION_MAJOR;
	token->firmwareVersion.minor = VERSION_MINOR;
	token_pad(token->utcTime, sizeof(token->utcTime), "");
}
