/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Attribute templates through the real PKCS#11 entry points, against a
 * token on a software TPM: C_CreateObject, C_GenerateKeyPair,
 * C_GenerateKey, C_CopyObject and C_SetAttributeValue.  Every call must
 * return a PKCS#11 result and never crash; what it creates must answer
 * C_GetAttributeValue (fuzz_check_object) and is destroyed again, so
 * the store does not grow.
 *
 * Input: OP FLAGS COUNT [COUNT2] [MECH] [PARAM] TEMPLATE [TEMPLATE2],
 * templates as fuzz_tmpl.h encodes them.  OP (mod 5): create, generate
 * a pair (COUNT2 is the private template's), generate a key, set
 * attributes on a copy of a fixture object, copy a fixture object with
 * the template.  FLAGS: bits 0-1 the keygen mechanism (RSA or EC pair,
 * AES or generic secret key; 3: MECH, an index into the CK_ULONG table,
 * follows), bits 2-4 the fixture (set, copy), bit 5 gives the keygen
 * mechanism a bogus PARAM (1-byte length and bytes; length 0xff: NULL
 * with a length), bit 6 makes the copy a token object (set).  The
 * fixtures are session objects: a data object, a certificate, RSA and
 * EC public keys, imported EC and RSA private keys, AES and HMAC keys.
 *
 * RSA-2048 generation in swtpm takes about 0.6 s: a valid RSA request
 * runs for real only once in RSA_BUDGET, the others have their
 * CKA_MODULUS_BITS turned into 1024 (refused at once, as too small);
 * 3072 and 4096 always become 2048.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "fuzz_p11.h"
#include "fuzz_tmpl.h"
#include "fuzz_vectors.h"

#ifndef RSA_BUDGET
#define RSA_BUDGET 32
#endif
/* Token objects that could not be destroyed before the store is reset. */
#define MAX_LEFTOVERS 16

enum op { OP_CREATE, OP_PAIR, OP_KEY, OP_SET, OP_COPY, OP_COUNT };

enum fixture {
	FIX_DATA, FIX_CERT, FIX_RSA_PUB, FIX_EC_PUB, FIX_EC_PRIV, FIX_AES,
	FIX_HMAC, FIX_RSA_PRIV, FIX_COUNT
};

static CK_OBJECT_HANDLE fixtures[FIX_COUNT];
static unsigned int leftovers;
static unsigned long rsa_requests;
/* Calls and successes per operation, printed at exit with FUZZ_STATS=1. */
static unsigned long calls[OP_COUNT], successes[OP_COUNT];

static void print_stats(void)
{
	static const char *const names[OP_COUNT] = { "create", "pair", "key",
						     "set", "copy" };

	for (int i = 0; i < OP_COUNT; i++)
		fprintf(stderr, "fuzz_template: %-6s %lu calls, %lu ok\n",
			names[i], calls[i], successes[i]);
}

static void count(enum op op, CK_RV rv)
{
	/* FUZZ_TRACE=1: each call's result, when reproducing a finding. */
	if (getenv("FUZZ_TRACE") != NULL)
		fprintf(stderr, "fuzz_template: op %d: 0x%lx\n", (int)op, rv);
	calls[op]++;
	if (rv == CKR_OK)
		successes[op]++;
}

static const CK_BBOOL yes = CK_TRUE;

/* Creates one fixture object in the login session (a session object). */
static CK_OBJECT_HANDLE create_fixture(CK_ATTRIBUTE *t, CK_ULONG n)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv = fuzz_env.p11->C_CreateObject(fuzz_env.login, t, n, &h);

	if (rv != CKR_OK)
		fuzz_fail("creating a fixture object: 0x%lx", rv);
	return h;
}

#define A(type, value) { type, (void *)(value), sizeof(*(value)) }
#define B(type, array) { type, (void *)(array), sizeof(array) }

