/* SPDX-License-Identifier: BSD-3-Clause */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "p11_fixture.h"
#include "pkcs11/pkcs11_v3.h"

/*
 * Bad input to every C_* function of the 2.40 list and of the 3.0
 * interface, table-driven (issue 6).  Each row makes one call with one bad
 * argument (after whatever good calls set the stage) and names the codes
 * PKCS#11 allows for it: before C_Initialize, NULL pointers, unknown slot,
 * session, object and key handles, closed sessions, wrong attribute and
 * parameter lengths, short output buffers (and the length given back),
 * PIN lengths out of range, unknown mechanisms, operations out of order,
 * private keys while logged out.  NULL outputs that are length queries are
 * success rows.  Each row is a cmocka test of its own; the sessions are
 * fresh for each row, the token and its keys shared by a group.  A crash
 * is a failure of the whole binary (and ASan's report).
 */

#define BAD_SLOT ((CK_SLOT_ID)4242)
#define BAD_SESSION ((CK_SESSION_HANDLE)987654)
#define BAD_OBJECT ((CK_OBJECT_HANDLE)7777777)
#define BAD_MECH ((CK_MECHANISM_TYPE)(CKM_VENDOR_DEFINED | 0x5a5a))
#define BAD_ATTR ((CK_ATTRIBUTE_TYPE)(CKA_VENDOR_DEFINED | 0x5a5a))
/* Not a PKCS#11 code: a length check of a success row failed. */
#define WRONG_LENGTH ((CK_RV)(CKR_VENDOR_DEFINED | 0x10e))
#define MAX_CODES 3
#define RSA_BYTES 256

enum need { NEED_NONE, NEED_PUBLIC, NEED_USER, NEED_SO };

struct ctx {
	struct p11 *p;
	CK_FUNCTION_LIST_PTR fn;
	CK_FUNCTION_LIST_3_0 *f3;
	CK_SESSION_HANDLE s;	/* R/W, logged in as NEED_* says */
};

struct row {
	const char *name;
	enum need need;
	CK_RV (*call)(struct ctx *c);
	CK_RV codes[MAX_CODES];	/* the codes allowed; 0 ends (CKR_OK first) */
	bool ok;		/* CKR_OK is the (only) code */
};

static unsigned long calls;
static struct p11 *group_p11;

/* Every call into the module goes through CALL, so that it counts. */
#define CALL(expr) (calls++, (expr))

static CK_BYTE data[32] = "sixteen byte msg and 16 more....";
static CK_UTF8CHAR user_pin[] = USER_PIN;
static CK_UTF8CHAR so_pin[] = SO_PIN;
static CK_UTF8CHAR label[32];

static CK_MECHANISM mech_rsa = { CKM_RSA_PKCS, NULL, 0 };
static CK_MECHANISM mech_sha256_rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 };
static CK_MECHANISM mech_ecdsa = { CKM_ECDSA, NULL, 0 };
static CK_MECHANISM mech_sha256 = { CKM_SHA256, NULL, 0 };
static CK_MECHANISM mech_bad = { BAD_MECH, NULL, 0 };
static CK_MECHANISM mech_aes_gen = { CKM_AES_KEY_GEN, NULL, 0 };
static CK_MECHANISM mech_aes_ecb = { CKM_AES_ECB, NULL, 0 };

/* got is read after the call (the order of arguments is unspecified). */
static CK_RV length_is(CK_RV rv, const CK_ULONG *got, CK_ULONG want)
{
	if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL)
		return rv;
	return *got == want ? rv : WRONG_LENGTH;
}

static CK_TOKEN_INFO token_info(struct ctx *c)
{
	CK_TOKEN_INFO info;

	assert_int_equal(c->fn->C_GetTokenInfo(c->p->slot, &info), CKR_OK);
	return info;
}

/* A session AES-128 key that encrypts and decrypts; asserts. */
static CK_OBJECT_HANDLE aes_key(struct ctx *c)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG len = 16;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_ENCRYPT, &yes, sizeof(yes) },
		{ CKA_DECRYPT, &yes, sizeof(yes) },
	};
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;

	assert_int_equal(CALL(c->fn->C_GenerateKey(c->s, &mech_aes_gen, tmpl,
						   4, &key)),
			 CKR_OK);
	return key;
}

static void init_ok(CK_RV rv)
{
	assert_int_equal(rv, CKR_OK);
}

#define PUB (c->p->keys.rsa_pub)
#define PRIV (c->p->keys.rsa_priv)
#define EC_PRIV (c->p->keys.ec_priv)
#define FN (c->fn)
#define F3 (c->f3)
#define S (c->s)
#define SLOT (c->p->slot)

/*
 * ROW(name, need, codes...) { body }: a function and its row.  The body
 * returns the code of its one bad call.
 */
#define ROWFN(id) static CK_RV id(struct ctx *c)

/* ---- before C_Initialize (the group's module is not initialized) ---- */

ROWFN(pre_initialize_reserved)
{
	CK_C_INITIALIZE_ARGS args = { 0 };

	args.pReserved = &args;
	return CALL(FN->C_Initialize(&args));
}

ROWFN(pre_initialize_some_callbacks)
{
	CK_C_INITIALIZE_ARGS args = { 0 };

	args.CreateMutex = (CK_CREATEMUTEX)(uintptr_t)1;
	return CALL(FN->C_Initialize(&args));
}

