/* SPDX-License-Identifier: BSD-3-Clause */
/* The soak test's shared helpers (soak.c) and its roles. */
#ifndef TPMCARD_SOAK_H
#define TPMCARD_SOAK_H

#include <stdatomic.h>
#include <stdbool.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

extern CK_FUNCTION_LIST_PTR fn;
extern atomic_long soak_unexpected;
extern atomic_long soak_calls;

/* Counts and prints one unexpected result. */
void soak_fail(const char *what, CK_RV got, CK_RV want);
/* Counts one call; false (and counted unexpected) unless got == want. */
bool soak_expect(const char *what, CK_RV got, CK_RV want);
double soak_now(void);

/* dlopen()s the module and calls C_Initialize with OS locking. */
int soak_load_module(const char *path);
int soak_find_slot(const char *label, CK_SLOT_ID *slot);
CK_RV soak_open_session(CK_SLOT_ID slot, CK_SESSION_HANDLE *s);
CK_RV soak_login(CK_SESSION_HANDLE s, const char *pin);
/* Up to max objects with this label and class (cls -1: any class). */
CK_ULONG soak_find(CK_SESSION_HANDLE s, const char *label, long cls,
		   CK_OBJECT_HANDLE *found, CK_ULONG max);
/* Signs random bytes with SHA-256 (ECDSA or PKCS#1 v1.5, as pub is) and
 * counts a signature that does not verify against pub as unexpected. */
CK_RV soak_sign(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, EVP_PKEY *pub,
		const char *what);
/* OpenSSL encrypts random bytes to pub (RSA-OAEP, SHA-256); the module
 * decrypts them with key; other bytes back count as unexpected. */
CK_RV soak_decrypt(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, EVP_PKEY *pub);

int soak_worker(int argc, char **argv);
int soak_verify(int argc, char **argv);

#endif
