/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "common/pubkey.h"
#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

#define KEY_AUTH_LEN 32
#define DEFAULT_ID_LEN 8

static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				    0x3d, 0x03, 0x01, 0x07 };
static const uint8_t oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00,
				    0x22 };
static const uint8_t oid_p521[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00,
				    0x23 };

static const struct {
	const char *name;
	struct tpm_key_spec spec;
	const uint8_t *oid;
	size_t oid_len;
	const char *curve; /* OpenSSL's name */
} kinds[TC_KEY_KIND_COUNT] = {
	[TC_KEY_RSA2048] = { "rsa2048", { TPM_KEY_RSA, 2048, 0, 0 }, NULL, 0,
			     NULL },
	[TC_KEY_RSA3072] = { "rsa3072", { TPM_KEY_RSA, 3072, 0, 0 }, NULL, 0,
			     NULL },
	[TC_KEY_RSA4096] = { "rsa4096", { TPM_KEY_RSA, 4096, 0, 0 }, NULL, 0,
			     NULL },
	[TC_KEY_EC_P256] = { "ecc-p256", { TPM_KEY_EC, 0, 0, TPM_CURVE_P256 },
			     oid_p256, sizeof(oid_p256), "P-256" },
	[TC_KEY_EC_P384] = { "ecc-p384", { TPM_KEY_EC, 0, 0, TPM_CURVE_P384 },
			     oid_p384, sizeof(oid_p384), "P-384" },
	[TC_KEY_EC_P521] = { "ecc-p521", { TPM_KEY_EC, 0, 0, TPM_CURVE_P521 },
			     oid_p521, sizeof(oid_p521), "P-521" },
};

const char *token_key_kind_name(enum tc_key_kind kind)
{
	return kind < TC_KEY_KIND_COUNT ? kinds[kind].name : NULL;
}

bool token_key_kind_parse(const char *name, enum tc_key_kind *kind)
{
	for (size_t i = 0; i < TC_KEY_KIND_COUNT; i++) {
		if (strcmp(kinds[i].name, name) == 0) {
			*kind = (enum tc_key_kind)i;
			return true;
		}
	}
	return false;
}

/* Attributes both halves of a generated pair share. */
static bool common_attrs(struct attr_list *a, CK_OBJECT_CLASS cls,
			 CK_KEY_TYPE type, CK_MECHANISM_TYPE gen,
			 const char *label, const uint8_t *id, size_t id_len)
{
	return attrs_set_ulong(a, CKA_CLASS, cls) &&
	       attrs_set_ulong(a, CKA_KEY_TYPE, type) &&
	       attrs_set_bool(a, CKA_TOKEN, true) &&
	       attrs_set_bool(a, CKA_MODIFIABLE, true) &&
	       attrs_set_bool(a, CKA_COPYABLE, false) &&
	       attrs_set_bool(a, CKA_DESTROYABLE, true) &&
	       attrs_set(a, CKA_LABEL, label, strlen(label)) &&
	       attrs_set(a, CKA_ID, id, id_len) &&
	       attrs_set(a, CKA_START_DATE, NULL, 0) &&
	       attrs_set(a, CKA_END_DATE, NULL, 0) &&
	       attrs_set_bool(a, CKA_DERIVE, false) &&
	       attrs_set_bool(a, CKA_LOCAL, true) &&
	       attrs_set_ulong(a, CKA_KEY_GEN_MECHANISM, gen) &&
	       /* Empty: no restriction beyond the key's type. */
	       attrs_set(a, CKA_ALLOWED_MECHANISMS, NULL, 0) &&
	       attrs_set(a, CKA_SUBJECT, NULL, 0);
}

/* RSA keys decrypt and encrypt (in the TPM and in software); EC keys do not. */
static bool private_attrs(struct attr_list *a, bool rsa)
{
	return attrs_set_bool(a, CKA_PRIVATE, true) &&
	       attrs_set_bool(a, CKA_SENSITIVE, true) &&
	       attrs_set_bool(a, CKA_ALWAYS_SENSITIVE, true) &&
	       attrs_set_bool(a, CKA_EXTRACTABLE, false) &&
	       attrs_set_bool(a, CKA_NEVER_EXTRACTABLE, true) &&
	       attrs_set_bool(a, CKA_SIGN, true) &&
	       attrs_set_bool(a, CKA_SIGN_RECOVER, false) &&
	       attrs_set_bool(a, CKA_DECRYPT, rsa) &&
	       attrs_set_bool(a, CKA_UNWRAP, false) &&
	       attrs_set_bool(a, CKA_ALWAYS_AUTHENTICATE, false) &&
	       attrs_set_bool(a, CKA_WRAP_WITH_TRUSTED, false);
}

