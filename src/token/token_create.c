/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "common/x509.h"
#include "token/token_internal.h"
#include "token/token_keyattrs.h"
#include "token/token_template.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * Objects made by the application: C_CreateObject, C_CopyObject,
 * C_SetAttributeValue, C_DestroyObject, and the one place where new
 * objects are added, in the store (token objects) or in memory only
 * (session objects, which vanish with the session that made them).
 */

CK_RV token_write_check_locked(struct tc_session *session, bool token_object,
			       bool private_object)
{
	struct tc_token *token = session->token;

	if (token->stale)
		return CKR_DEVICE_REMOVED;
	if (token_object && !session->rw)
		return CKR_SESSION_READ_ONLY;
	if (private_object && !(token->logged_in && token->user == CKU_USER))
		return CKR_USER_NOT_LOGGED_IN;
	if (token_object && db_read_only(session->mod->db))
		return CKR_TOKEN_WRITE_PROTECTED;
	return CKR_OK;
}

static CK_RV write_check_attrs_locked(struct tc_session *session,
				      const struct attr_list *attrs)
{
	return token_write_check_locked(
		session, attrs_get_bool(attrs, CKA_TOKEN, false),
		attrs_get_bool(attrs, CKA_PRIVATE, true));
}

static CK_RV row_of(int64_t token_id, const struct tc_new_object *obj,
		    struct db_object *row)
{
	memset(row, 0, sizeof(*row));
	row->token_id = token_id;
	if (!attrs_serialize(&obj->attrs, &row->attrs.data, &row->attrs.len))
		return CKR_HOST_MEMORY;
	if (obj->blob.pub_len > 0 &&
	    (!db_blob_set(&row->tpm_pub, obj->blob.pub, obj->blob.pub_len) ||
	     !db_blob_set(&row->tpm_priv, obj->blob.priv,
			  obj->blob.priv_len) ||
	     !db_blob_set(&row->auth, obj->auth, obj->auth_len)))
		return CKR_HOST_MEMORY;
	return CKR_OK;
}

/* Every token object of the batch in one transaction. */
static CK_RV store_locked(struct tc_session *session,
			  const struct tc_new_object *objs, size_t count,
			  int64_t *ids)
{
	struct db *db = session->mod->db;
	enum db_rc rc = db_begin(db);
	CK_RV rv = token_rv_from_db(rc);

	for (size_t i = 0; i < count && rv == CKR_OK; i++) {
		struct db_object row;

		if (!attrs_get_bool(&objs[i].attrs, CKA_TOKEN, false))
			continue;
		rv = row_of(session->token->row.id, &objs[i], &row);
		if (rv == CKR_OK)
			rv = token_rv_from_db(db_object_insert(db, &row,
							       &ids[i]));
		db_object_clear(&row);
	}
	if (rv == CKR_OK)
		return token_rv_from_db(db_commit(db));
	db_rollback(db);
	return rv;
}

static bool copy_blob(struct tpm_blob *to, const struct tpm_blob *from)
{
	memset(to, 0, sizeof(*to));
	if (from->pub_len == 0)
		return true;
	to->pub = malloc(from->pub_len);
	to->priv = malloc(from->priv_len ? from->priv_len : 1);
	if (to->pub == NULL || to->priv == NULL) {
		tpm_blob_clear(to);
		return false;
	}
	memcpy(to->pub, from->pub, from->pub_len);
	/* A damaged store row may have a public blob and no private one. */
	if (from->priv_len > 0)
		memcpy(to->priv, from->priv, from->priv_len);
	to->pub_len = from->pub_len;
	to->priv_len = from->priv_len;
	return true;
}

/* A session object in memory, taking the attributes of obj. */
static CK_RV add_session_object_locked(struct tc_session *session,
				       struct tc_new_object *obj, int64_t *id)
{
	struct tc_module *mod = session->mod;
	struct tc_object *o = calloc(1, sizeof(*o)), **tail;

