/* SPDX-License-Identifier: BSD-3-Clause */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_tpm.h"
#include "p11_fixture.h"

/*
 * The module as a whole, through its function list: C_GetFunctionList,
 * C_Initialize and C_Finalize with every kind of argument, C_GetInfo,
 * the refusal of every function while not initialized, and fork().
 */

#define NOT_INIT CKR_CRYPTOKI_NOT_INITIALIZED

/* ---- C_GetFunctionList ---- */

static void test_function_list_null(void **state)
{
	(void)state;
	assert_int_equal(C_GetFunctionList(NULL), CKR_ARGUMENTS_BAD);
}

typedef void (*any_fn)(void);

struct entry {
	const char *name;
	any_fn listed; /* what the list holds */
	any_fn own;    /* the module's function of that name */
};

#define ENTRY(f) { #f, (any_fn)fl->f, (any_fn)f }

/* Every entry of the 2.40 list, in the standard's order. */
static size_t list_entries(CK_FUNCTION_LIST_PTR fl, struct entry *e)
{
	const struct entry all[] = {
		ENTRY(C_Initialize), ENTRY(C_Finalize), ENTRY(C_GetInfo),
		ENTRY(C_GetFunctionList), ENTRY(C_GetSlotList),
		ENTRY(C_GetSlotInfo), ENTRY(C_GetTokenInfo),
		ENTRY(C_GetMechanismList), ENTRY(C_GetMechanismInfo),
		ENTRY(C_InitToken), ENTRY(C_InitPIN), ENTRY(C_SetPIN),
		ENTRY(C_OpenSession), ENTRY(C_CloseSession),
		ENTRY(C_CloseAllSessions), ENTRY(C_GetSessionInfo),
		ENTRY(C_GetOperationState), ENTRY(C_SetOperationState),
		ENTRY(C_Login), ENTRY(C_Logout), ENTRY(C_CreateObject),
		ENTRY(C_CopyObject), ENTRY(C_DestroyObject),
		ENTRY(C_GetObjectSize), ENTRY(C_GetAttributeValue),
		ENTRY(C_SetAttributeValue), ENTRY(C_FindObjectsInit),
		ENTRY(C_FindObjects), ENTRY(C_FindObjectsFinal),
		ENTRY(C_EncryptInit), ENTRY(C_Encrypt), ENTRY(C_EncryptUpdate),
		ENTRY(C_EncryptFinal), ENTRY(C_DecryptInit), ENTRY(C_Decrypt),
		ENTRY(C_DecryptUpdate), ENTRY(C_DecryptFinal),
		ENTRY(C_DigestInit), ENTRY(C_Digest), ENTRY(C_DigestUpdate),
		ENTRY(C_DigestKey), ENTRY(C_DigestFinal), ENTRY(C_SignInit),
		ENTRY(C_Sign), ENTRY(C_SignUpdate), ENTRY(C_SignFinal),
		ENTRY(C_SignRecoverInit), ENTRY(C_SignRecover),
		ENTRY(C_VerifyInit), ENTRY(C_Verify), ENTRY(C_VerifyUpdate),
		ENTRY(C_VerifyFinal), ENTRY(C_VerifyRecoverInit),
		ENTRY(C_VerifyRecover), ENTRY(C_DigestEncryptUpdate),
		ENTRY(C_DecryptDigestUpdate), ENTRY(C_SignEncryptUpdate),
		ENTRY(C_DecryptVerifyUpdate), ENTRY(C_GenerateKey),
		ENTRY(C_GenerateKeyPair), ENTRY(C_WrapKey), ENTRY(C_UnwrapKey),
		ENTRY(C_DeriveKey), ENTRY(C_SeedRandom),
		ENTRY(C_GenerateRandom), ENTRY(C_GetFunctionStatus),
		ENTRY(C_CancelFunction), ENTRY(C_WaitForSlotEvent),
	};

	memcpy(e, all, sizeof(all));
	return sizeof(all) / sizeof(all[0]);
}

static void test_function_list_complete(void **state)
{
	CK_FUNCTION_LIST_PTR fl = NULL;
	struct entry entries[80];
	size_t n;

	(void)state;
	assert_int_equal(C_GetFunctionList(&fl), CKR_OK);
	assert_non_null(fl);
	assert_int_equal(fl->version.major, 2);
	assert_int_equal(fl->version.minor, 40);
	n = list_entries(fl, entries);
	assert_int_equal(n, 68);
	for (size_t i = 0; i < n; i++) {
		if (entries[i].listed == NULL || entries[i].listed !=
							 entries[i].own)
			fail_msg("function list entry %s", entries[i].name);
	}
}

