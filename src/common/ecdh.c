/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/ecdh.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include "common/crypto.h"
#include "common/crypto_internal.h"
#include "common/secmem.h"

#define TC_LOG_LAYER TC_LAYER_COMMON
#include "common/log.h"

/*
 * Ephemeral ECDH on P-256 and HMAC-SHA256, done with point arithmetic and
 * fetched algorithms of the module's own library context only.  Nothing
 * here goes through an EVP_PKEY: in OpenSSL 3.0 a host application's
 * engine registered as the default for EC keys captures every EC key
 * context, even one made in a private library context, while EC_POINT
 * arithmetic and fetched MACs never reach an engine.
 */

static bool point_of(const EC_GROUP *group, const uint8_t *x,
		     const uint8_t *y, EC_POINT *point, BN_CTX *bn)
{
	BIGNUM *bx = BN_bin2bn(x, ECDH_P256_BYTES, NULL);
	BIGNUM *by = BN_bin2bn(y, ECDH_P256_BYTES, NULL);
	bool ok = bx != NULL && by != NULL &&
		  EC_POINT_set_affine_coordinates(group, point, bx, by, bn) &&
		  EC_POINT_is_on_curve(group, point, bn) == 1;

	BN_free(bx);
	BN_free(by);
	return ok;
}

static bool coords_of(const EC_GROUP *group, const EC_POINT *point,
		      uint8_t *x, uint8_t *y, BN_CTX *bn)
{
	BIGNUM *bx = BN_new(), *by = BN_new();
	bool ok = bx != NULL && by != NULL &&
		  EC_POINT_get_affine_coordinates(group, point, bx, by, bn) &&
		  BN_bn2binpad(bx, x, ECDH_P256_BYTES) == ECDH_P256_BYTES &&
		  (y == NULL ||
		   BN_bn2binpad(by, y, ECDH_P256_BYTES) == ECDH_P256_BYTES);

	BN_clear_free(bx);
	BN_free(by);
	return ok;
}

/*
 * A private scalar in [1, n - 1] from 64 extra bits of the module's
 * random bytes (the bias is below 2^-64): BN_priv_rand_range_ex would use
 * OpenSSL's generator, which a host's engine can take over.
 */
static bool random_scalar(BIGNUM *d, const BIGNUM *order, BN_CTX *bn)
{
	uint8_t buf[ECDH_P256_BYTES + 8];
	BIGNUM *wide, *range;
	bool ok;

	BN_CTX_start(bn);
	wide = BN_CTX_get(bn);
	range = BN_CTX_get(bn);
	ok = range != NULL && crypto_random(buf, sizeof(buf)) &&
	     BN_bin2bn(buf, sizeof(buf), wide) != NULL &&
	     BN_copy(range, order) != NULL && BN_sub_word(range, 1) &&
	     BN_mod(d, wide, range, bn) && BN_add_word(d, 1);
	BN_CTX_end(bn);
	secmem_wipe(buf, sizeof(buf));
	return ok;
}

bool ecdh_p256_ephemeral(const uint8_t *peer_x, const uint8_t *peer_y,
			 uint8_t *own_x, uint8_t *own_y, uint8_t *z)
{
	OSSL_LIB_CTX *ctx = crypto_libctx();
	EC_GROUP *group = NULL;
	EC_POINT *peer = NULL, *own = NULL, *shared = NULL;
	BN_CTX *bn = NULL;
	BIGNUM *d = NULL;
	bool ok = false;

	if (ctx == NULL)
		return false;
	group = EC_GROUP_new_by_curve_name_ex(ctx, NULL, NID_X9_62_prime256v1);
	bn = BN_CTX_secure_new_ex(ctx);
	d = BN_secure_new();
	if (group == NULL || bn == NULL || d == NULL)
		goto out;
	peer = EC_POINT_new(group);
	own = EC_POINT_new(group);
	shared = EC_POINT_new(group);
	ok = peer != NULL && own != NULL && shared != NULL &&
	     point_of(group, peer_x, peer_y, peer, bn) &&
	     random_scalar(d, EC_GROUP_get0_order(group), bn) &&
	     EC_POINT_mul(group, own, d, NULL, NULL, bn) &&
	     EC_POINT_mul(group, shared, NULL, peer, d, bn) &&
	     !EC_POINT_is_at_infinity(group, shared) &&
	     coords_of(group, own, own_x, own_y, bn) &&
	     coords_of(group, shared, z, NULL, bn);
out:
	if (!ok)
		log_err("ephemeral ECDH failed");
	BN_clear_free(d);
	EC_POINT_clear_free(shared);
	EC_POINT_free(own);
	EC_POINT_free(peer);
	BN_CTX_free(bn);
	EC_GROUP_free(group);
	return ok;
}
