/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A host whose memory test_secrets.py reads: it logs in with a PIN read
 * from a file, signs with the EC key "ec", decrypts a PKCS#1 v1.5
 * ciphertext with the RSA key "rsa", then (unless told to stay logged in)
 * logs out.  It wipes its own copies of the PIN and the plaintext, says
 * "ready" and waits for its standard input to close, the module still
 * loaded: what the module keeps of the secrets is then all there is.
 *
 * usage: tpmcard-secrets-host MODULE TOKEN PINFILE CIPHERFILE logout|stay
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR fn;

static int fail(const char *what, CK_RV rv)
{
	fprintf(stderr, "%s: 0x%lx\n", what, (unsigned long)rv);
	return 1;
}

static size_t read_file(const char *path, unsigned char *buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, max, f) : 0;

	if (f != NULL)
		fclose(f);
	return n;
}

static CK_OBJECT_HANDLE private_key(CK_SESSION_HANDLE s, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (fn->C_FindObjectsInit(s, tmpl, 2) == CKR_OK) {
		if (fn->C_FindObjects(s, &h, 1, &n) != CKR_OK || n != 1)
			h = CK_INVALID_HANDLE;
		fn->C_FindObjectsFinal(s);
	}
	return h;
}

static CK_SLOT_ID slot_of(const char *token)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	size_t len = strlen(token);

	if (fn->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return (CK_SLOT_ID)-1;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO info;

		if (fn->C_GetTokenInfo(slots[i], &info) == CKR_OK &&
		    memcmp(info.label, token, len) == 0)
			return slots[i];
	}
	return (CK_SLOT_ID)-1;
}

/* The operations the capture of memory is about. */
static int use_keys(CK_SESSION_HANDLE s, const unsigned char *cipher,
		    size_t cipher_len)
{
	CK_MECHANISM ecdsa = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_MECHANISM pkcs1 = { CKM_RSA_PKCS, NULL, 0 };
	unsigned char out[512];
	CK_ULONG n = sizeof(out);
	CK_RV rv;

	rv = fn->C_SignInit(s, &ecdsa, private_key(s, "ec"));
	if (rv == CKR_OK)
		rv = fn->C_Sign(s, (CK_BYTE_PTR) "memory", 6, out, &n);
	if (rv != CKR_OK)
		return fail("sign", rv);
	n = sizeof(out);
	rv = fn->C_DecryptInit(s, &pkcs1, private_key(s, "rsa"));
	if (rv == CKR_OK)
		rv = fn->C_Decrypt(s, (CK_BYTE_PTR)cipher, cipher_len, out,
				   &n);
	if (rv != CKR_OK)
		return fail("decrypt", rv);
	printf("decrypted %lu bytes\n", (unsigned long)n);
	explicit_bzero(out, sizeof(out));
	return 0;
}

int main(int argc, char **argv)
{
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	unsigned char pin[64], cipher[512];
	CK_SESSION_HANDLE s;
	size_t pin_len, cipher_len;
	void *lib;
	CK_RV rv;
	int c;

	if (argc != 6)
		return 2;
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	*(void **)&get = lib ? dlsym(lib, "C_GetFunctionList") : NULL;
	if (get == NULL || get(&fn) != CKR_OK || fn->C_Initialize(NULL))
		return fail("load", CKR_GENERAL_ERROR);
	pin_len = read_file(argv[3], pin, sizeof(pin));
	cipher_len = read_file(argv[4], cipher, sizeof(cipher));
	rv = fn->C_OpenSession(slot_of(argv[2]), CKF_SERIAL_SESSION, NULL,
			       NULL, &s);
	if (rv == CKR_OK)
		rv = fn->C_Login(s, CKU_USER, pin, pin_len);
	explicit_bzero(pin, sizeof(pin));
	if (rv != CKR_OK)
		return fail("login", rv);
	if (use_keys(s, cipher, cipher_len) != 0)
		return 1;
	if (strcmp(argv[5], "logout") == 0 &&
	    (rv = fn->C_Logout(s)) != CKR_OK)
		return fail("logout", rv);
	printf("ready\n");
	fflush(stdout);
	while ((c = getchar()) != EOF)
		;
	fn->C_Finalize(NULL);
	return 0;
}
