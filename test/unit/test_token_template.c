/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "token/token_template.h"

/*
 * The attribute rule table on its own: what each kind of object may hold,
 * what each operation may set, what is required, encodings, defaults,
 * one-way attributes, and that key material is never copied into a list.
 */

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE, bad_bool = 2;
static CK_OBJECT_CLASS cert_cls = CKO_CERTIFICATE;
static CK_OBJECT_CLASS pub_cls = CKO_PUBLIC_KEY, priv_cls = CKO_PRIVATE_KEY;
static CK_KEY_TYPE rsa = CKK_RSA, ec = CKK_EC;
static CK_CERTIFICATE_TYPE x509 = CKC_X_509;

static const struct tmpl_kind data_kind = { CKO_DATA, 0 };
static const struct tmpl_kind cert_kind = { CKO_CERTIFICATE, CKC_X_509 };
static const struct tmpl_kind rsa_pub = { CKO_PUBLIC_KEY, CKK_RSA };
static const struct tmpl_kind ec_pub = { CKO_PUBLIC_KEY, CKK_EC };
static const struct tmpl_kind rsa_priv = { CKO_PRIVATE_KEY, CKK_RSA };
static const struct tmpl_kind ec_priv = { CKO_PRIVATE_KEY, CKK_EC };

#define A(type, ptr) { type, (void *)(ptr), sizeof(*(ptr)) }
#define S(type, text) { type, (void *)(text), sizeof(text) - 1 }

