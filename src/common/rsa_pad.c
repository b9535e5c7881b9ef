/* SPDX-License-Identifier: BSD-3-Clause */
/* OpenSSL 3.0 keeps its constant-time padding checks as deprecated API. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "common/rsa_pad.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "common/crypto_internal.h"
#include "common/secmem.h"

/* MGF1 (RFC 8017, B.2.1): XORs len bytes of mask from seed into out. */
static bool mgf1_xor(enum crypto_digest hash, const uint8_t *seed,
		     size_t seed_len, uint8_t *out, size_t len)
{
	uint8_t block[CRYPTO_MAX_DIGEST], counter[4];
	size_t done = 0, n = 0;

	for (uint32_t c = 0; done < len; c++) {
		struct crypto_hash *h = crypto_hash_new(hash);
		bool ok;

		counter[0] = (uint8_t)(c >> 24);
		counter[1] = (uint8_t)(c >> 16);
		counter[2] = (uint8_t)(c >> 8);
		counter[3] = (uint8_t)c;
		ok = h != NULL && crypto_hash_update(h, seed, seed_len) &&
		     crypto_hash_update(h, counter, sizeof(counter)) &&
		     crypto_hash_final(h, block, &n);
		crypto_hash_free(h);
		if (!ok)
			return false;
		for (size_t i = 0; i < n && done < len; i++)
			out[done++] ^= block[i];
	}
	return true;
}

static size_t em_len(size_t mod_bits)
{
	return (mod_bits - 1 + 7) / 8;
}

size_t rsa_pss_max_salt(enum crypto_digest hash, size_t mod_bits)
{
	size_t h = crypto_digest_len(hash), e = em_len(mod_bits);

	return e >= h + 2 ? e - h - 2 : 0;
}

/* H = Hash(00 x 8 || mHash || salt). */
static bool pss_h(enum crypto_digest hash, const uint8_t *mhash,
		  const uint8_t *salt, size_t salt_len, uint8_t *out)
{
	static const uint8_t zeros[8];
	struct crypto_hash *h = crypto_hash_new(hash);
	size_t n = 0;
	bool ok = h != NULL && crypto_hash_update(h, zeros, sizeof(zeros)) &&
		  crypto_hash_update(h, mhash, crypto_digest_len(hash)) &&
		  crypto_hash_update(h, salt, salt_len) &&
		  crypto_hash_final(h, out, &n);

	crypto_hash_free(h);
	return ok;
}

bool rsa_pss_encode(enum crypto_digest hash, enum crypto_digest mgf,
		    const uint8_t *mhash, size_t salt_len, size_t mod_bits,
		    uint8_t *em, size_t k)
{
	size_t h_len = crypto_digest_len(hash), e_len = em_len(mod_bits);
	size_t db_len, unused_bits = 8 * e_len - (mod_bits - 1);
	uint8_t *out;

	if (h_len == 0 || mod_bits < 16 || e_len > k ||
	    salt_len > rsa_pss_max_salt(hash, mod_bits))
		return false;
	memset(em, 0, k);
	out = em + (k - e_len); /* a leading zero byte when emLen < k */
	db_len = e_len - h_len - 1;
	/* DB = PS || 01 || salt, with the salt written in place. */
	out[db_len - salt_len - 1] = 0x01;
	if (salt_len > 0 &&
	    !crypto_random(out + db_len - salt_len, salt_len))
		return false;
	if (!pss_h(hash, mhash, out + db_len - salt_len, salt_len,
		   out + db_len) ||
	    !mgf1_xor(mgf, out + db_len, h_len, out, db_len)) {
		secmem_wipe(em, k);
		return false;
	}
	out[0] &= (uint8_t)(0xff >> unused_bits);
	out[e_len - 1] = 0xbc;
	return true;
}

int rsa_unpad_pkcs1(const uint8_t *em, size_t k, uint8_t *out, size_t cap)
{
	int n;

	if (k < 11 || k > 1024 || cap > 1024)
		return -1;
	/* A failed check must leave nothing on the host's error queue. */
	ERR_set_mark();
	n = RSA_padding_check_PKCS1_type_2(out, (int)cap, em, (int)k, (int)k);
	ERR_pop_to_mark();
	return n;
}

int rsa_unpad_oaep(const uint8_t *em, size_t k, enum crypto_digest hash,
		   enum crypto_digest mgf, const uint8_t *label,
		   size_t label_len, uint8_t *out, size_t cap)
{
	OSSL_LIB_CTX *ctx = crypto_libctx();
	EVP_MD *md = NULL, *mgf_md = NULL;
	int n = -1;

	if (ctx == NULL || k > 1024 || cap > 1024 || label_len > INT32_MAX)
		return -1;
	md = EVP_MD_fetch(ctx, crypto_digest_name(hash), NULL);
	mgf_md = EVP_MD_fetch(ctx, crypto_digest_name(mgf), NULL);
	ERR_set_mark();
	if (md != NULL && mgf_md != NULL)
		n = RSA_padding_check_PKCS1_OAEP_mgf1(out, (int)cap, em,
						      (int)k, (int)k, label,
						      (int)label_len, md,
						      mgf_md);
	ERR_pop_to_mark();
	EVP_MD_free(md);
	EVP_MD_free(mgf_md);
	return n;
}