static void create_fixtures(void)
{
	static const CK_OBJECT_CLASS data = CKO_DATA, cert = CKO_CERTIFICATE,
				     pub = CKO_PUBLIC_KEY,
				     priv = CKO_PRIVATE_KEY,
				     secret = CKO_SECRET_KEY;
	static const CK_KEY_TYPE rsa = CKK_RSA, ec = CKK_EC, aes = CKK_AES,
				 generic = CKK_GENERIC_SECRET;
	static const CK_CERTIFICATE_TYPE x509 = CKC_X_509;
	static const char label[] = "fixture";
	CK_ATTRIBUTE t_data[] = { A(CKA_CLASS, &data), B(CKA_LABEL, label),
				  B(CKA_VALUE, vec_aes128) };
	CK_ATTRIBUTE t_cert[] = { A(CKA_CLASS, &cert),
				  A(CKA_CERTIFICATE_TYPE, &x509),
				  B(CKA_VALUE, vec_cert) };
	CK_ATTRIBUTE t_rsa_pub[] = { A(CKA_CLASS, &pub), A(CKA_KEY_TYPE, &rsa),
				     B(CKA_MODULUS, vec_rsa_modulus),
				     B(CKA_PUBLIC_EXPONENT, vec_rsa_exponent) };
	CK_ATTRIBUTE t_ec_pub[] = { A(CKA_CLASS, &pub), A(CKA_KEY_TYPE, &ec),
				    B(CKA_EC_PARAMS, vec_p256_oid),
				    B(CKA_EC_POINT, vec_p256_point_der) };
	CK_ATTRIBUTE t_ec_priv[] = { A(CKA_CLASS, &priv), A(CKA_KEY_TYPE, &ec),
				     B(CKA_EC_PARAMS, vec_p256_oid),
				     B(CKA_VALUE, vec_p256_scalar),
				     A(CKA_SIGN, &yes) };
	CK_ATTRIBUTE t_aes[] = { A(CKA_CLASS, &secret), A(CKA_KEY_TYPE, &aes),
				 B(CKA_VALUE, vec_aes256) };
	CK_ATTRIBUTE t_hmac[] = { A(CKA_CLASS, &secret),
				  A(CKA_KEY_TYPE, &generic),
				  B(CKA_VALUE, vec_aes128) };
	CK_ATTRIBUTE t_rsa_priv[] = {
		A(CKA_CLASS, &priv), A(CKA_KEY_TYPE, &rsa),
		B(CKA_MODULUS, vec_rsa_modulus),
		B(CKA_PUBLIC_EXPONENT, vec_rsa_exponent),
		B(CKA_PRIVATE_EXPONENT, vec_rsa_private_exponent),
		B(CKA_PRIME_1, vec_rsa_prime1),
	};

#define FIX(i, t) fixtures[i] = create_fixture(t, sizeof(t) / sizeof(*t))
	FIX(FIX_DATA, t_data);
	FIX(FIX_CERT, t_cert);
	FIX(FIX_RSA_PUB, t_rsa_pub);
	FIX(FIX_EC_PUB, t_ec_pub);
	FIX(FIX_EC_PRIV, t_ec_priv);
	FIX(FIX_AES, t_aes);
	FIX(FIX_HMAC, t_hmac);
	FIX(FIX_RSA_PRIV, t_rsa_priv);
#undef FIX
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_env_setup("template");
	fuzz_env_create_token();
	fuzz_env_save_store();
	fuzz_env_open();
	create_fixtures();
	if (getenv("FUZZ_STATS") != NULL)
		atexit(print_stats);
	return 0;
}

/* Back to the store as it was made, when undestroyable objects pile up. */
static void reset_store(void)
{
	fuzz_env_close();
	fuzz_env_restore_store();
	fuzz_env_open();
	create_fixtures();
	leftovers = 0;
}

/* Checks a new object and destroys it; a token object that refuses
 * (CKA_DESTROYABLE false) stays in the store, a session object goes
 * with its session. */
static void check_and_destroy(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE h)
{
	CK_BBOOL token = CK_FALSE;
	CK_ATTRIBUTE a = { CKA_TOKEN, &token, sizeof(token) };

	fuzz_check_object(session, h);
	fuzz_env.p11->C_GetAttributeValue(session, h, &a, 1);
	if (!fuzz_destroy(session, h) && token == CK_TRUE)
		leftovers++;
}

struct request {
	CK_MECHANISM mech;
	uint8_t flags;
	struct fuzz_tmpl t1, t2;
};

static CK_MECHANISM_TYPE keygen_mechanism(enum op op, struct request *r,
					  struct fuzz_in *in)
{
	static const CK_MECHANISM_TYPE pair[] = { CKM_RSA_PKCS_KEY_PAIR_GEN,
						  CKM_EC_KEY_PAIR_GEN,
						  CKM_EC_KEY_PAIR_GEN };
	static const CK_MECHANISM_TYPE key[] = { CKM_AES_KEY_GEN,
						 CKM_GENERIC_SECRET_KEY_GEN,
						 CKM_AES_KEY_GEN };
	unsigned int which = r->flags & 3;

	if (which == 3)
		return fuzz_ulong_const(fuzz_u8(in));
	return op == OP_PAIR ? pair[which] : key[which];
}

/* A bogus mechanism parameter: bytes, or a NULL pointer with a length. */
static void bogus_parameter(struct request *r, struct fuzz_in *in)
{
	const uint8_t *p;
	uint8_t len = fuzz_u8(in);

	if (len == 0xff) {
		r->mech.pParameter = NULL;
		r->mech.ulParameterLen = fuzz_u8(in) + 1;
		return;
	}
	len = (uint8_t)fuzz_take(in, len, &p);
	r->mech.pParameter = malloc(len);
	if (len > 0)
		memcpy(r->mech.pParameter, p, len);
	r->mech.ulParameterLen = len;
}

/* Whether this valid RSA generation may run for real now. */
static bool rsa_keygen_allowed(void)
{
	return rsa_requests++ % RSA_BUDGET == 0;
}

