/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mechanism parameters through the PKCS#11 entry points, against keys
 * made once on a token on a software TPM: C_SignInit, C_VerifyInit,
 * C_EncryptInit, C_DecryptInit (one-part and multi-part), C_DigestInit,
 * C_DeriveKey, C_WrapKey and C_UnwrapKey, with a mechanism from the
 * module's C_GetMechanismList (or any other) and a pParameter built
 * from the input: raw bytes, a NULL pointer with a length, or a
 * CK_RSA_PKCS_PSS_PARAMS, CK_RSA_PKCS_OAEP_PARAMS,
 * CK_ECDH1_DERIVE_PARAMS, CK_AES_CTR_PARAMS or CK_GCM_PARAMS whose
 * pointers lead to buffers of the input's choosing (exactly as long as
 * they claim, or NULL), its ulParameterLen honest or off by a few bytes
 * (the buffer is then exactly that long).  Each operation then runs on
 * a short buffer, so that the parameter is used.
 *
 * Checks: every result is a PKCS#11 return value; what one call signs,
 * the matching verification with the same mechanism and parameter
 * accepts; what one call encrypts, decryption with the same mechanism
 * and parameter gives back; a derived key answers C_GetAttributeValue.
 *
 * Input: OP MECH KEY PARAM [COUNT TEMPLATE] DATA_LEN DATA OTHER.  OP
 * (mod 9): sign, verify, encrypt, decrypt, sign in parts, encrypt in
 * parts, derive, wrap and unwrap, digest.  MECH: an index into the
 * module's mechanism list (with a few it lacks appended), or 0xff and a
 * raw 4-byte type.  KEY: the mechanism's own key (RSA, EC, AES-256 or
 * -128, HMAC; the public half to verify and encrypt), or with bit 7 any
 * of them.  PARAM: see decode_parameter.  COUNT TEMPLATE (derive only):
 * the new key's template, as fuzz_tmpl.h encodes it.  DATA: what is
 * signed, encrypted, digested; OTHER, the rest: a signature to verify or
 * a ciphertext to decrypt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "fuzz_p11.h"
#include "fuzz_tmpl.h"
#include "fuzz_vectors.h"

enum op {
	OP_SIGN, OP_VERIFY, OP_ENCRYPT, OP_DECRYPT, OP_SIGN_PARTS,
	OP_ENCRYPT_PARTS, OP_DERIVE, OP_WRAP, OP_DIGEST, OP_COUNT
};

enum key {
	KEY_RSA_PRIV, KEY_RSA_PUB, KEY_EC_PRIV, KEY_EC_PUB, KEY_AES256,
	KEY_AES128, KEY_HMAC, KEY_COUNT
};

static CK_OBJECT_HANDLE keys[KEY_COUNT];
static CK_MECHANISM_TYPE mechs[64];
static CK_ULONG mech_count;
static uint8_t ec_point[80];
static CK_ULONG ec_point_len;
static unsigned long calls[OP_COUNT], init_ok[OP_COUNT];

#define MAX_DATA 1024

/* Mechanisms the module does not list, so that their parameters come
 * up too. */
static const CK_MECHANISM_TYPE unlisted[] = {
	CKM_AES_GCM, CKM_AES_CCM, CKM_AES_CMAC, CKM_SHA224_HMAC,
	CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_EC_KEY_PAIR_GEN,
};

static void print_stats(void)
{
	static const char *const names[OP_COUNT] = {
		"sign", "verify", "encrypt", "decrypt", "sign-parts",
		"crypt-parts", "derive", "wrap", "digest"
	};

	for (int i = 0; i < OP_COUNT; i++)
		fprintf(stderr, "fuzz_mech: %-11s %lu calls, %lu inits ok\n",
			names[i], calls[i], init_ok[i]);
}

