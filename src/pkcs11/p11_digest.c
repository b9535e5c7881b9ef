/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

/*
 * Message digests.  Argument errors end a running operation too, as the
 * standard says of every error but a short buffer.
 */

EXPORT CK_RV C_DigestInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mech)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	rv = mech == NULL ? CKR_ARGUMENTS_BAD :
			    token_digest_init(session, mech);
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_Digest(CK_SESSION_HANDLE handle, CK_BYTE_PTR data,
		      CK_ULONG data_len, CK_BYTE_PTR digest,
		      CK_ULONG_PTR digest_len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (digest_len == NULL || (data == NULL && data_len > 0)) {
		token_digest_abort(session);
		rv = CKR_ARGUMENTS_BAD;
	} else {
		rv = token_digest(session, data, data_len, digest, digest_len);
	}
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_DigestUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR part,
			    CK_ULONG part_len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (part == NULL && part_len > 0) {
		token_digest_abort(session);
		rv = CKR_ARGUMENTS_BAD;
	} else {
		rv = token_digest_update(session, part, part_len);
	}
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_DigestKey(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE key)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	rv = token_digest_key(session, (int64_t)key);
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_DigestFinal(CK_SESSION_HANDLE handle, CK_BYTE_PTR digest,
			   CK_ULONG_PTR digest_len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (digest_len == NULL) {
		token_digest_abort(session);
		rv = CKR_ARGUMENTS_BAD;
	} else {
		rv = token_digest_final(session, digest, digest_len);
	}
	p11_session_release(handle);
	return rv;
}