ROWFN(pre_finalize) { return CALL(FN->C_Finalize(NULL)); }
ROWFN(pre_get_info) { CK_INFO i; return CALL(FN->C_GetInfo(&i)); }
ROWFN(pre_get_slot_list) { CK_ULONG n = 0; return CALL(FN->C_GetSlotList(CK_FALSE, NULL, &n)); }
ROWFN(pre_get_slot_info) { CK_SLOT_INFO i; return CALL(FN->C_GetSlotInfo(SLOT, &i)); }
ROWFN(pre_get_token_info) { CK_TOKEN_INFO i; return CALL(FN->C_GetTokenInfo(SLOT, &i)); }
ROWFN(pre_get_mech_list) { CK_ULONG n = 0; return CALL(FN->C_GetMechanismList(SLOT, NULL, &n)); }
ROWFN(pre_get_mech_info) { CK_MECHANISM_INFO i; return CALL(FN->C_GetMechanismInfo(SLOT, CKM_SHA256, &i)); }
ROWFN(pre_init_token) { return CALL(FN->C_InitToken(SLOT, so_pin, 8, label)); }
ROWFN(pre_init_pin) { return CALL(FN->C_InitPIN(1, user_pin, 6)); }
ROWFN(pre_set_pin) { return CALL(FN->C_SetPIN(1, user_pin, 6, user_pin, 6)); }
ROWFN(pre_open_session) { CK_SESSION_HANDLE h; return CALL(FN->C_OpenSession(SLOT, CKF_SERIAL_SESSION, NULL, NULL, &h)); }
ROWFN(pre_close_session) { return CALL(FN->C_CloseSession(1)); }
ROWFN(pre_close_all) { return CALL(FN->C_CloseAllSessions(SLOT)); }
ROWFN(pre_session_info) { CK_SESSION_INFO i; return CALL(FN->C_GetSessionInfo(1, &i)); }
ROWFN(pre_get_op_state) { CK_ULONG n = 0; return CALL(FN->C_GetOperationState(1, NULL, &n)); }
ROWFN(pre_set_op_state) { return CALL(FN->C_SetOperationState(1, data, 4, 0, 0)); }
ROWFN(pre_login) { return CALL(FN->C_Login(1, CKU_USER, user_pin, 6)); }
ROWFN(pre_logout) { return CALL(FN->C_Logout(1)); }
ROWFN(pre_create) { CK_OBJECT_HANDLE h; return CALL(FN->C_CreateObject(1, NULL, 0, &h)); }
ROWFN(pre_copy) { CK_OBJECT_HANDLE h; return CALL(FN->C_CopyObject(1, 1, NULL, 0, &h)); }
ROWFN(pre_destroy) { return CALL(FN->C_DestroyObject(1, 1)); }
ROWFN(pre_object_size) { CK_ULONG n; return CALL(FN->C_GetObjectSize(1, 1, &n)); }
ROWFN(pre_get_attr) { CK_ATTRIBUTE a = { CKA_LABEL, NULL, 0 }; return CALL(FN->C_GetAttributeValue(1, 1, &a, 1)); }
ROWFN(pre_set_attr) { CK_ATTRIBUTE a = { CKA_LABEL, label, 4 }; return CALL(FN->C_SetAttributeValue(1, 1, &a, 1)); }
ROWFN(pre_find_init) { return CALL(FN->C_FindObjectsInit(1, NULL, 0)); }
ROWFN(pre_find) { CK_OBJECT_HANDLE h[2]; CK_ULONG n; return CALL(FN->C_FindObjects(1, h, 2, &n)); }
ROWFN(pre_find_final) { return CALL(FN->C_FindObjectsFinal(1)); }
ROWFN(pre_encrypt_init) { return CALL(FN->C_EncryptInit(1, &mech_rsa, 1)); }
ROWFN(pre_encrypt) { CK_BYTE o[RSA_BYTES]; CK_ULONG n = sizeof(o); return CALL(FN->C_Encrypt(1, data, 16, o, &n)); }
ROWFN(pre_encrypt_update) { CK_BYTE o[64]; CK_ULONG n = sizeof(o); return CALL(FN->C_EncryptUpdate(1, data, 16, o, &n)); }
ROWFN(pre_encrypt_final) { CK_BYTE o[64]; CK_ULONG n = sizeof(o); return CALL(FN->C_EncryptFinal(1, o, &n)); }
ROWFN(pre_decrypt_init) { return CALL(FN->C_DecryptInit(1, &mech_rsa, 1)); }
ROWFN(pre_decrypt) { CK_BYTE o[RSA_BYTES]; CK_ULONG n = sizeof(o); return CALL(FN->C_Decrypt(1, data, 16, o, &n)); }
ROWFN(pre_decrypt_update) { CK_BYTE o[64]; CK_ULONG n = sizeof(o); return CALL(FN->C_DecryptUpdate(1, data, 16, o, &n)); }
ROWFN(pre_decrypt_final) { CK_BYTE o[64]; CK_ULONG n = sizeof(o); return CALL(FN->C_DecryptFinal(1, o, &n)); }
ROWFN(pre_digest_init) { return CALL(FN->C_DigestInit(1, &mech_sha256)); }
ROWFN(pre_digest) { CK_BYTE o[64]; CK_ULONG n = sizeof(o); return CALL(FN->C_Digest(1, data, 16, o, &n)); }
ROWFN(pre_digest_update) { return CALL(FN->C_DigestUpdate(1, data, 16)); }
ROWFN(pre_digest_key) { return CALL(FN->C_DigestKey(1, 1)); }
ROWFN(pre_digest_final) { CK_BYTE o[64]; CK_ULONG n = sizeof(o); return CALL(FN->C_DigestFinal(1, o, &n)); }
ROWFN(pre_sign_init) { return CALL(FN->C_SignInit(1, &mech_rsa, 1)); }
ROWFN(pre_sign) { CK_BYTE o[RSA_BYTES]; CK_ULONG n = sizeof(o); return CALL(FN->C_Sign(1, data, 16, o, &n)); }
ROWFN(pre_sign_update) { return CALL(FN->C_SignUpdate(1, data, 16)); }
ROWFN(pre_sign_final) { CK_BYTE o[RSA_BYTES]; CK_ULONG n = sizeof(o); return CALL(FN->C_SignFinal(1, o, &n)); }
ROWFN(pre_sign_recover_init) { return CALL(FN->C_SignRecoverInit(1, &mech_rsa, 1)); }
ROWFN(pre_sign_recover) { CK_BYTE o[RSA_BYTES]; CK_ULONG n = sizeof(o); return CALL(FN->C_SignRecover(1, data, 16, o, &n)); }
ROWFN(pre_verify_init) { return CALL(FN->C_VerifyInit(1, &mech_rsa, 1)); }
ROWFN(pre_verify) { return CALL(FN->C_Verify(1, data, 16, data, 16)); }
ROWFN(pre_verify_update) { return CALL(FN->C_VerifyUpdate(1, data, 16)); }
ROWFN(pre_verify_final) { return CALL(FN->C_VerifyFinal(1, data, 16)); }
ROWFN(pre_verify_recover_init) { return CALL(FN->C_VerifyRecoverInit(1, &mech_rsa, 1)); }
ROWFN(pre_verify_recover) { CK_BYTE o[RSA_BYTES]; CK_ULONG n = sizeof(o); return CALL(FN->C_VerifyRecover(1, data, 16, o, &n)); }
ROWFN(pre_digest_encrypt) { CK_BYTE o[64]; CK_ULONG n = sizeof(o); return CALL(FN->C_DigestEncryptUpdate(1, data, 16, o, &n)); }
ROWFN(pre_decrypt_digest) { CK_BYTE o[64]; CK_ULONG n = sizeof(o); return CALL(FN->C_DecryptDigestUpdate(1, data, 16, o, &n)); }
ROWFN(pre_sign_encrypt) { CK_BYTE o[64]; CK_ULONG n = sizeof(o); return CALL(FN->C_SignEncryptUpdate(1, data, 16, o, &n)); }
ROWFN(pre_decrypt_verify) { CK_BYTE o[64]; CK_ULONG n = sizeof(o); return CALL(FN->C_DecryptVerifyUpdate(1, data, 16, o, &n)); }
ROWFN(pre_generate_key) { CK_OBJECT_HANDLE h; return CALL(FN->C_GenerateKey(1, &mech_aes_gen, NULL, 0, &h)); }
ROWFN(pre_generate_pair) { CK_OBJECT_HANDLE a, b; CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 }; return CALL(FN->C_GenerateKeyPair(1, &m, NULL, 0, NULL, 0, &a, &b)); }
ROWFN(pre_wrap) { CK_BYTE o[64]; CK_ULONG n = sizeof(o); return CALL(FN->C_WrapKey(1, &mech_rsa, 1, 2, o, &n)); }
ROWFN(pre_unwrap) { CK_OBJECT_HANDLE h; return CALL(FN->C_UnwrapKey(1, &mech_rsa, 1, data, 16, NULL, 0, &h)); }
ROWFN(pre_derive) { CK_OBJECT_HANDLE h; CK_MECHANISM m = { CKM_ECDH1_DERIVE, NULL, 0 }; return CALL(FN->C_DeriveKey(1, &m, 1, NULL, 0, &h)); }
ROWFN(pre_seed) { return CALL(FN->C_SeedRandom(1, data, 16)); }
ROWFN(pre_random) { CK_BYTE o[16]; return CALL(FN->C_GenerateRandom(1, o, 16)); }
ROWFN(pre_function_status) { return CALL(FN->C_GetFunctionStatus(1)); }
ROWFN(pre_cancel_function) { return CALL(FN->C_CancelFunction(1)); }
ROWFN(pre_wait_event) { CK_SLOT_ID id; return CALL(FN->C_WaitForSlotEvent(CKF_DONT_BLOCK, &id, NULL)); }
ROWFN(pre_login_user) { return CALL(F3->C_LoginUser(1, CKU_USER, user_pin, 6, NULL, 0)); }
ROWFN(pre_session_cancel) { return CALL(F3->C_SessionCancel(1, CKF_SIGN)); }
ROWFN(pre_msg_encrypt_init) { return CALL(F3->C_MessageEncryptInit(1, &mech_aes_ecb, 1)); }
ROWFN(pre_msg_decrypt_init) { return CALL(F3->C_MessageDecryptInit(1, &mech_aes_ecb, 1)); }
ROWFN(pre_msg_sign_init) { return CALL(F3->C_MessageSignInit(1, &mech_rsa, 1)); }
ROWFN(pre_msg_verify_init) { return CALL(F3->C_MessageVerifyInit(1, &mech_rsa, 1)); }
ROWFN(pre_msg_encrypt_final) { return CALL(F3->C_MessageEncryptFinal(1)); }
ROWFN(pre_msg_decrypt_final) { return CALL(F3->C_MessageDecryptFinal(1)); }
ROWFN(pre_msg_sign_final) { return CALL(F3->C_MessageSignFinal(1)); }
ROWFN(pre_msg_verify_final) { return CALL(F3->C_MessageVerifyFinal(1)); }
ROWFN(pre_get_interface_list) { CK_ULONG n = 0; return length_is(CALL(F3->C_GetInterfaceList(NULL, &n)), &n, 2); }
ROWFN(pre_get_interface) { CK_INTERFACE_PTR i = NULL; return CALL(F3->C_GetInterface(NULL, NULL, &i, 0)); }
ROWFN(pre_get_function_list) { CK_FUNCTION_LIST_PTR l = NULL; return CALL(FN->C_GetFunctionList(&l)); }

#define NI { CKR_CRYPTOKI_NOT_INITIALIZED }
#define PRE(id) { #id, NEED_NONE, id, NI, false }

static const struct row pre_rows[] = {
	{ "C_Initialize: pReserved not NULL", NEED_NONE,
	  pre_initialize_reserved, { CKR_ARGUMENTS_BAD }, false },
	{ "C_Initialize: some mutex callbacks, not all", NEED_NONE,
	  pre_initialize_some_callbacks, { CKR_ARGUMENTS_BAD }, false },
	{ "C_GetFunctionList before C_Initialize", NEED_NONE,
	  pre_get_function_list, { CKR_OK }, true },
	{ "C_GetInterfaceList before C_Initialize (count 2)", NEED_NONE,
	  pre_get_interface_list, { CKR_OK }, true },
	{ "C_GetInterface before C_Initialize", NEED_NONE,
	  pre_get_interface, { CKR_OK }, true },
	PRE(pre_finalize), PRE(pre_get_info), PRE(pre_get_slot_list),
	PRE(pre_get_slot_info), PRE(pre_get_token_info),
	PRE(pre_get_mech_list), PRE(pre_get_mech_info), PRE(pre_init_token),
	PRE(pre_init_pin), PRE(pre_set_pin), PRE(pre_open_session),
	PRE(pre_close_session), PRE(pre_close_all), PRE(pre_session_info),
	PRE(pre_get_op_state), PRE(pre_set_op_state), PRE(pre_login),
	PRE(pre_logout), PRE(pre_create), PRE(pre_copy), PRE(pre_destroy),
	PRE(pre_object_size), PRE(pre_get_attr), PRE(pre_set_attr),
	PRE(pre_find_init), PRE(pre_find), PRE(pre_find_final),
	PRE(pre_encrypt_init), PRE(pre_encrypt), PRE(pre_encrypt_update),
	PRE(pre_encrypt_final), PRE(pre_decrypt_init), PRE(pre_decrypt),
	PRE(pre_decrypt_update), PRE(pre_decrypt_final), PRE(pre_digest_init),
	PRE(pre_digest), PRE(pre_digest_update), PRE(pre_digest_key),
	PRE(pre_digest_final), PRE(pre_sign_init), PRE(pre_sign),
	PRE(pre_sign_update), PRE(pre_sign_final), PRE(pre_sign_recover_init),
	PRE(pre_sign_recover), PRE(pre_verify_init), PRE(pre_verify),
	PRE(pre_verify_update), PRE(pre_verify_final),
	PRE(pre_verify_recover_init), PRE(pre_verify_recover),
	PRE(pre_digest_encrypt), PRE(pre_decrypt_digest),
	PRE(pre_sign_encrypt), PRE(pre_decrypt_verify), PRE(pre_generate_key),
	PRE(pre_generate_pair), PRE(pre_wrap), PRE(pre_unwrap),
	PRE(pre_derive), PRE(pre_seed), PRE(pre_random),
	PRE(pre_function_status), PRE(pre_cancel_function),
	PRE(pre_wait_event), PRE(pre_login_user), PRE(pre_session_cancel),
	PRE(pre_msg_encrypt_init), PRE(pre_msg_decrypt_init),
	PRE(pre_msg_sign_init), PRE(pre_msg_verify_init),
	PRE(pre_msg_encrypt_final), PRE(pre_msg_decrypt_final),
	PRE(pre_msg_sign_final), PRE(pre_msg_verify_final),
};

/* ---- general, slots and tokens ---- */

