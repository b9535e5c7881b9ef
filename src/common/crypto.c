/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/crypto.h"

#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#define TC_LOG_LAYER TC_LAYER_COMMON
#include "common/log.h"
#include "common/crypto_internal.h"

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static OSSL_LIB_CTX *libctx;
static OSSL_PROVIDER *provider;

static const struct {
	const char *name;
	size_t len;
} digests[CRYPTO_DIGEST_COUNT] = {
	[CRYPTO_SHA1] = { "SHA1", 20 },	    [CRYPTO_SHA224] = { "SHA224", 28 },
	[CRYPTO_SHA256] = { "SHA256", 32 }, [CRYPTO_SHA384] = { "SHA384", 48 },
	[CRYPTO_SHA512] = { "SHA512", 64 },
};

OSSL_LIB_CTX *crypto_libctx(void)
{
	OSSL_LIB_CTX *ctx;

	pthread_mutex_lock(&ctx_lock);
	if (libctx == NULL) {
		libctx = OSSL_LIB_CTX_new();
		if (libctx != NULL) {
			provider = OSSL_PROVIDER_load(libctx, "default");
			if (provider == NULL) {
				OSSL_LIB_CTX_free(libctx);
				libctx = NULL;
			}
		}
		if (libctx == NULL)
			log_err("cannot create a private OpenSSL context");
	}
	ctx = libctx;
	pthread_mutex_unlock(&ctx_lock);
	return ctx;
}

void *crypto_thread_enter(void)
{
	/* With NULL, OpenSSL changes nothing and returns the current one. */
	return OSSL_LIB_CTX_set0_default(crypto_libctx());
}

void crypto_thread_leave(void *previous)
{
	OSSL_LIB_CTX_set0_default(previous);
}

void crypto_shutdown(void)
{
	pthread_mutex_lock(&ctx_lock);
	if (provider != NULL)
		OSSL_PROVIDER_unload(provider);
	OSSL_LIB_CTX_free(libctx);
	provider = NULL;
	libctx = NULL;
	pthread_mutex_unlock(&ctx_lock);
}

const char *crypto_digest_name(enum crypto_digest alg)
{
	return alg < CRYPTO_DIGEST_COUNT ? digests[alg].name : NULL;
}

size_t crypto_digest_len(enum crypto_digest alg)
{
	return alg < CRYPTO_DIGEST_COUNT ? digests[alg].len : 0;
}

bool crypto_digest_once(enum crypto_digest alg, const void *data, size_t len,
			uint8_t *out, size_t *out_len)
{
	OSSL_LIB_CTX *ctx = crypto_libctx();
	EVP_MD *md = NULL;
	unsigned int n = 0;
	bool ok = false;

	if (ctx == NULL || alg >= CRYPTO_DIGEST_COUNT)
		return false;
	md = EVP_MD_fetch(ctx, digests[alg].name, NULL);
	if (md != NULL && EVP_Digest(data, len, out, &n, md, NULL) == 1) {
		*out_len = n;
		ok = true;
	}
	EVP_MD_free(md);
	return ok;
}

struct crypto_hash *crypto_hash_new(enum crypto_digest alg)
{
	OSSL_LIB_CTX *ctx = crypto_libctx();
	EVP_MD_CTX *mdctx = NULL;
	EVP_MD *md = NULL;

	if (ctx == NULL || alg >= CRYPTO_DIGEST_COUNT)
		return NULL;
	md = EVP_MD_fetch(ctx, digests[alg].name, NULL);
	mdctx = md ? EVP_MD_CTX_new() : NULL;
	if (mdctx != NULL && EVP_DigestInit_ex2(mdctx, md, NULL) != 1) {
		EVP_MD_CTX_free(mdctx);
		mdctx = NULL;
	}
	EVP_MD_free(md);
	return (struct crypto_hash *)mdctx;
}

bool crypto_hash_update(struct crypto_hash *hash, const void *data,
			size_t len)
{
	return EVP_DigestUpdate((EVP_MD_CTX *)hash, data, len) == 1;
}

bool crypto_hash_final(struct crypto_hash *hash, uint8_t *out,
		       size_t *out_len)
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex((EVP_MD_CTX *)hash, out, &n) != 1)
		return false;
	*out_len = n;
	return true;
}

void crypto_hash_free(struct crypto_hash *hash)
{
	EVP_MD_CTX_free((EVP_MD_CTX *)hash);
}

bool crypto_random(void *buf, size_t len)
{
	OSSL_LIB_CTX *ctx = crypto_libctx();

	return ctx != NULL && RAND_priv_bytes_ex(ctx, buf, len, 0) == 1;
}

