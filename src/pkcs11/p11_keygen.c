/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

/* Key generation: every key is made in the TPM. */

EXPORT CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE handle,
			       CK_MECHANISM_PTR mechanism,
			       CK_ATTRIBUTE_PTR pub_tmpl, CK_ULONG pub_count,
			       CK_ATTRIBUTE_PTR priv_tmpl,
			       CK_ULONG priv_count,
			       CK_OBJECT_HANDLE_PTR pub_key,
			       CK_OBJECT_HANDLE_PTR priv_key)
{
	struct tc_session *session;
	int64_t pub_id = 0, priv_id = 0;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (mechanism == NULL || pub_key == NULL || priv_key == NULL ||
	    (pub_tmpl == NULL && pub_count > 0) ||
	    (priv_tmpl == NULL && priv_count > 0))
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = token_generate_key_pair(session, mechanism, pub_tmpl,
					     pub_count, priv_tmpl, priv_count,
					     &pub_id, &priv_id);
	if (rv == CKR_OK) {
		*pub_key = (CK_OBJECT_HANDLE)pub_id;
		*priv_key = (CK_OBJECT_HANDLE)priv_id;
	}
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_GenerateKey(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
			   CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
			   CK_OBJECT_HANDLE_PTR key)
{
	struct tc_session *session;
	int64_t id = 0;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (mechanism == NULL || key == NULL || (tmpl == NULL && count > 0))
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = token_generate_key(session, mechanism, tmpl, count, &id);
	if (rv == CKR_OK)
		*key = (CK_OBJECT_HANDLE)id;
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_DeriveKey(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
			 CK_OBJECT_HANDLE base, CK_ATTRIBUTE_PTR tmpl,
			 CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
	struct tc_session *session;
	int64_t id = 0;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (mechanism == NULL || key == NULL || (tmpl == NULL && count > 0))
		rv = CKR_ARGUMENTS_BAD;
	else if (base == CK_INVALID_HANDLE || base > INT64_MAX)
		rv = CKR_KEY_HANDLE_INVALID;
	else
		rv = token_derive_key(session, mechanism, (int64_t)base, tmpl,
				      count, &id);
	if (rv == CKR_OK)
		*key = (CK_OBJECT_HANDLE)id;
	p11_session_release(handle);
	return rv;
}