ROWFN(initialize_twice) { return CALL(FN->C_Initialize(NULL)); }
ROWFN(finalize_reserved) { return CALL(FN->C_Finalize(data)); }
ROWFN(get_info_null) { return CALL(FN->C_GetInfo(NULL)); }
ROWFN(function_list_null) { return CALL(FN->C_GetFunctionList(NULL)); }
ROWFN(slot_list_null_count) { return CALL(FN->C_GetSlotList(CK_TRUE, NULL, NULL)); }
/* The token's slot and the empty slot (C_InitToken's): every slot has a token. */
ROWFN(slot_list_query)
{
	CK_ULONG n = 0;

	return length_is(CALL(FN->C_GetSlotList(CK_TRUE, NULL, &n)), &n, 2);
}
ROWFN(slot_list_short)
{
	CK_SLOT_ID list[1];
	CK_ULONG n = 0;

	return length_is(CALL(FN->C_GetSlotList(CK_TRUE, list, &n)), &n, 2);
}
ROWFN(slot_info_bad_slot) { CK_SLOT_INFO i; return CALL(FN->C_GetSlotInfo(BAD_SLOT, &i)); }
ROWFN(slot_info_null) { return CALL(FN->C_GetSlotInfo(SLOT, NULL)); }
ROWFN(token_info_bad_slot) { CK_TOKEN_INFO i; return CALL(FN->C_GetTokenInfo(BAD_SLOT, &i)); }
ROWFN(token_info_null) { return CALL(FN->C_GetTokenInfo(SLOT, NULL)); }
ROWFN(mech_list_bad_slot) { CK_ULONG n = 0; return CALL(FN->C_GetMechanismList(BAD_SLOT, NULL, &n)); }
ROWFN(mech_list_null_count) { return CALL(FN->C_GetMechanismList(SLOT, NULL, NULL)); }
ROWFN(mech_list_query_short)
{
	CK_MECHANISM_TYPE list[1];
	CK_ULONG need = 0, n = 1;
	CK_RV rv = CALL(FN->C_GetMechanismList(SLOT, NULL, &need));

	if (rv != CKR_OK || need < 2)
		return rv != CKR_OK ? rv : WRONG_LENGTH;
	return length_is(CALL(FN->C_GetMechanismList(SLOT, list, &n)), &n,
			 need);
}
ROWFN(mech_info_bad_slot) { CK_MECHANISM_INFO i; return CALL(FN->C_GetMechanismInfo(BAD_SLOT, CKM_SHA256, &i)); }
ROWFN(mech_info_bad_mech) { CK_MECHANISM_INFO i; return CALL(FN->C_GetMechanismInfo(SLOT, BAD_MECH, &i)); }
ROWFN(mech_info_null) { return CALL(FN->C_GetMechanismInfo(SLOT, CKM_SHA256, NULL)); }
ROWFN(init_token_bad_slot) { CALL(FN->C_CloseAllSessions(SLOT)); return CALL(FN->C_InitToken(BAD_SLOT, so_pin, 8, label)); }
ROWFN(init_token_null_pin) { CALL(FN->C_CloseAllSessions(SLOT)); return CALL(FN->C_InitToken(SLOT, NULL, 8, label)); }
ROWFN(init_token_null_label) { CALL(FN->C_CloseAllSessions(SLOT)); return CALL(FN->C_InitToken(SLOT, so_pin, 8, NULL)); }
ROWFN(wait_event_null_slot) { return CALL(FN->C_WaitForSlotEvent(CKF_DONT_BLOCK, NULL, NULL)); }
ROWFN(wait_event_reserved) { CK_SLOT_ID id; return CALL(FN->C_WaitForSlotEvent(CKF_DONT_BLOCK, &id, data)); }
ROWFN(interface_list_null) { return CALL(F3->C_GetInterfaceList(NULL, NULL)); }
ROWFN(interface_list_short)
{
	CK_INTERFACE list[1];
	CK_ULONG n = 1;

	return length_is(CALL(F3->C_GetInterfaceList(list, &n)), &n, 2);
}
ROWFN(interface_null) { return CALL(F3->C_GetInterface(NULL, NULL, NULL, 0)); }
ROWFN(interface_bad_name) { CK_INTERFACE_PTR i; return CALL(F3->C_GetInterface((CK_UTF8CHAR_PTR)"PKCS 12", NULL, &i, 0)); }

/* ---- sessions and login ---- */

ROWFN(open_bad_slot) { CK_SESSION_HANDLE h; return CALL(FN->C_OpenSession(BAD_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &h)); }
ROWFN(open_null) { return CALL(FN->C_OpenSession(SLOT, CKF_SERIAL_SESSION, NULL, NULL, NULL)); }
ROWFN(open_not_serial) { CK_SESSION_HANDLE h; return CALL(FN->C_OpenSession(SLOT, 0, NULL, NULL, &h)); }
ROWFN(close_bad) { return CALL(FN->C_CloseSession(BAD_SESSION)); }
ROWFN(close_zero) { return CALL(FN->C_CloseSession(CK_INVALID_HANDLE)); }
ROWFN(close_twice) { CALL(FN->C_CloseSession(S)); return CALL(FN->C_CloseSession(S)); }
ROWFN(close_all_bad_slot) { return CALL(FN->C_CloseAllSessions(BAD_SLOT)); }
ROWFN(session_info_bad) { CK_SESSION_INFO i; return CALL(FN->C_GetSessionInfo(BAD_SESSION, &i)); }
ROWFN(session_info_closed) { CK_SESSION_INFO i; CALL(FN->C_CloseSession(S)); return CALL(FN->C_GetSessionInfo(S, &i)); }
ROWFN(session_info_null) { return CALL(FN->C_GetSessionInfo(S, NULL)); }
ROWFN(get_op_state_bad) { CK_ULONG n = 0; return CALL(FN->C_GetOperationState(BAD_SESSION, NULL, &n)); }
ROWFN(get_op_state_null) { return CALL(FN->C_GetOperationState(S, NULL, NULL)); }
ROWFN(set_op_state_bad) { return CALL(FN->C_SetOperationState(BAD_SESSION, data, 4, 0, 0)); }
ROWFN(set_op_state_null) { return CALL(FN->C_SetOperationState(S, NULL, 4, 0, 0)); }
ROWFN(login_bad_session) { return CALL(FN->C_Login(BAD_SESSION, CKU_USER, user_pin, 6)); }
ROWFN(login_bad_user) { return CALL(FN->C_Login(S, 42, user_pin, 6)); }
ROWFN(login_null_pin) { return CALL(FN->C_Login(S, CKU_USER, NULL, 6)); }
ROWFN(login_long_pin)
{
	CK_UTF8CHAR pin[300];

	memset(pin, '1', sizeof(pin));
	return CALL(FN->C_Login(S, CKU_USER, pin, sizeof(pin)));
}
ROWFN(login_twice) { return CALL(FN->C_Login(S, CKU_USER, user_pin, 6)); }
ROWFN(login_user_bad_session) { return CALL(F3->C_LoginUser(BAD_SESSION, CKU_USER, user_pin, 6, NULL, 0)); }
ROWFN(login_user_bad_user) { return CALL(F3->C_LoginUser(S, 42, user_pin, 6, NULL, 0)); }
ROWFN(login_user_null_pin) { return CALL(F3->C_LoginUser(S, CKU_USER, NULL, 6, NULL, 0)); }
ROWFN(logout_bad) { return CALL(FN->C_Logout(BAD_SESSION)); }
ROWFN(logout_public) { return CALL(FN->C_Logout(S)); }
ROWFN(set_pin_bad) { return CALL(FN->C_SetPIN(BAD_SESSION, user_pin, 6, user_pin, 6)); }
ROWFN(set_pin_null_old) { return CALL(FN->C_SetPIN(S, NULL, 6, user_pin, 6)); }
ROWFN(set_pin_null_new) { return CALL(FN->C_SetPIN(S, user_pin, 6, NULL, 6)); }
ROWFN(set_pin_short)
{
	CK_TOKEN_INFO t = token_info(c);
	CK_UTF8CHAR pin[8] = "1";

	if (t.ulMinPinLen < 1)
		return WRONG_LENGTH;
	return CALL(FN->C_SetPIN(S, user_pin, 6, pin, t.ulMinPinLen - 1));
}
ROWFN(set_pin_long)
{
	CK_TOKEN_INFO t = token_info(c);
	CK_UTF8CHAR *pin;
	CK_RV rv;

	if (t.ulMaxPinLen > 4096)
		return WRONG_LENGTH;
	pin = malloc(t.ulMaxPinLen + 1);
	assert_non_null(pin);
	memset(pin, '7', t.ulMaxPinLen + 1);
	rv = CALL(FN->C_SetPIN(S, user_pin, 6, pin, t.ulMaxPinLen + 1));
	free(pin);
	return rv;
}
ROWFN(init_pin_bad) { return CALL(FN->C_InitPIN(BAD_SESSION, user_pin, 6)); }
ROWFN(init_pin_as_user) { return CALL(FN->C_InitPIN(S, user_pin, 6)); }
ROWFN(init_pin_null) { return CALL(FN->C_InitPIN(S, NULL, 6)); }
ROWFN(init_pin_short)
{
	CK_TOKEN_INFO t = token_info(c);
	CK_UTF8CHAR pin[8] = "1";

	if (t.ulMinPinLen < 1)
		return WRONG_LENGTH;
	return CALL(FN->C_InitPIN(S, pin, t.ulMinPinLen - 1));
}
ROWFN(init_pin_long)
{
	CK_TOKEN_INFO t = token_info(c);
	CK_UTF8CHAR *pin;
	CK_RV rv;

	if (t.ulMaxPinLen > 4096)
		return WRONG_LENGTH;
	pin = malloc(t.ulMaxPinLen + 1);
	assert_non_null(pin);
	memset(pin, '7', t.ulMaxPinLen + 1);
	rv = CALL(FN->C_InitPIN(S, pin, t.ulMaxPinLen + 1));
	free(pin);
	return rv;
}
ROWFN(function_status_bad) { return CALL(FN->C_GetFunctionStatus(BAD_SESSION)); }
ROWFN(function_status) { return CALL(FN->C_GetFunctionStatus(S)); }
ROWFN(cancel_function_bad) { return CALL(FN->C_CancelFunction(BAD_SESSION)); }
ROWFN(cancel_function) { return CALL(FN->C_CancelFunction(S)); }
ROWFN(session_cancel_bad) { return CALL(F3->C_SessionCancel(BAD_SESSION, CKF_SIGN)); }

/* ---- objects ---- */

static CK_OBJECT_CLASS data_class = CKO_DATA;