	if (o == NULL || !copy_blob(&o->blob, &obj->blob) ||
	    (obj->auth_len > 0 &&
	     !db_blob_set(&o->auth, obj->auth, obj->auth_len))) {
		token_object_free(mod, o);
		return CKR_HOST_MEMORY;
	}
	if (mod->next_session_object < TC_SESSION_OBJECT_BASE)
		mod->next_session_object = TC_SESSION_OBJECT_BASE;
	o->id = mod->next_session_object++;
	o->owner = session;
	o->attrs = obj->attrs;
	memset(&obj->attrs, 0, sizeof(obj->attrs));
	for (tail = &session->token->objects; *tail; tail = &(*tail)->next)
		;
	*tail = o;
	*id = o->id;
	return CKR_OK;
}

CK_RV token_objects_add_locked(struct tc_session *session,
			       struct tc_new_object *objs, size_t count,
			       int64_t *ids)
{
	bool any_token = false;
	CK_RV rv = CKR_OK;

	for (size_t i = 0; i < count; i++)
		any_token |= attrs_get_bool(&objs[i].attrs, CKA_TOKEN, false);
	if (any_token) {
		rv = store_locked(session, objs, count, ids);
		if (rv == CKR_OK)
			rv = token_reload_objects_locked(session->mod,
							 session->token);
	}
	for (size_t i = 0; i < count && rv == CKR_OK; i++)
		if (!attrs_get_bool(&objs[i].attrs, CKA_TOKEN, false))
			rv = add_session_object_locked(session, &objs[i],
						       &ids[i]);
	return rv;
}

/* CKA_CHECK_VALUE of a certificate: the first 3 bytes of its SHA-1. */
static CK_RV cert_check_value(struct attr_list *attrs, const struct attr *der)
{
	const struct attr *given = attrs_find(attrs, CKA_CHECK_VALUE);
	uint8_t digest[CRYPTO_MAX_DIGEST];
	size_t len = 0;

	if (!crypto_digest_once(CRYPTO_SHA1, der->value, der->len, digest,
				&len))
		return CKR_HOST_MEMORY;
	if (given != NULL && given->len > 0 &&
	    (given->len != 3 || memcmp(given->value, digest, 3) != 0))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return attrs_set(attrs, CKA_CHECK_VALUE, digest, 3) ? CKR_OK :
							      CKR_HOST_MEMORY;
}

/* Fills a field from the certificate unless the template gave one. */
static bool fill_missing(struct attr_list *attrs, CK_ATTRIBUTE_TYPE type,
			 const uint8_t *value, size_t len)
{
	const struct attr *a = attrs_find(attrs, type);

	if (a != NULL && a->len > 0)
		return true;
	return attrs_set(attrs, type, value, len);
}

static CK_RV finish_certificate(struct tc_session *session,
				struct attr_list *attrs)
{
	const struct attr *der = attrs_find(attrs, CKA_VALUE);
	struct x509_fields fields;
	CK_RV rv;

	if (attrs_get_bool(attrs, CKA_TRUSTED, false) &&
	    !(session->token->logged_in && session->token->user == CKU_SO))
		return CKR_ATTRIBUTE_READ_ONLY; /* only the SO trusts */
	if (der == NULL || !x509_parse(der->value, der->len, &fields))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	rv = fill_missing(attrs, CKA_SUBJECT, fields.subject,
			  fields.subject_len) &&
			     fill_missing(attrs, CKA_ISSUER, fields.issuer,
					  fields.issuer_len) &&
			     fill_missing(attrs, CKA_SERIAL_NUMBER,
					  fields.serial, fields.serial_len) ?
		     CKR_OK :
		     CKR_HOST_MEMORY;
	x509_fields_clear(&fields);
	if (rv == CKR_OK)
		rv = cert_check_value(attrs, attrs_find(attrs, CKA_VALUE));
	return rv;
}

