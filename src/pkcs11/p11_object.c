/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

#include <stdlib.h>

/* Object handles are the objects' store ids (never 0). */

EXPORT CK_RV C_FindObjectsInit(CK_SESSION_HANDLE handle,
			       CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (tmpl == NULL && count > 0)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = token_find_init(session, tmpl, count);
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_FindObjects(CK_SESSION_HANDLE handle,
			   CK_OBJECT_HANDLE_PTR objects, CK_ULONG max,
			   CK_ULONG_PTR count)
{
	struct tc_session *session;
	int64_t *ids = NULL;
	size_t found = 0;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (objects == NULL || count == NULL) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	ids = calloc(max ? max : 1, sizeof(*ids));
	rv = ids ? token_find_next(session, ids, max, &found) :
		   CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		for (size_t i = 0; i < found; i++)
			objects[i] = (CK_OBJECT_HANDLE)ids[i];
		*count = found;
	}
out:
	free(ids);
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE handle)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	rv = token_find_final(session);
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_GetAttributeValue(CK_SESSION_HANDLE handle,
				 CK_OBJECT_HANDLE object,
				 CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (tmpl == NULL && count > 0)
		rv = CKR_ARGUMENTS_BAD;
	else if (object == CK_INVALID_HANDLE || object > INT64_MAX)
		rv = CKR_OBJECT_HANDLE_INVALID;
	else
		rv = token_object_get_attrs(session, (int64_t)object, tmpl,
					    count);
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_GetObjectSize(CK_SESSION_HANDLE handle,
			     CK_OBJECT_HANDLE object, CK_ULONG_PTR size)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (size == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (object == CK_INVALID_HANDLE || object > INT64_MAX)
		rv = CKR_OBJECT_HANDLE_INVALID;
	else
		rv = token_object_size(session, (int64_t)object, size);
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_DestroyObject(CK_SESSION_HANDLE handle,
			     CK_OBJECT_HANDLE object)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (object == CK_INVALID_HANDLE || object > INT64_MAX)
		rv = CKR_OBJECT_HANDLE_INVALID;
	else
		rv = token_object_destroy(session, (int64_t)object);
	p11_session_release(handle);
	return rv;
}

/* A template pointer and count as the standard allows them. */
static bool template_ok(const CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
	return tmpl != NULL || count == 0;
}

static bool handle_ok(CK_OBJECT_HANDLE object)
{
	return object != CK_INVALID_HANDLE && object <= INT64_MAX;
}

EXPORT CK_RV C_CreateObject(CK_SESSION_HANDLE handle, CK_ATTRIBUTE_PTR tmpl,
			    CK_ULONG count, CK_OBJECT_HANDLE_PTR object)
{
	struct tc_session *session;
	int64_t id = 0;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (!template_ok(tmpl, count) || object == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = token_object_create(session, tmpl, count, &id);
	if (rv == CKR_OK)
		*object = (CK_OBJECT_HANDLE)id;
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_CopyObject(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object,
			  CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
			  CK_OBJECT_HANDLE_PTR copy)
{
	struct tc_session *session;
	int64_t id = 0;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (!template_ok(tmpl, count) || copy == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (!handle_ok(object))
		rv = CKR_OBJECT_HANDLE_INVALID;
	else
		rv = token_object_copy(session, (int64_t)object, tmpl, count,
				       &id);
	if (rv == CKR_OK)
		*copy = (CK_OBJECT_HANDLE)id;
	p11_session_release(handle);
	return rv;
}

EXPORT CK_RV C_SetAttributeValue(CK_SESSION_HANDLE handle,
				 CK_OBJECT_HANDLE object,
				 CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	if (!template_ok(tmpl, count))
		rv = CKR_ARGUMENTS_BAD;
	else if (!handle_ok(object))
		rv = CKR_OBJECT_HANDLE_INVALID;
	else
		rv = token_object_set_attrs(session, (int64_t)object, tmpl,
					    count);
	p11_session_release(handle);
	return rv;
}
