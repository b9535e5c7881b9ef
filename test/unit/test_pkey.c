/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/crypto.h"
#include "common/pkey.h"
#include "common/pubkey.h"
#include "common/rsa_pad.h"

/*
 * OpenSSL's EVP API is the reference: it makes the keys, signatures and
 * SubjectPublicKeyInfos, and decrypts what pkey_encrypt produced.
 */

/* DER DigestInfo prefixes, as in src/token/token_sigmech.c. */
static const uint8_t di_sha1[] = { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b,
				   0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
				   0x14 };
static const uint8_t di_sha224[] = { 0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60,
				     0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
				     0x04, 0x05, 0x00, 0x04, 0x1c };
static const uint8_t di_sha256[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
				     0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
				     0x01, 0x05, 0x00, 0x04, 0x20 };
static const uint8_t di_sha384[] = { 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60,
				     0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
				     0x02, 0x05, 0x00, 0x04, 0x30 };
static const uint8_t di_sha512[] = { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60,
				     0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
				     0x03, 0x05, 0x00, 0x04, 0x40 };

static const struct {
	enum crypto_digest alg;
	const uint8_t *prefix;
	size_t prefix_len;
} digest_infos[] = {
	{ CRYPTO_SHA1, di_sha1, sizeof(di_sha1) },
	{ CRYPTO_SHA224, di_sha224, sizeof(di_sha224) },
	{ CRYPTO_SHA256, di_sha256, sizeof(di_sha256) },
	{ CRYPTO_SHA384, di_sha384, sizeof(di_sha384) },
	{ CRYPTO_SHA512, di_sha512, sizeof(di_sha512) },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_K PUBKEY_RSA_MAX_BYTES
#define MAX_FIELD 66

struct rsa_fixture {
	size_t bits;
	unsigned long e;
	EVP_PKEY *ossl;
	size_t k;
	uint8_t n[MAX_K];	/* k bytes */
};

struct ec_fixture {
	const char *curve;	/* OpenSSL's NIST name */
	int nid;
	size_t field;
	EVP_PKEY *ossl;
	uint8_t point[1 + 2 * MAX_FIELD];
	size_t point_len;
	uint8_t order[MAX_FIELD];	/* field bytes */
};

static struct rsa_fixture rsa_keys[] = {
	{ .bits = 2048, .e = 65537 },
	{ .bits = 3072, .e = 65537 },
	/*
	 * emLen = k - 1 for PSS: a modulus of 8 m + 1 bits (OpenSSL 3.0
	 * makes 2048 bits when asked for 2049, but 1025 when asked for it).
	 */
	{ .bits = 1025, .e = 65537 },
	{ .bits = 2048, .e = 3 },
};

static struct ec_fixture ec_keys[] = {
	{ .curve = "P-256", .nid = NID_X9_62_prime256v1, .field = 32 },
	{ .curve = "P-384", .nid = NID_secp384r1, .field = 48 },
	{ .curve = "P-521", .nid = NID_secp521r1, .field = 66 },
};

#define RSA_2048 (&rsa_keys[0])
#define RSA_3072 (&rsa_keys[1])
#define EC_P256 (&ec_keys[0])
#define EC_P384 (&ec_keys[1])
#define EC_P521 (&ec_keys[2])

static EVP_PKEY *rsa_keygen(size_t bits, unsigned long e)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key = NULL;
	BIGNUM *pubexp;

	if (e == 65537)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
	/* Another public exponent: EVP_PKEY_Q_keygen has no parameter. */
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	pubexp = BN_new();
	if (ctx == NULL || pubexp == NULL || !BN_set_word(pubexp, e) ||
	    EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) != 1 ||
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, pubexp) != 1 ||
	    EVP_PKEY_generate(ctx, &key) != 1) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	BN_free(pubexp);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static int setup(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++) {
		struct rsa_fixture *r = &rsa_keys[i];
		BIGNUM *n = NULL;

		r->ossl = rsa_keygen(r->bits, r->e);
		if (r->ossl == NULL ||
		    EVP_PKEY_get_bn_param(r->ossl, OSSL_PKEY_PARAM_RSA_N, &n) !=
			    1)
			return -1;
		r->k = (size_t)EVP_PKEY_get_size(r->ossl);
		if (BN_num_bits(n) != (int)r->bits ||
		    BN_bn2binpad(n, r->n, (int)r->k) != (int)r->k) {
			BN_free(n);
			return -1;
		}
		BN_free(n);
	}
	for (size_t i = 0; i < ARRAY_LEN(ec_keys); i++) {
		struct ec_fixture *c = &ec_keys[i];
		EC_GROUP *group = EC_GROUP_new_by_curve_name(c->nid);
		int ok;

		c->ossl = EVP_PKEY_Q_keygen(NULL, NULL, "EC", c->curve);
		ok = group != NULL && c->ossl != NULL &&
		     EVP_PKEY_get_octet_string_param(
			     c->ossl, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
			     c->point, sizeof(c->point), &c->point_len) == 1 &&
		     c->point_len == 1 + 2 * c->field &&
		     BN_bn2binpad(EC_GROUP_get0_order(group), c->order,
				  (int)c->field) == (int)c->field;
		EC_GROUP_free(group);
		if (!ok)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++)
		EVP_PKEY_free(rsa_keys[i].ossl);
	for (size_t i = 0; i < ARRAY_LEN(ec_keys); i++)
		EVP_PKEY_free(ec_keys[i].ossl);
	crypto_shutdown();
	return 0;
}

static const EVP_MD *md_of(enum crypto_digest alg)
{
	switch (alg) {
	case CRYPTO_SHA1:
		return EVP_sha1();
	case CRYPTO_SHA224:
		return EVP_sha224();
	case CRYPTO_SHA256:
		return EVP_sha256();
	case CRYPTO_SHA384:
		return EVP_sha384();
	case CRYPTO_SHA512:
		return EVP_sha512();
	default:
		fail_msg("no such digest %d", (int)alg);
		return NULL;
	}
}

/* The digest of a fixed message (varied by tag), by OpenSSL. */
static size_t digest_of(enum crypto_digest alg, int tag, uint8_t *out)
{
	char msg[32];
	unsigned int n = 0;
	int len = snprintf(msg, sizeof(msg), "message %d", tag);

	assert_int_equal(EVP_Digest(msg, (size_t)len, out, &n, md_of(alg),
				    NULL),
			 1);
	return n;
}

/* OpenSSL's SubjectPublicKeyInfo of a key; OPENSSL_free it. */
static uint8_t *spki_of(EVP_PKEY *key, size_t *len)
{
	uint8_t *der = NULL;
	int n = i2d_PUBKEY(key, &der);

	assert_true(n > 0);
	*len = (size_t)n;
	return der;
}

static struct pkey *our_key(EVP_PKEY *ossl)
{
	size_t len;
	uint8_t *der = spki_of(ossl, &len);
	struct pkey *key = pkey_from_spki(der, len);

	assert_non_null(key);
	OPENSSL_free(der);
	return key;
}

/* ---- SubjectPublicKeyInfo: reading, writing, sizes ---- */

static void rsa_spki(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++) {
		const struct rsa_fixture *r = &rsa_keys[i];
		uint8_t padded[MAX_K + 1], *ours = NULL, *ossl;
		size_t ours_len = 0, ossl_len;
		struct pkey *key;

		ossl = spki_of(r->ossl, &ossl_len);
		key = pkey_from_spki(ossl, ossl_len);
		assert_non_null(key);
		assert_int_equal(r->k, (r->bits + 7) / 8);
		assert_int_equal(pkey_size(key), r->k);
		pkey_free(key);

		assert_true(pubkey_rsa_spki(r->n, r->k, (uint32_t)r->e, &ours,
					    &ours_len));
		assert_int_equal(ours_len, ossl_len);
		assert_memory_equal(ours, ossl, ossl_len);
		free(ours);

		/* A leading zero byte of the modulus changes nothing. */
		padded[0] = 0;
		memcpy(padded + 1, r->n, r->k);
		assert_true(pubkey_rsa_spki(padded, r->k + 1, (uint32_t)r->e,
					    &ours, &ours_len));
		assert_int_equal(ours_len, ossl_len);
		assert_memory_equal(ours, ossl, ossl_len);
		free(ours);
		OPENSSL_free(ossl);
	}
	assert_int_equal(RSA_2048->k, 256);
	assert_int_equal(RSA_3072->k, 384);
	assert_int_equal(rsa_keys[2].k, 129);
}

static void rsa_spki_malformed(void **state)
{
	static const uint8_t zeros[4];
	uint8_t big[MAX_K + 1];
	uint8_t *der = (uint8_t *)1;
	size_t len = 1;

	assert_false(pubkey_rsa_spki(zeros, sizeof(zeros), 65537, &der, &len));
	assert_null(der);
	assert_int_equal(len, 0);
	assert_false(pubkey_rsa_spki(RSA_2048->n, 0, 65537, &der, &len));
	assert_false(pubkey_rsa_spki(RSA_2048->n, RSA_2048->k, 0, &der,
				     &len));
	memset(big, 0xc5, sizeof(big));
	assert_false(pubkey_rsa_spki(big, sizeof(big), 65537, &der, &len));
	/* The largest modulus is still written. */
	assert_true(pubkey_rsa_spki(big, MAX_K, 65537, &der, &len));
	free(der);
}

