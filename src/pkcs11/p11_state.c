/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

/*
 * Saving operation state.  An operation here may hold a TPM key's use
 * and a login: nothing a caller could be handed back safely, so no state
 * is ever saved (CKR_STATE_UNSAVEABLE while an operation runs) and none
 * can be restored (CKR_SAVED_STATE_INVALID: this token never made it).
 */

EXPORT CK_RV C_GetOperationState(CK_SESSION_HANDLE handle, CK_BYTE_PTR state,
				 CK_ULONG_PTR len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	(void)state;
	if (rv != CKR_OK)
		return rv;
	if (len == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = token_operation_running(session) ?
			     CKR_STATE_UNSAVEABLE :
			     CKR_OPERATION_NOT_INITIALIZED;
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_SetOperationState(CK_SESSION_HANDLE handle, CK_BYTE_PTR state,
				 CK_ULONG len, CK_OBJECT_HANDLE enc_key,
				 CK_OBJECT_HANDLE auth_key)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	(void)enc_key;
	(void)auth_key;
	if (rv != CKR_OK)
		return rv;
	rv = state == NULL && len > 0 ? CKR_ARGUMENTS_BAD :
					CKR_SAVED_STATE_INVALID;
	p11_session_release(handle);
	return rv;
}
