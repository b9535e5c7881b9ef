/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <string.h>

#include "token/token_internal.h"
#include "token/token_template.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * Secret keys in the TPM: AES keys (CKM_AES_KEY_GEN) and generic secrets
 * for HMAC (CKM_GENERIC_SECRET_KEY_GEN), generated there by C_GenerateKey
 * or taken in by C_CreateObject.  Like private keys they have a random
 * TPM auth wrapped under the token's wrap secret, and their value never
 * leaves the TPM: they are sensitive and not extractable.
 */

static enum tpm_key_type tpm_type_of(CK_KEY_TYPE type)
{
	return type == CKK_AES ? TPM_KEY_AES : TPM_KEY_HMAC;
}

/* Whether a key of the type can have that many bytes. */
static bool len_ok(CK_KEY_TYPE type, CK_ULONG len)
{
	if (type == CKK_AES)
		return len == 16 || len == 24 || len == 32;
	return len >= 1 && len <= TPM_HMAC_KEY_MAX;
}

CK_RV token_secret_in_tpm_locked(struct tc_session *session,
				 CK_KEY_TYPE type, const uint8_t *value,
				 size_t len, struct tc_new_object *obj)
{
	uint8_t auth[TC_KEY_AUTH_LEN];
	struct tpm *tpm;
	enum tpm_rc rc;
	CK_RV rv = token_new_key_begin_locked(session, &tpm, auth);

	if (rv != CKR_OK)
		return rv;
	rc = tpm_secret_create(tpm, tpm_type_of(type), value, len, auth,
			       sizeof(auth), &obj->blob);
	/* A size the standard allows but this TPM lacks (AES-192). */
	if (rc == TPM_E_UNSUPPORTED)
		rv = CKR_KEY_SIZE_RANGE;
	else if (rc == TPM_E_BAD_INPUT)
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	else
		rv = token_rv_from_tpm(rc);
	return token_new_key_end(session, rv, auth, obj);
}

CK_RV token_secret_import_locked(struct tc_session *session,
				 const struct tmpl_kind *kind,
				 const CK_ATTRIBUTE *tmpl, CK_ULONG count,
				 struct tc_new_object *obj)
{
	const CK_ATTRIBUTE *value = tmpl_find(tmpl, count, CKA_VALUE);
	CK_RV rv;

	if (value == NULL || value->pValue == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	if (!len_ok(kind->type, value->ulValueLen))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	rv = token_secret_in_tpm_locked(session, kind->type, value->pValue,
					 value->ulValueLen, obj);
	if (rv == CKR_OK &&
	    !attrs_set_ulong(&obj->attrs, CKA_VALUE_LEN, value->ulValueLen))
		rv = CKR_HOST_MEMORY;
	return rv;
}

/* The mechanism's key type; false for a mechanism that makes none. */
static bool generated_type(CK_MECHANISM_TYPE mechanism, CK_KEY_TYPE *type)
{
	if (mechanism == CKM_AES_KEY_GEN)
		*type = CKK_AES;
	else if (mechanism == CKM_GENERIC_SECRET_KEY_GEN)
		*type = CKK_GENERIC_SECRET;
	else
		return false;
	return true;
}

/* The new key's attributes: the template's, defaults, what generation sets. */
static CK_RV generated_attrs(const struct tmpl_kind *kind,
			     CK_MECHANISM_TYPE mechanism,
			     const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			     struct attr_list *attrs)
{
	bool ok = attrs_set_ulong(attrs, CKA_CLASS, CKO_SECRET_KEY) &&
		  attrs_set_ulong(attrs, CKA_KEY_TYPE, kind->type) &&
		  tmpl_apply(attrs, kind, tmpl, count) &&
		  tmpl_defaults(attrs, kind) &&
		  attrs_set_bool(attrs, CKA_LOCAL, true) &&
		  attrs_set_ulong(attrs, CKA_KEY_GEN_MECHANISM, mechanism) &&
		  attrs_set_bool(attrs, CKA_ALWAYS_SENSITIVE, true) &&
		  attrs_set_bool(attrs, CKA_NEVER_EXTRACTABLE, true);

	return ok ? CKR_OK : CKR_HOST_MEMORY;
}

/* The template's CKA_VALUE_LEN, checked for the key type. */
static CK_RV value_len_of(const struct tmpl_kind *kind,
			  const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			  CK_ULONG *len)
{
	if (!tmpl_ulong(tmpl, count, CKA_VALUE_LEN, len))
		return CKR_TEMPLATE_INCOMPLETE;
	return len_ok(kind->type, *len) ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

static CK_RV generate_locked(struct tc_session *session,
			     const CK_MECHANISM *mechanism,
			     const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			     int64_t *id)
{
	struct tc_new_object obj;
	struct tmpl_kind dflt = { CKO_SECRET_KEY, 0 }, kind;
	struct tc_token *token = session->token;
	CK_ULONG len = 0;
	CK_RV rv;

	memset(&obj, 0, sizeof(obj));
	if (!generated_type(mechanism->mechanism, &dflt.type))
		return CKR_MECHANISM_INVALID;
	if (mechanism->pParameter != NULL || mechanism->ulParameterLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	rv = tmpl_kind_of(tmpl, count, &dflt, &kind);
	if (rv == CKR_OK)
		rv = tmpl_check(TMPL_GENERATE, &kind, tmpl, count, NULL);
	if (rv == CKR_OK)
		rv = value_len_of(&kind, tmpl, count, &len);
	if (rv == CKR_OK)
		rv = generated_attrs(&kind, mechanism->mechanism, tmpl, count,
				     &obj.attrs);
	if (rv == CKR_OK)
		rv = token_tpm_key_policy(&obj.attrs);
	if (rv == CKR_OK)
		rv = token_write_check_locked(
			session, attrs_get_bool(&obj.attrs, CKA_TOKEN, false),
			attrs_get_bool(&obj.attrs, CKA_PRIVATE, true));
	/* The key's auth is wrapped under the user's wrap secret. */
	if (rv == CKR_OK && !(token->logged_in && token->user == CKU_USER))
		rv = CKR_USER_NOT_LOGGED_IN;
	if (rv == CKR_OK)
		rv = token_secret_in_tpm_locked(session, kind.type, NULL, len,
						 &obj);
	if (rv == CKR_OK)
		rv = token_objects_add_locked(session, &obj, 1, id);
	secmem_wipe(obj.wrapped, sizeof(obj.wrapped));
	attrs_clear(&obj.attrs);
	tpm_blob_clear(&obj.blob);
	return rv;
}

CK_RV token_generate_key(struct tc_session *session,
			 const CK_MECHANISM *mechanism,
			 const CK_ATTRIBUTE *tmpl, CK_ULONG count, int64_t *id)
{
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	rv = generate_locked(session, mechanism, tmpl, count, id);
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}
