/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/keyfile.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/crypto_internal.h"
#include "common/pubkey.h"

/*
 * OpenSSL's decoders do the reading: they know every form (PEM or DER,
 * PKCS#8, encrypted PKCS#8, the traditional RSA and EC structures and
 * their encrypted PEM).  Each load keeps OpenSSL's error queue as it found
 * it, so that a bad file leaves nothing behind for the next caller.
 */

static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48,
				    0xce, 0x3d, 0x03, 0x01, 0x07 };
static const uint8_t oid_p384[] = { 0x06, 0x05, 0x2b, 0x81,
				    0x04, 0x00, 0x22 };
static const uint8_t oid_p521[] = { 0x06, 0x05, 0x2b, 0x81,
				    0x04, 0x00, 0x23 };

static const struct curve {
	int nid;
	const char *name;
	const uint8_t *oid;
	size_t oid_len;
	unsigned int bits;
} curves[] = {
	{ NID_X9_62_prime256v1, "P-256", oid_p256, sizeof(oid_p256), 256 },
	{ NID_secp384r1, "P-384", oid_p384, sizeof(oid_p384), 384 },
	{ NID_secp521r1, "P-521", oid_p521, sizeof(oid_p521), 521 },
};

#define CURVE_COUNT (sizeof(curves) / sizeof(curves[0]))

/* What the passphrase callback saw during one load. */
struct load_state {
	keyfile_passphrase_fn fn;
	void *arg;
	bool asked;		/* the file is encrypted */
	struct secbuf *pass;	/* NULL: none was had */
};

const char *keyfile_rc_text(enum keyfile_rc rc)
{
	switch (rc) {
	case KEYFILE_OK:
		return "ok";
	case KEYFILE_MALFORMED:
		return "not a key or certificate this tool can read";
	case KEYFILE_NOT_PRIVATE:
		return "holds a public key only";
	case KEYFILE_UNSUPPORTED:
		return "a key of a type the token cannot hold";
	case KEYFILE_NO_PASSPHRASE:
		return "encrypted, and no passphrase given";
	case KEYFILE_BAD_PASSPHRASE:
		return "wrong passphrase (or a damaged file)";
	case KEYFILE_NO_MEMORY:
		return "out of memory";
	}
	return "unknown result";
}

/* OpenSSL asks for the passphrase, maybe more than once: ask ours once. */
static int passphrase_cb(char *buf, size_t size, size_t *len,
			 const OSSL_PARAM params[], void *arg)
{
	struct load_state *st = arg;

	(void)params;
	if (!st->asked) {
		st->asked = true;
		st->pass = st->fn != NULL ? st->fn(st->arg) : NULL;
	}
	if (st->pass == NULL || st->pass->len > size)
		return 0;
	memcpy(buf, st->pass->data, st->pass->len);
	*len = st->pass->len;
	return 1;
}

static EVP_PKEY *decode(const uint8_t *data, size_t len, int selection,
			struct load_state *st)
{
	const unsigned char *p = data;
	size_t left = len;
	EVP_PKEY *pkey = NULL;
	OSSL_DECODER_CTX *ctx = OSSL_DECODER_CTX_new_for_pkey(
		&pkey, NULL, NULL, NULL, selection, crypto_libctx(), NULL);

	if (ctx == NULL)
		return NULL;
	if (OSSL_DECODER_CTX_set_passphrase_cb(ctx, passphrase_cb, st) != 1 ||
	    OSSL_DECODER_from_data(ctx, &p, &left) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_DECODER_CTX_free(ctx);
	return pkey;
}

/* A secret number into a new secbuf, padded to width bytes (0: its own). */
static struct secbuf *secret_of(const EVP_PKEY *pkey, const char *name,
				size_t width)
{
	BIGNUM *bn = NULL;
	struct secbuf *out = NULL;
	size_t len;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
		return NULL;
	len = width ? width : (size_t)BN_num_bytes(bn);
	out = secbuf_new(len);
	if (out != NULL && BN_bn2binpad(bn, out->data, (int)len) == (int)len) {
		out->len = len;
	} else {
		secbuf_free(out);
		out = NULL;
	}
	BN_clear_free(bn);
	return out;
}

/* A public number into a malloc'd buffer, without leading zeros. */
static bool public_of(const EVP_PKEY *pkey, const char *name, uint8_t **out,
		      size_t *out_len)
{
	BIGNUM *bn = NULL;
	int len;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
		return false;
	len = BN_num_bytes(bn);
	*out = len > 0 ? malloc((size_t)len) : NULL;
	if (*out != NULL)
		*out_len = (size_t)BN_bn2bin(bn, *out);
	BN_free(bn);
	return *out != NULL;
}

static bool has_param(const EVP_PKEY *pkey, const char *name)
{
	BIGNUM *bn = NULL;
	bool has = EVP_PKEY_get_bn_param(pkey, name, &bn) == 1;

	BN_clear_free(bn);
	return has;
}

static enum keyfile_rc rsa_parts(const EVP_PKEY *pkey,
				 struct keyfile_key *key)
{
	static const char *const names[KEYFILE_SECRET_COUNT] = {
		[KEYFILE_D] = OSSL_PKEY_PARAM_RSA_D,
		[KEYFILE_P] = OSSL_PKEY_PARAM_RSA_FACTOR1,
		[KEYFILE_Q] = OSSL_PKEY_PARAM_RSA_FACTOR2,
		[KEYFILE_DP] = OSSL_PKEY_PARAM_RSA_EXPONENT1,
		[KEYFILE_DQ] = OSSL_PKEY_PARAM_RSA_EXPONENT2,
		[KEYFILE_QINV] = OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};

