/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/crypto.h"
#include "common/x509.h"

/* Keys made once for the group, by OpenSSL (the reference). */
static EVP_PKEY *rsa_key, *ec_key, *ca_key;

static int setup(void **state)
{
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	return rsa_key != NULL && ec_key != NULL && ca_key != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(ca_key);
	crypto_shutdown();
	return 0;
}

static X509_NAME *make_name(const char *cn, bool long_ou)
{
	X509_NAME *name = X509_NAME_new();
	char ou[61];

	assert_non_null(name);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
						    (const uint8_t *)"DE", -1,
						    -1, 0),
			 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
						    (const uint8_t *)"tpmcard",
						    -1, -1, 0),
			 1);
	/* Long enough for long-form lengths inside the Name (an OU is 64). */
	for (int i = 0; long_ou && i < 4; i++) {
		memset(ou, 'a' + i, sizeof(ou) - 1);
		ou[sizeof(ou) - 1] = '\0';
		assert_int_equal(X509_NAME_add_entry_by_txt(name, "OU",
							    MBSTRING_UTF8,
							    (const uint8_t *)ou,
							    -1, -1, 0),
				 1);
	}
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
						    (const uint8_t *)cn, -1,
						    -1, 0),
			 1);
	return name;
}

struct cert_spec {
	EVP_PKEY *key;		/* the subject's key */
	EVP_PKEY *signer;	/* NULL: self-signed */
	const X509_NAME *issuer; /* the signer's name, when signer */
	const char *cn;
	bool v3;		/* version 3 with extensions; else v1 */
	bool long_ou;
	const uint8_t *serial;	/* big-endian magnitude */
	size_t serial_len;
	bool negative_serial;
};

/* A DER certificate made and signed by OpenSSL; *len its size. */
static uint8_t *make_cert(const struct cert_spec *spec, size_t *len)
{
	X509 *x = X509_new();
	X509_NAME *subject = make_name(spec->cn, spec->long_ou);
	BIGNUM *bn = BN_bin2bn(spec->serial, (int)spec->serial_len, NULL);
	ASN1_INTEGER *serial;
	uint8_t *der = NULL;
	int n;

	assert_non_null(x);
	assert_non_null(bn);
	BN_set_negative(bn, spec->negative_serial);
	serial = BN_to_ASN1_INTEGER(bn, NULL);
	assert_non_null(serial);
	assert_int_equal(X509_set_serialNumber(x, serial), 1);
	assert_int_equal(X509_set_version(x, spec->v3 ? X509_VERSION_3 :
							   X509_VERSION_1),
			 1);
	assert_int_equal(X509_set_subject_name(x, subject), 1);
	assert_int_equal(X509_set_issuer_name(x, spec->signer != NULL ?
							 spec->issuer :
							 subject),
			 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30));
	assert_int_equal(X509_set_pubkey(x, spec->key), 1);
	if (spec->v3) {
		X509V3_CTX ctx;
		X509_EXTENSION *ext;

		X509V3_set_ctx_nodb(&ctx);
		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
					  "critical,CA:FALSE");
		assert_non_null(ext);
		assert_int_equal(X509_add_ext(x, ext, -1), 1);
		X509_EXTENSION_free(ext);
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name,
					  "DNS:token.example");
		assert_non_null(ext);
		assert_int_equal(X509_add_ext(x, ext, -1), 1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(x, spec->signer != NULL ? spec->signer :
							 spec->key,
			      EVP_sha256()) > 0);
	n = i2d_X509(x, &der);
	assert_true(n > 0);
	*len = (size_t)n;
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	X509_NAME_free(subject);
	X509_free(x);
	return der;
}

/* The DER of an OpenSSL object through its i2d function. */
static void check_same(const uint8_t *got, size_t got_len,
		       const uint8_t *want, int want_len)
{
	assert_true(want_len > 0);
	assert_int_equal(got_len, (size_t)want_len);
	assert_memory_equal(got, want, (size_t)want_len);
}

/* x509_parse against OpenSSL's parse of the same bytes. */
static void check_fields(const uint8_t *der, size_t len,
			 struct x509_fields *f)
{
	const uint8_t *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	uint8_t *want = NULL;
	int n;

	assert_non_null(x);
	assert_ptr_equal(p, der + len);
	assert_true(x509_parse(der, len, f));

