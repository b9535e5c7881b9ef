/* SPDX-License-Identifier: BSD-3-Clause */
/* A broken module cannot look fast: results are checked with OpenSSL. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "bench.h"

static EVP_PKEY *public_key(const uint8_t *spki, size_t len)
{
	const unsigned char *p = spki;

	return d2i_PUBKEY(NULL, &p, (long)len);
}

/* r || s to the DER signature OpenSSL verifies. */
static int ecdsa_der(const uint8_t *sig, size_t len, unsigned char **der)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)(len / 2), NULL);
	BIGNUM *s = BN_bin2bn(sig + len / 2, (int)(len / 2), NULL);
	int n = -1;

	*der = NULL;
	if (es != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(es, r, s)) {
		r = s = NULL;
		n = i2d_ECDSA_SIG(es, der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return n;
}

static bool verify_digest_sign(EVP_PKEY *key, bool pss, bool ec,
			       const uint8_t *in, size_t in_len,
			       const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	bool ok = false;

	if (ec) {
		int n = ecdsa_der(sig, sig_len, &der);

		if (n <= 0)
			goto out;
		sig = der;
		sig_len = (size_t)n;
	}
	if (ctx == NULL ||
	    EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, key) != 1)
		goto out;
	if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <=
			    0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) <= 0))
		goto out;
	ok = EVP_DigestVerify(ctx, sig, sig_len, in, in_len) == 1;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* CKM_RSA_PKCS over a DigestInfo: the public operation gives it back. */
static bool verify_raw_pkcs1(EVP_PKEY *key, const uint8_t *in, size_t in_len,
			     const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	uint8_t out[1024];
	size_t out_len = sizeof(out);
	bool ok = ctx != NULL && EVP_PKEY_verify_recover_init(ctx) == 1 &&
		  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
		  EVP_PKEY_verify_recover(ctx, out, &out_len, sig, sig_len) ==
			  1 &&
		  out_len == in_len && memcmp(out, in, in_len) == 0;

	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static EVP_PKEY *peer_key;

bool ecdh_peer_point(uint8_t *point, size_t *len)
{
	if (peer_key == NULL)
		peer_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return peer_key != NULL &&
	       EVP_PKEY_get_octet_string_param(peer_key, "pub", point, 65,
					       len) == 1 &&
	       *len == 65;
}

/* The shared secret's x, as the peer computes it from its side. */
static bool verify_ecdh(const uint8_t *spki, size_t spki_len,
			const uint8_t *out, size_t out_len)
{
	EVP_PKEY *token = public_key(spki, spki_len);
	EVP_PKEY_CTX *ctx = peer_key ? EVP_PKEY_CTX_new(peer_key, NULL) : NULL;
	uint8_t z[66];
	size_t z_len = sizeof(z);
	bool ok = token != NULL && ctx != NULL &&
		  EVP_PKEY_derive_init(ctx) == 1 &&
		  EVP_PKEY_derive_set_peer(ctx, token) == 1 &&
		  EVP_PKEY_derive(ctx, z, &z_len) == 1 && z_len == out_len &&
		  memcmp(z, out, z_len) == 0;

	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(token);
	return ok;
}

/* AES-256-CBC (zero IV) or HMAC-SHA256 with the key the bench knows. */
static bool verify_secret(const struct bench_mech *m, const uint8_t *in,
			  size_t in_len, const uint8_t *out, size_t out_len)
{
	uint8_t key[32], want[8192], iv[16] = { 0 };
	unsigned int n = 0;
	int len = 0;
	EVP_CIPHER_CTX *ctx;
	bool ok;

	bench_secret_value(m, key);
	if (m->key_type == CKK_GENERIC_SECRET)
		return HMAC(EVP_sha256(), key, 32, in, in_len, want, &n) !=
			       NULL &&
		       n == out_len && memcmp(want, out, n) == 0;
	if (in_len > sizeof(want))
		return false;
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx != NULL &&
	     EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     EVP_EncryptUpdate(ctx, want, &len, in, (int)in_len) == 1 &&
	     (size_t)len == out_len && memcmp(want, out, out_len) == 0;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

bool verify_result(const struct bench_mech *m, const uint8_t *spki,
		   size_t spki_len, const uint8_t *input, size_t input_len,
		   const uint8_t *out, size_t out_len)
{
	EVP_PKEY *key;
	bool ok;

	if (m->op == OP_DERIVE)
		return verify_ecdh(spki, spki_len, out, out_len);
	if (bench_is_secret(m))
		return verify_secret(m, input, input_len, out, out_len);

	if (m->op == OP_DECRYPT) /* the plaintext the bench encrypted */
		return out_len == input_len &&
		       memcmp(out, input, input_len) == 0;
	key = public_key(spki, spki_len);
	if (key == NULL)
		return false;
	if (m->type == CKM_RSA_PKCS)
		ok = verify_raw_pkcs1(key, input, input_len, out, out_len);
	else
		ok = verify_digest_sign(key, m->type == CKM_SHA256_RSA_PKCS_PSS,
					m->key_type == CKK_EC, input,
					input_len, out, out_len);
	EVP_PKEY_free(key);
	return ok;
}

bool oaep_encrypt(const uint8_t *spki, size_t spki_len, const uint8_t *in,
		  size_t in_len, uint8_t *out, size_t *out_len)
{
	EVP_PKEY *key = public_key(spki, spki_len);
	EVP_PKEY_CTX *ctx = key ? EVP_PKEY_CTX_new(key, NULL) : NULL;
	bool ok = ctx != NULL && EVP_PKEY_encrypt_init(ctx) == 1 &&
		  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) >
			  0 &&
		  EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) > 0 &&
		  EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0 &&
		  EVP_PKEY_encrypt(ctx, out, out_len, in, in_len) == 1;

	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ok;
}
