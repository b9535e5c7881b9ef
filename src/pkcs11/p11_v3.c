/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

#include "pkcs11/pkcs11_v3.h"

#define TC_LOG_LAYER TC_LAYER_PKCS11
#include "common/log.h"

/*
 * The functions PKCS#11 3.0 adds to the 2.40 set: C_LoginUser,
 * C_SessionCancel and the message-based operations.
 */

/*
 * The standard leaves user names to the token.  Tokens here have one
 * user of each type and no names: with no name (NULL or empty) this is
 * C_Login, for CKU_USER, CKU_SO and CKU_CONTEXT_SPECIFIC alike.  A name
 * cannot designate any user of such a token, so it is refused before
 * any PIN is tried (a wrong guess would cost a TPM strike) rather than
 * ignored (the caller would believe that user logged in).
 */
EXPORT CK_RV C_LoginUser(CK_SESSION_HANDLE handle, CK_USER_TYPE user,
			 CK_UTF8CHAR_PTR pin, CK_ULONG pin_len,
			 CK_UTF8CHAR_PTR name, CK_ULONG name_len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	p11_session_release(handle);
	if (name_len > 0) {
		log_debug("user %lu: refused a user name (the token has none)",
			  user);
		return CKR_ARGUMENTS_BAD;
	}
	(void)name;
	return C_Login(handle, user, pin, pin_len);
}

static void end_find(struct tc_session *session)
{
	/* Nothing to end is no failure: the search is over either way. */
	(void)token_find_final(session);
}

/* Which operation each C_SessionCancel flag names, and how to end it. */
static const struct {
	CK_FLAGS flag;
	void (*cancel)(struct tc_session *session);
} cancels[] = {
	{ CKF_SIGN, token_sign_abort },
	{ CKF_VERIFY, token_verify_abort },
	{ CKF_ENCRYPT, token_encrypt_abort },
	{ CKF_DECRYPT, token_decrypt_abort },
	{ CKF_DIGEST, token_digest_abort },
	{ CKF_FIND_OBJECTS, end_find },
};

/*
 * Ends the named operations of the session.  Flags of operations this
 * module never runs (recovery, message-based, key generation...) have
 * nothing to end, and ending nothing succeeds.
 */
EXPORT CK_RV C_SessionCancel(CK_SESSION_HANDLE handle, CK_FLAGS flags)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	for (size_t i = 0; i < sizeof(cancels) / sizeof(cancels[0]); i++)
		if (flags & cancels[i].flag)
			cancels[i].cancel(session);
	p11_session_release(handle);
	return CKR_OK;
}

/*
 * The message-based interface: no mechanism of this token supports it
 * (none has CKF_MESSAGE_*), so each call, once the session is known, is
 * CKR_FUNCTION_NOT_SUPPORTED.
 */
static CK_RV no_messages(CK_SESSION_HANDLE handle)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	p11_session_release(handle);
	return CKR_FUNCTION_NOT_SUPPORTED;
}

EXPORT CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,
				  CK_OBJECT_HANDLE key)
{
	(void)m;
	(void)key;
	return no_messages(s);
}

EXPORT CK_RV C_EncryptMessage(CK_SESSION_HANDLE s, CK_VOID_PTR param,
			      CK_ULONG param_len, CK_BYTE_PTR aad,
			      CK_ULONG aad_len, CK_BYTE_PTR in,
			      CK_ULONG in_len, CK_BYTE_PTR out,
			      CK_ULONG_PTR out_len)
{
	(void)param;
	(void)param_len;
	(void)aad;
	(void)aad_len;
	(void)in;
	(void)in_len;
	(void)out;
	(void)out_len;
	return no_messages(s);
}

EXPORT CK_RV C_EncryptMessageBegin(CK_SESSION_HANDLE s, CK_VOID_PTR param,
				   CK_ULONG param_len, CK_BYTE_PTR aad,
				   CK_ULONG aad_len)
{
	(void)param;
	(void)param_len;
	(void)aad;
	(void)aad_len;
	return no_messages(s);
}

EXPORT CK_RV C_EncryptMessageNext(CK_SESSION_HANDLE s, CK_VOID_PTR param,
				  CK_ULONG param_len, CK_BYTE_PTR in,
				  CK_ULONG in_len, CK_BYTE_PTR out,
				  CK_ULONG_PTR out_len, CK_FLAGS flags)
{
	(void)param;
	(void)param_len;
	(void)in;
	(void)in_len;
	(void)out;
	(void)out_len;
	(void)flags;
	return no_messages(s);
}

EXPORT CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE s)
{
	return no_messages(s);
}

