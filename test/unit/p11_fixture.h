/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TEST_UNIT_P11_FIXTURE_H
#define TPMCARD_TEST_UNIT_P11_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include "token_fixture.h"

/*
 * What the PKCS#11 tests share.  Underneath, the token fixture: a private
 * store per test and the fake TPM, tokens and keys made with the token
 * layer as the CLI would make them.  On top, the module reached only
 * through C_GetFunctionList, as an application reaches it; teardown
 * finalizes it (when a test left it initialized) and checks that nothing
 * was left open in the TPM.  The helpers assert as they go.
 */

#define P11_LABEL TOKEN_LABEL

/* Handles of the key pairs made by p11_setup_keys; 0 when not made. */
struct p11_keys {
	CK_OBJECT_HANDLE rsa_priv, rsa_pub;	/* RSA 2048, label "rsa" */
	CK_OBJECT_HANDLE ec_priv, ec_pub;	/* P-256, label "ec" */
};

struct p11 {
	struct fixture *base;	/* the store (token_fixture.h) */
	CK_FUNCTION_LIST_PTR fn;
	CK_SLOT_ID slot;	/* the token's slot; 0 when there is none */
	struct p11_keys keys;
};

/* A store path with no store behind it; the module not initialized. */
int p11_setup_no_store(void **state);
/* A token (USER_PIN, SO_PIN); the module not initialized. */
int p11_setup_uninitialized(void **state);
/* A token; the module initialized. */
int p11_setup(void **state);
/* A token holding an RSA and an EC key pair; the module initialized. */
int p11_setup_keys(void **state);
/* Finalizes if needed, then the token fixture's teardown and checks. */
int p11_teardown(void **state);

/* C_Initialize(NULL); asserts CKR_OK. */
void p11_initialize(struct p11 *p);

/* Creates one more token in the store; returns its slot id. */
CK_SLOT_ID p11_add_token(const char *label);

/* A session on the token's slot (CKF_SERIAL_SESSION | flags); asserts. */
CK_SESSION_HANDLE p11_open(struct p11 *p, CK_FLAGS flags);
CK_SESSION_HANDLE p11_open_rw(struct p11 *p);
CK_SESSION_HANDLE p11_open_ro(struct p11 *p);

/* C_Login with a NUL-terminated PIN. */
CK_RV p11_login(struct p11 *p, CK_SESSION_HANDLE s, CK_USER_TYPE user,
		const char *pin);
/* A R/W session logged in as the user; asserts. */
CK_SESSION_HANDLE p11_open_user(struct p11 *p);

/* The session's state (C_GetSessionInfo); asserts CKR_OK. */
CK_STATE p11_state(struct p11 *p, CK_SESSION_HANDLE s);

/* Handles matching the template (Init, one FindObjects, Final); asserts. */
size_t p11_find(struct p11 *p, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl,
		CK_ULONG count, CK_OBJECT_HANDLE *found, size_t max);

/* The public key of an object's CKA_PUBLIC_KEY_INFO; caller frees. */
EVP_PKEY *p11_public_key(struct p11 *p, CK_SESSION_HANDLE s,
			 CK_OBJECT_HANDLE object);

/*
 * Asserts that a fixed-width PKCS#11 string field is text followed by
 * blanks up to width (no NUL anywhere).
 */
void p11_assert_padded(const CK_UTF8CHAR *field, size_t width,
		       const char *text);

#endif /* TPMCARD_TEST_UNIT_P11_FIXTURE_H */