ROWFN(create_bad_session) { CK_ATTRIBUTE t = { CKA_CLASS, &data_class, sizeof(data_class) }; CK_OBJECT_HANDLE h; return CALL(FN->C_CreateObject(BAD_SESSION, &t, 1, &h)); }
ROWFN(create_null_tmpl) { CK_OBJECT_HANDLE h; return CALL(FN->C_CreateObject(S, NULL, 1, &h)); }
ROWFN(create_null_tmpl_huge) { CK_OBJECT_HANDLE h; return CALL(FN->C_CreateObject(S, NULL, ULONG_MAX, &h)); }
ROWFN(create_null_handle) { CK_ATTRIBUTE t = { CKA_CLASS, &data_class, sizeof(data_class) }; return CALL(FN->C_CreateObject(S, &t, 1, NULL)); }
ROWFN(create_class_short) { CK_ATTRIBUTE t = { CKA_CLASS, &data_class, 1 }; CK_OBJECT_HANDLE h; return CALL(FN->C_CreateObject(S, &t, 1, &h)); }
ROWFN(create_bool_long)
{
	CK_ULONG yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &data_class, sizeof(data_class) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
	};
	CK_OBJECT_HANDLE h;

	return CALL(FN->C_CreateObject(S, t, 2, &h));
}
ROWFN(create_null_value)
{
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &data_class, sizeof(data_class) },
		{ CKA_LABEL, NULL, 4 },
	};
	CK_OBJECT_HANDLE h;

	return CALL(FN->C_CreateObject(S, t, 2, &h));
}
ROWFN(copy_bad_session) { CK_OBJECT_HANDLE h; return CALL(FN->C_CopyObject(BAD_SESSION, PUB, NULL, 0, &h)); }
ROWFN(copy_bad_object) { CK_OBJECT_HANDLE h; return CALL(FN->C_CopyObject(S, BAD_OBJECT, NULL, 0, &h)); }
ROWFN(copy_null_handle) { return CALL(FN->C_CopyObject(S, PUB, NULL, 0, NULL)); }
ROWFN(destroy_bad_session) { return CALL(FN->C_DestroyObject(BAD_SESSION, PUB)); }
ROWFN(destroy_bad_object) { return CALL(FN->C_DestroyObject(S, BAD_OBJECT)); }
ROWFN(destroy_zero) { return CALL(FN->C_DestroyObject(S, CK_INVALID_HANDLE)); }
ROWFN(size_bad_session) { CK_ULONG n; return CALL(FN->C_GetObjectSize(BAD_SESSION, PUB, &n)); }
ROWFN(size_bad_object) { CK_ULONG n; return CALL(FN->C_GetObjectSize(S, BAD_OBJECT, &n)); }
ROWFN(size_null) { return CALL(FN->C_GetObjectSize(S, PUB, NULL)); }
ROWFN(get_attr_bad_session) { CK_ATTRIBUTE a = { CKA_MODULUS, NULL, 0 }; return CALL(FN->C_GetAttributeValue(BAD_SESSION, PUB, &a, 1)); }
ROWFN(get_attr_bad_object) { CK_ATTRIBUTE a = { CKA_MODULUS, NULL, 0 }; return CALL(FN->C_GetAttributeValue(S, BAD_OBJECT, &a, 1)); }
ROWFN(get_attr_null) { return CALL(FN->C_GetAttributeValue(S, PUB, NULL, 1)); }
ROWFN(get_attr_query)
{
	CK_ATTRIBUTE a = { CKA_MODULUS, NULL, 0 };

	return length_is(CALL(FN->C_GetAttributeValue(S, PUB, &a, 1)),
			 &a.ulValueLen, RSA_BYTES);
}
ROWFN(get_attr_short)
{
	CK_BYTE buf[10];
	CK_ATTRIBUTE a = { CKA_MODULUS, buf, sizeof(buf) };

	return length_is(CALL(FN->C_GetAttributeValue(S, PUB, &a, 1)),
			 &a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}
ROWFN(get_attr_bad_type)
{
	CK_ATTRIBUTE a = { BAD_ATTR, NULL, 0 };

	return length_is(CALL(FN->C_GetAttributeValue(S, PUB, &a, 1)),
			 &a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}
ROWFN(get_attr_sensitive)
{
	CK_ATTRIBUTE a = { CKA_PRIVATE_EXPONENT, NULL, 0 };
	CK_RV rv = CALL(FN->C_GetAttributeValue(S, PRIV, &a, 1));

	if (rv == CKR_ATTRIBUTE_SENSITIVE &&
	    a.ulValueLen != CK_UNAVAILABLE_INFORMATION)
		return WRONG_LENGTH;
	return rv;
}
ROWFN(set_attr_bad_session) { CK_ATTRIBUTE a = { CKA_LABEL, label, 4 }; return CALL(FN->C_SetAttributeValue(BAD_SESSION, PUB, &a, 1)); }
ROWFN(set_attr_bad_object) { CK_ATTRIBUTE a = { CKA_LABEL, label, 4 }; return CALL(FN->C_SetAttributeValue(S, BAD_OBJECT, &a, 1)); }
ROWFN(set_attr_null) { return CALL(FN->C_SetAttributeValue(S, PUB, NULL, 1)); }
ROWFN(set_attr_bool_long) { CK_ULONG yes = CK_TRUE; CK_ATTRIBUTE a = { CKA_ENCRYPT, &yes, sizeof(yes) }; return CALL(FN->C_SetAttributeValue(S, PUB, &a, 1)); }
ROWFN(find_init_bad_session) { return CALL(FN->C_FindObjectsInit(BAD_SESSION, NULL, 0)); }
ROWFN(find_init_null) { return CALL(FN->C_FindObjectsInit(S, NULL, 1)); }
/*
 * Matching is byte for byte (PKCS#11 5.11): a one-byte CKA_CLASS is either
 * refused (CKR_ATTRIBUTE_VALUE_INVALID) or matches nothing, which this row
 * reports as that refusal; a match is WRONG_LENGTH.
 */
ROWFN(find_init_class_short)
{
	CK_ATTRIBUTE t = { CKA_CLASS, &data_class, 1 };
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n = 0;
	CK_RV rv = CALL(FN->C_FindObjectsInit(S, &t, 1));

	if (rv != CKR_OK)
		return rv;
	rv = CALL(FN->C_FindObjects(S, h, 2, &n));
	CALL(FN->C_FindObjectsFinal(S));
	if (rv != CKR_OK)
		return rv;
	return n == 0 ? CKR_ATTRIBUTE_VALUE_INVALID : WRONG_LENGTH;
}
ROWFN(find_init_twice) { init_ok(CALL(FN->C_FindObjectsInit(S, NULL, 0))); return CALL(FN->C_FindObjectsInit(S, NULL, 0)); }
ROWFN(find_bad_session) { CK_OBJECT_HANDLE h[2]; CK_ULONG n; return CALL(FN->C_FindObjects(BAD_SESSION, h, 2, &n)); }
ROWFN(find_not_init) { CK_OBJECT_HANDLE h[2]; CK_ULONG n; return CALL(FN->C_FindObjects(S, h, 2, &n)); }
ROWFN(find_null_list) { CK_ULONG n; init_ok(CALL(FN->C_FindObjectsInit(S, NULL, 0))); return CALL(FN->C_FindObjects(S, NULL, 2, &n)); }
ROWFN(find_null_count) { CK_OBJECT_HANDLE h[2]; init_ok(CALL(FN->C_FindObjectsInit(S, NULL, 0))); return CALL(FN->C_FindObjects(S, h, 2, NULL)); }
ROWFN(find_final_bad_session) { return CALL(FN->C_FindObjectsFinal(BAD_SESSION)); }
ROWFN(find_final_not_init) { return CALL(FN->C_FindObjectsFinal(S)); }

/* ---- encrypt, decrypt, digest, sign, verify ---- */

#define OUT CK_BYTE o[RSA_BYTES]; CK_ULONG n = sizeof(o)

ROWFN(enc_init_bad_session) { return CALL(FN->C_EncryptInit(BAD_SESSION, &mech_rsa, PUB)); }
ROWFN(enc_init_null_mech) { return CALL(FN->C_EncryptInit(S, NULL, PUB)); }
ROWFN(enc_init_bad_key) { return CALL(FN->C_EncryptInit(S, &mech_rsa, BAD_OBJECT)); }
ROWFN(enc_init_bad_mech) { return CALL(FN->C_EncryptInit(S, &mech_bad, PUB)); }
ROWFN(enc_init_oaep_param_len)
{
	CK_RSA_PKCS_OAEP_PARAMS prm = { CKM_SHA256, CKG_MGF1_SHA256,
					CKZ_DATA_SPECIFIED, NULL, 0 };
	CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &prm, sizeof(prm) - 1 };

	return CALL(FN->C_EncryptInit(S, &m, PUB));
}
ROWFN(enc_init_twice) { init_ok(CALL(FN->C_EncryptInit(S, &mech_rsa, PUB))); return CALL(FN->C_EncryptInit(S, &mech_rsa, PUB)); }
ROWFN(enc_bad_session) { OUT; return CALL(FN->C_Encrypt(BAD_SESSION, data, 16, o, &n)); }
ROWFN(enc_not_init) { OUT; return CALL(FN->C_Encrypt(S, data, 16, o, &n)); }
ROWFN(enc_query) { CK_ULONG n = 0; init_ok(CALL(FN->C_EncryptInit(S, &mech_rsa, PUB))); return length_is(CALL(FN->C_Encrypt(S, data, 16, NULL, &n)), &n, RSA_BYTES); }
ROWFN(enc_short) { CK_BYTE o[10]; CK_ULONG n = sizeof(o); init_ok(CALL(FN->C_EncryptInit(S, &mech_rsa, PUB))); return length_is(CALL(FN->C_Encrypt(S, data, 16, o, &n)), &n, RSA_BYTES); }
ROWFN(enc_null_len) { CK_BYTE o[RSA_BYTES]; init_ok(CALL(FN->C_EncryptInit(S, &mech_rsa, PUB))); return CALL(FN->C_Encrypt(S, data, 16, o, NULL)); }
ROWFN(enc_null_in) { OUT; init_ok(CALL(FN->C_EncryptInit(S, &mech_rsa, PUB))); return CALL(FN->C_Encrypt(S, NULL, 16, o, &n)); }
ROWFN(enc_too_long) { OUT; CK_BYTE in[300] = { 0 }; init_ok(CALL(FN->C_EncryptInit(S, &mech_rsa, PUB))); return CALL(FN->C_Encrypt(S, in, sizeof(in), o, &n)); }
ROWFN(enc_update_bad_session) { OUT; return CALL(FN->C_EncryptUpdate(BAD_SESSION, data, 16, o, &n)); }
ROWFN(enc_update_not_init) { OUT; return CALL(FN->C_EncryptUpdate(S, data, 16, o, &n)); }
ROWFN(enc_update_null_len) { CK_BYTE o[32]; init_ok(CALL(FN->C_EncryptInit(S, &mech_aes_ecb, aes_key(c)))); return CALL(FN->C_EncryptUpdate(S, data, 16, o, NULL)); }
ROWFN(enc_update_short) { CK_BYTE o[4]; CK_ULONG n = sizeof(o); init_ok(CALL(FN->C_EncryptInit(S, &mech_aes_ecb, aes_key(c)))); return length_is(CALL(FN->C_EncryptUpdate(S, data, 32, o, &n)), &n, 32); }
ROWFN(enc_final_bad_session) { OUT; return CALL(FN->C_EncryptFinal(BAD_SESSION, o, &n)); }
ROWFN(enc_final_not_init) { OUT; return CALL(FN->C_EncryptFinal(S, o, &n)); }
ROWFN(enc_final_null_len) { init_ok(CALL(FN->C_EncryptInit(S, &mech_aes_ecb, aes_key(c)))); return CALL(FN->C_EncryptFinal(S, NULL, NULL)); }

/* A CKM_RSA_PKCS ciphertext of data[0..16) under the RSA key. */
static void ciphertext(struct ctx *c, CK_BYTE *ct)
{
	CK_ULONG n = RSA_BYTES;

	init_ok(CALL(FN->C_EncryptInit(S, &mech_rsa, PUB)));
	init_ok(CALL(FN->C_Encrypt(S, data, 16, ct, &n)));
	assert_int_equal(n, RSA_BYTES);
}

ROWFN(dec_init_bad_session) { return CALL(FN->C_DecryptInit(BAD_SESSION, &mech_rsa, PRIV)); }
ROWFN(dec_init_null_mech) { return CALL(FN->C_DecryptInit(S, NULL, PRIV)); }
ROWFN(dec_init_bad_key) { return CALL(FN->C_DecryptInit(S, &mech_rsa, BAD_OBJECT)); }
ROWFN(dec_init_bad_mech) { return CALL(FN->C_DecryptInit(S, &mech_bad, PRIV)); }
ROWFN(dec_init_logged_out) { return CALL(FN->C_DecryptInit(S, &mech_rsa, PRIV)); }
ROWFN(dec_init_twice) { init_ok(CALL(FN->C_DecryptInit(S, &mech_rsa, PRIV))); return CALL(FN->C_DecryptInit(S, &mech_rsa, PRIV)); }
ROWFN(dec_bad_session) { OUT; return CALL(FN->C_Decrypt(BAD_SESSION, data, 16, o, &n)); }
ROWFN(dec_not_init) { OUT; return CALL(FN->C_Decrypt(S, data, 16, o, &n)); }
ROWFN(dec_query)
{
	CK_BYTE ct[RSA_BYTES];
	CK_ULONG n = 0;
	CK_RV rv;

	ciphertext(c, ct);
	init_ok(CALL(FN->C_DecryptInit(S, &mech_rsa, PRIV)));
	rv = CALL(FN->C_Decrypt(S, ct, sizeof(ct), NULL, &n));
	return rv == CKR_OK && (n < 16 || n > RSA_BYTES) ? WRONG_LENGTH : rv;
}
ROWFN(dec_short)
{
	CK_BYTE ct[RSA_BYTES], o[1];
	CK_ULONG n = sizeof(o);
	CK_RV rv;

	ciphertext(c, ct);
	init_ok(CALL(FN->C_DecryptInit(S, &mech_rsa, PRIV)));
	rv = CALL(FN->C_Decrypt(S, ct, sizeof(ct), o, &n));
	return rv == CKR_BUFFER_TOO_SMALL && (n < 16 || n > RSA_BYTES) ?
		       WRONG_LENGTH : rv;
}
ROWFN(dec_null_len) { CK_BYTE ct[RSA_BYTES]; ciphertext(c, ct); init_ok(CALL(FN->C_DecryptInit(S, &mech_rsa, PRIV))); return CALL(FN->C_Decrypt(S, ct, sizeof(ct), ct, NULL)); }
ROWFN(dec_wrong_len) { OUT; init_ok(CALL(FN->C_DecryptInit(S, &mech_rsa, PRIV))); return CALL(FN->C_Decrypt(S, data, 10, o, &n)); }
ROWFN(dec_update_bad_session) { OUT; return CALL(FN->C_DecryptUpdate(BAD_SESSION, data, 16, o, &n)); }
ROWFN(dec_update_not_init) { OUT; return CALL(FN->C_DecryptUpdate(S, data, 16, o, &n)); }
ROWFN(dec_final_bad_session) { OUT; return CALL(FN->C_DecryptFinal(BAD_SESSION, o, &n)); }
ROWFN(dec_final_not_init) { OUT; return CALL(FN->C_DecryptFinal(S, o, &n)); }

ROWFN(dig_init_bad_session) { return CALL(FN->C_DigestInit(BAD_SESSION, &mech_sha256)); }
ROWFN(dig_init_null) { return CALL(FN->C_DigestInit(S, NULL)); }
ROWFN(dig_init_bad_mech) { return CALL(FN->C_DigestInit(S, &mech_bad)); }
ROWFN(dig_init_param) { CK_MECHANISM m = { CKM_SHA256, data, 4 }; return CALL(FN->C_DigestInit(S, &m)); }
ROWFN(dig_init_twice) { init_ok(CALL(FN->C_DigestInit(S, &mech_sha256))); return CALL(FN->C_DigestInit(S, &mech_sha256)); }
ROWFN(dig_bad_session) { OUT; return CALL(FN->C_Digest(BAD_SESSION, data, 16, o, &n)); }
ROWFN(dig_not_init) { OUT; return CALL(FN->C_Digest(S, data, 16, o, &n)); }
ROWFN(dig_query) { CK_ULONG n = 0; init_ok(CALL(FN->C_DigestInit(S, &mech_sha256))); return length_is(CALL(FN->C_Digest(S, data, 16, NULL, &n)), &n, 32); }
ROWFN(dig_short) { CK_BYTE o[10]; CK_ULONG n = sizeof(o); init_ok(CALL(FN->C_DigestInit(S, &mech_sha256))); return length_is(CALL(FN->C_Digest(S, data, 16, o, &n)), &n, 32); }
ROWFN(dig_null_len) { CK_BYTE o[32]; init_ok(CALL(FN->C_DigestInit(S, &mech_sha256))); return CALL(FN->C_Digest(S, data, 16, o, NULL)); }
ROWFN(dig_null_in) { OUT; init_ok(CALL(FN->C_DigestInit(S, &mech_sha256))); return CALL(FN->C_Digest(S, NULL, 16, o, &n)); }
ROWFN(dig_update_bad_session) { return CALL(FN->C_DigestUpdate(BAD_SESSION, data, 16)); }
ROWFN(dig_update_not_init) { return CALL(FN->C_DigestUpdate(S, data, 16)); }
ROWFN(dig_update_null) { init_ok(CALL(FN->C_DigestInit(S, &mech_sha256))); return CALL(FN->C_DigestUpdate(S, NULL, 16)); }
ROWFN(dig_key_bad_session) { return CALL(FN->C_DigestKey(BAD_SESSION, PUB)); }
ROWFN(dig_key_not_init) { return CALL(FN->C_DigestKey(S, PUB)); }
ROWFN(dig_key_bad_key) { init_ok(CALL(FN->C_DigestInit(S, &mech_sha256))); return CALL(FN->C_DigestKey(S, BAD_OBJECT)); }
ROWFN(dig_final_bad_session) { OUT; return CALL(FN->C_DigestFinal(BAD_SESSION, o, &n)); }
ROWFN(dig_final_not_init) { OUT; return CALL(FN->C_DigestFinal(S, o, &n)); }
ROWFN(dig_final_null_len) { init_ok(CALL(FN->C_DigestInit(S, &mech_sha256))); return CALL(FN->C_DigestFinal(S, NULL, NULL)); }
ROWFN(dig_final_short) { CK_BYTE o[10]; CK_ULONG n = sizeof(o); init_ok(CALL(FN->C_DigestInit(S, &mech_sha256))); return length_is(CALL(FN->C_DigestFinal(S, o, &n)), &n, 32); }

ROWFN(sign_init_bad_session) { return CALL(FN->C_SignInit(BAD_SESSION, &mech_rsa, PRIV)); }
ROWFN(sign_init_null_mech) { return CALL(FN->C_SignInit(S, NULL, PRIV)); }
ROWFN(sign_init_bad_key) { return CALL(FN->C_SignInit(S, &mech_rsa, BAD_OBJECT)); }
ROWFN(sign_init_zero_key) { return CALL(FN->C_SignInit(S, &mech_rsa, CK_INVALID_HANDLE)); }
ROWFN(sign_init_bad_mech) { return CALL(FN->C_SignInit(S, &mech_bad, PRIV)); }
ROWFN(sign_init_pss_param_len)
{
	CK_RSA_PKCS_PSS_PARAMS prm = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS_PSS, &prm, sizeof(prm) + 1 };

	return CALL(FN->C_SignInit(S, &m, PRIV));
}
ROWFN(sign_init_wrong_key_type) { return CALL(FN->C_SignInit(S, &mech_ecdsa, PRIV)); }
ROWFN(sign_init_twice) { init_ok(CALL(FN->C_SignInit(S, &mech_rsa, PRIV))); return CALL(FN->C_SignInit(S, &mech_rsa, PRIV)); }
ROWFN(sign_init_logged_out) { return CALL(FN->C_SignInit(S, &mech_rsa, PRIV)); }
ROWFN(sign_init_closed) { CALL(FN->C_CloseSession(S)); return CALL(FN->C_SignInit(S, &mech_rsa, PRIV)); }
ROWFN(sign_bad_session) { OUT; return CALL(FN->C_Sign(BAD_SESSION, data, 16, o, &n)); }
ROWFN(sign_not_init) { OUT; return CALL(FN->C_Sign(S, data, 16, o, &n)); }
ROWFN(sign_query) { CK_ULONG n = 0; init_ok(CALL(FN->C_SignInit(S, &mech_rsa, PRIV))); return length_is(CALL(FN->C_Sign(S, data, 16, NULL, &n)), &n, RSA_BYTES); }
ROWFN(sign_short) { CK_BYTE o[10]; CK_ULONG n = sizeof(o); init_ok(CALL(FN->C_SignInit(S, &mech_rsa, PRIV))); return length_is(CALL(FN->C_Sign(S, data, 16, o, &n)), &n, RSA_BYTES); }
ROWFN(sign_null_len) { CK_BYTE o[RSA_BYTES]; init_ok(CALL(FN->C_SignInit(S, &mech_rsa, PRIV))); return CALL(FN->C_Sign(S, data, 16, o, NULL)); }
ROWFN(sign_too_long) { OUT; CK_BYTE in[300] = { 0 }; init_ok(CALL(FN->C_SignInit(S, &mech_rsa, PRIV))); return CALL(FN->C_Sign(S, in, sizeof(in), o, &n)); }
ROWFN(sign_ec_query) { CK_ULONG n = 0; init_ok(CALL(FN->C_SignInit(S, &mech_ecdsa, EC_PRIV))); return length_is(CALL(FN->C_Sign(S, data, 32, NULL, &n)), &n, 64); }
ROWFN(sign_update_bad_session) { return CALL(FN->C_SignUpdate(BAD_SESSION, data, 16)); }
ROWFN(sign_update_not_init) { return CALL(FN->C_SignUpdate(S, data, 16)); }
ROWFN(sign_update_null) { init_ok(CALL(FN->C_SignInit(S, &mech_sha256_rsa, PRIV))); return CALL(FN->C_SignUpdate(S, NULL, 16)); }
ROWFN(sign_final_bad_session) { OUT; return CALL(FN->C_SignFinal(BAD_SESSION, o, &n)); }
ROWFN(sign_final_not_init) { OUT; return CALL(FN->C_SignFinal(S, o, &n)); }
ROWFN(sign_final_null_len) { init_ok(CALL(FN->C_SignInit(S, &mech_sha256_rsa, PRIV))); return CALL(FN->C_SignFinal(S, NULL, NULL)); }
ROWFN(sign_final_short) { CK_BYTE o[10]; CK_ULONG n = sizeof(o); init_ok(CALL(FN->C_SignInit(S, &mech_sha256_rsa, PRIV))); init_ok(CALL(FN->C_SignUpdate(S, data, 16))); return length_is(CALL(FN->C_SignFinal(S, o, &n)), &n, RSA_BYTES); }
ROWFN(sign_recover_init_bad_session) { return CALL(FN->C_SignRecoverInit(BAD_SESSION, &mech_rsa, PRIV)); }
ROWFN(sign_recover_bad_session) { OUT; return CALL(FN->C_SignRecover(BAD_SESSION, data, 16, o, &n)); }
ROWFN(verify_recover_init_bad_session) { return CALL(FN->C_VerifyRecoverInit(BAD_SESSION, &mech_rsa, PUB)); }
ROWFN(verify_recover_bad_session) { OUT; return CALL(FN->C_VerifyRecover(BAD_SESSION, data, 16, o, &n)); }