/* Usable before C_Initialize, and always the same list. */
static void test_function_list_before_initialize(void **state)
{
	struct p11 *p = *state;
	CK_FUNCTION_LIST_PTR again = NULL;

	assert_int_equal(p->fn->C_GetFunctionList(&again), CKR_OK);
	assert_ptr_equal(again, p->fn);
	assert_int_equal(p->fn->C_GetInfo(&(CK_INFO){ 0 }), NOT_INIT);
}

/* ---- C_Initialize and C_Finalize ---- */

static void assert_initialized(struct p11 *p)
{
	CK_INFO info;

	assert_int_equal(p->fn->C_GetInfo(&info), CKR_OK);
}

static void assert_not_initialized(struct p11 *p)
{
	CK_INFO info;

	assert_int_equal(p->fn->C_GetInfo(&info), NOT_INIT);
}

static void test_initialize_null(void **state)
{
	struct p11 *p = *state;

	assert_not_initialized(p);
	assert_int_equal(p->fn->C_Initialize(NULL), CKR_OK);
	assert_initialized(p);
}

static void test_initialize_twice(void **state)
{
	struct p11 *p = *state;
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };

	p11_initialize(p);
	assert_int_equal(p->fn->C_Initialize(NULL),
			 CKR_CRYPTOKI_ALREADY_INITIALIZED);
	assert_int_equal(p->fn->C_Initialize(&args),
			 CKR_CRYPTOKI_ALREADY_INITIALIZED);
	assert_initialized(p);
}

static void test_initialize_reserved(void **state)
{
	struct p11 *p = *state;
	int dummy = 0;
	CK_C_INITIALIZE_ARGS args = { .pReserved = &dummy };

	assert_int_equal(p->fn->C_Initialize(&args), CKR_ARGUMENTS_BAD);
	assert_not_initialized(p);
}

/* Mutex callbacks that work and count their calls. */
static struct {
	unsigned int created, destroyed, locked, unlocked;
	bool fail_create;
} app_mutexes;

static CK_RV create_mutex(void **mutex)
{
	pthread_mutex_t *m;

	if (app_mutexes.fail_create)
		return CKR_HOST_MEMORY;
	m = malloc(sizeof(*m));
	if (m == NULL)
		return CKR_HOST_MEMORY;
	pthread_mutex_init(m, NULL);
	*mutex = m;
	app_mutexes.created++;
	return CKR_OK;
}

static CK_RV destroy_mutex(void *mutex)
{
	pthread_mutex_destroy(mutex);
	free(mutex);
	app_mutexes.destroyed++;
	return CKR_OK;
}

static CK_RV lock_mutex(void *mutex)
{
	app_mutexes.locked++;
	return pthread_mutex_lock(mutex) == 0 ? CKR_OK : CKR_GENERAL_ERROR;
}

static CK_RV unlock_mutex(void *mutex)
{
	app_mutexes.unlocked++;
	return pthread_mutex_unlock(mutex) == 0 ? CKR_OK : CKR_GENERAL_ERROR;
}

/* Work that takes the module's locks: login, a session key, a signature. */
static void sign_once(struct p11 *p)
{
	static const CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
					0x3d, 0x03, 0x01, 0x07 };
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM mech = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_ATTRIBUTE params = { CKA_EC_PARAMS, (void *)p256, sizeof(p256) };
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE sig[128];
	CK_ULONG len = sizeof(sig);

	assert_int_equal(p->fn->C_GenerateKeyPair(s, &gen, &params, 1, NULL, 0,
						  &pub, &priv),
			 CKR_OK);
	assert_int_equal(p->fn->C_SignInit(s, &mech, priv), CKR_OK);
	assert_int_equal(p->fn->C_Sign(s, (CK_BYTE_PTR) "m", 1, sig, &len),
			 CKR_OK);
	assert_int_equal(p->fn->C_CloseSession(s), CKR_OK);
}

