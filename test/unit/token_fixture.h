/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TEST_UNIT_TOKEN_FIXTURE_H
#define TPMCARD_TEST_UNIT_TOKEN_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "token/token.h"

/*
 * What the token tests share: a private store (TPMCARD_STORE in a fresh
 * mkdtemp directory) per test, the fake TPM reset around each test, and
 * short helpers that assert as they go.
 */

#define USER_PIN "123456"
#define SO_PIN "87654321"
#define TOKEN_LABEL "test token"

struct fixture {
	char dir[64];
	char store[128];
	struct tc_module *mod;	/* NULL until opened */
	int64_t token_id;
	struct tc_session *rw;	/* a R/W session on the token */
};

/* A private store path, nothing in it; no module. */
int fixture_setup_empty(void **state);
/* A token (USER_PIN, SO_PIN), the module open, one R/W session. */
int fixture_setup(void **state);
/*
 * Closes what is open, checks that every TPM connection and key was
 * closed, removes the store and resets the fake.
 */
int fixture_teardown(void **state);

/* Closes the session and the module (if open); checks nothing leaked. */
void fixture_close_module(struct fixture *f);
/* Opens the module again (after fixture_close_module). */
void fixture_open_module(struct fixture *f);

/* token_admin_create with NUL-terminated PINs. */
CK_RV fixture_create_token(const char *label, const char *user_pin,
			   const char *so_pin, int64_t *token_id);

CK_RV fixture_login(struct tc_session *session, CK_USER_TYPE user,
		    const char *pin);
/* Logs the R/W session in as the user with USER_PIN; asserts CKR_OK. */
void fixture_login_user(struct fixture *f);

/* Generates a key pair as the logged-in user; asserts CKR_OK. */
void fixture_generate(struct fixture *f, enum tc_key_kind kind,
		      const char *label, int64_t *priv_id, int64_t *pub_id);

/* Ids of the objects matching the template; asserts each step is CKR_OK. */
size_t fixture_find(struct tc_session *session, const CK_ATTRIBUTE *tmpl,
		    CK_ULONG count, int64_t *ids, size_t max);

/*
 * One attribute's value into a malloc'd buffer; asserts CKR_OK.  The
 * caller frees *value.
 */
void fixture_get_attr(struct tc_session *session, int64_t object_id,
		      CK_ATTRIBUTE_TYPE type, uint8_t **value, size_t *len);
/* A CK_ULONG attribute; asserts CKR_OK and the size. */
CK_ULONG fixture_get_ulong(struct tc_session *session, int64_t object_id,
			   CK_ATTRIBUTE_TYPE type);

/*
 * Changes a boolean attribute of an object through a second store
 * connection, as another process would; the module sees it at its next
 * refresh (a find does one).
 */
void fixture_store_set_bool(struct fixture *f, int64_t object_id,
			    CK_ATTRIBUTE_TYPE type, bool value);

/* True when needle occurs in the file (false for an absent file). */
bool fixture_file_contains(const char *path, const void *needle,
			   size_t len);

#endif /* TPMCARD_TEST_UNIT_TOKEN_FIXTURE_H */