ROWFN(verify_init_bad_session) { return CALL(FN->C_VerifyInit(BAD_SESSION, &mech_rsa, PUB)); }
ROWFN(verify_init_null_mech) { return CALL(FN->C_VerifyInit(S, NULL, PUB)); }
ROWFN(verify_init_bad_key) { return CALL(FN->C_VerifyInit(S, &mech_rsa, BAD_OBJECT)); }
ROWFN(verify_init_bad_mech) { return CALL(FN->C_VerifyInit(S, &mech_bad, PUB)); }
ROWFN(verify_init_twice) { init_ok(CALL(FN->C_VerifyInit(S, &mech_rsa, PUB))); return CALL(FN->C_VerifyInit(S, &mech_rsa, PUB)); }
ROWFN(verify_bad_session) { return CALL(FN->C_Verify(BAD_SESSION, data, 16, data, 16)); }
ROWFN(verify_not_init) { CK_BYTE sig[RSA_BYTES] = { 0 }; return CALL(FN->C_Verify(S, data, 16, sig, sizeof(sig))); }
ROWFN(verify_null_sig) { init_ok(CALL(FN->C_VerifyInit(S, &mech_rsa, PUB))); return CALL(FN->C_Verify(S, data, 16, NULL, RSA_BYTES)); }
ROWFN(verify_sig_len) { init_ok(CALL(FN->C_VerifyInit(S, &mech_rsa, PUB))); return CALL(FN->C_Verify(S, data, 16, data, 10)); }
ROWFN(verify_update_bad_session) { return CALL(FN->C_VerifyUpdate(BAD_SESSION, data, 16)); }
ROWFN(verify_update_not_init) { return CALL(FN->C_VerifyUpdate(S, data, 16)); }
ROWFN(verify_update_null) { init_ok(CALL(FN->C_VerifyInit(S, &mech_sha256_rsa, PUB))); return CALL(FN->C_VerifyUpdate(S, NULL, 16)); }
ROWFN(verify_final_bad_session) { return CALL(FN->C_VerifyFinal(BAD_SESSION, data, 16)); }
ROWFN(verify_final_not_init) { CK_BYTE sig[RSA_BYTES] = { 0 }; return CALL(FN->C_VerifyFinal(S, sig, sizeof(sig))); }
ROWFN(verify_final_null) { init_ok(CALL(FN->C_VerifyInit(S, &mech_sha256_rsa, PUB))); return CALL(FN->C_VerifyFinal(S, NULL, RSA_BYTES)); }

