/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

EXPORT CK_RV C_SignInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
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
		rv = token_sign_init(session, mechanism, (int64_t)key);
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_Sign(CK_SESSION_HANDLE handle, CK_BYTE_PTR data,
		    CK_ULONG data_len, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	/* Any error but a short buffer ends the operation. */
	if (sig_len == NULL || (data == NULL && data_len > 0)) {
		token_sign_abort(session);
		rv = CKR_ARGUMENTS_BAD;
	} else {
		rv = token_sign(session, data, data_len, sig, sig_len);
	}
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_SignUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR data,
			  CK_ULONG data_len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (data == NULL && data_len > 0) {
		token_sign_abort(session);
		rv = CKR_ARGUMENTS_BAD;
	} else {
		rv = token_sign_update(session, data, data_len);
	}
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_SignFinal(CK_SESSION_HANDLE handle, CK_BYTE_PTR sig,
			 CK_ULONG_PTR sig_len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (sig_len == NULL) {
		token_sign_abort(session);
		rv = CKR_ARGUMENTS_BAD;
	} else {
		rv = token_sign_final(session, sig, sig_len);
	}
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_GenerateRandom(CK_SESSION_HANDLE handle, CK_BYTE_PTR buf,
			      CK_ULONG len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (buf == NULL && len > 0)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = token_random(session, buf, len);
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_SeedRandom(CK_SESSION_HANDLE handle, CK_BYTE_PTR seed,
			  CK_ULONG len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	(void)seed;
	(void)len;
	p11_session_release(handle);
	return CKR_RANDOM_SEED_NOT_SUPPORTED;
}
