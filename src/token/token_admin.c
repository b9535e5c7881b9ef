/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

#define WRAP_SECRET_LEN 32
#define SALT_LEN 16
#define LABEL_MAX 32

static CK_RV check_params(const struct tc_token_params *p)
{
	unsigned int min = p->min_pin_len ? p->min_pin_len :
					    TC_DEFAULT_MIN_PIN_LEN;

	if (p->label == NULL || p->label[0] == '\0' ||
	    strlen(p->label) > LABEL_MAX)
		return CKR_ARGUMENTS_BAD;
	if (min < 1 || min > TC_MAX_PIN_LEN || p->pin_tries > TC_MAX_PIN_TRIES)
		return CKR_ARGUMENTS_BAD;
	/* No user PIN: C_InitToken, the SO sets it later (C_InitPIN). */
	if ((p->user_pin != NULL && (p->user_pin_len < min ||
				     p->user_pin_len > TC_MAX_PIN_LEN)) ||
	    p->so_pin_len < min || p->so_pin_len > TC_MAX_PIN_LEN)
		return CKR_PIN_LEN_RANGE;
	return CKR_OK;
}

CK_RV token_seal_under_pin(struct tpm *tpm, const struct secbuf *wrap,
			   const uint8_t *pin, size_t pin_len,
			   struct db_seal *seal)
{
	uint8_t salt[SALT_LEN], auth[CRYPTO_PIN_AUTH_LEN];
	struct tpm_blob blob = { 0 };
	enum tpm_rc rc;
	CK_RV rv = CKR_HOST_MEMORY;

	if (!crypto_random(salt, sizeof(salt)) ||
	    !crypto_pin_auth(pin, pin_len, salt, sizeof(salt), auth))
		return CKR_HOST_MEMORY;
	rc = tpm_seal(tpm, auth, sizeof(auth), wrap->data, wrap->len, &blob);
	secmem_wipe(auth, sizeof(auth));
	if (rc != TPM_OK)
		return token_rv_from_tpm(rc);
	if (db_blob_set(&seal->salt, salt, sizeof(salt)) &&
	    db_blob_set(&seal->pub, blob.pub, blob.pub_len) &&
	    db_blob_set(&seal->priv, blob.priv, blob.priv_len))
		rv = CKR_OK;
	tpm_blob_clear(&blob);
	return rv;
}

static CK_RV make_serial(char **serial)
{
	uint8_t bytes[8];

	*serial = malloc(2 * sizeof(bytes) + 1);
	if (*serial == NULL || !crypto_random(bytes, sizeof(bytes)))
		return CKR_HOST_MEMORY;
	for (size_t i = 0; i < sizeof(bytes); i++)
		snprintf(*serial + 2 * i, 3, "%02X", bytes[i]);
	return CKR_OK;
}

static unsigned int pin_tries_of(const struct tc_token_params *p)
{
	if (p->no_pin_counter)
		return 0;
	return p->pin_tries ? p->pin_tries : TC_DEFAULT_PIN_TRIES;
}

/* Everything the row needs from the TPM: SRK name and both seals. */
static CK_RV build_row(struct tpm *tpm, const struct tc_token_params *p,
		       struct db_token *row)
{
	uint8_t name[66];
	size_t name_len = 0;
	struct secbuf *wrap = secbuf_new(WRAP_SECRET_LEN);
	CK_RV rv;

	if (wrap == NULL)
		return CKR_HOST_MEMORY;
	wrap->len = WRAP_SECRET_LEN;
	rv = token_rv_from_tpm(tpm_srk_name(tpm, name, &name_len));
	if (rv == CKR_OK)
		rv = token_rv_from_tpm(tpm_random(tpm, wrap->data, wrap->len));
	if (rv == CKR_OK && !db_blob_set(&row->srk_name, name, name_len))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = token_seal_under_pin(tpm, wrap, p->so_pin, p->so_pin_len,
					  &row->so);
	if (rv == CKR_OK && p->user_pin != NULL)
		rv = token_user_seal_make(tpm, wrap, p->user_pin,
					  p->user_pin_len, pin_tries_of(p),
					  &row->user);
	secbuf_free(wrap);
	return rv;
}