ROWFN(dual_de_bad_session) { OUT; return CALL(FN->C_DigestEncryptUpdate(BAD_SESSION, data, 16, o, &n)); }
ROWFN(dual_de_not_init) { OUT; return CALL(FN->C_DigestEncryptUpdate(S, data, 16, o, &n)); }
ROWFN(dual_dd_bad_session) { OUT; return CALL(FN->C_DecryptDigestUpdate(BAD_SESSION, data, 16, o, &n)); }
ROWFN(dual_dd_not_init) { OUT; return CALL(FN->C_DecryptDigestUpdate(S, data, 16, o, &n)); }
ROWFN(dual_se_bad_session) { OUT; return CALL(FN->C_SignEncryptUpdate(BAD_SESSION, data, 16, o, &n)); }
ROWFN(dual_se_not_init) { OUT; return CALL(FN->C_SignEncryptUpdate(S, data, 16, o, &n)); }
ROWFN(dual_dv_bad_session) { OUT; return CALL(FN->C_DecryptVerifyUpdate(BAD_SESSION, data, 16, o, &n)); }
ROWFN(dual_dv_not_init) { OUT; return CALL(FN->C_DecryptVerifyUpdate(S, data, 16, o, &n)); }

/* ---- keys and random ---- */

ROWFN(genkey_bad_session) { CK_OBJECT_HANDLE h; return CALL(FN->C_GenerateKey(BAD_SESSION, &mech_aes_gen, NULL, 0, &h)); }
ROWFN(genkey_null_mech) { CK_OBJECT_HANDLE h; return CALL(FN->C_GenerateKey(S, NULL, NULL, 0, &h)); }
ROWFN(genkey_null_handle) { CK_ULONG len = 16; CK_ATTRIBUTE t = { CKA_VALUE_LEN, &len, sizeof(len) }; return CALL(FN->C_GenerateKey(S, &mech_aes_gen, &t, 1, NULL)); }
ROWFN(genkey_null_tmpl_huge) { CK_OBJECT_HANDLE h; return CALL(FN->C_GenerateKey(S, &mech_aes_gen, NULL, ULONG_MAX, &h)); }
ROWFN(genkey_bad_mech) { CK_OBJECT_HANDLE h; return CALL(FN->C_GenerateKey(S, &mech_bad, NULL, 0, &h)); }
ROWFN(genkey_param) { CK_MECHANISM m = { CKM_AES_KEY_GEN, data, 3 }; CK_ULONG len = 16; CK_ATTRIBUTE t = { CKA_VALUE_LEN, &len, sizeof(len) }; CK_OBJECT_HANDLE h; return CALL(FN->C_GenerateKey(S, &m, &t, 1, &h)); }
ROWFN(genkey_len_short) { CK_ULONG len = 16; CK_ATTRIBUTE t = { CKA_VALUE_LEN, &len, 1 }; CK_OBJECT_HANDLE h; return CALL(FN->C_GenerateKey(S, &mech_aes_gen, &t, 1, &h)); }
static CK_MECHANISM mech_ec_gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
static CK_MECHANISM mech_rsa_gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
ROWFN(genpair_bad_session) { CK_OBJECT_HANDLE a, b; return CALL(FN->C_GenerateKeyPair(BAD_SESSION, &mech_ec_gen, NULL, 0, NULL, 0, &a, &b)); }
ROWFN(genpair_null_mech) { CK_OBJECT_HANDLE a, b; return CALL(FN->C_GenerateKeyPair(S, NULL, NULL, 0, NULL, 0, &a, &b)); }
ROWFN(genpair_null_pub) { CK_OBJECT_HANDLE b; return CALL(FN->C_GenerateKeyPair(S, &mech_ec_gen, NULL, 0, NULL, 0, NULL, &b)); }
ROWFN(genpair_null_priv) { CK_OBJECT_HANDLE a; return CALL(FN->C_GenerateKeyPair(S, &mech_ec_gen, NULL, 0, NULL, 0, &a, NULL)); }
ROWFN(genpair_null_tmpl_huge) { CK_OBJECT_HANDLE a, b; return CALL(FN->C_GenerateKeyPair(S, &mech_ec_gen, NULL, ULONG_MAX, NULL, 0, &a, &b)); }
ROWFN(genpair_bad_mech) { CK_OBJECT_HANDLE a, b; return CALL(FN->C_GenerateKeyPair(S, &mech_bad, NULL, 0, NULL, 0, &a, &b)); }
ROWFN(genpair_bits_short) { CK_ULONG bits = 2048; CK_ATTRIBUTE t = { CKA_MODULUS_BITS, &bits, 1 }; CK_OBJECT_HANDLE a, b; return CALL(FN->C_GenerateKeyPair(S, &mech_rsa_gen, &t, 1, NULL, 0, &a, &b)); }
ROWFN(wrap_bad_session) { OUT; return CALL(FN->C_WrapKey(BAD_SESSION, &mech_rsa, PUB, PUB, o, &n)); }
ROWFN(wrap_null_mech) { OUT; CK_OBJECT_HANDLE k = aes_key(c); return CALL(FN->C_WrapKey(S, NULL, PUB, k, o, &n)); }
ROWFN(wrap_bad_wrapping) { OUT; CK_OBJECT_HANDLE k = aes_key(c); return CALL(FN->C_WrapKey(S, &mech_rsa, BAD_OBJECT, k, o, &n)); }
ROWFN(wrap_bad_key) { OUT; return CALL(FN->C_WrapKey(S, &mech_rsa, PUB, BAD_OBJECT, o, &n)); }
ROWFN(wrap_null_len) { CK_BYTE o[RSA_BYTES]; CK_OBJECT_HANDLE k = aes_key(c); return CALL(FN->C_WrapKey(S, &mech_rsa, PUB, k, o, NULL)); }
ROWFN(unwrap_bad_session) { CK_OBJECT_HANDLE h; return CALL(FN->C_UnwrapKey(BAD_SESSION, &mech_rsa, PRIV, data, 16, NULL, 0, &h)); }
ROWFN(unwrap_null_mech) { CK_OBJECT_HANDLE h; return CALL(FN->C_UnwrapKey(S, NULL, PRIV, data, 16, NULL, 0, &h)); }
ROWFN(unwrap_bad_unwrapping) { CK_OBJECT_HANDLE h; CK_BYTE ct[RSA_BYTES] = { 1 }; return CALL(FN->C_UnwrapKey(S, &mech_rsa, BAD_OBJECT, ct, sizeof(ct), NULL, 0, &h)); }
ROWFN(unwrap_null_handle) { CK_BYTE ct[RSA_BYTES] = { 1 }; return CALL(FN->C_UnwrapKey(S, &mech_rsa, PRIV, ct, sizeof(ct), NULL, 0, NULL)); }
ROWFN(unwrap_null_wrapped) { CK_OBJECT_HANDLE h; return CALL(FN->C_UnwrapKey(S, &mech_rsa, PRIV, NULL, RSA_BYTES, NULL, 0, &h)); }
static CK_MECHANISM mech_ecdh = { CKM_ECDH1_DERIVE, NULL, 0 };
ROWFN(derive_bad_session) { CK_OBJECT_HANDLE h; return CALL(FN->C_DeriveKey(BAD_SESSION, &mech_ecdh, EC_PRIV, NULL, 0, &h)); }
ROWFN(derive_null_mech) { CK_OBJECT_HANDLE h; return CALL(FN->C_DeriveKey(S, NULL, EC_PRIV, NULL, 0, &h)); }
ROWFN(derive_bad_key)
{
	CK_BYTE point[65] = { 4 };
	CK_ECDH1_DERIVE_PARAMS prm = { CKD_NULL, 0, NULL, sizeof(point), point };
	CK_MECHANISM m = { CKM_ECDH1_DERIVE, &prm, sizeof(prm) };
	CK_OBJECT_HANDLE h;

	return CALL(FN->C_DeriveKey(S, &m, BAD_OBJECT, NULL, 0, &h));
}
ROWFN(derive_param_len)
{
	CK_BYTE point[65] = { 4 };
	CK_ECDH1_DERIVE_PARAMS prm = { CKD_NULL, 0, NULL, sizeof(point), point };
	CK_MECHANISM m = { CKM_ECDH1_DERIVE, &prm, sizeof(prm) - 1 };
	CK_OBJECT_HANDLE h;

	return CALL(FN->C_DeriveKey(S, &m, EC_PRIV, NULL, 0, &h));
}
ROWFN(derive_null_param) { CK_OBJECT_HANDLE h; return CALL(FN->C_DeriveKey(S, &mech_ecdh, EC_PRIV, NULL, 0, &h)); }
ROWFN(derive_null_handle)
{
	CK_BYTE point[65] = { 4 };
	CK_ECDH1_DERIVE_PARAMS prm = { CKD_NULL, 0, NULL, sizeof(point), point };
	CK_MECHANISM m = { CKM_ECDH1_DERIVE, &prm, sizeof(prm) };

	return CALL(FN->C_DeriveKey(S, &m, EC_PRIV, NULL, 0, NULL));
}
ROWFN(seed_bad_session) { return CALL(FN->C_SeedRandom(BAD_SESSION, data, 16)); }
ROWFN(seed_null) { return CALL(FN->C_SeedRandom(S, NULL, 16)); }
ROWFN(random_bad_session) { CK_BYTE o[16]; return CALL(FN->C_GenerateRandom(BAD_SESSION, o, 16)); }
ROWFN(random_null) { return CALL(FN->C_GenerateRandom(S, NULL, 16)); }

