/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the PKCS#11 targets share: a scratch store with one token on the
 * TPM that TPMCARD_TCTI names (scripts/fuzz.sh starts a private swtpm
 * for the run), the module linked in and reached through
 * C_GetFunctionList, a session with the user logged in, and the checks
 * every call's result must pass.
 */
#ifndef TPMCARD_TEST_FUZZ_P11_H
#define TPMCARD_TEST_FUZZ_P11_H

#include <limits.h>
#include <stdbool.h>

#include <p11-kit/pkcs11.h>

#define FUZZ_TOKEN_LABEL "fuzz"
#define FUZZ_USER_PIN "123456"
#define FUZZ_SO_PIN "12345678"

struct fuzz_env {
	char dir[PATH_MAX];	  /* scratch directory, removed at exit */
	char store[PATH_MAX];	  /* TPMCARD_STORE */
	char pristine[PATH_MAX];  /* a copy of the store to go back to */
	CK_FUNCTION_LIST *p11;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE login;  /* open while initialized; user logged in */
};

extern struct fuzz_env fuzz_env;

/* Prints what went wrong and aborts: libFuzzer keeps the input. */
void fuzz_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/*
 * The scratch directory and the environment the module reads
 * (TPMCARD_STORE, TPMCARD_RUNTIME_DIR, TPMCARD_LOG=none unless set);
 * exits with a message when TPMCARD_TCTI is not set.
 */
void fuzz_env_setup(const char *target);

/* Removes a file, or a directory and all below it (links not followed). */
void fuzz_remove_tree(const char *path);

/* Creates the store and the token (the CLI's token add). */
void fuzz_env_create_token(void);

/* C_Initialize, the token's slot, a R/W session and the user's login. */
void fuzz_env_open(void);
/* C_Finalize. */
void fuzz_env_close(void);

/* Copies the store to the pristine copy, or back (the module closed). */
void fuzz_env_save_store(void);
void fuzz_env_restore_store(void);

/* A R/W session of its own for one input; closing it ends everything
 * the input started in it and destroys its session objects. */
CK_SESSION_HANDLE fuzz_session_open(void);
void fuzz_session_close(CK_SESSION_HANDLE session);

/* Whether rv is a return value PKCS#11 3.0 defines. */
bool fuzz_rv_standard(CK_RV rv);
/* Aborts unless rv is standard; returns it. */
CK_RV fuzz_rv(const char *call, CK_RV rv);

/*
 * A created object must answer C_GetAttributeValue: every attribute
 * asked for alone and all together, lengths first, then the values,
 * with only the per-attribute errors the standard allows, the same
 * lengths both times, and a CKA_CLASS.
 */
void fuzz_check_object(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object);

/* Destroys an object; false when it may not be destroyed (left over). */
bool fuzz_destroy(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object);

#endif /* TPMCARD_TEST_FUZZ_P11_H */
