/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

/*
 * Key wrapping.  No key of a TPM token ever leaves the TPM, and the token
 * offers no wrapping mechanism: the calls check what they are given and
 * answer with the precise reason (see token_wrap_check).
 */

static bool handle_ok(CK_OBJECT_HANDLE object)
{
	return object != CK_INVALID_HANDLE && object <= INT64_MAX;
}

EXPORT CK_RV C_WrapKey(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
		       CK_OBJECT_HANDLE wrapping, CK_OBJECT_HANDLE key,
		       CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	(void)out;
	if (rv != CKR_OK)
		return rv;
	if (mechanism == NULL || out_len == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (!handle_ok(wrapping))
		rv = CKR_WRAPPING_KEY_HANDLE_INVALID;
	else if (!handle_ok(key))
		rv = CKR_KEY_HANDLE_INVALID;
	else
		rv = token_wrap_check(session, (int64_t)wrapping,
				      (int64_t)key);
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_UnwrapKey(CK_SESSION_HANDLE handle,
			 CK_MECHANISM_PTR mechanism,
			 CK_OBJECT_HANDLE unwrapping, CK_BYTE_PTR in,
			 CK_ULONG in_len, CK_ATTRIBUTE_PTR tmpl,
			 CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (mechanism == NULL || key == NULL || (in == NULL && in_len > 0) ||
	    (tmpl == NULL && count > 0))
		rv = CKR_ARGUMENTS_BAD;
	else if (!handle_ok(unwrapping))
		rv = CKR_UNWRAPPING_KEY_HANDLE_INVALID;
	else
		rv = token_unwrap_check(session, (int64_t)unwrapping);
	p11_session_release(handle);
	return rv;
}
