/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/crypto.h"
#include "common/keyfile.h"

/*
 * Keys made here with OpenSSL, written in every form a file may hold,
 * read back through keyfile_key_load() and compared number by number with
 * what OpenSSL says the key is.
 */

enum form { PEM_PKCS8, PEM_TRAD, DER_PKCS8, DER_TRAD, PEM_PUBLIC };

struct blob {
	uint8_t *data;
	size_t len;
};

static void blob_of_bio(BIO *bio, struct blob *out)
{
	char *p = NULL;
	long len = BIO_get_mem_data(bio, &p);

	assert_true(len > 0);
	out->data = malloc((size_t)len);
	assert_non_null(out->data);
	memcpy(out->data, p, (size_t)len);
	out->len = (size_t)len;
	BIO_free(bio);
}

/* The key written in one form; cipher and pass encrypt it. */
static void write_key(EVP_PKEY *key, enum form form, const EVP_CIPHER *cipher,
		      const char *pass, struct blob *out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int plen = pass ? (int)strlen(pass) : 0;
	int ok = 0;

	assert_non_null(bio);
	switch (form) {
	case PEM_PKCS8:
		ok = PEM_write_bio_PKCS8PrivateKey(bio, key, cipher, pass, plen,
						   NULL, NULL);
		break;
	case PEM_TRAD:
		ok = PEM_write_bio_PrivateKey_traditional(
			bio, key, cipher, (unsigned char *)pass, plen, NULL,
			NULL);
		break;
	case DER_PKCS8:
		ok = i2d_PKCS8PrivateKey_bio(bio, key, cipher, pass, plen, NULL,
					     NULL);
		break;
	case DER_TRAD:
		ok = i2d_PrivateKey_bio(bio, key);
		break;
	case PEM_PUBLIC:
		ok = PEM_write_bio_PUBKEY(bio, key);
		break;
	}
	assert_int_equal(ok, 1);
	blob_of_bio(bio, out);
}

/* The number OpenSSL has for name equals the big-endian v. */
static void assert_number(const EVP_PKEY *key, const char *name,
			  const uint8_t *v, size_t len)
{
	BIGNUM *want = NULL, *got = BN_bin2bn(v, (int)len, NULL);

	assert_int_equal(EVP_PKEY_get_bn_param(key, name, &want), 1);
	assert_non_null(got);
	assert_int_equal(BN_cmp(want, got), 0);
	BN_free(want);
	BN_free(got);
}

static enum keyfile_rc load(const struct blob *b, struct keyfile_key *key)
{
	return keyfile_key_load(b->data, b->len, NULL, NULL, key);
}

static void check_rsa(EVP_PKEY *pkey, const struct keyfile_key *key)
{
	static const char *const names[KEYFILE_SECRET_COUNT] = {
		OSSL_PKEY_PARAM_RSA_D,	       OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};

	assert_int_equal(key->kind, KEYFILE_RSA);
	assert_int_equal(key->bits, 2048);
	assert_int_equal(key->modulus_len, 256);
	assert_true(key->modulus[0] & 0x80);
	assert_number(pkey, OSSL_PKEY_PARAM_RSA_N, key->modulus,
		      key->modulus_len);
	assert_number(pkey, OSSL_PKEY_PARAM_RSA_E, key->exponent,
		      key->exponent_len);
	for (size_t i = 0; i < KEYFILE_SECRET_COUNT; i++) {
		assert_non_null(key->secret[i]);
		assert_number(pkey, names[i], key->secret[i]->data,
			      key->secret[i]->len);
	}
}

static void rsa_in_every_form(void **state)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	const enum form forms[] = { PEM_PKCS8, PEM_TRAD, DER_PKCS8, DER_TRAD };
	struct keyfile_key key;
	struct blob b;

	assert_non_null(pkey);
	for (size_t i = 0; i < 4; i++) {
		write_key(pkey, forms[i], NULL, NULL, &b);
		assert_int_equal(load(&b, &key), KEYFILE_OK);
		check_rsa(pkey, &key);
		keyfile_key_drop_secret(&key, KEYFILE_P);
		assert_null(key.secret[KEYFILE_P]);
		keyfile_key_clear(&key);
		assert_null(key.modulus);
		assert_null(key.secret[KEYFILE_D]);
		free(b.data);
	}
	EVP_PKEY_free(pkey);
}

static void check_ec(EVP_PKEY *pkey, const struct keyfile_key *key,
		     const char *curve, size_t width)
{
	uint8_t point[KEYFILE_EC_POINT_MAX];
	size_t point_len = 0;

	assert_int_equal(key->kind, KEYFILE_EC);
	assert_string_equal(key->curve, curve);
	assert_string_equal(keyfile_curve_name(key->ec_params,
					       key->ec_params_len), curve);
	assert_int_equal(key->ec_params[0], 0x06); /* an OID */
	assert_non_null(key->secret[KEYFILE_D]);
	assert_int_equal(key->secret[KEYFILE_D]->len, width);
	assert_number(pkey, OSSL_PKEY_PARAM_PRIV_KEY,
		      key->secret[KEYFILE_D]->data, width);
	assert_null(key->secret[KEYFILE_P]);
	assert_int_equal(EVP_PKEY_get_octet_string_param(
				 pkey, OSSL_PKEY_PARAM_PUB_KEY, point,
				 sizeof(point), &point_len),
			 1);
	assert_int_equal(key->point_len, 1 + 2 * width);
	assert_int_equal(point_len, key->point_len);
	assert_memory_equal(point, key->point, point_len);
}