	key->kind = KEYFILE_RSA;
	if (!has_param(pkey, OSSL_PKEY_PARAM_RSA_D))
		return KEYFILE_NOT_PRIVATE;
	/* The TPM takes two primes; nor can a key without them be checked. */
	if (has_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR3) ||
	    !has_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1)) {
		snprintf(key->type_name, sizeof(key->type_name),
			 "RSA without exactly two primes");
		return KEYFILE_UNSUPPORTED;
	}
	if (!public_of(pkey, OSSL_PKEY_PARAM_RSA_N, &key->modulus,
		       &key->modulus_len) ||
	    !public_of(pkey, OSSL_PKEY_PARAM_RSA_E, &key->exponent,
		       &key->exponent_len))
		return KEYFILE_NO_MEMORY;
	key->bits = (unsigned int)key->modulus_len * 8;
	for (size_t i = 0; i < KEYFILE_SECRET_COUNT; i++) {
		key->secret[i] = secret_of(pkey, names[i], 0);
		if (key->secret[i] == NULL)
			return KEYFILE_NO_MEMORY;
	}
	return KEYFILE_OK;
}

/* The curve of an EC key, or NULL (its name, if any, in type_name). */
static const struct curve *curve_of(const EVP_PKEY *pkey,
				    struct keyfile_key *key)
{
	char group[64] = "";
	int nid;

	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
					   group, sizeof(group), NULL) != 1) {
		snprintf(key->type_name, sizeof(key->type_name),
			 "EC with explicit parameters");
		return NULL;
	}
	nid = OBJ_sn2nid(group);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(group);
	for (size_t i = 0; i < CURVE_COUNT; i++)
		if (curves[i].nid == nid)
			return &curves[i];
	snprintf(key->type_name, sizeof(key->type_name), "EC %s", group);
	return NULL;
}

static enum keyfile_rc ec_parts(const EVP_PKEY *pkey, struct keyfile_key *key)
{
	const struct curve *curve = curve_of(pkey, key);
	size_t width;

	key->kind = KEYFILE_EC;
	if (curve == NULL)
		return KEYFILE_UNSUPPORTED;
	if (!has_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY))
		return KEYFILE_NOT_PRIVATE;
	width = (curve->bits + 7) / 8;
	key->curve = curve->name;
	key->bits = curve->bits;
	key->ec_params = curve->oid;
	key->ec_params_len = curve->oid_len;
	key->secret[KEYFILE_D] = secret_of(pkey, OSSL_PKEY_PARAM_PRIV_KEY,
					   width);
	if (key->secret[KEYFILE_D] == NULL)
		return KEYFILE_NO_MEMORY;
	/*
	 * The point from the scalar, as the token computes it on import:
	 * whatever form (or mistake) the file's copy has, the two match.
	 */
	key->point_len = 1 + 2 * width;
	if (!pubkey_ec_point_of(curve->name, key->secret[KEYFILE_D]->data,
				width, key->point, key->point_len))
		return KEYFILE_MALFORMED;
	return KEYFILE_OK;
}

static enum keyfile_rc parts_of(const EVP_PKEY *pkey, struct keyfile_key *key)
{
	if (EVP_PKEY_is_a(pkey, "RSA"))
		return rsa_parts(pkey, key);
	if (EVP_PKEY_is_a(pkey, "EC"))
		return ec_parts(pkey, key);
	snprintf(key->type_name, sizeof(key->type_name), "%s",
		 EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) :
						 "unknown");
	return KEYFILE_UNSUPPORTED;
}

/* The result of a decode that found no private key. */
static enum keyfile_rc why_not(const uint8_t *data, size_t len,
			       struct load_state *st)
{
	EVP_PKEY *pub;

	if (st->asked)
		return st->pass == NULL ? KEYFILE_NO_PASSPHRASE :
					  KEYFILE_BAD_PASSPHRASE;
	/* A public key file given by mistake deserves its own answer. */
	pub = decode(data, len, EVP_PKEY_PUBLIC_KEY, st);
	EVP_PKEY_free(pub);
	return pub != NULL ? KEYFILE_NOT_PRIVATE : KEYFILE_MALFORMED;
}

enum keyfile_rc keyfile_key_load(const uint8_t *data, size_t len,
				 keyfile_passphrase_fn passphrase, void *arg,
				 struct keyfile_key *key)
{
	struct load_state st = { passphrase, arg, false, NULL };
	char type_name[KEYFILE_TYPE_NAME_MAX];
	enum keyfile_rc rc = KEYFILE_MALFORMED;
	EVP_PKEY *pkey;

