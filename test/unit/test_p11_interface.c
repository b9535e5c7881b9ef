/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "p11_fixture.h"
#include "pkcs11/pkcs11_v3.h"

/*
 * PKCS#11 3.0 interface discovery and the 3.0 functions, reached only
 * through C_GetInterfaceList / C_GetInterface as a 3.0 application does.
 */

#define NO_SUCH_SESSION ((CK_SESSION_HANDLE)987654)
#define V2_COUNT 68 /* function pointers of the 2.40 list */
#define V3_ADDED 24 /* function pointers 3.0 adds */

static const CK_UTF8CHAR pkcs11_name[] = "PKCS 11";

static CK_UTF8CHAR_PTR name_arg(const char *name)
{
	return (CK_UTF8CHAR_PTR)name;
}

/* The default interface's list, as C_GetInterface(NULL, NULL) gives it. */
static CK_FUNCTION_LIST_3_0 *v3_list(void)
{
	CK_INTERFACE_PTR iface = NULL;

	assert_int_equal(C_GetInterface(NULL, NULL, &iface, 0), CKR_OK);
	assert_non_null(iface);
	return iface->pFunctionList;
}

static CK_FUNCTION_LIST_PTR v2_list(void)
{
	CK_FUNCTION_LIST_PTR v2 = NULL;

	assert_int_equal(C_GetFunctionList(&v2), CKR_OK);
	return v2;
}

static void assert_version(const void *list, int major, int minor)
{
	const CK_VERSION *v = list;

	assert_int_equal(v->major, major);
	assert_int_equal(v->minor, minor);
}

