/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the C helper programs of the integration tests (threads.c, the
 * soak) share: finding a token's slot, a key's public key, and checking
 * a signature the module made with OpenSSL.
 */
#ifndef TPMCARD_P11CHECK_H
#define TPMCARD_P11CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

/* The slot whose token has this label: 0, or -1 when there is none. */
int p11check_find_slot(CK_FUNCTION_LIST_PTR fn, const char *label,
		       CK_SLOT_ID *slot);

/* A key's CKA_PUBLIC_KEY_INFO, parsed; its DER in der (*der_len: the
 * buffer's size in, the DER's length out).  NULL when it cannot be had. */
EVP_PKEY *p11check_public_key(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s,
			      CK_OBJECT_HANDLE key, unsigned char *der,
			      CK_ULONG *der_len);

/* Whether sig is pkey's SHA-256 signature of msg: ECDSA as PKCS#11 gives
 * it (r || s) for an EC key, PKCS#1 v1.5 for an RSA key. */
bool p11check_signature_ok(EVP_PKEY *pkey, const unsigned char *msg,
			   size_t msg_len, const unsigned char *sig,
			   size_t sig_len);

#endif
