/* SPDX-License-Identifier: BSD-3-Clause */
/* The module under test, driven through its function list. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

static bool find_slot(CK_FUNCTION_LIST_PTR fn, const char *token,
		      CK_SLOT_ID *slot)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	size_t len = strlen(token);

	if (fn->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return false;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO info;

		if (fn->C_GetTokenInfo(slots[i], &info) == CKR_OK &&
		    len <= 32 && memcmp(info.label, token, len) == 0 &&
		    (len == 32 || info.label[len] == ' ')) {
			*slot = slots[i];
			return true;
		}
	}
	return false;
}

/* A secret key with the bench's known value, stored under this label. */
static bool import_secret(struct p11 *p, const char *label,
			  const struct bench_mech *m)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = m->key_type;
	CK_BBOOL yes = CK_TRUE;
	uint8_t value[32];
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, &yes, 1 },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_VALUE, value, sizeof(value) },
		{ type == CKK_AES ? CKA_ENCRYPT : CKA_SIGN, &yes, 1 },
	};
	CK_SESSION_INFO info;
	CK_SESSION_HANDLE rw;
	CK_OBJECT_HANDLE h;
	bool ok;

	bench_secret_value(m, value);
	if (p->fn->C_GetSessionInfo(p->session, &info) != CKR_OK ||
	    p->fn->C_OpenSession(info.slotID,
				 CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
				 NULL, &rw) != CKR_OK)
		return false;
	ok = p->fn->C_CreateObject(rw, tmpl, 6, &h) == CKR_OK;
	p->fn->C_CloseSession(rw);
	return ok;
}

/* The private key with this label; its public key info alongside. */
static bool find_key(struct p11 *p, const char *label, CK_KEY_TYPE type)
{
	CK_OBJECT_CLASS cls = type == CKK_AES || type == CKK_GENERIC_SECRET ?
				      CKO_SECRET_KEY :
				      CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_ATTRIBUTE spki = { CKA_PUBLIC_KEY_INFO, p->spki, sizeof(p->spki) };
	CK_ULONG n = 0;
	bool ok;

	if (p->fn->C_FindObjectsInit(p->session, tmpl, 3) != CKR_OK)
		return false;
	ok = p->fn->C_FindObjects(p->session, &p->key, 1, &n) == CKR_OK &&
	     n == 1;
	p->fn->C_FindObjectsFinal(p->session);
	if (ok && cls == CKO_SECRET_KEY) {
		p->spki_len = 0; /* no public part */
		return true;
	}
	if (!ok)
		return false;
	/* tpm2-pkcs11 1.9 answers CKR_OK with an empty value. */
	if (p->fn->C_GetAttributeValue(p->session, p->key, &spki, 1) ==
		    CKR_OK &&
	    spki.ulValueLen > 0 && spki.ulValueLen <= sizeof(p->spki)) {
		p->spki_len = spki.ulValueLen;
		return true;
	}
	return spki_from_public_object(p, label, type);
}

bool p11_open(struct p11 *p, const char *module, const char *token,
	      const char *pin, const char *key_label,
	      const struct bench_mech *m, struct cold_phases *ph)
{
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	CK_SLOT_ID slot;
	double t = now_seconds();

	memset(p, 0, sizeof(*p));
	p->lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (p->lib == NULL) {
		fprintf(stderr, "%s\n", dlerror());
		return false;
	}
	*(void **)&get = dlsym(p->lib, "C_GetFunctionList");
	if (get == NULL || get(&p->fn) != CKR_OK)
		return false;
	ph->load = now_seconds() - t;
	t = now_seconds();
	if (p->fn->C_Initialize(NULL) != CKR_OK)
		return false;
	ph->init = now_seconds() - t;
	t = now_seconds();
	if (!find_slot(p->fn, token, &slot) ||
	    p->fn->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL,
				 &p->session) != CKR_OK)
		return false;
	ph->find = now_seconds() - t;
	t = now_seconds();
	if (p->fn->C_Login(p->session, CKU_USER, (CK_UTF8CHAR_PTR)pin,
			   strlen(pin)) != CKR_OK) {
		fprintf(stderr, "login refused\n");
		return false;
	}
	ph->login = now_seconds() - t;
	t = now_seconds();
	/* ssh looks the key up after the login too */
	if (!find_key(p, key_label, m->key_type) &&
	    !(bench_is_secret(m) && import_secret(p, key_label, m) &&
	      find_key(p, key_label, m->key_type))) {
		fprintf(stderr, "no private key '%s' of that type\n",
			key_label);
		return false;
	}
	ph->find += now_seconds() - t;
	return true;
}