static void test_interface_list(void **state)
{
	CK_INTERFACE list[4];
	CK_ULONG count = 0;

	(void)state;
	assert_int_equal(C_GetInterfaceList(NULL, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(C_GetInterfaceList(list, NULL), CKR_ARGUMENTS_BAD);
	/* The length query. */
	assert_int_equal(C_GetInterfaceList(NULL, &count), CKR_OK);
	assert_int_equal(count, 2);
	count = 1;
	assert_int_equal(C_GetInterfaceList(list, &count),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(count, 2);
	count = 0;
	assert_int_equal(C_GetInterfaceList(list, &count),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(count, 2);
	count = 4;
	assert_int_equal(C_GetInterfaceList(list, &count), CKR_OK);
	assert_int_equal(count, 2);
	/* "PKCS 11" 3.0 first (the default), then 2.40. */
	assert_string_equal((char *)list[0].pInterfaceName, "PKCS 11");
	assert_string_equal((char *)list[1].pInterfaceName, "PKCS 11");
	assert_version(list[0].pFunctionList, 3, 0);
	assert_version(list[1].pFunctionList, 2, 40);
	assert_ptr_equal(list[0].pFunctionList, v3_list());
	assert_ptr_equal(list[1].pFunctionList, v2_list());
	/* Neither claims fork safety: a child must initialize again. */
	assert_int_equal(list[0].flags, 0);
	assert_int_equal(list[1].flags, 0);
	/* An exact fit works too. */
	count = 2;
	assert_int_equal(C_GetInterfaceList(list, &count), CKR_OK);
	assert_int_equal(count, 2);
}

static void assert_found(CK_UTF8CHAR_PTR name, CK_VERSION *version,
			 CK_FLAGS flags, const void *want)
{
	CK_INTERFACE_PTR iface = NULL;

	assert_int_equal(C_GetInterface(name, version, &iface, flags), CKR_OK);
	assert_non_null(iface);
	assert_string_equal((char *)iface->pInterfaceName, "PKCS 11");
	assert_ptr_equal(iface->pFunctionList, want);
}

static void assert_not_found(CK_UTF8CHAR_PTR name, CK_VERSION *version,
			     CK_FLAGS flags)
{
	CK_INTERFACE_PTR iface = (CK_INTERFACE_PTR)pkcs11_name;

	assert_int_equal(C_GetInterface(name, version, &iface, flags),
			 CKR_ARGUMENTS_BAD);
	/* The output is cleared, never left pointing somewhere. */
	assert_null(iface);
}

static void test_get_interface(void **state)
{
	CK_VERSION v240 = { 2, 40 }, v30 = { 3, 0 }, v31 = { 3, 1 };
	CK_VERSION v2 = { 2, 0 };
	CK_UTF8CHAR_PTR pkcs11 = (CK_UTF8CHAR_PTR)pkcs11_name;
	void *v3 = v3_list();

	(void)state;
	/* Name and version each narrow the choice; neither is needed. */
	assert_found(NULL, NULL, 0, v3);
	assert_found(pkcs11, NULL, 0, v3);
	assert_found(pkcs11, &v30, 0, v3);
	assert_found(NULL, &v30, 0, v3);
	assert_found(pkcs11, &v240, 0, v2_list());
	assert_found(NULL, &v240, 0, v2_list());
	/* Unknown names and versions. */
	assert_not_found(pkcs11, &v31, 0);
	assert_not_found(pkcs11, &v2, 0);
	assert_not_found(name_arg("Vendor tpmcard"), NULL, 0);
	assert_not_found(name_arg("PKCS 11 "), NULL, 0);
	assert_not_found(name_arg(""), &v30, 0);
	/* Flags the interface must have: we claim none. */
	assert_not_found(NULL, NULL, CKF_INTERFACE_FORK_SAFE);
	assert_not_found(pkcs11, &v240, CKF_INTERFACE_FORK_SAFE);
	assert_not_found(pkcs11, &v30, 0x2);
	assert_int_equal(C_GetInterface(NULL, NULL, NULL, 0),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(C_GetInterface(pkcs11, &v30, NULL, 0),
			 CKR_ARGUMENTS_BAD);
}

/* The 3.0 list: the 2.40 entries in place, then 24 more, none NULL. */
static void test_v3_list_layout(void **state)
{
	CK_FUNCTION_LIST_3_0 *v3 = v3_list();
	CK_FUNCTION_LIST_PTR v2 = v2_list();
	void (**a)(void), (**b)(void);
	size_t total = (sizeof(*v3) - offsetof(CK_FUNCTION_LIST_3_0,
					       C_Initialize)) /
		       sizeof(void (*)(void));

	(void)state;
	assert_int_equal(total, V2_COUNT + V3_ADDED);
	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, C_WaitForSlotEvent),
			 offsetof(CK_FUNCTION_LIST, C_WaitForSlotEvent));
	assert_int_equal(offsetof(CK_FUNCTION_LIST_3_0, C_GetInterfaceList),
			 sizeof(CK_FUNCTION_LIST));
	a = (void (**)(void))&v3->C_Initialize;
	b = (void (**)(void))&v2->C_Initialize;
	for (size_t i = 0; i < total; i++)
		assert_non_null(a[i]);
	/* Every 2.40 entry but C_GetInfo is the 2.40 list's own. */
	for (size_t i = 0; i < V2_COUNT; i++)
		if (&a[i] != (void (**)(void))&v3->C_GetInfo)
			assert_ptr_equal(a[i], b[i]);
	assert_ptr_not_equal(v3->C_GetInfo, v2->C_GetInfo);
	/* Every 3.0 entry is the exported function of its name. */
#define SAME(name, args) assert_ptr_equal(v3->name, name);
	TC_V3_FUNCTIONS(SAME)
#undef SAME
}

static void test_get_info_per_interface(void **state)
{
	struct p11 *p = *state;
	CK_FUNCTION_LIST_3_0 *v3 = v3_list();
	CK_INFO info, v2_info;

	assert_int_equal(v3->C_GetInfo(&info), CKR_OK);
	assert_int_equal(info.cryptokiVersion.major, 3);
	assert_int_equal(info.cryptokiVersion.minor, 0);
	assert_int_equal(p->fn->C_GetInfo(&v2_info), CKR_OK);
	assert_int_equal(v2_info.cryptokiVersion.major, 2);
	assert_int_equal(v2_info.cryptokiVersion.minor, 40);
	/* Only the version differs. */
	v2_info.cryptokiVersion = info.cryptokiVersion;
	assert_memory_equal(&info, &v2_info, sizeof(info));
	assert_int_equal(v3->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(v3->C_Finalize(NULL), CKR_OK);
	assert_int_equal(v3->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
}

/* Discovery needs no C_Initialize; the 3.0 list then initializes. */
static void test_initialize_through_v3(void **state)
{
	struct p11 *p = *state;
	CK_FUNCTION_LIST_3_0 *v3 = v3_list();
	CK_SLOT_ID slots[4], v2_slots[4];
	CK_ULONG count = 4, v2_count = 4;

	assert_int_equal(v3->C_SessionCancel(1, CKF_SIGN),
			 CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_int_equal(v3->C_LoginUser(1, CKU_USER, name_arg(USER_PIN),
					 strlen(USER_PIN), NULL, 0),
			 CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_int_equal(v3->C_Initialize(NULL), CKR_OK);
	assert_int_equal(p->fn->C_Initialize(NULL),
			 CKR_CRYPTOKI_ALREADY_INITIALIZED);
	/* One module behind both lists. */
	assert_int_equal(v3->C_GetSlotList(CK_TRUE, slots, &count), CKR_OK);
	assert_int_equal(p->fn->C_GetSlotList(CK_TRUE, v2_slots, &v2_count),
			 CKR_OK);
	assert_int_equal(count, v2_count);
	assert_memory_equal(slots, v2_slots, count * sizeof(slots[0]));
	assert_int_equal(v3->C_Finalize(NULL), CKR_OK);
	assert_int_equal(p->fn->C_Finalize(NULL),
			 CKR_CRYPTOKI_NOT_INITIALIZED);
}

static CK_RV login_user(CK_FUNCTION_LIST_3_0 *v3, CK_SESSION_HANDLE s,
			CK_USER_TYPE user, const char *pin, const char *name)
{
	return v3->C_LoginUser(s, user, name_arg(pin), strlen(pin),
			       name_arg(name), name ? strlen(name) : 0);
}

static void test_login_user(void **state)
{
	struct p11 *p = *state;
	CK_FUNCTION_LIST_3_0 *v3 = v3_list();
	CK_SESSION_HANDLE s = p11_open_rw(p);

	/* A user name: none exists here, refused before the PIN is tried. */
	assert_int_equal(login_user(v3, s, CKU_USER, USER_PIN, "alice"),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p11_state(p, s), CKS_RW_PUBLIC_SESSION);
	assert_int_equal(v3->C_LoginUser(s, CKU_USER, name_arg(USER_PIN),
					 strlen(USER_PIN), NULL, 3),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(login_user(v3, s, CKU_USER, "000000", NULL),
			 CKR_PIN_INCORRECT);
	assert_int_equal(v3->C_LoginUser(s, CKU_USER, NULL, 0, NULL, 0),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(login_user(v3, s, 7, USER_PIN, NULL),
			 CKR_USER_TYPE_INVALID);
	assert_int_equal(login_user(v3, NO_SUCH_SESSION, CKU_USER, USER_PIN,
				    NULL),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(login_user(v3, s, CKU_CONTEXT_SPECIFIC, USER_PIN,
				    NULL),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p11_state(p, s), CKS_RW_PUBLIC_SESSION);
	/* No name (a non-NULL empty one is no name either): C_Login. */
	assert_int_equal(login_user(v3, s, CKU_USER, USER_PIN, ""), CKR_OK);
	assert_int_equal(p11_state(p, s), CKS_RW_USER_FUNCTIONS);
	assert_int_equal(login_user(v3, s, CKU_USER, USER_PIN, NULL),
			 CKR_USER_ALREADY_LOGGED_IN);
	assert_int_equal(login_user(v3, s, CKU_SO, SO_PIN, NULL),
			 CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
	/* Context-specific: no operation asks for it. */
	assert_int_equal(login_user(v3, s, CKU_CONTEXT_SPECIFIC, USER_PIN,
				    "alice"),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(login_user(v3, s, CKU_CONTEXT_SPECIFIC, USER_PIN,
				    NULL),
			 CKR_OPERATION_NOT_INITIALIZED);
}

static void test_login_user_so(void **state)
{
	struct p11 *p = *state;
	CK_FUNCTION_LIST_3_0 *v3 = v3_list();
	CK_SESSION_HANDLE s = p11_open_rw(p);

	assert_int_equal(login_user(v3, s, CKU_SO, SO_PIN, "admin"),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(login_user(v3, s, CKU_SO, USER_PIN, NULL),
			 CKR_PIN_INCORRECT);
	assert_int_equal(p11_state(p, s), CKS_RW_PUBLIC_SESSION);
	assert_int_equal(login_user(v3, s, CKU_SO, SO_PIN, NULL), CKR_OK);
	assert_int_equal(p11_state(p, s), CKS_RW_SO_FUNCTIONS);
	assert_int_equal(v3->C_Logout(s), CKR_OK);
	/* The SO needs every session R/W, with or without a name. */
	p11_open_ro(p);
	assert_int_equal(login_user(v3, s, CKU_SO, SO_PIN, NULL),
			 CKR_SESSION_READ_ONLY_EXISTS);
}

static CK_RV sign_once(CK_FUNCTION_LIST_3_0 *v3, CK_SESSION_HANDLE s,
		       CK_ULONG *len)
{
	CK_BYTE data[32] = { 1 }, sig[512];

	*len = sizeof(sig);
	return v3->C_Sign(s, data, sizeof(data), sig, len);
}

static void test_session_cancel_named(void **state)
{
	struct p11 *p = *state;
	CK_FUNCTION_LIST_3_0 *v3 = v3_list();
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM sign = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_MECHANISM digest = { CKM_SHA256, NULL, 0 };
	CK_OBJECT_HANDLE found[4];
	CK_ULONG n = 0, len = 0;
	CK_BYTE out[64];

	assert_int_equal(v3->C_SignInit(s, &sign, p->keys.ec_priv), CKR_OK);
	assert_int_equal(v3->C_DigestInit(s, &digest), CKR_OK);
	assert_int_equal(v3->C_FindObjectsInit(s, NULL, 0), CKR_OK);
	/* Only what the flags name ends. */
	assert_int_equal(v3->C_SessionCancel(s, CKF_SIGN), CKR_OK);
	assert_int_equal(sign_once(v3, s, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(v3->C_FindObjects(s, found, 4, &n), CKR_OK);
	assert_int_equal(v3->C_SessionCancel(s, CKF_DIGEST | CKF_FIND_OBJECTS),
			 CKR_OK);
	len = sizeof(out);
	assert_int_equal(v3->C_Digest(s, out, 1, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(v3->C_FindObjects(s, found, 4, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* The operations can start again. */
	assert_int_equal(v3->C_SignInit(s, &sign, p->keys.ec_priv), CKR_OK);
	assert_int_equal(sign_once(v3, s, &len), CKR_OK);
	assert_int_equal(len, 64);
	assert_int_equal(v3->C_FindObjectsInit(s, NULL, 0), CKR_OK);
	assert_int_equal(v3->C_FindObjectsFinal(s), CKR_OK);
}

static void test_session_cancel_crypt(void **state)
{
	struct p11 *p = *state;
	CK_FUNCTION_LIST_3_0 *v3 = v3_list();
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM ecdsa = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_MECHANISM pkcs1 = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE in[256] = { 1 }, out[512];
	CK_ULONG len = sizeof(out);

	assert_int_equal(v3->C_VerifyInit(s, &ecdsa, p->keys.ec_pub), CKR_OK);
	assert_int_equal(v3->C_SessionCancel(s, CKF_VERIFY), CKR_OK);
	assert_int_equal(v3->C_Verify(s, in, 32, in, 64),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(v3->C_EncryptInit(s, &pkcs1, p->keys.rsa_pub), CKR_OK);
	assert_int_equal(v3->C_SessionCancel(s, CKF_ENCRYPT), CKR_OK);
	assert_int_equal(v3->C_Encrypt(s, in, 16, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(v3->C_DecryptInit(s, &pkcs1, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(v3->C_SessionCancel(s, CKF_DECRYPT), CKR_OK);
	len = sizeof(out);
	assert_int_equal(v3->C_Decrypt(s, in, 256, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
}

/* Nothing named, or nothing running under the name: nothing changes. */
static void test_session_cancel_nothing(void **state)
{
	struct p11 *p = *state;
	CK_FUNCTION_LIST_3_0 *v3 = v3_list();
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM sign = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_FLAGS idle = CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT | CKF_DIGEST |
			CKF_FIND_OBJECTS | CKF_SIGN_RECOVER |
			CKF_VERIFY_RECOVER | CKF_MESSAGE_SIGN |
			CKF_MESSAGE_ENCRYPT | CKF_GENERATE | CKF_DERIVE;
	CK_ULONG len = 0;

	assert_int_equal(v3->C_SignInit(s, &sign, p->keys.ec_priv), CKR_OK);
	assert_int_equal(v3->C_SessionCancel(s, 0), CKR_OK);
	assert_int_equal(v3->C_SessionCancel(s, idle), CKR_OK);
	assert_int_equal(sign_once(v3, s, &len), CKR_OK);
	assert_int_equal(len, 64);
	/* Nothing at all running. */
	assert_int_equal(v3->C_SessionCancel(s, idle | CKF_SIGN), CKR_OK);
	assert_int_equal(v3->C_SessionCancel(NO_SUCH_SESSION, CKF_SIGN),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(v3->C_CloseSession(s), CKR_OK);
	assert_int_equal(v3->C_SessionCancel(s, CKF_SIGN),
			 CKR_SESSION_HANDLE_INVALID);
}

static void assert_messages_null(CK_FUNCTION_LIST_3_0 *v3,
				 CK_SESSION_HANDLE s, CK_RV want)
{
	assert_int_equal(v3->C_MessageEncryptInit(s, NULL, 0), want);
	assert_int_equal(v3->C_EncryptMessage(s, NULL, 0, NULL, 0, NULL, 0,
					      NULL, NULL),
			 want);
	assert_int_equal(v3->C_EncryptMessageBegin(s, NULL, 0, NULL, 0), want);
	assert_int_equal(v3->C_EncryptMessageNext(s, NULL, 0, NULL, 0, NULL,
						  NULL, 0),
			 want);
	assert_int_equal(v3->C_MessageEncryptFinal(s), want);
	assert_int_equal(v3->C_MessageDecryptInit(s, NULL, 0), want);
	assert_int_equal(v3->C_DecryptMessage(s, NULL, 0, NULL, 0, NULL, 0,
					      NULL, NULL),
			 want);
	assert_int_equal(v3->C_DecryptMessageBegin(s, NULL, 0, NULL, 0), want);
	assert_int_equal(v3->C_DecryptMessageNext(s, NULL, 0, NULL, 0, NULL,
						  NULL, 0),
			 want);
	assert_int_equal(v3->C_MessageDecryptFinal(s), want);
	assert_int_equal(v3->C_MessageSignInit(s, NULL, 0), want);
	assert_int_equal(v3->C_SignMessage(s, NULL, 0, NULL, 0, NULL, NULL),
			 want);
	assert_int_equal(v3->C_SignMessageBegin(s, NULL, 0), want);
	assert_int_equal(v3->C_SignMessageNext(s, NULL, 0, NULL, 0, NULL,
					       NULL),
			 want);
	assert_int_equal(v3->C_MessageSignFinal(s), want);
	assert_int_equal(v3->C_MessageVerifyInit(s, NULL, 0), want);
	assert_int_equal(v3->C_VerifyMessage(s, NULL, 0, NULL, 0, NULL, 0),
			 want);
	assert_int_equal(v3->C_VerifyMessageBegin(s, NULL, 0), want);
	assert_int_equal(v3->C_VerifyMessageNext(s, NULL, 0, NULL, 0, NULL, 0),
			 want);
	assert_int_equal(v3->C_MessageVerifyFinal(s), want);
}

/* The same calls as a real caller makes them: AES-GCM, real buffers. */
static void assert_messages(CK_FUNCTION_LIST_3_0 *v3, CK_SESSION_HANDLE s,
			    CK_OBJECT_HANDLE key, CK_RV want)
{
	/* Room for a CK_GCM_MESSAGE_PARAMS: it is never read. */
	CK_BYTE gcm[48] = { 0 }, buf[32] = { 0 };
	CK_MECHANISM m = { CKM_AES_GCM, NULL, 0 };
	CK_ULONG len = sizeof(buf);

	assert_int_equal(v3->C_MessageEncryptInit(s, &m, key), want);
	assert_int_equal(v3->C_EncryptMessage(s, gcm, sizeof(gcm), buf, 4,
					      buf, 16, buf, &len),
			 want);
	assert_int_equal(v3->C_EncryptMessageBegin(s, gcm, sizeof(gcm), buf,
						   4),
			 want);
	assert_int_equal(v3->C_EncryptMessageNext(s, gcm, sizeof(gcm), buf,
						  16, buf, &len,
						  CKF_END_OF_MESSAGE),
			 want);
	assert_int_equal(v3->C_MessageDecryptInit(s, &m, key), want);
	assert_int_equal(v3->C_DecryptMessage(s, gcm, sizeof(gcm), buf, 4,
					      buf, 16, buf, &len),
			 want);
	assert_int_equal(v3->C_MessageSignInit(s, &m, key), want);
	assert_int_equal(v3->C_SignMessage(s, NULL, 0, buf, 16, buf, &len),
			 want);
	assert_int_equal(v3->C_MessageVerifyInit(s, &m, key), want);
	assert_int_equal(v3->C_VerifyMessage(s, NULL, 0, buf, 16, buf, 16),
			 want);
}

static void test_message_functions(void **state)
{
	struct p11 *p = *state;
	CK_FUNCTION_LIST_3_0 *v3 = v3_list();
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_SESSION_HANDLE pub = p11_open_ro(p);

	assert_messages(v3, s, p->keys.ec_priv, CKR_FUNCTION_NOT_SUPPORTED);
	assert_messages_null(v3, s, CKR_FUNCTION_NOT_SUPPORTED);
	assert_messages_null(v3, pub, CKR_FUNCTION_NOT_SUPPORTED);
	assert_messages(v3, NO_SUCH_SESSION, p->keys.ec_priv,
			CKR_SESSION_HANDLE_INVALID);
	assert_messages_null(v3, NO_SUCH_SESSION, CKR_SESSION_HANDLE_INVALID);
	assert_messages_null(v3, 0, CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(v3->C_Finalize(NULL), CKR_OK);
	assert_messages(v3, s, p->keys.ec_priv, CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_messages_null(v3, s, CKR_CRYPTOKI_NOT_INITIALIZED);
}

#define T(name) \
	cmocka_unit_test_setup_teardown(name, p11_setup_keys, p11_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* Discovery works before C_Initialize. */
		cmocka_unit_test(test_interface_list),
		cmocka_unit_test(test_get_interface),
		cmocka_unit_test(test_v3_list_layout),
		cmocka_unit_test_setup_teardown(test_initialize_through_v3,
						p11_setup_uninitialized,
						p11_teardown),
		T(test_get_info_per_interface),
		T(test_login_user),
		T(test_login_user_so),
		T(test_session_cancel_named),
		T(test_session_cancel_crypt),
		T(test_session_cancel_nothing),
		T(test_message_functions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