static bool public_attrs(struct attr_list *a, bool rsa)
{
	return attrs_set_bool(a, CKA_PRIVATE, false) &&
	       attrs_set_bool(a, CKA_VERIFY, true) &&
	       attrs_set_bool(a, CKA_VERIFY_RECOVER, false) &&
	       attrs_set_bool(a, CKA_ENCRYPT, rsa) &&
	       attrs_set_bool(a, CKA_WRAP, false) &&
	       attrs_set_bool(a, CKA_TRUSTED, false);
}

/* Minimal big-endian encoding of the public exponent. */
static bool exponent_attr(struct attr_list *a, uint32_t e)
{
	uint8_t bytes[4] = { e >> 24, e >> 16, e >> 8, e };
	size_t skip = 0;

	while (skip < 3 && bytes[skip] == 0)
		skip++;
	return attrs_set(a, CKA_PUBLIC_EXPONENT, bytes + skip, 4 - skip);
}

static bool rsa_attrs(struct attr_list *a, const struct tpm_pubkey *pub,
		      bool public_half)
{
	return attrs_set(a, CKA_MODULUS, pub->modulus, pub->modulus_len) &&
	       exponent_attr(a, pub->exponent) &&
	       (!public_half ||
		attrs_set_ulong(a, CKA_MODULUS_BITS, pub->modulus_len * 8));
}

/* CKA_EC_POINT: DER OCTET STRING holding 04 || X || Y. */
static bool ec_point_attr(struct attr_list *a, const struct tpm_pubkey *pub)
{
	size_t point_len = 1 + 2 * pub->coord_len, pos = 0;
	uint8_t der[4 + 1 + 2 * 66];

	der[pos++] = 0x04;
	if (point_len >= 0x80)
		der[pos++] = 0x81;
	der[pos++] = (uint8_t)point_len;
	der[pos++] = 0x04;
	memcpy(der + pos, pub->x, pub->coord_len);
	memcpy(der + pos + pub->coord_len, pub->y, pub->coord_len);
	return attrs_set(a, CKA_EC_POINT, der, pos + 2 * pub->coord_len);
}

/* CKA_PUBLIC_KEY_INFO (DER SubjectPublicKeyInfo) on both halves. */
static bool spki_attrs(enum tc_key_kind kind, const struct tpm_pubkey *pub,
		       struct attr_list *priv, struct attr_list *pubattrs)
{
	uint8_t point[1 + 2 * 66], *der = NULL;
	size_t der_len = 0;
	bool ok;

	if (kinds[kind].spec.type == TPM_KEY_RSA) {
		ok = pubkey_rsa_spki(pub->modulus, pub->modulus_len,
				     pub->exponent, &der, &der_len);
	} else {
		point[0] = 0x04;
		memcpy(point + 1, pub->x, pub->coord_len);
		memcpy(point + 1 + pub->coord_len, pub->y, pub->coord_len);
		ok = pubkey_ec_spki(kinds[kind].curve, point,
				    1 + 2 * pub->coord_len, &der, &der_len);
	}
	ok = ok && attrs_set(priv, CKA_PUBLIC_KEY_INFO, der, der_len) &&
	     attrs_set(pubattrs, CKA_PUBLIC_KEY_INFO, der, der_len);
	free(der);
	return ok;
}

static bool build_pair(enum tc_key_kind kind, const struct tpm_pubkey *pub,
		       const char *label, const uint8_t *id, size_t id_len,
		       struct attr_list *priv, struct attr_list *pubattrs)
{
	bool rsa = kinds[kind].spec.type == TPM_KEY_RSA;
	CK_KEY_TYPE type = rsa ? CKK_RSA : CKK_EC;
	CK_MECHANISM_TYPE gen = rsa ? CKM_RSA_PKCS_KEY_PAIR_GEN :
				      CKM_EC_KEY_PAIR_GEN;
	bool ok = common_attrs(priv, CKO_PRIVATE_KEY, type, gen, label, id,
			       id_len) &&
		  private_attrs(priv, rsa) &&
		  common_attrs(pubattrs, CKO_PUBLIC_KEY, type, gen, label, id,
			       id_len) &&
		  public_attrs(pubattrs, rsa) &&
		  spki_attrs(kind, pub, priv, pubattrs);

	if (ok && rsa)
		return rsa_attrs(priv, pub, false) &&
		       rsa_attrs(pubattrs, pub, true);
	return ok &&
	       attrs_set(priv, CKA_EC_PARAMS, kinds[kind].oid,
			 kinds[kind].oid_len) &&
	       attrs_set(pubattrs, CKA_EC_PARAMS, kinds[kind].oid,
			 kinds[kind].oid_len) &&
	       ec_point_attr(pubattrs, pub);
}