static void ec_spki(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(ec_keys); i++) {
		const struct ec_fixture *c = &ec_keys[i];
		uint8_t *ours = NULL, *ossl;
		size_t ours_len = 0, ossl_len;
		struct pkey *key;

		ossl = spki_of(c->ossl, &ossl_len);
		key = pkey_from_spki(ossl, ossl_len);
		assert_non_null(key);
		assert_int_equal(pkey_size(key), c->field);
		pkey_free(key);

		assert_true(pubkey_ec_spki(c->curve, c->point, c->point_len,
					   &ours, &ours_len));
		assert_int_equal(ours_len, ossl_len);
		assert_memory_equal(ours, ossl, ossl_len);
		/* What we wrote we read. */
		key = pkey_from_spki(ours, ours_len);
		assert_non_null(key);
		assert_int_equal(pkey_size(key), c->field);
		pkey_free(key);
		free(ours);
		OPENSSL_free(ossl);
	}
	assert_int_equal(EC_P256->field, 32);
	assert_int_equal(EC_P384->field, 48);
	assert_int_equal(EC_P521->field, 66);
}

static void ec_point_refused(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(ec_keys); i++) {
		const struct ec_fixture *c = &ec_keys[i];
		uint8_t point[1 + 2 * MAX_FIELD], *der = (uint8_t *)1, *ossl;
		size_t len = 1, ossl_len;

		/* The last byte of Y flipped: not on the curve. */
		memcpy(point, c->point, c->point_len);
		point[c->point_len - 1] ^= 0x01;
		assert_false(pubkey_ec_spki(c->curve, point, c->point_len,
					    &der, &len));
		assert_null(der);
		assert_int_equal(len, 0);
		ossl = spki_of(c->ossl, &ossl_len);
		ossl[ossl_len - 1] ^= 0x01;
		assert_null(pkey_from_spki(ossl, ossl_len));
		/* A byte in the middle of Y. */
		ossl[ossl_len - 1] ^= 0x01;
		ossl[ossl_len - c->field / 2] ^= 0x40;
		assert_null(pkey_from_spki(ossl, ossl_len));
		OPENSSL_free(ossl);

		/* Not uncompressed, truncated, empty. */
		memcpy(point, c->point, c->point_len);
		point[0] = 0x06;
		assert_false(pubkey_ec_spki(c->curve, point, c->point_len,
					    &der, &len));
		point[0] = 0x04;
		assert_false(pubkey_ec_spki(c->curve, point, c->point_len - 1,
					    &der, &len));
		assert_false(pubkey_ec_spki(c->curve, point, 1, &der, &len));
		/* The point of another curve. */
		assert_false(pubkey_ec_spki(ec_keys[(i + 1) % 3].curve,
					    c->point, c->point_len, &der,
					    &len));
	}
}

static void ec_curve_names(void **state)
{
	static const uint8_t p256[] = { 0x2a, 0x86, 0x48, 0xce,
					0x3d, 0x03, 0x01, 0x07 };
	static const uint8_t p384[] = { 0x2b, 0x81, 0x04, 0x00, 0x22 };
	static const uint8_t p521[] = { 0x2b, 0x81, 0x04, 0x00, 0x23 };
	static const uint8_t k256[] = { 0x2b, 0x81, 0x04, 0x00, 0x0a };
	uint8_t *der = NULL;
	size_t len = 0;

	assert_int_equal(pubkey_curve_nid(p256, sizeof(p256)),
			 NID_X9_62_prime256v1);
	assert_int_equal(pubkey_curve_nid(p384, sizeof(p384)), NID_secp384r1);
	assert_int_equal(pubkey_curve_nid(p521, sizeof(p521)), NID_secp521r1);
	assert_int_equal(pubkey_curve_nid(k256, sizeof(k256)), NID_undef);
	assert_int_equal(pubkey_curve_nid(p256, sizeof(p256) - 1), NID_undef);
	assert_false(pubkey_ec_spki("secp256k1", EC_P256->point,
				    EC_P256->point_len, &der, &len));
	assert_false(pubkey_ec_spki("P-224", EC_P256->point,
				    EC_P256->point_len, &der, &len));
}

static void ec_point_of_scalar(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(ec_keys); i++) {
		const struct ec_fixture *c = &ec_keys[i];
		uint8_t d[MAX_FIELD], point[1 + 2 * MAX_FIELD];
		BIGNUM *priv = NULL;

		assert_int_equal(EVP_PKEY_get_bn_param(c->ossl,
						       OSSL_PKEY_PARAM_PRIV_KEY,
						       &priv),
				 1);
		assert_int_equal(BN_bn2binpad(priv, d, (int)c->field),
				 (int)c->field);
		BN_clear_free(priv);
		memset(point, 0, sizeof(point));
		assert_true(pubkey_ec_point_of(c->curve, d, c->field, point,
					       c->point_len));
		assert_memory_equal(point, c->point, c->point_len);
		assert_true(pubkey_ec_point_of(OBJ_nid2sn(c->nid), d, c->field,
					       point, c->point_len));
		assert_memory_equal(point, c->point, c->point_len);
		/* 0 and the order are not scalars. */
		memset(d, 0, sizeof(d));
		assert_false(pubkey_ec_point_of(c->curve, d, c->field, point,
						c->point_len));
		assert_false(pubkey_ec_point_of(c->curve, c->order, c->field,
						point, c->point_len));
		/* Nor the order + 1 (which would give the generator). */
		memcpy(d, c->order, c->field);
		for (size_t j = c->field; j-- > 0 && ++d[j] == 0;)
			;
		assert_false(pubkey_ec_point_of(c->curve, d, c->field, point,
						c->point_len));
	}
}

/* The header size of a DER element, *content its content length. */
static size_t elem_header(const uint8_t *p, size_t *content)
{
	if (p[1] < 0x80) {
		*content = p[1];
		return 2;
	}
	*content = 0;
	for (size_t i = 0; i < (size_t)(p[1] & 0x7f); i++)
		*content = (*content << 8) | p[2 + i];
	return 2 + (p[1] & 0x7f);
}

/* The offset of the BIT STRING's unused-bits count in an SPKI. */
static size_t unused_bits_at(const uint8_t *spki)
{
	size_t content, at = elem_header(spki, &content);

	at += elem_header(spki + at, &content); /* AlgorithmIdentifier */
	at += content;
	assert_int_equal(spki[at], 0x03);
	return at + elem_header(spki + at, &content);
}

/* A tag and length (content below 64 KiB) at out; returns its size. */
static size_t put_header(uint8_t tag, size_t content, uint8_t *out)
{
	out[0] = tag;
	if (content < 0x80) {
		out[1] = (uint8_t)content;
		return 2;
	}
	if (content < 0x100) {
		out[1] = 0x81;
		out[2] = (uint8_t)content;
		return 3;
	}
	out[1] = 0x82;
	out[2] = (uint8_t)(content >> 8);
	out[3] = (uint8_t)content;
	return 4;
}

/*
 * The SubjectPublicKeyInfo spki with its AlgorithmIdentifier's content
 * replaced by alg, into out; returns its length.
 */
static size_t spki_with_alg(const uint8_t *spki, const uint8_t *alg,
			    size_t alg_len, uint8_t *out)
{
	uint8_t inner[MAX_K + 128];
	size_t content, at = elem_header(spki, &content), alg_content;
	size_t alg_header = elem_header(spki + at, &alg_content);
	const uint8_t *bits = spki + at + alg_header + alg_content;
	size_t bits_len = content - alg_header - alg_content, n;

	n = put_header(0x30, alg_len, inner);
	memcpy(inner + n, alg, alg_len);
	n += alg_len;
	memcpy(inner + n, bits, bits_len);
	n += bits_len;
	at = put_header(0x30, n, out);
	memcpy(out + at, inner, n);
	return at + n;
}

/* pkey_from_spki of spki with this AlgorithmIdentifier content. */
static bool alg_taken(const uint8_t *spki, const uint8_t *alg, size_t len)
{
	uint8_t der[MAX_K + 256];
	struct pkey *key = pkey_from_spki(der, spki_with_alg(spki, alg, len,
							     der));

	pkey_free(key);
	return key != NULL;
}

