/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The limit: raw ESAPI with password authorization on the same TCTI, a
 * key of the same kind made for the benchmark.  Password auth sends the
 * key's auth value in clear, which is why the module does not use it; it
 * shows what the TPM itself can do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>

#include "bench.h"

struct raw {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	ESYS_TR primary, key;
	const struct bench_mech *mech;
	TPM2B_AUTH auth;
	uint8_t spki[1024];
	size_t spki_len;
};

static bool connect_tpm(const char *tcti, TSS2_TCTI_CONTEXT **t,
			ESYS_CONTEXT **esys)
{
	if (Tss2_TctiLdr_Initialize(tcti, t) != TSS2_RC_SUCCESS)
		return false;
	if (Esys_Initialize(esys, *t, NULL) != TSS2_RC_SUCCESS) {
		Tss2_TctiLdr_Finalize(t);
		return false;
	}
	return true;
}

static void disconnect_tpm(TSS2_TCTI_CONTEXT **t, ESYS_CONTEXT **esys)
{
	Esys_Finalize(esys);
	Tss2_TctiLdr_Finalize(t);
}

static bool create_primary(ESYS_CONTEXT *esys, ESYS_TR *out)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_PUBLIC tmpl = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	TPMT_PUBLIC *a = &tmpl.publicArea;

	a->type = TPM2_ALG_ECC;
	a->nameAlg = TPM2_ALG_SHA256;
	a->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			      TPMA_OBJECT_SENSITIVEDATAORIGIN |
			      TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA |
			      TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	a->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
	a->parameters.eccDetail.symmetric.keyBits.aes = 128;
	a->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	a->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	a->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	a->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	return Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
				  ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
				  &outside, &pcrs, out, NULL, NULL, NULL,
				  NULL) == TSS2_RC_SUCCESS;
}

static void key_template(CK_KEY_TYPE type, TPM2B_PUBLIC *tmpl)
{
	TPMT_PUBLIC *a = &tmpl->publicArea;

	memset(tmpl, 0, sizeof(*tmpl));
	a->nameAlg = TPM2_ALG_SHA256;
	a->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			      TPMA_OBJECT_SENSITIVEDATAORIGIN |
			      TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA |
			      TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT;
	if (type == CKK_RSA) {
		a->type = TPM2_ALG_RSA;
		a->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		a->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		a->parameters.rsaDetail.keyBits = 2048;
	} else {
		a->type = TPM2_ALG_ECC;
		a->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		a->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		a->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		a->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	}
}

/* The DER SubjectPublicKeyInfo of a TPM public area, for checking. */
static bool spki_of(const TPMT_PUBLIC *pub, uint8_t *out, size_t *len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *n = NULL, *e = NULL;
	uint8_t point[133];
	unsigned char *p = out;
	bool ok = false;
	int der_len;

	if (pub->type == TPM2_ALG_RSA) {
		n = BN_bin2bn(pub->unique.rsa.buffer, pub->unique.rsa.size,
			      NULL);
		e = BN_new();
		ok = BN_set_word(e, 65537) &&
		     OSSL_PARAM_BLD_push_BN(bld, "n", n) &&
		     OSSL_PARAM_BLD_push_BN(bld, "e", e);
	} else {
		size_t c = pub->unique.ecc.x.size;

		point[0] = 4;
		memcpy(point + 1, pub->unique.ecc.x.buffer, c);
		memcpy(point + 1 + c, pub->unique.ecc.y.buffer, c);
		ok = OSSL_PARAM_BLD_push_utf8_string(bld, "group", "P-256",
						     0) &&
		     OSSL_PARAM_BLD_push_octet_string(bld, "pub", point,
						      1 + 2 * c);
	}
	params = ok ? OSSL_PARAM_BLD_to_param(bld) : NULL;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, pub->type == TPM2_ALG_RSA ?
						       "RSA" :
						       "EC",
					 NULL);
	ok = params != NULL && ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
	     EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
	der_len = ok ? i2d_PUBKEY(pkey, NULL) : -1;
	ok = der_len > 0 && der_len <= 1024 && i2d_PUBKEY(pkey, &p) == der_len;
	if (ok)
		*len = (size_t)der_len;
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return ok;
}

/*
 * A secret key with the value the bench knows (what the module is given
 * too): AES-256 for any mode, or HMAC-SHA256.
 */
