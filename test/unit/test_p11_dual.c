/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "p11_fixture.h"

/*
 * The dual-function updates through the function list: both operations
 * must run, the part reaches both, the length protocol of the crypt half
 * feeds the other nothing, and bad arguments end both.
 */

static const CK_BYTE aes_value[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
				       9, 10, 11, 12, 13, 14, 15, 16 };
static const CK_BYTE iv[16] = { 0xa0 };
static const CK_BYTE mac_value[32] = { 7, 7, 7 };

static CK_OBJECT_HANDLE secret_key(struct p11 *p, CK_SESSION_HANDLE s,
				   CK_KEY_TYPE type, const CK_BYTE *value,
				   CK_ULONG len)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_VALUE, (void *)value, len },
	};
	CK_OBJECT_HANDLE key = 0;

	assert_int_equal(p->fn->C_CreateObject(s, tmpl, 3, &key), CKR_OK);
	return key;
}

/* AES-128-CBC of whole blocks with OpenSSL. */
static void cbc(const CK_BYTE *in, int len, CK_BYTE *out, int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_CipherInit_ex(ctx, EVP_aes_128_cbc(), NULL,
					   aes_value, iv, enc),
			 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_CipherUpdate(ctx, out, &n, in, len), 1);
	assert_int_equal(n, len);
	EVP_CIPHER_CTX_free(ctx);
}

static void sha256(const CK_BYTE *in, size_t len, CK_BYTE *out)
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(in, len, out, &n, EVP_sha256(), NULL), 1);
}

