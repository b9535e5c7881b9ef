/* SPDX-License-Identifier: BSD-3-Clause */
#include "fake_tpm.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "fake_tpm_internal.h"

/*
 * Secret keys of the fake TPM.  An AES or HMAC key's bytes stay in its
 * object's secret, as a TPM keeps them in the sensitive area, and are
 * used through OpenSSL.  The iv chains as TPM2_EncryptDecrypt2 of the
 * TCG reference code (CryptSymmetricEncrypt/Decrypt) returns it: CBC and
 * CFB continue from the last ciphertext block (a partial CFB block
 * zero-padded), CTR from the 128-bit big-endian counter after the last
 * block, whole or partial.  Checks come in the real layer's order: the
 * arguments, then the key's load and auth.
 */

/* Keys are held where sealed data is. */
_Static_assert(TPM_HMAC_KEY_MAX <= FAKE_SEALED_MAX, "secret keys fit");

/* The most one EVP call is given. */
#define EVP_CHUNK (1U << 20)

static bool secret_size_ok(enum tpm_key_type type, size_t len)
{
	if (type == TPM_KEY_AES)
		return len == 16 || len == 24 || len == 32;
	if (type == TPM_KEY_HMAC)
		return len > 0 && len <= TPM_HMAC_KEY_MAX;
	return false;
}

/* A new secret-key object holding key and auth, or NULL. */
static struct fake_object *secret_add(enum tpm_key_type type,
				      const uint8_t *key, size_t len,
				      const uint8_t *auth, size_t auth_len)
{
	struct fake_object *obj = fake_object_add(
		type == TPM_KEY_AES ? FAKE_OBJ_AES : FAKE_OBJ_HMAC);

	if (obj == NULL)
		return NULL;
	memcpy(obj->secret, key, len);
	obj->secret_len = len;
	if (auth_len > 0)
		memcpy(obj->auth, auth, auth_len);
	obj->auth_len = auth_len;
	return obj;
}

enum tpm_rc tpm_secret_create(struct tpm *tpm, enum tpm_key_type type,
			      const uint8_t *value, size_t len,
			      const uint8_t *auth, size_t auth_len,
			      struct tpm_blob *out)
{
	struct tpm_pubkey pub = { .type = type };
	uint8_t fresh[TPM_HMAC_KEY_MAX];
	struct fake_object *obj;
	enum tpm_rc rc;

	(void)tpm;
	memset(out, 0, sizeof(*out));
	if (fake_enter(FAKE_TPM_SECRET_CREATE, &rc))
		return rc;
	if (!secret_size_ok(type, len) || auth_len > FAKE_AUTH_MAX)
		return TPM_E_BAD_INPUT;
	/* Made in the TPM or by the module: fresh random bytes either way. */
	if (value == NULL && RAND_bytes(fresh, (int)len) != 1)
		return TPM_E_FAILURE;
	obj = secret_add(type, value != NULL ? value : fresh, len, auth,
			 auth_len);
	OPENSSL_cleanse(fresh, sizeof(fresh));
	if (obj == NULL)
		return TPM_E_NO_MEMORY;
	if (type == TPM_KEY_AES)
		pub.aes_len = len;
	return fake_blob_make(obj, &pub, out);
}

/* ---- AES ---- */

/* The mode's part of an OpenSSL cipher name; NULL for none. */
static const char *mode_name(enum tpm_aes_mode mode)
{
	switch (mode) {
	case TPM_AES_ECB:
		return "ECB";
	case TPM_AES_CBC:
		return "CBC";
	case TPM_AES_CFB:
		return "CFB"; /* full-block feedback: CFB128 */
	case TPM_AES_CTR:
		return "CTR";
	default:
		return NULL;
	}
}

static EVP_CIPHER_CTX *cipher_start(const struct fake_object *obj,
				    bool decrypt, enum tpm_aes_mode mode,
				    const uint8_t *iv)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	EVP_CIPHER *cipher;
	char name[24];

	snprintf(name, sizeof(name), "AES-%zu-%s", obj->secret_len * 8,
		 mode_name(mode));
	cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	if (ctx == NULL || cipher == NULL ||
	    EVP_CipherInit_ex2(ctx, cipher, obj->secret,
			       mode == TPM_AES_ECB ? NULL : iv, !decrypt,
			       NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		ctx = NULL;
	}
	EVP_CIPHER_free(cipher);
	return ctx;
}