static void generate_pair(CK_MECHANISM_TYPE type, CK_ATTRIBUTE *pub,
			  CK_ULONG n, enum key priv_key, enum key pub_key)
{
	CK_MECHANISM mech = { type, NULL, 0 };
	CK_RV rv = fuzz_env.p11->C_GenerateKeyPair(fuzz_env.login, &mech, pub,
						   n, NULL, 0, &keys[pub_key],
						   &keys[priv_key]);

	if (rv != CKR_OK)
		fuzz_fail("generating a key pair: 0x%lx", rv);
}

static void generate_secret(CK_MECHANISM_TYPE type, CK_ULONG len,
			    enum key key)
{
	CK_MECHANISM mech = { type, NULL, 0 };
	CK_ATTRIBUTE t = { CKA_VALUE_LEN, &len, sizeof(len) };
	CK_RV rv = fuzz_env.p11->C_GenerateKey(fuzz_env.login, &mech, &t, 1,
					       &keys[key]);

	if (rv != CKR_OK)
		fuzz_fail("generating a secret key: 0x%lx", rv);
}

/* The keys every input works with: session objects of the login. */
static void generate_keys(void)
{
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE rsa = { CKA_MODULUS_BITS, &bits, sizeof(bits) };
	CK_ATTRIBUTE ec = { CKA_EC_PARAMS, (void *)vec_p256_oid,
			    sizeof(vec_p256_oid) };
	CK_ATTRIBUTE point = { CKA_EC_POINT, ec_point, sizeof(ec_point) };

	generate_pair(CKM_RSA_PKCS_KEY_PAIR_GEN, &rsa, 1, KEY_RSA_PRIV,
		      KEY_RSA_PUB);
	generate_pair(CKM_EC_KEY_PAIR_GEN, &ec, 1, KEY_EC_PRIV, KEY_EC_PUB);
	generate_secret(CKM_AES_KEY_GEN, 32, KEY_AES256);
	generate_secret(CKM_AES_KEY_GEN, 16, KEY_AES128);
	generate_secret(CKM_GENERIC_SECRET_KEY_GEN, 32, KEY_HMAC);
	if (fuzz_env.p11->C_GetAttributeValue(fuzz_env.login, keys[KEY_EC_PUB],
					      &point, 1) != CKR_OK)
		fuzz_fail("reading the EC point");
	ec_point_len = point.ulValueLen;
}

static void list_mechanisms(void)
{
	mech_count = sizeof(mechs) / sizeof(*mechs);
	if (fuzz_env.p11->C_GetMechanismList(fuzz_env.slot, mechs,
					     &mech_count) != CKR_OK)
		fuzz_fail("C_GetMechanismList failed");
	for (size_t i = 0; i < sizeof(unlisted) / sizeof(*unlisted) &&
			   mech_count < sizeof(mechs) / sizeof(*mechs);
	     i++)
		mechs[mech_count++] = unlisted[i];
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_env_setup("mech");
	fuzz_env_create_token();
	fuzz_env_open();
	generate_keys();
	list_mechanisms();
	if (getenv("FUZZ_STATS") != NULL)
		atexit(print_stats);
	return 0;
}

/* Buffers a decoded parameter points into, freed after the input. */
struct owned {
	void *ptr[8];
	int count;
};

static void *own(struct owned *o, void *p)
{
	if (o->count < 8)
		o->ptr[o->count++] = p;
	return p;
}

static void owned_free(struct owned *o)
{
	for (int i = 0; i < o->count; i++)
		free(o->ptr[i]);
	o->count = 0;
}

/* A CK_ULONG field: a table value, a small number or any 8 bytes. */
static CK_ULONG decode_ulong(struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);

	if (b == 0xff)
		return (CK_ULONG)fuzz_uint(in, 8);
	if (b == 0xfe)
		return fuzz_u8(in);
	return fuzz_ulong_const(b);
}

/*
 * A pointer and length inside a parameter: a buffer exactly as long as
 * it says (0xff: NULL with a length; 0xfe: the EC point of our key;
 * 0xfd: a P-384 point; 0xfc: the bare P-256 point of our key).
 */
