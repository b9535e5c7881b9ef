/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A host program that has registered an OpenSSL engine as the default
 * for everything it implements -- RSA and EC key methods and EVP_PKEY
 * methods for RSA, RSA-PSS and EC, the shape of libp11's PKCS#11 engine --
 * then loads the module and uses every part of it that does software
 * cryptography with public keys: key-pair generation, public keys read
 * back (CKA_PUBLIC_KEY_INFO), verification, RSA encryption, public and
 * private key objects created from their values, a certificate object.
 * The engine's methods count each time OpenSSL hands them a key and then
 * refuse it.  Whatever the module computes must not reach them.  With
 * "all", the engine is also the default for SHA-1/SHA-2 digests, AES
 * ciphers and random numbers, the other families an engine can take.
 *
 * usage: engine-host MODULE TOKEN_LABEL PIN [all]
 * Prints "engine calls: N" and "failures: N"; exit 0 when both are 0.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR fn;
static atomic_int engine_calls;
static int failures;

#define FAIL(...)                             \
	do {                                  \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr);          \
		failures++;                   \
	} while (0)

#define CHECK(what, call)                                              \
	do {                                                           \
		CK_RV rv_ = (call);                                    \
		if (rv_ != CKR_OK)                                     \
			FAIL("%s: 0x%lx", what, (unsigned long)rv_); \
	} while (0)

/* The counting engine. */

static int counted_pkey_init(EVP_PKEY_CTX *ctx)
{
	(void)ctx;
	atomic_fetch_add(&engine_calls, 1);
	return 0;
}

static int counted_rsa_init(RSA *rsa)
{
	(void)rsa;
	atomic_fetch_add(&engine_calls, 1);
	return 0;
}

static int counted_ec_init(EC_KEY *key)
{
	(void)key;
	atomic_fetch_add(&engine_calls, 1);
	return 0;
}

static const int pkey_nids[] = { EVP_PKEY_RSA, EVP_PKEY_RSA_PSS, EVP_PKEY_EC };
static EVP_PKEY_METHOD *pkey_methods[3];

static int engine_pkey_methods(ENGINE *e, EVP_PKEY_METHOD **method,
			       const int **nids, int nid)
{
	(void)e;
	if (method == NULL) {
		*nids = pkey_nids;
		return 3;
	}
	for (int i = 0; i < 3; i++)
		if (pkey_nids[i] == nid) {
			*method = pkey_methods[i];
			return 1;
		}
	*method = NULL;
	return 0;
}

/* Digests, ciphers and random numbers: the "all" families. */

static int counted_md_init(EVP_MD_CTX *ctx)
{
	(void)ctx;
	atomic_fetch_add(&engine_calls, 1);
	return 0;
}

static int counted_cipher_init(EVP_CIPHER_CTX *ctx, const unsigned char *key,
			       const unsigned char *iv, int enc)
{
	(void)ctx;
	(void)key;
	(void)iv;
	(void)enc;
	atomic_fetch_add(&engine_calls, 1);
	return 0;
}

static int counted_rand_bytes(unsigned char *buf, int num)
{
	(void)buf;
	(void)num;
	atomic_fetch_add(&engine_calls, 1);
	return 0;
}

static int counted_rand_status(void)
{
	return 1;
}

static const int md_nids[] = { NID_sha1, NID_sha224, NID_sha256, NID_sha384,
			       NID_sha512 };
static const int cipher_nids[] = {
	NID_aes_128_cfb128, NID_aes_256_cfb128, NID_aes_128_cbc,
	NID_aes_256_cbc,    NID_aes_128_ecb,    NID_aes_256_ecb,
	NID_aes_128_gcm,    NID_aes_256_gcm,    NID_aes_128_ctr,
	NID_aes_256_ctr,
};
#define MD_COUNT (sizeof(md_nids) / sizeof(md_nids[0]))
#define CIPHER_COUNT (sizeof(cipher_nids) / sizeof(cipher_nids[0]))
static EVP_MD *mds[MD_COUNT];
static EVP_CIPHER *ciphers[CIPHER_COUNT];

