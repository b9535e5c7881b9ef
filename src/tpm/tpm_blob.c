/* SPDX-License-Identifier: BSD-3-Clause */
#include "tpm/tpm.h"

#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

void tpm_blob_clear(struct tpm_blob *blob)
{
	if (blob == NULL)
		return;
	free(blob->pub);
	if (blob->priv != NULL)
		secmem_wipe(blob->priv, blob->priv_len);
	free(blob->priv);
	memset(blob, 0, sizeof(*blob));
}

bool tpm_blob_unmarshal(const struct tpm_blob *blob, TPM2B_PUBLIC *pub,
			TPM2B_PRIVATE *priv)
{
	size_t off = 0;

	memset(pub, 0, sizeof(*pub));
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(blob->pub, blob->pub_len, &off,
					   pub) != TSS2_RC_SUCCESS ||
	    off != blob->pub_len) {
		log_err("malformed public blob (%zu bytes)", blob->pub_len);
		return false;
	}
	if (priv == NULL)
		return true;
	off = 0;
	memset(priv, 0, sizeof(*priv));
	if (Tss2_MU_TPM2B_PRIVATE_Unmarshal(blob->priv, blob->priv_len, &off,
					    priv) != TSS2_RC_SUCCESS ||
	    off != blob->priv_len) {
		log_err("malformed private blob (%zu bytes)", blob->priv_len);
		return false;
	}
	return true;
}

bool tpm_blob_marshal(const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv,
		      struct tpm_blob *blob)
{
	uint8_t pub_buf[sizeof(*pub)], priv_buf[sizeof(*priv)];
	size_t pub_len = 0, priv_len = 0;

	memset(blob, 0, sizeof(*blob));
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, pub_buf, sizeof(pub_buf),
					 &pub_len) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_PRIVATE_Marshal(priv, priv_buf, sizeof(priv_buf),
					  &priv_len) != TSS2_RC_SUCCESS)
		return false;
	blob->pub = malloc(pub_len);
	blob->priv = malloc(priv_len);
	if (blob->pub == NULL || blob->priv == NULL) {
		tpm_blob_clear(blob);
		return false;
	}
	memcpy(blob->pub, pub_buf, pub_len);
	memcpy(blob->priv, priv_buf, priv_len);
	blob->pub_len = pub_len;
	blob->priv_len = priv_len;
	return true;
}

size_t tpm_curve_bytes(enum tpm_curve curve)
{
	switch (curve) {
	case TPM_CURVE_P256:
		return 32;
	case TPM_CURVE_P384:
		return 48;
	case TPM_CURVE_P521:
		return 66;
	default:
		return 0;
	}
}

static enum tpm_curve curve_from_tpm(TPMI_ECC_CURVE id)
{
	switch (id) {
	case TPM2_ECC_NIST_P256:
		return TPM_CURVE_P256;
	case TPM2_ECC_NIST_P384:
		return TPM_CURVE_P384;
	case TPM2_ECC_NIST_P521:
		return TPM_CURVE_P521;
	default:
		return TPM_CURVE_NONE;
	}
}

/* Copies a big-endian number right-aligned into a field of width bytes. */
static bool put_field(uint8_t *dst, size_t width, const uint8_t *src,
		      size_t len)
{
	while (len > width && *src == 0) {
		src++;
		len--;
	}
	if (len > width)
		return false;
	memset(dst, 0, width - len);
	memcpy(dst + width - len, src, len);
	return true;
}

bool tpm_pubkey_from_public(const TPMT_PUBLIC *pub, struct tpm_pubkey *out)
{
	memset(out, 0, sizeof(*out));
	if (pub->type == TPM2_ALG_RSA) {
		const TPM2B_PUBLIC_KEY_RSA *n = &pub->unique.rsa;

		if (n->size == 0 || n->size > sizeof(out->modulus))
			return false;
		out->type = TPM_KEY_RSA;
		memcpy(out->modulus, n->buffer, n->size);
		out->modulus_len = n->size;
		out->exponent = pub->parameters.rsaDetail.exponent ?
					pub->parameters.rsaDetail.exponent :
					65537;
		return true;
	}
	if (pub->type == TPM2_ALG_ECC) {
		const TPMS_ECC_POINT *q = &pub->unique.ecc;

		out->type = TPM_KEY_EC;
		out->curve = curve_from_tpm(pub->parameters.eccDetail.curveID);
		out->coord_len = tpm_curve_bytes(out->curve);
		return out->coord_len != 0 &&
		       put_field(out->x, out->coord_len, q->x.buffer,
				 q->x.size) &&
		       put_field(out->y, out->coord_len, q->y.buffer,
				 q->y.size);
	}
	if (pub->type == TPM2_ALG_SYMCIPHER &&
	    pub->parameters.symDetail.sym.algorithm == TPM2_ALG_AES) {
		out->type = TPM_KEY_AES;
		out->aes_len = pub->parameters.symDetail.sym.keyBits.aes / 8;
		return true;
	}
	if (pub->type == TPM2_ALG_KEYEDHASH &&
	    (pub->objectAttributes & TPMA_OBJECT_SIGN_ENCRYPT)) {
		out->type = TPM_KEY_HMAC;
		return true;
	}
	return false;
}

enum tpm_rc tpm_blob_pubkey(const struct tpm_blob *blob,
			    struct tpm_pubkey *pub)
{
	TPM2B_PUBLIC tpm_pub;

	if (!tpm_blob_unmarshal(blob, &tpm_pub, NULL) ||
	    !tpm_pubkey_from_public(&tpm_pub.publicArea, pub))
		return TPM_E_BAD_BLOB;
	return TPM_OK;
}
