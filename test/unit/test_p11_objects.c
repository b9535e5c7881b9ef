/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "p11_fixture.h"

/*
 * Objects through the function list, on a token holding an RSA and an EC
 * key pair: finding them (and the find operation's states), what login
 * shows, C_GetAttributeValue's per-entry results over a whole template,
 * C_GetObjectSize and C_DestroyObject.
 */

#define NO_SUCH_SESSION ((CK_SESSION_HANDLE)987654)
#define NO_SUCH_OBJECT ((CK_OBJECT_HANDLE)987654)
#define UNKNOWN_ATTR (CKA_VENDOR_DEFINED | 0x4242)

static bool contains(const CK_OBJECT_HANDLE *list, size_t n,
		     CK_OBJECT_HANDLE h)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == h)
			return true;
	return false;
}

static size_t find_all(struct p11 *p, CK_SESSION_HANDLE s,
		       CK_OBJECT_HANDLE *found, size_t max)
{
	return p11_find(p, s, NULL, 0, found, max);
}

static size_t find_class(struct p11 *p, CK_SESSION_HANDLE s,
			 CK_OBJECT_CLASS cls, CK_OBJECT_HANDLE *found,
			 size_t max)
{
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &cls, sizeof(cls) };

	return p11_find(p, s, &tmpl, 1, found, max);
}

/* ---- finding ---- */

static void test_find_public_before_login(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_OBJECT_HANDLE found[8];

	assert_int_equal(find_all(p, s, found, 8), 2);
	assert_true(contains(found, 2, p->keys.rsa_pub));
	assert_true(contains(found, 2, p->keys.ec_pub));
	assert_int_equal(find_class(p, s, CKO_PRIVATE_KEY, found, 8), 0);
}

static void test_find_private_after_login(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE found[8];

	assert_int_equal(find_all(p, s, found, 8), 4);
	assert_int_equal(find_class(p, s, CKO_PRIVATE_KEY, found, 8), 2);
	assert_true(contains(found, 2, p->keys.rsa_priv));
	assert_true(contains(found, 2, p->keys.ec_priv));
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(find_class(p, s, CKO_PRIVATE_KEY, found, 8), 0);
}

static void test_find_by_label_and_key_type(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_KEY_TYPE ec = CKK_EC;
	CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_LABEL, "ec", 2 },
		{ CKA_KEY_TYPE, &ec, sizeof(ec) },
		{ CKA_CLASS, &priv, sizeof(priv) },
	};
	CK_OBJECT_HANDLE found[8];

	assert_int_equal(p11_find(p, s, tmpl, 3, found, 8), 1);
	assert_int_equal(found[0], p->keys.ec_priv);
	assert_int_equal(p11_find(p, s, tmpl, 2, found, 8), 2);
	tmpl[0].pValue = "rsa";
	tmpl[0].ulValueLen = 3;
	assert_int_equal(p11_find(p, s, tmpl, 2, found, 8), 0);
}

/* C_FindObjects hands the matches out a few at a time. */
static void test_find_in_chunks(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE found[4] = { 0 }, chunk[1];
	CK_ULONG n = 99;

	assert_int_equal(p->fn->C_FindObjectsInit(s, NULL, 0), CKR_OK);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(p->fn->C_FindObjects(s, chunk, 1, &n), CKR_OK);
		assert_int_equal(n, 1);
		assert_false(contains(found, i, chunk[0]));
		found[i] = chunk[0];
	}
	assert_int_equal(p->fn->C_FindObjects(s, chunk, 1, &n), CKR_OK);
	assert_int_equal(n, 0);
	n = 99;
	assert_int_equal(p->fn->C_FindObjects(s, chunk, 0, &n), CKR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(p->fn->C_FindObjectsFinal(s), CKR_OK);
}

