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

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

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
	const unsigned char *p = der;
	CK_ATTRIBUTE a = { CKA_PUBLIC_KEY_INFO, der, sizeof(der) };

	if (fn->C_GetAttributeValue(s, key, &a, 1) != CKR_OK)
		return NULL;
	return d2i_PUBKEY(NULL, &p, (long)a.ulValueLen);
}

/* ECDSA r || s to the DER SEQUENCE OpenSSL verifies. */
static int ecdsa_der(const unsigned char *sig, size_t len, unsigned char *out)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)len / 2, NULL);
	BIGNUM *sv = BN_bin2bn(sig + len / 2, (int)len / 2, NULL);
	int n = -1;

	if (es != NULL && r != NULL && sv != NULL &&
	    ECDSA_SIG_set0(es, r, sv) == 1) {
		r = sv = NULL;
		n = i2d_ECDSA_SIG(es, &out);
	}
	BN_free(r);
	BN_free(sv);
	ECDSA_SIG_free(es);
	return n;
}

static int verify(EVP_PKEY *pkey, bool ec, const unsigned char *msg,
		  size_t msg_len, const unsigned char *sig, size_t sig_len)
{
	unsigned char der[256];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = 0, n;

	if (ec) {
		n = ecdsa_der(sig, sig_len, der);
		if (n <= 0)
			goto out;
		sig = der;
		sig_len = (size_t)n;
	}
	ok = ctx != NULL &&
	     EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1;
out:
	EVP_MD_CTX_free(ctx);
	return ok;
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
	else if (!verify(pkey, ec, msg, strlen((char *)msg), sig, sig_len))
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
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	CK_TOKEN_INFO info;
	size_t len = strlen(label);

	if (fn->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return -1;
	for (CK_ULONG i = 0; i < n; i++) {
		if (fn->C_GetTokenInfo(slots[i], &info) == CKR_OK &&
		    len <= sizeof(info.label) &&
		    memcmp(info.label, label, len) == 0 &&
		    (len == sizeof(info.label) || info.label[len] == ' ')) {
			slot = slots[i];
			return 0;
		}
	}
	return -1;
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
