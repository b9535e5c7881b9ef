/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/keyfile.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "common/crypto_internal.h"

#define MAX_FILE (16 * 1024)

static const char *const rsa_params[] = {
	OSSL_PKEY_PARAM_RSA_N,	       OSSL_PKEY_PARAM_RSA_E,
	OSSL_PKEY_PARAM_RSA_D,	       OSSL_PKEY_PARAM_RSA_FACTOR1,
	OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
	OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

/* The file's bytes in a secbuf: it holds a private key. */
static struct secbuf *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct secbuf *buf;

	if (f == NULL)
		return NULL;
	buf = secbuf_new(MAX_FILE);
	if (buf != NULL) {
		buf->len = fread(buf->data, 1, buf->cap, f);
		if (ferror(f) || buf->len == 0 || buf->len == buf->cap) {
			secbuf_free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static EVP_PKEY *decode(const struct secbuf *data, const char *passphrase)
{
	const unsigned char *p = data->data;
	size_t len = data->len;
	EVP_PKEY *pkey = NULL;
	OSSL_DECODER_CTX *ctx = OSSL_DECODER_CTX_new_for_pkey(
		&pkey, NULL, NULL, NULL, EVP_PKEY_KEYPAIR, crypto_libctx(),
		NULL);

	if (ctx != NULL && passphrase != NULL)
		OSSL_DECODER_CTX_set_passphrase(ctx,
						(const unsigned char *)passphrase,
						strlen(passphrase));
	if (ctx == NULL || OSSL_DECODER_from_data(ctx, &p, &len) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_DECODER_CTX_free(ctx);
	return pkey;
}

static struct secbuf *bn_part(const EVP_PKEY *pkey, const char *name)
{
	BIGNUM *bn = NULL;
	struct secbuf *out = NULL;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) == 1 &&
	    (out = secbuf_new((size_t)BN_num_bytes(bn) + 1)) != NULL)
		out->len = (size_t)BN_bn2bin(bn, out->data);
	BN_clear_free(bn);
	return out;
}

static bool rsa_parts(const EVP_PKEY *pkey, struct keyfile *key)
{
	key->rsa = true;
	for (size_t i = 0; i < KEYFILE_PARTS; i++) {
		key->part[i] = bn_part(pkey, rsa_params[i]);
		if (key->part[i] == NULL)
			return false;
	}
	return true;
}

static bool ec_parts(const EVP_PKEY *pkey, struct keyfile *key,
		     const char **why)
{
	char group[64] = "";
	size_t len = 0;

	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
					   group, sizeof(group), &len) != 1)
		return false;
	if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
		key->curve = "P-256";
	else if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0)
		key->curve = "P-384";
	else if (strcmp(group, "secp521r1") == 0 || strcmp(group, "P-521") == 0)
		key->curve = "P-521";
	else {
		*why = "a curve the token does not have (P-256, P-384, "
		       "P-521)";
		return false;
	}
	key->part[KEYFILE_EC_D] = bn_part(pkey, OSSL_PKEY_PARAM_PRIV_KEY);
	key->part[KEYFILE_EC_POINT] = secbuf_new(1 + 2 * 66);
	return key->part[KEYFILE_EC_D] != NULL &&
	       key->part[KEYFILE_EC_POINT] != NULL &&
	       EVP_PKEY_get_octet_string_param(
		       pkey, OSSL_PKEY_PARAM_PUB_KEY,
		       key->part[KEYFILE_EC_POINT]->data,
		       key->part[KEYFILE_EC_POINT]->cap,
		       &key->part[KEYFILE_EC_POINT]->len) == 1;
}

bool keyfile_load(const char *path, const char *passphrase,
		  struct keyfile *out, const char **why)
{
	struct secbuf *data = read_file(path);
	EVP_PKEY *pkey;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	*why = "cannot read the file";
	if (data == NULL)
		return false;
	/* A failed decode must leave nothing on OpenSSL's error queue. */
	ERR_set_mark();
	pkey = decode(data, passphrase);
	secbuf_free(data);
	*why = "not a private key (or a wrong passphrase)";
	if (pkey != NULL && EVP_PKEY_is_a(pkey, "RSA")) {
		ok = rsa_parts(pkey, out);
	} else if (pkey != NULL && EVP_PKEY_is_a(pkey, "EC")) {
		ok = ec_parts(pkey, out, why);
	} else if (pkey != NULL) {
		*why = "not an RSA or EC key";
	}
	ERR_pop_to_mark();
	EVP_PKEY_free(pkey);
	if (!ok)
		keyfile_clear(out);
	return ok;
}

void keyfile_clear(struct keyfile *key)
{
	for (size_t i = 0; i < KEYFILE_PARTS; i++)
		secbuf_free(key->part[i]);
	memset(key, 0, sizeof(*key));
}
