/* SPDX-License-Identifier: BSD-3-Clause */
#include "token_verify.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "token_fixture.h"

/*
 * OpenSSL's view of what the token layer produced: public keys rebuilt
 * from a public object's attributes, and signatures checked with them.
 */

static EVP_PKEY *rsa_from_numbers(const uint8_t *n, size_t n_len,
				  const uint8_t *e, size_t e_len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn_n = BN_bin2bn(n, (int)n_len, NULL);
	BIGNUM *bn_e = BN_bin2bn(e, (int)e_len, NULL);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	OSSL_PARAM *params = NULL;
	EVP_PKEY *key = NULL;

	assert_true(bld && bn_n && bn_e && ctx);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N,
						bn_n),
			 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E,
						bn_e),
			 1);
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_non_null(params);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY,
					   params),
			 1);
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return key;
}

static EVP_PKEY *ec_from_point(const char *group, uint8_t *point,
			       size_t point_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						 (char *)group, 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						  point, point_len),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY *key = NULL;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY,
					   params),
			 1);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

EVP_PKEY *verify_rsa_public(struct tc_session *s, int64_t pub)
{
	uint8_t *n = NULL, *e = NULL;
	size_t n_len = 0, e_len = 0;
	EVP_PKEY *key;

	fixture_get_attr(s, pub, CKA_MODULUS, &n, &n_len);
	fixture_get_attr(s, pub, CKA_PUBLIC_EXPONENT, &e, &e_len);
	key = rsa_from_numbers(n, n_len, e, e_len);
	free(n);
	free(e);
	return key;
}

/* CKA_EC_POINT is a DER OCTET STRING around 04 || X || Y. */
EVP_PKEY *verify_ec_public(struct tc_session *s, int64_t pub,
			   const char *group)
{
	uint8_t *der = NULL;
	size_t len = 0, header;
	EVP_PKEY *key;

	fixture_get_attr(s, pub, CKA_EC_POINT, &der, &len);
	assert_true(len > 3);
	assert_int_equal(der[0], 0x04);
	header = der[1] == 0x81 ? 3 : 2;
	assert_int_equal(len - header, der[header - 1]);
	key = ec_from_point(group, der + header, len - header);
	free(der);
	return key;
}

/* CKA_PUBLIC_KEY_INFO must be the same key as the numbers. */
void verify_assert_spki(struct tc_session *s, int64_t id, EVP_PKEY *key)
{
	uint8_t *der = NULL;
	const uint8_t *p;
	size_t len = 0;
	EVP_PKEY *spki;

	fixture_get_attr(s, id, CKA_PUBLIC_KEY_INFO, &der, &len);
	p = der;
	spki = d2i_PUBKEY(NULL, &p, (long)len);
	assert_non_null(spki);
	assert_int_equal(EVP_PKEY_eq(spki, key), 1);
	EVP_PKEY_free(spki);
	free(der);
}

/* r || s to a DER ECDSA-Sig-Value; free with OPENSSL_free(). */
static size_t ecdsa_der(const uint8_t *sig, size_t len, uint8_t **der)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)(len / 2), NULL);
	BIGNUM *ss = BN_bin2bn(sig + len / 2, (int)(len / 2), NULL);
	int der_len;

	assert_true(s && r && ss);
	assert_int_equal(ECDSA_SIG_set0(s, r, ss), 1);
	*der = NULL;
	der_len = i2d_ECDSA_SIG(s, der);
	assert_true(der_len > 0);
	ECDSA_SIG_free(s);
	return (size_t)der_len;
}

static bool is_ec(EVP_PKEY *key)
{
	return EVP_PKEY_is_a(key, "EC");
}

/* A hash-and-sign signature of msg. */
bool verify_hashed(EVP_PKEY *key, const char *md, const void *msg,
		   size_t msg_len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t *der = NULL;
	bool ok;

	if (is_ec(key))
		sig_len = ecdsa_der(sig, sig_len, &der);
	assert_int_equal(EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL,
						 key, NULL),
			 1);
	ok = EVP_DigestVerify(ctx, der ? der : sig, sig_len, msg, msg_len) ==
	     1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return ok;
}

/* A raw ECDSA signature over data as given (OpenSSL fits it itself). */
bool verify_raw_ecdsa(EVP_PKEY *key, const uint8_t *data, size_t len,
		      const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	uint8_t *der = NULL;
	size_t der_len = ecdsa_der(sig, sig_len, &der);
	bool ok;

	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	ok = EVP_PKEY_verify(ctx, der, der_len, data, len) == 1;
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	return ok;
}

/* What a PKCS#1 v1.5 signature carries, recovered with the public key. */
size_t verify_rsa_recover(EVP_PKEY *key, const uint8_t *sig,
			  size_t sig_len, uint8_t *out, size_t out_cap)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	size_t len = out_cap;

	assert_int_equal(EVP_PKEY_verify_recover_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
						      RSA_PKCS1_PADDING),
			 1);
	assert_int_equal(EVP_PKEY_verify_recover(ctx, out, &len, sig,
						 sig_len),
			 1);
	EVP_PKEY_CTX_free(ctx);
	return len;
}