/* Arguments with the callbacks of mask (bit 0 create ... bit 3 unlock). */
static CK_C_INITIALIZE_ARGS callbacks(unsigned int mask, CK_FLAGS flags)
{
	CK_C_INITIALIZE_ARGS args = { .flags = flags };

	if (mask & 1)
		args.CreateMutex = create_mutex;
	if (mask & 2)
		args.DestroyMutex = destroy_mutex;
	if (mask & 4)
		args.LockMutex = lock_mutex;
	if (mask & 8)
		args.UnlockMutex = unlock_mutex;
	return args;
}

static void test_initialize_some_callbacks(void **state)
{
	struct p11 *p = *state;

	for (unsigned int mask = 1; mask < 15; mask++) {
		CK_C_INITIALIZE_ARGS args = callbacks(mask, 0);
		CK_C_INITIALIZE_ARGS os = callbacks(mask, CKF_OS_LOCKING_OK);

		assert_int_equal(p->fn->C_Initialize(&args),
				 CKR_ARGUMENTS_BAD);
		assert_int_equal(p->fn->C_Initialize(&os), CKR_ARGUMENTS_BAD);
		assert_not_initialized(p);
	}
}

/* Both offered: the module keeps its own locks. */
static void test_initialize_callbacks_os_locking(void **state)
{
	struct p11 *p = *state;
	CK_C_INITIALIZE_ARGS args = callbacks(15, CKF_OS_LOCKING_OK);

	memset(&app_mutexes, 0, sizeof(app_mutexes));
	assert_int_equal(p->fn->C_Initialize(&args), CKR_OK);
	assert_initialized(p);
	sign_once(p);
	assert_int_equal(app_mutexes.created, 0);
	assert_int_equal(app_mutexes.locked, 0);
}

/* Callbacks alone: the module's locks are the application's mutexes. */
static void test_initialize_callbacks_only(void **state)
{
	struct p11 *p = *state;
	CK_C_INITIALIZE_ARGS args = callbacks(15, 0);

	memset(&app_mutexes, 0, sizeof(app_mutexes));
	assert_int_equal(p->fn->C_Initialize(&args), CKR_OK);
	assert_initialized(p);
	sign_once(p);
	assert_true(app_mutexes.created >= 1); /* the module's (fake TPM: none) */
	assert_true(app_mutexes.locked > 0);
	assert_int_equal(app_mutexes.locked, app_mutexes.unlocked);
	assert_int_equal(p->fn->C_Finalize(NULL), CKR_OK);
	assert_int_equal(app_mutexes.destroyed, app_mutexes.created);
	/* The next initialization without callbacks uses none of them. */
	memset(&app_mutexes, 0, sizeof(app_mutexes));
	assert_int_equal(p->fn->C_Initialize(NULL), CKR_OK);
	sign_once(p);
	assert_int_equal(app_mutexes.created + app_mutexes.locked, 0);
}

/* An application that cannot make mutexes: CKR_CANT_LOCK, nothing kept. */
static void test_initialize_callbacks_create_fails(void **state)
{
	struct p11 *p = *state;
	CK_C_INITIALIZE_ARGS args = callbacks(15, 0);

	memset(&app_mutexes, 0, sizeof(app_mutexes));
	app_mutexes.fail_create = true;
	assert_int_equal(p->fn->C_Initialize(&args), CKR_CANT_LOCK);
	assert_not_initialized(p);
	app_mutexes.fail_create = false;
}

static void test_initialize_os_locking_only(void **state)
{
	struct p11 *p = *state;
	CK_C_INITIALIZE_ARGS args = callbacks(0, CKF_OS_LOCKING_OK);

	assert_int_equal(p->fn->C_Initialize(&args), CKR_OK);
	assert_initialized(p);
}

static void test_initialize_no_threads(void **state)
{
	struct p11 *p = *state;
	CK_C_INITIALIZE_ARGS args =
		callbacks(0, CKF_LIBRARY_CANT_CREATE_OS_THREADS);

	assert_int_equal(p->fn->C_Initialize(&args), CKR_OK);
	assert_initialized(p);
}

static void test_finalize_reserved(void **state)
{
	struct p11 *p = *state;
	int dummy = 0;

	assert_int_equal(p->fn->C_Finalize(&dummy), CKR_ARGUMENTS_BAD);
	assert_initialized(p);
}