static void secret_template(CK_KEY_TYPE type, TPM2B_PUBLIC *tmpl)
{
	TPMT_PUBLIC *a = &tmpl->publicArea;

	memset(tmpl, 0, sizeof(*tmpl));
	a->nameAlg = TPM2_ALG_SHA256;
	a->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			      TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA |
			      TPMA_OBJECT_SIGN_ENCRYPT;
	if (type == CKK_AES) {
		a->type = TPM2_ALG_SYMCIPHER;
		a->objectAttributes |= TPMA_OBJECT_DECRYPT;
		a->parameters.symDetail.sym.algorithm = TPM2_ALG_AES;
		a->parameters.symDetail.sym.keyBits.aes = 256;
		a->parameters.symDetail.sym.mode.aes = TPM2_ALG_NULL;
	} else {
		a->type = TPM2_ALG_KEYEDHASH;
		a->parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_HMAC;
		a->parameters.keyedHashDetail.scheme.details.hmac.hashAlg =
			TPM2_ALG_SHA256;
	}
}

static bool create_key(struct raw *r, TPM2B_PRIVATE **priv,
		       TPM2B_PUBLIC **pub)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_PUBLIC tmpl;
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };

	r->auth.size = 32;
	if (RAND_bytes(r->auth.buffer, 32) != 1)
		return false;
	sens.sensitive.userAuth = r->auth;
	if (bench_is_secret(r->mech)) {
		secret_template(r->mech->key_type, &tmpl);
		sens.sensitive.data.size = 32;
		bench_secret_value(r->mech, sens.sensitive.data.buffer);
	} else {
		key_template(r->mech->key_type, &tmpl);
	}
	return Esys_Create(r->esys, r->primary, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			   ESYS_TR_NONE, &sens, &tmpl, &outside, &pcrs, priv,
			   pub, NULL, NULL, NULL) == TSS2_RC_SUCCESS;
}

struct raw *raw_open(const char *tcti, const struct bench_mech *m)
{
	struct raw *r = calloc(1, sizeof(*r));
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL;
	bool ok;

	if (r == NULL)
		return NULL;
	r->mech = m;
	r->primary = r->key = ESYS_TR_NONE;
	ok = connect_tpm(tcti, &r->tcti, &r->esys) &&
	     create_primary(r->esys, &r->primary) && create_key(r, &priv, &pub) &&
	     Esys_Load(r->esys, r->primary, ESYS_TR_PASSWORD, ESYS_TR_NONE,
		       ESYS_TR_NONE, priv, pub, &r->key) == TSS2_RC_SUCCESS &&
	     Esys_TR_SetAuth(r->esys, r->key, &r->auth) == TSS2_RC_SUCCESS &&
	     (bench_is_secret(m) ||
	      spki_of(&pub->publicArea, r->spki, &r->spki_len));
	Esys_Free(priv);
	Esys_Free(pub);
	if (!ok) {
		raw_close(r);
		return NULL;
	}
	return r;
}

const uint8_t *raw_spki(struct raw *r, size_t *len)
{
	*len = r->spki_len;
	return r->spki;
}

void raw_close(struct raw *r)
{
	if (r == NULL)
		return;
	if (r->esys != NULL) {
		if (r->key != ESYS_TR_NONE)
			Esys_FlushContext(r->esys, r->key);
		if (r->primary != ESYS_TR_NONE)
			Esys_FlushContext(r->esys, r->primary);
		disconnect_tpm(&r->tcti, &r->esys);
	}
	free(r);
}

/* What TPM2_Sign takes for each mechanism's input. */
static void digest_of(const struct bench_mech *m, const uint8_t *in,
		      size_t len, TPM2B_DIGEST *d)
{
	unsigned int n = 32;

	d->size = 32;
	if (m->type == CKM_RSA_PKCS) /* a DigestInfo: its last 32 bytes */
		memcpy(d->buffer, in + len - 32, 32);
	else
		EVP_Digest(in, len, d->buffer, &n, EVP_sha256(), NULL);
}

/* ECDH: the x coordinate of the shared point with the peer's. */
static bool derive_with(ESYS_CONTEXT *esys, ESYS_TR key, const uint8_t *in,
			size_t in_len, uint8_t *out, size_t *out_len)
{
	TPM2B_ECC_POINT peer = { 0 };
	TPM2B_ECC_POINT *z = NULL;
	bool ok;

	if (in_len != 65 || in[0] != 4)
		return false;
	peer.point.x.size = peer.point.y.size = 32;
	memcpy(peer.point.x.buffer, in + 1, 32);
	memcpy(peer.point.y.buffer, in + 33, 32);
	ok = Esys_ECDH_ZGen(esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			    ESYS_TR_NONE, &peer, &z) == TSS2_RC_SUCCESS &&
	     z->point.x.size <= *out_len;
	if (ok) {
		memcpy(out, z->point.x.buffer, z->point.x.size);
		*out_len = z->point.x.size;
	}
	Esys_Free(z);
	return ok;
}

