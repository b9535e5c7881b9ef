/* SPDX-License-Identifier: BSD-3-Clause */
/* Blobs as the store keeps them: marshalling and reading the public key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tpm/tpm_internal.h"

static void rsa_public(TPM2B_PUBLIC *pub, UINT32 exponent)
{
	memset(pub, 0, sizeof(*pub));
	pub->publicArea.type = TPM2_ALG_RSA;
	pub->publicArea.nameAlg = TPM2_ALG_SHA256;
	pub->publicArea.parameters.rsaDetail.symmetric.algorithm =
		TPM2_ALG_NULL;
	pub->publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	pub->publicArea.parameters.rsaDetail.keyBits = 2048;
	pub->publicArea.parameters.rsaDetail.exponent = exponent;
	pub->publicArea.unique.rsa.size = 256;
	for (int i = 0; i < 256; i++)
		pub->publicArea.unique.rsa.buffer[i] = (BYTE)(i + 1);
}

static void ec_public(TPM2B_PUBLIC *pub, TPMI_ECC_CURVE curve,
		      const BYTE *x, UINT16 x_len, const BYTE *y, UINT16 y_len)
{
	memset(pub, 0, sizeof(*pub));
	pub->publicArea.type = TPM2_ALG_ECC;
	pub->publicArea.nameAlg = TPM2_ALG_SHA256;
	pub->publicArea.parameters.eccDetail.symmetric.algorithm =
		TPM2_ALG_NULL;
	pub->publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	pub->publicArea.parameters.eccDetail.curveID = curve;
	pub->publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	pub->publicArea.unique.ecc.x.size = x_len;
	memcpy(pub->publicArea.unique.ecc.x.buffer, x, x_len);
	pub->publicArea.unique.ecc.y.size = y_len;
	memcpy(pub->publicArea.unique.ecc.y.buffer, y, y_len);
}

static void make_blob(const TPM2B_PUBLIC *pub, struct tpm_blob *blob)
{
	TPM2B_PRIVATE priv = { .size = 40 };

	memset(priv.buffer, 0xa5, priv.size);
	assert_true(tpm_blob_marshal(pub, &priv, blob));
}

static void test_marshal_round_trip(void **state)
{
	TPM2B_PUBLIC pub, back_pub;
	TPM2B_PRIVATE back_priv;
	struct tpm_blob blob;

	(void)state;
	rsa_public(&pub, 0);
	make_blob(&pub, &blob);
	assert_true(tpm_blob_unmarshal(&blob, &back_pub, &back_priv));
	assert_int_equal(back_priv.size, 40);
	assert_int_equal(back_priv.buffer[39], 0xa5);
	assert_memory_equal(back_pub.publicArea.unique.rsa.buffer,
			    pub.publicArea.unique.rsa.buffer, 256);
	tpm_blob_clear(&blob);
	assert_null(blob.pub);
	assert_int_equal(blob.priv_len, 0);
}

static void test_damaged_blobs_are_refused(void **state)
{
	TPM2B_PUBLIC pub, back_pub;
	TPM2B_PRIVATE back_priv;
	struct tpm_pubkey key;
	struct tpm_blob blob;

	(void)state;
	rsa_public(&pub, 0);
	make_blob(&pub, &blob);
	blob.pub_len -= 1; /* truncated */
	assert_false(tpm_blob_unmarshal(&blob, &back_pub, &back_priv));
	assert_int_equal(tpm_blob_pubkey(&blob, &key), TPM_E_BAD_BLOB);
	blob.pub_len += 1;
	blob.priv_len -= 3;
	assert_false(tpm_blob_unmarshal(&blob, &back_pub, &back_priv));
	blob.priv_len += 3;
	tpm_blob_clear(&blob);
}

static void test_rsa_public_key(void **state)
{
	TPM2B_PUBLIC pub;
	struct tpm_pubkey key;
	struct tpm_blob blob;

	(void)state;
	rsa_public(&pub, 0);
	make_blob(&pub, &blob);
	assert_int_equal(tpm_blob_pubkey(&blob, &key), TPM_OK);
	assert_int_equal(key.type, TPM_KEY_RSA);
	assert_int_equal(key.modulus_len, 256);
	assert_int_equal(key.modulus[0], 1);
	/* The TPM writes 0 for the default exponent. */
	assert_int_equal(key.exponent, 65537);
	tpm_blob_clear(&blob);

	rsa_public(&pub, 3);
	make_blob(&pub, &blob);
	assert_int_equal(tpm_blob_pubkey(&blob, &key), TPM_OK);
	assert_int_equal(key.exponent, 3);
	tpm_blob_clear(&blob);
}

static void test_ec_coordinates_fill_the_field(void **state)
{
	BYTE x[31], y[33];
	TPM2B_PUBLIC pub;
	struct tpm_pubkey key;
	struct tpm_blob blob;

	(void)state;
	memset(x, 0x11, sizeof(x));
	memset(y, 0x22, sizeof(y));
	y[0] = 0; /* a leading zero beyond the field is dropped */
	ec_public(&pub, TPM2_ECC_NIST_P256, x, sizeof(x), y, sizeof(y));
	make_blob(&pub, &blob);
	assert_int_equal(tpm_blob_pubkey(&blob, &key), TPM_OK);
	assert_int_equal(key.type, TPM_KEY_EC);
	assert_int_equal(key.curve, TPM_CURVE_P256);
	assert_int_equal(key.coord_len, 32);
	assert_int_equal(key.x[0], 0); /* padded on the left */
	assert_int_equal(key.x[1], 0x11);
	assert_int_equal(key.y[0], 0x22);
	assert_int_equal(key.y[31], 0x22);
	tpm_blob_clear(&blob);
}

static void test_ec_refusals(void **state)
{
	BYTE big[33], x[32];
	TPM2B_PUBLIC pub;
	struct tpm_pubkey key;
	struct tpm_blob blob;

	(void)state;
	memset(big, 0x33, sizeof(big)); /* too long for P-256 */
	memset(x, 0x44, sizeof(x));
	ec_public(&pub, TPM2_ECC_NIST_P256, big, sizeof(big), x, sizeof(x));
	make_blob(&pub, &blob);
	assert_int_equal(tpm_blob_pubkey(&blob, &key), TPM_E_BAD_BLOB);
	tpm_blob_clear(&blob);

	ec_public(&pub, TPM2_ECC_BN_P256, x, sizeof(x), x, sizeof(x));
	make_blob(&pub, &blob);
	assert_int_equal(tpm_blob_pubkey(&blob, &key), TPM_E_BAD_BLOB);
	tpm_blob_clear(&blob);
}

static void test_curve_sizes(void **state)
{
	(void)state;
	assert_int_equal(tpm_curve_bytes(TPM_CURVE_P256), 32);
	assert_int_equal(tpm_curve_bytes(TPM_CURVE_P384), 48);
	assert_int_equal(tpm_curve_bytes(TPM_CURVE_P521), 66);
	assert_int_equal(tpm_curve_bytes(TPM_CURVE_NONE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marshal_round_trip),
		cmocka_unit_test(test_damaged_blobs_are_refused),
		cmocka_unit_test(test_rsa_public_key),
		cmocka_unit_test(test_ec_coordinates_fill_the_field),
		cmocka_unit_test(test_ec_refusals),
		cmocka_unit_test(test_curve_sizes),
	};

	setenv("TPMCARD_LOG", "none", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
