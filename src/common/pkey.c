/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/pkey.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/objects.h>

#include "common/crypto_internal.h"
#include "common/der.h"
#include "common/pubkey.h"
#include "common/rsa_pad.h"
#include "common/secmem.h"

/*
 * The arithmetic is done here, on BIGNUMs and EC points of the module's
 * library context: an OpenSSL key object (EVP_PKEY) would be handed to
 * any engine the host registered for RSA or EC keys, whatever library
 * context it was made in.
 */
struct pkey {
	bool rsa;
	size_t size;	 /* modulus bytes, or field bytes */
	size_t bits;	 /* modulus bits, or the order's bits */
	BIGNUM *n, *e;	 /* RSA */
	EC_GROUP *group; /* EC */
	EC_POINT *q;
};

/* OBJECT IDENTIFIER contents of the key algorithms. */
static const uint8_t rsa_encryption[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7,
					  0x0d, 0x01, 0x01, 0x01 };
static const uint8_t ec_public_key[] = { 0x2a, 0x86, 0x48, 0xce,
					 0x3d, 0x02, 0x01 };

static bool is_oid(const struct der_in *oid, const uint8_t *want, size_t len)
{
	return oid->len == len && memcmp(oid->p, want, len) == 0;
}

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } */
static bool rsa_from(struct pkey *key, struct der_in bits)
{
	struct der_in seq, n, e;

	if (!der_take(&bits, DER_SEQUENCE, &seq) || bits.len != 0 ||
	    !der_take_uint(&seq, &n) || !der_take_uint(&seq, &e) ||
	    seq.len != 0 || n.len > PUBKEY_RSA_MAX_BYTES || n.len < 2 ||
	    e.len > 8)
		return false;
	key->rsa = true;
	key->n = BN_bin2bn(n.p, (int)n.len, NULL);
	key->e = BN_bin2bn(e.p, (int)e.len, NULL);
	if (key->n == NULL || key->e == NULL || BN_is_zero(key->e) ||
	    !BN_is_odd(key->n))
		return false;
	key->bits = (size_t)BN_num_bits(key->n);
	key->size = (key->bits + 7) / 8;
	return true;
}

static bool ec_from(struct pkey *key, const struct der_in *curve,
		    struct der_in point)
{
	int nid = pubkey_curve_nid(curve->p, curve->len);
	BN_CTX *bn = BN_CTX_new_ex(crypto_libctx());
	bool ok;

	if (nid == NID_undef || bn == NULL) {
		BN_CTX_free(bn);
		return false;
	}
	key->group = EC_GROUP_new_by_curve_name_ex(crypto_libctx(), NULL, nid);
	key->q = key->group != NULL ? EC_POINT_new(key->group) : NULL;
	ok = key->q != NULL &&
	     EC_POINT_oct2point(key->group, key->q, point.p, point.len, bn) ==
		     1 &&
	     !EC_POINT_is_at_infinity(key->group, key->q) &&
	     EC_POINT_is_on_curve(key->group, key->q, bn) == 1;
	BN_CTX_free(bn);
	if (!ok)
		return false;
	key->size = ((size_t)EC_GROUP_get_degree(key->group) + 7) / 8;
	key->bits = (size_t)EC_GROUP_order_bits(key->group);
	return true;
}

struct pkey *pkey_from_spki(const uint8_t *der, size_t len)
{
	struct der_in in = { der, len }, spki, alg, oid, bits;
	struct pkey *key;
	bool ok = false;