static void test_finalize_not_initialized(void **state)
{
	struct p11 *p = *state;

	assert_int_equal(p->fn->C_Finalize(NULL), NOT_INIT);
	p11_initialize(p);
	assert_int_equal(p->fn->C_Finalize(NULL), CKR_OK);
	assert_int_equal(p->fn->C_Finalize(NULL), NOT_INIT);
	assert_not_initialized(p);
}

/* C_Finalize closes the sessions; their handles stay dead after. */
static void test_initialize_after_finalize(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_SESSION_INFO info;

	assert_int_equal(fake_tpm_connections(), 1);
	assert_int_equal(p->fn->C_Finalize(NULL), CKR_OK);
	assert_int_equal(fake_tpm_connections(), 0);
	assert_int_equal(p->fn->C_GetSessionInfo(s, &info), NOT_INIT);
	p11_initialize(p);
	assert_int_equal(p->fn->C_GetSessionInfo(s, &info),
			 CKR_SESSION_HANDLE_INVALID);
	s = p11_open_rw(p);
	assert_int_equal(p11_state(p, s), CKS_RW_PUBLIC_SESSION);
}

/* Writes something that is no SQLite database where the store goes. */
static void damage_store(const char *path)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	for (int i = 0; i < 512; i++)
		fputs("not a database ", fp);
	assert_int_equal(fclose(fp), 0);
}

/* A store that is not a store: C_Initialize fails and leaves nothing. */
static void test_initialize_damaged_store(void **state)
{
	struct p11 *p = *state;
	CK_ULONG count = 0;
	CK_RV rv;

	damage_store(p->base->store);
	rv = p->fn->C_Initialize(NULL);
	assert_int_not_equal(rv, CKR_OK);
	assert_not_initialized(p);
	/* Once the store is gone, the module starts with no token. */
	assert_int_equal(unlink(p->base->store), 0);
	p11_initialize(p);
	assert_int_equal(p->fn->C_GetSlotList(CK_FALSE, NULL, &count), CKR_OK);
	assert_int_equal(count, 1);
	assert_int_equal(rv, CKR_FUNCTION_FAILED);
}

/* ---- every function refuses while not initialized ---- */

static void assert_general_refused(CK_FUNCTION_LIST_PTR fn)
{
	CK_INFO info;
	CK_SLOT_ID slots[4], slot = 0;
	CK_ULONG count = 4;
	CK_SLOT_INFO slot_info;
	CK_TOKEN_INFO token_info;
	CK_MECHANISM_TYPE mechs[4];
	CK_MECHANISM_INFO mech_info;
	CK_SESSION_HANDLE s = 0;
	CK_UTF8CHAR label[32];

	memset(label, ' ', sizeof(label));
	assert_int_equal(fn->C_Finalize(NULL), NOT_INIT);
	assert_int_equal(fn->C_GetInfo(&info), NOT_INIT);
	assert_int_equal(fn->C_GetSlotList(CK_FALSE, slots, &count), NOT_INIT);
	assert_int_equal(fn->C_GetSlotList(CK_TRUE, NULL, &count), NOT_INIT);
	assert_int_equal(fn->C_GetSlotInfo(1, &slot_info), NOT_INIT);
	assert_int_equal(fn->C_GetTokenInfo(1, &token_info), NOT_INIT);
	assert_int_equal(fn->C_GetMechanismList(1, mechs, &count), NOT_INIT);
	assert_int_equal(fn->C_GetMechanismInfo(1, CKM_RSA_PKCS, &mech_info),
			 NOT_INIT);
	assert_int_equal(fn->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, label),
			 NOT_INIT);
	assert_int_equal(fn->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL),
			 NOT_INIT);
	assert_int_equal(fn->C_OpenSession(1, CKF_SERIAL_SESSION, NULL, NULL,
					   &s),
			 NOT_INIT);
	assert_int_equal(fn->C_CloseAllSessions(1), NOT_INIT);
}