static void test_digest_encrypt_and_decrypt_digest(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE key = secret_key(p, s, CKK_AES, aes_value, 16);
	CK_MECHANISM aes = { CKM_AES_CBC, (void *)iv, sizeof(iv) };
	CK_MECHANISM digest = { CKM_SHA256, NULL, 0 };
	CK_BYTE plain[48], cipher[48], want[48], back[48], d[32], d2[32];
	CK_ULONG len, dlen = sizeof(d);

	memset(plain, 0x5a, sizeof(plain));
	cbc(plain, 48, want, 1);
	sha256(plain, 40, d2);
	assert_int_equal(p->fn->C_EncryptInit(s, &aes, key), CKR_OK);
	/* The digest is not running: nothing moves. */
	len = sizeof(cipher);
	assert_int_equal(p->fn->C_DigestEncryptUpdate(s, plain, 16, cipher,
						      &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_DigestInit(s, &digest), CKR_OK);
	/* A length query and a short buffer feed the digest nothing. */
	assert_int_equal(p->fn->C_DigestEncryptUpdate(s, plain, 40, NULL,
						      &len),
			 CKR_OK);
	assert_int_equal(len, 32);
	len = 16;
	assert_int_equal(p->fn->C_DigestEncryptUpdate(s, plain, 40, cipher,
						      &len),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(len, 32);
	len = sizeof(cipher);
	assert_int_equal(p->fn->C_DigestEncryptUpdate(s, plain, 40, cipher,
						      &len),
			 CKR_OK);
	assert_int_equal(len, 32);
	assert_memory_equal(cipher, want, 32);
	assert_int_equal(p->fn->C_DigestFinal(s, d, &dlen), CKR_OK);
	assert_memory_equal(d, d2, 32);
	len = sizeof(cipher) - 32;
	assert_int_equal(p->fn->C_EncryptUpdate(s, plain + 40, 8, cipher + 32,
						&len),
			 CKR_OK);
	assert_int_equal(len, 16);
	assert_memory_equal(cipher, want, 48);
	len = 0;
	assert_int_equal(p->fn->C_EncryptFinal(s, cipher, &len), CKR_OK);

	/* Decrypt and digest the plaintext. */
	assert_int_equal(p->fn->C_DecryptInit(s, &aes, key), CKR_OK);
	assert_int_equal(p->fn->C_DigestInit(s, &digest), CKR_OK);
	len = sizeof(back);
	assert_int_equal(p->fn->C_DecryptDigestUpdate(s, want, 48, back, &len),
			 CKR_OK);
	assert_int_equal(len, 48);
	assert_memory_equal(back, plain, 48);
	dlen = sizeof(d);
	assert_int_equal(p->fn->C_DigestFinal(s, d, &dlen), CKR_OK);
	sha256(plain, 48, d2);
	assert_memory_equal(d, d2, 32);
	len = 0;
	assert_int_equal(p->fn->C_DecryptFinal(s, NULL, &len), CKR_OK);
	cbc(want, 48, back, 0);
	assert_memory_equal(back, plain, 48);
}

static void test_sign_encrypt_and_decrypt_verify(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE key = secret_key(p, s, CKK_AES, aes_value, 16);
	CK_OBJECT_HANDLE mac = secret_key(p, s, CKK_GENERIC_SECRET, mac_value,
					  32);
	CK_MECHANISM aes = { CKM_AES_CBC, (void *)iv, sizeof(iv) };
	CK_MECHANISM hmac = { CKM_SHA256_HMAC, NULL, 0 };
	CK_BYTE plain[32], cipher[32], back[32], sig[32], want[32];
	CK_ULONG len = sizeof(cipher), slen = sizeof(sig);
	unsigned int wlen = 0;

	memset(plain, 0x33, sizeof(plain));
	assert_non_null(HMAC(EVP_sha256(), mac_value, 32, plain, 32, want,
			     &wlen));
	assert_int_equal(p->fn->C_SignInit(s, &hmac, mac), CKR_OK);
	assert_int_equal(p->fn->C_EncryptInit(s, &aes, key), CKR_OK);
	assert_int_equal(p->fn->C_SignEncryptUpdate(s, plain, 32, cipher,
						    &len),
			 CKR_OK);
	assert_int_equal(len, 32);
	assert_int_equal(p->fn->C_SignFinal(s, sig, &slen), CKR_OK);
	assert_memory_equal(sig, want, 32);
	len = 0;
	assert_int_equal(p->fn->C_EncryptFinal(s, NULL, &len), CKR_OK);
	assert_int_equal(p->fn->C_EncryptFinal(s, cipher, &len), CKR_OK);

	assert_int_equal(p->fn->C_VerifyInit(s, &hmac, mac), CKR_OK);
	assert_int_equal(p->fn->C_DecryptInit(s, &aes, key), CKR_OK);
	len = sizeof(back);
	assert_int_equal(p->fn->C_DecryptVerifyUpdate(s, cipher, 32, back,
						      &len),
			 CKR_OK);
	assert_memory_equal(back, plain, 32);
	assert_int_equal(p->fn->C_VerifyFinal(s, sig, 32), CKR_OK);
	len = 0;
	assert_int_equal(p->fn->C_DecryptFinal(s, back, &len), CKR_OK);
	/* Verification not running. */
	assert_int_equal(p->fn->C_DecryptInit(s, &aes, key), CKR_OK);
	len = sizeof(back);
	assert_int_equal(p->fn->C_DecryptVerifyUpdate(s, cipher, 32, back,
						      &len),
			 CKR_OPERATION_NOT_INITIALIZED);
}

/* A one-part signature cannot take parts: it ends, nothing is encrypted. */
static void test_one_part_mechanisms_refuse(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE key = secret_key(p, s, CKK_AES, aes_value, 16);
	CK_MECHANISM aes = { CKM_AES_ECB, NULL, 0 };
	CK_MECHANISM rsa = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE plain[16] = { 0 }, out[16];
	CK_ULONG len = sizeof(out);

	assert_int_equal(p->fn->C_SignInit(s, &rsa, p->keys.rsa_priv), CKR_OK);
	assert_int_equal(p->fn->C_EncryptInit(s, &aes, key), CKR_OK);
	assert_int_equal(p->fn->C_SignEncryptUpdate(s, plain, 16, out, &len),
			 CKR_FUNCTION_NOT_SUPPORTED);
	/* The signature ended; the encryption still runs, untouched. */
	assert_int_equal(p->fn->C_SignFinal(s, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	len = sizeof(out);
	assert_int_equal(p->fn->C_EncryptUpdate(s, plain, 16, out, &len),
			 CKR_OK);
	assert_int_equal(len, 16);
}

static void test_bad_arguments_end_both(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE key = secret_key(p, s, CKK_AES, aes_value, 16);
	CK_MECHANISM aes = { CKM_AES_ECB, NULL, 0 };
	CK_MECHANISM digest = { CKM_SHA256, NULL, 0 };
	CK_BYTE out[32];
	CK_ULONG len = sizeof(out);

	assert_int_equal(p->fn->C_EncryptInit(s, &aes, key), CKR_OK);
	assert_int_equal(p->fn->C_DigestInit(s, &digest), CKR_OK);
	assert_int_equal(p->fn->C_DigestEncryptUpdate(s, NULL, 16, out, &len),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_DigestFinal(s, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_EncryptFinal(s, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_DecryptDigestUpdate(s, out, 16, out, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_SignEncryptUpdate(s + 100, out, 16, out,
						    &len),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_DecryptVerifyUpdate(s, out, 16, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
}

#define T(name) \
	cmocka_unit_test_setup_teardown(name, p11_setup_keys, p11_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_digest_encrypt_and_decrypt_digest),
		T(test_sign_encrypt_and_decrypt_verify),
		T(test_one_part_mechanisms_refuse),
		T(test_bad_arguments_end_both),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