static int engine_digests(ENGINE *e, const EVP_MD **md, const int **nids,
			  int nid)
{
	(void)e;
	if (md == NULL) {
		*nids = md_nids;
		return (int)MD_COUNT;
	}
	for (size_t i = 0; i < MD_COUNT; i++)
		if (md_nids[i] == nid) {
			*md = mds[i];
			return 1;
		}
	*md = NULL;
	return 0;
}

static int engine_ciphers(ENGINE *e, const EVP_CIPHER **cipher,
			  const int **nids, int nid)
{
	(void)e;
	if (cipher == NULL) {
		*nids = cipher_nids;
		return (int)CIPHER_COUNT;
	}
	for (size_t i = 0; i < CIPHER_COUNT; i++)
		if (cipher_nids[i] == nid) {
			*cipher = ciphers[i];
			return 1;
		}
	*cipher = NULL;
	return 0;
}

static bool add_other_families(ENGINE *e)
{
	static RAND_METHOD rand = { .bytes = counted_rand_bytes,
				    .status = counted_rand_status };

	for (size_t i = 0; i < MD_COUNT; i++) {
		mds[i] = EVP_MD_meth_new(md_nids[i], NID_undef);
		if (mds[i] == NULL || !EVP_MD_meth_set_init(mds[i],
							    counted_md_init) ||
		    !EVP_MD_meth_set_result_size(mds[i], 64))
			return false;
	}
	for (size_t i = 0; i < CIPHER_COUNT; i++) {
		ciphers[i] = EVP_CIPHER_meth_new(cipher_nids[i], 16, 32);
		if (ciphers[i] == NULL ||
		    !EVP_CIPHER_meth_set_init(ciphers[i], counted_cipher_init))
			return false;
	}
	return ENGINE_set_digests(e, engine_digests) &&
	       ENGINE_set_ciphers(e, engine_ciphers) &&
	       ENGINE_set_RAND(e, &rand);
}

static bool register_counting_engine(bool all)
{
	ENGINE *e = ENGINE_new();
	RSA_METHOD *rsa = RSA_meth_new("counting RSA", 0);
	EC_KEY_METHOD *ec = EC_KEY_METHOD_new(EC_KEY_get_default_method());

	if (e == NULL || rsa == NULL || ec == NULL)
		return false;
	RSA_meth_set_init(rsa, counted_rsa_init);
	EC_KEY_METHOD_set_init(ec, counted_ec_init, NULL, NULL, NULL, NULL,
			       NULL);
	for (int i = 0; i < 3; i++) {
		pkey_methods[i] = EVP_PKEY_meth_new(pkey_nids[i], 0);
		if (pkey_methods[i] == NULL)
			return false;
		EVP_PKEY_meth_set_init(pkey_methods[i], counted_pkey_init);
	}
	return ENGINE_set_id(e, "counting") && ENGINE_set_name(e, "counting") &&
	       ENGINE_set_RSA(e, rsa) && ENGINE_set_EC(e, ec) &&
	       ENGINE_set_pkey_meths(e, engine_pkey_methods) &&
	       (!all || add_other_families(e)) && ENGINE_add(e) &&
	       ENGINE_init(e) && ENGINE_set_default(e, ENGINE_METHOD_ALL);
}

/* Host material, made before the engine is registered. */

struct host_keys {
	EVP_PKEY *rsa;
	EVP_PKEY *ec;
	unsigned char cert[2048];
	int cert_len;
};

static bool make_certificate(struct host_keys *k)
{
	X509 *x = X509_new();
	X509_NAME *name;
	unsigned char *p = k->cert;
	bool ok = false;

	if (x == NULL)
		return false;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				       (const unsigned char *)"engine host",
				       -1, -1, 0) &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 7) &&
	    X509_set_issuer_name(x, name) && X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) &&
	    X509_set_pubkey(x, k->ec) && X509_sign(x, k->ec, EVP_sha256()) > 0) {
		k->cert_len = i2d_X509(x, NULL);
		ok = k->cert_len > 0 && k->cert_len <= (int)sizeof(k->cert) &&
		     i2d_X509(x, &p) == k->cert_len;
	}
	X509_free(x);
	return ok;
}

