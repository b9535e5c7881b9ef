/* SPDX-License-Identifier: BSD-3-Clause */
#include "fake_tpm.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "fake_tpm_internal.h"

/*
 * Keys of the fake TPM: real OpenSSL keys, created by tpm_key_create(),
 * opened without TPM traffic, "loaded" at first use and counted while
 * loaded, as the real layer keeps them.  Secret keys (AES, HMAC) open and
 * load the same way; their operations are in fake_tpm_secret.c.
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

/* RSA from n, e and one prime: the other parts derived as a TPM does. */
static EVP_PKEY *rsa_from_prime(const struct tpm_import_key *key)
{
	BN_CTX *bn = BN_CTX_new();
	BIGNUM *n = BN_bin2bn(key->modulus, (int)key->modulus_len, NULL);
	BIGNUM *p = BN_bin2bn(key->prime, (int)key->prime_len, NULL);
	BIGNUM *e = BN_new(), *q = BN_new(), *r = BN_new(), *d = BN_new();
	BIGNUM *p1 = BN_new(), *q1 = BN_new(), *phi = BN_new();
	BIGNUM *dp = BN_new(), *dq = BN_new(), *qi = BN_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (bn && n && p && e && q && r && d && p1 && q1 && phi && dp && dq &&
	    qi && bld && BN_set_word(e, key->exponent) &&
	    BN_div(q, r, n, p, bn) && BN_is_zero(r) && !BN_is_one(p) &&
	    BN_sub(p1, p, BN_value_one()) && BN_sub(q1, q, BN_value_one()) &&
	    BN_mul(phi, p1, q1, bn) && BN_mod_inverse(d, e, phi, bn) &&
	    BN_mod(dp, d, p1, bn) && BN_mod(dq, d, q1, bn) &&
	    BN_mod_inverse(qi, q, p, bn) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
				   qi))
		params = OSSL_PARAM_BLD_to_param(bld);
	ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL) : NULL;
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	BN_free(q);
	BN_free(r);
	BN_free(p1);
	BN_free(q1);
	BN_clear_free(p);
	BN_clear_free(d);
	BN_clear_free(phi);
	BN_clear_free(dp);
	BN_clear_free(dq);
	BN_clear_free(qi);
	BN_CTX_free(bn);
	return pkey;
}

/* EC from the point and scalar; refused when they do not match. */
static EVP_PKEY *ec_from_scalar(const struct tpm_import_key *key)
{
	size_t width = tpm_curve_bytes(key->curve);
	uint8_t point[1 + 2 * 66];
	BIGNUM *d = BN_bin2bn(key->d, (int)key->d_len, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL, *check = NULL;
	EVP_PKEY *pkey = NULL;

	point[0] = 0x04;
	memcpy(point + 1, key->x, width);
	memcpy(point + 1 + width, key->y, width);
	if (d && bld && curve_group(key->curve) &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    curve_group(key->curve), 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     point, 1 + 2 * width) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d))
		params = OSSL_PARAM_BLD_to_param(bld);
	ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL) : NULL;
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
		pkey = NULL;
	check = pkey ? EVP_PKEY_CTX_new(pkey, NULL) : NULL;
	if (pkey != NULL && (check == NULL || EVP_PKEY_pairwise_check(check) != 1)) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return pkey;
}

enum tpm_rc tpm_key_import(struct tpm *tpm, const struct tpm_import_key *key,
			   const uint8_t *auth, size_t auth_len,
			   struct tpm_blob *out, struct tpm_pubkey *pub)
{
	struct tpm_key_spec spec = { .type = key->type,
				     .rsa_bits = (unsigned int)
							 key->modulus_len * 8,
				     .curve = key->curve };
	struct fake_object *obj;
	EVP_PKEY *pkey;
	enum tpm_rc rc;

	(void)tpm;
	memset(out, 0, sizeof(*out));
	if (fake_enter(FAKE_TPM_KEY_IMPORT, &rc))
		return rc;
	if (auth_len > FAKE_AUTH_MAX || !spec_supported(&spec))
		return TPM_E_BAD_INPUT;
	pkey = key->type == TPM_KEY_RSA ? rsa_from_prime(key) :
					  ec_from_scalar(key);
	if (pkey == NULL || !public_numbers(pkey, &spec, pub)) {
		EVP_PKEY_free(pkey);
		return TPM_E_BAD_INPUT;
	}
	pub->exponent = key->exponent;
	obj = fake_object_add(key->type == TPM_KEY_RSA ? FAKE_OBJ_RSA :
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

enum tpm_rc fake_key_ready(struct tpm_key *key, enum fake_object_kind kind,
			   struct fake_object **obj)
{
	enum tpm_rc rc;

	if (!key->loaded && fake_enter(FAKE_TPM_KEY_LOAD, &rc))
		return rc;
	rc = fake_blob_load(&key->blob, obj);
	if (rc == TPM_OK && (*obj)->kind != kind)
		rc = TPM_E_BAD_INPUT; /* TPM_RC_KEY, TPM_RC_TYPE */
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
	rc = fake_key_ready(key, FAKE_OBJ_RSA, &obj);
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
	rc = fake_key_ready(key, FAKE_OBJ_EC, &obj);
	return rc == TPM_OK ? ecdsa_sign(obj->pkey, digest, digest_len, width,
					 out) :
			      rc;
}

/* The peer's public key on the key's curve; NULL when not a point. */
static EVP_PKEY *peer_key(enum tpm_curve curve, const uint8_t *x,
			  const uint8_t *y, size_t width)
{
	uint8_t point[1 + 2 * 66];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;

	point[0] = 0x04;
	memcpy(point + 1, x, width);
	memcpy(point + 1 + width, y, width);
	params[0] = OSSL_PARAM_construct_utf8_string(
		OSSL_PKEY_PARAM_GROUP_NAME, (char *)curve_group(curve), 0);
	params[1] = OSSL_PARAM_construct_octet_string(
		OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * width);
	params[2] = OSSL_PARAM_construct_end();
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

enum tpm_rc tpm_key_ecdh(struct tpm *tpm, struct tpm_key *key,
			 const uint8_t *peer_x, const uint8_t *peer_y,
			 size_t coord_len, uint8_t *z, size_t z_len)
{
	struct fake_object *obj;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *peer;
	size_t len = z_len;
	enum tpm_rc rc;

	(void)tpm;
	if (fake_enter(FAKE_TPM_ECDH, &rc))
		return rc;
	if (key->pub.type != TPM_KEY_EC || coord_len != key->pub.coord_len ||
	    z_len != coord_len)
		return TPM_E_BAD_INPUT;
	rc = fake_key_ready(key, FAKE_OBJ_EC, &obj);
	if (rc != TPM_OK)
		return rc;
	peer = peer_key(key->pub.curve, peer_x, peer_y, coord_len);
	if (peer == NULL)
		return TPM_E_BAD_INPUT; /* TPM_RC_ECC_POINT */
	ctx = EVP_PKEY_CTX_new(obj->pkey, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
	    EVP_PKEY_derive(ctx, z, &len) != 1 || len != z_len)
		rc = TPM_E_FAILURE;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return rc;
}
