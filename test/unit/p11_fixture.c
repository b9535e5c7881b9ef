/* SPDX-License-Identifier: BSD-3-Clause */
#include "p11_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/x509.h>

static struct p11 *new_p11(void **state)
{
	struct p11 *p = calloc(1, sizeof(*p));
	void *base = NULL;

	assert_non_null(p);
	fixture_setup_empty(&base);
	p->base = base;
	assert_int_equal(C_GetFunctionList(&p->fn), CKR_OK);
	assert_non_null(p->fn);
	*state = p;
	return p;
}

int p11_setup_no_store(void **state)
{
	new_p11(state);
	return 0;
}

static void create_token(struct p11 *p)
{
	assert_int_equal(fixture_create_token(P11_LABEL, USER_PIN, SO_PIN,
					      &p->base->token_id),
			 CKR_OK);
	p->slot = (CK_SLOT_ID)p->base->token_id;
}

int p11_setup_uninitialized(void **state)
{
	create_token(new_p11(state));
	return 0;
}

void p11_initialize(struct p11 *p)
{
	assert_int_equal(p->fn->C_Initialize(NULL), CKR_OK);
}

int p11_setup(void **state)
{
	struct p11 *p = new_p11(state);

	create_token(p);
	p11_initialize(p);
	return 0;
}

/* The pairs are made through the token layer, before C_Initialize. */
static void make_keys(struct p11 *p)
{
	struct fixture *f = p->base;
	int64_t priv, pub;

	fixture_open_module(f);
	fixture_login_user(f);
	fixture_generate(f, TC_KEY_RSA2048, "rsa", &priv, &pub);
	p->keys.rsa_priv = (CK_OBJECT_HANDLE)priv;
	p->keys.rsa_pub = (CK_OBJECT_HANDLE)pub;
	fixture_generate(f, TC_KEY_EC_P256, "ec", &priv, &pub);
	p->keys.ec_priv = (CK_OBJECT_HANDLE)priv;
	p->keys.ec_pub = (CK_OBJECT_HANDLE)pub;
	fixture_close_module(f);
}

int p11_setup_keys(void **state)
{
	struct p11 *p = new_p11(state);

	create_token(p);
	make_keys(p);
	p11_initialize(p);
	return 0;
}

int p11_teardown(void **state)
{
	struct p11 *p = *state;
	void *base = p->base;
	CK_RV rv = p->fn->C_Finalize(NULL);

	assert_true(rv == CKR_OK || rv == CKR_CRYPTOKI_NOT_INITIALIZED);
	free(p);
	return fixture_teardown(&base);
}

CK_SLOT_ID p11_add_token(const char *label)
{
	int64_t id = 0;

	assert_int_equal(fixture_create_token(label, USER_PIN, SO_PIN, &id),
			 CKR_OK);
	return (CK_SLOT_ID)id;
}

CK_SESSION_HANDLE p11_open(struct p11 *p, CK_FLAGS flags)
{
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;

	assert_int_equal(p->fn->C_OpenSession(p->slot,
					      CKF_SERIAL_SESSION | flags,
					      NULL, NULL, &s),
			 CKR_OK);
	assert_int_not_equal(s, CK_INVALID_HANDLE);
	return s;
}

CK_SESSION_HANDLE p11_open_rw(struct p11 *p)
{
	return p11_open(p, CKF_RW_SESSION);
}

CK_SESSION_HANDLE p11_open_ro(struct p11 *p)
{
	return p11_open(p, 0);
}

CK_RV p11_login(struct p11 *p, CK_SESSION_HANDLE s, CK_USER_TYPE user,
		const char *pin)
{
	return p->fn->C_Login(s, user, (CK_UTF8CHAR_PTR)pin, strlen(pin));
}

CK_SESSION_HANDLE p11_open_user(struct p11 *p)
{
	CK_SESSION_HANDLE s = p11_open_rw(p);

	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	return s;
}

CK_STATE p11_state(struct p11 *p, CK_SESSION_HANDLE s)
{
	CK_SESSION_INFO info;

	memset(&info, 0xa5, sizeof(info));
	assert_int_equal(p->fn->C_GetSessionInfo(s, &info), CKR_OK);
	return info.state;
}

size_t p11_find(struct p11 *p, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl,
		CK_ULONG count, CK_OBJECT_HANDLE *found, size_t max)
{
	CK_ULONG n = 0;

	assert_int_equal(p->fn->C_FindObjectsInit(s, tmpl, count), CKR_OK);
	assert_int_equal(p->fn->C_FindObjects(s, found, max, &n), CKR_OK);
	assert_int_equal(p->fn->C_FindObjectsFinal(s), CKR_OK);
	assert_true(n <= max);
	return n;
}

EVP_PKEY *p11_public_key(struct p11 *p, CK_SESSION_HANDLE s,
			 CK_OBJECT_HANDLE object)
{
	CK_ATTRIBUTE attr = { CKA_PUBLIC_KEY_INFO, NULL, 0 };
	const unsigned char *cursor;
	unsigned char *der;
	EVP_PKEY *key;

	assert_int_equal(p->fn->C_GetAttributeValue(s, object, &attr, 1),
			 CKR_OK);
	assert_true(attr.ulValueLen > 0 &&
		    attr.ulValueLen != CK_UNAVAILABLE_INFORMATION);
	der = malloc(attr.ulValueLen);
	assert_non_null(der);
	attr.pValue = der;
	assert_int_equal(p->fn->C_GetAttributeValue(s, object, &attr, 1),
			 CKR_OK);
	cursor = der;
	key = d2i_PUBKEY(NULL, &cursor, (long)attr.ulValueLen);
	free(der);
	assert_non_null(key);
	return key;
}

void p11_assert_padded(const CK_UTF8CHAR *field, size_t width,
		       const char *text)
{
	size_t len = strlen(text);

	assert_true(len <= width);
	assert_memory_equal(field, text, len);
	for (size_t i = len; i < width; i++)
		assert_int_equal(field[i], ' ');
}