static bool make_host_keys(struct host_keys *k)
{
	k->rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k->ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return k->rsa != NULL && k->ec != NULL && make_certificate(k);
}

/* PKCS#11 helpers. */

static CK_SLOT_ID find_slot(const char *label)
{
	CK_SLOT_ID slots[32];
	CK_ULONG n = 32;
	CK_TOKEN_INFO info;
	size_t len = strlen(label);

	if (fn->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return (CK_SLOT_ID)-1;
	for (CK_ULONG i = 0; i < n; i++)
		if (fn->C_GetTokenInfo(slots[i], &info) == CKR_OK &&
		    memcmp(info.label, label, len) == 0 &&
		    (len == 32 || info.label[len] == ' '))
			return slots[i];
	return (CK_SLOT_ID)-1;
}

static CK_OBJECT_HANDLE find_one(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
				 CK_KEY_TYPE type)
{
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof(cls) },
				{ CKA_KEY_TYPE, &type, sizeof(type) },
				{ CKA_TOKEN, &yes, sizeof(yes) } };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (fn->C_FindObjectsInit(s, tmpl, 3) == CKR_OK) {
		if (fn->C_FindObjects(s, &h, 1, &n) != CKR_OK || n != 1)
			h = CK_INVALID_HANDLE;
		fn->C_FindObjectsFinal(s);
	}
	return h;
}

static bool has_spki(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h)
{
	unsigned char der[1024];
	CK_ATTRIBUTE a = { CKA_PUBLIC_KEY_INFO, der, sizeof(der) };

	return fn->C_GetAttributeValue(s, h, &a, 1) == CKR_OK &&
	       a.ulValueLen > 32;
}

/* Signs, verifies, and checks a damaged signature is refused. */
static void sign_and_verify_with(CK_SESSION_HANDLE s, const char *what,
				 CK_MECHANISM *mech, CK_OBJECT_HANDLE priv,
				 CK_OBJECT_HANDLE pub)
{
	unsigned char msg[] = "what the host signs";
	unsigned char sig[512];
	CK_ULONG sig_len = sizeof(sig);
	CK_RV rv;

	CHECK(what, fn->C_SignInit(s, mech, priv));
	CHECK(what, fn->C_Sign(s, msg, sizeof(msg), sig, &sig_len));
	CHECK(what, fn->C_VerifyInit(s, mech, pub));
	CHECK(what, fn->C_Verify(s, msg, sizeof(msg), sig, sig_len));
	sig[sig_len / 2] ^= 1;
	CHECK(what, fn->C_VerifyInit(s, mech, pub));
	rv = fn->C_Verify(s, msg, sizeof(msg), sig, sig_len);
	if (rv != CKR_SIGNATURE_INVALID)
		FAIL("%s: damaged signature gave 0x%lx", what,
		     (unsigned long)rv);
}

static void sign_and_verify(CK_SESSION_HANDLE s, const char *what,
			    CK_MECHANISM_TYPE type, CK_OBJECT_HANDLE priv,
			    CK_OBJECT_HANDLE pub)
{
	CK_MECHANISM mech = { type, NULL, 0 };

	sign_and_verify_with(s, what, &mech, priv, pub);
}

static void pss_sign_and_verify(CK_SESSION_HANDLE s, const char *what,
				CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub)
{
	CK_RSA_PKCS_PSS_PARAMS pss = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof(pss) };

	sign_and_verify_with(s, what, &mech, priv, pub);
}