static void spki_algorithm_parameters(void **state)
{
#define RSA_OID \
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01
#define EC_OID 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01
#define P256_OID 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
	static const uint8_t rsa_null[] = { RSA_OID, 0x05, 0x00 };
	static const uint8_t rsa_absent[] = { RSA_OID };
	static const uint8_t rsa_two_null[] = { RSA_OID, 0x05, 0x00, 0x05,
						0x00 };
	static const uint8_t rsa_null_content[] = { RSA_OID, 0x05, 0x01,
						    0x00 };
	static const uint8_t rsa_int[] = { RSA_OID, 0x02, 0x01, 0x00 };
	static const uint8_t ec_p256[] = { EC_OID, P256_OID };
	static const uint8_t ec_trailing[] = { EC_OID, P256_OID, 0x05, 0x00 };
	static const uint8_t ec_absent[] = { EC_OID };
	static const uint8_t ec_null[] = { EC_OID, 0x05, 0x00 };
	static const uint8_t ec_rsa[] = { RSA_OID, P256_OID };
	size_t rsa_len, ec_len;
	uint8_t *rsa = spki_of(RSA_2048->ossl, &rsa_len);
	uint8_t *ec = spki_of(EC_P256->ossl, &ec_len);
	uint8_t der[MAX_K + 256];

	/* Rebuilt with the same parameters: OpenSSL's bytes. */
	assert_int_equal(spki_with_alg(rsa, rsa_null, sizeof(rsa_null), der),
			 rsa_len);
	assert_memory_equal(der, rsa, rsa_len);
	assert_int_equal(spki_with_alg(ec, ec_p256, sizeof(ec_p256), der),
			 ec_len);
	assert_memory_equal(der, ec, ec_len);
	assert_true(alg_taken(rsa, rsa_null, sizeof(rsa_null)));
	assert_true(alg_taken(ec, ec_p256, sizeof(ec_p256)));
	/* RSA's NULL may be left out, but nothing else. */
	assert_true(alg_taken(rsa, rsa_absent, sizeof(rsa_absent)));
	assert_false(alg_taken(rsa, rsa_two_null, sizeof(rsa_two_null)));
	assert_false(alg_taken(rsa, rsa_null_content,
			       sizeof(rsa_null_content)));
	assert_false(alg_taken(rsa, rsa_int, sizeof(rsa_int)));
	/* EC needs exactly its named curve. */
	assert_false(alg_taken(ec, ec_trailing, sizeof(ec_trailing)));
	assert_false(alg_taken(ec, ec_absent, sizeof(ec_absent)));
	assert_false(alg_taken(ec, ec_null, sizeof(ec_null)));
	/* Key bits of the other type. */
	assert_false(alg_taken(ec, ec_rsa, sizeof(ec_rsa)));
	assert_false(alg_taken(ec, rsa_null, sizeof(rsa_null)));
	assert_false(alg_taken(rsa, ec_p256, sizeof(ec_p256)));
	OPENSSL_free(rsa);
	OPENSSL_free(ec);
#undef RSA_OID
#undef EC_OID
#undef P256_OID
}

static void spki_refused(void **state)
{
	static const char *const other_curves[] = { "secp256k1", "P-224",
						    "brainpoolP256r1" };
	static const char *const other_algs[] = { "ED25519", "X25519" };
	uint8_t *der, *longer, *even = NULL;
	size_t len, even_len, at;
	uint8_t n[MAX_K];
	struct pkey *odd;

	assert_null(pkey_from_spki(NULL, 0));
	for (size_t i = 0; i < ARRAY_LEN(rsa_keys) + ARRAY_LEN(ec_keys); i++) {
		EVP_PKEY *k = i < ARRAY_LEN(rsa_keys) ?
				      rsa_keys[i].ossl :
				      ec_keys[i - ARRAY_LEN(rsa_keys)].ossl;
		struct pkey *key;

		der = spki_of(k, &len);
		/* Trailing bytes. */
		longer = malloc(len + 2);
		assert_non_null(longer);
		memcpy(longer, der, len);
		longer[len] = 0x00;
		longer[len + 1] = 0x00;
		assert_null(pkey_from_spki(longer, len + 1));
		assert_null(pkey_from_spki(longer, len + 2));
		free(longer);
		/* Truncated. */
		assert_null(pkey_from_spki(der, len - 1));
		assert_null(pkey_from_spki(der, len / 2));
		assert_null(pkey_from_spki(der, 2));
		assert_null(pkey_from_spki(der, 0));
		/* Unused bits in the BIT STRING. */
		at = unused_bits_at(der);
		assert_int_equal(der[at], 0x00);
		der[at] = 0x01;
		assert_null(pkey_from_spki(der, len));
		der[at] = 0x00;
		key = pkey_from_spki(der, len);
		assert_non_null(key);
		pkey_free(key);
		OPENSSL_free(der);
	}

	/* Unknown algorithms: OpenSSL's Ed25519, X25519; rsassaPss. */
	for (size_t i = 0; i < ARRAY_LEN(other_algs); i++) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, other_algs[i]);

		assert_non_null(k);
		der = spki_of(k, &len);
		assert_null(pkey_from_spki(der, len));
		OPENSSL_free(der);
		EVP_PKEY_free(k);
	}
	der = spki_of(RSA_2048->ossl, &len);
	assert_int_equal(der[4 + 2 + 2 + 8], 0x01); /* ...1.1.1 */
	der[4 + 2 + 2 + 8] = 0x0a;		    /* ...1.1.10 */
	assert_null(pkey_from_spki(der, len));
	OPENSSL_free(der);

	/* EC on curves the module does not take. */
	for (size_t i = 0; i < ARRAY_LEN(other_curves); i++) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
						other_curves[i]);

		assert_non_null(k);
		der = spki_of(k, &len);
		assert_null(pkey_from_spki(der, len));
		OPENSSL_free(der);
		EVP_PKEY_free(k);
	}

	/* An even RSA modulus (the same one, odd, is taken). */
	memcpy(n, RSA_2048->n, RSA_2048->k);
	assert_true(pubkey_rsa_spki(n, RSA_2048->k, 65537, &even, &even_len));
	odd = pkey_from_spki(even, even_len);
	assert_non_null(odd);
	pkey_free(odd);
	free(even);
	n[RSA_2048->k - 1] ^= 0x01;
	assert_true(pubkey_rsa_spki(n, RSA_2048->k, 65537, &even, &even_len));
	assert_null(pkey_from_spki(even, even_len));
	free(even);
}

/* ---- RSA signatures ---- */

struct rsa_sign {
	int pad;		/* RSA_PKCS1_PADDING, ... */
	const EVP_MD *md;	/* NULL: tbs signed as it is */
	const EVP_MD *mgf;
	int salt;
};

/* OpenSSL's signature over tbs: k bytes into sig. */
static void ossl_rsa_sign(const struct rsa_fixture *r,
			  const struct rsa_sign *how, const uint8_t *tbs,
			  size_t tbs_len, uint8_t *sig)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, r->ossl, NULL);
	size_t len = r->k;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, how->pad), 1);
	if (how->md != NULL)
		assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, how->md),
				 1);
	if (how->pad == RSA_PKCS1_PSS_PADDING) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx,
								  how->salt),
				 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, how->mgf),
				 1);
	}
	assert_int_equal(EVP_PKEY_sign(ctx, sig, &len, tbs, tbs_len), 1);
	assert_int_equal(len, r->k);
	EVP_PKEY_CTX_free(ctx);
}

static void expect_verify(int want, const struct pkey *key,
			  const struct pkey_params *p, const uint8_t *tbs,
			  size_t tbs_len, const uint8_t *sig, size_t sig_len)
{
	assert_int_equal(pkey_verify(key, p, tbs, tbs_len, sig, sig_len),
			 want);
}

/*
 * sig over tbs is valid; every corruption of it, of tbs, and every
 * signature value not below n is refused with 0.
 */
static void check_rsa_sig(const struct rsa_fixture *r, const struct pkey *key,
			  const struct pkey_params *p, const uint8_t *tbs,
			  size_t tbs_len, const uint8_t *sig)
{
	uint8_t bad[MAX_K + 2], other[MAX_K];
	size_t k = r->k;
	const size_t flip_at[] = { 0, 1, k / 3, k / 2, k - 2, k - 1 };
	BIGNUM *s = BN_bin2bn(sig, (int)k, NULL);
	BIGNUM *n = BN_bin2bn(r->n, (int)k, NULL);

	expect_verify(1, key, p, tbs, tbs_len, sig, k);

	/* Flipped bits anywhere in the signature. */
	for (size_t i = 0; i < ARRAY_LEN(flip_at); i++) {
		size_t at = flip_at[i];

		for (int bit = 0; bit < 8; bit += 7) {
			memcpy(bad, sig, k);
			bad[at] ^= (uint8_t)(1 << bit);
			expect_verify(0, key, p, tbs, tbs_len, bad, k);
		}
	}

	/* Another message (first, last byte). */
	memcpy(other, tbs, tbs_len);
	other[0] ^= 0x01;
	expect_verify(0, key, p, other, tbs_len, sig, k);
	other[0] ^= 0x01;
	other[tbs_len - 1] ^= 0x80;
	expect_verify(0, key, p, other, tbs_len, sig, k);

	/* Not k bytes: shorter, longer, with a leading zero. */
	expect_verify(0, key, p, tbs, tbs_len, sig, k - 1);
	memcpy(bad, sig, k);
	bad[k] = 0;
	expect_verify(0, key, p, tbs, tbs_len, bad, k + 1);
	bad[0] = 0;
	memcpy(bad + 1, sig, k);
	expect_verify(0, key, p, tbs, tbs_len, bad, k + 1);

	/* Zero, n, all ones. */
	memset(bad, 0, k);
	expect_verify(0, key, p, tbs, tbs_len, bad, k);
	expect_verify(0, key, p, tbs, tbs_len, r->n, k);
	memset(bad, 0xff, k);
	expect_verify(0, key, p, tbs, tbs_len, bad, k);

	/* s + n, the same value mod n, when it fits in k bytes. */
	assert_non_null(s);
	assert_non_null(n);
	assert_int_equal(BN_add(s, s, n), 1);
	if ((size_t)BN_num_bytes(s) <= k) {
		assert_int_equal(BN_bn2binpad(s, bad, (int)k), (int)k);
		expect_verify(0, key, p, tbs, tbs_len, bad, k);
	}
	BN_free(s);
	BN_free(n);

	if (p->padding == PKEY_PAD_PSS) {
		struct pkey_params q = *p;

		q.salt_len = p->salt_len + 1;
		expect_verify(0, key, &q, tbs, tbs_len, sig, k);
		if (p->salt_len > 0) {
			q.salt_len = p->salt_len - 1;
			expect_verify(0, key, &q, tbs, tbs_len, sig, k);
		}
		q.salt_len = p->salt_len == 0 ? 32 : 0;
		expect_verify(0, key, &q, tbs, tbs_len, sig, k);
		q.salt_len = p->salt_len;
		q.mgf = p->mgf == CRYPTO_SHA1 ? CRYPTO_SHA256 : CRYPTO_SHA1;
		expect_verify(0, key, &q, tbs, tbs_len, sig, k);
		expect_verify(1, key, p, tbs, tbs_len, sig, k);
	}
}