static EVP_CIPHER_CTX *gcm_start(const uint8_t *key, const uint8_t *nonce,
				 int encrypt)
{
	OSSL_LIB_CTX *ctx = crypto_libctx();
	EVP_CIPHER *cipher = NULL;
	EVP_CIPHER_CTX *cctx = NULL;

	if (ctx == NULL)
		return NULL;
	cipher = EVP_CIPHER_fetch(ctx, "AES-256-GCM", NULL);
	cctx = EVP_CIPHER_CTX_new();
	if (cipher == NULL || cctx == NULL ||
	    EVP_CipherInit_ex2(cctx, cipher, key, nonce, encrypt, NULL) != 1) {
		EVP_CIPHER_CTX_free(cctx);
		cctx = NULL;
	}
	EVP_CIPHER_free(cipher);
	return cctx;
}

bool crypto_aead_seal(const uint8_t *key, const void *aad, size_t aad_len,
		      const uint8_t *plain, size_t plain_len, uint8_t *out)
{
	EVP_CIPHER_CTX *cctx = NULL;
	uint8_t *nonce = out, *ct = out + 12, *tag = out + 12 + plain_len;
	int n = 0;
	bool ok = false;

	if (plain_len > INT32_MAX || aad_len > INT32_MAX ||
	    !crypto_random(nonce, 12))
		return false;
	cctx = gcm_start(key, nonce, 1);
	if (cctx == NULL)
		return false;
	if (EVP_CipherUpdate(cctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_CipherUpdate(cctx, ct, &n, plain, (int)plain_len) != 1 ||
	    EVP_CipherFinal_ex(cctx, ct + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		goto out;
	ok = true;
out:
	EVP_CIPHER_CTX_free(cctx);
	return ok;
}

bool crypto_aead_open(const uint8_t *key, const void *aad, size_t aad_len,
		      const uint8_t *sealed, size_t sealed_len, uint8_t *plain)
{
	EVP_CIPHER_CTX *cctx = NULL;
	size_t ct_len;
	int n = 0;
	bool ok = false;

	if (sealed_len < CRYPTO_AEAD_OVERHEAD || sealed_len > INT32_MAX ||
	    aad_len > INT32_MAX)
		return false;
	ct_len = sealed_len - CRYPTO_AEAD_OVERHEAD;
	cctx = gcm_start(key, sealed, 0);
	if (cctx == NULL)
		return false;
	if (EVP_CipherUpdate(cctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_CipherUpdate(cctx, plain, &n, sealed + 12, (int)ct_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_GCM_SET_TAG, 16,
				(void *)(sealed + 12 + ct_len)) != 1 ||
	    EVP_CipherFinal_ex(cctx, plain + n, &n) != 1)
		goto out;
	ok = true;
out:
	if (!ok)
		OPENSSL_cleanse(plain, ct_len);
	EVP_CIPHER_CTX_free(cctx);
	return ok;
}

bool crypto_pin_auth(const void *pin, size_t pin_len, const uint8_t *salt,
		     size_t salt_len, uint8_t *out)
{
	static const char info[] = "tpmcard pin auth v1";
	OSSL_LIB_CTX *ctx = crypto_libctx();
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[5];
	bool ok = false;

	if (ctx == NULL)
		return false;
	kdf = EVP_KDF_fetch(ctx, "HKDF", NULL);
	kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	if (kctx == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						      (void *)pin, pin_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						      (void *)salt, salt_len);
	params[3] = OSSL_PARAM_construct_octet_string(
		OSSL_KDF_PARAM_INFO, (void *)info, sizeof(info) - 1);
	params[4] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(kctx, out, CRYPTO_PIN_AUTH_LEN, params) == 1;
out:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return ok;
}

bool crypto_aes128_cfb_encrypt(const uint8_t *key, const uint8_t *in,
			       size_t len, uint8_t *out)
{
	static const uint8_t zero_iv[16];
	OSSL_LIB_CTX *ctx = crypto_libctx();
	EVP_CIPHER *cipher = NULL;
	EVP_CIPHER_CTX *cctx = NULL;
	int n = 0, tail = 0;
	bool ok = false;

	if (ctx == NULL || len > INT32_MAX)
		return false;
	cipher = EVP_CIPHER_fetch(ctx, "AES-128-CFB", NULL);
	cctx = EVP_CIPHER_CTX_new();
	if (cipher != NULL && cctx != NULL &&
	    EVP_EncryptInit_ex2(cctx, cipher, key, zero_iv, NULL) == 1 &&
	    EVP_EncryptUpdate(cctx, out, &n, in, (int)len) == 1 &&
	    EVP_EncryptFinal_ex(cctx, out + n, &tail) == 1)
		ok = (size_t)(n + tail) == len;
	EVP_CIPHER_CTX_free(cctx);
	EVP_CIPHER_free(cipher);
	return ok;
}
