/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * C_FindObjects and C_GetAttributeValue on a token that holds many keys:
 * public EC keys made with OpenSSL, stored once by a setup pass.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bench.h"

static const uint8_t p256_oid[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				    0x3d, 0x03, 0x01, 0x07 };

static CK_OBJECT_HANDLE find_label(CK_FUNCTION_LIST_PTR fn,
				   CK_SESSION_HANDLE s, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof(cls) },
				{ CKA_LABEL, (void *)label, strlen(label) } };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (fn->C_FindObjectsInit(s, tmpl, 2) != CKR_OK)
		return CK_INVALID_HANDLE;
	if (fn->C_FindObjects(s, &h, 1, &n) != CKR_OK || n != 1)
		h = CK_INVALID_HANDLE;
	fn->C_FindObjectsFinal(s);
	return h;
}

/* One public EC key object with a fresh point. */
static bool add_key(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s,
		    const char *label)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	uint8_t point[67];
	size_t len = 0;
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = CKK_EC;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, &yes, 1 },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_EC_PARAMS, (void *)p256_oid, sizeof(p256_oid) },
		{ CKA_EC_POINT, point, sizeof(point) },
	};
	CK_OBJECT_HANDLE h;
	bool ok = k != NULL &&
		  EVP_PKEY_get_octet_string_param(k, "pub", point + 2, 65,
						  &len) == 1 &&
		  len == 65;

	point[0] = 0x04; /* the DER OCTET STRING around the point */
	point[1] = 65;
	EVP_PKEY_free(k);
	return ok && fn->C_CreateObject(s, tmpl, 6, &h) == CKR_OK;
}

bool find_setup(struct p11 *p, int count)
{
	CK_SESSION_INFO info;
	CK_SESSION_HANDLE rw;
	char label[32];
	bool ok = true;

	if (p->fn->C_GetSessionInfo(p->session, &info) != CKR_OK ||
	    p->fn->C_OpenSession(info.slotID,
				 CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
				 NULL, &rw) != CKR_OK)
		return false;
	for (int i = 0; ok && i < count; i++) {
		snprintf(label, sizeof(label), "find-%d", i);
		if (find_label(p->fn, rw, label) != CK_INVALID_HANDLE)
			continue;
		ok = add_key(p->fn, rw, label);
		if (!ok)
			fprintf(stderr, "cannot store key %d\n", i);
	}
	p->fn->C_CloseSession(rw);
	return ok;
}

bool find_once(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, int which,
	       double *seconds)
{
	char label[32];
	uint8_t point[80];
	CK_ATTRIBUTE get = { CKA_EC_POINT, point, sizeof(point) };
	CK_OBJECT_HANDLE h;
	double t = now_seconds();
	bool ok;

	snprintf(label, sizeof(label), "find-%d", which);
	h = find_label(fn, s, label);
	ok = h != CK_INVALID_HANDLE &&
	     fn->C_GetAttributeValue(s, h, &get, 1) == CKR_OK &&
	     get.ulValueLen == 67;
	*seconds = now_seconds() - t;
	return ok;
}
