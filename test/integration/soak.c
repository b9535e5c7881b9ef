/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The soak test's load (issue 6).  Three roles:
 *
 *   soak worker MODULE PIN SECONDS SEED OUT TOKEN...
 *	4 threads, each with a read-write session on every token, for
 *	SECONDS mix signing and decrypting with the tokens' shared keys,
 *	generating EC key pairs, creating, reading and destroying data
 *	objects (token and session, public and private), logging in and
 *	out and trying a wrong PIN.  Every call must return the code the
 *	standard gives for the case; the process knows its case because
 *	login and logout (process-wide in PKCS#11) take a write lock that
 *	the other operations hold for reading.  The token objects still
 *	alive at the end are written to OUT, one per line, for "verify".
 *
 *   soak signer MODULE PIN TOKEN COUNT
 *	One session signs COUNT times with the token's key "ec", each
 *	signature checked, while workers come and go.
 *
 *   soak verify MODULE PIN TOKEN FILE...
 *	Every object the files list is there on the token, once, and
 *	usable (a key signs with its recorded public key, data reads its
 *	recorded value), and the token holds no other "soak-" object.
 *
 * Each role prints one summary line and exits 0 only without a single
 * unexpected result; each unexpected result is printed.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/rsa.h>

#include "p11check.h"
#include "soak.h"

CK_FUNCTION_LIST_PTR fn;
atomic_long soak_unexpected;
atomic_long soak_calls;

void soak_fail(const char *what, CK_RV got, CK_RV want)
{
	fprintf(stderr, "soak[%d]: %s: 0x%lx, want 0x%lx\n", (int)getpid(),
		what, (unsigned long)got, (unsigned long)want);
	atomic_fetch_add(&soak_unexpected, 1);
}

bool soak_expect(const char *what, CK_RV got, CK_RV want)
{
	atomic_fetch_add(&soak_calls, 1);
	if (got == want)
		return true;
	soak_fail(what, got, want);
	return false;
}

double soak_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int soak_load_module(const char *path)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	CK_C_GetFunctionList get;
	void *lib = dlopen(path, RTLD_NOW);

	get = lib ? (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList") :
		    NULL;
	if (get == NULL || get(&fn) != CKR_OK) {
		fprintf(stderr, "soak: cannot load %s\n", path);
		return -1;
	}
	if (fn->C_Initialize(&args) != CKR_OK) {
		fprintf(stderr, "soak: C_Initialize failed\n");
		return -1;
	}
	return 0;
}

int soak_find_slot(const char *label, CK_SLOT_ID *slot)
{
	if (p11check_find_slot(fn, label, slot) == 0)
		return 0;
	fprintf(stderr, "soak: no token %s\n", label);
	return -1;
}

CK_RV soak_open_session(CK_SLOT_ID slot, CK_SESSION_HANDLE *s)
{
	return fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
				 NULL, NULL, s);
}

CK_RV soak_login(CK_SESSION_HANDLE s, const char *pin)
{
	return fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
}

/* All objects with this label and (when cls is not -1) class. */
CK_ULONG soak_find(CK_SESSION_HANDLE s, const char *label, long cls,
		   CK_OBJECT_HANDLE *found, CK_ULONG max)
{
	CK_OBJECT_CLASS c = (CK_OBJECT_CLASS)cls;
	CK_ATTRIBUTE tmpl[] = { { CKA_LABEL, (void *)label, strlen(label) },
				{ CKA_CLASS, &c, sizeof(c) } };
	CK_ULONG n = 0;

	if (fn->C_FindObjectsInit(s, tmpl, cls < 0 ? 1 : 2) != CKR_OK)
		return 0;
	if (fn->C_FindObjects(s, found, max, &n) != CKR_OK)
		n = 0;
	fn->C_FindObjectsFinal(s);
	return n;
}