/* PKCS1 over a digest of the j-th hash, OpenSSL's DigestInfo around it. */
static void pkcs1_hash_check(const struct rsa_fixture *r,
			     const struct pkey *key, size_t j)
{
	const enum crypto_digest alg = digest_infos[j].alg;
	const uint8_t *prefix = digest_infos[j].prefix;
	const size_t prefix_len = digest_infos[j].prefix_len;
	struct rsa_sign how = { .pad = RSA_PKCS1_PADDING, .md = md_of(alg) };
	struct pkey_params p = {
		.padding = PKEY_PAD_PKCS1,
		.has_hash = true,
		.hash = alg,
		.prefix = prefix,
		.prefix_len = prefix_len,
	};
	uint8_t dg[64], sig[MAX_K], longer[1 + 64];
	size_t dg_len = digest_of(alg, (int)j, dg);

	ossl_rsa_sign(r, &how, dg, dg_len, sig);
	check_rsa_sig(r, key, &p, dg, dg_len, sig);
	/* Not a digest of the hash: wrong length. */
	expect_verify(0, key, &p, dg, dg_len - 1, sig, r->k);
	/* Another hash's DigestInfo. */
	p.prefix = alg == CRYPTO_SHA1 ? di_sha256 : di_sha1;
	p.prefix_len = alg == CRYPTO_SHA1 ? sizeof(di_sha256) : sizeof(di_sha1);
	expect_verify(0, key, &p, dg, dg_len, sig, r->k);
	/*
	 * prefix || input is the signed block, but the input is not a
	 * digest of the hash: refused all the same (taken without has_hash).
	 */
	longer[0] = prefix[prefix_len - 1];
	memcpy(longer + 1, dg, dg_len);
	p.prefix = prefix;
	p.prefix_len = prefix_len - 1;
	expect_verify(0, key, &p, longer, dg_len + 1, sig, r->k);
	p.has_hash = false;
	expect_verify(1, key, &p, longer, dg_len + 1, sig, r->k);
}

static void pkcs1_with_hash(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++) {
		struct pkey *key = our_key(rsa_keys[i].ossl);

		for (size_t j = 0; j < ARRAY_LEN(digest_infos); j++)
			pkcs1_hash_check(&rsa_keys[i], key, j);
		pkey_free(key);
	}
}

/* PKCS1 without a hash: the input is the whole DigestInfo (CKM_RSA_PKCS). */
static void pkcs1_raw_digest_info(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++) {
		const struct rsa_fixture *r = &rsa_keys[i];
		struct pkey *key = our_key(r->ossl);
		struct rsa_sign how = { .pad = RSA_PKCS1_PADDING };
		struct pkey_params p = { .padding = PKEY_PAD_PKCS1 };
		uint8_t tbs[MAX_K], sig[MAX_K], dg[64];
		size_t dg_len;

		for (size_t j = 0; j < ARRAY_LEN(digest_infos); j++) {
			const size_t pl = digest_infos[j].prefix_len;

			memcpy(tbs, digest_infos[j].prefix, pl);
			dg_len = digest_of(digest_infos[j].alg, 7, dg);
			memcpy(tbs + pl, dg, dg_len);
			ossl_rsa_sign(r, &how, tbs, pl + dg_len, sig);
			check_rsa_sig(r, key, &p, tbs, pl + dg_len, sig);
		}

		/* Any block up to k - 11 bytes; k - 10 does not fit. */
		for (size_t j = 0; j < r->k - 11; j++)
			tbs[j] = (uint8_t)(j * 7 + 1);
		ossl_rsa_sign(r, &how, tbs, r->k - 11, sig);
		check_rsa_sig(r, key, &p, tbs, r->k - 11, sig);
		expect_verify(0, key, &p, tbs, r->k - 10, sig, r->k);
		ossl_rsa_sign(r, &how, tbs, 1, sig);
		check_rsa_sig(r, key, &p, tbs, 1, sig);
		pkey_free(key);
	}
}

static void pss_check(const struct rsa_fixture *r, const struct pkey *key,
		      enum crypto_digest hash, enum crypto_digest mgf,
		      size_t salt)
{
	struct rsa_sign how = {
		.pad = RSA_PKCS1_PSS_PADDING,
		.md = md_of(hash),
		.mgf = md_of(mgf),
		.salt = (int)salt,
	};
	struct pkey_params p = {
		.padding = PKEY_PAD_PSS,
		.has_hash = true,
		.hash = hash,
		.mgf = mgf,
		.salt_len = salt,
	};
	uint8_t dg[64], sig[MAX_K];
	size_t dg_len = digest_of(hash, (int)salt, dg);

	ossl_rsa_sign(r, &how, dg, dg_len, sig);
	check_rsa_sig(r, key, &p, dg, dg_len, sig);
	/* Not a digest of the hash. */
	expect_verify(0, key, &p, dg, dg_len - 1, sig, r->k);
}

static void pss_salt_lengths(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++) {
		const struct rsa_fixture *r = &rsa_keys[i];
		struct pkey *key = our_key(r->ossl);
		size_t max = rsa_pss_max_salt(CRYPTO_SHA256, r->bits);

		/* emLen - hLen - 2, emLen = ceil((modBits - 1) / 8) */
		assert_int_equal(max, (r->bits - 1 + 7) / 8 - 32 - 2);
		pss_check(r, key, CRYPTO_SHA256, CRYPTO_SHA256, 0);
		pss_check(r, key, CRYPTO_SHA256, CRYPTO_SHA256, 32);
		pss_check(r, key, CRYPTO_SHA256, CRYPTO_SHA256, max);
		pss_check(r, key, CRYPTO_SHA384, CRYPTO_SHA384, 48);
		pss_check(r, key, CRYPTO_SHA512, CRYPTO_SHA512,
			  rsa_pss_max_salt(CRYPTO_SHA512, r->bits));
		pss_check(r, key, CRYPTO_SHA1, CRYPTO_SHA1, 20);
		pkey_free(key);
	}
}

static void pss_mgf_differs(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++) {
		const struct rsa_fixture *r = &rsa_keys[i];
		struct pkey *key = our_key(r->ossl);

		pss_check(r, key, CRYPTO_SHA256, CRYPTO_SHA1, 32);
		pss_check(r, key, CRYPTO_SHA512, CRYPTO_SHA256, 48);
		pss_check(r, key, CRYPTO_SHA1, CRYPTO_SHA384, 0);
		pkey_free(key);
	}
}

/* The test's own MGF1 (RFC 8017, B.2.1), XORed into out. */
static void test_mgf1_xor(const EVP_MD *md, const uint8_t *seed,
			  size_t seed_len, uint8_t *out, size_t len)
{
	size_t done = 0;

	for (uint32_t c = 0; done < len; c++) {
		const uint8_t counter[4] = { (uint8_t)(c >> 24),
					     (uint8_t)(c >> 16),
					     (uint8_t)(c >> 8), (uint8_t)c };
		uint8_t block[EVP_MAX_MD_SIZE];
		unsigned int n = 0;
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();

		assert_non_null(ctx);
		assert_int_equal(EVP_DigestInit_ex(ctx, md, NULL), 1);
		assert_int_equal(EVP_DigestUpdate(ctx, seed, seed_len), 1);
		assert_int_equal(EVP_DigestUpdate(ctx, counter, 4), 1);
		assert_int_equal(EVP_DigestFinal_ex(ctx, block, &n), 1);
		EVP_MD_CTX_free(ctx);
		for (unsigned int i = 0; i < n && done < len; i++)
			out[done++] ^= block[i];
	}
}

enum pss_fault {
	PSS_FAULT_NONE,
	PSS_FAULT_TRAILER,	/* last byte not bc */
	PSS_FAULT_TOP_BITS,	/* a bit above modBits - 1 set */
	PSS_FAULT_PS,		/* a nonzero byte in PS */
	PSS_FAULT_SEPARATOR,	/* 02 instead of 01 before the salt */
	PSS_FAULT_LEAD,		/* not 00 in front when emLen < k */
};

/*
 * EMSA-PSS-ENCODE written here (RFC 8017, 9.1.1), with one fault; the
 * hash H is always right, so only the structure checks can refuse it.
 */
static void test_pss_encode(enum crypto_digest hash, enum crypto_digest mgf,
			    const uint8_t *mhash, const uint8_t *salt,
			    size_t salt_len, size_t mod_bits, size_t k,
			    enum pss_fault fault, uint8_t *em)
{
	static const uint8_t zeros[8];
	const size_t h = crypto_digest_len(hash);
	const size_t e_len = (mod_bits - 1 + 7) / 8;
	const size_t db_len = e_len - h - 1;
	const unsigned int unused = (unsigned int)(8 * e_len - (mod_bits - 1));
	uint8_t *out = em + (k - e_len), *db = out, *hh = out + db_len;
	unsigned int n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	memset(em, 0, k);
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, md_of(hash), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, zeros, 8), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, mhash, h), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, salt, salt_len), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, hh, &n), 1);
	EVP_MD_CTX_free(ctx);
	db[db_len - salt_len - 1] = fault == PSS_FAULT_SEPARATOR ? 0x02 : 0x01;
	memcpy(db + db_len - salt_len, salt, salt_len);
	if (fault == PSS_FAULT_PS)
		db[(db_len - salt_len - 1) / 2] = 0x10;
	test_mgf1_xor(md_of(mgf), hh, h, db, db_len);
	out[0] &= (uint8_t)(0xff >> unused);
	if (fault == PSS_FAULT_TOP_BITS)
		out[0] |= 0x80;
	out[e_len - 1] = fault == PSS_FAULT_TRAILER ? 0xbd : 0xbc;
	if (fault == PSS_FAULT_LEAD)
		em[0] = 0x01;
}

