/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_ECDH_H
#define TPMCARD_COMMON_ECDH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The cryptography of a session salted for a P-256 key, kept away from
 * whatever engine or provider the host application loaded: only the
 * module's own OpenSSL library context, and no EVP_PKEY.
 */

#define ECDH_P256_BYTES 32

/*
 * A fresh ephemeral key pair and its shared secret with the peer's point:
 * own_x/own_y get the ephemeral public point, z the x coordinate of
 * d * peer (32 bytes each).  False (logged) for a point off the curve or
 * any failure; the private scalar is wiped either way.
 */
bool ecdh_p256_ephemeral(const uint8_t *peer_x, const uint8_t *peer_y,
			 uint8_t *own_x, uint8_t *own_y, uint8_t *z);

#endif /* TPMCARD_COMMON_ECDH_H */