	n = i2d_X509_NAME(X509_get_subject_name(x), &want);
	check_same(f->subject, f->subject_len, want, n);
	OPENSSL_free(want);
	want = NULL;
	n = i2d_X509_NAME(X509_get_issuer_name(x), &want);
	check_same(f->issuer, f->issuer_len, want, n);
	OPENSSL_free(want);
	want = NULL;
	n = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &want);
	check_same(f->serial, f->serial_len, want, n);
	OPENSSL_free(want);
	X509_free(x);
}

/* Skips a tag and length (as OpenSSL wrote them) at *p. */
static const uint8_t *skip_header(const uint8_t *p)
{
	if (p[1] < 0x80)
		return p + 2;
	return p + 2 + (p[1] & 0x7f);
}

/* The first byte of the TBSCertificate's content: a0 or 02. */
static uint8_t tbs_first(const uint8_t *der)
{
	return *skip_header(skip_header(der));
}

static const uint8_t serial_long[20] = {
	0x8f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
};
static const uint8_t serial_one[1] = { 0x01 };

static void self_signed(EVP_PKEY *key, bool v3, bool long_ou,
			const uint8_t *serial, size_t serial_len,
			bool negative)
{
	struct cert_spec spec = {
		.key = key,
		.cn = "self-signed",
		.v3 = v3,
		.long_ou = long_ou,
		.serial = serial,
		.serial_len = serial_len,
		.negative_serial = negative,
	};
	struct x509_fields f;
	size_t len;
	uint8_t *der = make_cert(&spec, &len);

	/* The version field is there for v3, left out for v1. */
	assert_int_equal(tbs_first(der), v3 ? 0xa0 : 0x02);
	check_fields(der, len, &f);
	assert_int_equal(f.subject_len, f.issuer_len);
	assert_memory_equal(f.subject, f.issuer, f.subject_len);
	assert_int_equal(f.serial[0], 0x02);
	x509_fields_clear(&f);
	assert_null(f.subject);
	assert_null(f.issuer);
	assert_null(f.serial);
	OPENSSL_free(der);
}

static void rsa_v3(void **state)
{
	self_signed(rsa_key, true, false, serial_long, sizeof(serial_long),
		    false);
	self_signed(rsa_key, true, true, serial_one, sizeof(serial_one),
		    false);
}

static void rsa_v1(void **state)
{
	self_signed(rsa_key, false, false, serial_one, sizeof(serial_one),
		    false);
	self_signed(rsa_key, false, true, serial_long, sizeof(serial_long),
		    true);
}

static void ec_v3(void **state)
{
	self_signed(ec_key, true, false, serial_one, sizeof(serial_one),
		    false);
	self_signed(ec_key, true, true, serial_long, sizeof(serial_long),
		    false);
}

static void ec_v1(void **state)
{
	self_signed(ec_key, false, false, serial_long, sizeof(serial_long),
		    false);
	self_signed(ec_key, false, false, serial_one, sizeof(serial_one),
		    true);
}

/* A certificate signed by a CA: issuer is the CA's name, not the subject. */
static void ca_signed(void **state)
{
	static const uint8_t serial[] = { 0x12, 0x34 };
	X509_NAME *ca_name = make_name("test CA", false);
	EVP_PKEY *keys[2] = { rsa_key, ec_key };
	uint8_t *ca_der = NULL;

	assert_true(i2d_X509_NAME(ca_name, &ca_der) > 0);
	for (size_t i = 0; i < 2; i++) {
		struct cert_spec spec = {
			.key = keys[i],
			.signer = ca_key,
			.issuer = ca_name,
			.cn = "leaf",
			.v3 = i == 0,
			.serial = serial,
			.serial_len = sizeof(serial),
		};
		struct x509_fields f;
		size_t len;
		uint8_t *der = make_cert(&spec, &len);

		check_fields(der, len, &f);
		assert_false(f.subject_len == f.issuer_len &&
			     memcmp(f.subject, f.issuer, f.subject_len) == 0);
		assert_memory_equal(f.issuer, ca_der, f.issuer_len);
		x509_fields_clear(&f);
		OPENSSL_free(der);
	}
	OPENSSL_free(ca_der);
	X509_NAME_free(ca_name);
}