/* CKR_OK when no token of the store has this label. */
static CK_RV label_free(struct db *db, const char *label)
{
	struct db_token existing;
	enum db_rc drc = db_token_get_by_label(db, label, &existing);

	db_token_clear(&existing);
	if (drc == DB_NOT_FOUND)
		return CKR_OK;
	return drc == DB_OK ? CKR_TEMPLATE_INCONSISTENT : token_rv_from_db(drc);
}

/* Who made the TPM, and its versions, for the slot and token info. */
static CK_RV record_tpm(struct tpm *tpm, struct db_token *row)
{
	struct tpm_caps caps;
	enum tpm_rc rc = tpm_caps(tpm, &caps);

	if (rc != TPM_OK)
		return token_rv_from_tpm(rc);
	row->tpm_vendor = strdup(caps.manufacturer);
	row->tpm_firmware = caps.firmware1;
	row->tpm_revision = caps.revision;
	return row->tpm_vendor ? CKR_OK : CKR_HOST_MEMORY;
}

CK_RV token_admin_prepare_row(struct tpm *tpm,
			       const struct tc_token_params *params,
			       struct db_token *row)
{
	CK_RV rv = check_params(params);

	memset(row, 0, sizeof(*row));
	if (rv == CKR_OK)
		rv = build_row(tpm, params, row);
	if (rv == CKR_OK)
		rv = make_serial(&row->serial);
	if (rv == CKR_OK)
		rv = record_tpm(tpm, row);
	if (rv == CKR_OK) {
		row->label = strdup(params->label);
		row->min_pin_len = params->min_pin_len ?
					   params->min_pin_len :
					   TC_DEFAULT_MIN_PIN_LEN;
		if (row->label == NULL)
			rv = CKR_HOST_MEMORY;
	}
	if (rv != CKR_OK)
		db_token_clear(row);
	return rv;
}

CK_RV token_admin_insert_row(struct db *db, const struct db_token *row,
			     int64_t *token_id)
{
	CK_RV rv = label_free(db, row->label);

	if (rv == CKR_OK)
		rv = token_rv_from_db(db_token_insert(db, row, token_id));
	return rv;
}

CK_RV token_admin_create(const struct tc_token_params *params,
			 int64_t *token_id)
{
	struct db_token row = { 0 };
	struct db *db = NULL;
	struct tpm *tpm = NULL;
	char *path = NULL;
	enum db_rc drc;
	CK_RV rv;

	rv = check_params(params);
	if (rv != CKR_OK)
		return rv;
	path = db_path_resolve(true);
	if (path == NULL)
		return CKR_HOST_MEMORY;
	/* An absent store is created only once the TPM has done its part. */
	drc = db_open(path, false, &db);
	if (drc != DB_OK && drc != DB_NOT_FOUND) {
		rv = token_rv_from_db(drc);
		goto out;
	}
	rv = db ? label_free(db, params->label) : CKR_OK;
	if (rv == CKR_OK)
		rv = token_rv_from_tpm(tpm_open(&tpm));
	if (rv == CKR_OK)
		rv = token_admin_prepare_row(tpm, params, &row);
	if (rv == CKR_OK && db == NULL)
		rv = token_rv_from_db(db_open(path, true, &db));
	if (rv == CKR_OK)
		rv = token_admin_insert_row(db, &row, token_id);
	if (rv == CKR_OK)
		log_info("token '%s' created in %s", params->label, path);
out:
	db_token_clear(&row);
	tpm_close(tpm);
	db_close(db);
	free(path);
	return rv;
}

CK_RV token_admin_remove(struct tc_module *mod, int64_t token_id)
{
	struct tc_token *token;
	CK_RV rv;

	tc_mutex_lock(&mod->lock);
	token = token_get_locked(mod, token_id);
	if (token == NULL) {
		rv = CKR_TOKEN_NOT_PRESENT;
	} else {
		rv = token_rv_from_db(db_token_delete(mod->db, token_id));
		/* After the row: a crash between leaves an unused index, never
		 * a token whose counter is gone. */
		if (rv == CKR_OK)
			token_counter_remove_locked(mod, &token->row);
		if (rv == CKR_OK)
			token_mark_removed_locked(mod, token);
	}
	tc_mutex_unlock(&mod->lock);
	return rv;
}