static void decode_buffer(struct fuzz_in *in, struct owned *o, void **ptr,
			  CK_ULONG *len)
{
	const uint8_t *p;
	uint8_t b = fuzz_u8(in);

	switch (b) {
	case 0xff:
		*ptr = NULL;
		*len = fuzz_u8(in);
		return;
	case 0xfe:
		p = ec_point;
		*len = ec_point_len;
		break;
	case 0xfd:
		p = vec_p384_point_der;
		*len = sizeof(vec_p384_point_der);
		break;
	case 0xfc:
		p = ec_point + 2;
		*len = ec_point_len > 2 ? ec_point_len - 2 : 0;
		break;
	default:
		*len = fuzz_take(in, b, &p);
		break;
	}
	*ptr = own(o, malloc(*len));
	if (*len > 0)
		memcpy(*ptr, p, *len);
}

/* The parameter structure, built in place; returns its size. */
static size_t decode_struct(uint8_t layout, struct fuzz_in *in,
			    struct owned *o, void *out)
{
	switch (layout) {
	case 3: {
		CK_RSA_PKCS_PSS_PARAMS *p = out;

		p->hashAlg = decode_ulong(in);
		p->mgf = decode_ulong(in);
		p->sLen = decode_ulong(in);
		return sizeof(*p);
	}
	case 4: {
		CK_RSA_PKCS_OAEP_PARAMS *p = out;

		p->hashAlg = decode_ulong(in);
		p->mgf = decode_ulong(in);
		p->source = decode_ulong(in);
		decode_buffer(in, o, &p->pSourceData, &p->ulSourceDataLen);
		return sizeof(*p);
	}
	case 5: {
		CK_ECDH1_DERIVE_PARAMS *p = out;
		void *shared, *pub;

		p->kdf = decode_ulong(in);
		decode_buffer(in, o, &shared, &p->ulSharedDataLen);
		decode_buffer(in, o, &pub, &p->ulPublicDataLen);
		p->pSharedData = shared;
		p->pPublicData = pub;
		return sizeof(*p);
	}
	case 6: {
		CK_AES_CTR_PARAMS *p = out;
		const uint8_t *cb;
		size_t n;

		p->ulCounterBits = decode_ulong(in);
		n = fuzz_take(in, sizeof(p->cb), &cb);
		memcpy(p->cb, cb, n);
		return sizeof(*p);
	}
	default: {
		CK_GCM_PARAMS *p = out;
		void *iv, *aad;

		decode_buffer(in, o, &iv, &p->ulIvLen);
		p->ulIvBits = decode_ulong(in);
		decode_buffer(in, o, &aad, &p->ulAADLen);
		p->ulTagBits = decode_ulong(in);
		p->pIv = iv;
		p->pAAD = aad;
		return sizeof(*p);
	}
	}
}

/*
 * PARAM: a layout byte (low 3 bits: 0 none, 1 NULL with a length, 2 raw
 * bytes, 3 PSS, 4 OAEP, 5 ECDH1, 6 CTR, 7 GCM; bit 3: a signed byte
 * follows that moves ulParameterLen off the structure's size), then
 * the fields.
 */
static void decode_parameter(struct fuzz_in *in, struct owned *o,
			     CK_MECHANISM *m)
{
	union {
		CK_RSA_PKCS_PSS_PARAMS pss;
		CK_RSA_PKCS_OAEP_PARAMS oaep;
		CK_ECDH1_DERIVE_PARAMS ecdh;
		CK_AES_CTR_PARAMS ctr;
		CK_GCM_PARAMS gcm;
	} s;
	uint8_t layout = fuzz_u8(in);
	int delta = (layout & 8) ? (int8_t)fuzz_u8(in) : 0;
	size_t size, len;

	m->pParameter = NULL;
	m->ulParameterLen = 0;
	switch (layout & 7) {
	case 0:
		return;
	case 1:
		m->ulParameterLen = fuzz_u8(in) + 1;
		return;
	case 2:
		decode_buffer(in, o, &m->pParameter, &m->ulParameterLen);
		return;
	}
	memset(&s, 0, sizeof(s));
	size = decode_struct(layout & 7, in, o, &s);
	len = (int)size + delta < 0 ? 0 : (size_t)((int)size + delta);
	/* Exactly len bytes: reading the structure past them is a bug. */
	m->pParameter = own(o, calloc(1, len ? len : 1));
	memcpy(m->pParameter, &s, len < size ? len : size);
	m->ulParameterLen = len;
}