/* x509_parse refuses and leaves the fields zeroed. */
static void check_refused(const uint8_t *der, size_t len)
{
	struct x509_fields f;

	memset(&f, 0x5a, sizeof(f));
	assert_false(x509_parse(der, len, &f));
	assert_null(f.subject);
	assert_null(f.issuer);
	assert_null(f.serial);
	assert_int_equal(f.subject_len, 0);
	assert_int_equal(f.issuer_len, 0);
	assert_int_equal(f.serial_len, 0);
}

static void refused(void **state)
{
	struct cert_spec spec = {
		.key = ec_key,
		.cn = "refused",
		.v3 = true,
		.serial = serial_one,
		.serial_len = sizeof(serial_one),
	};
	struct x509_fields f;
	size_t len;
	uint8_t *der = make_cert(&spec, &len), *longer, *spki = NULL;
	int spki_len;

	/* The certificate itself is fine. */
	assert_true(x509_parse(der, len, &f));
	x509_fields_clear(&f);

	/* Trailing bytes: a 00, and a whole NULL element. */
	longer = malloc(len + 2);
	assert_non_null(longer);
	memcpy(longer, der, len);
	longer[len] = 0x05;
	longer[len + 1] = 0x00;
	check_refused(longer, len + 1);
	check_refused(longer, len + 2);
	longer[len] = 0x00;
	check_refused(longer, len + 1);
	free(longer);

	/* Truncated. */
	check_refused(der, len - 1);
	check_refused(der, len / 2);
	check_refused(der, 1);

	/* Empty, NULL. */
	check_refused(der, 0);
	check_refused(NULL, 0);
	check_refused(NULL, len);

	/* A plain SubjectPublicKeyInfo of each key type. */
	spki_len = i2d_PUBKEY(ec_key, &spki);
	assert_true(spki_len > 0);
	check_refused(spki, (size_t)spki_len);
	OPENSSL_free(spki);
	spki = NULL;
	spki_len = i2d_PUBKEY(rsa_key, &spki);
	assert_true(spki_len > 0);
	check_refused(spki, (size_t)spki_len);
	OPENSSL_free(spki);
	OPENSSL_free(der);
}

/* One DER element, as its whole encoding. */
struct elem {
	const uint8_t *p;
	size_t len;
};

/* The header size of the element at p; *content its content length. */
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

/* The elements inside the constructed element at der. */
static size_t split(const uint8_t *der, struct elem *out, size_t max)
{
	size_t content, at = elem_header(der, &content), end = at + content;
	size_t n = 0;

	while (at < end) {
		size_t c, h = elem_header(der + at, &c);

		assert_true(n < max);
		out[n].p = der + at;
		out[n].len = h + c;
		at += h + c;
		n++;
	}
	assert_int_equal(at, end);
	return n;
}

/* tag { parts } into out (room for it all); returns its length. */
static size_t join(uint8_t tag, const struct elem *parts, size_t n,
		   uint8_t *out)
{
	size_t content = 0, at = 0;

	for (size_t i = 0; i < n; i++)
		content += parts[i].len;
	out[at++] = tag;
	if (content >= 0x100) {
		out[at++] = 0x82;
		out[at++] = (uint8_t)(content >> 8);
	} else if (content >= 0x80) {
		out[at++] = 0x81;
	}
	out[at++] = (uint8_t)content;
	for (size_t i = 0; i < n; i++) {
		memcpy(out + at, parts[i].p, parts[i].len);
		at += parts[i].len;
	}
	return at;
}

/*
 * A Certificate rebuilt from its own parts with one part changed: cert
 * the three outer parts, tbs the TBSCertificate's; tbs_n of them used.
 */
static size_t rebuild(const struct elem *cert, size_t cert_n,
		      const struct elem *tbs, size_t tbs_n, uint8_t *out)
{
	uint8_t tbs_der[4096];
	struct elem outer[4];

	assert_true(cert_n <= 4);
	memcpy(outer, cert, cert_n * sizeof(*cert));
	outer[0].p = tbs_der;
	outer[0].len = join(0x30, tbs, tbs_n, tbs_der);
	return join(0x30, outer, cert_n, out);
}