	if (der == NULL || len == 0 || len > 1 << 16 ||
	    crypto_libctx() == NULL)
		return NULL;
	/* SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey } */
	if (!der_take(&in, DER_SEQUENCE, &spki) || in.len != 0 ||
	    !der_take(&spki, DER_SEQUENCE, &alg) ||
	    !der_take(&alg, DER_OID, &oid) ||
	    !der_take(&spki, DER_BIT_STRING, &bits) || spki.len != 0 ||
	    bits.len < 2 || bits.p[0] != 0)
		return NULL;
	bits.p++;
	bits.len--;
	key = calloc(1, sizeof(*key));
	if (key == NULL)
		return NULL;
	if (is_oid(&oid, rsa_encryption, sizeof(rsa_encryption))) {
		struct der_in null;

		ok = (alg.len == 0 ||
		      (der_take(&alg, DER_NULL, &null) && null.len == 0 &&
		       alg.len == 0)) &&
		     rsa_from(key, bits);
	} else if (is_oid(&oid, ec_public_key, sizeof(ec_public_key))) {
		struct der_in curve;

		ok = der_take(&alg, DER_OID, &curve) && alg.len == 0 &&
		     ec_from(key, &curve, bits);
	}
	if (!ok) {
		pkey_free(key);
		return NULL;
	}
	return key;
}

void pkey_free(struct pkey *key)
{
	if (key == NULL)
		return;
	BN_free(key->n);
	BN_free(key->e);
	EC_POINT_free(key->q);
	EC_GROUP_free(key->group);
	free(key);
}

size_t pkey_size(const struct pkey *key)
{
	return key->size;
}

/*
 * out = in^e mod n over k-byte blocks; false when in is not below n
 * (or on failure).
 */
static bool rsa_public(const struct pkey *key, const uint8_t *in,
		       uint8_t *out)
{
	BN_CTX *bn = BN_CTX_new_ex(crypto_libctx());
	BIGNUM *x = BN_bin2bn(in, (int)key->size, NULL);
	BIGNUM *y = BN_new();
	bool ok = bn != NULL && x != NULL && y != NULL &&
		  BN_cmp(x, key->n) < 0 &&
		  BN_mod_exp(y, x, key->e, key->n, bn) == 1 &&
		  BN_bn2binpad(y, out, (int)key->size) == (int)key->size;

	BN_CTX_free(bn);
	BN_clear_free(x);
	BN_clear_free(y);
	return ok;
}

/* The expected block of a deterministic padding, compared in full. */
static int same_block(const uint8_t *got, const uint8_t *want, size_t k)
{
	return memcmp(got, want, k) == 0;
}

static int verify_rsa(const struct pkey *key, const struct pkey_params *p,
		      const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
		      size_t sig_len)
{
	uint8_t em[PUBKEY_RSA_MAX_BYTES], want[PUBKEY_RSA_MAX_BYTES];
	size_t k = key->size;

	if (sig_len != k)
		return 0;
	if (!rsa_public(key, sig, em))
		return 0; /* a "signature" not below n */
	switch (p->padding) {
	case PKEY_PAD_NONE:
		if (tbs_len > k)
			return 0;
		memset(want, 0, k - tbs_len);
		memcpy(want + k - tbs_len, tbs, tbs_len);
		return same_block(em, want, k);
	case PKEY_PAD_PSS:
		if (tbs_len != crypto_digest_len(p->hash))
			return 0;
		return rsa_pss_verify(p->hash, p->mgf, tbs, p->salt_len,
				      key->bits, em, k);
	case PKEY_PAD_PKCS1:
		if (p->has_hash && tbs_len != crypto_digest_len(p->hash))
			return 0;
		if (!rsa_pad_pkcs1_sign(p->prefix, p->prefix_len, tbs, tbs_len,
					want, k))
			return 0;
		return same_block(em, want, k);
	default:
		return -1;
	}
}

/* The leftmost order-bits of a digest, as an integer (SEC 1, 4.1.4). */
static BIGNUM *digest_scalar(const struct pkey *key, const uint8_t *tbs,
			     size_t tbs_len)
{
	size_t take = tbs_len > (key->bits + 7) / 8 ? (key->bits + 7) / 8 :
						      tbs_len;
	BIGNUM *e = BN_bin2bn(tbs, (int)take, NULL);

	if (e != NULL && 8 * take > key->bits &&
	    !BN_rshift(e, e, (int)(8 * take - key->bits))) {
		BN_free(e);
		return NULL;
	}
	return e;
}

