/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Many threads using one loaded module at once, as a multi-threaded
 * server does: each thread opens its own session and, in a loop, signs
 * with the token's RSA and EC keys (every signature checked with OpenSSL
 * against the key's CKA_PUBLIC_KEY_INFO), draws random bytes and searches
 * objects, while the main thread keeps the user logged in.
 *
 * usage: threads MODULE TOKEN_LABEL PIN THREADS ROUNDS [app-locks]
 * With "app-locks", C_Initialize gets mutex callbacks and no
 * CKF_OS_LOCKING_OK, and the program checks the module used them.
 * Exit 0 when every call of every thread succeeded.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include "p11check.h"

static CK_FUNCTION_LIST_PTR fn;
static CK_SLOT_ID slot;
static int rounds;
static atomic_int failures;
static atomic_long lock_calls;

#define FAIL(...)                                    \
	do {                                         \
		fprintf(stderr, __VA_ARGS__);        \
		fputc('\n', stderr);                 \
		atomic_fetch_add(&failures, 1);      \
	} while (0)

/* Application mutexes: plain pthread mutexes that count their use. */
static CK_RV app_create(CK_VOID_PTR_PTR mutex)
{
	pthread_mutex_t *m = malloc(sizeof(*m));

	if (m == NULL || pthread_mutex_init(m, NULL) != 0) {
		free(m);
		return CKR_HOST_MEMORY;
	}
	*mutex = m;
	return CKR_OK;
}

static CK_RV app_destroy(CK_VOID_PTR mutex)
{
	pthread_mutex_destroy(mutex);
	free(mutex);
	return CKR_OK;
}

static CK_RV app_lock(CK_VOID_PTR mutex)
{
	atomic_fetch_add(&lock_calls, 1);
	return pthread_mutex_lock(mutex) == 0 ? CKR_OK : CKR_GENERAL_ERROR;
}

static CK_RV app_unlock(CK_VOID_PTR mutex)
{
	return pthread_mutex_unlock(mutex) == 0 ? CKR_OK :
						  CKR_MUTEX_NOT_LOCKED;
}

/* The first object of a class and key type; 0 when none. */
static CK_OBJECT_HANDLE find_key(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
				 CK_KEY_TYPE type)
{
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof(cls) },
				{ CKA_KEY_TYPE, &type, sizeof(type) } };
	CK_OBJECT_HANDLE h = 0;
	CK_ULONG n = 0;

	if (fn->C_FindObjectsInit(s, tmpl, 2) != CKR_OK)
		return 0;
	if (fn->C_FindObjects(s, &h, 1, &n) != CKR_OK || n != 1)
		h = 0;
	fn->C_FindObjectsFinal(s);
	return h;
}

static EVP_PKEY *public_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key)
{
	unsigned char der[1024];
	CK_ULONG der_len = sizeof(der);

	return p11check_public_key(fn, s, key, der, &der_len);
}

static void sign_once(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
		      EVP_PKEY *pkey, bool ec, int round)
{
	CK_MECHANISM mech = { ec ? CKM_ECDSA_SHA256 : CKM_SHA256_RSA_PKCS,
			      NULL, 0 };
	unsigned char msg[64], sig[512];
	CK_ULONG sig_len = sizeof(sig);
	CK_RV rv;

	snprintf((char *)msg, sizeof(msg), "thread %lx round %d",
		 (unsigned long)pthread_self(), round);
	rv = fn->C_SignInit(s, &mech, key);
	if (rv == CKR_OK)
		rv = fn->C_Sign(s, msg, strlen((char *)msg), sig, &sig_len);
	if (rv != CKR_OK)
		FAIL("sign (%s): 0x%lx", ec ? "EC" : "RSA", rv);
	else if (!p11check_signature_ok(pkey, msg, strlen((char *)msg), sig,
					       sig_len))
		FAIL("signature (%s) does not verify", ec ? "EC" : "RSA");
}

static void *worker(void *arg)
{
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE rsa, ec;
	EVP_PKEY *rsa_pub = NULL, *ec_pub = NULL;
	unsigned char random[32];

	(void)arg;
	if (fn->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) !=
	    CKR_OK) {
		FAIL("open session");
		return NULL;
	}
	rsa = find_key(s, CKO_PRIVATE_KEY, CKK_RSA);
	ec = find_key(s, CKO_PRIVATE_KEY, CKK_EC);
	rsa_pub = rsa ? public_key(s, rsa) : NULL;
	ec_pub = ec ? public_key(s, ec) : NULL;
	if (rsa_pub == NULL || ec_pub == NULL)
		FAIL("keys not found");
	for (int i = 0; rsa_pub && ec_pub && i < rounds; i++) {
		sign_once(s, ec, ec_pub, true, i);
		sign_once(s, rsa, rsa_pub, false, i);
		if (fn->C_GenerateRandom(s, random, sizeof(random)) != CKR_OK)
			FAIL("random");
		if (find_key(s, CKO_PUBLIC_KEY, CKK_EC) == 0)
			FAIL("find");
	}
	EVP_PKEY_free(rsa_pub);
	EVP_PKEY_free(ec_pub);
	if (fn->C_CloseSession(s) != CKR_OK)
		FAIL("close session");
	return NULL;
}

/* The slot whose token has this label. */
static int find_slot(const char *label)
{
	return p11check_find_slot(fn, label, &slot);
}

int main(int argc, char **argv)
{
	CK_C_INITIALIZE_ARGS args = { 0 };
	CK_C_GetFunctionList get;
	CK_SESSION_HANDLE login = 0;
	pthread_t *tids;
	int threads;
	void *lib;

	if (argc < 6)
		return 2;
	threads = atoi(argv[4]);
	rounds = atoi(argv[5]);
	lib = dlopen(argv[1], RTLD_NOW);
	get = lib ? (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList") :
		    NULL;
	if (get == NULL || get(&fn) != CKR_OK)
		return fprintf(stderr, "cannot load %s\n", argv[1]), 1;
	if (argc > 6 && strcmp(argv[6], "app-locks") == 0) {
		args.CreateMutex = app_create;
		args.DestroyMutex = app_destroy;
		args.LockMutex = app_lock;
		args.UnlockMutex = app_unlock;
	} else {
		args.flags = CKF_OS_LOCKING_OK;
	}
	if (fn->C_Initialize(&args) != CKR_OK || find_slot(argv[2]) != 0)
		return fprintf(stderr, "no token %s\n", argv[2]), 1;
	if (fn->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &login) !=
		    CKR_OK ||
	    fn->C_Login(login, CKU_USER, (CK_UTF8CHAR_PTR)argv[3],
			strlen(argv[3])) != CKR_OK)
		return fprintf(stderr, "login failed\n"), 1;
	tids = calloc((size_t)threads, sizeof(*tids));
	for (int i = 0; tids && i < threads; i++)
		if (pthread_create(&tids[i], NULL, worker, NULL) != 0)
			return fprintf(stderr, "pthread_create\n"), 1;
	for (int i = 0; tids && i < threads; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	if (fn->C_CloseSession(login) != CKR_OK || fn->C_Finalize(NULL) != CKR_OK)
		FAIL("close/finalize");
	if (args.LockMutex != NULL && atomic_load(&lock_calls) == 0)
		FAIL("the module never used the application's mutexes");
	printf("threads=%d rounds=%d failures=%d app_lock_calls=%ld\n",
	       threads, rounds, atomic_load(&failures),
	       atomic_load(&lock_calls));
	return atomic_load(&failures) == 0 ? 0 : 1;
}
