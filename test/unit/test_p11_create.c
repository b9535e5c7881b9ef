/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "p11_fixture.h"

/*
 * Objects the application makes and changes through the function list:
 * C_CreateObject (data, certificates, public keys), session objects and
 * their lifetime, C_CopyObject, C_SetAttributeValue, C_DestroyObject,
 * with the session and login rules of each.
 */

#define NO_SUCH_OBJECT ((CK_OBJECT_HANDLE)987654)

static CK_OBJECT_CLASS data_cls = CKO_DATA;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

/* A data object; token/private as asked. */
static CK_RV make_data(struct p11 *p, CK_SESSION_HANDLE s, CK_BBOOL *token,
		       CK_BBOOL *private, const char *label,
		       CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &data_cls, sizeof(data_cls) },
		{ CKA_TOKEN, token, sizeof(*token) },
		{ CKA_PRIVATE, private, sizeof(*private) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_VALUE, "v", 1 },
	};

	return p->fn->C_CreateObject(s, t, 5, h);
}

static size_t count_labelled(struct p11 *p, CK_SESSION_HANDLE s,
			     const char *label)
{
	CK_ATTRIBUTE t = { CKA_LABEL, (void *)label, strlen(label) };
	CK_OBJECT_HANDLE found[8];

	return p11_find(p, s, &t, 1, found, 8);
}

static void test_create_data_objects(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE ro = p11_open_ro(p), rw = p11_open_rw(p);
	CK_OBJECT_HANDLE h = 0;
	CK_BYTE value[8];
	CK_ATTRIBUTE get = { CKA_VALUE, value, sizeof(value) };

	/* A token object needs a R/W session; a session object does not. */
	assert_int_equal(make_data(p, ro, &yes, &no, "d", &h),
			 CKR_SESSION_READ_ONLY);
	assert_int_equal(make_data(p, ro, &no, &no, "s", &h), CKR_OK);
	assert_true(h >= ((CK_OBJECT_HANDLE)1 << 48));
	assert_int_equal(make_data(p, rw, &yes, &no, "d", &h), CKR_OK);
	assert_true(h < ((CK_OBJECT_HANDLE)1 << 48));
	assert_int_equal(p->fn->C_GetAttributeValue(rw, h, &get, 1), CKR_OK);
	assert_int_equal(get.ulValueLen, 1);
	/* Private objects need the user. */
	assert_int_equal(make_data(p, rw, &yes, &yes, "p", &h),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p11_login(p, rw, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(make_data(p, rw, &yes, &yes, "p", &h), CKR_OK);
	assert_int_equal(count_labelled(p, ro, "p"), 1);
	assert_int_equal(p->fn->C_Logout(rw), CKR_OK);
	assert_int_equal(count_labelled(p, ro, "p"), 0);
}

static void test_create_argument_errors(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE rw = p11_open_rw(p);
	CK_ATTRIBUTE no_class = { CKA_LABEL, "x", 1 };
	CK_OBJECT_HANDLE h = 0;

	assert_int_equal(p->fn->C_CreateObject(rw, NULL, 1, &h),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_CreateObject(rw, &no_class, 1, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_CreateObject(rw, &no_class, 1, &h),
			 CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(p->fn->C_CreateObject(987654, &no_class, 1, &h),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(h, 0);
}

/* Session objects: seen by every session, gone with their own. */
static void test_session_objects_live_with_their_session(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE a = p11_open_ro(p), b = p11_open_ro(p);
	CK_OBJECT_HANDLE h = 0;
	CK_ATTRIBUTE label = { CKA_LABEL, NULL, 0 };

	assert_int_equal(make_data(p, a, &no, &no, "mine", &h), CKR_OK);
	assert_int_equal(count_labelled(p, b, "mine"), 1);
	assert_int_equal(p->fn->C_GetAttributeValue(b, h, &label, 1), CKR_OK);
	assert_int_equal(p->fn->C_CloseSession(a), CKR_OK);
	assert_int_equal(count_labelled(p, b, "mine"), 0);
	assert_int_equal(p->fn->C_GetAttributeValue(b, h, &label, 1),
			 CKR_OBJECT_HANDLE_INVALID);
}

static void test_certificate_from_der(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE rw = p11_open_rw(p);
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *cert = X509_new();
	X509_NAME *name = X509_NAME_new();
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	unsigned char *der = NULL, subject[256], serial[16], check[3];
	int der_len;
	CK_OBJECT_HANDLE h = 0;
	CK_ATTRIBUTE get[] = { { CKA_SUBJECT, subject, sizeof(subject) },
			       { CKA_SERIAL_NUMBER, serial, sizeof(serial) },
			       { CKA_CHECK_VALUE, check, sizeof(check) } };

	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"unit", -1, -1, 0);
	X509_set_subject_name(cert, name);
	X509_set_issuer_name(cert, name);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 99);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_set_pubkey(cert, key);
	assert_true(X509_sign(cert, key, EVP_sha256()) > 0);
	der_len = i2d_X509(cert, &der);
	{
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_CERTIFICATE_TYPE, &type, sizeof(type) },
			{ CKA_TOKEN, &yes, sizeof(yes) },
			{ CKA_VALUE, der, (CK_ULONG)der_len },
		};
		CK_BYTE junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
		CK_ATTRIBUTE bad[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_CERTIFICATE_TYPE, &type, sizeof(type) },
			{ CKA_VALUE, junk, sizeof(junk) },
		};

		assert_int_equal(p->fn->C_CreateObject(rw, t, 4, &h), CKR_OK);
		assert_int_equal(p->fn->C_CreateObject(rw, bad, 3, &h),
				 CKR_ATTRIBUTE_VALUE_INVALID);
		/* Only the SO may make a trusted certificate. */
		t[2].type = CKA_TRUSTED;
		assert_int_equal(p->fn->C_CreateObject(rw, t, 4, &h),
				 CKR_ATTRIBUTE_READ_ONLY);
	}
	assert_int_equal(p->fn->C_GetAttributeValue(rw, h, get, 3), CKR_OK);
	{
		unsigned char *name_der = NULL;
		int name_len = i2d_X509_NAME(name, &name_der);

		assert_int_equal(get[0].ulValueLen, name_len);
		assert_memory_equal(subject, name_der, (size_t)name_len);
		OPENSSL_free(name_der);
	}
	assert_int_equal(get[1].ulValueLen, 3); /* INTEGER 99: 02 01 63 */
	assert_int_equal(serial[2], 99);
	{
		unsigned char sha1[20];

		EVP_Digest(der, (size_t)der_len, sha1, NULL, EVP_sha1(), NULL);
		assert_memory_equal(check, sha1, 3);
	}
	OPENSSL_free(der);
	X509_NAME_free(name);
	X509_free(cert);
	EVP_PKEY_free(key);
}