/*
 * ECDSA verification (SEC 1, 4.1.4): with w = s^-1, R = (e w) G + (r w) Q
 * must not be infinity, and its x mod n must equal r.
 */
static int verify_ecdsa(const struct pkey *key, const uint8_t *tbs,
			size_t tbs_len, const uint8_t *sig, size_t sig_len)
{
	const BIGNUM *order = EC_GROUP_get0_order(key->group);
	BN_CTX *bn = BN_CTX_new_ex(crypto_libctx());
	EC_POINT *point = EC_POINT_new(key->group);
	BIGNUM *r, *s, *e, *w, *u1, *u2, *x;
	int rc = -1;

	if (bn == NULL || point == NULL)
		goto out;
	BN_CTX_start(bn);
	r = BN_CTX_get(bn);
	s = BN_CTX_get(bn);
	w = BN_CTX_get(bn);
	u1 = BN_CTX_get(bn);
	u2 = BN_CTX_get(bn);
	x = BN_CTX_get(bn);
	e = digest_scalar(key, tbs, tbs_len);
	if (x == NULL || e == NULL ||
	    BN_bin2bn(sig, (int)(sig_len / 2), r) == NULL ||
	    BN_bin2bn(sig + sig_len / 2, (int)(sig_len / 2), s) == NULL)
		goto done;
	rc = 0;
	if (sig_len != 2 * key->size || BN_is_zero(r) || BN_is_zero(s) ||
	    BN_cmp(r, order) >= 0 || BN_cmp(s, order) >= 0)
		goto done;
	rc = -1;
	if (BN_mod_inverse(w, s, order, bn) == NULL ||
	    !BN_mod_mul(u1, e, w, order, bn) ||
	    !BN_mod_mul(u2, r, w, order, bn) ||
	    !EC_POINT_mul(key->group, point, u1, key->q, u2, bn))
		goto done;
	rc = 0;
	if (EC_POINT_is_at_infinity(key->group, point))
		goto done;
	rc = -1;
	if (!EC_POINT_get_affine_coordinates(key->group, point, x, NULL, bn) ||
	    !BN_nnmod(x, x, order, bn))
		goto done;
	rc = BN_cmp(x, r) == 0;
done:
	BN_free(e);
	BN_CTX_end(bn);
out:
	EC_POINT_free(point);
	BN_CTX_free(bn);
	return rc;
}

int pkey_verify(const struct pkey *key, const struct pkey_params *params,
		const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
		size_t sig_len)
{
	if (key->rsa)
		return params->padding == PKEY_PAD_ECDSA ?
			       -1 :
			       verify_rsa(key, params, tbs, tbs_len, sig,
					  sig_len);
	return params->padding == PKEY_PAD_ECDSA ?
		       verify_ecdsa(key, tbs, tbs_len, sig, sig_len) :
		       -1;
}

bool pkey_encrypt(const struct pkey *key, const struct pkey_params *params,
		  const uint8_t *in, size_t in_len, uint8_t *out,
		  size_t *out_len)
{
	uint8_t em[PUBKEY_RSA_MAX_BYTES];
	size_t k = key->size;
	bool ok;

	if (!key->rsa || *out_len < k)
		return false;
	switch (params->padding) {
	case PKEY_PAD_NONE:
		ok = in_len == k;
		if (ok)
			memcpy(em, in, k);
		break;
	case PKEY_PAD_OAEP:
		ok = rsa_pad_oaep(params->hash, params->mgf, params->label,
				  params->label_len, in, in_len, em, k);
		break;
	case PKEY_PAD_PKCS1:
		ok = rsa_pad_pkcs1_encrypt(in, in_len, em, k);
		break;
	default:
		ok = false;
		break;
	}
	ok = ok && rsa_public(key, em, out);
	secmem_wipe(em, k);
	if (ok)
		*out_len = k;
	return ok;
}