struct request {
	enum op op;
	CK_MECHANISM mech;
	enum key key;
	bool natural_key;
	const uint8_t *data, *other;
	size_t data_len, other_len;
	struct fuzz_tmpl tmpl;	/* derive */
	struct owned owned;
};

static CK_MECHANISM_TYPE decode_mechanism(struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);

	if (b == 0xff)
		return (CK_MECHANISM_TYPE)fuzz_uint(in, 4);
	return mechs[b % mech_count];
}

static bool is_rsa(CK_MECHANISM_TYPE m)
{
	switch (m) {
	case CKM_RSA_PKCS: case CKM_RSA_X_509: case CKM_RSA_PKCS_OAEP:
	case CKM_RSA_PKCS_PSS: case CKM_SHA1_RSA_PKCS: case CKM_SHA224_RSA_PKCS:
	case CKM_SHA256_RSA_PKCS: case CKM_SHA384_RSA_PKCS:
	case CKM_SHA512_RSA_PKCS: case CKM_SHA1_RSA_PKCS_PSS:
	case CKM_SHA224_RSA_PKCS_PSS: case CKM_SHA256_RSA_PKCS_PSS:
	case CKM_SHA384_RSA_PKCS_PSS: case CKM_SHA512_RSA_PKCS_PSS:
		return true;
	default:
		return false;
	}
}

static bool is_ec(CK_MECHANISM_TYPE m)
{
	return m == CKM_ECDSA || m == CKM_ECDSA_SHA1 || m == CKM_ECDSA_SHA224 ||
	       m == CKM_ECDSA_SHA256 || m == CKM_ECDSA_SHA384 ||
	       m == CKM_ECDSA_SHA512 || m == CKM_ECDH1_DERIVE;
}

static bool is_hmac(CK_MECHANISM_TYPE m)
{
	return m == CKM_SHA_1_HMAC || m == CKM_SHA224_HMAC ||
	       m == CKM_SHA256_HMAC || m == CKM_SHA384_HMAC ||
	       m == CKM_SHA512_HMAC;
}

/* The private (or secret) key a mechanism works with. */
static enum key natural_key(CK_MECHANISM_TYPE m, bool second)
{
	if (is_rsa(m))
		return KEY_RSA_PRIV;
	if (is_ec(m))
		return KEY_EC_PRIV;
	if (is_hmac(m))
		return KEY_HMAC;
	return second ? KEY_AES128 : KEY_AES256;
}

/* The key that checks or undoes what key did. */
static enum key partner(enum key k)
{
	switch (k) {
	case KEY_RSA_PRIV: return KEY_RSA_PUB;
	case KEY_RSA_PUB: return KEY_RSA_PRIV;
	case KEY_EC_PRIV: return KEY_EC_PUB;
	case KEY_EC_PUB: return KEY_EC_PRIV;
	default: return k;
	}
}

/* KEY: bit 7 clear, the mechanism's own key (bit 0: the second AES
 * key); set, any key (low bits). */
static void decode_key(struct fuzz_in *in, struct request *r)
{
	uint8_t b = fuzz_u8(in);

	r->natural_key = !(b & 0x80);
	if (r->natural_key) {
		r->key = natural_key(r->mech.mechanism, b & 1);
		/* Verifying and encrypting take the public half. */
		if (r->op == OP_VERIFY || r->op == OP_ENCRYPT ||
		    r->op == OP_ENCRYPT_PARTS)
			r->key = partner(r->key);
	} else {
		r->key = (enum key)((b & 0x7f) % KEY_COUNT);
	}
}

