/* SPDX-License-Identifier: BSD-3-Clause */
#include "p11check.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/x509.h>

int p11check_find_slot(CK_FUNCTION_LIST_PTR fn, const char *label,
		       CK_SLOT_ID *slot)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	CK_TOKEN_INFO info;
	size_t len = strlen(label);

	if (fn->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return -1;
	for (CK_ULONG i = 0; i < n; i++) {
		if (fn->C_GetTokenInfo(slots[i], &info) == CKR_OK &&
		    len <= sizeof(info.label) &&
		    memcmp(info.label, label, len) == 0 &&
		    (len == sizeof(info.label) || info.label[len] == ' ')) {
			*slot = slots[i];
			return 0;
		}
	}
	return -1;
}

EVP_PKEY *p11check_public_key(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s,
			      CK_OBJECT_HANDLE key, unsigned char *der,
			      CK_ULONG *der_len)
{
	const unsigned char *p = der;
	CK_ATTRIBUTE a = { CKA_PUBLIC_KEY_INFO, der, *der_len };

	if (fn->C_GetAttributeValue(s, key, &a, 1) != CKR_OK)
		return NULL;
	*der_len = a.ulValueLen;
	return d2i_PUBKEY(NULL, &p, (long)a.ulValueLen);
}

/* ECDSA r || s to the DER SEQUENCE OpenSSL verifies. */
static int ecdsa_der(const unsigned char *sig, size_t len, unsigned char *out)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)len / 2, NULL);
	BIGNUM *sv = BN_bin2bn(sig + len / 2, (int)len / 2, NULL);
	int n = -1;

	if (es != NULL && r != NULL && sv != NULL &&
	    ECDSA_SIG_set0(es, r, sv) == 1) {
		r = sv = NULL;
		n = i2d_ECDSA_SIG(es, &out);
	}
	BN_free(r);
	BN_free(sv);
	ECDSA_SIG_free(es);
	return n;
}

bool p11check_signature_ok(EVP_PKEY *pkey, const unsigned char *msg,
			   size_t msg_len, const unsigned char *sig,
			   size_t sig_len)
{
	unsigned char der[256];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = false;
	int n;

	if (EVP_PKEY_base_id(pkey) == EVP_PKEY_EC) {
		n = ecdsa_der(sig, sig_len, der);
		if (n <= 0)
			goto out;
		sig = der;
		sig_len = (size_t)n;
	}
	ok = ctx != NULL &&
	     EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1;
out:
	EVP_MD_CTX_free(ctx);
	return ok;
}