static void assert_session_refused(CK_FUNCTION_LIST_PTR fn,
				   CK_SESSION_HANDLE s)
{
	CK_UTF8CHAR_PTR pin = (CK_UTF8CHAR_PTR)USER_PIN;
	CK_SESSION_INFO info;
	CK_BYTE buf[64];
	CK_ULONG len = sizeof(buf);

	assert_int_equal(fn->C_CloseSession(s), NOT_INIT);
	assert_int_equal(fn->C_GetSessionInfo(s, &info), NOT_INIT);
	assert_int_equal(fn->C_Login(s, CKU_USER, pin, 6), NOT_INIT);
	assert_int_equal(fn->C_Logout(s), NOT_INIT);
	assert_int_equal(fn->C_InitPIN(s, pin, 6), NOT_INIT);
	assert_int_equal(fn->C_SetPIN(s, pin, 6, pin, 6), NOT_INIT);
	assert_int_equal(fn->C_GetOperationState(s, buf, &len), NOT_INIT);
	assert_int_equal(fn->C_SetOperationState(s, buf, len, 0, 0), NOT_INIT);
	assert_int_equal(fn->C_GetFunctionStatus(s), NOT_INIT);
	assert_int_equal(fn->C_CancelFunction(s), NOT_INIT);
	assert_int_equal(fn->C_SeedRandom(s, buf, 8), NOT_INIT);
	assert_int_equal(fn->C_GenerateRandom(s, buf, 8), NOT_INIT);
}

static void assert_object_refused(CK_FUNCTION_LIST_PTR fn,
				  CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &cls, sizeof(cls) };
	CK_OBJECT_HANDLE objs[4], obj = 0;
	CK_ULONG count = 0;

	assert_int_equal(fn->C_CreateObject(s, &tmpl, 1, &obj), NOT_INIT);
	assert_int_equal(fn->C_CopyObject(s, 1, &tmpl, 1, &obj), NOT_INIT);
	assert_int_equal(fn->C_DestroyObject(s, 1), NOT_INIT);
	assert_int_equal(fn->C_GetObjectSize(s, 1, &count), NOT_INIT);
	assert_int_equal(fn->C_GetAttributeValue(s, 1, &tmpl, 1), NOT_INIT);
	assert_int_equal(fn->C_SetAttributeValue(s, 1, &tmpl, 1), NOT_INIT);
	assert_int_equal(fn->C_FindObjectsInit(s, &tmpl, 1), NOT_INIT);
	assert_int_equal(fn->C_FindObjects(s, objs, 4, &count), NOT_INIT);
	assert_int_equal(fn->C_FindObjectsFinal(s), NOT_INIT);
}

static void assert_crypto_refused(CK_FUNCTION_LIST_PTR fn,
				  CK_SESSION_HANDLE s)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_BYTE in[32] = { 0 }, out[512];
	CK_ULONG len = sizeof(out);

	assert_int_equal(fn->C_EncryptInit(s, &m, 1), NOT_INIT);
	assert_int_equal(fn->C_Encrypt(s, in, 32, out, &len), NOT_INIT);
	assert_int_equal(fn->C_EncryptUpdate(s, in, 32, out, &len), NOT_INIT);
	assert_int_equal(fn->C_EncryptFinal(s, out, &len), NOT_INIT);
	assert_int_equal(fn->C_DecryptInit(s, &m, 1), NOT_INIT);
	assert_int_equal(fn->C_Decrypt(s, in, 32, out, &len), NOT_INIT);
	assert_int_equal(fn->C_DecryptUpdate(s, in, 32, out, &len), NOT_INIT);
	assert_int_equal(fn->C_DecryptFinal(s, out, &len), NOT_INIT);
	assert_int_equal(fn->C_DigestInit(s, &m), NOT_INIT);
	assert_int_equal(fn->C_Digest(s, in, 32, out, &len), NOT_INIT);
	assert_int_equal(fn->C_DigestUpdate(s, in, 32), NOT_INIT);
	assert_int_equal(fn->C_DigestKey(s, 1), NOT_INIT);
	assert_int_equal(fn->C_DigestFinal(s, out, &len), NOT_INIT);
	assert_int_equal(fn->C_SignInit(s, &m, 1), NOT_INIT);
	assert_int_equal(fn->C_Sign(s, in, 32, out, &len), NOT_INIT);
	assert_int_equal(fn->C_SignUpdate(s, in, 32), NOT_INIT);
	assert_int_equal(fn->C_SignFinal(s, out, &len), NOT_INIT);
	assert_int_equal(fn->C_SignRecoverInit(s, &m, 1), NOT_INIT);
	assert_int_equal(fn->C_SignRecover(s, in, 32, out, &len), NOT_INIT);
}