void p11_close(struct p11 *p, struct cold_phases *ph)
{
	double t = now_seconds();

	if (p->fn != NULL)
		p->fn->C_Finalize(NULL);
	if (ph != NULL)
		ph->finalize = now_seconds() - t;
	if (p->lib != NULL)
		dlclose(p->lib);
	memset(p, 0, sizeof(*p));
}

/* ECDH: the shared secret as a session object, read, then destroyed. */
static bool derive_once(struct p11 *p, const uint8_t *point, size_t len,
			uint8_t *out, size_t *out_len)
{
	CK_ECDH1_DERIVE_PARAMS params = { CKD_NULL, 0, NULL, (CK_ULONG)len,
					  (CK_BYTE_PTR)point };
	CK_MECHANISM mech = { CKM_ECDH1_DERIVE, &params, sizeof(params) };
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_GENERIC_SECRET;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG value_len = 32;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, &no, 1 },
		{ CKA_SENSITIVE, &no, 1 },
		{ CKA_EXTRACTABLE, &yes, 1 },
		{ CKA_VALUE_LEN, &value_len, sizeof(value_len) },
	};
	CK_ATTRIBUTE value = { CKA_VALUE, out, *out_len };
	CK_OBJECT_HANDLE h;
	CK_RV rv = p->fn->C_DeriveKey(p->session, &mech, p->key, tmpl, 6, &h);

	if (rv == CKR_OK) {
		rv = p->fn->C_GetAttributeValue(p->session, h, &value, 1);
		p->fn->C_DestroyObject(p->session, h);
	}
	if (rv != CKR_OK) {
		fprintf(stderr, "derive failed: 0x%lx\n", (unsigned long)rv);
		return false;
	}
	*out_len = value.ulValueLen;
	return true;
}

bool p11_run_once(struct p11 *p, const struct bench_mech *m,
		  const uint8_t *input, size_t input_len, uint8_t *out,
		  size_t *out_len)
{
	CK_RSA_PKCS_PSS_PARAMS pss = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_RSA_PKCS_OAEP_PARAMS oaep = { CKM_SHA256, CKG_MGF1_SHA256,
					 CKZ_DATA_SPECIFIED, NULL, 0 };
	CK_MECHANISM mech = { m->type, NULL, 0 };
	CK_ULONG n = *out_len;
	uint8_t iv[16] = { 0 };
	CK_RV rv;

	if (m->op == OP_DERIVE)
		return derive_once(p, input, input_len, out, out_len);
	if (m->type == CKM_AES_CBC) {
		mech.pParameter = iv;
		mech.ulParameterLen = sizeof(iv);
	}
	if (m->type == CKM_SHA256_RSA_PKCS_PSS) {
		mech.pParameter = &pss;
		mech.ulParameterLen = sizeof(pss);
	} else if (m->type == CKM_RSA_PKCS_OAEP) {
		mech.pParameter = &oaep;
		mech.ulParameterLen = sizeof(oaep);
	}
	if (m->op == OP_SIGN) {
		rv = p->fn->C_SignInit(p->session, &mech, p->key);
		if (rv == CKR_OK)
			rv = p->fn->C_Sign(p->session, (CK_BYTE_PTR)input,
					   input_len, out, &n);
	} else if (m->op == OP_ENCRYPT) {
		rv = p->fn->C_EncryptInit(p->session, &mech, p->key);
		if (rv == CKR_OK)
			rv = p->fn->C_Encrypt(p->session, (CK_BYTE_PTR)input,
					      input_len, out, &n);
	} else {
		rv = p->fn->C_DecryptInit(p->session, &mech, p->key);
		if (rv == CKR_OK)
			rv = p->fn->C_Decrypt(p->session, (CK_BYTE_PTR)input,
					      input_len, out, &n);
	}
	if (rv != CKR_OK) {
		fprintf(stderr, "operation failed: 0x%lx\n", (unsigned long)rv);
		return false;
	}
	*out_len = n;
	return true;
}
