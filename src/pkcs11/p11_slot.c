/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

#include <stdlib.h>

#define TC_LOG_LAYER TC_LAYER_PKCS11
#include "common/log.h"

/*
 * Slots: one per token, its id the token's store id (stable while the
 * token exists), listed first; then the empty slot, id 0, where a new
 * token can be made.  Clients that take "the first slot" get a token.
 */

bool p11_slot_token(CK_SLOT_ID slot, int64_t *token_id)
{
	struct tc_module *mod;

	if (slot == EMPTY_SLOT_ID || slot > INT64_MAX ||
	    p11_module(&mod) != CKR_OK || !token_exists(mod, (int64_t)slot))
		return false;
	*token_id = (int64_t)slot;
	return true;
}

/* What a slot id names, once checked. */
struct slot_ref {
	struct tc_module *mod;
	int64_t token_id;	/* valid unless empty */
	bool empty;
};

/* CKR_OK for the empty slot or a token's slot. */
static CK_RV check_slot(CK_SLOT_ID slot, struct slot_ref *ref)
{
	CK_RV rv = p11_module(&ref->mod);

	if (rv != CKR_OK)
		return rv;
	ref->empty = slot == EMPTY_SLOT_ID;
	ref->token_id = (int64_t)slot;
	if (ref->empty)
		return CKR_OK;
	if (slot > INT64_MAX || !token_exists(ref->mod, ref->token_id))
		return CKR_SLOT_ID_INVALID;
	return CKR_OK;
}

EXPORT CK_RV C_GetSlotList(CK_BBOOL token_present, CK_SLOT_ID_PTR list,
			   CK_ULONG_PTR count)
{
	struct tc_module *mod;
	int64_t *ids = NULL;
	size_t n = 0;
	CK_RV rv = p11_module(&mod);

	if (rv != CKR_OK)
		return rv;
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	(void)token_present; /* every slot holds a token */
	rv = token_list(mod, NULL, &n);
	if (rv == CKR_OK && n > 0) {
		ids = calloc(n, sizeof(*ids));
		rv = ids ? token_list(mod, ids, &n) : CKR_HOST_MEMORY;
	}
	if (rv != CKR_OK)
		goto out;
	if (list != NULL && *count < n + 1) {
		rv = CKR_BUFFER_TOO_SMALL;
	} else if (list != NULL) {
		for (size_t i = 0; i < n; i++)
			list[i] = (CK_SLOT_ID)ids[i];
		list[n] = EMPTY_SLOT_ID;
	}
	*count = n + 1;
out:
	free(ids);
	return rv;
}

EXPORT CK_RV C_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info)
{
	struct slot_ref ref;
	CK_RV rv = check_slot(slot, &ref);

	if (rv != CKR_OK)
		return rv;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	if (ref.empty) {
		token_empty_slot_info(info, NULL);
		return CKR_OK;
	}
	return token_get_slot_info(ref.mod, ref.token_id, info);
}

EXPORT CK_RV C_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	struct slot_ref ref;
	CK_RV rv = check_slot(slot, &ref);

	if (rv != CKR_OK)
		return rv;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	if (ref.empty) {
		token_empty_slot_info(NULL, info);
		return CKR_OK;
	}
	return token_get_info(ref.mod, ref.token_id, info);
}

EXPORT CK_RV C_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list,
				CK_ULONG_PTR count)
{
	struct slot_ref ref;
	CK_RV rv = check_slot(slot, &ref);

	if (rv != CKR_OK)
		return rv;
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	return token_mechanism_list(ref.mod, list, count);
}

EXPORT CK_RV C_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type,
				CK_MECHANISM_INFO_PTR info)
{
	struct slot_ref ref;
	CK_RV rv = check_slot(slot, &ref);

	if (rv != CKR_OK)
		return rv;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	return token_mechanism_info(ref.mod, type, info);
}

EXPORT CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot,
				CK_VOID_PTR reserved)
{
	struct tc_module *mod;
	CK_RV rv = p11_module(&mod);

	if (rv != CKR_OK)
		return rv;
	(void)flags;
	(void)slot;
	(void)reserved;
	return CKR_FUNCTION_NOT_SUPPORTED;
}
