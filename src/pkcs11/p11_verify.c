/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

/* Verification; argument errors end the operation like any other error. */

EXPORT CK_RV C_VerifyInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
			  CK_OBJECT_HANDLE key)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (mechanism == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (key == CK_INVALID_HANDLE || key > INT64_MAX)
		rv = CKR_KEY_HANDLE_INVALID;
	else
		rv = token_verify_init(session, mechanism, (int64_t)key);
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_Verify(CK_SESSION_HANDLE handle, CK_BYTE_PTR data,
		      CK_ULONG data_len, CK_BYTE_PTR sig, CK_ULONG sig_len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if ((data == NULL && data_len > 0) || (sig == NULL && sig_len > 0)) {
		token_verify_abort(session);
		rv = CKR_ARGUMENTS_BAD;
	} else {
		rv = token_verify(session, data, data_len, sig, sig_len);
	}
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_VerifyUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR data,
			    CK_ULONG data_len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (data == NULL && data_len > 0) {
		token_verify_abort(session);
		rv = CKR_ARGUMENTS_BAD;
	} else {
		rv = token_verify_update(session, data, data_len);
	}
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_VerifyFinal(CK_SESSION_HANDLE handle, CK_BYTE_PTR sig,
			   CK_ULONG sig_len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (sig == NULL && sig_len > 0) {
		token_verify_abort(session);
		rv = CKR_ARGUMENTS_BAD;
	} else {
		rv = token_verify_final(session, sig, sig_len);
	}
	p11_session_release(handle);
	return rv;
}
