/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

#define TC_LOG_LAYER TC_LAYER_PKCS11
#include "common/log.h"

EXPORT CK_RV C_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags,
			   CK_VOID_PTR application, CK_NOTIFY notify,
			   CK_SESSION_HANDLE_PTR handle)
{
	struct tc_session *session = NULL;
	struct tc_module *mod;
	int64_t token_id = 0;
	CK_RV rv = p11_module(&mod);

	(void)application;
	(void)notify;
	if (rv != CKR_OK)
		return rv;
	if (slot == EMPTY_SLOT_ID)
		return CKR_TOKEN_NOT_RECOGNIZED;
	if (!p11_slot_token(slot, &token_id))
		return CKR_SLOT_ID_INVALID;
	if (handle == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	rv = token_session_open(mod, token_id, (flags & CKF_RW_SESSION) != 0,
				&session);
	if (rv == CKR_TOKEN_NOT_PRESENT)
		rv = CKR_SLOT_ID_INVALID;
	if (rv == CKR_OK) {
		rv = p11_session_add(slot, session, handle);
		if (rv != CKR_OK)
			token_session_close(session);
	}
	log_debug("slot %lu: 0x%lx", slot, rv);
	return rv;
}

EXPORT CK_RV C_CloseSession(CK_SESSION_HANDLE handle)
{
	return p11_session_close(handle);
}

EXPORT CK_RV C_CloseAllSessions(CK_SLOT_ID slot)
{
	struct tc_module *mod;
	int64_t token_id;
	CK_RV rv = p11_module(&mod);

	if (rv != CKR_OK)
		return rv;
	if (slot != EMPTY_SLOT_ID && !p11_slot_token(slot, &token_id))
		return CKR_SLOT_ID_INVALID;
	p11_sessions_close_all(false, slot);
	return CKR_OK;
}

EXPORT CK_RV C_GetSessionInfo(CK_SESSION_HANDLE handle,
			      CK_SESSION_INFO_PTR info)
{
	struct tc_session *session;
	CK_SLOT_ID slot = 0;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (info == NULL) {
		rv = CKR_ARGUMENTS_BAD;
	} else {
		token_session_info(session, info);
		p11_session_slot(handle, &slot);
		info->slotID = slot;
	}
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_Login(CK_SESSION_HANDLE handle, CK_USER_TYPE user,
		     CK_UTF8CHAR_PTR pin, CK_ULONG pin_len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	/* No protected authentication path: the PIN must be given. */
	if (pin == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = token_login(session, user, pin, pin_len);
	p11_session_release(handle);
	log_debug("user %lu: 0x%lx", user, rv);
	return rv;
}

EXPORT CK_RV C_Logout(CK_SESSION_HANDLE handle)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	rv = token_logout(session);
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_SetPIN(CK_SESSION_HANDLE handle, CK_UTF8CHAR_PTR old_pin,
		      CK_ULONG old_len, CK_UTF8CHAR_PTR new_pin,
		      CK_ULONG new_len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (old_pin == NULL || new_pin == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = token_set_pin(session, old_pin, old_len, new_pin,
				   new_len);
	p11_session_release(handle);
	return rv;
}