static void oaep_round_trip(CK_SESSION_HANDLE s, const char *what,
			    CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub)
{
	CK_RSA_PKCS_OAEP_PARAMS oaep = { CKM_SHA256, CKG_MGF1_SHA256,
					 CKZ_DATA_SPECIFIED, NULL, 0 };
	CK_MECHANISM mech = { CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep) };
	unsigned char msg[] = "a secret for the token";
	unsigned char enc[512], dec[512];
	CK_ULONG enc_len = sizeof(enc), dec_len = sizeof(dec);

	CHECK(what, fn->C_EncryptInit(s, &mech, pub));
	CHECK(what, fn->C_Encrypt(s, msg, sizeof(msg), enc, &enc_len));
	CHECK(what, fn->C_DecryptInit(s, &mech, priv));
	CHECK(what, fn->C_Decrypt(s, enc, enc_len, dec, &dec_len));
	if (dec_len != sizeof(msg) || memcmp(dec, msg, dec_len) != 0)
		FAIL("%s: decrypted text differs", what);
}

static void generated_pairs(CK_SESSION_HANDLE s)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG bits = 2048;
	unsigned char p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				 0x3d, 0x03, 0x01, 0x07 };
	CK_ATTRIBUTE rsa_pub[] = { { CKA_TOKEN, &no, 1 },
				   { CKA_MODULUS_BITS, &bits, sizeof(bits) },
				   { CKA_VERIFY, &yes, 1 },
				   { CKA_ENCRYPT, &yes, 1 } };
	CK_ATTRIBUTE ec_pub[] = { { CKA_TOKEN, &no, 1 },
				  { CKA_EC_PARAMS, p256, sizeof(p256) },
				  { CKA_VERIFY, &yes, 1 } };
	CK_ATTRIBUTE rsa_priv[] = { { CKA_TOKEN, &no, 1 },
				    { CKA_SIGN, &yes, 1 },
				    { CKA_DECRYPT, &yes, 1 } };
	CK_ATTRIBUTE ec_priv[] = { { CKA_TOKEN, &no, 1 },
				   { CKA_SIGN, &yes, 1 } };
	CK_MECHANISM rsa_gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM ec_gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv;

	CHECK("generate RSA",
	      fn->C_GenerateKeyPair(s, &rsa_gen, rsa_pub, 4, rsa_priv, 3, &pub,
				    &priv));
	if (!has_spki(s, pub) || !has_spki(s, priv))
		FAIL("generated RSA: no CKA_PUBLIC_KEY_INFO");
	sign_and_verify(s, "generated RSA", CKM_SHA256_RSA_PKCS, priv, pub);
	sign_and_verify(s, "generated RSA PKCS#1", CKM_RSA_PKCS, priv, pub);
	pss_sign_and_verify(s, "generated RSA-PSS", priv, pub);
	oaep_round_trip(s, "generated RSA OAEP", priv, pub);
	CHECK("generate EC",
	      fn->C_GenerateKeyPair(s, &ec_gen, ec_pub, 3, ec_priv, 2, &pub,
				    &priv));
	if (!has_spki(s, pub) || !has_spki(s, priv))
		FAIL("generated EC: no CKA_PUBLIC_KEY_INFO");
	sign_and_verify(s, "generated EC", CKM_ECDSA_SHA256, priv, pub);
}

static void token_keys(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE rsa = find_one(s, CKO_PRIVATE_KEY, CKK_RSA);
	CK_OBJECT_HANDLE rsa_pub = find_one(s, CKO_PUBLIC_KEY, CKK_RSA);
	CK_OBJECT_HANDLE ec = find_one(s, CKO_PRIVATE_KEY, CKK_EC);
	CK_OBJECT_HANDLE ec_pub = find_one(s, CKO_PUBLIC_KEY, CKK_EC);

	if (rsa == CK_INVALID_HANDLE || ec == CK_INVALID_HANDLE ||
	    rsa_pub == CK_INVALID_HANDLE || ec_pub == CK_INVALID_HANDLE) {
		FAIL("the token's keys were not found");
		return;
	}
	if (!has_spki(s, rsa_pub) || !has_spki(s, ec_pub))
		FAIL("token keys: no CKA_PUBLIC_KEY_INFO");
	sign_and_verify(s, "token RSA", CKM_SHA256_RSA_PKCS, rsa, rsa_pub);
	pss_sign_and_verify(s, "token RSA-PSS", rsa, rsa_pub);
	sign_and_verify(s, "token EC", CKM_ECDSA_SHA256, ec, ec_pub);
}