/* len bytes of in to out with the key, padding off; iv untouched. */
static enum tpm_rc aes_run(const struct fake_object *obj, bool decrypt,
			   enum tpm_aes_mode mode, const uint8_t *iv,
			   const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = cipher_start(obj, decrypt, mode, iv);
	size_t done = 0;
	int n = 0;

	if (ctx == NULL)
		return TPM_E_FAILURE;
	while (done < len) {
		size_t part = len - done > EVP_CHUNK ? EVP_CHUNK : len - done;

		if (EVP_CipherUpdate(ctx, out + done, &n, in + done,
				     (int)part) != 1 || (size_t)n != part)
			break;
		done += part;
	}
	if (done == len && (EVP_CipherFinal_ex(ctx, out + done, &n) != 1 ||
			    n != 0))
		done = 0;
	EVP_CIPHER_CTX_free(ctx);
	return done == len ? TPM_OK : TPM_E_FAILURE;
}

/* The last block of ciphertext, a partial one zero-padded. */
static void last_block(const uint8_t *ct, size_t len, uint8_t *block)
{
	size_t tail = len % TPM_AES_BLOCK;

	if (tail == 0)
		tail = TPM_AES_BLOCK;
	memset(block, 0, TPM_AES_BLOCK);
	memcpy(block, ct + len - tail, tail);
}

/* Adds blocks to a 128-bit big-endian counter, wrapping. */
static void counter_add(uint8_t *ctr, size_t blocks)
{
	for (int i = TPM_AES_BLOCK - 1; i >= 0 && blocks != 0; i--) {
		size_t sum = ctr[i] + (blocks & 0xff);

		ctr[i] = (uint8_t)sum;
		blocks = (blocks >> 8) + (sum >> 8);
	}
}

/* The iv the TPM hands back after len bytes, chain the last ct block. */
static void next_iv(enum tpm_aes_mode mode, const uint8_t *chain, size_t len,
		    uint8_t *iv)
{
	if (mode == TPM_AES_CBC || mode == TPM_AES_CFB)
		memcpy(iv, chain, TPM_AES_BLOCK);
	else if (mode == TPM_AES_CTR)
		counter_add(iv, (len + TPM_AES_BLOCK - 1) / TPM_AES_BLOCK);
}

enum tpm_rc tpm_key_aes(struct tpm *tpm, struct tpm_key *key, bool decrypt,
			enum tpm_aes_mode mode, uint8_t *iv,
			const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t zero_iv[TPM_AES_BLOCK] = { 0 }, chain[TPM_AES_BLOCK];
	bool whole = mode == TPM_AES_ECB || mode == TPM_AES_CBC;
	struct fake_object *obj;
	enum tpm_rc rc;

	(void)tpm;
	if (fake_enter(FAKE_TPM_AES, &rc))
		return rc;
	if (key->pub.type != TPM_KEY_AES || mode_name(mode) == NULL ||
	    (whole && len % TPM_AES_BLOCK != 0))
		return TPM_E_BAD_INPUT;
	if (len == 0)
		return TPM_OK; /* the real layer sends no command */
	rc = fake_key_ready(key, FAKE_OBJ_AES, &obj);
	if (rc != TPM_OK)
		return rc;
	if (iv == NULL)
		iv = zero_iv;
	/* Taken before the run: in and out may be the same buffer. */
	if (decrypt)
		last_block(in, len, chain);
	rc = aes_run(obj, decrypt, mode, iv, in, len, out);
	if (rc != TPM_OK)
		return rc;
	if (!decrypt)
		last_block(out, len, chain);
	next_iv(mode, chain, len, iv);
	return TPM_OK;
}

/* ---- HMAC ---- */

/* The hashes the TPM implements; NULL for the rest (SHA-224). */
static const EVP_MD *hmac_md(enum crypto_digest hash)
{
	switch (hash) {
	case CRYPTO_SHA1:
		return EVP_sha1();
	case CRYPTO_SHA256:
		return EVP_sha256();
	case CRYPTO_SHA384:
		return EVP_sha384();
	case CRYPTO_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

enum tpm_rc tpm_key_hmac(struct tpm *tpm, struct tpm_key *key,
			 enum crypto_digest hash, const uint8_t *data,
			 size_t len, uint8_t *mac, size_t mac_len)
{
	const EVP_MD *md = hmac_md(hash);
	struct fake_object *obj;
	unsigned int out_len = 0;
	enum tpm_rc rc;

	(void)tpm;
	if (fake_enter(FAKE_TPM_HMAC, &rc))
		return rc;
	if (key->pub.type != TPM_KEY_HMAC || mac_len != crypto_digest_len(hash))
		return TPM_E_BAD_INPUT;
	if (md == NULL)
		return TPM_E_UNSUPPORTED;
	rc = fake_key_ready(key, FAKE_OBJ_HMAC, &obj);
	if (rc != TPM_OK)
		return rc;
	if (len == 0)
		data = (const uint8_t *)"";
	if (HMAC(md, obj->secret, (int)obj->secret_len, data, len, mac,
		 &out_len) == NULL ||
	    out_len != mac_len)
		return TPM_E_FAILURE;
	return TPM_OK;
}