/* ---- the 3.0 message-based functions: unknown sessions ---- */

ROWFN(msg_ei) { return CALL(F3->C_MessageEncryptInit(BAD_SESSION, &mech_aes_ecb, PUB)); }
ROWFN(msg_e) { OUT; return CALL(F3->C_EncryptMessage(BAD_SESSION, NULL, 0, NULL, 0, data, 16, o, &n)); }
ROWFN(msg_eb) { return CALL(F3->C_EncryptMessageBegin(BAD_SESSION, NULL, 0, NULL, 0)); }
ROWFN(msg_en) { OUT; return CALL(F3->C_EncryptMessageNext(BAD_SESSION, NULL, 0, data, 16, o, &n, 0)); }
ROWFN(msg_ef) { return CALL(F3->C_MessageEncryptFinal(BAD_SESSION)); }
ROWFN(msg_di) { return CALL(F3->C_MessageDecryptInit(BAD_SESSION, &mech_aes_ecb, PUB)); }
ROWFN(msg_d) { OUT; return CALL(F3->C_DecryptMessage(BAD_SESSION, NULL, 0, NULL, 0, data, 16, o, &n)); }
ROWFN(msg_db) { return CALL(F3->C_DecryptMessageBegin(BAD_SESSION, NULL, 0, NULL, 0)); }
ROWFN(msg_dn) { OUT; return CALL(F3->C_DecryptMessageNext(BAD_SESSION, NULL, 0, data, 16, o, &n, 0)); }
ROWFN(msg_df) { return CALL(F3->C_MessageDecryptFinal(BAD_SESSION)); }
ROWFN(msg_si) { return CALL(F3->C_MessageSignInit(BAD_SESSION, &mech_rsa, PRIV)); }
ROWFN(msg_s) { OUT; return CALL(F3->C_SignMessage(BAD_SESSION, NULL, 0, data, 16, o, &n)); }
ROWFN(msg_sb) { return CALL(F3->C_SignMessageBegin(BAD_SESSION, NULL, 0)); }
ROWFN(msg_sn) { OUT; return CALL(F3->C_SignMessageNext(BAD_SESSION, NULL, 0, data, 16, o, &n)); }
ROWFN(msg_sf) { return CALL(F3->C_MessageSignFinal(BAD_SESSION)); }
ROWFN(msg_vi) { return CALL(F3->C_MessageVerifyInit(BAD_SESSION, &mech_rsa, PUB)); }
ROWFN(msg_v) { return CALL(F3->C_VerifyMessage(BAD_SESSION, NULL, 0, data, 16, data, 16)); }
ROWFN(msg_vb) { return CALL(F3->C_VerifyMessageBegin(BAD_SESSION, NULL, 0)); }
ROWFN(msg_vn) { return CALL(F3->C_VerifyMessageNext(BAD_SESSION, NULL, 0, data, 16, data, 16)); }
ROWFN(msg_vf) { return CALL(F3->C_MessageVerifyFinal(BAD_SESSION)); }

/* ---- the table ---- */

#define R(id, need, ...) { #id, need, id, { __VA_ARGS__ }, false }
#define OK(id, need) { #id " (length query)", need, id, { CKR_OK }, true }
#define U NEED_USER
#define P NEED_PUBLIC
#define BADS CKR_SESSION_HANDLE_INVALID
#define ARGS CKR_ARGUMENTS_BAD
#define NOTI CKR_OPERATION_NOT_INITIALIZED
#define KEYI CKR_KEY_HANDLE_INVALID
#define MECI CKR_MECHANISM_INVALID
#define TOOS CKR_BUFFER_TOO_SMALL

