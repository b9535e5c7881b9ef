/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "fake_tpm.h"
#include "p11_fixture.h"

/*
 * Verification, encryption and decryption through the function list with
 * the fake TPM's keys, every result cross-checked with OpenSSL against the
 * public key of CKA_PUBLIC_KEY_INFO; then each refusal and the operation
 * state rules.
 */

#define MSG "the quick brown fox jumps over the lazy dog"
#define MSG_LEN (sizeof(MSG) - 1)
#define RSA_LEN 256
#define NO_SUCH_SESSION ((CK_SESSION_HANDLE)987654)

static CK_RSA_PKCS_OAEP_PARAMS oaep_sha256 = { CKM_SHA256, CKG_MGF1_SHA256,
					       CKZ_DATA_SPECIFIED, NULL, 0 };
static CK_RSA_PKCS_PSS_PARAMS pss_sha256 = { CKM_SHA256, CKG_MGF1_SHA256,
					     32 };

/* OpenSSL encrypts to the token's RSA key; out gets RSA_LEN bytes. */
static void openssl_encrypt(struct p11 *p, CK_SESSION_HANDLE s, int padding,
			    const EVP_MD *md, const void *label,
			    size_t label_len, const void *in, size_t len,
			    CK_BYTE *out)
{
	EVP_PKEY *key = p11_public_key(p, s, p->keys.rsa_pub);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	size_t out_len = RSA_LEN;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(ctx, padding) > 0);
	if (md != NULL) {
		assert_true(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) > 0);
		assert_true(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0);
	}
	if (label_len > 0)
		assert_true(EVP_PKEY_CTX_set0_rsa_oaep_label(
				    ctx, OPENSSL_memdup(label, label_len),
				    (int)label_len) > 0);
	assert_int_equal(EVP_PKEY_encrypt(ctx, out, &out_len, in, len), 1);
	assert_int_equal(out_len, RSA_LEN);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
}

static CK_RV decrypt(struct p11 *p, CK_SESSION_HANDLE s, CK_MECHANISM *m,
		     const CK_BYTE *ct, CK_ULONG ct_len, CK_BYTE *out,
		     CK_ULONG *out_len)
{
	CK_RV rv = p->fn->C_DecryptInit(s, m, p->keys.rsa_priv);

	if (rv != CKR_OK)
		return rv;
	return p->fn->C_Decrypt(s, (CK_BYTE_PTR)ct, ct_len, out, out_len);
}

static void test_decrypt_pkcs1_and_oaep(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM pkcs1 = { CKM_RSA_PKCS, NULL, 0 };
	CK_MECHANISM oaep = { CKM_RSA_PKCS_OAEP, &oaep_sha256,
			      sizeof(oaep_sha256) };
	CK_RSA_PKCS_OAEP_PARAMS labelled = oaep_sha256;
	CK_MECHANISM oaep_l = { CKM_RSA_PKCS_OAEP, &labelled,
				sizeof(labelled) };
	CK_BYTE ct[RSA_LEN], out[RSA_LEN];
	CK_ULONG len = sizeof(out);

	openssl_encrypt(p, s, RSA_PKCS1_PADDING, NULL, NULL, 0, MSG, MSG_LEN,
			ct);
	assert_int_equal(decrypt(p, s, &pkcs1, ct, RSA_LEN, out, &len), CKR_OK);
	assert_int_equal(len, MSG_LEN);
	assert_memory_equal(out, MSG, MSG_LEN);

	openssl_encrypt(p, s, RSA_PKCS1_OAEP_PADDING, EVP_sha256(), NULL, 0,
			MSG, MSG_LEN, ct);
	len = sizeof(out);
	assert_int_equal(decrypt(p, s, &oaep, ct, RSA_LEN, out, &len), CKR_OK);
	assert_memory_equal(out, MSG, MSG_LEN);

	openssl_encrypt(p, s, RSA_PKCS1_OAEP_PADDING, EVP_sha256(), "lbl", 3,
			MSG, MSG_LEN, ct);
	labelled.pSourceData = (CK_VOID_PTR) "lbl";
	labelled.ulSourceDataLen = 3;
	len = sizeof(out);
	assert_int_equal(decrypt(p, s, &oaep_l, ct, RSA_LEN, out, &len),
			 CKR_OK);
	assert_memory_equal(out, MSG, MSG_LEN);
	/* The wrong label, or no label, is a bad ciphertext. */
	len = sizeof(out);
	assert_int_equal(decrypt(p, s, &oaep, ct, RSA_LEN, out, &len),
			 CKR_ENCRYPTED_DATA_INVALID);
}

