/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/pkey.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/crypto_internal.h"

struct pkey {
	EVP_PKEY *evp;
	bool rsa;
	size_t size;
};

struct pkey *pkey_from_spki(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	OSSL_LIB_CTX *ctx = crypto_libctx();
	struct pkey *key;
	int bits;

	if (ctx == NULL || der == NULL || len == 0 || len > 1 << 16)
		return NULL;
	key = calloc(1, sizeof(*key));
	if (key == NULL)
		return NULL;
	key->evp = d2i_PUBKEY_ex(NULL, &p, (long)len, ctx, NULL);
	if (key->evp == NULL || p != der + len) {
		pkey_free(key);
		return NULL;
	}
	key->rsa = EVP_PKEY_is_a(key->evp, "RSA");
	bits = EVP_PKEY_get_bits(key->evp);
	key->size = bits > 0 ? ((size_t)bits + 7) / 8 : 0;
	return key;
}

void pkey_free(struct pkey *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->evp);
	free(key);
}

size_t pkey_size(const struct pkey *key)
{
	return key->size;
}

static int rsa_padding_mode(enum pkey_padding padding)
{
	switch (padding) {
	case PKEY_PAD_PSS:
		return RSA_PKCS1_PSS_PADDING;
	case PKEY_PAD_OAEP:
		return RSA_PKCS1_OAEP_PADDING;
	case PKEY_PAD_NONE:
		return RSA_NO_PADDING;
	default:
		return RSA_PKCS1_PADDING;
	}
}

/* Applies the parameters to a verify or encrypt context. */
static bool set_params(EVP_PKEY_CTX *pctx, const struct pkey *key,
		       const struct pkey_params *p)
{
	OSSL_LIB_CTX *ctx = crypto_libctx();
	EVP_MD *md = NULL, *mgf = NULL;
	bool ok = true;

	if (!key->rsa)
		return true;
	ok = EVP_PKEY_CTX_set_rsa_padding(pctx,
					  rsa_padding_mode(p->padding)) > 0;
	if (ok && p->has_hash) {
		md = EVP_MD_fetch(ctx, crypto_digest_name(p->hash), NULL);
		ok = md != NULL &&
		     (p->padding == PKEY_PAD_OAEP ?
			      EVP_PKEY_CTX_set_rsa_oaep_md(pctx, md) > 0 :
			      EVP_PKEY_CTX_set_signature_md(pctx, md) > 0);
	}
	if (ok && (p->padding == PKEY_PAD_PSS ||
		   p->padding == PKEY_PAD_OAEP)) {
		mgf = EVP_MD_fetch(ctx, crypto_digest_name(p->mgf), NULL);
		ok = mgf != NULL && EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf) > 0;
	}
	if (ok && p->padding == PKEY_PAD_PSS)
		ok = EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
						      (int)p->salt_len) > 0;
	if (ok && p->padding == PKEY_PAD_OAEP && p->label_len > 0) {
		/* OpenSSL takes ownership of the label it is given. */
		void *label = OPENSSL_memdup(p->label, p->label_len);

		ok = label != NULL &&
		     EVP_PKEY_CTX_set0_rsa_oaep_label(pctx, label,
						      (int)p->label_len) > 0;
		if (!ok)
			OPENSSL_free(label);
	}
	EVP_MD_free(md);
	EVP_MD_free(mgf);
	return ok;
}

/* r || s to a DER ECDSA-Sig-Value; *der is OpenSSL's to free. */
static int ecdsa_der(const uint8_t *sig, size_t len, unsigned char **der)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)(len / 2), NULL);
	BIGNUM *s = BN_bin2bn(sig + len / 2, (int)(len / 2), NULL);
	int n = -1;

	*der = NULL;
	if (es != NULL && r != NULL && s != NULL &&
	    ECDSA_SIG_set0(es, r, s) == 1) {
		r = s = NULL;
		n = i2d_ECDSA_SIG(es, der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return n;
}

/* Raw RSA: the public operation's result compared with the block. */
static int verify_raw(EVP_PKEY_CTX *pctx, const struct pkey *key,
		      const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
		      size_t sig_len)
{
	uint8_t out[1024], want[1024];
	size_t out_len = sizeof(out);

	if (tbs_len > key->size || key->size > sizeof(out))
		return 0;
	if (EVP_PKEY_verify_recover_init(pctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_NO_PADDING) <= 0 ||
	    EVP_PKEY_verify_recover(pctx, out, &out_len, sig, sig_len) != 1)
		return 0;
	memset(want, 0, key->size - tbs_len);
	memcpy(want + key->size - tbs_len, tbs, tbs_len);
	return out_len == key->size && memcmp(out, want, out_len) == 0;
}

int pkey_verify(const struct pkey *key, const struct pkey_params *params,
		const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
		size_t sig_len)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(crypto_libctx(),
							key->evp, NULL);
	unsigned char *der = NULL;
	int rc = -1, n;

	if (pctx == NULL)
		return -1;
	/* A bad signature must leave nothing on the host's error queue. */
	ERR_set_mark();
	if (params->padding == PKEY_PAD_NONE) {
		rc = verify_raw(pctx, key, tbs, tbs_len, sig, sig_len);
		goto out;
	}
	if (params->padding == PKEY_PAD_ECDSA) {
		n = ecdsa_der(sig, sig_len, &der);
		if (n <= 0)
			goto out;
		sig = der;
		sig_len = (size_t)n;
	}
	if (EVP_PKEY_verify_init(pctx) != 1 || !set_params(pctx, key, params))
		goto out;
	/* OpenSSL says 0 or a negative number for a bad signature. */
	rc = EVP_PKEY_verify(pctx, sig, sig_len, tbs, tbs_len) == 1;
out:
	ERR_pop_to_mark();
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(pctx);
	return rc;
}

bool pkey_encrypt(const struct pkey *key, const struct pkey_params *params,
		  const uint8_t *in, size_t in_len, uint8_t *out,
		  size_t *out_len)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(crypto_libctx(),
							key->evp, NULL);
	bool ok;

	ERR_set_mark();
	ok = pctx != NULL && key->rsa && EVP_PKEY_encrypt_init(pctx) == 1 &&
	     set_params(pctx, key, params) &&
	     EVP_PKEY_encrypt(pctx, out, out_len, in, in_len) == 1;
	ERR_pop_to_mark();
	EVP_PKEY_CTX_free(pctx);
	return ok;
}