/* A public key: checked, and its derived attributes added. */
static CK_RV finish_public_key(struct attr_list *attrs,
			       const struct tmpl_kind *kind)
{
	struct tpm_pubkey pub;
	CK_RV rv = tc_pubkey_from_attrs(attrs, kind->type, &pub);

	if (rv != CKR_OK)
		return rv;
	return tc_pubkey_attrs(attrs, &pub, true) ? CKR_OK : CKR_HOST_MEMORY;
}

/* The attributes of a new object from its template and the defaults. */
static CK_RV build_attrs(const struct tmpl_kind *kind,
			 const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			 struct attr_list *attrs)
{
	if (!attrs_set_ulong(attrs, CKA_CLASS, kind->cls) ||
	    !tmpl_apply(attrs, kind, tmpl, count) ||
	    !tmpl_defaults(attrs, kind))
		return CKR_HOST_MEMORY;
	return CKR_OK;
}

static CK_RV create_locked(struct tc_session *session,
			   const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			   int64_t *id)
{
	struct tc_new_object obj = { 0 };
	struct tmpl_kind kind;
	CK_RV rv;

	rv = tmpl_kind_of(tmpl, count, NULL, &kind);
	if (rv == CKR_OK)
		rv = tmpl_check(TMPL_CREATE, &kind, tmpl, count, NULL);
	if (rv == CKR_OK)
		rv = build_attrs(&kind, tmpl, count, &obj.attrs);
	if (rv == CKR_OK)
		rv = write_check_attrs_locked(session, &obj.attrs);
	if (rv != CKR_OK)
		goto out;
	switch (kind.cls) {
	case CKO_CERTIFICATE:
		rv = finish_certificate(session, &obj.attrs);
		break;
	case CKO_PUBLIC_KEY:
		rv = finish_public_key(&obj.attrs, &kind);
		break;
	case CKO_PRIVATE_KEY:
	case CKO_SECRET_KEY:
		rv = token_import_locked(session, &kind, tmpl, count, &obj);
		break;
	default:
		break;
	}
	if (rv == CKR_OK)
		rv = token_objects_add_locked(session, &obj, 1, id);
out:
	attrs_clear(&obj.attrs);
	tpm_blob_clear(&obj.blob);
	return rv;
}

