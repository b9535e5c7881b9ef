/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_CRYPTO_INTERNAL_H
#define TPMCARD_COMMON_CRYPTO_INTERNAL_H

#include <openssl/types.h>

#include "common/crypto.h"

/* The private library context (created at first use); NULL on failure. */
OSSL_LIB_CTX *crypto_libctx(void);

#endif /* TPMCARD_COMMON_CRYPTO_INTERNAL_H */