/* AES-256-CBC, zero IV, in the module's chunks of 1,024 bytes. */
static bool encrypt_with(ESYS_CONTEXT *esys, ESYS_TR key, const uint8_t *in,
			 size_t in_len, uint8_t *out, size_t *out_len)
{
	TPM2B_IV iv = { .size = 16 };
	bool ok = in_len <= *out_len;

	for (size_t off = 0; ok && off < in_len; off += 1024) {
		TPM2B_MAX_BUFFER data = { 0 };
		TPM2B_MAX_BUFFER *res = NULL;
		TPM2B_IV *next = NULL;

		data.size = (UINT16)(in_len - off < 1024 ? in_len - off : 1024);
		memcpy(data.buffer, in + off, data.size);
		ok = Esys_EncryptDecrypt2(esys, key, ESYS_TR_PASSWORD,
					  ESYS_TR_NONE, ESYS_TR_NONE, &data,
					  TPM2_NO, TPM2_ALG_CBC, &iv, &res,
					  &next) == TSS2_RC_SUCCESS &&
		     res->size == data.size;
		if (ok) {
			memcpy(out + off, res->buffer, res->size);
			iv = *next;
		}
		Esys_Free(res);
		Esys_Free(next);
	}
	if (ok)
		*out_len = in_len;
	return ok;
}

static bool hmac_with(ESYS_CONTEXT *esys, ESYS_TR key, const uint8_t *in,
		      size_t in_len, uint8_t *out, size_t *out_len)
{
	TPM2B_MAX_BUFFER data = { .size = (UINT16)in_len };
	TPM2B_DIGEST *mac = NULL;
	bool ok = in_len <= sizeof(data.buffer);

	if (ok)
		memcpy(data.buffer, in, in_len);
	ok = ok &&
	     Esys_HMAC(esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE,
		       ESYS_TR_NONE, &data, TPM2_ALG_SHA256, &mac) ==
		     TSS2_RC_SUCCESS &&
	     mac->size <= *out_len;
	if (ok) {
		memcpy(out, mac->buffer, mac->size);
		*out_len = mac->size;
	}
	Esys_Free(mac);
	return ok;
}

static bool run_with(ESYS_CONTEXT *esys, ESYS_TR key,
		     const struct bench_mech *m, const uint8_t *in,
		     size_t in_len, uint8_t *out, size_t *out_len)
{
	TPMT_TK_HASHCHECK check = { .tag = TPM2_ST_HASHCHECK,
				    .hierarchy = TPM2_RH_NULL };
	TPMT_SIG_SCHEME scheme = { 0 };
	TPMT_SIGNATURE *sig = NULL;
	TPM2B_DIGEST digest;
	bool ok = false;

	if (m->op == OP_DERIVE)
		return derive_with(esys, key, in, in_len, out, out_len);
	if (m->op == OP_ENCRYPT)
		return encrypt_with(esys, key, in, in_len, out, out_len);
	if (m->key_type == CKK_GENERIC_SECRET)
		return hmac_with(esys, key, in, in_len, out, out_len);
	if (m->op == OP_DECRYPT) {
		TPM2B_PUBLIC_KEY_RSA cipher = { .size = (UINT16)in_len };
		TPMT_RSA_DECRYPT oaep = { .scheme = TPM2_ALG_OAEP,
					  .details.oaep.hashAlg =
						  TPM2_ALG_SHA256 };
		TPM2B_DATA label = { 0 };
		TPM2B_PUBLIC_KEY_RSA *plain = NULL;

		memcpy(cipher.buffer, in, in_len);
		ok = Esys_RSA_Decrypt(esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				      ESYS_TR_NONE, &cipher, &oaep, &label,
				      &plain) == TSS2_RC_SUCCESS &&
		     plain->size <= *out_len;
		if (ok) {
			memcpy(out, plain->buffer, plain->size);
			*out_len = plain->size;
		}
		Esys_Free(plain);
		return ok;
	}
	digest_of(m, in, in_len, &digest);
	scheme.scheme = m->key_type == CKK_EC ? TPM2_ALG_ECDSA :
			m->type == CKM_SHA256_RSA_PKCS_PSS ? TPM2_ALG_RSAPSS :
							     TPM2_ALG_RSASSA;
	scheme.details.any.hashAlg = TPM2_ALG_SHA256;
	if (Esys_Sign(esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
		      &digest, &scheme, &check, &sig) != TSS2_RC_SUCCESS)
		return false;
	if (m->key_type == CKK_EC) {
		const TPMS_SIGNATURE_ECC *e = &sig->signature.ecdsa;

		memset(out, 0, 64);
		memcpy(out + 32 - e->signatureR.size, e->signatureR.buffer,
		       e->signatureR.size);
		memcpy(out + 64 - e->signatureS.size, e->signatureS.buffer,
		       e->signatureS.size);
		*out_len = 64;
	} else {
		const TPM2B_PUBLIC_KEY_RSA *s = &sig->signature.rsassa.sig;

		memcpy(out, s->buffer, s->size);
		*out_len = s->size;
	}
	Esys_Free(sig);
	return true;
}