CK_RV token_object_create(struct tc_session *session,
			  const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			  int64_t *id)
{
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	rv = create_locked(session, tmpl, count, id);
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

static CK_RV copy_locked(struct tc_session *session, struct tc_object *from,
			 const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			 int64_t *id)
{
	struct tc_new_object obj = { 0 };
	struct tmpl_kind kind;
	CK_RV rv = CKR_OK;

	if (!attrs_get_bool(&from->attrs, CKA_COPYABLE, true))
		return CKR_ACTION_PROHIBITED;
	if (!tmpl_kind_of_object(&from->attrs, &kind))
		return CKR_GENERAL_ERROR;
	rv = tmpl_check(TMPL_COPY, &kind, tmpl, count, &from->attrs);
	if (rv != CKR_OK)
		return rv;
	if (!attrs_copy(&obj.attrs, &from->attrs) ||
	    !tmpl_apply(&obj.attrs, &kind, tmpl, count))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = write_check_attrs_locked(session, &obj.attrs);
	/* A key's copy is the same TPM key: the blobs are shared. */
	obj.blob = from->blob;
	obj.auth = from->auth.data;
	obj.auth_len = from->auth.len;
	if (rv == CKR_OK)
		rv = token_objects_add_locked(session, &obj, 1, id);
	attrs_clear(&obj.attrs);
	return rv;
}

CK_RV token_object_copy(struct tc_session *session, int64_t object_id,
			const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			int64_t *new_id)
{
	struct tc_object *obj;
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	obj = token_object_visible_get_locked(session, object_id);
	rv = obj ? copy_locked(session, obj, tmpl, count, new_id) :
		   CKR_OBJECT_HANDLE_INVALID;
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

static CK_RV set_locked(struct tc_session *session, struct tc_object *obj,
			const CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
	struct attr_list attrs = { 0 };
	struct db_blob row = { 0 };
	struct tmpl_kind kind;
	CK_RV rv;

	if (!attrs_get_bool(&obj->attrs, CKA_MODIFIABLE, true))
		return CKR_ACTION_PROHIBITED;
	if (!tmpl_kind_of_object(&obj->attrs, &kind))
		return CKR_GENERAL_ERROR;
	rv = tmpl_check(TMPL_SET, &kind, tmpl, count, &obj->attrs);
	if (rv == CKR_OK)
		rv = write_check_attrs_locked(session, &obj->attrs);
	if (rv != CKR_OK)
		return rv;
	if (!attrs_copy(&attrs, &obj->attrs) ||
	    !tmpl_apply(&attrs, &kind, tmpl, count)) {
		attrs_clear(&attrs);
		return CKR_HOST_MEMORY;
	}
	if (obj->owner == NULL) {
		rv = attrs_serialize(&attrs, &row.data, &row.len) ?
			     token_rv_from_db(db_object_update_attrs(
				     session->mod->db, obj->id, &row)) :
			     CKR_HOST_MEMORY;
		db_blob_clear(&row);
	}
	if (rv == CKR_OK) {
		attrs_clear(&obj->attrs);
		obj->attrs = attrs;
	} else {
		attrs_clear(&attrs);
	}
	return rv;
}

CK_RV token_object_set_attrs(struct tc_session *session, int64_t object_id,
			     const CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
	struct tc_object *obj;
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	obj = token_object_visible_get_locked(session, object_id);
	rv = obj ? set_locked(session, obj, tmpl, count) :
		   CKR_OBJECT_HANDLE_INVALID;
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

/* Unlinks and frees one object of the token's list. */
static void drop_object_locked(struct tc_module *mod, struct tc_token *token,
			       struct tc_object *obj)
{
	for (struct tc_object **link = &token->objects; *link;
	     link = &(*link)->next) {
		if (*link == obj) {
			*link = obj->next;
			token_object_free(mod, obj);
			return;
		}
	}
}

CK_RV token_object_destroy(struct tc_session *session, int64_t object_id)
{
	struct tc_module *mod = session->mod;
	struct tc_object *obj;
	CK_RV rv;

	tc_mutex_lock(&mod->lock);
	obj = token_object_visible_get_locked(session, object_id);
	if (obj == NULL)
		rv = CKR_OBJECT_HANDLE_INVALID;
	else if (!attrs_get_bool(&obj->attrs, CKA_DESTROYABLE, true))
		rv = CKR_ACTION_PROHIBITED;
	else
		rv = write_check_attrs_locked(session, &obj->attrs);
	if (rv == CKR_OK && obj->owner != NULL) {
		drop_object_locked(mod, session->token, obj);
	} else if (rv == CKR_OK) {
		rv = token_rv_from_db(db_object_delete(mod->db, object_id));
		if (rv == CKR_OK)
			rv = token_reload_objects_locked(mod, session->token);
	}
	tc_mutex_unlock(&mod->lock);
	return rv;
}

/*
 * Frees the token's session objects made by owner (NULL: by any session),
 * only the private ones when only_private.
 */
static void drop_locked(struct tc_module *mod, struct tc_token *token,
			const struct tc_session *owner, bool only_private)
{
	struct tc_object **link = &token->objects;

	while (*link != NULL) {
		struct tc_object *obj = *link;

		if (obj->owner == NULL ||
		    (owner != NULL && obj->owner != owner) ||
		    (only_private &&
		     !attrs_get_bool(&obj->attrs, CKA_PRIVATE, false))) {
			link = &obj->next;
			continue;
		}
		*link = obj->next;
		token_object_free(mod, obj);
	}
}

void token_session_objects_drop_locked(struct tc_session *session)
{
	drop_locked(session->mod, session->token, session, false);
}

/* PKCS#11 2.40, C_Logout: "all private session objects ... are destroyed". */
void token_private_session_objects_drop_locked(struct tc_module *mod,
					       struct tc_token *token)
{
	drop_locked(mod, token, NULL, true);
}