static void kind_from_template(void **state)
{
	CK_ATTRIBUTE rsa_key[] = { A(CKA_CLASS, &pub_cls), A(CKA_KEY_TYPE, &rsa) };
	CK_ATTRIBUTE no_type[] = { A(CKA_CLASS, &priv_cls) };
	CK_ATTRIBUTE cert[] = { A(CKA_CLASS, &cert_cls),
				A(CKA_CERTIFICATE_TYPE, &x509) };
	CK_ULONG other_cert = CKC_WTLS, dsa = CKK_DSA, hw = CKO_HW_FEATURE;
	CK_ATTRIBUTE wtls[] = { A(CKA_CLASS, &cert_cls),
				A(CKA_CERTIFICATE_TYPE, &other_cert) };
	CK_ATTRIBUTE dsa_key[] = { A(CKA_CLASS, &pub_cls),
				   A(CKA_KEY_TYPE, &dsa) };
	CK_ATTRIBUTE feature[] = { A(CKA_CLASS, &hw) };
	CK_ATTRIBUTE short_class[] = { { CKA_CLASS, &yes, 1 } };
	struct tmpl_kind kind;

	(void)state;
	assert_int_equal(tmpl_kind_of(rsa_key, 2, NULL, &kind), CKR_OK);
	assert_int_equal(kind.cls, CKO_PUBLIC_KEY);
	assert_int_equal(kind.type, CKK_RSA);
	assert_int_equal(tmpl_kind_of(cert, 2, NULL, &kind), CKR_OK);
	assert_int_equal(tmpl_kind_of(NULL, 0, NULL, &kind),
			 CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(tmpl_kind_of(no_type, 1, NULL, &kind),
			 CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(tmpl_kind_of(wtls, 2, NULL, &kind),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(tmpl_kind_of(dsa_key, 2, NULL, &kind),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(tmpl_kind_of(feature, 1, NULL, &kind),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(tmpl_kind_of(short_class, 1, NULL, &kind),
			 CKR_ATTRIBUTE_VALUE_INVALID);
}

/* With a default (generation), class and type may be left out. */
static void kind_with_default(void **state)
{
	CK_ATTRIBUTE ec_key[] = { A(CKA_KEY_TYPE, &ec) };
	CK_ATTRIBUTE wrong[] = { A(CKA_CLASS, &priv_cls) };
	struct tmpl_kind kind;

	(void)state;
	assert_int_equal(tmpl_kind_of(NULL, 0, &rsa_pub, &kind), CKR_OK);
	assert_int_equal(kind.cls, CKO_PUBLIC_KEY);
	assert_int_equal(kind.type, CKK_RSA); /* CKK_RSA is 0 */
	assert_int_equal(tmpl_kind_of(ec_key, 1, &rsa_pub, &kind),
			 CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(tmpl_kind_of(wrong, 1, &rsa_pub, &kind),
			 CKR_TEMPLATE_INCONSISTENT);
}

static void attributes_of_other_kinds_are_refused(void **state)
{
	CK_ATTRIBUTE sign[] = { A(CKA_SIGN, &yes) };
	CK_ATTRIBUTE modulus[] = { S(CKA_MODULUS, "\x01") };
	CK_ATTRIBUTE vendor[] = { A(CKA_VENDOR_DEFINED, &yes) };

	(void)state;
	/* A public key cannot sign; an EC key has no modulus. */
	assert_int_equal(tmpl_check(TMPL_CREATE, &rsa_pub, sign, 1, NULL),
			 CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(tmpl_check(TMPL_GENERATE, &ec_priv, modulus, 1, NULL),
			 CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(tmpl_check(TMPL_CREATE, &data_kind, vendor, 1, NULL),
			 CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(tmpl_check(TMPL_CREATE, &data_kind, sign, 1, NULL),
			 CKR_ATTRIBUTE_TYPE_INVALID);
}

static void what_only_the_token_sets_is_read_only(void **state)
{
	CK_ULONG mech = CKM_RSA_PKCS_KEY_PAIR_GEN;
	CK_ATTRIBUTE local[] = { A(CKA_LOCAL, &yes) };
	CK_ATTRIBUTE always[] = { A(CKA_ALWAYS_SENSITIVE, &yes) };
	CK_ATTRIBUTE gen[] = { A(CKA_KEY_GEN_MECHANISM, &mech) };
	CK_ATTRIBUTE bits[] = { A(CKA_MODULUS_BITS, &mech) };

	(void)state;
	assert_int_equal(tmpl_check(TMPL_GENERATE, &rsa_priv, local, 1, NULL),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(tmpl_check(TMPL_GENERATE, &rsa_priv, always, 1, NULL),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(tmpl_check(TMPL_CREATE, &rsa_pub, gen, 1, NULL),
			 CKR_ATTRIBUTE_READ_ONLY);
	/* CKA_MODULUS_BITS is asked at generation, derived at creation. */
	assert_int_equal(tmpl_check(TMPL_CREATE, &rsa_pub, bits, 1, NULL),
			 CKR_ATTRIBUTE_READ_ONLY);
}

static void encodings_are_checked(void **state)
{
	CK_ULONG one = 1;
	CK_ATTRIBUTE bool_size[] = { { CKA_TOKEN, &one, sizeof(one) } };
	CK_ATTRIBUTE bool_value[] = { A(CKA_TOKEN, &bad_bool) };
	CK_ATTRIBUTE date_letters[] = { S(CKA_START_DATE, "2026ab01") };
	CK_ATTRIBUTE date_short[] = { S(CKA_START_DATE, "2026") };
	CK_ATTRIBUTE date_ok[] = { S(CKA_START_DATE, "20261122") };
	CK_ATTRIBUTE mechs_odd[] = { { CKA_ALLOWED_MECHANISMS, &one, 3 } };
	CK_ATTRIBUTE null_value[] = { { CKA_LABEL, NULL, 4 } };
	CK_ATTRIBUTE ulong_short[] = { { CKA_CERTIFICATE_CATEGORY, &yes, 1 } };

	(void)state;
	assert_int_equal(tmpl_check(TMPL_CREATE, &data_kind, bool_size, 1, NULL),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(tmpl_check(TMPL_CREATE, &data_kind, bool_value, 1,
				    NULL),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(tmpl_check(TMPL_GENERATE, &ec_priv, date_letters, 1,
				    NULL),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(tmpl_check(TMPL_GENERATE, &ec_priv, date_short, 1,
				    NULL),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(tmpl_check(TMPL_GENERATE, &ec_priv, date_ok, 1, NULL),
			 CKR_OK);
	assert_int_equal(tmpl_check(TMPL_GENERATE, &ec_priv, mechs_odd, 1,
				    NULL),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(tmpl_check(TMPL_CREATE, &data_kind, null_value, 1,
				    NULL),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(tmpl_check(TMPL_CREATE, &cert_kind, ulong_short, 1,
				    NULL),
			 CKR_ATTRIBUTE_VALUE_INVALID);
}

static void duplicates_must_agree(void **state)
{
	CK_ATTRIBUTE same[] = { S(CKA_LABEL, "a"), S(CKA_LABEL, "a") };
	CK_ATTRIBUTE differ[] = { S(CKA_LABEL, "a"), S(CKA_LABEL, "b") };

	(void)state;
	assert_int_equal(tmpl_check(TMPL_CREATE, &data_kind, same, 2, NULL),
			 CKR_OK);
	assert_int_equal(tmpl_check(TMPL_CREATE, &data_kind, differ, 2, NULL),
			 CKR_TEMPLATE_INCONSISTENT);
}

static void required_attributes(void **state)
{
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE cert_no_value[] = { S(CKA_LABEL, "c") };
	CK_ATTRIBUTE pub_no_exp[] = { S(CKA_MODULUS, "\x80") };
	CK_ATTRIBUTE gen_rsa[] = { A(CKA_MODULUS_BITS, &bits) };
	CK_ATTRIBUTE ec_priv_parts[] = { S(CKA_EC_PARAMS, "\x06\x01\x01"),
					 S(CKA_VALUE, "\x01") };

	(void)state;
	assert_int_equal(tmpl_check(TMPL_CREATE, &cert_kind, cert_no_value, 1,
				    NULL),
			 CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(tmpl_check(TMPL_CREATE, &rsa_pub, pub_no_exp, 1,
				    NULL),
			 CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(tmpl_check(TMPL_GENERATE, &rsa_pub, NULL, 0, NULL),
			 CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(tmpl_check(TMPL_GENERATE, &rsa_pub, gen_rsa, 1, NULL),
			 CKR_OK);
	assert_int_equal(tmpl_check(TMPL_GENERATE, &ec_pub, NULL, 0, NULL),
			 CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(tmpl_check(TMPL_CREATE, &ec_priv, ec_priv_parts, 2,
				    NULL),
			 CKR_OK);
	assert_int_equal(tmpl_check(TMPL_CREATE, &ec_priv, ec_priv_parts, 1,
				    NULL),
			 CKR_TEMPLATE_INCOMPLETE);
	/* Nothing is required to modify or derive. */
	assert_int_equal(tmpl_check(TMPL_SET, &cert_kind, NULL, 0, NULL),
			 CKR_OK);
	assert_int_equal(tmpl_check(TMPL_CREATE, &data_kind, NULL, 1, NULL),
			 CKR_ARGUMENTS_BAD);
}

/* A key's attributes as stored, for SET and COPY. */
static void stored_key(struct attr_list *attrs, bool sensitive,
		       bool extractable)
{
	memset(attrs, 0, sizeof(*attrs));
	assert_true(attrs_set_ulong(attrs, CKA_CLASS, CKO_PRIVATE_KEY));
	assert_true(attrs_set_ulong(attrs, CKA_KEY_TYPE, CKK_EC));
	assert_true(attrs_set_bool(attrs, CKA_SENSITIVE, sensitive));
	assert_true(attrs_set_bool(attrs, CKA_EXTRACTABLE, extractable));
	assert_true(attrs_set_bool(attrs, CKA_TOKEN, true));
	assert_true(attrs_set(attrs, CKA_LABEL, "k", 1));
}

static void one_way_attributes(void **state)
{
	CK_ATTRIBUTE sensitive_off[] = { A(CKA_SENSITIVE, &no) };
	CK_ATTRIBUTE sensitive_on[] = { A(CKA_SENSITIVE, &yes) };
	CK_ATTRIBUTE extractable_on[] = { A(CKA_EXTRACTABLE, &yes) };
	CK_ATTRIBUTE extractable_off[] = { A(CKA_EXTRACTABLE, &no) };
	CK_ATTRIBUTE token_off[] = { A(CKA_TOKEN, &no) };
	CK_ATTRIBUTE relabel[] = { S(CKA_LABEL, "new") };
	struct attr_list key;

	(void)state;
	stored_key(&key, false, true);
	assert_int_equal(tmpl_check(TMPL_SET, &ec_priv, sensitive_on, 1, &key),
			 CKR_OK);
	assert_int_equal(tmpl_check(TMPL_SET, &ec_priv, extractable_off, 1,
				    &key),
			 CKR_OK);
	attrs_clear(&key);
	stored_key(&key, true, false);
	assert_int_equal(tmpl_check(TMPL_SET, &ec_priv, sensitive_off, 1,
				    &key),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(tmpl_check(TMPL_COPY, &ec_priv, extractable_on, 1,
				    &key),
			 CKR_ATTRIBUTE_READ_ONLY);
	/* The value it has already is always fine. */
	assert_int_equal(tmpl_check(TMPL_SET, &ec_priv, sensitive_on, 1, &key),
			 CKR_OK);
	/* CKA_TOKEN changes in a copy only; labels change anywhere. */
	assert_int_equal(tmpl_check(TMPL_SET, &ec_priv, token_off, 1, &key),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(tmpl_check(TMPL_COPY, &ec_priv, token_off, 1, &key),
			 CKR_OK);
	assert_int_equal(tmpl_check(TMPL_SET, &ec_priv, relabel, 1, &key),
			 CKR_OK);
	attrs_clear(&key);
}

static bool has_bool(const struct attr_list *list, CK_ATTRIBUTE_TYPE type,
		     bool value)
{
	const struct attr *a = attrs_find(list, type);

	return a != NULL && a->len == 1 && a->value[0] == (value ? 1 : 0);
}

static void defaults_per_kind(void **state)
{
	struct attr_list list = { 0 };
	CK_ATTRIBUTE given[] = { A(CKA_PRIVATE, &yes) };

	(void)state;
	assert_true(tmpl_defaults(&list, &rsa_pub));
	assert_true(has_bool(&list, CKA_ENCRYPT, true));
	assert_true(has_bool(&list, CKA_VERIFY, true));
	assert_true(has_bool(&list, CKA_PRIVATE, false));
	assert_true(has_bool(&list, CKA_TOKEN, false));
	assert_true(has_bool(&list, CKA_MODIFIABLE, true));
	assert_null(attrs_find(&list, CKA_MODULUS)); /* no default */
	attrs_clear(&list);
	assert_true(tmpl_defaults(&list, &ec_pub));
	assert_true(has_bool(&list, CKA_ENCRYPT, false));
	attrs_clear(&list);
	assert_true(tmpl_defaults(&list, &rsa_priv));
	assert_true(has_bool(&list, CKA_PRIVATE, true));
	assert_true(has_bool(&list, CKA_SENSITIVE, true));
	assert_true(has_bool(&list, CKA_DECRYPT, true));
	assert_true(has_bool(&list, CKA_DERIVE, false));
	attrs_clear(&list);
	assert_true(tmpl_defaults(&list, &ec_priv));
	assert_true(has_bool(&list, CKA_DECRYPT, false));
	assert_true(has_bool(&list, CKA_DERIVE, true));
	attrs_clear(&list);
	/* Given values are kept. */
	assert_true(tmpl_apply(&list, &data_kind, given, 1));
	assert_true(tmpl_defaults(&list, &data_kind));
	assert_true(has_bool(&list, CKA_PRIVATE, true));
	assert_non_null(attrs_find(&list, CKA_APPLICATION));
	attrs_clear(&list);
}

/* Key material is consumed, never copied into an object's attributes. */
static void key_material_is_never_kept(void **state)
{
	CK_ATTRIBUTE rsa_parts[] = {
		S(CKA_LABEL, "k"),	    S(CKA_PRIVATE_EXPONENT, "\x01"),
		S(CKA_PRIME_1, "\x02"),	    S(CKA_PRIME_2, "\x03"),
		S(CKA_EXPONENT_1, "\x04"),  S(CKA_EXPONENT_2, "\x05"),
		S(CKA_COEFFICIENT, "\x06"), S(CKA_MODULUS, "\x80"),
	};
	CK_ATTRIBUTE ec_parts[] = { S(CKA_VALUE, "\x07") };
	CK_ATTRIBUTE data_value[] = { S(CKA_VALUE, "public") };
	struct attr_list list = { 0 };

	(void)state;
	assert_true(tmpl_apply(&list, &rsa_priv, rsa_parts, 8));
	assert_non_null(attrs_find(&list, CKA_LABEL));
	assert_non_null(attrs_find(&list, CKA_MODULUS));
	for (size_t i = 1; i < 7; i++)
		assert_null(attrs_find(&list, rsa_parts[i].type));
	attrs_clear(&list);
	assert_true(tmpl_apply(&list, &ec_priv, ec_parts, 1));
	assert_null(attrs_find(&list, CKA_VALUE));
	assert_true(tmpl_is_sensitive(&ec_priv, CKA_VALUE));
	attrs_clear(&list);
	/* A data object's value is no secret. */
	assert_true(tmpl_apply(&list, &data_kind, data_value, 1));
	assert_non_null(attrs_find(&list, CKA_VALUE));
	assert_false(tmpl_is_sensitive(&data_kind, CKA_VALUE));
	attrs_clear(&list);
}

static void kind_of_a_stored_object(void **state)
{
	struct attr_list key;
	struct tmpl_kind kind;

	(void)state;
	stored_key(&key, true, false);
	assert_true(tmpl_kind_of_object(&key, &kind));
	assert_int_equal(kind.cls, CKO_PRIVATE_KEY);
	assert_int_equal(kind.type, CKK_EC);
	attrs_remove(&key, CKA_KEY_TYPE);
	assert_false(tmpl_kind_of_object(&key, &kind));
	attrs_clear(&key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kind_from_template),
		cmocka_unit_test(kind_with_default),
		cmocka_unit_test(attributes_of_other_kinds_are_refused),
		cmocka_unit_test(what_only_the_token_sets_is_read_only),
		cmocka_unit_test(encodings_are_checked),
		cmocka_unit_test(duplicates_must_agree),
		cmocka_unit_test(required_attributes),
		cmocka_unit_test(one_way_attributes),
		cmocka_unit_test(defaults_per_kind),
		cmocka_unit_test(key_material_is_never_kept),
		cmocka_unit_test(kind_of_a_stored_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