CK_RV soak_sign(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, EVP_PKEY *pub,
		const char *what)
{
	bool ec = EVP_PKEY_base_id(pub) == EVP_PKEY_EC;
	CK_MECHANISM mech = { ec ? CKM_ECDSA_SHA256 : CKM_SHA256_RSA_PKCS,
			      NULL, 0 };
	unsigned char msg[48], sig[512];
	CK_ULONG sig_len = sizeof(sig);
	CK_RV rv;

	RAND_bytes(msg, sizeof(msg));
	rv = fn->C_SignInit(s, &mech, key);
	if (rv != CKR_OK)
		return rv;
	rv = fn->C_Sign(s, msg, sizeof(msg), sig, &sig_len);
	if (rv == CKR_OK &&
	    !p11check_signature_ok(pub, msg, sizeof(msg), sig, sig_len)) {
		fprintf(stderr, "soak[%d]: %s: signature does not verify\n",
			(int)getpid(), what);
		atomic_fetch_add(&soak_unexpected, 1);
	}
	return rv;
}

CK_RV soak_decrypt(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, EVP_PKEY *pub)
{
	CK_RSA_PKCS_OAEP_PARAMS oaep = { CKM_SHA256, CKG_MGF1_SHA256,
					 CKZ_DATA_SPECIFIED, NULL, 0 };
	CK_MECHANISM mech = { CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep) };
	unsigned char plain[32], cipher[512], back[512];
	size_t cipher_len = sizeof(cipher);
	CK_ULONG back_len = sizeof(back);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pub, NULL);
	CK_RV rv;

	RAND_bytes(plain, sizeof(plain));
	if (ctx == NULL || EVP_PKEY_encrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_encrypt(ctx, cipher, &cipher_len, plain,
			     sizeof(plain)) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return CKR_GENERAL_ERROR;
	}
	EVP_PKEY_CTX_free(ctx);
	rv = fn->C_DecryptInit(s, &mech, key);
	if (rv != CKR_OK)
		return rv;
	rv = fn->C_Decrypt(s, cipher, cipher_len, back, &back_len);
	if (rv == CKR_OK &&
	    (back_len != sizeof(plain) || memcmp(back, plain, back_len) != 0)) {
		fprintf(stderr, "soak[%d]: decrypt gave other bytes\n",
			(int)getpid());
		atomic_fetch_add(&soak_unexpected, 1);
	}
	return rv;
}

static int run_signer(int argc, char **argv)
{
	const char *pin = argv[3];
	long count = argc > 5 ? atol(argv[5]) : 0;
	unsigned char der[1024];
	CK_ULONG der_len = sizeof(der), n;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_SLOT_ID slot;
	EVP_PKEY *pub;
	double start = soak_now();
	long done = 0;

	if (argc < 6 || soak_load_module(argv[2]) != 0 ||
	    soak_find_slot(argv[4], &slot) != 0)
		return 2;
	if (soak_open_session(slot, &s) != CKR_OK ||
	    soak_login(s, pin) != CKR_OK)
		return fprintf(stderr, "soak: signer cannot log in\n"), 2;
	n = soak_find(s, "ec", CKO_PRIVATE_KEY, &key, 1);
	pub = n == 1 ? p11check_public_key(fn, s, key, der, &der_len) : NULL;
	if (pub == NULL)
		return fprintf(stderr, "soak: signer has no key\n"), 2;
	for (; done < count; done++) {
		if (!soak_expect("signer sign", soak_sign(s, key, pub, "signer"),
				 CKR_OK))
			break;
		if ((done + 1) % 10000 == 0)
			printf("signed %ld in %.1f s\n", done + 1,
			       soak_now() - start), fflush(stdout);
	}
	EVP_PKEY_free(pub);
	soak_expect("signer close", fn->C_CloseSession(s), CKR_OK);
	soak_expect("signer finalize", fn->C_Finalize(NULL), CKR_OK);
	printf("signs=%ld seconds=%.1f unexpected=%ld\n", done,
	       soak_now() - start, atomic_load(&soak_unexpected));
	return atomic_load(&soak_unexpected) == 0 && done == count ? 0 : 1;
}

int main(int argc, char **argv)
{
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "worker") == 0)
		return soak_worker(argc, argv);
	if (argc > 1 && strcmp(argv[1], "signer") == 0)
		return run_signer(argc, argv);
	if (argc > 1 && strcmp(argv[1], "verify") == 0)
		return soak_verify(argc, argv);
	fprintf(stderr, "usage: soak worker|signer|verify MODULE PIN ...\n");
	return 2;
}