static void decode_request(struct fuzz_in *in, struct request *r)
{
	memset(r, 0, sizeof(*r));
	r->op = (enum op)(fuzz_u8(in) % OP_COUNT);
	r->mech.mechanism = decode_mechanism(in);
	decode_key(in, r);
	decode_parameter(in, &r->owned, &r->mech);
	if (r->op == OP_DERIVE)
		fuzz_tmpl_decode(in, fuzz_u8(in) % 9, &r->tmpl);
	r->data_len = fuzz_take(in, fuzz_u8(in), &r->data);
	r->other_len = fuzz_take(in, MAX_DATA, &r->other);
}

static CK_FUNCTION_LIST *p11(void)
{
	return fuzz_env.p11;
}

/* The same number, whatever leading zeros (raw RSA gives k bytes). */
static bool same_number(const uint8_t *a, size_t a_len, const uint8_t *b,
			size_t b_len)
{
	while (a_len > 0 && *a == 0) {
		a++;
		a_len--;
	}
	while (b_len > 0 && *b == 0) {
		b++;
		b_len--;
	}
	return a_len == b_len && memcmp(a, b, a_len) == 0;
}

/* What was signed must verify, with the same mechanism and parameter. */
static void verify_back(CK_SESSION_HANDLE s, struct request *r,
			const uint8_t *sig, CK_ULONG sig_len)
{
	enum key k = partner(r->key);
	CK_RV rv = fuzz_rv("C_VerifyInit",
			   p11()->C_VerifyInit(s, &r->mech, keys[k]));

	if (rv == CKR_OK)
		rv = fuzz_rv("C_Verify",
			     p11()->C_Verify(s, (CK_BYTE *)r->data, r->data_len,
					     (CK_BYTE *)sig, sig_len));
	if (rv != CKR_OK)
		fuzz_fail("mechanism 0x%lx signed, but its verification gives "
			  "0x%lx", r->mech.mechanism, rv);
}

static void run_sign(CK_SESSION_HANDLE s, struct request *r)
{
	CK_ULONG len = 0;
	CK_BYTE *sig;
	CK_RV rv = fuzz_rv("C_Sign",
			   p11()->C_Sign(s, (CK_BYTE *)r->data, r->data_len,
					 NULL, &len));

	if (rv != CKR_OK)
		return;
	if (len > 1u << 16)
		fuzz_fail("C_Sign says a signature takes %lu bytes", len);
	sig = malloc(len ? len : 1);
	rv = fuzz_rv("C_Sign", p11()->C_Sign(s, (CK_BYTE *)r->data,
					     r->data_len, sig, &len));
	if (rv == CKR_OK && r->natural_key)
		verify_back(s, r, sig, len);
	free(sig);
}

static void run_sign_parts(CK_SESSION_HANDLE s, struct request *r)
{
	size_t half = r->data_len / 2;
	CK_BYTE sig[1024];
	CK_ULONG len = sizeof(sig);
	CK_RV rv = fuzz_rv("C_SignUpdate",
			   p11()->C_SignUpdate(s, (CK_BYTE *)r->data, half));

	if (rv == CKR_OK)
		rv = fuzz_rv("C_SignUpdate",
			     p11()->C_SignUpdate(s, (CK_BYTE *)r->data + half,
						 r->data_len - half));
	if (rv == CKR_OK)
		rv = fuzz_rv("C_SignFinal", p11()->C_SignFinal(s, sig, &len));
	if (rv == CKR_OK && r->natural_key)
		verify_back(s, r, sig, len);
}

static void run_verify(CK_SESSION_HANDLE s, struct request *r)
{
	fuzz_rv("C_Verify", p11()->C_Verify(s, (CK_BYTE *)r->data,
					    r->data_len, (CK_BYTE *)r->other,
					    r->other_len));
}