static void test_public_key_objects(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE rw = p11_open_rw(p);
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE ec = CKK_EC;
	static const CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
					0x3d, 0x03, 0x01, 0x07 };
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	unsigned char point[65], spki[128], *want = NULL;
	size_t point_len = 0;
	int want_len;
	CK_OBJECT_HANDLE h = 0;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &ec, sizeof(ec) },
		{ CKA_EC_PARAMS, (void *)p256, sizeof(p256) },
		{ CKA_EC_POINT, point, sizeof(point) },
	};
	CK_ATTRIBUTE get = { CKA_PUBLIC_KEY_INFO, spki, sizeof(spki) };

	assert_int_equal(EVP_PKEY_get_octet_string_param(key, "pub", point,
							 sizeof(point),
							 &point_len),
			 1);
	/* The bare point, as some applications send it. */
	assert_int_equal(p->fn->C_CreateObject(rw, t, 4, &h), CKR_OK);
	assert_int_equal(p->fn->C_GetAttributeValue(rw, h, &get, 1), CKR_OK);
	want_len = i2d_PUBKEY(key, &want);
	assert_int_equal(get.ulValueLen, want_len);
	assert_memory_equal(spki, want, (size_t)want_len);
	/* A point off the curve is refused. */
	point[64] ^= 1;
	assert_int_equal(p->fn->C_CreateObject(rw, t, 4, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	/* Missing the point: incomplete. */
	assert_int_equal(p->fn->C_CreateObject(rw, t, 3, &h),
			 CKR_TEMPLATE_INCOMPLETE);
	OPENSSL_free(want);
	EVP_PKEY_free(key);
}

static void test_copy_object(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE rw = p11_open_rw(p), ro = p11_open_ro(p);
	CK_OBJECT_HANDLE h = 0, copy = 0;
	CK_ATTRIBUTE relabel[] = { { CKA_LABEL, "copy", 4 },
				   { CKA_TOKEN, &no, sizeof(no) } };
	CK_ATTRIBUTE not_copyable = { CKA_COPYABLE, &no, sizeof(no) };
	CK_ATTRIBUTE class_change = { CKA_CLASS, &data_cls, sizeof(data_cls) };
	CK_OBJECT_CLASS cert = CKO_CERTIFICATE;

	assert_int_equal(make_data(p, rw, &yes, &no, "orig", &h), CKR_OK);
	assert_int_equal(p->fn->C_CopyObject(rw, h, relabel, 2, &copy), CKR_OK);
	assert_int_not_equal(copy, h);
	assert_int_equal(count_labelled(p, rw, "copy"), 1);
	assert_int_equal(count_labelled(p, rw, "orig"), 1);
	/* A token copy from a R/O session: refused. */
	assert_int_equal(p->fn->C_CopyObject(ro, h, NULL, 0, &copy),
			 CKR_SESSION_READ_ONLY);
	/* The class stays; copying only to the same value is fine. */
	assert_int_equal(p->fn->C_CopyObject(rw, h, &class_change, 1, &copy),
			 CKR_OK);
	class_change.pValue = &cert;
	assert_int_equal(p->fn->C_CopyObject(rw, h, &class_change, 1, &copy),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(p->fn->C_SetAttributeValue(rw, h, &not_copyable, 1),
			 CKR_OK);
	assert_int_equal(p->fn->C_CopyObject(rw, h, NULL, 0, &copy),
			 CKR_ACTION_PROHIBITED);
	assert_int_equal(p->fn->C_CopyObject(rw, NO_SUCH_OBJECT, NULL, 0,
					     &copy),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(p->fn->C_CopyObject(rw, h, NULL, 0, NULL),
			 CKR_ARGUMENTS_BAD);
}

static void test_set_attribute_value(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE rw = p11_open_rw(p), ro = p11_open_ro(p);
	CK_OBJECT_HANDLE h = 0;
	CK_ATTRIBUTE label = { CKA_LABEL, "renamed", 7 };
	CK_ATTRIBUTE frozen = { CKA_MODIFIABLE, &no, sizeof(no) };
	CK_ATTRIBUTE token_off = { CKA_TOKEN, &no, sizeof(no) };

	assert_int_equal(make_data(p, rw, &yes, &no, "orig", &h), CKR_OK);
	assert_int_equal(p->fn->C_SetAttributeValue(ro, h, &label, 1),
			 CKR_SESSION_READ_ONLY);
	assert_int_equal(p->fn->C_SetAttributeValue(rw, h, &label, 1), CKR_OK);
	assert_int_equal(count_labelled(p, ro, "renamed"), 1);
	assert_int_equal(p->fn->C_SetAttributeValue(rw, h, &token_off, 1),
			 CKR_ATTRIBUTE_READ_ONLY);
	/* CKA_MODIFIABLE is set at creation (or copy), not later. */
	assert_int_equal(p->fn->C_SetAttributeValue(rw, h, &frozen, 1),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(p->fn->C_SetAttributeValue(rw, NO_SUCH_OBJECT, &label,
						    1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(p->fn->C_SetAttributeValue(rw, h, NULL, 1),
			 CKR_ARGUMENTS_BAD);
	/* A copy made unmodifiable refuses every change. */
	{
		CK_OBJECT_HANDLE copy = 0;

		assert_int_equal(p->fn->C_CopyObject(rw, h, &frozen, 1, &copy),
				 CKR_OK);
		assert_int_equal(p->fn->C_SetAttributeValue(rw, copy, &label,
							    1),
				 CKR_ACTION_PROHIBITED);
	}
}

static void test_destroy_object(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE rw = p11_open_rw(p), ro = p11_open_ro(p);
	CK_OBJECT_HANDLE token_obj = 0, session_obj = 0, kept = 0;
	CK_ATTRIBUTE keep = { CKA_DESTROYABLE, &no, sizeof(no) };

	assert_int_equal(make_data(p, rw, &yes, &no, "t", &token_obj), CKR_OK);
	assert_int_equal(make_data(p, ro, &no, &no, "s", &session_obj),
			 CKR_OK);
	assert_int_equal(p->fn->C_DestroyObject(ro, token_obj),
			 CKR_SESSION_READ_ONLY);
	assert_int_equal(p->fn->C_DestroyObject(ro, session_obj), CKR_OK);
	assert_int_equal(p->fn->C_DestroyObject(ro, session_obj),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(p->fn->C_DestroyObject(rw, token_obj), CKR_OK);
	assert_int_equal(count_labelled(p, rw, "t"), 0);
	assert_int_equal(make_data(p, rw, &yes, &no, "k", &kept), CKR_OK);
	assert_int_equal(p->fn->C_SetAttributeValue(rw, kept, &keep, 1),
			 CKR_OK);
	assert_int_equal(p->fn->C_DestroyObject(rw, kept),
			 CKR_ACTION_PROHIBITED);
}

#define T(name) cmocka_unit_test_setup_teardown(name, p11_setup, p11_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_data_objects),
		T(test_create_argument_errors),
		T(test_session_objects_live_with_their_session),
		T(test_certificate_from_der),
		T(test_public_key_objects),
		T(test_copy_object),
		T(test_set_attribute_value),
		T(test_destroy_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