/* A BIGNUM parameter of a host key as big-endian bytes. */
static int key_param(EVP_PKEY *pkey, const char *name, unsigned char *out,
		     int cap)
{
	BIGNUM *bn = NULL;
	int n = -1;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) == 1 &&
	    BN_num_bytes(bn) <= cap)
		n = BN_bn2bin(bn, out);
	BN_clear_free(bn);
	return n;
}

static void imported_rsa(CK_SESSION_HANDLE s, EVP_PKEY *key)
{
	static const char *names[] = {
		OSSL_PKEY_PARAM_RSA_N,	       OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D,	       OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	static const CK_ATTRIBUTE_TYPE types[] = {
		CKA_MODULUS,	      CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT,
		CKA_PRIME_1,	      CKA_PRIME_2,	   CKA_EXPONENT_1,
		CKA_EXPONENT_2,	      CKA_COEFFICIENT,
	};
	unsigned char parts[8][256];
	CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY, pub_class = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = CKK_RSA;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE priv[14] = {
		{ CKA_CLASS, &priv_class, sizeof(priv_class) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, &no, 1 },
		{ CKA_SIGN, &yes, 1 },
		{ CKA_DECRYPT, &yes, 1 },
	};
	CK_ATTRIBUTE pub[7] = {
		{ CKA_CLASS, &pub_class, sizeof(pub_class) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, &no, 1 },
		{ CKA_VERIFY, &yes, 1 },
		{ CKA_ENCRYPT, &yes, 1 },
	};
	CK_OBJECT_HANDLE hpriv, hpub;

	for (int i = 0; i < 8; i++) {
		int n = key_param(key, names[i], parts[i], 256);

		if (n <= 0) {
			FAIL("host RSA key: no %s", names[i]);
			return;
		}
		priv[5 + i] = (CK_ATTRIBUTE){ types[i], parts[i], (CK_ULONG)n };
	}
	pub[5] = priv[5]; /* the modulus */
	pub[6] = priv[6]; /* the public exponent */
	CHECK("import RSA private key", fn->C_CreateObject(s, priv, 13, &hpriv));
	CHECK("create RSA public key", fn->C_CreateObject(s, pub, 7, &hpub));
	if (failures == 0) {
		if (!has_spki(s, hpub) || !has_spki(s, hpriv))
			FAIL("imported RSA: no CKA_PUBLIC_KEY_INFO");
		sign_and_verify(s, "imported RSA", CKM_SHA256_RSA_PKCS, hpriv,
				hpub);
		pss_sign_and_verify(s, "imported RSA-PSS", hpriv, hpub);
		oaep_round_trip(s, "imported RSA OAEP", hpriv, hpub);
	}
}

static void imported_ec(CK_SESSION_HANDLE s, EVP_PKEY *key)
{
	unsigned char p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				 0x3d, 0x03, 0x01, 0x07 };
	unsigned char d[32], point[65], point_der[67];
	size_t point_len = 0;
	CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY, pub_class = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = CKK_EC;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_HANDLE hpriv, hpub;
	int d_len = key_param(key, OSSL_PKEY_PARAM_PRIV_KEY, d, sizeof(d));

	if (d_len <= 0 ||
	    EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point,
					    sizeof(point), &point_len) != 1 ||
	    point_len != 65) {
		FAIL("host EC key: no parts");
		return;
	}
	point_der[0] = 0x04; /* OCTET STRING */
	point_der[1] = 65;
	memcpy(point_der + 2, point, 65);

	CK_ATTRIBUTE priv[] = {
		{ CKA_CLASS, &priv_class, sizeof(priv_class) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, &no, 1 },
		{ CKA_SIGN, &yes, 1 },
		{ CKA_EC_PARAMS, p256, sizeof(p256) },
		{ CKA_VALUE, d, (CK_ULONG)d_len },
	};
	CK_ATTRIBUTE pub[] = {
		{ CKA_CLASS, &pub_class, sizeof(pub_class) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, &no, 1 },
		{ CKA_VERIFY, &yes, 1 },
		{ CKA_EC_PARAMS, p256, sizeof(p256) },
		{ CKA_EC_POINT, point_der, sizeof(point_der) },
	};
	CHECK("import EC private key", fn->C_CreateObject(s, priv, 6, &hpriv));
	CHECK("create EC public key", fn->C_CreateObject(s, pub, 6, &hpub));
	OPENSSL_cleanse(d, sizeof(d));
	if (failures == 0) {
		if (!has_spki(s, hpub) || !has_spki(s, hpriv))
			FAIL("imported EC: no CKA_PUBLIC_KEY_INFO");
		sign_and_verify(s, "imported EC", CKM_ECDSA_SHA256, hpriv, hpub);
	}
}