static void ec_curves_in_every_form(void **state)
{
	static const struct {
		const char *group, *name;
		size_t width;
	} curves[] = { { "P-256", "P-256", 32 },
		       { "secp384r1", "P-384", 48 },
		       { "P-521", "P-521", 66 } };
	const enum form forms[] = { PEM_PKCS8, PEM_TRAD, DER_PKCS8, DER_TRAD };
	struct keyfile_key key;
	struct blob b;

	for (size_t c = 0; c < 3; c++) {
		EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
						   curves[c].group);

		assert_non_null(pkey);
		for (size_t i = 0; i < 4; i++) {
			write_key(pkey, forms[i], NULL, NULL, &b);
			assert_int_equal(load(&b, &key), KEYFILE_OK);
			check_ec(pkey, &key, curves[c].name, curves[c].width);
			keyfile_key_clear(&key);
			free(b.data);
		}
		EVP_PKEY_free(pkey);
	}
}

struct asked {
	const char *pass;
	int calls;
};

static struct secbuf *give(void *arg)
{
	struct asked *a = arg;

	a->calls++;
	return a->pass ? secbuf_dup(a->pass, strlen(a->pass)) : NULL;
}

static void encrypted_files(void **state)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	const enum form forms[] = { PEM_PKCS8, PEM_TRAD, DER_PKCS8 };
	struct keyfile_key key;
	struct blob b;

	assert_non_null(pkey);
	for (size_t i = 0; i < 3; i++) {
		struct asked right = { "open sesame", 0 }, wrong = { "nope", 0 };
		struct asked none = { NULL, 0 };

		write_key(pkey, forms[i], EVP_aes_256_cbc(), "open sesame", &b);
		assert_int_equal(keyfile_key_load(b.data, b.len, give, &wrong,
						  &key),
				 KEYFILE_BAD_PASSPHRASE);
		assert_null(key.secret[KEYFILE_D]);
		assert_int_equal(keyfile_key_load(b.data, b.len, give, &none,
						  &key),
				 KEYFILE_NO_PASSPHRASE);
		assert_int_equal(load(&b, &key), KEYFILE_NO_PASSPHRASE);
		assert_int_equal(keyfile_key_load(b.data, b.len, give, &right,
						  &key),
				 KEYFILE_OK);
		/* Asked once per load, however often OpenSSL wants it. */
		assert_int_equal(right.calls, 1);
		assert_int_equal(wrong.calls, 1);
		assert_int_equal(none.calls, 1);
		check_ec(pkey, &key, "P-256", 32);
		keyfile_key_clear(&key);
		free(b.data);
	}
	/* A plain file never asks. */
	{
		struct asked plain = { "unused", 0 };

		write_key(pkey, PEM_PKCS8, NULL, NULL, &b);
		assert_int_equal(keyfile_key_load(b.data, b.len, give, &plain,
						  &key),
				 KEYFILE_OK);
		assert_int_equal(plain.calls, 0);
		keyfile_key_clear(&key);
		free(b.data);
	}
	EVP_PKEY_free(pkey);
}

static void refuse(EVP_PKEY *pkey, enum form form, enum keyfile_rc want,
		   const char *type_name)
{
	struct keyfile_key key;
	struct blob b;

	assert_non_null(pkey);
	write_key(pkey, form, NULL, NULL, &b);
	assert_int_equal(load(&b, &key), want);
	if (type_name != NULL)
		assert_non_null(strstr(key.type_name, type_name));
	assert_null(key.modulus);
	assert_null(key.secret[KEYFILE_D]);
	free(b.data);
	EVP_PKEY_free(pkey);
}

static EVP_PKEY *three_prime_rsa(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_primes(ctx, 3), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &pkey), 1);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static void other_keys_refused(void **state)
{
	static const uint8_t garbage[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
					 "-----END PRIVATE KEY-----\n";
	struct keyfile_key key;

	refuse(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), PEM_PKCS8,
	       KEYFILE_UNSUPPORTED, "ED25519");
	refuse(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1"), DER_TRAD,
	       KEYFILE_UNSUPPORTED, "secp256k1");
	refuse(three_prime_rsa(), PEM_TRAD, KEYFILE_UNSUPPORTED, "two primes");
	refuse(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), PEM_PUBLIC,
	       KEYFILE_NOT_PRIVATE, NULL);
	assert_int_equal(keyfile_key_load(garbage, sizeof(garbage) - 1, NULL,
					  NULL, &key),
			 KEYFILE_MALFORMED);
	assert_int_equal(keyfile_key_load(garbage, 0, NULL, NULL, &key),
			 KEYFILE_MALFORMED);
	assert_int_equal(keyfile_key_load(NULL, 10, NULL, NULL, &key),
			 KEYFILE_MALFORMED);
	assert_non_null(keyfile_rc_text(KEYFILE_BAD_PASSPHRASE));
}

