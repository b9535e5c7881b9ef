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

static TC_CK_FUNCTION_LIST_3_0 *v3_list(void)
{
	TC_CK_INTERFACE *iface = NULL;

	assert_int_equal(C_GetInterface(NULL, NULL, &iface, 0), CKR_OK);
	return iface->pFunctionList;
}

static void test_interface_list(void **state)
{
	TC_CK_INTERFACE list[4];
	CK_FUNCTION_LIST_PTR v2 = NULL;
	CK_ULONG count = 0;
	const CK_VERSION *ver;

	(void)state;
	assert_int_equal(C_GetInterfaceList(NULL, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(C_GetInterfaceList(NULL, &count), CKR_OK);
	assert_int_equal(count, 2);
	count = 1;
	assert_int_equal(C_GetInterfaceList(list, &count),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(count, 2);
	count = 4;
	assert_int_equal(C_GetInterfaceList(list, &count), CKR_OK);
	assert_int_equal(count, 2);
	assert_string_equal((char *)list[0].pInterfaceName, "PKCS 11");
	assert_string_equal((char *)list[1].pInterfaceName, "PKCS 11");
	ver = list[0].pFunctionList;
	assert_int_equal(ver->major, 3);
	assert_int_equal(ver->minor, 0);
	ver = list[1].pFunctionList;
	assert_int_equal(ver->major, 2);
	assert_int_equal(ver->minor, 40);
	/* Neither claims fork safety: a child must initialize again. */
	assert_int_equal(list[0].flags, 0);
	assert_int_equal(list[1].flags, 0);
	assert_int_equal(C_GetFunctionList(&v2), CKR_OK);
	assert_ptr_equal(list[1].pFunctionList, v2);
}

static void test_get_interface(void **state)
{
	CK_VERSION v240 = { 2, 40 }, v30 = { 3, 0 }, v31 = { 3, 1 };
	TC_CK_INTERFACE *iface = NULL;
	CK_FUNCTION_LIST_PTR v2 = NULL;

	(void)state;
	assert_int_equal(C_GetFunctionList(&v2), CKR_OK);
	assert_int_equal(C_GetInterface((CK_UTF8CHAR_PTR) "PKCS 11", &v240,
					&iface, 0),
			 CKR_OK);
	assert_ptr_equal(iface->pFunctionList, v2);
	assert_int_equal(C_GetInterface((CK_UTF8CHAR_PTR) "PKCS 11", &v30,
					&iface, 0),
			 CKR_OK);
	assert_ptr_equal(iface->pFunctionList, v3_list());
	assert_int_equal(C_GetInterface(NULL, &v240, &iface, 0), CKR_OK);
	assert_ptr_equal(iface->pFunctionList, v2);
	assert_int_equal(C_GetInterface((CK_UTF8CHAR_PTR) "PKCS 11", &v31,
					&iface, 0),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(C_GetInterface((CK_UTF8CHAR_PTR) "Vendor", NULL,
					&iface, 0),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(C_GetInterface(NULL, NULL, &iface,
					CKF_INTERFACE_FORK_SAFE),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(C_GetInterface(NULL, NULL, NULL, 0),
			 CKR_ARGUMENTS_BAD);
}

/* The 3.0 list: the 2.40 entries in place, then 24 more, none NULL. */
static void test_v3_list_layout(void **state)
{
	TC_CK_FUNCTION_LIST_3_0 *v3 = v3_list();
	CK_FUNCTION_LIST_PTR v2 = NULL;
	void (**a)(void), (**b)(void);
	size_t total = (sizeof(*v3) - offsetof(TC_CK_FUNCTION_LIST_3_0,
					       C_Initialize)) /
		       sizeof(void (*)(void));

	(void)state;
	assert_int_equal(C_GetFunctionList(&v2), CKR_OK);
	assert_int_equal(total, V2_COUNT + 24);
	assert_int_equal(offsetof(TC_CK_FUNCTION_LIST_3_0, C_WaitForSlotEvent),
			 offsetof(CK_FUNCTION_LIST, C_WaitForSlotEvent));
	a = (void (**)(void))&v3->C_Initialize;
	b = (void (**)(void))&v2->C_Initialize;
	for (size_t i = 0; i < total; i++)
		assert_non_null(a[i]);
	for (size_t i = 0; i < V2_COUNT; i++)
		if (&a[i] != (void (**)(void))&v3->C_GetInfo)
			assert_ptr_equal(a[i], b[i]);
	assert_ptr_equal(v3->C_GetInterfaceList, C_GetInterfaceList);
	assert_ptr_equal(v3->C_MessageVerifyFinal, C_MessageVerifyFinal);
}

static void test_get_info_per_interface(void **state)
{
	struct p11 *p = *state;
	TC_CK_FUNCTION_LIST_3_0 *v3 = v3_list();
	CK_INFO info;

	assert_int_equal(v3->C_GetInfo(&info), CKR_OK);
	assert_int_equal(info.cryptokiVersion.major, 3);
	assert_int_equal(info.cryptokiVersion.minor, 0);
	assert_int_equal(p->fn->C_GetInfo(&info), CKR_OK);
	assert_int_equal(info.cryptokiVersion.major, 2);
	assert_int_equal(info.cryptokiVersion.minor, 40);
	assert_int_equal(v3->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
}

static void test_login_user(void **state)
{
	struct p11 *p = *state;
	TC_CK_FUNCTION_LIST_3_0 *v3 = v3_list();
	CK_SESSION_HANDLE s = p11_open_rw(p);
	CK_UTF8CHAR_PTR pin = (CK_UTF8CHAR_PTR)USER_PIN;

	assert_int_equal(v3->C_LoginUser(s, CKU_USER, pin, strlen(USER_PIN),
					 (CK_UTF8CHAR_PTR) "alice", 5),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(v3->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR_PTR) "000000",
					 6, NULL, 0),
			 CKR_PIN_INCORRECT);
	assert_int_equal(v3->C_LoginUser(s, CKU_USER, NULL, 0, NULL, 0),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(v3->C_LoginUser(NO_SUCH_SESSION, CKU_USER, pin,
					 strlen(USER_PIN), NULL, 0),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(v3->C_LoginUser(s, CKU_USER, pin, strlen(USER_PIN),
					 NULL, 0),
			 CKR_OK);
	assert_int_equal(p11_state(p, s), CKS_RW_USER_FUNCTIONS);
	assert_int_equal(v3->C_LoginUser(s, CKU_USER, pin, strlen(USER_PIN),
					 NULL, 0),
			 CKR_USER_ALREADY_LOGGED_IN);
}

static void test_session_cancel(void **state)
{
	struct p11 *p = *state;
	TC_CK_FUNCTION_LIST_3_0 *v3 = v3_list();
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
	len = sizeof(out);
	assert_int_equal(v3->C_Sign(s, out, 1, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(v3->C_FindObjects(s, found, 4, &n), CKR_OK);
	assert_int_equal(v3->C_SessionCancel(s, CKF_DIGEST | CKF_FIND_OBJECTS |
							CKF_MESSAGE_SIGN),
			 CKR_OK);
	len = sizeof(out);
	assert_int_equal(v3->C_Digest(s, out, 1, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(v3->C_FindObjects(s, found, 4, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* Nothing running: nothing to end, no failure. */
	assert_int_equal(v3->C_SessionCancel(s, CKF_ENCRYPT | CKF_DECRYPT |
							CKF_VERIFY),
			 CKR_OK);
	assert_int_equal(v3->C_SessionCancel(NO_SUCH_SESSION, CKF_SIGN),
			 CKR_SESSION_HANDLE_INVALID);
}

static void assert_messages(TC_CK_FUNCTION_LIST_3_0 *v3, CK_SESSION_HANDLE s,
			    CK_RV want)
{
	CK_MECHANISM m = { CKM_AES_GCM, NULL, 0 };
	CK_BYTE buf[32];
	CK_ULONG len = sizeof(buf);

	assert_int_equal(v3->C_MessageEncryptInit(s, &m, 1), want);
	assert_int_equal(v3->C_EncryptMessage(s, NULL, 0, NULL, 0, buf, 1, buf,
					      &len),
			 want);
	assert_int_equal(v3->C_EncryptMessageBegin(s, NULL, 0, NULL, 0), want);
	assert_int_equal(v3->C_EncryptMessageNext(s, NULL, 0, buf, 1, buf, &len,
						  CKF_END_OF_MESSAGE),
			 want);
	assert_int_equal(v3->C_MessageEncryptFinal(s), want);
	assert_int_equal(v3->C_MessageDecryptInit(s, &m, 1), want);
	assert_int_equal(v3->C_DecryptMessage(s, NULL, 0, NULL, 0, buf, 1, buf,
					      &len),
			 want);
	assert_int_equal(v3->C_DecryptMessageBegin(s, NULL, 0, NULL, 0), want);
	assert_int_equal(v3->C_DecryptMessageNext(s, NULL, 0, buf, 1, buf, &len,
						  0),
			 want);
	assert_int_equal(v3->C_MessageDecryptFinal(s), want);
	assert_int_equal(v3->C_MessageSignInit(s, &m, 1), want);
	assert_int_equal(v3->C_SignMessage(s, NULL, 0, buf, 1, buf, &len), want);
	assert_int_equal(v3->C_SignMessageBegin(s, NULL, 0), want);
	assert_int_equal(v3->C_SignMessageNext(s, NULL, 0, buf, 1, NULL, NULL),
			 want);
	assert_int_equal(v3->C_MessageSignFinal(s), want);
	assert_int_equal(v3->C_MessageVerifyInit(s, &m, 1), want);
	assert_int_equal(v3->C_VerifyMessage(s, NULL, 0, buf, 1, buf, 1), want);
	assert_int_equal(v3->C_VerifyMessageBegin(s, NULL, 0), want);
	assert_int_equal(v3->C_VerifyMessageNext(s, NULL, 0, buf, 1, NULL, 0),
			 want);
	assert_int_equal(v3->C_MessageVerifyFinal(s), want);
}

static void test_message_functions(void **state)
{
	struct p11 *p = *state;
	TC_CK_FUNCTION_LIST_3_0 *v3 = v3_list();
	CK_SESSION_HANDLE s = p11_open_user(p);

	assert_messages(v3, s, CKR_FUNCTION_NOT_SUPPORTED);
	assert_messages(v3, NO_SUCH_SESSION, CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(v3->C_Finalize(NULL), CKR_OK);
	assert_messages(v3, s, CKR_CRYPTOKI_NOT_INITIALIZED);
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
		T(test_get_info_per_interface),
		T(test_login_user),
		T(test_session_cancel),
		T(test_message_functions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