static const struct row rows[] = {
	R(initialize_twice, U, CKR_CRYPTOKI_ALREADY_INITIALIZED),
	R(finalize_reserved, U, ARGS), R(get_info_null, U, ARGS),
	R(function_list_null, U, ARGS), R(slot_list_null_count, U, ARGS),
	OK(slot_list_query, U), R(slot_list_short, U, TOOS),
	R(slot_info_bad_slot, U, CKR_SLOT_ID_INVALID),
	R(slot_info_null, U, ARGS),
	R(token_info_bad_slot, U, CKR_SLOT_ID_INVALID),
	R(token_info_null, U, ARGS),
	R(mech_list_bad_slot, U, CKR_SLOT_ID_INVALID),
	R(mech_list_null_count, U, ARGS), R(mech_list_query_short, U, TOOS),
	R(mech_info_bad_slot, U, CKR_SLOT_ID_INVALID),
	R(mech_info_bad_mech, U, MECI), R(mech_info_null, U, ARGS),
	R(init_token_bad_slot, U, CKR_SLOT_ID_INVALID),
	R(init_token_null_pin, U, ARGS), R(init_token_null_label, U, ARGS),
	R(wait_event_null_slot, U, ARGS, CKR_FUNCTION_NOT_SUPPORTED),
	R(wait_event_reserved, U, ARGS, CKR_FUNCTION_NOT_SUPPORTED),
	R(interface_list_null, U, ARGS), R(interface_list_short, U, TOOS),
	R(interface_null, U, ARGS), R(interface_bad_name, U, ARGS),
	R(open_bad_slot, U, CKR_SLOT_ID_INVALID), R(open_null, U, ARGS),
	R(open_not_serial, U, CKR_SESSION_PARALLEL_NOT_SUPPORTED),
	R(close_bad, U, BADS), R(close_zero, U, BADS), R(close_twice, U, BADS),
	R(close_all_bad_slot, U, CKR_SLOT_ID_INVALID),
	R(session_info_bad, U, BADS), R(session_info_closed, U, BADS),
	R(session_info_null, U, ARGS),
	R(get_op_state_bad, U, BADS),
	R(get_op_state_null, U, ARGS, CKR_FUNCTION_NOT_SUPPORTED),
	R(set_op_state_bad, U, BADS),
	R(set_op_state_null, U, ARGS, CKR_FUNCTION_NOT_SUPPORTED),
	R(login_bad_session, P, BADS),
	R(login_bad_user, P, CKR_USER_TYPE_INVALID),
	R(login_null_pin, P, ARGS),
	R(login_long_pin, P, CKR_PIN_INCORRECT, CKR_PIN_LEN_RANGE),
	R(login_twice, U, CKR_USER_ALREADY_LOGGED_IN),
	R(login_user_bad_session, P, BADS),
	R(login_user_bad_user, P, CKR_USER_TYPE_INVALID),
	R(login_user_null_pin, P, ARGS),
	R(logout_bad, U, BADS), R(logout_public, P, CKR_USER_NOT_LOGGED_IN),
	R(set_pin_bad, U, BADS), R(set_pin_null_old, U, ARGS),
	R(set_pin_null_new, U, ARGS), R(set_pin_short, U, CKR_PIN_LEN_RANGE),
	R(set_pin_long, U, CKR_PIN_LEN_RANGE),
	R(init_pin_bad, NEED_SO, BADS),
	R(init_pin_as_user, U, CKR_USER_NOT_LOGGED_IN),
	R(init_pin_null, NEED_SO, ARGS),
	R(init_pin_short, NEED_SO, CKR_PIN_LEN_RANGE),
	R(init_pin_long, NEED_SO, CKR_PIN_LEN_RANGE),
	R(function_status_bad, U, BADS),
	R(function_status, U, CKR_FUNCTION_NOT_PARALLEL),
	R(cancel_function_bad, U, BADS),
	R(cancel_function, U, CKR_FUNCTION_NOT_PARALLEL),
	R(session_cancel_bad, U, BADS),

	R(create_bad_session, U, BADS), R(create_null_tmpl, U, ARGS),
	R(create_null_tmpl_huge, U, ARGS), R(create_null_handle, U, ARGS),
	R(create_class_short, U, CKR_ATTRIBUTE_VALUE_INVALID),
	R(create_bool_long, U, CKR_ATTRIBUTE_VALUE_INVALID),
	R(create_null_value, U, ARGS, CKR_ATTRIBUTE_VALUE_INVALID),
	R(copy_bad_session, U, BADS),
	R(copy_bad_object, U, CKR_OBJECT_HANDLE_INVALID),
	R(copy_null_handle, U, ARGS),
	R(destroy_bad_session, U, BADS),
	R(destroy_bad_object, U, CKR_OBJECT_HANDLE_INVALID),
	R(destroy_zero, U, CKR_OBJECT_HANDLE_INVALID),
	R(size_bad_session, U, BADS),
	R(size_bad_object, U, CKR_OBJECT_HANDLE_INVALID),
	R(size_null, U, ARGS),
	R(get_attr_bad_session, U, BADS),
	R(get_attr_bad_object, U, CKR_OBJECT_HANDLE_INVALID),
	R(get_attr_null, U, ARGS), OK(get_attr_query, U),
	R(get_attr_short, U, TOOS),
	R(get_attr_bad_type, U, CKR_ATTRIBUTE_TYPE_INVALID),
	R(get_attr_sensitive, U, CKR_ATTRIBUTE_SENSITIVE,
	  CKR_ATTRIBUTE_TYPE_INVALID),
	R(set_attr_bad_session, U, BADS),
	R(set_attr_bad_object, U, CKR_OBJECT_HANDLE_INVALID),
	R(set_attr_null, U, ARGS),
	R(set_attr_bool_long, U, CKR_ATTRIBUTE_VALUE_INVALID,
	  CKR_ATTRIBUTE_READ_ONLY),
	R(find_init_bad_session, U, BADS), R(find_init_null, U, ARGS),
	R(find_init_class_short, U, CKR_ATTRIBUTE_VALUE_INVALID),
	R(find_init_twice, U, CKR_OPERATION_ACTIVE),
	R(find_bad_session, U, BADS), R(find_not_init, U, NOTI),
	R(find_null_list, U, ARGS), R(find_null_count, U, ARGS),
	R(find_final_bad_session, U, BADS), R(find_final_not_init, U, NOTI),

	R(enc_init_bad_session, U, BADS), R(enc_init_null_mech, U, ARGS),
	R(enc_init_bad_key, U, KEYI), R(enc_init_bad_mech, U, MECI),
	R(enc_init_oaep_param_len, U, CKR_MECHANISM_PARAM_INVALID),
	R(enc_init_twice, U, CKR_OPERATION_ACTIVE),
	R(enc_bad_session, U, BADS), R(enc_not_init, U, NOTI),
	OK(enc_query, U), R(enc_short, U, TOOS), R(enc_null_len, U, ARGS),
	R(enc_null_in, U, ARGS), R(enc_too_long, U, CKR_DATA_LEN_RANGE),
	R(enc_update_bad_session, U, BADS), R(enc_update_not_init, U, NOTI),
	R(enc_update_null_len, U, ARGS), R(enc_update_short, U, TOOS),
	R(enc_final_bad_session, U, BADS), R(enc_final_not_init, U, NOTI),
	R(enc_final_null_len, U, ARGS),
	R(dec_init_bad_session, U, BADS), R(dec_init_null_mech, U, ARGS),
	R(dec_init_bad_key, U, KEYI), R(dec_init_bad_mech, U, MECI),
	R(dec_init_logged_out, P, CKR_USER_NOT_LOGGED_IN, KEYI),
	R(dec_init_twice, U, CKR_OPERATION_ACTIVE),
	R(dec_bad_session, U, BADS), R(dec_not_init, U, NOTI),
	OK(dec_query, U), R(dec_short, U, TOOS), R(dec_null_len, U, ARGS),
	R(dec_wrong_len, U, CKR_ENCRYPTED_DATA_LEN_RANGE),
	R(dec_update_bad_session, U, BADS), R(dec_update_not_init, U, NOTI),
	R(dec_final_bad_session, U, BADS), R(dec_final_not_init, U, NOTI),
	R(dig_init_bad_session, U, BADS), R(dig_init_null, U, ARGS),
	R(dig_init_bad_mech, U, MECI),
	R(dig_init_param, U, CKR_MECHANISM_PARAM_INVALID),
	R(dig_init_twice, U, CKR_OPERATION_ACTIVE),
	R(dig_bad_session, U, BADS), R(dig_not_init, U, NOTI),
	OK(dig_query, U), R(dig_short, U, TOOS), R(dig_null_len, U, ARGS),
	R(dig_null_in, U, ARGS),
	R(dig_update_bad_session, U, BADS), R(dig_update_not_init, U, NOTI),
	R(dig_update_null, U, ARGS),
	R(dig_key_bad_session, U, BADS), R(dig_key_not_init, U, NOTI),
	R(dig_key_bad_key, U, KEYI),
	R(dig_final_bad_session, U, BADS), R(dig_final_not_init, U, NOTI),
	R(dig_final_null_len, U, ARGS), R(dig_final_short, U, TOOS),
	R(sign_init_bad_session, U, BADS), R(sign_init_null_mech, U, ARGS),
	R(sign_init_bad_key, U, KEYI), R(sign_init_zero_key, U, KEYI),
	R(sign_init_bad_mech, U, MECI),
	R(sign_init_pss_param_len, U, CKR_MECHANISM_PARAM_INVALID),
	R(sign_init_wrong_key_type, U, CKR_KEY_TYPE_INCONSISTENT),
	R(sign_init_twice, U, CKR_OPERATION_ACTIVE),
	R(sign_init_logged_out, P, CKR_USER_NOT_LOGGED_IN, KEYI),
	R(sign_init_closed, U, BADS),
	R(sign_bad_session, U, BADS), R(sign_not_init, U, NOTI),
	OK(sign_query, U), R(sign_short, U, TOOS), R(sign_null_len, U, ARGS),
	R(sign_too_long, U, CKR_DATA_LEN_RANGE), OK(sign_ec_query, U),
	R(sign_update_bad_session, U, BADS), R(sign_update_not_init, U, NOTI),
	R(sign_update_null, U, ARGS),
	R(sign_final_bad_session, U, BADS), R(sign_final_not_init, U, NOTI),
	R(sign_final_null_len, U, ARGS), R(sign_final_short, U, TOOS),
	R(sign_recover_init_bad_session, U, BADS),
	R(sign_recover_bad_session, U, BADS),
	R(verify_recover_init_bad_session, U, BADS),
	R(verify_recover_bad_session, U, BADS),
	R(verify_init_bad_session, U, BADS), R(verify_init_null_mech, U, ARGS),
	R(verify_init_bad_key, U, KEYI), R(verify_init_bad_mech, U, MECI),
	R(verify_init_twice, U, CKR_OPERATION_ACTIVE),
	R(verify_bad_session, U, BADS), R(verify_not_init, U, NOTI),
	R(verify_null_sig, U, ARGS),
	R(verify_sig_len, U, CKR_SIGNATURE_LEN_RANGE),
	R(verify_update_bad_session, U, BADS),
	R(verify_update_not_init, U, NOTI), R(verify_update_null, U, ARGS),
	R(verify_final_bad_session, U, BADS),
	R(verify_final_not_init, U, NOTI), R(verify_final_null, U, ARGS),
	R(dual_de_bad_session, U, BADS), R(dual_de_not_init, U, NOTI),
	R(dual_dd_bad_session, U, BADS), R(dual_dd_not_init, U, NOTI),
	R(dual_se_bad_session, U, BADS), R(dual_se_not_init, U, NOTI),
	R(dual_dv_bad_session, U, BADS), R(dual_dv_not_init, U, NOTI),

	R(genkey_bad_session, U, BADS), R(genkey_null_mech, U, ARGS),
	R(genkey_null_handle, U, ARGS), R(genkey_null_tmpl_huge, U, ARGS),
	R(genkey_bad_mech, U, MECI),
	R(genkey_param, U, CKR_MECHANISM_PARAM_INVALID),
	R(genkey_len_short, U, CKR_ATTRIBUTE_VALUE_INVALID),
	R(genpair_bad_session, U, BADS), R(genpair_null_mech, U, ARGS),
	R(genpair_null_pub, U, ARGS), R(genpair_null_priv, U, ARGS),
	R(genpair_null_tmpl_huge, U, ARGS), R(genpair_bad_mech, U, MECI),
	R(genpair_bits_short, U, CKR_ATTRIBUTE_VALUE_INVALID),
	R(wrap_bad_session, U, BADS), R(wrap_null_mech, U, ARGS),
	R(wrap_bad_wrapping, U, CKR_WRAPPING_KEY_HANDLE_INVALID),
	R(wrap_bad_key, U, KEYI), R(wrap_null_len, U, ARGS),
	R(unwrap_bad_session, U, BADS), R(unwrap_null_mech, U, ARGS),
	R(unwrap_bad_unwrapping, U, CKR_UNWRAPPING_KEY_HANDLE_INVALID),
	R(unwrap_null_handle, U, ARGS), R(unwrap_null_wrapped, U, ARGS),
	R(derive_bad_session, U, BADS), R(derive_null_mech, U, ARGS),
	R(derive_bad_key, U, KEYI),
	R(derive_param_len, U, CKR_MECHANISM_PARAM_INVALID),
	R(derive_null_param, U, CKR_MECHANISM_PARAM_INVALID),
	R(derive_null_handle, U, ARGS),
	R(seed_bad_session, U, BADS),
	R(seed_null, U, ARGS, CKR_RANDOM_SEED_NOT_SUPPORTED),
	R(random_bad_session, U, BADS), R(random_null, U, ARGS),

	R(msg_ei, U, BADS), R(msg_e, U, BADS), R(msg_eb, U, BADS),
	R(msg_en, U, BADS), R(msg_ef, U, BADS), R(msg_di, U, BADS),
	R(msg_d, U, BADS), R(msg_db, U, BADS), R(msg_dn, U, BADS),
	R(msg_df, U, BADS), R(msg_si, U, BADS), R(msg_s, U, BADS),
	R(msg_sb, U, BADS), R(msg_sn, U, BADS), R(msg_sf, U, BADS),
	R(msg_vi, U, BADS), R(msg_v, U, BADS), R(msg_vb, U, BADS),
	R(msg_vn, U, BADS), R(msg_vf, U, BADS),
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the runner ---- */

static CK_FUNCTION_LIST_3_0 *list_3_0(void)
{
	CK_INTERFACE_PTR iface = NULL;

	assert_int_equal(C_GetInterface(NULL, NULL, &iface, 0), CKR_OK);
	assert_int_equal(((CK_VERSION *)iface->pFunctionList)->major, 3);
	return iface->pFunctionList;
}

static bool allowed(const struct row *r, CK_RV rv)
{
	if (r->ok)
		return rv == CKR_OK;
	for (size_t i = 0; i < MAX_CODES && r->codes[i] != CKR_OK; i++)
		if (rv == r->codes[i])
			return true;
	return false;
}

/* cmocka gives a group's tests its state: the rows run in order. */
static const struct row *next_row;

static void run_row(void **state)
{
	const struct row *r = next_row++;
	struct ctx c = { group_p11, group_p11->fn, list_3_0(),
			 CK_INVALID_HANDLE };
	CK_RV rv;

	(void)state;
	if (r->need != NEED_NONE) {
		c.s = p11_open_rw(c.p);
		if (r->need == NEED_USER)
			init_ok(CALL(p11_login(c.p, c.s, CKU_USER, USER_PIN)));
		else if (r->need == NEED_SO)
			init_ok(CALL(p11_login(c.p, c.s, CKU_SO, SO_PIN)));
	}
	rv = r->call(&c);
	if (r->need != NEED_NONE)
		(void)c.fn->C_CloseAllSessions(c.p->slot);
	if (!allowed(r, rv)) {
		print_error("%s: got 0x%lx, allowed 0x%lx (and %lu more)\n",
			    r->name, rv, r->codes[0],
			    (unsigned long)(r->codes[1] != 0) +
				    (r->codes[2] != 0));
		fail();
	}
}

static int group_setup(void **state)
{
	int rc = p11_setup_keys(state);

	group_p11 = *state;
	return rc;
}

static int group_setup_uninitialized(void **state)
{
	int rc = p11_setup_uninitialized(state);

	group_p11 = *state;
	return rc;
}

static int run_group(const char *name, const struct row *table, size_t n,
		     CMFixtureFunction setup)
{
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	int rc;

	assert_non_null(tests);
	for (size_t i = 0; i < n; i++) {
		tests[i].name = table[i].name;
		tests[i].test_func = run_row;
	}
	next_row = table;
	rc = _cmocka_run_group_tests(name, tests, n, setup, p11_teardown);
	free(tests);
	return rc;
}

int main(void)
{
	int rc;

	memset(label, ' ', sizeof(label));
	rc = run_group("before C_Initialize", pre_rows, COUNT(pre_rows),
		       group_setup_uninitialized);
	rc += run_group("bad input", rows, COUNT(rows), group_setup);
	printf("bad-input calls: %lu\n", calls);
	return rc;
}