static void assert_more_crypto_refused(CK_FUNCTION_LIST_PTR fn,
				       CK_SESSION_HANDLE s)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE tmpl = { CKA_TOKEN, NULL, 0 };
	CK_BYTE in[32] = { 0 }, out[512];
	CK_ULONG len = sizeof(out);
	CK_OBJECT_HANDLE a = 0, b = 0;

	assert_int_equal(fn->C_VerifyInit(s, &m, 1), NOT_INIT);
	assert_int_equal(fn->C_Verify(s, in, 32, out, 32), NOT_INIT);
	assert_int_equal(fn->C_VerifyUpdate(s, in, 32), NOT_INIT);
	assert_int_equal(fn->C_VerifyFinal(s, out, 32), NOT_INIT);
	assert_int_equal(fn->C_VerifyRecoverInit(s, &m, 1), NOT_INIT);
	assert_int_equal(fn->C_VerifyRecover(s, in, 32, out, &len), NOT_INIT);
	assert_int_equal(fn->C_DigestEncryptUpdate(s, in, 32, out, &len),
			 NOT_INIT);
	assert_int_equal(fn->C_DecryptDigestUpdate(s, in, 32, out, &len),
			 NOT_INIT);
	assert_int_equal(fn->C_SignEncryptUpdate(s, in, 32, out, &len),
			 NOT_INIT);
	assert_int_equal(fn->C_DecryptVerifyUpdate(s, in, 32, out, &len),
			 NOT_INIT);
	assert_int_equal(fn->C_GenerateKey(s, &m, &tmpl, 1, &a), NOT_INIT);
	assert_int_equal(fn->C_GenerateKeyPair(s, &m, &tmpl, 1, &tmpl, 1, &a,
					       &b),
			 NOT_INIT);
	assert_int_equal(fn->C_WrapKey(s, &m, 1, 2, out, &len), NOT_INIT);
	assert_int_equal(fn->C_UnwrapKey(s, &m, 1, in, 32, &tmpl, 1, &a),
			 NOT_INIT);
	assert_int_equal(fn->C_DeriveKey(s, &m, 1, &tmpl, 1, &a), NOT_INIT);
}

static void assert_everything_refused(CK_FUNCTION_LIST_PTR fn,
				      CK_SESSION_HANDLE s)
{
	assert_general_refused(fn);
	assert_session_refused(fn, s);
	assert_object_refused(fn, s);
	assert_crypto_refused(fn, s);
	assert_more_crypto_refused(fn, s);
}

static void test_everything_before_initialize(void **state)
{
	struct p11 *p = *state;

	assert_everything_refused(p->fn, 1);
	p11_initialize(p);
	assert_initialized(p);
}

/* After C_Finalize, with a handle that was valid before it. */
static void test_everything_after_finalize(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);

	assert_int_equal(p->fn->C_Finalize(NULL), CKR_OK);
	assert_everything_refused(p->fn, s);
}

/* ---- C_GetInfo ---- */

