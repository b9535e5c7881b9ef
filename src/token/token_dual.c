/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

/*
 * The dual-function updates (PKCS#11 2.40, 5.13): one call feeds the same
 * part to two running multi-part operations of the session.  Both must
 * run before either moves: the second operation is touched first with an
 * empty update, which answers CKR_OPERATION_NOT_INITIALIZED (or ends a
 * one-part mechanism with CKR_FUNCTION_NOT_SUPPORTED) and otherwise
 * changes nothing.  A length query or a short buffer of the encryption
 * or decryption feeds nothing to the other operation.
 */

CK_RV token_digest_encrypt_update(struct tc_session *session,
				  const uint8_t *in, size_t len, uint8_t *out,
				  CK_ULONG *out_len)
{
	CK_RV rv = token_digest_update(session, NULL, 0);

	if (rv == CKR_OK)
		rv = token_encrypt_update(session, in, len, out, out_len);
	if (rv == CKR_OK && out != NULL)
		rv = token_digest_update(session, in, len);
	return rv;
}

CK_RV token_sign_encrypt_update(struct tc_session *session,
				const uint8_t *in, size_t len, uint8_t *out,
				CK_ULONG *out_len)
{
	CK_RV rv = token_sign_update(session, NULL, 0);

	if (rv == CKR_OK)
		rv = token_encrypt_update(session, in, len, out, out_len);
	if (rv == CKR_OK && out != NULL)
		rv = token_sign_update(session, in, len);
	return rv;
}

CK_RV token_decrypt_digest_update(struct tc_session *session,
				  const uint8_t *in, size_t len, uint8_t *out,
				  CK_ULONG *out_len)
{
	CK_RV rv = token_digest_update(session, NULL, 0);

	if (rv == CKR_OK)
		rv = token_decrypt_update(session, in, len, out, out_len);
	if (rv == CKR_OK && out != NULL)
		rv = token_digest_update(session, out, *out_len);
	return rv;
}

CK_RV token_decrypt_verify_update(struct tc_session *session,
				  const uint8_t *in, size_t len, uint8_t *out,
				  CK_ULONG *out_len)
{
	CK_RV rv = token_verify_update(session, NULL, 0);

	if (rv == CKR_OK)
		rv = token_decrypt_update(session, in, len, out, out_len);
	if (rv == CKR_OK && out != NULL)
		rv = token_verify_update(session, out, *out_len);
	return rv;
}