/* A self-signed certificate of a new P-256 key, as DER. */
static void make_cert(struct blob *der, EVP_PKEY **key_out)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *cert = X509_new();
	X509_NAME *name = X509_NAME_new();
	unsigned char *buf = NULL;
	int len;

	assert_non_null(pkey);
	assert_non_null(cert);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
						    (const unsigned char *)"t",
						    -1, -1, 0),
			 1);
	assert_int_equal(X509_set_version(cert, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(cert), 5), 1);
	assert_int_equal(X509_set_subject_name(cert, name), 1);
	assert_int_equal(X509_set_issuer_name(cert, name), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(cert), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(cert), 3600));
	assert_int_equal(X509_set_pubkey(cert, pkey), 1);
	assert_true(X509_sign(cert, pkey, EVP_sha256()) > 0);
	len = i2d_X509(cert, &buf);
	assert_true(len > 0);
	der->data = malloc((size_t)len);
	assert_non_null(der->data);
	memcpy(der->data, buf, (size_t)len);
	der->len = (size_t)len;
	OPENSSL_free(buf);
	X509_NAME_free(name);
	X509_free(cert);
	*key_out = pkey;
}

static void cert_in(const struct blob *file, enum keyfile_rc want,
		    const struct blob *der, const struct blob *spki)
{
	uint8_t *got = NULL, *got_spki = NULL;
	size_t len = 0, spki_len = 0;

	assert_int_equal(keyfile_cert_load(file->data, file->len, &got, &len,
					   &got_spki, &spki_len),
			 want);
	if (want != KEYFILE_OK) {
		assert_null(got);
		assert_null(got_spki);
		return;
	}
	assert_int_equal(len, der->len);
	assert_memory_equal(got, der->data, len);
	assert_int_equal(spki_len, spki->len);
	assert_memory_equal(got_spki, spki->data, spki_len);
	free(got);
	free(got_spki);
}

static void certificates(void **state)
{
	struct blob der, other, spki, pem, bad;
	EVP_PKEY *pkey, *other_key;
	unsigned char *buf = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	X509 *x;
	const unsigned char *p;

	make_cert(&der, &pkey);
	make_cert(&other, &other_key);
	spki.len = (size_t)i2d_PUBKEY(pkey, &buf);
	spki.data = buf;
	cert_in(&der, KEYFILE_OK, &der, &spki);
	/* PEM: text before it and a second certificate after are ignored. */
	assert_non_null(bio);
	BIO_puts(bio, "subject=CN = t\n");
	p = der.data;
	x = d2i_X509(NULL, &p, (long)der.len);
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	X509_free(x);
	p = other.data;
	x = d2i_X509(NULL, &p, (long)other.len);
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	X509_free(x);
	blob_of_bio(bio, &pem);
	cert_in(&pem, KEYFILE_OK, &der, &spki);
	/* One byte more is not one certificate; a key is none. */
	bad.data = malloc(der.len + 1);
	assert_non_null(bad.data);
	memcpy(bad.data, der.data, der.len);
	bad.data[der.len] = 0;
	bad.len = der.len + 1;
	cert_in(&bad, KEYFILE_MALFORMED, NULL, NULL);
	free(bad.data);
	write_key(pkey, PEM_PKCS8, NULL, NULL, &bad);
	cert_in(&bad, KEYFILE_MALFORMED, NULL, NULL);
	free(bad.data);
	free(pem.data);
	free(der.data);
	free(other.data);
	OPENSSL_free(spki.data);
	EVP_PKEY_free(pkey);
	EVP_PKEY_free(other_key);
}

static void curve_names(void **state)
{
	static const uint8_t p384[] = { 0x06, 0x05, 0x2b, 0x81,
					0x04, 0x00, 0x22 };
	static const uint8_t k1[] = { 0x06, 0x05, 0x2b, 0x81,
				      0x04, 0x00, 0x0a };

	assert_string_equal(keyfile_curve_name(p384, sizeof(p384)), "P-384");
	assert_null(keyfile_curve_name(k1, sizeof(k1)));
	assert_null(keyfile_curve_name(p384, sizeof(p384) - 1));
	assert_null(keyfile_curve_name(NULL, 0));
}

static int teardown(void **state)
{
	crypto_shutdown();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rsa_in_every_form),
		cmocka_unit_test(ec_curves_in_every_form),
		cmocka_unit_test(encrypted_files),
		cmocka_unit_test(other_keys_refused),
		cmocka_unit_test(certificates),
		cmocka_unit_test(curve_names),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
