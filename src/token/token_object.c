/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/* Attributes a private key has but never reveals. */
static const CK_ATTRIBUTE_TYPE sensitive_types[] = {
	CKA_PRIVATE_EXPONENT, CKA_PRIME_1,	CKA_PRIME_2, CKA_EXPONENT_1,
	CKA_EXPONENT_2,	      CKA_COEFFICIENT, CKA_VALUE,
};

struct tc_object *token_object_get_locked(struct tc_token *token, int64_t id)
{
	/* A handle kept from before the store changed finds its object. */
	if (token->mod != NULL &&
	    token_objects_ready_locked(token->mod, token) != CKR_OK)
		return NULL;
	for (struct tc_object *o = token->objects; o != NULL; o = o->next)
		if (o->id == id)
			return o;
	return NULL;
}

bool token_object_visible(const struct tc_session *session,
			  const struct tc_object *obj)
{
	const struct tc_token *token = session->token;

	if (!attrs_get_bool(&obj->attrs, CKA_PRIVATE, false))
		return true;
	return token->logged_in && token->user == CKU_USER;
}

struct tc_object *token_object_visible_get_locked(struct tc_session *session,
						  int64_t id)
{
	struct tc_object *obj = token_object_get_locked(session->token, id);

	return obj && token_object_visible(session, obj) ? obj : NULL;
}

static bool is_sensitive(const struct tc_object *obj, CK_ATTRIBUTE_TYPE type)
{
	unsigned long cls = 0;

	if (!attrs_get_ulong(&obj->attrs, CKA_CLASS, &cls))
		return false;
	/* A secret key's value shows only while it is public by choice. */
	if (cls == CKO_SECRET_KEY)
		return type == CKA_VALUE &&
		       (attrs_get_bool(&obj->attrs, CKA_SENSITIVE, true) ||
			!attrs_get_bool(&obj->attrs, CKA_EXTRACTABLE, false));
	if (cls != CKO_PRIVATE_KEY)
		return false;
	for (size_t i = 0; i < sizeof(sensitive_types) / sizeof(*sensitive_types);
	     i++)
		if (sensitive_types[i] == type)
			return true;
	return false;
}

