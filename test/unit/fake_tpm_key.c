/* SPDX-License-Identifier: BSD-3-Clause */
#include "fake_tpm.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "fake_tpm_internal.h"

/*
 * Keys of the fake TPM: real OpenSSL keys, created by tpm_key_create(),
 * opened without TPM traffic, "loaded" at first use and counted while
 * loaded, as the real layer keeps them.
 */

static const char *curve_group(enum tpm_curve curve)
{
	switch (curve) {
	case TPM_CURVE_P256:
		return "P-256";
	case TPM_CURVE_P384:
		return "P-384";
	case TPM_CURVE_P521:
		return "P-521";
	default:
		return NULL;
	}
}

/* What the fake TPM can make: the sizes and curves the token asks for. */
static bool spec_supported(const struct tpm_key_spec *spec)
{
	if (spec->type == TPM_KEY_RSA)
		return (spec->rsa_bits == 2048 || spec->rsa_bits == 3072 ||
			spec->rsa_bits == 4096) &&
		       (spec->rsa_exponent == 0 ||
			spec->rsa_exponent == 65537);
	return spec->type == TPM_KEY_EC && curve_group(spec->curve) != NULL;
}

static EVP_PKEY *generate(const struct tpm_key_spec *spec)
{
	if (spec->type == TPM_KEY_RSA)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
					 (size_t)spec->rsa_bits);
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve_group(spec->curve));
}

/* Writes a big number right-aligned into width bytes. */
static bool bn_param(const EVP_PKEY *pkey, const char *name, uint8_t *out,
		     size_t width)
{
	BIGNUM *bn = NULL;
	bool ok = EVP_PKEY_get_bn_param(pkey, name, &bn) == 1 &&
		  BN_bn2binpad(bn, out, (int)width) == (int)width;

	BN_free(bn);
	return ok;
}

static bool public_numbers(const EVP_PKEY *pkey,
			   const struct tpm_key_spec *spec,
			   struct tpm_pubkey *pub)
{
	memset(pub, 0, sizeof(*pub));
	pub->type = spec->type;
	if (spec->type == TPM_KEY_RSA) {
		pub->modulus_len = spec->rsa_bits / 8;
		pub->exponent = 65537;
		return bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, pub->modulus,
				pub->modulus_len);
	}
	pub->curve = spec->curve;
	pub->coord_len = tpm_curve_bytes(spec->curve);
	return bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, pub->x,
			pub->coord_len) &&
	       bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, pub->y,
			pub->coord_len);
}

enum tpm_rc tpm_key_create(struct tpm *tpm, const struct tpm_key_spec *spec,
			   const uint8_t *auth, size_t auth_len,
			   struct tpm_blob *out, struct tpm_pubkey *pub)
{
	struct fake_object *obj;
	EVP_PKEY *pkey;
	enum tpm_rc rc;

	(void)tpm;
	memset(out, 0, sizeof(*out));
	if (fake_enter(FAKE_TPM_KEY_CREATE, &rc))
		return rc;
	if (!spec_supported(spec))
		return TPM_E_UNSUPPORTED;
	if (auth_len > FAKE_AUTH_MAX)
		return TPM_E_BAD_INPUT;
	pkey = generate(spec);
	if (pkey == NULL || !public_numbers(pkey, spec, pub)) {
		EVP_PKEY_free(pkey);
		return TPM_E_FAILURE;
	}
	obj = fake_object_add(spec->type == TPM_KEY_RSA ? FAKE_OBJ_RSA :
							  FAKE_OBJ_EC);
	if (obj == NULL) {
		EVP_PKEY_free(pkey);
		return TPM_E_NO_MEMORY;
	}
	obj->pkey = pkey;
	memcpy(obj->auth, auth, auth_len);
	obj->auth_len = auth_len;
	return fake_blob_make(obj, pub, out);
}

static bool copy_blob(const struct tpm_blob *src, struct tpm_blob *dst)
{
	memset(dst, 0, sizeof(*dst));
	dst->pub = malloc(src->pub_len ? src->pub_len : 1);
	dst->priv = malloc(src->priv_len ? src->priv_len : 1);
	if (dst->pub == NULL || dst->priv == NULL) {
		tpm_blob_clear(dst);
		return false;
	}
	if (src->pub_len > 0)
		memcpy(dst->pub, src->pub, src->pub_len);
	if (src->priv_len > 0)
		memcpy(dst->priv, src->priv, src->priv_len);
	dst->pub_len = src->pub_len;
	dst->priv_len = src->priv_len;
	return true;
}

enum tpm_rc tpm_key_open(struct tpm *tpm, const struct tpm_blob *blob,
			 const uint8_t *auth, size_t auth_len,
			 struct tpm_key **out)
{
	struct tpm_key *key;
	enum tpm_rc rc;

	*out = NULL;
	if (fake_enter(FAKE_TPM_KEY_OPEN, &rc))
		return rc;
	if (auth_len > FAKE_AUTH_MAX)
		return TPM_E_BAD_INPUT;
	key = calloc(1, sizeof(*key));
	if (key == NULL)
		return TPM_E_NO_MEMORY;
	rc = tpm_blob_pubkey(blob, &key->pub);
	if (rc == TPM_OK && !copy_blob(blob, &key->blob))
		rc = TPM_E_NO_MEMORY;
	if (rc != TPM_OK) {
		free(key);
		return rc;
	}
	memcpy(key->auth, auth, auth_len);
	key->auth_len = auth_len;
	key->next = tpm->keys;
	tpm->keys = key;
	fake.open_keys++;
	*out = key;
	return TPM_OK;
}