/* Decrypts what was encrypted; it must come back unchanged. */
static void decrypt_back(CK_SESSION_HANDLE s, struct request *r,
			 const uint8_t *ct, CK_ULONG ct_len)
{
	CK_BYTE out[MAX_DATA + 64];
	CK_ULONG out_len = sizeof(out);
	enum key k = partner(r->key);
	CK_RV rv = fuzz_rv("C_DecryptInit",
			   p11()->C_DecryptInit(s, &r->mech, keys[k]));

	if (rv == CKR_OK)
		rv = fuzz_rv("C_Decrypt",
			     p11()->C_Decrypt(s, (CK_BYTE *)ct, ct_len, out,
					      &out_len));
	if (rv != CKR_OK)
		fuzz_fail("mechanism 0x%lx encrypted, but decryption gives "
			  "0x%lx", r->mech.mechanism, rv);
	if (r->mech.mechanism == CKM_RSA_X_509 ?
		    !same_number(out, out_len, r->data, r->data_len) :
		    out_len != r->data_len ||
			    memcmp(out, r->data, out_len) != 0)
		fuzz_fail("mechanism 0x%lx: decryption gives %lu bytes, not "
			  "the %zu encrypted", r->mech.mechanism, out_len,
			  r->data_len);
}

static void run_encrypt(CK_SESSION_HANDLE s, struct request *r)
{
	CK_ULONG len = 0;
	CK_BYTE *ct;
	CK_RV rv = fuzz_rv("C_Encrypt",
			   p11()->C_Encrypt(s, (CK_BYTE *)r->data, r->data_len,
					    NULL, &len));

	if (rv != CKR_OK)
		return;
	if (len > MAX_DATA + 64)
		fuzz_fail("C_Encrypt says %zu bytes take %lu", r->data_len,
			  len);
	ct = malloc(len ? len : 1);
	rv = fuzz_rv("C_Encrypt", p11()->C_Encrypt(s, (CK_BYTE *)r->data,
						   r->data_len, ct, &len));
	if (rv == CKR_OK && r->natural_key)
		decrypt_back(s, r, ct, len);
	free(ct);
}

static void run_decrypt(CK_SESSION_HANDLE s, struct request *r)
{
	CK_BYTE out[MAX_DATA + 64];
	CK_ULONG len = 0;
	CK_RV rv = fuzz_rv("C_Decrypt",
			   p11()->C_Decrypt(s, (CK_BYTE *)r->other,
					    r->other_len, NULL, &len));

	if (rv != CKR_OK)
		return;
	if (len > sizeof(out))
		fuzz_fail("C_Decrypt says %zu bytes give %lu", r->other_len,
			  len);
	fuzz_rv("C_Decrypt", p11()->C_Decrypt(s, (CK_BYTE *)r->other,
					      r->other_len, out, &len));
}

/* Multi-part encryption of the data in two updates, then decryption. */
static void run_crypt_parts(CK_SESSION_HANDLE s, struct request *r)
{
	CK_BYTE out[MAX_DATA + 64];
	CK_ULONG used = 0, len;
	size_t half = r->data_len / 2;
	const CK_BYTE *parts[2] = { r->data, r->data + half };
	size_t sizes[2] = { half, r->data_len - half };
	CK_RV rv = CKR_OK;

	for (int i = 0; i < 2 && rv == CKR_OK; i++) {
		len = sizeof(out) - used;
		rv = fuzz_rv("C_EncryptUpdate",
			     p11()->C_EncryptUpdate(s, (CK_BYTE *)parts[i],
						    sizes[i], out + used,
						    &len));
		if (rv == CKR_OK && len > sizeof(out) - used)
			fuzz_fail("C_EncryptUpdate wrote %lu bytes", len);
		used += rv == CKR_OK ? len : 0;
	}
	len = sizeof(out) - used;
	if (rv == CKR_OK)
		rv = fuzz_rv("C_EncryptFinal",
			     p11()->C_EncryptFinal(s, out + used, &len));
	if (rv == CKR_OK && r->natural_key)
		decrypt_back(s, r, out, used + len);
}