	memset(key, 0, sizeof(*key));
	if (data == NULL || len == 0)
		return KEYFILE_MALFORMED;
	if (crypto_libctx() == NULL)
		return KEYFILE_NO_MEMORY;
	ERR_set_mark();
	pkey = decode(data, len, EVP_PKEY_KEYPAIR, &st);
	if (pkey != NULL)
		rc = parts_of(pkey, key);
	else
		rc = why_not(data, len, &st);
	secbuf_free(st.pass);
	/* Frees the key's numbers with BN_clear_free(): wiped. */
	EVP_PKEY_free(pkey);
	ERR_pop_to_mark();
	if (rc != KEYFILE_OK) {
		memcpy(type_name, key->type_name, sizeof(type_name));
		keyfile_key_clear(key);
		memcpy(key->type_name, type_name, sizeof(type_name));
	}
	return rc;
}

const char *keyfile_curve_name(const uint8_t *params, size_t len)
{
	for (size_t i = 0; params != NULL && i < CURVE_COUNT; i++)
		if (curves[i].oid_len == len &&
		    memcmp(curves[i].oid, params, len) == 0)
			return curves[i].name;
	return NULL;
}

void keyfile_key_drop_secret(struct keyfile_key *key,
			     enum keyfile_secret which)
{
	if (which >= KEYFILE_SECRET_COUNT)
		return;
	secbuf_free(key->secret[which]);
	key->secret[which] = NULL;
}

void keyfile_key_clear(struct keyfile_key *key)
{
	for (size_t i = 0; i < KEYFILE_SECRET_COUNT; i++)
		secbuf_free(key->secret[i]);
	free(key->modulus);
	free(key->exponent);
	memset(key, 0, sizeof(*key));
}

/* The first CERTIFICATE block of PEM text, decoded; NULL when none. */
static uint8_t *pem_certificate(const uint8_t *data, size_t len,
				size_t *der_len)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	char *name = NULL, *header = NULL;
	unsigned char *body = NULL;
	uint8_t *der = NULL;
	long body_len = 0;

	while (bio != NULL && der == NULL &&
	       PEM_read_bio(bio, &name, &header, &body, &body_len) == 1) {
		if ((strcmp(name, PEM_STRING_X509) == 0 ||
		     strcmp(name, PEM_STRING_X509_OLD) == 0) &&
		    body_len > 0 && (der = malloc((size_t)body_len)) != NULL) {
			memcpy(der, body, (size_t)body_len);
			*der_len = (size_t)body_len;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(body);
		name = header = NULL;
		body = NULL;
	}
	BIO_free(bio);
	return der;
}

/* Exactly one DER certificate, or NULL. */
static X509 *parse_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *cert = X509_new_ex(crypto_libctx(), NULL);

	if (cert == NULL || len > LONG_MAX)
		goto fail;
	if (d2i_X509(&cert, &p, (long)len) == NULL)
		return NULL; /* d2i freed it */
	if (p == der + len)
		return cert;
fail:
	X509_free(cert);
	return NULL;
}

/* The certificate's public key, re-encoded as pubkey.c encodes keys. */
static enum keyfile_rc spki_of(X509 *cert, uint8_t **spki, size_t *spki_len)
{
	EVP_PKEY *pkey = X509_get0_pubkey(cert);
	unsigned char *buf = NULL;
	int len = pkey != NULL ? i2d_PUBKEY(pkey, &buf) : -1;

	if (len <= 0)
		return KEYFILE_MALFORMED;
	*spki = malloc((size_t)len);
	if (*spki != NULL) {
		memcpy(*spki, buf, (size_t)len);
		*spki_len = (size_t)len;
	}
	OPENSSL_free(buf);
	return *spki != NULL ? KEYFILE_OK : KEYFILE_NO_MEMORY;
}

enum keyfile_rc keyfile_cert_load(const uint8_t *data, size_t len,
				  uint8_t **der, size_t *der_len,
				  uint8_t **spki, size_t *spki_len)
{
	enum keyfile_rc rc;
	X509 *cert;

	*der = *spki = NULL;
	*der_len = *spki_len = 0;
	if (data == NULL || len == 0 || len > INT_MAX ||
	    crypto_libctx() == NULL)
		return KEYFILE_MALFORMED;
	ERR_set_mark();
	cert = parse_der(data, len);
	if (cert != NULL) {
		*der = malloc(len);
		if (*der != NULL) {
			memcpy(*der, data, len);
			*der_len = len;
		}
	} else {
		*der = pem_certificate(data, len, der_len);
		cert = *der != NULL ? parse_der(*der, *der_len) : NULL;
	}
	if (cert == NULL)
		rc = KEYFILE_MALFORMED;
	else if (*der == NULL)
		rc = KEYFILE_NO_MEMORY;
	else
		rc = spki_of(cert, spki, spki_len);
	X509_free(cert);
	ERR_pop_to_mark();
	if (rc != KEYFILE_OK) {
		free(*der);
		*der = NULL;
		*der_len = 0;
	}
	return rc;
}