void tpm_key_close(struct tpm *tpm, struct tpm_key *key)
{
	if (key == NULL)
		return;
	for (struct tpm_key **p = &tpm->keys; *p != NULL; p = &(*p)->next) {
		if (*p == key) {
			*p = key->next;
			break;
		}
	}
	if (key->loaded)
		fake.loaded_keys--;
	fake.open_keys--;
	tpm_blob_clear(&key->blob);
	OPENSSL_cleanse(key, sizeof(*key));
	free(key);
}

/* Loads the key at first use, then checks its auth for one command. */
static enum tpm_rc key_ready(struct tpm_key *key, struct fake_object **obj)
{
	enum tpm_rc rc;

	if (!key->loaded && fake_enter(FAKE_TPM_KEY_LOAD, &rc))
		return rc;
	rc = fake_blob_load(&key->blob, obj);
	if (rc == TPM_OK && (*obj)->pkey == NULL)
		rc = TPM_E_BAD_INPUT; /* sealed data: TPM_RC_KEY */
	if (rc != TPM_OK)
		return rc;
	if (!key->loaded) {
		key->loaded = true;
		fake.loaded_keys++;
	}
	return fake_auth_check(*obj, key->auth, key->auth_len);
}

/* The raw RSA private-key operation (RSA_Decrypt with scheme NULL). */
static enum tpm_rc rsa_raw(EVP_PKEY *pkey, const uint8_t *in, size_t len,
			   uint8_t *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	size_t out_len = len;
	enum tpm_rc rc = TPM_E_BAD_INPUT; /* TPM_RC_VALUE: input >= n */

	if (ctx == NULL)
		return TPM_E_NO_MEMORY;
	if (EVP_PKEY_decrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
	    EVP_PKEY_decrypt(ctx, out, &out_len, in, len) == 1 &&
	    out_len == len)
		rc = TPM_OK;
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

enum tpm_rc tpm_key_rsa_private(struct tpm *tpm, struct tpm_key *key,
				const uint8_t *in, size_t in_len,
				uint8_t *out, size_t out_len)
{
	struct fake_object *obj;
	enum tpm_rc rc;

	(void)tpm;
	if (fake_enter(FAKE_TPM_RSA_PRIVATE, &rc))
		return rc;
	if (key->pub.type != TPM_KEY_RSA || in_len != key->pub.modulus_len ||
	    out_len != key->pub.modulus_len)
		return TPM_E_BAD_INPUT;
	rc = key_ready(key, &obj);
	return rc == TPM_OK ? rsa_raw(obj->pkey, in, in_len, out) : rc;
}

/* r || s of a DER ECDSA signature, each right-aligned in width bytes. */
static bool split_signature(const uint8_t *der, size_t der_len, size_t width,
			    uint8_t *out)
{
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &der, (long)der_len);
	const BIGNUM *r, *s;
	bool ok;

	if (sig == NULL)
		return false;
	ECDSA_SIG_get0(sig, &r, &s);
	ok = BN_bn2binpad(r, out, (int)width) == (int)width &&
	     BN_bn2binpad(s, out + width, (int)width) == (int)width;
	ECDSA_SIG_free(sig);
	return ok;
}

static enum tpm_rc ecdsa_sign(EVP_PKEY *pkey, const uint8_t *digest,
			      size_t len, size_t width, uint8_t *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	uint8_t der[160];
	size_t der_len = sizeof(der);
	enum tpm_rc rc = TPM_E_FAILURE;

	if (ctx == NULL)
		return TPM_E_NO_MEMORY;
	if (EVP_PKEY_sign_init(ctx) == 1 &&
	    EVP_PKEY_sign(ctx, der, &der_len, digest, len) == 1 &&
	    split_signature(der, der_len, width, out))
		rc = TPM_OK;
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* The TPM signs with SHA-1 and the SHA-2 family it implements. */
static bool hash_in_tpm(enum crypto_digest hash)
{
	return hash == CRYPTO_SHA1 || hash == CRYPTO_SHA256 ||
	       hash == CRYPTO_SHA384 || hash == CRYPTO_SHA512;
}

enum tpm_rc tpm_key_ecdsa(struct tpm *tpm, struct tpm_key *key,
			  enum crypto_digest hash, const uint8_t *digest,
			  size_t digest_len, uint8_t *out, size_t out_len)
{
	size_t width = key->pub.coord_len;
	struct fake_object *obj;
	enum tpm_rc rc;

	(void)tpm;
	if (fake_enter(FAKE_TPM_ECDSA, &rc))
		return rc;
	if (key->pub.type != TPM_KEY_EC || out_len != 2 * width ||
	    !hash_in_tpm(hash) || digest_len != crypto_digest_len(hash))
		return TPM_E_BAD_INPUT;
	rc = key_ready(key, &obj);
	return rc == TPM_OK ? ecdsa_sign(obj->pkey, digest, digest_len, width,
					 out) :
			      rc;
}