static void certificate_object(CK_SESSION_HANDLE s, struct host_keys *k)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	CK_BBOOL no = CK_FALSE;
	unsigned char subject[256];
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_CERTIFICATE_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, &no, 1 },
		{ CKA_VALUE, k->cert, (CK_ULONG)k->cert_len },
	};
	CK_ATTRIBUTE read = { CKA_SUBJECT, subject, sizeof(subject) };
	CK_OBJECT_HANDLE h;

	CHECK("create certificate", fn->C_CreateObject(s, tmpl, 4, &h));
	if (failures == 0) {
		CHECK("certificate subject",
		      fn->C_GetAttributeValue(s, h, &read, 1));
		if (read.ulValueLen < 10)
			FAIL("certificate: no subject");
	}
}

static CK_FUNCTION_LIST_PTR load_module(const char *path)
{
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	CK_FUNCTION_LIST_PTR list = NULL;
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (lib == NULL) {
		fprintf(stderr, "%s\n", dlerror());
		return NULL;
	}
	*(void **)&get = dlsym(lib, "C_GetFunctionList");
	if (get == NULL || get(&list) != CKR_OK)
		return NULL;
	return list;
}

int main(int argc, char **argv)
{
	struct host_keys keys = { 0 };
	CK_SESSION_HANDLE s;
	CK_SLOT_ID slot;

	bool all = argc == 5 && strcmp(argv[4], "all") == 0;

	if (argc != 4 && !all) {
		fprintf(stderr,
			"usage: engine-host MODULE TOKEN_LABEL PIN [all]\n");
		return 2;
	}
	if (!make_host_keys(&keys) || !register_counting_engine(all)) {
		fprintf(stderr, "cannot set up the host\n");
		return 2;
	}
	/* The engine is live: the host's own RSA keys now go to it. */
	if (EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024) != NULL ||
	    atomic_load(&engine_calls) == 0) {
		fprintf(stderr, "the counting engine is not the default\n");
		return 2;
	}
	atomic_store(&engine_calls, 0);

	fn = load_module(argv[1]);
	if (fn == NULL)
		return 2;
	CHECK("C_Initialize", fn->C_Initialize(NULL));
	slot = find_slot(argv[2]);
	CHECK("C_OpenSession",
	      fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
				NULL, NULL, &s));
	CHECK("C_Login", fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)argv[3],
				     strlen(argv[3])));
	if (failures == 0) {
		token_keys(s);
		generated_pairs(s);
		imported_rsa(s, keys.rsa);
		imported_ec(s, keys.ec);
		certificate_object(s, &keys);
	}
	CHECK("C_CloseSession", fn->C_CloseSession(s));
	CHECK("C_Finalize", fn->C_Finalize(NULL));
	printf("engine calls: %d\nfailures: %d\n", atomic_load(&engine_calls),
	       failures);
	EVP_PKEY_free(keys.rsa);
	EVP_PKEY_free(keys.ec);
	return atomic_load(&engine_calls) == 0 && failures == 0 ? 0 : 1;
}
