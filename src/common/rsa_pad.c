/* SPDX-License-Identifier: BSD-3-Clause */
/* OpenSSL 3.0 keeps its constant-time padding checks as deprecated API. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "common/rsa_pad.h"

#include <string.h>

#include <openssl/err.h>
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

/* All ones when a == b, else zero, without a branch. */
static unsigned int ct_eq(unsigned int a, unsigned int b)
{
	unsigned int x = a ^ b;

	return 0u - (unsigned int)(((x | (0u - x)) >> (8 * sizeof(x) - 1)) ^ 1u);
}

/* All ones when a < b (both below 2^31), else zero. */
static unsigned int ct_lt(unsigned int a, unsigned int b)
{
	return 0u - ((a - b) >> (8 * sizeof(a) - 1));
}

/*
 * EME-OAEP decoding (RFC 8017, 7.1.2) in constant time: no branch or
 * memory access depends on where the decoding fails, only the final
 * answer does (the digests are libcrypto's built-in ones, through
 * mgf1_xor and crypto_digest_once).
 */
int rsa_unpad_oaep(const uint8_t *em, size_t k, enum crypto_digest hash,
		   enum crypto_digest mgf, const uint8_t *label,
		   size_t label_len, uint8_t *out, size_t cap)
{
	uint8_t buf[1024], lhash[CRYPTO_MAX_DIGEST];
	size_t h = crypto_digest_len(hash), n = 0, db_len;
	unsigned int good, found = 0, at = 0, mlen;
	uint8_t *seed = buf + 1, *db;
	int rc = -1;

	if (h == 0 || k > sizeof(buf) || cap > sizeof(buf) || k < 2 * h + 2 ||
	    !crypto_digest_once(hash, label_len ? label : (const uint8_t *)"",
				label_len, lhash, &n))
		return -1;
	memcpy(buf, em, k);
	db = buf + 1 + h;
	db_len = k - h - 1;
	if (!mgf1_xor(mgf, db, db_len, seed, h) ||
	    !mgf1_xor(mgf, seed, h, db, db_len))
		goto out;
	good = ct_eq(buf[0], 0);
	for (size_t i = 0; i < h; i++)
		good &= ct_eq(db[i], lhash[i]);
	/* PS (zeros) then 01: the first non-zero byte must be the 01. */
	for (size_t i = h; i < db_len; i++) {
		unsigned int is_one = ct_eq(db[i], 1);
		unsigned int is_zero = ct_eq(db[i], 0);

		at |= ~found & is_one & (unsigned int)i;
		good &= found | is_one | is_zero;
		found |= is_one;
	}
	good &= found;
	mlen = (unsigned int)db_len - at - 1;
	good &= ~ct_lt((unsigned int)cap, mlen);
	/*
	 * The message's place is secret until it is known to be valid: move
	 * it to the front in log2 steps of fixed memory accesses, then copy.
	 */
	for (unsigned int step = 1; step < db_len; step <<= 1) {
		unsigned int take = ~ct_eq((at + 1) & step, 0);

		for (size_t i = 0; i + step < db_len; i++)
			db[i] = (uint8_t)((db[i + step] & take) |
					  (db[i] & ~take));
	}
	for (size_t i = 0; i < cap && i < db_len; i++) {
		unsigned int in_msg = ct_lt((unsigned int)i, mlen) & good;

		out[i] = (uint8_t)((db[i] & in_msg) | (out[i] & ~in_msg));
	}
	rc = good ? (int)mlen : -1;
out:
	secmem_wipe(buf, sizeof(buf));
	return rc;
}

bool rsa_pad_pkcs1_sign(const uint8_t *prefix, size_t prefix_len,
			const uint8_t *t, size_t t_len, uint8_t *em, size_t k)
{
	size_t body = prefix_len + t_len;

	if (body + 11 > k)
		return false;
	em[0] = 0x00;
	em[1] = 0x01;
	memset(em + 2, 0xff, k - body - 3);
	em[k - body - 1] = 0x00;
	if (prefix_len)
		memcpy(em + k - body, prefix, prefix_len);
	if (t_len)
		memcpy(em + k - t_len, t, t_len);
	return true;
}

int rsa_pss_verify(enum crypto_digest hash, enum crypto_digest mgf,
		   const uint8_t *mhash, size_t salt_len, size_t mod_bits,
		   const uint8_t *em, size_t k)
{
	size_t h_len = crypto_digest_len(hash), e_len = em_len(mod_bits);
	size_t db_len, unused_bits = 8 * e_len - (mod_bits - 1), ps_len;
	uint8_t db[1024], h[CRYPTO_MAX_DIGEST];
	const uint8_t *in;
	int valid;

	if (h_len == 0 || mod_bits < 16 || e_len > k || k > sizeof(db))
		return -1;
	/* RFC 8017, 9.1.2: the public result is emLen bytes, maybe after 00. */
	if (e_len < k && em[0] != 0)
		return 0;
	in = em + (k - e_len);
	/* (salt_len on the right: a huge one must not wrap the sum) */
	if (e_len < h_len + 2 || salt_len > e_len - h_len - 2 ||
	    in[e_len - 1] != 0xbc ||
	    (in[0] & (uint8_t)~(0xff >> unused_bits)) != 0)
		return 0;
	db_len = e_len - h_len - 1;
	memcpy(db, in, db_len);
	if (!mgf1_xor(mgf, in + db_len, h_len, db, db_len))
		return -1;
	db[0] &= (uint8_t)(0xff >> unused_bits);
	ps_len = db_len - salt_len - 1;
	valid = db[ps_len] == 0x01;
	for (size_t i = 0; i < ps_len; i++)
		valid &= db[i] == 0;
	if (valid) {
		if (!pss_h(hash, mhash, db + ps_len + 1, salt_len, h))
			return -1;
		valid = memcmp(h, in + db_len, h_len) == 0;
	}
	return valid;
}

bool rsa_pad_pkcs1_encrypt(const uint8_t *in, size_t len, uint8_t *em,
			   size_t k)
{
	size_t ps_len;

	if (len + 11 > k)
		return false;
	ps_len = k - len - 3;
	em[0] = 0x00;
	em[1] = 0x02;
	if (!crypto_random(em + 2, ps_len))
		return false;
	/* PS holds no zero byte: redraw each zero until none is left. */
	for (size_t i = 2; i < 2 + ps_len; i++)
		while (em[i] == 0)
			if (!crypto_random(em + i, 1))
				return false;
	em[2 + ps_len] = 0x00;
	memcpy(em + 3 + ps_len, in, len);
	return true;
}

bool rsa_pad_oaep(enum crypto_digest hash, enum crypto_digest mgf,
		  const uint8_t *label, size_t label_len, const uint8_t *in,
		  size_t len, uint8_t *em, size_t k)
{
	size_t h_len = crypto_digest_len(hash), db_len, n = 0;
	uint8_t *seed = em + 1, *db;

	if (h_len == 0 || k < 2 * h_len + 2 || len > k - 2 * h_len - 2)
		return false;
	/* EM = 00 || maskedSeed || maskedDB (RFC 8017, 7.1.1). */
	db = em + 1 + h_len;
	db_len = k - h_len - 1;
	memset(em, 0, k);
	if (!crypto_digest_once(hash, label_len ? label : (const uint8_t *)"",
				label_len, db, &n) ||
	    !crypto_random(seed, h_len))
		return false;
	db[db_len - len - 1] = 0x01;
	memcpy(db + db_len - len, in, len);
	return mgf1_xor(mgf, seed, h_len, db, db_len) &&
	       mgf1_xor(mgf, db, db_len, seed, h_len);
}