EXPORT CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,
				  CK_OBJECT_HANDLE key)
{
	(void)m;
	(void)key;
	return no_messages(s);
}

EXPORT CK_RV C_DecryptMessage(CK_SESSION_HANDLE s, CK_VOID_PTR param,
			      CK_ULONG param_len, CK_BYTE_PTR aad,
			      CK_ULONG aad_len, CK_BYTE_PTR in,
			      CK_ULONG in_len, CK_BYTE_PTR out,
			      CK_ULONG_PTR out_len)
{
	(void)param;
	(void)param_len;
	(void)aad;
	(void)aad_len;
	(void)in;
	(void)in_len;
	(void)out;
	(void)out_len;
	return no_messages(s);
}

EXPORT CK_RV C_DecryptMessageBegin(CK_SESSION_HANDLE s, CK_VOID_PTR param,
				   CK_ULONG param_len, CK_BYTE_PTR aad,
				   CK_ULONG aad_len)
{
	(void)param;
	(void)param_len;
	(void)aad;
	(void)aad_len;
	return no_messages(s);
}

EXPORT CK_RV C_DecryptMessageNext(CK_SESSION_HANDLE s, CK_VOID_PTR param,
				  CK_ULONG param_len, CK_BYTE_PTR in,
				  CK_ULONG in_len, CK_BYTE_PTR out,
				  CK_ULONG_PTR out_len, CK_FLAGS flags)
{
	(void)param;
	(void)param_len;
	(void)in;
	(void)in_len;
	(void)out;
	(void)out_len;
	(void)flags;
	return no_messages(s);
}

EXPORT CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE s)
{
	return no_messages(s);
}

EXPORT CK_RV C_MessageSignInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,
			       CK_OBJECT_HANDLE key)
{
	(void)m;
	(void)key;
	return no_messages(s);
}

EXPORT CK_RV C_SignMessage(CK_SESSION_HANDLE s, CK_VOID_PTR param,
			   CK_ULONG param_len, CK_BYTE_PTR data,
			   CK_ULONG data_len, CK_BYTE_PTR sig,
			   CK_ULONG_PTR sig_len)
{
	(void)param;
	(void)param_len;
	(void)data;
	(void)data_len;
	(void)sig;
	(void)sig_len;
	return no_messages(s);
}

EXPORT CK_RV C_SignMessageBegin(CK_SESSION_HANDLE s, CK_VOID_PTR param,
				CK_ULONG param_len)
{
	(void)param;
	(void)param_len;
	return no_messages(s);
}

EXPORT CK_RV C_SignMessageNext(CK_SESSION_HANDLE s, CK_VOID_PTR param,
			       CK_ULONG param_len, CK_BYTE_PTR data,
			       CK_ULONG data_len, CK_BYTE_PTR sig,
			       CK_ULONG_PTR sig_len)
{
	(void)param;
	(void)param_len;
	(void)data;
	(void)data_len;
	(void)sig;
	(void)sig_len;
	return no_messages(s);
}

EXPORT CK_RV C_MessageSignFinal(CK_SESSION_HANDLE s)
{
	return no_messages(s);
}

EXPORT CK_RV C_MessageVerifyInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,
				 CK_OBJECT_HANDLE key)
{
	(void)m;
	(void)key;
	return no_messages(s);
}

EXPORT CK_RV C_VerifyMessage(CK_SESSION_HANDLE s, CK_VOID_PTR param,
			     CK_ULONG param_len, CK_BYTE_PTR data,
			     CK_ULONG data_len, CK_BYTE_PTR sig,
			     CK_ULONG sig_len)
{
	(void)param;
	(void)param_len;
	(void)data;
	(void)data_len;
	(void)sig;
	(void)sig_len;
	return no_messages(s);
}

EXPORT CK_RV C_VerifyMessageBegin(CK_SESSION_HANDLE s, CK_VOID_PTR param,
				  CK_ULONG param_len)
{
	(void)param;
	(void)param_len;
	return no_messages(s);
}

EXPORT CK_RV C_VerifyMessageNext(CK_SESSION_HANDLE s, CK_VOID_PTR param,
				 CK_ULONG param_len, CK_BYTE_PTR data,
				 CK_ULONG data_len, CK_BYTE_PTR sig,
				 CK_ULONG sig_len)
{
	(void)param;
	(void)param_len;
	(void)data;
	(void)data_len;
	(void)sig;
	(void)sig_len;
	return no_messages(s);
}

EXPORT CK_RV C_MessageVerifyFinal(CK_SESSION_HANDLE s)
{
	return no_messages(s);
}