static void run_derive(CK_SESSION_HANDLE s, struct request *r)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv = fuzz_rv("C_DeriveKey",
			   p11()->C_DeriveKey(s, &r->mech, keys[r->key],
					      r->tmpl.a, r->tmpl.count, &h));

	calls[OP_DERIVE]++;
	if (rv != CKR_OK)
		return;
	init_ok[OP_DERIVE]++;
	fuzz_check_object(s, h);
	fuzz_destroy(s, h);
}

static void run_wrap(CK_SESSION_HANDLE s, struct request *r)
{
	CK_BYTE out[512];
	CK_ULONG len = sizeof(out);
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	enum key target = (enum key)(r->data_len % KEY_COUNT);
	CK_RV rv = fuzz_rv("C_WrapKey",
			   p11()->C_WrapKey(s, &r->mech, keys[r->key],
					    keys[target], out, &len));

	calls[OP_WRAP]++;
	if (rv == CKR_OK)
		fuzz_fail("C_WrapKey wrapped a TPM key");
	rv = fuzz_rv("C_UnwrapKey",
		     p11()->C_UnwrapKey(s, &r->mech, keys[r->key],
					(CK_BYTE *)r->other, r->other_len,
					NULL, 0, &h));
	if (rv == CKR_OK)
		fuzz_fail("C_UnwrapKey made a key");
}

static void run_digest(CK_SESSION_HANDLE s, struct request *r)
{
	CK_BYTE out[128];
	CK_ULONG len = sizeof(out);
	CK_RV rv = fuzz_rv("C_DigestInit", p11()->C_DigestInit(s, &r->mech));

	calls[OP_DIGEST]++;
	if (rv != CKR_OK)
		return;
	init_ok[OP_DIGEST]++;
	fuzz_rv("C_Digest", p11()->C_Digest(s, (CK_BYTE *)r->data,
					    r->data_len, out, &len));
}

/* The ...Init of a one-key operation. */
static CK_RV run_init(CK_SESSION_HANDLE s, struct request *r)
{
	CK_OBJECT_HANDLE key = keys[r->key];

	switch (r->op) {
	case OP_SIGN:
	case OP_SIGN_PARTS:
		return fuzz_rv("C_SignInit",
			       p11()->C_SignInit(s, &r->mech, key));
	case OP_VERIFY:
		return fuzz_rv("C_VerifyInit",
			       p11()->C_VerifyInit(s, &r->mech, key));
	case OP_ENCRYPT:
	case OP_ENCRYPT_PARTS:
		return fuzz_rv("C_EncryptInit",
			       p11()->C_EncryptInit(s, &r->mech, key));
	default:
		return fuzz_rv("C_DecryptInit",
			       p11()->C_DecryptInit(s, &r->mech, key));
	}
}

static void run(CK_SESSION_HANDLE s, struct request *r)
{
	switch (r->op) {
	case OP_DERIVE: run_derive(s, r); return;
	case OP_WRAP: run_wrap(s, r); return;
	case OP_DIGEST: run_digest(s, r); return;
	default: break;
	}
	calls[r->op]++;
	if (run_init(s, r) != CKR_OK)
		return;
	init_ok[r->op]++;
	switch (r->op) {
	case OP_SIGN: run_sign(s, r); break;
	case OP_SIGN_PARTS: run_sign_parts(s, r); break;
	case OP_VERIFY: run_verify(s, r); break;
	case OP_ENCRYPT: run_encrypt(s, r); break;
	case OP_ENCRYPT_PARTS: run_crypt_parts(s, r); break;
	default: run_decrypt(s, r); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct request r;
	CK_SESSION_HANDLE s;

	decode_request(&in, &r);
	s = fuzz_session_open();
	run(s, &r);
	fuzz_session_close(s);
	fuzz_tmpl_free(&r.tmpl);
	owned_free(&r.owned);
	return 0;
}