/* Certificates whose structure is wrong inside are refused. */
static void structure_refused(void **state)
{
	static const uint8_t null_elem[] = { 0x05, 0x00 };
	struct cert_spec spec = {
		.key = ec_key,
		.cn = "structure",
		.v3 = true,
		.serial = serial_long,
		.serial_len = sizeof(serial_long),
	};
	struct elem cert[4], tbs[16], saved;
	uint8_t out[4096], changed[256];
	struct x509_fields f;
	size_t len, cert_n, tbs_n, n, content;
	uint8_t *der = make_cert(&spec, &len);

	cert_n = split(der, cert, 3);
	assert_int_equal(cert_n, 3);
	tbs_n = split(cert[0].p, tbs, 16);
	/* version, serial, signature, issuer, validity, subject, spki, ext */
	assert_int_equal(tbs_n, 8);
	assert_int_equal(tbs[0].p[0], 0xa0);

	/* Rebuilt unchanged: the same bytes, taken. */
	n = rebuild(cert, 3, tbs, tbs_n, out);
	assert_int_equal(n, len);
	assert_memory_equal(out, der, len);
	assert_true(x509_parse(out, n, &f));
	x509_fields_clear(&f);
	/* Without the extensions, and without the version: still taken. */
	n = rebuild(cert, 3, tbs, 7, out);
	assert_true(x509_parse(out, n, &f));
	x509_fields_clear(&f);
	n = rebuild(cert, 3, tbs + 1, 6, out);
	assert_true(x509_parse(out, n, &f));
	assert_memory_equal(f.serial, tbs[1].p, tbs[1].len);
	x509_fields_clear(&f);

	/* An element after the signature value. */
	cert[3].p = null_elem;
	cert[3].len = sizeof(null_elem);
	n = rebuild(cert, 4, tbs, tbs_n, out);
	check_refused(out, n);
	/* No signature value; no signature algorithm either. */
	check_refused(out, rebuild(cert, 2, tbs, tbs_n, out));
	check_refused(out, rebuild(cert, 1, tbs, tbs_n, out));
	/* The signature value an OCTET STRING. */
	saved = cert[2];
	assert_true(saved.len <= sizeof(changed));
	memcpy(changed, saved.p, saved.len);
	changed[0] = 0x04;
	cert[2].p = changed;
	check_refused(out, rebuild(cert, 3, tbs, tbs_n, out));
	cert[2] = saved;

	/* No subjectPublicKeyInfo; nor a subject. */
	check_refused(out, rebuild(cert, 3, tbs, 6, out));
	check_refused(out, rebuild(cert, 3, tbs, 5, out));
	/* The serial number an OCTET STRING. */
	saved = tbs[1];
	memcpy(changed, saved.p, saved.len);
	changed[0] = 0x04;
	tbs[1].p = changed;
	check_refused(out, rebuild(cert, 3, tbs, tbs_n, out));
	tbs[1] = saved;
	/* The version under [1], not [0]. */
	saved = tbs[0];
	memcpy(changed, saved.p, saved.len);
	changed[0] = 0xa1;
	tbs[0].p = changed;
	check_refused(out, rebuild(cert, 3, tbs, tbs_n, out));
	tbs[0] = saved;
	/* The issuer left out: subject and key move up, one is missing. */
	memmove(tbs + 3, tbs + 4, (tbs_n - 4) * sizeof(*tbs));
	check_refused(out, rebuild(cert, 3, tbs, 6, out));
	/* The Certificate, the TBSCertificate a SET, not a SEQUENCE. */
	assert_int_equal(split(cert[0].p, tbs, 16), tbs_n);
	n = rebuild(cert, 3, tbs, tbs_n, out);
	out[0] = 0x31;
	check_refused(out, n);
	out[0] = 0x30;
	out[elem_header(out, &content)] = 0x31;
	check_refused(out, n);
	OPENSSL_free(der);
}

static void clear_zeroed(void **state)
{
	struct x509_fields f;

	memset(&f, 0, sizeof(f));
	x509_fields_clear(&f);
	assert_null(f.subject);
	assert_int_equal(f.serial_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rsa_v3),
		cmocka_unit_test(rsa_v1),
		cmocka_unit_test(ec_v3),
		cmocka_unit_test(ec_v1),
		cmocka_unit_test(ca_signed),
		cmocka_unit_test(refused),
		cmocka_unit_test(structure_refused),
		cmocka_unit_test(clear_zeroed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