/* Length query, short buffer (kept), then the result; one TPM use. */
static void test_decrypt_length_protocol(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM pkcs1 = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE ct[RSA_LEN], out[RSA_LEN];
	CK_ULONG len = 0;

	openssl_encrypt(p, s, RSA_PKCS1_PADDING, NULL, NULL, 0, MSG, MSG_LEN,
			ct);
	assert_int_equal(p->fn->C_DecryptInit(s, &pkcs1, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(p->fn->C_Decrypt(s, ct, RSA_LEN, NULL, &len), CKR_OK);
	assert_int_equal(len, RSA_LEN);
	len = 4;
	assert_int_equal(p->fn->C_Decrypt(s, ct, RSA_LEN, out, &len),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(len, MSG_LEN);
	assert_int_equal(p->fn->C_Decrypt(s, ct, RSA_LEN, NULL, &len), CKR_OK);
	assert_int_equal(len, MSG_LEN);
	assert_int_equal(p->fn->C_Decrypt(s, ct, RSA_LEN, out, &len), CKR_OK);
	assert_memory_equal(out, MSG, MSG_LEN);
	/* Done: the operation is over. */
	assert_int_equal(p->fn->C_Decrypt(s, ct, RSA_LEN, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
}

static void test_decrypt_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);
	CK_MECHANISM pkcs1 = { CKM_RSA_PKCS, NULL, 0 };
	CK_MECHANISM bad_oaep = { CKM_RSA_PKCS_OAEP, NULL, 0 };
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
	CK_BYTE ct[RSA_LEN] = { 1 }, out[RSA_LEN];
	CK_ULONG len = sizeof(out);

	assert_int_equal(p->fn->C_DecryptInit(s, &pkcs1, p->keys.rsa_priv),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(p->fn->C_DecryptInit(s, &pkcs1, p->keys.ec_priv),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_DecryptInit(s, &pkcs1, p->keys.rsa_pub),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_DecryptInit(s, &sha, p->keys.rsa_priv),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(p->fn->C_DecryptInit(s, &bad_oaep, p->keys.rsa_priv),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(p->fn->C_DecryptInit(s, NULL, p->keys.rsa_priv),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_DecryptInit(s, &pkcs1, 0),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(p->fn->C_DecryptInit(NO_SUCH_SESSION, &pkcs1,
					      p->keys.rsa_priv),
			 CKR_SESSION_HANDLE_INVALID);
	/* Wrong length, then a block whose padding is wrong. */
	assert_int_equal(decrypt(p, s, &pkcs1, ct, RSA_LEN - 1, out, &len),
			 CKR_ENCRYPTED_DATA_LEN_RANGE);
	assert_int_equal(decrypt(p, s, &pkcs1, ct, RSA_LEN, out, &len),
			 CKR_ENCRYPTED_DATA_INVALID);
	/* A NULL length pointer ends the operation too. */
	assert_int_equal(p->fn->C_DecryptInit(s, &pkcs1, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(p->fn->C_DecryptInit(s, &pkcs1, p->keys.rsa_priv),
			 CKR_OPERATION_ACTIVE);
	assert_int_equal(p->fn->C_Decrypt(s, ct, RSA_LEN, out, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_Decrypt(s, ct, RSA_LEN, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* RSA is one-part. */
	assert_int_equal(p->fn->C_DecryptInit(s, &pkcs1, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(p->fn->C_DecryptUpdate(s, ct, RSA_LEN, out, &len),
			 CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(p->fn->C_DecryptFinal(s, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
}

/* Encrypt in the module, decrypt in the (fake) TPM, for each padding. */
static void test_encrypt_round_trip(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM mechs[] = {
		{ CKM_RSA_PKCS, NULL, 0 },
		{ CKM_RSA_PKCS_OAEP, &oaep_sha256, sizeof(oaep_sha256) },
		{ CKM_RSA_X_509, NULL, 0 },
	};

	for (size_t i = 0; i < 3; i++) {
		CK_BYTE ct[RSA_LEN], out[RSA_LEN];
		CK_ULONG ct_len = 0, len = sizeof(out);

		assert_int_equal(p->fn->C_EncryptInit(s, &mechs[i],
						      p->keys.rsa_pub),
				 CKR_OK);
		assert_int_equal(p->fn->C_Encrypt(s, (CK_BYTE_PTR)MSG, MSG_LEN,
						  NULL, &ct_len),
				 CKR_OK);
		assert_int_equal(ct_len, RSA_LEN);
		ct_len = 10;
		assert_int_equal(p->fn->C_Encrypt(s, (CK_BYTE_PTR)MSG, MSG_LEN,
						  ct, &ct_len),
				 CKR_BUFFER_TOO_SMALL);
		ct_len = sizeof(ct);
		assert_int_equal(p->fn->C_Encrypt(s, (CK_BYTE_PTR)MSG, MSG_LEN,
						  ct, &ct_len),
				 CKR_OK);
		assert_int_equal(decrypt(p, s, &mechs[i], ct, ct_len, out,
					 &len),
				 CKR_OK);
		assert_memory_equal(out + len - MSG_LEN, MSG, MSG_LEN);
	}
}

static void test_encrypt_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_MECHANISM pkcs1 = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE big[RSA_LEN - 10] = { 0 }, out[RSA_LEN];
	CK_ULONG len = sizeof(out);

	/* A public key needs no login; a private one cannot encrypt. */
	assert_int_equal(p->fn->C_EncryptInit(s, &pkcs1, p->keys.ec_pub),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_EncryptInit(s, &pkcs1, p->keys.rsa_pub),
			 CKR_OK);
	assert_int_equal(p->fn->C_Encrypt(s, big, sizeof(big), out, &len),
			 CKR_DATA_LEN_RANGE);
	assert_int_equal(p->fn->C_Encrypt(s, big, 1, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_EncryptInit(s, &pkcs1, p->keys.rsa_pub),
			 CKR_OK);
	assert_int_equal(p->fn->C_EncryptUpdate(s, big, 1, out, &len),
			 CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(p->fn->C_EncryptFinal(s, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_EncryptFinal(s, out, NULL),
			 CKR_ARGUMENTS_BAD);
}

/* Signs with the token, verifies with C_Verify in a public session. */
static void sign_and_verify(struct p11 *p, CK_MECHANISM *m,
			    CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub,
			    const CK_BYTE *data, CK_ULONG len)
{
	CK_SESSION_HANDLE user = p11_open_user(p);
	CK_SESSION_HANDLE pub_s;
	CK_BYTE sig[RSA_LEN];
	CK_ULONG sig_len = sizeof(sig);

	assert_int_equal(p->fn->C_SignInit(user, m, priv), CKR_OK);
	assert_int_equal(p->fn->C_Sign(user, (CK_BYTE_PTR)data, len, sig,
				       &sig_len),
			 CKR_OK);
	assert_int_equal(p->fn->C_Logout(user), CKR_OK);
	pub_s = p11_open_ro(p);
	assert_int_equal(p->fn->C_VerifyInit(pub_s, m, pub), CKR_OK);
	assert_int_equal(p->fn->C_Verify(pub_s, (CK_BYTE_PTR)data, len, sig,
					 sig_len),
			 CKR_OK);
	/* Altered: invalid, and the operation is over. */
	sig[sig_len / 2] ^= 1;
	assert_int_equal(p->fn->C_VerifyInit(pub_s, m, pub), CKR_OK);
	assert_int_equal(p->fn->C_Verify(pub_s, (CK_BYTE_PTR)data, len, sig,
					 sig_len),
			 CKR_SIGNATURE_INVALID);
	assert_int_equal(p->fn->C_Verify(pub_s, (CK_BYTE_PTR)data, len, sig,
					 sig_len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_VerifyInit(pub_s, m, pub), CKR_OK);
	assert_int_equal(p->fn->C_Verify(pub_s, (CK_BYTE_PTR)data, len, sig,
					 sig_len - 1),
			 CKR_SIGNATURE_LEN_RANGE);
	assert_int_equal(p->fn->C_CloseSession(pub_s), CKR_OK);
	assert_int_equal(p->fn->C_CloseSession(user), CKR_OK);
}

static void test_verify_every_kind(void **state)
{
	struct p11 *p = *state;
	CK_MECHANISM pkcs1 = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM pss = { CKM_SHA256_RSA_PKCS_PSS, &pss_sha256,
			     sizeof(pss_sha256) };
	CK_MECHANISM raw = { CKM_RSA_X_509, NULL, 0 };
	CK_MECHANISM ecdsa = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_MECHANISM ecdsa_raw = { CKM_ECDSA, NULL, 0 };
	CK_BYTE digest[32] = { 9, 8, 7 };

	sign_and_verify(p, &pkcs1, p->keys.rsa_priv, p->keys.rsa_pub,
			(CK_BYTE_PTR)MSG, MSG_LEN);
	sign_and_verify(p, &pss, p->keys.rsa_priv, p->keys.rsa_pub,
			(CK_BYTE_PTR)MSG, MSG_LEN);
	sign_and_verify(p, &raw, p->keys.rsa_priv, p->keys.rsa_pub,
			(CK_BYTE_PTR)MSG, MSG_LEN);
	sign_and_verify(p, &ecdsa, p->keys.ec_priv, p->keys.ec_pub,
			(CK_BYTE_PTR)MSG, MSG_LEN);
	sign_and_verify(p, &ecdsa_raw, p->keys.ec_priv, p->keys.ec_pub,
			digest, sizeof(digest));
}

static void test_verify_multi_part_and_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_ro(p);
	CK_MECHANISM ecdsa = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_MECHANISM raw = { CKM_ECDSA, NULL, 0 };
	CK_MECHANISM pss_no_param = { CKM_RSA_PKCS_PSS, NULL, 0 };
	CK_BYTE sig[64] = { 0 };

	assert_int_equal(p->fn->C_VerifyInit(s, &ecdsa, p->keys.ec_priv),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p->fn->C_VerifyInit(s, &ecdsa, p->keys.rsa_pub),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_VerifyInit(s, &pss_no_param,
					     p->keys.rsa_pub),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(p->fn->C_VerifyInit(s, &ecdsa, p->keys.ec_pub),
			 CKR_OK);
	assert_int_equal(p->fn->C_VerifyInit(s, &ecdsa, p->keys.ec_pub),
			 CKR_OPERATION_ACTIVE);
	assert_int_equal(p->fn->C_VerifyUpdate(s, (CK_BYTE_PTR)MSG, 3), CKR_OK);
	/* C_Verify cannot finish parts: refused, and it ends. */
	assert_int_equal(p->fn->C_Verify(s, (CK_BYTE_PTR)MSG, 3, sig, 64),
			 CKR_OPERATION_ACTIVE);
	assert_int_equal(p->fn->C_VerifyFinal(s, sig, sizeof(sig)),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_VerifyInit(s, &ecdsa, p->keys.ec_pub),
			 CKR_OK);
	assert_int_equal(p->fn->C_VerifyUpdate(s, (CK_BYTE_PTR)MSG, 3), CKR_OK);
	assert_int_equal(p->fn->C_VerifyFinal(s, sig, sizeof(sig)),
			 CKR_SIGNATURE_INVALID);
	assert_int_equal(p->fn->C_VerifyFinal(s, sig, sizeof(sig)),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* One-part mechanisms refuse updates and end. */
	assert_int_equal(p->fn->C_VerifyInit(s, &raw, p->keys.ec_pub), CKR_OK);
	assert_int_equal(p->fn->C_VerifyUpdate(s, (CK_BYTE_PTR)MSG, 3),
			 CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(p->fn->C_VerifyFinal(s, sig, sizeof(sig)),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* Bad pointers end the operation. */
	assert_int_equal(p->fn->C_VerifyInit(s, &ecdsa, p->keys.ec_pub),
			 CKR_OK);
	assert_int_equal(p->fn->C_Verify(s, NULL, 3, sig, 64),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_VerifyFinal(s, sig, 64),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_VerifyInit(s, NULL, p->keys.ec_pub),
			 CKR_ARGUMENTS_BAD);
}

/* A session closed with operations running frees them (LeakSanitizer). */
static void test_close_with_operations_running(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM oaep = { CKM_RSA_PKCS_OAEP, &oaep_sha256,
			      sizeof(oaep_sha256) };
	CK_MECHANISM pss = { CKM_SHA256_RSA_PKCS_PSS, &pss_sha256,
			     sizeof(pss_sha256) };

	assert_int_equal(p->fn->C_EncryptInit(s, &oaep, p->keys.rsa_pub),
			 CKR_OK);
	assert_int_equal(p->fn->C_DecryptInit(s, &oaep, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(p->fn->C_VerifyInit(s, &pss, p->keys.rsa_pub), CKR_OK);
	assert_int_equal(p->fn->C_VerifyUpdate(s, (CK_BYTE_PTR)MSG, 5), CKR_OK);
	assert_int_equal(p->fn->C_CloseSession(s), CKR_OK);
}

/* The peer's uncompressed point and OpenSSL's Z for it (32 bytes). */
static void peer_and_z(struct p11 *p, CK_SESSION_HANDLE s, CK_BYTE *point,
		       CK_BYTE *z)
{
	EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *ours = p11_public_key(p, s, p->keys.ec_pub);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(peer, NULL);
	size_t len = 65, z_len = 32;

	assert_int_equal(EVP_PKEY_get_octet_string_param(
				 peer, OSSL_PKEY_PARAM_PUB_KEY, point, 65,
				 &len),
			 1);
	assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(ctx, ours), 1);
	assert_int_equal(EVP_PKEY_derive(ctx, z, &z_len), 1);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(ours);
}

static void test_derive_ecdh(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE point[65], z[32], value[64];
	CK_ECDH1_DERIVE_PARAMS params = { CKD_NULL, 0, NULL, 65, point };
	CK_MECHANISM m = { CKM_ECDH1_DERIVE, &params, sizeof(params) };
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_GENERIC_SECRET;
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
	CK_ULONG len = 32;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_SENSITIVE, &no, sizeof(no) },
		{ CKA_EXTRACTABLE, &yes, sizeof(yes) },
		{ CKA_VALUE_LEN, &len, sizeof(len) },
	};
	CK_ATTRIBUTE read = { CKA_VALUE, value, sizeof(value) };
	CK_OBJECT_HANDLE key = 0;

	peer_and_z(p, s, point, z);
	assert_int_equal(p->fn->C_DeriveKey(s, &m, p->keys.ec_priv, tmpl, 5,
					    &key),
			 CKR_OK);
	assert_int_equal(p->fn->C_GetAttributeValue(s, key, &read, 1), CKR_OK);
	assert_int_equal(read.ulValueLen, 32);
	assert_memory_equal(value, z, 32);
	/* Made non-sensitive on request; turning it sensitive hides it. */
	tmpl[2].pValue = &yes;
	assert_int_equal(p->fn->C_SetAttributeValue(s, key, &tmpl[2], 1),
			 CKR_OK);
	read.ulValueLen = sizeof(value);
	assert_int_equal(p->fn->C_GetAttributeValue(s, key, &read, 1),
			 CKR_ATTRIBUTE_SENSITIVE);
	/* A sensitive key is kept in the TPM: it cannot be extractable. */
	assert_int_equal(p->fn->C_DeriveKey(s, &m, p->keys.ec_priv, tmpl, 5,
					    &key),
			 CKR_TEMPLATE_INCONSISTENT);
	tmpl[2].pValue = &no;
	/* The wrong key, bad parameters, a point off the curve. */
	assert_int_equal(p->fn->C_DeriveKey(s, &m, p->keys.rsa_priv, tmpl, 5,
					    &key),
			 CKR_KEY_TYPE_INCONSISTENT);
	params.kdf = 0x99;
	assert_int_equal(p->fn->C_DeriveKey(s, &m, p->keys.ec_priv, tmpl, 5,
					    &key),
			 CKR_MECHANISM_PARAM_INVALID);
	params.kdf = CKD_NULL;
	point[64] ^= 1;
	assert_int_equal(p->fn->C_DeriveKey(s, &m, p->keys.ec_priv, tmpl, 5,
					    &key),
			 CKR_MECHANISM_PARAM_INVALID);
	len = 33; /* more than Z with the null KDF */
	point[64] ^= 1;
	assert_int_equal(p->fn->C_DeriveKey(s, &m, p->keys.ec_priv, tmpl, 5,
					    &key),
			 CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(p->fn->C_DeriveKey(s, NULL, p->keys.ec_priv, tmpl, 5,
					    &key),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(p->fn->C_DeriveKey(s, &m, p->keys.ec_priv, tmpl, 5,
					    &key),
			 CKR_USER_NOT_LOGGED_IN);
}

/*
 * A sensitive, non-extractable result goes into the TPM: its value hides,
 * and the TPM's HMAC with it is the HMAC with Z.
 */
static void test_derive_into_tpm(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE point[65], z[32], mac[32], want[32];
	CK_ECDH1_DERIVE_PARAMS params = { CKD_NULL, 0, NULL, 65, point };
	CK_MECHANISM m = { CKM_ECDH1_DERIVE, &params, sizeof(params) };
	CK_MECHANISM hmac = { CKM_SHA256_HMAC, NULL, 0 };
	CK_KEY_TYPE type = CKK_GENERIC_SECRET;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG len = 32, mac_len = sizeof(mac);
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
	};
	CK_ATTRIBUTE read[] = { { CKA_VALUE, NULL, 0 },
				{ CKA_ALWAYS_SENSITIVE, &no, sizeof(no) },
				{ CKA_LOCAL, &yes, sizeof(yes) } };
	unsigned int creates = fake_tpm_calls(FAKE_TPM_SECRET_CREATE);
	unsigned int want_len = 0;
	CK_OBJECT_HANDLE key = 0;

	peer_and_z(p, s, point, z);
	assert_int_equal(p->fn->C_DeriveKey(s, &m, p->keys.ec_priv, tmpl, 4,
					    &key),
			 CKR_OK);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_SECRET_CREATE), creates + 1);
	assert_int_equal(p->fn->C_GetAttributeValue(s, key, read, 3),
			 CKR_ATTRIBUTE_SENSITIVE);
	assert_true(read[1].ulValueLen == sizeof(CK_BBOOL) &&
		    *(CK_BBOOL *)read[1].pValue == CK_TRUE);
	assert_true(*(CK_BBOOL *)read[2].pValue == CK_FALSE);
	assert_int_equal(p->fn->C_SignInit(s, &hmac, key), CKR_OK);
	assert_int_equal(p->fn->C_Sign(s, (CK_BYTE_PTR)"data", 4, mac,
				       &mac_len),
			 CKR_OK);
	assert_int_equal(mac_len, 32);
	assert_non_null(HMAC(EVP_sha256(), z, 32, (const unsigned char *)"data",
			     4, want, &want_len));
	assert_memory_equal(mac, want, 32);
	/* Only secret key types, with or without a class. */
	type = CKK_RSA;
	assert_int_equal(p->fn->C_DeriveKey(s, &m, p->keys.ec_priv, tmpl, 4,
					    &key),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	type = CKK_GENERIC_SECRET;
	/* More than an HMAC key in the TPM can hold. */
	len = 65;
	params.kdf = CKD_SHA256_KDF;
	assert_int_equal(p->fn->C_DeriveKey(s, &m, p->keys.ec_priv, tmpl, 4,
					    &key),
			 CKR_TEMPLATE_INCONSISTENT);
}

/* No operation state is ever saved, none restored. */
static void test_operation_state(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
	CK_BYTE saved[64] = { 0 };
	CK_ULONG len = sizeof(saved);

	assert_int_equal(p->fn->C_GetOperationState(s, saved, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_DigestInit(s, &sha), CKR_OK);
	assert_int_equal(p->fn->C_GetOperationState(s, NULL, &len),
			 CKR_STATE_UNSAVEABLE);
	assert_int_equal(p->fn->C_GetOperationState(s, saved, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_SetOperationState(s, saved, sizeof(saved), 0,
						    0),
			 CKR_SAVED_STATE_INVALID);
	assert_int_equal(p->fn->C_SetOperationState(s, NULL, 4, 0, 0),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_GetOperationState(987654, saved, &len),
			 CKR_SESSION_HANDLE_INVALID);
	/* The digest goes on regardless. */
	len = sizeof(saved);
	assert_int_equal(p->fn->C_Digest(s, (CK_BYTE_PTR)"x", 1, saved, &len),
			 CKR_OK);
}

/* No key leaves the TPM: wrapping says why, precisely. */
static void test_wrap_and_unwrap_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE out[512];
	CK_ULONG len = sizeof(out);
	CK_OBJECT_HANDLE h = 0;

	assert_int_equal(p->fn->C_WrapKey(s, &m, p->keys.rsa_pub,
					  p->keys.ec_priv, out, &len),
			 CKR_KEY_UNEXTRACTABLE);
	assert_int_equal(p->fn->C_WrapKey(s, &m, p->keys.rsa_pub,
					  p->keys.ec_pub, out, &len),
			 CKR_KEY_NOT_WRAPPABLE);
	assert_int_equal(p->fn->C_WrapKey(s, &m, 987654, p->keys.ec_priv, out,
					  &len),
			 CKR_WRAPPING_KEY_HANDLE_INVALID);
	assert_int_equal(p->fn->C_WrapKey(s, &m, p->keys.rsa_pub, 987654, out,
					  &len),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(p->fn->C_WrapKey(s, NULL, p->keys.rsa_pub,
					  p->keys.ec_priv, out, &len),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_UnwrapKey(s, &m, p->keys.rsa_priv, out, 256,
					    NULL, 0, &h),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(p->fn->C_UnwrapKey(s, &m, 987654, out, 256, NULL, 0,
					    &h),
			 CKR_UNWRAPPING_KEY_HANDLE_INVALID);
	assert_int_equal(p->fn->C_UnwrapKey(s, &m, p->keys.rsa_priv, NULL, 256,
					    NULL, 0, &h),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_WrapKey(987654, &m, 1, 2, out, &len),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(h, 0);
}

#define T(name) \
	cmocka_unit_test_setup_teardown(name, p11_setup_keys, p11_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_decrypt_pkcs1_and_oaep),
		T(test_decrypt_length_protocol),
		T(test_decrypt_refusals),
		T(test_encrypt_round_trip),
		T(test_encrypt_refusals),
		T(test_verify_every_kind),
		T(test_verify_multi_part_and_refusals),
		T(test_close_with_operations_running),
		T(test_wrap_and_unwrap_refusals),
		T(test_derive_ecdh),
		T(test_derive_into_tpm),
		T(test_operation_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
