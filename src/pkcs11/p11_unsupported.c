/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

/*
 * Entry points this version does not implement yet.  Each checks what
 * the standard checks first (initialization, the session handle), then
 * answers CKR_FUNCTION_NOT_SUPPORTED; none crashes or asserts.
 */

static CK_RV not_supported(CK_SESSION_HANDLE handle)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	p11_session_release(handle);
	return CKR_FUNCTION_NOT_SUPPORTED;
}

EXPORT CK_RV C_SignRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key)
{
	(void)mech;
	(void)key;
	return not_supported(h);
}

EXPORT CK_RV C_SignRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	(void)in;
	(void)in_len;
	(void)out;
	(void)out_len;
	return not_supported(h);
}

EXPORT CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key)
{
	(void)mech;
	(void)key;
	return not_supported(h);
}

EXPORT CK_RV C_VerifyRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sig_len, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	(void)sig;
	(void)sig_len;
	(void)out;
	(void)out_len;
	return not_supported(h);
}

EXPORT CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE h)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(h, &session);

	if (rv != CKR_OK)
		return rv;
	p11_session_release(h);
	return CKR_FUNCTION_NOT_PARALLEL;
}

EXPORT CK_RV C_CancelFunction(CK_SESSION_HANDLE h)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(h, &session);

	if (rv != CKR_OK)
		return rv;
	p11_session_release(h);
	return CKR_FUNCTION_NOT_PARALLEL;
}