static void test_get_info_null(void **state)
{
	struct p11 *p = *state;

	assert_int_equal(p->fn->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
}

static void test_get_info(void **state)
{
	struct p11 *p = *state;
	CK_INFO info;

	memset(&info, 0, sizeof(info));
	assert_int_equal(p->fn->C_GetInfo(&info), CKR_OK);
	assert_int_equal(info.cryptokiVersion.major, 2);
	assert_int_equal(info.cryptokiVersion.minor, 40);
	p11_assert_padded(info.manufacturerID, sizeof(info.manufacturerID),
			  "tpmcard");
	p11_assert_padded(info.libraryDescription,
			  sizeof(info.libraryDescription),
			  "tpmcard TPM 2.0 smartcard");
	assert_int_equal(info.flags, 0);
	assert_int_equal(info.libraryVersion.major, 0);
	assert_int_equal(info.libraryVersion.minor, 1);
}

/* ---- fork ---- */

/*
 * What a forked child checks; no cmocka here (a failed assertion would
 * run the rest of the suite in the child).  The exit status names the
 * first step that went wrong.
 */
static int child_steps(struct p11 *p, CK_SESSION_HANDLE parent_session)
{
	CK_FUNCTION_LIST_PTR fn = p->fn;
	unsigned int opens = fake_tpm_calls(FAKE_TPM_OPEN);
	size_t connections = fake_tpm_connections();
	CK_SESSION_HANDLE s = 0;
	CK_SESSION_INFO info;
	CK_ULONG count = 0;

	if (fn->C_GetSlotList(CK_FALSE, NULL, &count) != NOT_INIT)
		return 10;
	if (fn->C_GetSessionInfo(parent_session, &info) != NOT_INIT)
		return 11;
	if (fn->C_Finalize(NULL) != NOT_INIT)
		return 12;
	if (fn->C_Initialize(NULL) != CKR_OK)
		return 13;
	if (fn->C_GetSlotList(CK_FALSE, NULL, &count) != CKR_OK || count != 2)
		return 14;
	if (fn->C_GetSessionInfo(parent_session, &info) !=
	    CKR_SESSION_HANDLE_INVALID)
		return 15;
	if (fn->C_OpenSession(p->slot, CKF_SERIAL_SESSION, NULL, NULL, &s) !=
		    CKR_OK ||
	    fn->C_GetSessionInfo(s, &info) != CKR_OK ||
	    info.state != CKS_RO_PUBLIC_SESSION)
		return 16;
	if (p11_login(p, s, CKU_USER, USER_PIN) != CKR_OK)
		return 17;
	/* Its own TPM connection, not the parent's. */
	if (fake_tpm_calls(FAKE_TPM_OPEN) != opens + 1)
		return 18;
	if (fn->C_Finalize(NULL) != CKR_OK)
		return 19;
	/* The parent's connection was left alone. */
	if (fake_tpm_connections() != connections)
		return 20;
	return 0;
}

static void test_fork_child_initializes_again(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_steps(p, s)); /* _exit: no atexit, no flush */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent goes on as before. */
	assert_int_equal(p11_state(p, s), CKS_RW_USER_FUNCTIONS);
	assert_int_equal(fake_tpm_connections(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_function_list_null),
		cmocka_unit_test(test_function_list_complete),
		cmocka_unit_test_setup_teardown(
			test_function_list_before_initialize,
			p11_setup_uninitialized, p11_teardown),
		cmocka_unit_test_setup_teardown(test_initialize_null,
						p11_setup_uninitialized,
						p11_teardown),
		cmocka_unit_test_setup_teardown(test_initialize_twice,
						p11_setup_uninitialized,
						p11_teardown),
		cmocka_unit_test_setup_teardown(test_initialize_reserved,
						p11_setup_uninitialized,
						p11_teardown),
		cmocka_unit_test_setup_teardown(test_initialize_some_callbacks,
						p11_setup_uninitialized,
						p11_teardown),
		cmocka_unit_test_setup_teardown(
			test_initialize_callbacks_os_locking,
			p11_setup_uninitialized, p11_teardown),
		cmocka_unit_test_setup_teardown(test_initialize_callbacks_only,
						p11_setup_uninitialized,
						p11_teardown),
		cmocka_unit_test_setup_teardown(
			test_initialize_callbacks_create_fails,
			p11_setup_uninitialized, p11_teardown),
		cmocka_unit_test_setup_teardown(
			test_initialize_os_locking_only,
			p11_setup_uninitialized, p11_teardown),
		cmocka_unit_test_setup_teardown(test_initialize_no_threads,
						p11_setup_uninitialized,
						p11_teardown),
		cmocka_unit_test_setup_teardown(test_finalize_reserved,
						p11_setup, p11_teardown),
		cmocka_unit_test_setup_teardown(test_finalize_not_initialized,
						p11_setup_uninitialized,
						p11_teardown),
		cmocka_unit_test_setup_teardown(test_initialize_after_finalize,
						p11_setup, p11_teardown),
		cmocka_unit_test_setup_teardown(test_initialize_damaged_store,
						p11_setup_no_store,
						p11_teardown),
		cmocka_unit_test_setup_teardown(
			test_everything_before_initialize,
			p11_setup_uninitialized, p11_teardown),
		cmocka_unit_test_setup_teardown(test_everything_after_finalize,
						p11_setup, p11_teardown),
		cmocka_unit_test_setup_teardown(test_get_info_null, p11_setup,
						p11_teardown),
		cmocka_unit_test_setup_teardown(test_get_info, p11_setup,
						p11_teardown),
		cmocka_unit_test_setup_teardown(
			test_fork_child_initializes_again, p11_setup,
			p11_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