/* OpenSSL's raw private operation on a block; false when it is >= n. */
static bool ossl_raw_sign(const struct rsa_fixture *r, const uint8_t *em,
			  uint8_t *sig)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, r->ossl, NULL);
	size_t len = r->k;
	bool ok;

	if (memcmp(em, r->n, r->k) >= 0) {
		EVP_PKEY_CTX_free(ctx);
		return false;
	}
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
	ok = EVP_PKEY_sign(ctx, sig, &len, em, r->k) == 1 && len == r->k;
	EVP_PKEY_CTX_free(ctx);
	assert_true(ok);
	return ok;
}

/* Blocks whose hash is right but whose structure is not are refused. */
static void pss_structure_checked(void **state)
{
	static const enum pss_fault faults[] = {
		PSS_FAULT_TRAILER, PSS_FAULT_TOP_BITS, PSS_FAULT_PS,
		PSS_FAULT_SEPARATOR, PSS_FAULT_LEAD,
	};

	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++) {
		const struct rsa_fixture *r = &rsa_keys[i];
		struct pkey *key = our_key(r->ossl);
		const bool short_em = (r->bits - 1 + 7) / 8 < r->k;
		struct pkey_params p = {
			.padding = PKEY_PAD_PSS,
			.has_hash = true,
			.hash = CRYPTO_SHA256,
			.mgf = CRYPTO_SHA1,
			.salt_len = 20,
		};
		uint8_t dg[32], salt[20], em[MAX_K], sig[MAX_K];

		digest_of(CRYPTO_SHA256, 40, dg);
		memset(salt, 0x5a, sizeof(salt));
		test_pss_encode(p.hash, p.mgf, dg, salt, sizeof(salt), r->bits,
				r->k, PSS_FAULT_NONE, em);
		assert_true(ossl_raw_sign(r, em, sig));
		expect_verify(1, key, &p, dg, sizeof(dg), sig, r->k);

		for (size_t f = 0; f < ARRAY_LEN(faults); f++) {
			bool signed_em = false;

			/* A lead byte only when emLen < k, else a top bit. */
			if ((faults[f] == PSS_FAULT_LEAD && !short_em) ||
			    (faults[f] == PSS_FAULT_TOP_BITS && short_em))
				continue;
			/* Another salt until the block is below n. */
			for (int tries = 0; tries < 64 && !signed_em;
			     tries++) {
				salt[0] = (uint8_t)tries;
				test_pss_encode(p.hash, p.mgf, dg, salt,
						sizeof(salt), r->bits, r->k,
						faults[f], em);
				signed_em = ossl_raw_sign(r, em, sig);
			}
			assert_true(signed_em);
			expect_verify(0, key, &p, dg, sizeof(dg), sig, r->k);
		}
		pkey_free(key);
	}
}

/* Our own PSS encoding, opened with the public key, verifies. */
static void pss_encode_round_trip(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++) {
		const struct rsa_fixture *r = &rsa_keys[i];
		uint8_t dg[64], em[MAX_K];
		size_t dg_len = digest_of(CRYPTO_SHA256, 3, dg);
		size_t max = rsa_pss_max_salt(CRYPTO_SHA256, r->bits);

		assert_true(rsa_pss_encode(CRYPTO_SHA256, CRYPTO_SHA1, dg, 32,
					   r->bits, em, r->k));
		assert_int_equal(rsa_pss_verify(CRYPTO_SHA256, CRYPTO_SHA1, dg,
						32, r->bits, em, r->k),
				 1);
		assert_int_equal(rsa_pss_verify(CRYPTO_SHA256, CRYPTO_SHA1, dg,
						31, r->bits, em, r->k),
				 0);
		assert_true(rsa_pss_encode(CRYPTO_SHA256, CRYPTO_SHA256, dg,
					   max, r->bits, em, r->k));
		assert_int_equal(rsa_pss_verify(CRYPTO_SHA256, CRYPTO_SHA256,
						dg, max, r->bits, em, r->k),
				 1);
		assert_false(rsa_pss_encode(CRYPTO_SHA256, CRYPTO_SHA256, dg,
					    max + 1, r->bits, em, r->k));
		assert_int_equal(dg_len, 32);
	}
}

/* The paddings against their inverses, and PKCS1 signing's exact block. */
static void pad_unpad(void **state)
{
	static const uint8_t label[] = "label";
	const size_t k = 128;
	uint8_t em[256], out[256], msg[128];
	uint8_t want[64];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(0x80 + i);

	/* 00 01 FF x 8 00 prefix t, and no room for fewer FF bytes. */
	memset(want, 0xff, sizeof(want));
	want[0] = 0x00;
	want[1] = 0x01;
	want[10] = 0x00;
	memcpy(want + 11, "PP", 2);
	memcpy(want + 13, "tt", 2);
	memset(em, 0xee, sizeof(em));
	assert_true(rsa_pad_pkcs1_sign((const uint8_t *)"PP", 2,
				       (const uint8_t *)"tt", 2, em, 15));
	assert_memory_equal(em, want, 15);
	assert_int_equal(em[15], 0xee);
	assert_false(rsa_pad_pkcs1_sign((const uint8_t *)"PP", 2,
					(const uint8_t *)"tt", 2, em, 14));
	assert_true(rsa_pad_pkcs1_sign(NULL, 0, msg, k - 11, em, k));
	assert_false(rsa_pad_pkcs1_sign(NULL, 0, msg, k - 10, em, k));

	/* PKCS#1 v1.5 type 2: no zero in PS, the message back. */
	for (size_t len = 0; len <= k - 11; len += 13) {
		assert_true(rsa_pad_pkcs1_encrypt(msg, len, em, k));
		assert_int_equal(em[0], 0x00);
		assert_int_equal(em[1], 0x02);
		for (size_t i = 2; i < k - len - 1; i++)
			assert_int_not_equal(em[i], 0x00);
		assert_int_equal(em[k - len - 1], 0x00);
		assert_int_equal(rsa_unpad_pkcs1(em, k, out, sizeof(out)),
				 (int)len);
		assert_memory_equal(out, msg, len);
	}
	assert_false(rsa_pad_pkcs1_encrypt(msg, k - 10, em, k));
	assert_true(rsa_pad_pkcs1_encrypt(msg, 8, em, k));
	em[1] = 0x01;
	assert_int_equal(rsa_unpad_pkcs1(em, k, out, sizeof(out)), -1);

	/* OAEP: the message back only with the same hash, MGF1, label. */
	assert_true(rsa_pad_oaep(CRYPTO_SHA256, CRYPTO_SHA1, label, 5, msg, 40,
				 em, k));
	assert_int_equal(em[0], 0x00);
	assert_int_equal(rsa_unpad_oaep(em, k, CRYPTO_SHA256, CRYPTO_SHA1,
					label, 5, out, sizeof(out)),
			 40);
	assert_memory_equal(out, msg, 40);
	assert_int_equal(rsa_unpad_oaep(em, k, CRYPTO_SHA256, CRYPTO_SHA1,
					label, 4, out, sizeof(out)),
			 -1);
	assert_int_equal(rsa_unpad_oaep(em, k, CRYPTO_SHA256, CRYPTO_SHA256,
					label, 5, out, sizeof(out)),
			 -1);
	assert_int_equal(rsa_unpad_oaep(em, k, CRYPTO_SHA1, CRYPTO_SHA1,
					label, 5, out, sizeof(out)),
			 -1);
	em[k - 1] ^= 0x01;
	assert_int_equal(rsa_unpad_oaep(em, k, CRYPTO_SHA256, CRYPTO_SHA1,
					label, 5, out, sizeof(out)),
			 -1);
	assert_true(rsa_pad_oaep(CRYPTO_SHA1, CRYPTO_SHA1, NULL, 0, msg,
				 k - 42, em, k));
	assert_int_equal(rsa_unpad_oaep(em, k, CRYPTO_SHA1, CRYPTO_SHA1, NULL,
					0, out, sizeof(out)),
			 (int)(k - 42));
	assert_memory_equal(out, msg, k - 42);
	assert_false(rsa_pad_oaep(CRYPTO_SHA1, CRYPTO_SHA1, NULL, 0, msg,
				  k - 41, em, k));
}

static void raw_rsa(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++) {
		const struct rsa_fixture *r = &rsa_keys[i];
		struct pkey *key = our_key(r->ossl);
		struct rsa_sign how = { .pad = RSA_NO_PADDING };
		struct pkey_params p = { .padding = PKEY_PAD_NONE };
		uint8_t block[MAX_K + 1], sig[MAX_K];
		const size_t short_len = 100;

		/* 100 bytes, the block they stand for left-padded. */
		memset(block, 0, r->k);
		for (size_t j = r->k - short_len; j < r->k; j++)
			block[j] = (uint8_t)(j * 13 + 5);
		ossl_rsa_sign(r, &how, block, r->k, sig);
		check_rsa_sig(r, key, &p, block + r->k - short_len, short_len,
			      sig);
		check_rsa_sig(r, key, &p, block, r->k, sig);
		/* A leading zero more is still the same block. */
		expect_verify(1, key, &p, block + 1, r->k - 1, sig, r->k);
		/* More than k bytes. */
		memmove(block + 1, block, r->k);
		block[0] = 0;
		expect_verify(0, key, &p, block, r->k + 1, sig, r->k);
		pkey_free(key);
	}
}

