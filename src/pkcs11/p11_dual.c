/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

/*
 * The dual-function updates.  Bad arguments end both operations, as they
 * would end either one alone.
 */

typedef CK_RV (*dual_fn)(struct tc_session *, const uint8_t *, size_t,
			 uint8_t *, CK_ULONG *);
typedef void (*abort_fn)(struct tc_session *);

static CK_RV dual(CK_SESSION_HANDLE handle, CK_BYTE_PTR in, CK_ULONG in_len,
		  CK_BYTE_PTR out, CK_ULONG_PTR out_len, dual_fn fn,
		  abort_fn abort_crypt, abort_fn abort_other)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (out_len == NULL || (in == NULL && in_len > 0)) {
		abort_crypt(session);
		abort_other(session);
		rv = CKR_ARGUMENTS_BAD;
	} else {
		rv = fn(session, in, in_len, out, out_len);
	}
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR part,
				   CK_ULONG part_len, CK_BYTE_PTR enc,
				   CK_ULONG_PTR enc_len)
{
	return dual(handle, part, part_len, enc, enc_len,
		    token_digest_encrypt_update, token_encrypt_abort,
		    token_digest_abort);
}

EXPORT CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR enc,
				   CK_ULONG enc_len, CK_BYTE_PTR part,
				   CK_ULONG_PTR part_len)
{
	return dual(handle, enc, enc_len, part, part_len,
		    token_decrypt_digest_update, token_decrypt_abort,
		    token_digest_abort);
}

EXPORT CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR part,
				 CK_ULONG part_len, CK_BYTE_PTR enc,
				 CK_ULONG_PTR enc_len)
{
	return dual(handle, part, part_len, enc, enc_len,
		    token_sign_encrypt_update, token_encrypt_abort,
		    token_sign_abort);
}

EXPORT CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR enc,
				   CK_ULONG enc_len, CK_BYTE_PTR part,
				   CK_ULONG_PTR part_len)
{
	return dual(handle, enc, enc_len, part, part_len,
		    token_decrypt_verify_update, token_decrypt_abort,
		    token_verify_abort);
}
