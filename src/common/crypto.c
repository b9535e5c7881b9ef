/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libcrypto's built-in SHA, AES and GCM, not EVP: OpenSSL 3.0 hands an
 * EVP digest or cipher, even one fetched from our own library context, to
 * an engine the host registered for that algorithm.  They are deprecated
 * API in OpenSSL 3.0, kept for exactly such uses.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "common/crypto.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/aes.h>
#include <openssl/crypto.h>
#include <openssl/modes.h>
#include <openssl/provider.h>
#include <openssl/sha.h>

#define TC_LOG_LAYER TC_LAYER_COMMON
#include "common/log.h"
#include "common/crypto_internal.h"
#include "common/secmem.h"

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static OSSL_LIB_CTX *libctx;
static OSSL_PROVIDER *provider;

static const size_t digest_lens[CRYPTO_DIGEST_COUNT] = {
	[CRYPTO_SHA1] = 20,   [CRYPTO_SHA224] = 28, [CRYPTO_SHA256] = 32,
	[CRYPTO_SHA384] = 48, [CRYPTO_SHA512] = 64,
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

size_t crypto_digest_len(enum crypto_digest alg)
{
	return alg < CRYPTO_DIGEST_COUNT ? digest_lens[alg] : 0;
}

struct crypto_hash {
	enum crypto_digest alg;
	union {
		SHA_CTX sha1;
		SHA256_CTX sha256; /* SHA-224 too */
		SHA512_CTX sha512; /* SHA-384 too */
	} u;
};

static bool hash_init(struct crypto_hash *h, enum crypto_digest alg)
{
	h->alg = alg;
	switch (alg) {
	case CRYPTO_SHA1:
		return SHA1_Init(&h->u.sha1) == 1;
	case CRYPTO_SHA224:
		return SHA224_Init(&h->u.sha256) == 1;
	case CRYPTO_SHA256:
		return SHA256_Init(&h->u.sha256) == 1;
	case CRYPTO_SHA384:
		return SHA384_Init(&h->u.sha512) == 1;
	case CRYPTO_SHA512:
		return SHA512_Init(&h->u.sha512) == 1;
	default:
		return false;
	}
}

bool crypto_hash_update(struct crypto_hash *h, const void *data, size_t len)
{
	switch (h->alg) {
	case CRYPTO_SHA1:
		return SHA1_Update(&h->u.sha1, data, len) == 1;
	case CRYPTO_SHA224:
	case CRYPTO_SHA256:
		return SHA256_Update(&h->u.sha256, data, len) == 1;
	default:
		return SHA512_Update(&h->u.sha512, data, len) == 1;
	}
}

bool crypto_hash_final(struct crypto_hash *h, uint8_t *out, size_t *out_len)
{
	int ok;

	switch (h->alg) {
	case CRYPTO_SHA1:
		ok = SHA1_Final(out, &h->u.sha1);
		break;
	case CRYPTO_SHA224:
		ok = SHA224_Final(out, &h->u.sha256);
		break;
	case CRYPTO_SHA256:
		ok = SHA256_Final(out, &h->u.sha256);
		break;
	case CRYPTO_SHA384:
		ok = SHA384_Final(out, &h->u.sha512);
		break;
	default:
		ok = SHA512_Final(out, &h->u.sha512);
		break;
	}
	*out_len = digest_lens[h->alg];
	return ok == 1;
}

struct crypto_hash *crypto_hash_new(enum crypto_digest alg)
{
	struct crypto_hash *h = malloc(sizeof(*h));

	if (h != NULL && !hash_init(h, alg)) {
		free(h);
		h = NULL;
	}
	return h;
}

void crypto_hash_free(struct crypto_hash *h)
{
	if (h == NULL)
		return;
	secmem_wipe(h, sizeof(*h));
	free(h);
}

bool crypto_digest_once(enum crypto_digest alg, const void *data, size_t len,
			uint8_t *out, size_t *out_len)
{
	struct crypto_hash h;
	bool ok = hash_init(&h, alg) && crypto_hash_update(&h, data, len) &&
		  crypto_hash_final(&h, out, out_len);

	secmem_wipe(&h, sizeof(h));
	return ok;
}

static size_t block_size(enum crypto_digest alg)
{
	return alg == CRYPTO_SHA384 || alg == CRYPTO_SHA512 ? 128 : 64;
}

bool crypto_hmac(enum crypto_digest alg, const uint8_t *key, size_t key_len,
		 const struct crypto_part *parts, size_t count, uint8_t *out,
		 size_t *out_len)
{
	uint8_t pad[128] = { 0 }, inner[CRYPTO_MAX_DIGEST];
	size_t block = block_size(alg), n = 0;
	struct crypto_hash h;
	bool ok = alg < CRYPTO_DIGEST_COUNT;

	/* K0: the key, or its digest when longer than a block. */
	if (ok && key_len > block)
		ok = crypto_digest_once(alg, key, key_len, pad, &n);
	else if (ok && key_len > 0)
		memcpy(pad, key, key_len);
	for (size_t i = 0; i < block; i++)
		pad[i] ^= 0x36;
	ok = ok && hash_init(&h, alg) && crypto_hash_update(&h, pad, block);
	for (size_t i = 0; ok && i < count; i++)
		ok = crypto_hash_update(&h, parts[i].data, parts[i].len);
	ok = ok && crypto_hash_final(&h, inner, &n);
	for (size_t i = 0; i < block; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	ok = ok && hash_init(&h, alg) && crypto_hash_update(&h, pad, block) &&
	     crypto_hash_update(&h, inner, n) &&
	     crypto_hash_final(&h, out, out_len);
	secmem_wipe(pad, sizeof(pad));
	secmem_wipe(inner, sizeof(inner));
	secmem_wipe(&h, sizeof(h));
	return ok;
}

bool crypto_random(void *buf, size_t len)
{
	/*
	 * The kernel's generator: OpenSSL's (RAND_priv_bytes_ex, or its DRBG
	 * directly) would go through a RAND method or an AES-CTR cipher that
	 * an engine of the host's registered as the default.
	 */
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* AES-256-GCM with a 12-byte nonce; NULL on failure. */
static GCM128_CONTEXT *gcm_start(const uint8_t *key, const uint8_t *nonce,
				 AES_KEY *schedule)
{
	GCM128_CONTEXT *gcm;

	if (AES_set_encrypt_key(key, 256, schedule) != 0)
		return NULL;
	gcm = CRYPTO_gcm128_new(schedule, (block128_f)AES_encrypt);
	if (gcm != NULL)
		CRYPTO_gcm128_setiv(gcm, nonce, 12);
	return gcm;
}

bool crypto_aead_seal(const uint8_t *key, const void *aad, size_t aad_len,
		      const uint8_t *plain, size_t plain_len, uint8_t *out)
{
	uint8_t *nonce = out, *ct = out + 12, *tag = out + 12 + plain_len;
	GCM128_CONTEXT *gcm;
	AES_KEY schedule;
	bool ok;

	if (!crypto_random(nonce, 12))
		return false;
	gcm = gcm_start(key, nonce, &schedule);
	ok = gcm != NULL && CRYPTO_gcm128_aad(gcm, aad, aad_len) == 0 &&
	     CRYPTO_gcm128_encrypt(gcm, plain, ct, plain_len) == 0;
	if (ok)
		CRYPTO_gcm128_tag(gcm, tag, 16);
	if (gcm != NULL)
		CRYPTO_gcm128_release(gcm);
	secmem_wipe(&schedule, sizeof(schedule));
	return ok;
}

bool crypto_aead_open(const uint8_t *key, const void *aad, size_t aad_len,
		      const uint8_t *sealed, size_t sealed_len, uint8_t *plain)
{
	GCM128_CONTEXT *gcm;
	AES_KEY schedule;
	size_t ct_len;
	bool ok;

	if (sealed_len < CRYPTO_AEAD_OVERHEAD)
		return false;
	ct_len = sealed_len - CRYPTO_AEAD_OVERHEAD;
	gcm = gcm_start(key, sealed, &schedule);
	ok = gcm != NULL && CRYPTO_gcm128_aad(gcm, aad, aad_len) == 0 &&
	     CRYPTO_gcm128_decrypt(gcm, sealed + 12, plain, ct_len) == 0 &&
	     CRYPTO_gcm128_finish(gcm, sealed + 12 + ct_len, 16) == 0;
	if (!ok)
		OPENSSL_cleanse(plain, ct_len);
	if (gcm != NULL)
		CRYPTO_gcm128_release(gcm);
	secmem_wipe(&schedule, sizeof(schedule));
	return ok;
}

bool crypto_pin_auth(const void *pin, size_t pin_len, const uint8_t *salt,
		     size_t salt_len, uint8_t *out)
{
	static const char info[] = "tpmcard pin auth v1";
	static const uint8_t one = 1;
	uint8_t prk[CRYPTO_MAX_DIGEST], okm[CRYPTO_MAX_DIGEST];
	size_t n = 0;
	/* HKDF-SHA256 (RFC 5869): PRK = HMAC(salt, PIN), T(1) is the auth. */
	struct crypto_part ikm = { pin, pin_len };
	struct crypto_part t1[] = { { info, sizeof(info) - 1 }, { &one, 1 } };
	bool ok = crypto_hmac(CRYPTO_SHA256, salt, salt_len, &ikm, 1, prk,
			      &n) &&
		  crypto_hmac(CRYPTO_SHA256, prk, n, t1, 2, okm, &n) &&
		  n >= CRYPTO_PIN_AUTH_LEN;

	if (ok)
		memcpy(out, okm, CRYPTO_PIN_AUTH_LEN);
	secmem_wipe(prk, sizeof(prk));
	secmem_wipe(okm, sizeof(okm));
	return ok;
}

bool crypto_aes128_cfb_encrypt(const uint8_t *key, const uint8_t *in,
			       size_t len, uint8_t *out)
{
	uint8_t iv[16] = { 0 };
	AES_KEY schedule;
	int num = 0;

	if (AES_set_encrypt_key(key, 128, &schedule) != 0)
		return false;
	AES_cfb128_encrypt(in, out, len, &schedule, iv, &num, AES_ENCRYPT);
	secmem_wipe(&schedule, sizeof(schedule));
	return true;
}