/*
 * A raw signature s chosen small, its message m = s^e mod n by OpenSSL:
 * s verifies, s + n (same value mod n, in k bytes) does not.
 */
static void raw_rsa_signature_above_n(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++) {
		const struct rsa_fixture *r = &rsa_keys[i];
		struct pkey *key = our_key(r->ossl);
		struct pkey_params p = { .padding = PKEY_PAD_NONE };
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, r->ossl,
							       NULL);
		uint8_t s[MAX_K], m[MAX_K];
		size_t m_len = r->k;
		BIGNUM *sn, *n;

		memset(s, 0, r->k);
		for (size_t j = r->k / 2; j < r->k; j++)
			s[j] = (uint8_t)(j * 31 + 9);
		assert_non_null(ctx);
		assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
							      RSA_NO_PADDING),
				 1);
		assert_int_equal(EVP_PKEY_encrypt(ctx, m, &m_len, s, r->k), 1);
		assert_int_equal(m_len, r->k);
		EVP_PKEY_CTX_free(ctx);
		expect_verify(1, key, &p, m, r->k, s, r->k);

		sn = BN_bin2bn(s, (int)r->k, NULL);
		n = BN_bin2bn(r->n, (int)r->k, NULL);
		assert_non_null(sn);
		assert_non_null(n);
		assert_int_equal(BN_add(sn, sn, n), 1);
		assert_true((size_t)BN_num_bytes(sn) <= r->k);
		assert_int_equal(BN_bn2binpad(sn, s, (int)r->k), (int)r->k);
		expect_verify(0, key, &p, m, r->k, s, r->k);
		BN_free(sn);
		BN_free(n);
		pkey_free(key);
	}
}

/* ---- ECDSA ---- */

/* OpenSSL's ECDSA signature of a digest as r || s, 2 * field bytes. */
static void ossl_ecdsa(const struct ec_fixture *c, const uint8_t *dg,
		       size_t dg_len, uint8_t *rs)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, c->ossl, NULL);
	uint8_t der[256];
	const uint8_t *p = der;
	size_t len = sizeof(der);
	ECDSA_SIG *sig;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, der, &len, dg, dg_len), 1);
	EVP_PKEY_CTX_free(ctx);
	sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	assert_non_null(sig);
	assert_ptr_equal(p, der + len);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs,
				      (int)c->field),
			 (int)c->field);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + c->field,
				      (int)c->field),
			 (int)c->field);
	ECDSA_SIG_free(sig);
}

/* value + the order into out (field bytes); false when it does not fit. */
static bool plus_order(const struct ec_fixture *c, const uint8_t *value,
		       uint8_t *out)
{
	BIGNUM *v = BN_bin2bn(value, (int)c->field, NULL);
	BIGNUM *q = BN_bin2bn(c->order, (int)c->field, NULL);
	bool fits;

	assert_non_null(v);
	assert_non_null(q);
	assert_int_equal(BN_add(v, v, q), 1);
	fits = (size_t)BN_num_bytes(v) <= c->field;
	if (fits)
		assert_int_equal(BN_bn2binpad(v, out, (int)c->field),
				 (int)c->field);
	BN_free(v);
	BN_free(q);
	return fits;
}

/* The order minus value into out (field bytes). */
static void order_minus(const struct ec_fixture *c, const uint8_t *value,
			uint8_t *out)
{
	BIGNUM *v = BN_bin2bn(value, (int)c->field, NULL);
	BIGNUM *q = BN_bin2bn(c->order, (int)c->field, NULL);

	assert_non_null(v);
	assert_non_null(q);
	assert_int_equal(BN_sub(v, q, v), 1);
	assert_int_equal(BN_bn2binpad(v, out, (int)c->field), (int)c->field);
	BN_free(v);
	BN_free(q);
}

static void check_ecdsa_sig(const struct ec_fixture *c,
			    const struct pkey *key, const uint8_t *dg,
			    size_t dg_len, const uint8_t *rs)
{
	const struct pkey_params p = { .padding = PKEY_PAD_ECDSA };
	const size_t f = c->field, len = 2 * f;
	uint8_t bad[2 * MAX_FIELD + 2], other[128];

	expect_verify(1, key, &p, dg, dg_len, rs, len);

	/* Flipped bits in r and in s. */
	for (size_t at = 0; at < len; at += f / 2) {
		memcpy(bad, rs, len);
		bad[at] ^= 0x01;
		expect_verify(0, key, &p, dg, dg_len, bad, len);
		bad[at] ^= 0x81;
		expect_verify(0, key, &p, dg, dg_len, bad, len);
	}
	memcpy(bad, rs, len);
	bad[len - 1] ^= 0x04;
	expect_verify(0, key, &p, dg, dg_len, bad, len);

	/* Another digest. */
	memcpy(other, dg, dg_len);
	other[0] ^= 0x01;
	expect_verify(0, key, &p, other, dg_len, rs, len);
	if (dg_len <= f) {
		other[0] ^= 0x01;
		other[dg_len - 1] ^= 0x80; /* within the order's bits */
		expect_verify(0, key, &p, other, dg_len, rs, len);
	}

	/* r = 0, s = 0. */
	memcpy(bad, rs, len);
	memset(bad, 0, f);
	expect_verify(0, key, &p, dg, dg_len, bad, len);
	memcpy(bad, rs, len);
	memset(bad + f, 0, f);
	expect_verify(0, key, &p, dg, dg_len, bad, len);
	memset(bad, 0, len);
	expect_verify(0, key, &p, dg, dg_len, bad, len);

	/* r or s the order, all ones, or itself plus the order. */
	memcpy(bad, rs, len);
	memcpy(bad, c->order, f);
	expect_verify(0, key, &p, dg, dg_len, bad, len);
	memset(bad, 0xff, f);
	expect_verify(0, key, &p, dg, dg_len, bad, len);
	if (plus_order(c, rs, bad))
		expect_verify(0, key, &p, dg, dg_len, bad, len);
	memcpy(bad, rs, len);
	memcpy(bad + f, c->order, f);
	expect_verify(0, key, &p, dg, dg_len, bad, len);
	memset(bad + f, 0xff, f);
	expect_verify(0, key, &p, dg, dg_len, bad, len);
	if (plus_order(c, rs + f, bad + f))
		expect_verify(0, key, &p, dg, dg_len, bad, len);

	/* Not 2 * field bytes. */
	expect_verify(0, key, &p, dg, dg_len, rs, len - 1);
	memcpy(bad, rs, len);
	bad[len] = 0;
	bad[len + 1] = 0;
	expect_verify(0, key, &p, dg, dg_len, bad, len + 2);
	bad[0] = 0;
	memcpy(bad + 1, rs, f);
	bad[f + 1] = 0;
	memcpy(bad + f + 2, rs + f, f);
	expect_verify(0, key, &p, dg, dg_len, bad, len + 2);

	/* (r, n - s) is the other valid signature. */
	memcpy(bad, rs, f);
	order_minus(c, rs + f, bad + f);
	expect_verify(1, key, &p, dg, dg_len, bad, len);
}

static void ecdsa_check(const struct ec_fixture *c, enum crypto_digest alg,
			int tag)
{
	struct pkey *key = our_key(c->ossl);
	uint8_t dg[64], rs[2 * MAX_FIELD];
	size_t dg_len = digest_of(alg, tag, dg);

	ossl_ecdsa(c, dg, dg_len, rs);
	check_ecdsa_sig(c, key, dg, dg_len, rs);
	pkey_free(key);
}

static void ecdsa_curves(void **state)
{
	ecdsa_check(EC_P256, CRYPTO_SHA256, 1);
	ecdsa_check(EC_P384, CRYPTO_SHA384, 2);
	ecdsa_check(EC_P521, CRYPTO_SHA512, 3);
	/* A signature of one key does not verify with another. */
	{
		struct pkey *key = our_key(EC_P384->ossl);
		const struct pkey_params p = { .padding = PKEY_PAD_ECDSA };
		uint8_t dg[64], rs[2 * MAX_FIELD];
		size_t dg_len = digest_of(CRYPTO_SHA256, 4, dg);
		EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		struct ec_fixture c = *EC_P384;

		assert_non_null(other);
		c.ossl = other;
		ossl_ecdsa(&c, dg, dg_len, rs);
		expect_verify(0, key, &p, dg, dg_len, rs, 2 * c.field);
		EVP_PKEY_free(other);
		pkey_free(key);
	}
}