static void test_find_operation_states(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_OBJECT_HANDLE found[8];
	CK_ULONG n = 0;

	assert_int_equal(p->fn->C_FindObjects(s, found, 8, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_FindObjectsFinal(s),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_FindObjectsInit(s, NULL, 0), CKR_OK);
	assert_int_equal(p->fn->C_FindObjectsInit(s, NULL, 0),
			 CKR_OPERATION_ACTIVE);
	/* The first search goes on undisturbed. */
	assert_int_equal(p->fn->C_FindObjects(s, found, 8, &n), CKR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(p->fn->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(p->fn->C_FindObjects(s, found, 8, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_FindObjectsFinal(s),
			 CKR_OPERATION_NOT_INITIALIZED);
}

/* A search belongs to its session. */
static void test_find_per_session(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE a = p11_open_ro(p), b = p11_open_ro(p);
	CK_OBJECT_HANDLE found[8];
	CK_ULONG n = 0;

	assert_int_equal(p->fn->C_FindObjectsInit(a, NULL, 0), CKR_OK);
	assert_int_equal(p->fn->C_FindObjects(b, found, 8, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(find_all(p, b, found, 8), 2);
	assert_int_equal(p->fn->C_FindObjects(a, found, 8, &n), CKR_OK);
	assert_int_equal(n, 2);
	/* Closing a session in the middle of a search frees it. */
	assert_int_equal(p->fn->C_FindObjectsInit(b, NULL, 0), CKR_OK);
	assert_int_equal(p->fn->C_CloseSession(b), CKR_OK);
}

static void test_find_bad_arguments(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_OBJECT_HANDLE found[8];
	CK_ULONG n = 0;

	assert_int_equal(p->fn->C_FindObjectsInit(s, NULL, 1),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_FindObjects(s, found, 8, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_FindObjectsInit(s, NULL, 0), CKR_OK);
	assert_int_equal(p->fn->C_FindObjects(s, NULL, 8, &n),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_FindObjects(s, found, 8, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_FindObjects(s, found, 8, &n), CKR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(p->fn->C_FindObjectsFinal(s), CKR_OK);
}

static void test_find_invalid_session(void **state)
{
	struct p11 *p = *state;
	CK_OBJECT_HANDLE found[8];
	CK_ULONG n = 0;

	assert_int_equal(p->fn->C_FindObjectsInit(NO_SUCH_SESSION, NULL, 0),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_FindObjects(NO_SUCH_SESSION, found, 8, &n),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_FindObjectsFinal(NO_SUCH_SESSION),
			 CKR_SESSION_HANDLE_INVALID);
}

/* ---- C_GetAttributeValue ---- */

static CK_RV get_attrs(struct p11 *p, CK_SESSION_HANDLE s,
		       CK_OBJECT_HANDLE obj, CK_ATTRIBUTE *tmpl,
		       CK_ULONG count)
{
	return p->fn->C_GetAttributeValue(s, obj, tmpl, count);
}

static void test_get_attribute_values(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_OBJECT_CLASS cls = 0;
	CK_KEY_TYPE type = 0;
	CK_BBOOL priv = CK_TRUE;
	char label[16] = { 0 };
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_PRIVATE, &priv, sizeof(priv) },
		{ CKA_LABEL, label, sizeof(label) },
	};

	assert_int_equal(get_attrs(p, s, p->keys.rsa_pub, tmpl, 4), CKR_OK);
	assert_int_equal(cls, CKO_PUBLIC_KEY);
	assert_int_equal(type, CKK_RSA);
	assert_int_equal(priv, CK_FALSE);
	assert_int_equal(tmpl[2].ulValueLen, sizeof(CK_BBOOL));
	assert_int_equal(tmpl[3].ulValueLen, 3);
	assert_memory_equal(label, "rsa", 3);
	assert_int_equal(get_attrs(p, s, p->keys.rsa_pub, NULL, 0), CKR_OK);
}

static void test_get_attribute_length_query(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, NULL, 0 },
		{ CKA_LABEL, NULL, 0 },
		{ CKA_MODULUS, NULL, 0 },
		{ CKA_ID, NULL, 0 },
	};

	assert_int_equal(get_attrs(p, s, p->keys.rsa_pub, tmpl, 4), CKR_OK);
	assert_int_equal(tmpl[0].ulValueLen, sizeof(CK_OBJECT_CLASS));
	assert_int_equal(tmpl[1].ulValueLen, 3);
	assert_int_equal(tmpl[2].ulValueLen, 256);
	assert_int_equal(tmpl[3].ulValueLen, 20); /* the SHA-1 of n */
}

/* The short entry is marked, the others are still filled. */
static void test_get_attribute_buffer_too_small(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_OBJECT_CLASS cls = 0;
	CK_KEY_TYPE type = 0;
	char label[1] = { 'x' };
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, label, sizeof(label) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
	};

	assert_int_equal(get_attrs(p, s, p->keys.ec_pub, tmpl, 3),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(tmpl[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(cls, CKO_PUBLIC_KEY);
	assert_int_equal(tmpl[0].ulValueLen, sizeof(cls));
	assert_int_equal(type, CKK_EC);
	assert_int_equal(tmpl[2].ulValueLen, sizeof(type));
}

static void test_get_attribute_sensitive(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE value[512];
	CK_BBOOL sensitive = CK_FALSE;
	CK_ATTRIBUTE rsa[] = {
		{ CKA_PRIVATE_EXPONENT, value, sizeof(value) },
		{ CKA_SENSITIVE, &sensitive, sizeof(sensitive) },
		{ CKA_PRIME_1, NULL, 0 },
	};
	CK_ATTRIBUTE ec[] = {
		{ CKA_SENSITIVE, &sensitive, sizeof(sensitive) },
		{ CKA_VALUE, value, sizeof(value) },
	};

	assert_int_equal(get_attrs(p, s, p->keys.rsa_priv, rsa, 3),
			 CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(rsa[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(rsa[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(sensitive, CK_TRUE);
	assert_int_equal(rsa[1].ulValueLen, sizeof(CK_BBOOL));
	sensitive = CK_FALSE;
	assert_int_equal(get_attrs(p, s, p->keys.ec_priv, ec, 2),
			 CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(sensitive, CK_TRUE);
	assert_int_equal(ec[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

static void test_get_attribute_type_invalid(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_KEY_TYPE type = 0;
	CK_BYTE value[64];
	CK_ATTRIBUTE tmpl[] = {
		{ UNKNOWN_ATTR, value, sizeof(value) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_MODULUS, value, sizeof(value) },
	};

	assert_int_equal(get_attrs(p, s, p->keys.ec_pub, tmpl, 3),
			 CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(tmpl[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(type, CKK_EC);
	assert_int_equal(tmpl[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

static void test_get_attribute_private_needs_login(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_OBJECT_CLASS cls = 0;
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &cls, sizeof(cls) };

	assert_int_equal(get_attrs(p, s, p->keys.rsa_priv, &tmpl, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(get_attrs(p, s, p->keys.rsa_priv, &tmpl, 1), CKR_OK);
	assert_int_equal(cls, CKO_PRIVATE_KEY);
	/* Logging out makes the handle invalid again. */
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(get_attrs(p, s, p->keys.rsa_priv, &tmpl, 1),
			 CKR_OBJECT_HANDLE_INVALID);
}

/* The SO is no user: private objects stay hidden. */
static void test_get_attribute_private_hidden_from_so(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);
	CK_OBJECT_CLASS cls = 0;
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &cls, sizeof(cls) };
	CK_OBJECT_HANDLE found[8];

	assert_int_equal(p11_login(p, s, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(get_attrs(p, s, p->keys.ec_priv, &tmpl, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(find_all(p, s, found, 8), 2);
}

static void test_get_attribute_bad_handles(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_CLASS cls = 0;
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &cls, sizeof(cls) };

	assert_int_equal(get_attrs(p, s, CK_INVALID_HANDLE, &tmpl, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(get_attrs(p, s, NO_SUCH_OBJECT, &tmpl, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(get_attrs(p, s, (CK_OBJECT_HANDLE)-1, &tmpl, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(get_attrs(p, s, p->keys.rsa_pub, NULL, 1),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(get_attrs(p, NO_SUCH_SESSION, p->keys.rsa_pub, &tmpl,
				   1),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(cls, 0);
}

/* Handles are the token's: another token's session does not know them. */
static void test_object_handle_of_other_token(void **state)
{
	struct p11 *p = *state;
	CK_SLOT_ID other = p11_add_token("other"), list[4];
	CK_ULONG count = 4;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE, mine = p11_open_ro(p);
	CK_OBJECT_CLASS cls = 0;
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &cls, sizeof(cls) };

	assert_int_equal(p->fn->C_GetSlotList(CK_TRUE, list, &count), CKR_OK);
	assert_int_equal(p->fn->C_OpenSession(other, CKF_SERIAL_SESSION, NULL,
					      NULL, &s),
			 CKR_OK);
	assert_int_equal(get_attrs(p, s, p->keys.rsa_pub, &tmpl, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(get_attrs(p, mine, p->keys.rsa_pub, &tmpl, 1),
			 CKR_OK);
}

/* ---- C_GetObjectSize ---- */

static void test_get_object_size(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_ULONG size = 0;

	assert_int_equal(p->fn->C_GetObjectSize(s, p->keys.rsa_pub, &size),
			 CKR_OK);
	assert_true(size > 256); /* holds at least the modulus */
	assert_int_equal(p->fn->C_GetObjectSize(s, p->keys.rsa_pub, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_GetObjectSize(s, CK_INVALID_HANDLE, &size),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(p->fn->C_GetObjectSize(s, NO_SUCH_OBJECT, &size),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(p->fn->C_GetObjectSize(s, p->keys.rsa_priv, &size),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(p->fn->C_GetObjectSize(s, p->keys.rsa_priv, &size),
			 CKR_OK);
	assert_int_equal(p->fn->C_GetObjectSize(NO_SUCH_SESSION,
						p->keys.rsa_pub, &size),
			 CKR_SESSION_HANDLE_INVALID);
}

/* ---- C_DestroyObject ---- */

static void test_destroy_object(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);
	CK_OBJECT_HANDLE found[8];
	CK_ULONG size = 0;

	assert_int_equal(p->fn->C_DestroyObject(s, p->keys.ec_pub), CKR_OK);
	assert_int_equal(p->fn->C_GetObjectSize(s, p->keys.ec_pub, &size),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(p->fn->C_DestroyObject(s, p->keys.ec_pub),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(find_all(p, s, found, 8), 1);
	assert_int_equal(found[0], p->keys.rsa_pub);
}

static void test_destroy_object_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE ro = p11_open_ro(p), rw = p11_open_rw(p);
	CK_OBJECT_HANDLE found[8];

	assert_int_equal(p->fn->C_DestroyObject(ro, p->keys.ec_pub),
			 CKR_SESSION_READ_ONLY);
	assert_int_equal(p->fn->C_DestroyObject(rw, p->keys.ec_priv),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(p->fn->C_DestroyObject(rw, CK_INVALID_HANDLE),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(p->fn->C_DestroyObject(NO_SUCH_SESSION,
						p->keys.ec_pub),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p11_login(p, rw, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(find_all(p, rw, found, 8), 4);
}

static void test_destroy_private_key(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE found[8];
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };

	assert_int_equal(p->fn->C_DestroyObject(s, p->keys.ec_priv), CKR_OK);
	assert_int_equal(find_class(p, s, CKO_PRIVATE_KEY, found, 8), 1);
	assert_int_equal(found[0], p->keys.rsa_priv);
	assert_int_equal(p->fn->C_SignInit(s, &mech, p->keys.ec_priv),
			 CKR_KEY_HANDLE_INVALID);
}

/* An object another process made indestructible. */
static void test_destroy_prohibited(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);
	CK_OBJECT_HANDLE found[8];

	fixture_store_set_bool(p->base, (int64_t)p->keys.rsa_pub,
			       CKA_DESTROYABLE, false);
	assert_int_equal(find_all(p, s, found, 8), 2); /* reads the store */
	assert_int_equal(p->fn->C_DestroyObject(s, p->keys.rsa_pub),
			 CKR_ACTION_PROHIBITED);
	assert_int_equal(find_all(p, s, found, 8), 2);
}

/* Token objects keep their handles across C_Finalize/C_Initialize. */
static void test_handles_are_stable(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_OBJECT_HANDLE before[8], after[8];
	size_t n = find_all(p, s, before, 8);

	assert_int_equal(p->fn->C_Finalize(NULL), CKR_OK);
	p11_initialize(p);
	s = p11_open_ro(p);
	assert_int_equal(find_all(p, s, after, 8), n);
	for (size_t i = 0; i < n; i++)
		assert_true(contains(after, n, before[i]));
}

#define T(name) \
	cmocka_unit_test_setup_teardown(name, p11_setup_keys, p11_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_find_public_before_login),
		T(test_find_private_after_login),
		T(test_find_by_label_and_key_type),
		T(test_find_in_chunks),
		T(test_find_operation_states),
		T(test_find_per_session),
		T(test_find_bad_arguments),
		T(test_find_invalid_session),
		T(test_get_attribute_values),
		T(test_get_attribute_length_query),
		T(test_get_attribute_buffer_too_small),
		T(test_get_attribute_sensitive),
		T(test_get_attribute_type_invalid),
		T(test_get_attribute_private_needs_login),
		T(test_get_attribute_private_hidden_from_so),
		T(test_get_attribute_bad_handles),
		T(test_object_handle_of_other_token),
		T(test_get_object_size),
		T(test_destroy_object),
		T(test_destroy_object_refusals),
		T(test_destroy_private_key),
		T(test_destroy_prohibited),
		T(test_handles_are_stable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
