/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key and certificate files given to `tpmcard key import` and `cert
 * import`: PEM or DER, PKCS#8 (plain or encrypted), the traditional
 * forms, X.509.  The first byte chooses the passphrase offered ("fuzz" or
 * none); the rest is the file.
 */
#include <stdlib.h>
#include <string.h>

#include "common/keyfile.h"
#include "common/secmem.h"

static struct secbuf *passphrase(void *arg)
{
	(void)arg;
	return secbuf_dup((const uint8_t *)"fuzz", 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyfile_key key;
	uint8_t *der = NULL, *spki = NULL;
	size_t der_len = 0, spki_len = 0;

	if (size < 1)
		return 0;
	memset(&key, 0, sizeof(key));
	(void)keyfile_key_load(data + 1, size - 1,
			       data[0] & 1 ? passphrase : NULL, NULL, &key);
	keyfile_key_clear(&key);
	if (keyfile_cert_load(data + 1, size - 1, &der, &der_len, &spki,
			      &spki_len) == KEYFILE_OK) {
		free(der);
		free(spki);
	}
	return 0;
}