/* A digest longer than the order: only its leftmost bits count. */
static void ecdsa_long_digest(void **state)
{
	const struct pkey_params p = { .padding = PKEY_PAD_ECDSA };
	struct pkey *key = our_key(EC_P256->ossl);
	uint8_t dg[66], rs[2 * MAX_FIELD];
	size_t dg_len = digest_of(CRYPTO_SHA512, 5, dg);

	ecdsa_check(EC_P256, CRYPTO_SHA512, 5);
	ecdsa_check(EC_P256, CRYPTO_SHA384, 6);
	ecdsa_check(EC_P384, CRYPTO_SHA512, 7);

	ossl_ecdsa(EC_P256, dg, dg_len, rs);
	expect_verify(1, key, &p, dg, dg_len, rs, 64);
	dg[63] ^= 0xff; /* beyond the order's 256 bits */
	expect_verify(1, key, &p, dg, dg_len, rs, 64);
	expect_verify(1, key, &p, dg, 32, rs, 64);
	dg[31] ^= 0x01;
	expect_verify(0, key, &p, dg, dg_len, rs, 64);
	pkey_free(key);

	/* 66 bytes on P-521: the low 7 bits of the last byte are dropped. */
	key = our_key(EC_P521->ossl);
	for (size_t i = 0; i < sizeof(dg); i++)
		dg[i] = (uint8_t)(0xf0 - i);
	ossl_ecdsa(EC_P521, dg, sizeof(dg), rs);
	check_ecdsa_sig(EC_P521, key, dg, sizeof(dg), rs);
	dg[65] ^= 0x7f;
	expect_verify(1, key, &p, dg, sizeof(dg), rs, 132);
	dg[65] ^= 0x80;
	expect_verify(0, key, &p, dg, sizeof(dg), rs, 132);
	pkey_free(key);
}

/* A digest shorter than the order: taken as it is. */
static void ecdsa_short_digest(void **state)
{
	ecdsa_check(EC_P384, CRYPTO_SHA1, 8);
	ecdsa_check(EC_P384, CRYPTO_SHA256, 9);
	ecdsa_check(EC_P521, CRYPTO_SHA1, 10);
	ecdsa_check(EC_P521, CRYPTO_SHA256, 11);
	ecdsa_check(EC_P256, CRYPTO_SHA1, 12);
	ecdsa_check(EC_P256, CRYPTO_SHA224, 13);
}

/*
 * r chosen so that e w G + r w Q is the point at infinity (r = -e / d,
 * with OpenSSL's private d): not valid, 0 rather than a failure.
 */
static void ecdsa_point_at_infinity(void **state)
{
	const struct pkey_params p = { .padding = PKEY_PAD_ECDSA };

	for (size_t i = 0; i < ARRAY_LEN(ec_keys); i++) {
		const struct ec_fixture *c = &ec_keys[i];
		struct pkey *key = our_key(c->ossl);
		BN_CTX *bn = BN_CTX_new();
		BIGNUM *d = NULL, *n = BN_bin2bn(c->order, (int)c->field, NULL);
		BIGNUM *e = BN_new(), *r = BN_new();
		uint8_t dg[32], rs[2 * MAX_FIELD];

		assert_int_equal(digest_of(CRYPTO_SHA256, 50, dg), 32);
		assert_non_null(bn);
		assert_non_null(n);
		assert_non_null(e);
		assert_non_null(r);
		assert_int_equal(EVP_PKEY_get_bn_param(c->ossl,
						       OSSL_PKEY_PARAM_PRIV_KEY,
						       &d),
				 1);
		/* No longer than any of the orders: e is the digest. */
		assert_non_null(BN_bin2bn(dg, sizeof(dg), e));
		assert_non_null(BN_mod_inverse(r, d, n, bn));
		assert_int_equal(BN_mod_mul(r, r, e, n, bn), 1);
		assert_int_equal(BN_mod_sub(r, n, r, n, bn), 1); /* -e / d */
		assert_false(BN_is_zero(r));
		assert_int_equal(BN_bn2binpad(r, rs, (int)c->field),
				 (int)c->field);
		for (int s = 1; s < 4; s++) {
			memset(rs + c->field, 0, c->field);
			rs[2 * c->field - 1] = (uint8_t)(s * 37);
			expect_verify(0, key, &p, dg, sizeof(dg), rs,
				      2 * c->field);
		}
		BN_clear_free(d);
		BN_free(n);
		BN_free(e);
		BN_free(r);
		BN_CTX_free(bn);
		pkey_free(key);
	}
}

static void verify_wrong_key_type(void **state)
{
	const struct pkey_params ecdsa = { .padding = PKEY_PAD_ECDSA };
	struct pkey_params rsa = { .padding = PKEY_PAD_PKCS1 };
	struct pkey *r = our_key(RSA_2048->ossl);
	struct pkey *e = our_key(EC_P256->ossl);
	uint8_t dg[32] = { 1 }, sig[MAX_K] = { 0 };

	expect_verify(-1, r, &ecdsa, dg, sizeof(dg), sig, RSA_2048->k);
	expect_verify(-1, e, &rsa, dg, sizeof(dg), sig, 64);
	rsa.padding = PKEY_PAD_OAEP;
	expect_verify(-1, r, &rsa, dg, sizeof(dg), sig, RSA_2048->k);
	pkey_free(r);
	pkey_free(e);
}

/*
 * A PSS salt length so large that hLen + sLen + 2 wraps around is not a
 * consistent one.  An 8192-bit public key with e = 1 (public operation =
 * identity) lets the block be chosen: ...00 bc passes the first checks.
 * Run in a child, whose exit status is the number of results not 0, so
 * that a sanitizer stopping it fails this test only.
 */
static int salt_wrap_child(void)
{
	static uint8_t n[MAX_K], sig[MAX_K];
	const size_t h = crypto_digest_len(CRYPTO_SHA256);
	struct pkey_params p = {
		.padding = PKEY_PAD_PSS,
		.has_hash = true,
		.hash = CRYPTO_SHA256,
		.mgf = CRYPTO_SHA256,
	};
	uint8_t dg[32] = { 0 }, *der = NULL;
	struct pkey *key;
	size_t len = 0;
	int wrong = 0;

	memset(n, 0xff, sizeof(n));
	if (!pubkey_rsa_spki(n, sizeof(n), 1, &der, &len))
		return 100;
	key = pkey_from_spki(der, len);
	free(der);
	if (key == NULL || pkey_size(key) != MAX_K)
		return 101;
	memset(sig, 0, sizeof(sig));
	sig[MAX_K - 1] = 0xbc;
	for (size_t t = 0; t <= h + 2; t++) {
		/* hLen + sLen + 2 == t (mod 2^64), at most emLen. */
		p.salt_len = SIZE_MAX - h - 1 + t;
		wrong += pkey_verify(key, &p, dg, sizeof(dg), sig, MAX_K) != 0;
	}
	p.salt_len = SIZE_MAX;
	wrong += pkey_verify(key, &p, dg, sizeof(dg), sig, MAX_K) != 0;
	/* The same block with a sane salt length is simply not valid. */
	p.salt_len = 32;
	wrong += pkey_verify(key, &p, dg, sizeof(dg), sig, MAX_K) != 0;
	pkey_free(key);
	return wrong;
}

static void pss_salt_length_wraps(void **state)
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(salt_wrap_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("pkey_verify with a wrapping PSS salt length: %s %d",
			 WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) :
					     WTERMSIG(status));
}

/* ---- RSA encryption ---- */

struct rsa_crypt {
	int pad;
	enum crypto_digest hash, mgf; /* OAEP */
	const uint8_t *label;
	size_t label_len;
};

/* OpenSSL's decryption; -1 when it fails. */
static long ossl_decrypt(const struct rsa_fixture *r,
			 const struct rsa_crypt *how, const uint8_t *ct,
			 size_t ct_len, uint8_t *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, r->ossl, NULL);
	size_t len = r->k;
	int rc;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_decrypt_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, how->pad), 1);
	if (how->pad == RSA_PKCS1_OAEP_PADDING) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md(ctx,
							      md_of(how->hash)),
				 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx,
							      md_of(how->mgf)),
				 1);
		if (how->label_len > 0)
			assert_int_equal(
				EVP_PKEY_CTX_set0_rsa_oaep_label(
					ctx,
					OPENSSL_memdup(how->label,
						       how->label_len),
					(int)how->label_len),
				1);
	}
	rc = EVP_PKEY_decrypt(ctx, out, &len, ct, ct_len);
	EVP_PKEY_CTX_free(ctx);
	return rc == 1 ? (long)len : -1;
}

static struct pkey_params params_of(const struct rsa_crypt *how)
{
	struct pkey_params p = {
		.hash = how->hash,
		.mgf = how->mgf,
		.label = how->label,
		.label_len = how->label_len,
	};

	switch (how->pad) {
	case RSA_PKCS1_PADDING:
		p.padding = PKEY_PAD_PKCS1;
		break;
	case RSA_PKCS1_OAEP_PADDING:
		p.padding = PKEY_PAD_OAEP;
		break;
	default:
		p.padding = PKEY_PAD_NONE;
		break;
	}
	return p;
}

/* The longest message of a padding for a k-byte modulus. */
static size_t max_message(const struct rsa_crypt *how, size_t k)
{
	if (how->pad == RSA_PKCS1_PADDING)
		return k - 11;
	return k - 2 * crypto_digest_len(how->hash) - 2;
}