/* Row for one object; blobs are copied, attrs serialized. */
static CK_RV make_row(int64_t token_id, const struct attr_list *attrs,
		      const struct tpm_blob *blob, const uint8_t *auth,
		      size_t auth_len, struct db_object *row)
{
	memset(row, 0, sizeof(*row));
	row->token_id = token_id;
	if (!attrs_serialize(attrs, &row->attrs.data, &row->attrs.len))
		return CKR_HOST_MEMORY;
	if (blob != NULL &&
	    (!db_blob_set(&row->tpm_pub, blob->pub, blob->pub_len) ||
	     !db_blob_set(&row->tpm_priv, blob->priv, blob->priv_len) ||
	     !db_blob_set(&row->auth, auth, auth_len)))
		return CKR_HOST_MEMORY;
	return CKR_OK;
}

/* Both rows in one transaction: a pair is stored whole or not at all. */
static CK_RV store_pair(struct tc_module *mod, struct db_object *priv,
			struct db_object *pub, int64_t *priv_id,
			int64_t *pub_id)
{
	enum db_rc rc = db_begin(mod->db);

	if (rc == DB_OK)
		rc = db_object_insert(mod->db, priv, priv_id);
	if (rc == DB_OK)
		rc = db_object_insert(mod->db, pub, pub_id);
	if (rc == DB_OK)
		return token_rv_from_db(db_commit(mod->db));
	db_rollback(mod->db);
	return token_rv_from_db(rc);
}

/* Wraps auth under the wrap secret, bound to the key's public area. */
static CK_RV wrap_auth(const struct tc_token *token,
		       const struct tpm_blob *blob, const uint8_t *auth,
		       uint8_t *wrapped)
{
	if (!crypto_aead_seal(token->wrap->data, blob->pub, blob->pub_len,
			      auth, KEY_AUTH_LEN, wrapped))
		return CKR_HOST_MEMORY;
	return CKR_OK;
}

static CK_RV generate_locked(struct tc_session *session, enum tc_key_kind kind,
			     const char *label, const uint8_t *id,
			     size_t id_len, int64_t *priv_id, int64_t *pub_id)
{
	struct tc_module *mod = session->mod;
	uint8_t auth[KEY_AUTH_LEN], wrapped[KEY_AUTH_LEN + CRYPTO_AEAD_OVERHEAD];
	struct attr_list priv_attrs = { 0 }, pub_attrs = { 0 };
	struct db_object priv_row = { 0 }, pub_row = { 0 };
	struct tpm_blob blob = { 0 };
	struct tpm_pubkey pub;
	struct tpm *tpm;
	CK_RV rv;

	rv = token_tpm_locked(mod, &tpm);
	if (rv != CKR_OK)
		return rv;
	if (!crypto_random(auth, sizeof(auth)))
		return CKR_HOST_MEMORY;
	rv = token_rv_from_tpm(tpm_key_create(tpm, &kinds[kind].spec, auth,
					      sizeof(auth), &blob, &pub));
	if (rv == CKR_OK)
		rv = wrap_auth(session->token, &blob, auth, wrapped);
	secmem_wipe(auth, sizeof(auth));
	if (rv == CKR_OK && !build_pair(kind, &pub, label, id, id_len,
					&priv_attrs, &pub_attrs))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = make_row(session->token->row.id, &priv_attrs, &blob,
			      wrapped, sizeof(wrapped), &priv_row);
	if (rv == CKR_OK)
		rv = make_row(session->token->row.id, &pub_attrs, NULL, NULL, 0,
			      &pub_row);
	if (rv == CKR_OK)
		rv = store_pair(mod, &priv_row, &pub_row, priv_id, pub_id);
	if (rv == CKR_OK)
		rv = token_reload_objects_locked(mod, session->token);
	db_object_clear(&priv_row);
	db_object_clear(&pub_row);
	attrs_clear(&priv_attrs);
	attrs_clear(&pub_attrs);
	tpm_blob_clear(&blob);
	return rv;
}

CK_RV token_key_generate(struct tc_session *session, enum tc_key_kind kind,
			 const char *label, const uint8_t *id, size_t id_len,
			 int64_t *priv_id, int64_t *pub_id)
{
	struct tc_token *token = session->token;
	uint8_t random_id[DEFAULT_ID_LEN];
	CK_RV rv = CKR_OK;

	if (kind >= TC_KEY_KIND_COUNT || label == NULL)
		return CKR_ARGUMENTS_BAD;
	if (id == NULL) {
		if (!crypto_random(random_id, sizeof(random_id)))
			return CKR_HOST_MEMORY;
		id = random_id;
		id_len = sizeof(random_id);
	}
	pthread_mutex_lock(&session->mod->lock);
	if (!session->rw)
		rv = CKR_SESSION_READ_ONLY;
	else if (!token->logged_in || token->user != CKU_USER)
		rv = CKR_USER_NOT_LOGGED_IN;
	if (rv == CKR_OK)
		rv = generate_locked(session, kind, label, id, id_len, priv_id,
				     pub_id);
	pthread_mutex_unlock(&session->mod->lock);
	return rv;
}
