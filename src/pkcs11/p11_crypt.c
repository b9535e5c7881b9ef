/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

/*
 * Encryption and decryption.  The length-query protocol: a NULL output
 * asks the size, a short buffer gives CKR_BUFFER_TOO_SMALL; both keep the
 * operation, every other error ends it, argument errors included.
 */

typedef CK_RV (*crypt_init_fn)(struct tc_session *, const CK_MECHANISM *,
			       int64_t);
typedef CK_RV (*crypt_fn)(struct tc_session *, const uint8_t *, size_t,
			  uint8_t *, CK_ULONG *);
typedef CK_RV (*crypt_final_fn)(struct tc_session *, uint8_t *, CK_ULONG *);
typedef void (*crypt_abort_fn)(struct tc_session *);

static CK_RV init(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
		  CK_OBJECT_HANDLE key, crypt_init_fn fn)
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
		rv = fn(session, mechanism, (int64_t)key);
	p11_session_release(handle);
	return rv;
}

static CK_RV run(CK_SESSION_HANDLE handle, CK_BYTE_PTR in, CK_ULONG in_len,
		 CK_BYTE_PTR out, CK_ULONG_PTR out_len, crypt_fn fn,
		 crypt_abort_fn abort_op)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (out_len == NULL || (in == NULL && in_len > 0)) {
		abort_op(session);
		rv = CKR_ARGUMENTS_BAD;
	} else {
		rv = fn(session, in, in_len, out, out_len);
	}
	p11_session_release(handle);
	return rv;
}

static CK_RV finish(CK_SESSION_HANDLE handle, CK_BYTE_PTR out,
		    CK_ULONG_PTR out_len, crypt_final_fn fn,
		    crypt_abort_fn abort_op)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (out_len == NULL) {
		abort_op(session);
		rv = CKR_ARGUMENTS_BAD;
	} else {
		rv = fn(session, out, out_len);
	}
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_EncryptInit(CK_SESSION_HANDLE handle,
			   CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key)
{
	return init(handle, mechanism, key, token_encrypt_init);
}

EXPORT CK_RV C_Encrypt(CK_SESSION_HANDLE handle, CK_BYTE_PTR in,
		       CK_ULONG in_len, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return run(handle, in, in_len, out, out_len, token_encrypt,
		   token_encrypt_abort);
}

EXPORT CK_RV C_EncryptUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR in,
			     CK_ULONG in_len, CK_BYTE_PTR out,
			     CK_ULONG_PTR out_len)
{
	return run(handle, in, in_len, out, out_len, token_encrypt_update,
		   token_encrypt_abort);
}

EXPORT CK_RV C_EncryptFinal(CK_SESSION_HANDLE handle, CK_BYTE_PTR out,
			    CK_ULONG_PTR out_len)
{
	return finish(handle, out, out_len, token_encrypt_final,
		      token_encrypt_abort);
}

EXPORT CK_RV C_DecryptInit(CK_SESSION_HANDLE handle,
			   CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key)
{
	return init(handle, mechanism, key, token_decrypt_init);
}

EXPORT CK_RV C_Decrypt(CK_SESSION_HANDLE handle, CK_BYTE_PTR in,
		       CK_ULONG in_len, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return run(handle, in, in_len, out, out_len, token_decrypt,
		   token_decrypt_abort);
}

EXPORT CK_RV C_DecryptUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR in,
			     CK_ULONG in_len, CK_BYTE_PTR out,
			     CK_ULONG_PTR out_len)
{
	return run(handle, in, in_len, out, out_len, token_decrypt_update,
		   token_decrypt_abort);
}

EXPORT CK_RV C_DecryptFinal(CK_SESSION_HANDLE handle, CK_BYTE_PTR out,
			    CK_ULONG_PTR out_len)
{
	return finish(handle, out, out_len, token_decrypt_final,
		      token_decrypt_abort);
}