static void encrypt_check(const struct rsa_fixture *r, const struct pkey *key,
			  const struct rsa_crypt *how)
{
	const struct pkey_params p = params_of(how);
	const size_t max = max_message(how, r->k);
	const size_t lens[] = { 0, 1, 16, 48, max };
	uint8_t msg[MAX_K + 1], ct[MAX_K], ct2[MAX_K], plain[MAX_K];
	size_t ct_len, ct2_len;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 3 + 0x41);

	for (size_t i = 0; i < ARRAY_LEN(lens); i++) {
		ct_len = r->k + 5; /* more room than needed */
		assert_true(pkey_encrypt(key, &p, msg, lens[i], ct, &ct_len));
		assert_int_equal(ct_len, r->k);
		assert_int_equal(ossl_decrypt(r, how, ct, ct_len, plain),
				 (long)lens[i]);
		assert_memory_equal(plain, msg, lens[i]);

		/* Random padding: the same message encrypts differently. */
		ct2_len = r->k;
		assert_true(pkey_encrypt(key, &p, msg, lens[i], ct2,
					 &ct2_len));
		assert_int_equal(ct2_len, r->k);
		assert_memory_not_equal(ct, ct2, r->k);
		assert_int_equal(ossl_decrypt(r, how, ct2, ct2_len, plain),
				 (long)lens[i]);
		assert_memory_equal(plain, msg, lens[i]);
	}

	/* One byte too long. */
	ct_len = r->k;
	assert_false(pkey_encrypt(key, &p, msg, max + 1, ct, &ct_len));
	assert_int_equal(ct_len, r->k);
	/* Too little room for the k bytes. */
	ct_len = r->k - 1;
	assert_false(pkey_encrypt(key, &p, msg, 16, ct, &ct_len));
	assert_int_equal(ct_len, r->k - 1);
	ct_len = 0;
	assert_false(pkey_encrypt(key, &p, msg, 16, ct, &ct_len));
}

static void encrypt_pkcs1(void **state)
{
	const struct rsa_crypt how = { .pad = RSA_PKCS1_PADDING };

	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++) {
		struct pkey *key = our_key(rsa_keys[i].ossl);

		encrypt_check(&rsa_keys[i], key, &how);
		pkey_free(key);
	}
}

static void encrypt_oaep(void **state)
{
	static const uint8_t label[] = "a label for OAEP";
	static const enum crypto_digest hashes[] = { CRYPTO_SHA1,
						     CRYPTO_SHA256 };

	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++) {
		const struct rsa_fixture *r = &rsa_keys[i];
		struct pkey *key = our_key(r->ossl);

		for (size_t h = 0; h < ARRAY_LEN(hashes); h++) {
			for (int variant = 0; variant < 4; variant++) {
				struct rsa_crypt how = {
					.pad = RSA_PKCS1_OAEP_PADDING,
					.hash = hashes[h],
					.mgf = hashes[h],
				};

				if (variant & 1) {
					how.label = label;
					how.label_len = sizeof(label) - 1;
				}
				if (variant & 2)
					how.mgf = hashes[h] == CRYPTO_SHA1 ?
							  CRYPTO_SHA256 :
							  CRYPTO_SHA1;
				encrypt_check(r, key, &how);
			}
		}
		pkey_free(key);
	}
}

/* The label and the MGF1 hash are really used: OpenSSL needs the same. */
static void encrypt_oaep_parameters_matter(void **state)
{
	static const uint8_t label[] = "label";
	const struct rsa_fixture *r = RSA_2048;
	struct pkey *key = our_key(r->ossl);
	struct rsa_crypt how = {
		.pad = RSA_PKCS1_OAEP_PADDING,
		.hash = CRYPTO_SHA256,
		.mgf = CRYPTO_SHA1,
		.label = label,
		.label_len = 5,
	};
	struct pkey_params p = params_of(&how);
	uint8_t msg[32] = { 9 }, ct[MAX_K], plain[MAX_K];
	size_t ct_len = r->k;

	assert_true(pkey_encrypt(key, &p, msg, sizeof(msg), ct, &ct_len));
	assert_int_equal(ossl_decrypt(r, &how, ct, ct_len, plain), 32);
	how.label_len = 0;
	assert_int_equal(ossl_decrypt(r, &how, ct, ct_len, plain), -1);
	how.label_len = 4;
	assert_int_equal(ossl_decrypt(r, &how, ct, ct_len, plain), -1);
	how.label_len = 5;
	how.mgf = CRYPTO_SHA256;
	assert_int_equal(ossl_decrypt(r, &how, ct, ct_len, plain), -1);
	how.mgf = CRYPTO_SHA1;
	how.hash = CRYPTO_SHA1;
	assert_int_equal(ossl_decrypt(r, &how, ct, ct_len, plain), -1);
	how.hash = CRYPTO_SHA256;
	how.pad = RSA_PKCS1_PADDING;
	assert_int_equal(ossl_decrypt(r, &how, ct, ct_len, plain), -1);
	pkey_free(key);
}

static void encrypt_raw(void **state)
{
	const struct rsa_crypt how = { .pad = RSA_NO_PADDING };
	const struct pkey_params p = { .padding = PKEY_PAD_NONE };

	for (size_t i = 0; i < ARRAY_LEN(rsa_keys); i++) {
		const struct rsa_fixture *r = &rsa_keys[i];
		struct pkey *key = our_key(r->ossl);
		uint8_t in[MAX_K + 1], ct[MAX_K], ct2[MAX_K], plain[MAX_K];
		size_t ct_len;

		/* Exactly k bytes below n. */
		for (size_t j = 0; j < sizeof(in); j++)
			in[j] = (uint8_t)(j * 11 + 3);
		in[0] = 0;
		ct_len = r->k;
		assert_true(pkey_encrypt(key, &p, in, r->k, ct, &ct_len));
		assert_int_equal(ct_len, r->k);
		assert_int_equal(ossl_decrypt(r, &how, ct, ct_len, plain),
				 (long)r->k);
		assert_memory_equal(plain, in, r->k);
		/* Deterministic. */
		ct_len = r->k;
		assert_true(pkey_encrypt(key, &p, in, r->k, ct2, &ct_len));
		assert_memory_equal(ct, ct2, r->k);
		/* n - 1 is the largest value. */
		memcpy(in, r->n, r->k);
		in[r->k - 1] ^= 0x01; /* n is odd */
		ct_len = r->k;
		assert_true(pkey_encrypt(key, &p, in, r->k, ct, &ct_len));
		assert_int_equal(ossl_decrypt(r, &how, ct, ct_len, plain),
				 (long)r->k);
		assert_memory_equal(plain, in, r->k);

		/* Not k bytes. */
		ct_len = r->k;
		assert_false(pkey_encrypt(key, &p, in, r->k - 1, ct, &ct_len));
		assert_false(pkey_encrypt(key, &p, in, r->k + 1, ct, &ct_len));
		assert_false(pkey_encrypt(key, &p, in, 0, ct, &ct_len));
		/* n and above. */
		assert_false(pkey_encrypt(key, &p, r->n, r->k, ct, &ct_len));
		memset(in, 0xff, r->k);
		assert_false(pkey_encrypt(key, &p, in, r->k, ct, &ct_len));
		/* No room. */
		in[0] = 0;
		ct_len = r->k - 1;
		assert_false(pkey_encrypt(key, &p, in, r->k, ct, &ct_len));
		assert_int_equal(ct_len, r->k - 1);
		pkey_free(key);
	}
}

static void encrypt_refused(void **state)
{
	struct pkey_params p = { .padding = PKEY_PAD_PSS };
	struct pkey *r = our_key(RSA_2048->ossl);
	struct pkey *e = our_key(EC_P256->ossl);
	uint8_t msg[16] = { 1 }, ct[MAX_K];
	size_t len = sizeof(ct);

	assert_false(pkey_encrypt(r, &p, msg, sizeof(msg), ct, &len));
	p.padding = PKEY_PAD_ECDSA;
	assert_false(pkey_encrypt(r, &p, msg, sizeof(msg), ct, &len));
	p.padding = PKEY_PAD_PKCS1;
	assert_false(pkey_encrypt(e, &p, msg, sizeof(msg), ct, &len));
	/* OAEP with SHA-512 fits 256 bytes; an unknown hash does not work. */
	p.padding = PKEY_PAD_OAEP;
	p.hash = CRYPTO_SHA512;
	p.mgf = CRYPTO_SHA512;
	len = sizeof(ct);
	assert_true(pkey_encrypt(r, &p, msg, sizeof(msg), ct, &len));
	p.hash = CRYPTO_DIGEST_COUNT;
	len = sizeof(ct);
	assert_false(pkey_encrypt(r, &p, msg, sizeof(msg), ct, &len));
	pkey_free(r);
	pkey_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rsa_spki),
		cmocka_unit_test(rsa_spki_malformed),
		cmocka_unit_test(ec_spki),
		cmocka_unit_test(ec_point_refused),
		cmocka_unit_test(ec_curve_names),
		cmocka_unit_test(ec_point_of_scalar),
		cmocka_unit_test(spki_refused),
		cmocka_unit_test(spki_algorithm_parameters),
		cmocka_unit_test(pkcs1_with_hash),
		cmocka_unit_test(pkcs1_raw_digest_info),
		cmocka_unit_test(pss_salt_lengths),
		cmocka_unit_test(pss_mgf_differs),
		cmocka_unit_test(pss_structure_checked),
		cmocka_unit_test(pss_encode_round_trip),
		cmocka_unit_test(pad_unpad),
		cmocka_unit_test(raw_rsa),
		cmocka_unit_test(raw_rsa_signature_above_n),
		cmocka_unit_test(ecdsa_curves),
		cmocka_unit_test(ecdsa_long_digest),
		cmocka_unit_test(ecdsa_short_digest),
		cmocka_unit_test(ecdsa_point_at_infinity),
		cmocka_unit_test(verify_wrong_key_type),
		cmocka_unit_test(encrypt_pkcs1),
		cmocka_unit_test(encrypt_oaep),
		cmocka_unit_test(encrypt_oaep_parameters_matter),
		cmocka_unit_test(encrypt_raw),
		cmocka_unit_test(encrypt_refused),
		cmocka_unit_test(pss_salt_length_wraps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