/* One template entry; returns its own result, as the standard wants. */
static CK_RV get_one(const struct tc_object *obj, CK_ATTRIBUTE *entry)
{
	const struct attr *a = attrs_find(&obj->attrs, entry->type);

	if (is_sensitive(obj, entry->type)) {
		entry->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_ATTRIBUTE_SENSITIVE;
	}
	if (a == NULL) {
		entry->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_ATTRIBUTE_TYPE_INVALID;
	}
	if (entry->pValue == NULL) {
		entry->ulValueLen = a->len;
		return CKR_OK;
	}
	if (entry->ulValueLen < a->len) {
		entry->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (a->len > 0)
		memcpy(entry->pValue, a->value, a->len);
	entry->ulValueLen = a->len;
	return CKR_OK;
}

CK_RV token_object_get_attrs(struct tc_session *session, int64_t object_id,
			     CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
	struct tc_object *obj;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&session->mod->lock);
	obj = token_object_visible_get_locked(session, object_id);
	if (obj == NULL) {
		rv = CKR_OBJECT_HANDLE_INVALID;
		goto out;
	}
	/* Every entry is filled even after a bad one. */
	for (CK_ULONG i = 0; i < count; i++) {
		CK_RV one = get_one(obj, &tmpl[i]);

		if (rv == CKR_OK)
			rv = one;
	}
out:
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_object_size(struct tc_session *session, int64_t object_id,
			CK_ULONG *size)
{
	struct tc_object *obj;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&session->mod->lock);
	obj = token_object_visible_get_locked(session, object_id);
	if (obj == NULL) {
		rv = CKR_OBJECT_HANDLE_INVALID;
	} else {
		*size = obj->blob.pub_len + obj->blob.priv_len + obj->auth.len;
		for (size_t i = 0; i < obj->attrs.count; i++)
			*size += obj->attrs.items[i].len;
	}
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

/* A template entry with a length but no value matches nothing. */
static bool matches(const struct tc_object *obj, const CK_ATTRIBUTE *tmpl,
		    CK_ULONG count)
{
	for (CK_ULONG i = 0; i < count; i++) {
		const struct attr *a = attrs_find(&obj->attrs, tmpl[i].type);

		if (a == NULL || a->len != tmpl[i].ulValueLen ||
		    (a->len > 0 && (tmpl[i].pValue == NULL ||
				    memcmp(a->value, tmpl[i].pValue, a->len))))
			return false;
	}
	return true;
}

CK_RV token_find_init(struct tc_session *session, const CK_ATTRIBUTE *tmpl,
		      CK_ULONG count)
{
	struct tc_find_op *find = &session->find;
	size_t n = 0, cap = 0;
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	if (find->active) {
		rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	rv = token_refresh_locked(session->mod);
	if (rv == CKR_OK && session->token->stale)
		rv = CKR_DEVICE_REMOVED;
	if (rv == CKR_OK)
		rv = token_objects_ready_locked(session->mod, session->token);
	if (rv != CKR_OK)
		goto out;
	for (struct tc_object *o = session->token->objects; o; o = o->next)
		cap++;
	find->ids = calloc(cap ? cap : 1, sizeof(*find->ids));
	if (find->ids == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	for (struct tc_object *o = session->token->objects; o; o = o->next)
		if (token_object_visible(session, o) &&
		    matches(o, tmpl, count))
			find->ids[n++] = o->id;
	find->count = n;
	find->pos = 0;
	find->active = true;
out:
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_find_next(struct tc_session *session, int64_t *ids, size_t max,
		      size_t *found)
{
	struct tc_find_op *find = &session->find;
	CK_RV rv = CKR_OK;

	*found = 0;
	tc_mutex_lock(&session->mod->lock);
	if (!find->active) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
	} else {
		while (*found < max && find->pos < find->count)
			ids[(*found)++] = find->ids[find->pos++];
	}
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_find_final(struct tc_session *session)
{
	struct tc_find_op *find = &session->find;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&session->mod->lock);
	if (!find->active) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
	} else {
		free(find->ids);
		memset(find, 0, sizeof(*find));
	}
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

void token_auth_aad(const struct tc_object *obj, const uint8_t **aad,
		    size_t *len)
{
	/* The key's own public area: a wrapped auth opens only its key. */
	*aad = obj->blob.pub;
	*len = obj->blob.pub_len;
}

CK_RV token_object_key_locked(struct tc_session *session,
			      struct tc_object *obj, struct tpm_key **key)
{
	struct tc_token *token = session->token;
	const uint8_t *aad;
	size_t aad_len;
	struct secbuf *auth;
	struct tpm *tpm;
	CK_RV rv;

	if (obj->key != NULL) {
		*key = obj->key;
		return CKR_OK;
	}
	if (!token->logged_in || token->wrap == NULL)
		return CKR_USER_NOT_LOGGED_IN;
	if (obj->blob.pub_len == 0 || obj->auth.len < CRYPTO_AEAD_OVERHEAD)
		return CKR_KEY_TYPE_INCONSISTENT;
	rv = token_tpm_locked(session->mod, &tpm);
	if (rv != CKR_OK)
		return rv;
	auth = secbuf_new(obj->auth.len - CRYPTO_AEAD_OVERHEAD);
	if (auth == NULL)
		return CKR_HOST_MEMORY;
	auth->len = auth->cap;
	token_auth_aad(obj, &aad, &aad_len);
	if (!crypto_aead_open(token->wrap->data, aad, aad_len, obj->auth.data,
			      obj->auth.len, auth->data)) {
		log_err("object %lld: its key auth does not open with this "
			"token's secret (damaged store?)", (long long)obj->id);
		rv = CKR_DEVICE_ERROR;
	} else {
		rv = token_rv_from_tpm(tpm_key_open(tpm, &obj->blob,
						    auth->data, auth->len,
						    &obj->key));
	}
	secbuf_free(auth);
	if (rv == CKR_OK)
		*key = obj->key;
	return rv;
}

/* An empty CKA_ALLOWED_MECHANISMS allows every mechanism. */
static bool mechanism_allowed(const struct tc_object *obj,
			      CK_MECHANISM_TYPE mechanism)
{
	const struct attr *a = attrs_find(&obj->attrs, CKA_ALLOWED_MECHANISMS);
	CK_MECHANISM_TYPE m;

	if (a == NULL || a->len == 0)
		return true;
	for (size_t i = 0; i + sizeof(m) <= a->len; i += sizeof(m)) {
		memcpy(&m, a->value + i, sizeof(m));
		if (m == mechanism)
			return true;
	}
	return false;
}

CK_RV token_op_key_locked(struct tc_session *session, int64_t key_id,
			  struct tpm **tpm, struct tpm_key **key)
{
	struct tc_object *obj = token_object_get_locked(session->token, key_id);
	CK_RV rv;

	if (obj == NULL || !token_object_visible(session, obj))
		return obj ? CKR_USER_NOT_LOGGED_IN : CKR_KEY_HANDLE_INVALID;
	rv = token_object_key_locked(session, obj, key);
	if (rv == CKR_OK)
		rv = token_tpm_locked(session->mod, tpm);
	return rv;
}

CK_RV token_key_for_op_locked(struct tc_session *session, int64_t key_id,
			      CK_OBJECT_CLASS cls, CK_KEY_TYPE type,
			      CK_ATTRIBUTE_TYPE usage,
			      CK_MECHANISM_TYPE mechanism,
			      struct tc_object **key)
{
	struct tc_object *obj = token_object_get_locked(session->token, key_id);
	unsigned long have_cls = 0, have_type = 0;

	*key = NULL;
	if (obj == NULL)
		return CKR_KEY_HANDLE_INVALID;
	if (!token_object_visible(session, obj))
		return CKR_USER_NOT_LOGGED_IN;
	if (!attrs_get_ulong(&obj->attrs, CKA_CLASS, &have_cls) ||
	    have_cls != cls ||
	    !attrs_get_ulong(&obj->attrs, CKA_KEY_TYPE, &have_type) ||
	    have_type != type ||
	    (cls != CKO_PUBLIC_KEY && obj->blob.pub_len == 0))
		return CKR_KEY_TYPE_INCONSISTENT;
	if (!attrs_get_bool(&obj->attrs, usage, false))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (!mechanism_allowed(obj, mechanism))
		return CKR_MECHANISM_INVALID;
	*key = obj;
	return CKR_OK;
}

CK_RV token_wrap_check(struct tc_session *session, int64_t wrapping_id,
		       int64_t key_id)
{
	struct tc_object *wrapping, *key;
	unsigned long cls = 0;
	CK_RV rv = CKR_MECHANISM_INVALID;

	tc_mutex_lock(&session->mod->lock);
	wrapping = token_object_visible_get_locked(session, wrapping_id);
	key = token_object_visible_get_locked(session, key_id);
	if (wrapping == NULL)
		rv = CKR_WRAPPING_KEY_HANDLE_INVALID;
	else if (key == NULL)
		rv = CKR_KEY_HANDLE_INVALID;
	else if (!attrs_get_ulong(&key->attrs, CKA_CLASS, &cls) ||
		 (cls != CKO_PRIVATE_KEY && cls != CKO_SECRET_KEY))
		rv = CKR_KEY_NOT_WRAPPABLE;
	else if (!attrs_get_bool(&key->attrs, CKA_EXTRACTABLE, false))
		rv = CKR_KEY_UNEXTRACTABLE;
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_unwrap_check(struct tc_session *session, int64_t unwrapping_id)
{
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	rv = token_object_visible_get_locked(session, unwrapping_id) ?
		     CKR_MECHANISM_INVALID :
		     CKR_UNWRAPPING_KEY_HANDLE_INVALID;
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}