/* Caps CKA_MODULUS_BITS of an RSA pair request (see the top). */
static void cap_modulus_bits(struct request *r)
{
	CK_ATTRIBUTE *a = fuzz_tmpl_find(&r->t1, CKA_MODULUS_BITS);
	CK_ULONG bits;

	if (r->mech.mechanism != CKM_RSA_PKCS_KEY_PAIR_GEN || a == NULL ||
	    a->pValue == NULL || a->ulValueLen != sizeof(CK_ULONG))
		return;
	memcpy(&bits, a->pValue, sizeof(bits));
	if (bits == 3072 || bits == 4096)
		bits = 2048;
	if (bits == 2048 && !rsa_keygen_allowed())
		bits = 1024;
	memcpy(a->pValue, &bits, sizeof(bits));
}

static void run_create(CK_SESSION_HANDLE s, struct request *r)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv = fuzz_rv("C_CreateObject",
			   fuzz_env.p11->C_CreateObject(s, r->t1.a, r->t1.count,
							&h));

	count(OP_CREATE, rv);
	if (rv == CKR_OK)
		check_and_destroy(s, h);
}

static void run_pair(CK_SESSION_HANDLE s, struct request *r)
{
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
	CK_RV rv;

	cap_modulus_bits(r);
	rv = fuzz_rv("C_GenerateKeyPair",
		     fuzz_env.p11->C_GenerateKeyPair(s, &r->mech, r->t1.a,
						     r->t1.count, r->t2.a,
						     r->t2.count, &pub, &priv));
	count(OP_PAIR, rv);
	if (rv != CKR_OK)
		return;
	check_and_destroy(s, pub);
	check_and_destroy(s, priv);
}

static void run_key(CK_SESSION_HANDLE s, struct request *r)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv = fuzz_rv("C_GenerateKey",
			   fuzz_env.p11->C_GenerateKey(s, &r->mech, r->t1.a,
						       r->t1.count, &h));

	count(OP_KEY, rv);
	if (rv == CKR_OK)
		check_and_destroy(s, h);
}

static CK_OBJECT_HANDLE fixture_of(const struct request *r)
{
	return fixtures[((r->flags >> 2) & 7) % FIX_COUNT];
}

/* C_SetAttributeValue on a fresh copy: the fixtures stay as they are. */
static void run_set(CK_SESSION_HANDLE s, struct request *r)
{
	CK_BBOOL token = (r->flags & 0x40) ? CK_TRUE : CK_FALSE;
	CK_ATTRIBUTE t = { CKA_TOKEN, &token, sizeof(token) };
	CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
	CK_RV rv = fuzz_rv("C_CopyObject",
			   fuzz_env.p11->C_CopyObject(s, fixture_of(r), &t, 1,
						      &copy));

	if (rv != CKR_OK)
		fuzz_fail("copying a fixture object: 0x%lx", rv);
	rv = fuzz_rv("C_SetAttributeValue",
		     fuzz_env.p11->C_SetAttributeValue(s, copy, r->t1.a,
						       r->t1.count));
	count(OP_SET, rv);
	check_and_destroy(s, copy);
}

static void run_copy(CK_SESSION_HANDLE s, struct request *r)
{
	CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
	CK_RV rv = fuzz_rv("C_CopyObject",
			   fuzz_env.p11->C_CopyObject(s, fixture_of(r), r->t1.a,
						      r->t1.count, &copy));

	count(OP_COPY, rv);
	if (rv == CKR_OK)
		check_and_destroy(s, copy);
}

static void decode_request(enum op op, struct request *r, struct fuzz_in *in)
{
	size_t n1, n2 = 0;

	memset(r, 0, sizeof(*r));
	r->flags = fuzz_u8(in);
	n1 = fuzz_u8(in) % (FUZZ_TMPL_MAX + 1);
	if (op == OP_PAIR)
		n2 = fuzz_u8(in) % (FUZZ_TMPL_MAX + 1);
	if (op == OP_PAIR || op == OP_KEY) {
		r->mech.mechanism = keygen_mechanism(op, r, in);
		if (r->flags & 0x20)
			bogus_parameter(r, in);
	}
	fuzz_tmpl_decode(in, n1, &r->t1);
	fuzz_tmpl_decode(in, n2, &r->t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	enum op op = (enum op)(fuzz_u8(&in) % OP_COUNT);
	struct request r;
	CK_SESSION_HANDLE s;

	decode_request(op, &r, &in);
	s = fuzz_session_open();
	switch (op) {
	case OP_CREATE: run_create(s, &r); break;
	case OP_PAIR: run_pair(s, &r); break;
	case OP_KEY: run_key(s, &r); break;
	case OP_SET: run_set(s, &r); break;
	default: run_copy(s, &r); break;
	}
	fuzz_session_close(s);
	fuzz_tmpl_free(&r.t1);
	fuzz_tmpl_free(&r.t2);
	free(r.mech.pParameter);
	if (leftovers >= MAX_LEFTOVERS)
		reset_store();
	return 0;
}