bool raw_run_once(struct raw *r, const uint8_t *input, size_t input_len,
		  uint8_t *out, size_t *out_len)
{
	return run_with(r->esys, r->key, r->mech, input, input_len, out,
			out_len);
}

/*
 * The saved key of the cold raw process: the key's context, its auth
 * and public key info, in one file.
 */
struct saved {
	TPM2B_AUTH auth;
	uint8_t context[4096];
	size_t context_len;
};

bool raw_cold_prepare(const char *tcti, const struct bench_mech *m,
		      const char *blob_path)
{
	struct raw *r = raw_open(tcti, m);
	TPMS_CONTEXT *ctx = NULL;
	struct saved s = { 0 };
	FILE *f;
	bool ok;

	if (r == NULL)
		return false;
	ok = Esys_ContextSave(r->esys, r->key, &ctx) == TSS2_RC_SUCCESS &&
	     Tss2_MU_TPMS_CONTEXT_Marshal(ctx, s.context, sizeof(s.context),
					  &s.context_len) == TSS2_RC_SUCCESS;
	s.auth = r->auth;
	Esys_Free(ctx);
	f = ok ? fopen(blob_path, "wb") : NULL;
	ok = f != NULL && fwrite(&s, sizeof(s), 1, f) == 1 &&
	     fwrite(&r->spki_len, sizeof(r->spki_len), 1, f) == 1 &&
	     fwrite(r->spki, 1, r->spki_len, f) == r->spki_len;
	if (f != NULL && fclose(f) != 0)
		ok = false;
	/* Keep the primary: the saved context needs its hierarchy only. */
	raw_close(r);
	return ok;
}

bool raw_cold_once(const char *tcti, const struct bench_mech *m,
		   const char *blob_path, const uint8_t *input,
		   size_t input_len, uint8_t *out, size_t *out_len)
{
	TSS2_TCTI_CONTEXT *t = NULL;
	ESYS_CONTEXT *esys = NULL;
	TPMS_CONTEXT ctx;
	ESYS_TR key = ESYS_TR_NONE;
	struct saved s;
	size_t off = 0;
	FILE *f = fopen(blob_path, "rb");
	bool ok = f != NULL && fread(&s, sizeof(s), 1, f) == 1;

	if (f != NULL)
		fclose(f);
	ok = ok &&
	     Tss2_MU_TPMS_CONTEXT_Unmarshal(s.context, s.context_len, &off,
					    &ctx) == TSS2_RC_SUCCESS &&
	     connect_tpm(tcti, &t, &esys);
	if (!ok)
		return false;
	ok = Esys_ContextLoad(esys, &ctx, &key) == TSS2_RC_SUCCESS &&
	     Esys_TR_SetAuth(esys, key, &s.auth) == TSS2_RC_SUCCESS &&
	     run_with(esys, key, m, input, input_len, out, out_len);
	if (key != ESYS_TR_NONE)
		Esys_FlushContext(esys, key);
	disconnect_tpm(&t, &esys);
	return ok;
}

bool raw_cold_spki(const char *blob_path, uint8_t *spki, size_t *len)
{
	struct saved s;
	size_t n = 0;
	FILE *f = fopen(blob_path, "rb");
	bool ok = f != NULL && fread(&s, sizeof(s), 1, f) == 1 &&
		  fread(&n, sizeof(n), 1, f) == 1 && n <= *len &&
		  fread(spki, 1, n, f) == n;

	if (f != NULL)
		fclose(f);
	if (ok)
		*len = n;
	return ok;
}
