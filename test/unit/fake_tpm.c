/* SPDX-License-Identifier: BSD-3-Clause */
#include "fake_tpm.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "fake_tpm_internal.h"

/*
 * The fake TPM's state, controls, connections, dictionary-attack model,
 * blob format and sealed data.  Keys are in fake_tpm_key.c, secret keys
 * in fake_tpm_secret.c.
 *
 * Public blob: "FKPB", kind (1 byte), size (1: the curve of an EC key, the
 * bytes of an AES key, else 0), exponent (4, big-endian), material length
 * (2), material (RSA modulus, EC X || Y, nothing for secret keys), 16
 * random bytes (the TPM's unique field: no two objects share a public
 * area).
 * Private blob: "FKPV", SRK generation (4), object id (8), 16 random
 * bytes.  Neither holds an auth value or sealed data.
 */

#define PUB_MAGIC "FKPB"
#define PRIV_MAGIC "FKPV"
#define PUB_HEADER 12
#define UNIQUE_LEN 16
#define PRIV_LEN (4 + 4 + 8 + 16)
#define DEFAULT_MAX_TRIES 32

struct fake_state fake;

static const char *const rc_texts[] = {
	[TPM_OK] = "success",
	[TPM_E_NO_DEVICE] = "no TPM (fake)",
	[TPM_E_IO] = "connection failed (fake)",
	[TPM_E_AUTH_FAIL] = "wrong authorization value (fake)",
	[TPM_E_LOCKOUT] = "dictionary-attack lockout (fake)",
	[TPM_E_BAD_BLOB] = "damaged or foreign blob (fake)",
	[TPM_E_UNSUPPORTED] = "unsupported algorithm (fake)",
	[TPM_E_BAD_INPUT] = "refused size or value (fake)",
	[TPM_E_NO_SLOTS] = "out of object memory (fake)",
	[TPM_E_OWNER_AUTH] = "owner hierarchy has a password (fake)",
	[TPM_E_RETRY] = "busy (fake)",
	[TPM_E_NO_MEMORY] = "out of memory (fake)",
	[TPM_E_FAILURE] = "failure mode (fake)",
};

const char *tpm_rc_text(enum tpm_rc rc)
{
	if ((size_t)rc < sizeof(rc_texts) / sizeof(rc_texts[0]))
		return rc_texts[rc];
	return "unknown (fake)";
}

/* ---- controls ---- */

static void object_free(struct fake_object *obj)
{
	if (obj == NULL)
		return;
	EVP_PKEY_free(obj->pkey);
	free(obj->pub);
	OPENSSL_cleanse(obj, sizeof(*obj));
	free(obj);
}

static void new_srk(void)
{
	fake.srk_gen++;
	RAND_bytes(fake.srk_seed, sizeof(fake.srk_seed));
}

void fake_tpm_reset(void)
{
	for (size_t i = 0; i < fake.count; i++)
		object_free(fake.objects[i]);
	free(fake.objects);
	memset(&fake, 0, sizeof(fake));
	fake.max_tries = DEFAULT_MAX_TRIES;
	for (int i = 0; i < 3; i++)
		fake.caps.rsa[i] = true;
	for (int c = TPM_CURVE_P256; c <= TPM_CURVE_P521; c++)
		fake.caps.curve[c] = true;
	memcpy(fake.caps.manufacturer, "FAKE", 5);
	fake.caps.firmware1 = 0x00020003;
	fake.caps.revision = 159;
	new_srk();
}

void fake_tpm_set_caps(const struct tpm_caps *caps)
{
	fake.caps = *caps;
}

enum tpm_rc tpm_caps(struct tpm *tpm, struct tpm_caps *caps)
{
	enum tpm_rc rc;

	(void)tpm;
	if (fake_enter(FAKE_TPM_CAPS, &rc))
		return rc;
	*caps = fake.caps;
	return TPM_OK;
}

void fake_tpm_fail_next(enum fake_tpm_op op, enum tpm_rc rc)
{
	fake.fail_set[op] = true;
	fake.fail_rc[op] = rc;
}

unsigned int fake_tpm_calls(enum fake_tpm_op op)
{
	return fake.calls[op];
}

bool fake_enter(enum fake_tpm_op op, enum tpm_rc *rc)
{
	fake.calls[op]++;
	if (!fake.fail_set[op])
		return false;
	fake.fail_set[op] = false;
	*rc = fake.fail_rc[op];
	return true;
}

void fake_tpm_set_lockout(uint32_t failures, uint32_t max_tries)
{
	fake.failures = failures;
	fake.max_tries = max_tries;
}

static bool in_lockout(void)
{
	return fake.failures >= fake.max_tries;
}

void fake_tpm_da(struct tpm_da_info *info)
{
	memset(info, 0, sizeof(*info));
	info->failures = fake.failures;
	info->max_failures = fake.max_tries;
	info->recovery_s = 7200;
	info->in_lockout = in_lockout();
}

void fake_tpm_clear(void)
{
	new_srk();
	fake.srk_persistent = false;
}

unsigned int fake_tpm_releases(void)
{
	return fake.releases;
}

void fake_tpm_set_busy(bool busy)
{
	fake.busy = busy;
}

size_t fake_tpm_connections(void)
{
	return fake.connections;
}

size_t fake_tpm_open_keys(void)
{
	return fake.open_keys;
}

size_t fake_tpm_loaded_keys(void)
{
	return fake.loaded_keys;
}

size_t fake_tpm_object_count(void)
{
	return fake.count;
}

/* Whether the object's secret bytes are its whole sensitive part. */
static bool holds_bytes(enum fake_object_kind kind)
{
	return kind == FAKE_OBJ_SEALED || kind == FAKE_OBJ_AES ||
	       kind == FAKE_OBJ_HMAC;
}

bool fake_tpm_object(size_t index, struct fake_object_view *view)
{
	const struct fake_object *obj;

	if (index >= fake.count)
		return false;
	obj = fake.objects[index];
	view->kind = obj->kind;
	view->auth = obj->auth;
	view->auth_len = obj->auth_len;
	view->secret = holds_bytes(obj->kind) ? obj->secret : NULL;
	view->secret_len = obj->secret_len;
	view->by_change_auth = obj->by_change_auth;
	return true;
}

/* ---- objects and blobs ---- */

struct fake_object *fake_object_add(enum fake_object_kind kind)
{
	struct fake_object **grown, *obj = calloc(1, sizeof(*obj));

	grown = realloc(fake.objects, (fake.count + 1) * sizeof(*grown));
	if (obj == NULL || grown == NULL) {
		free(obj);
		if (grown != NULL)
			fake.objects = grown;
		return NULL;
	}
	fake.objects = grown;
	obj->id = fake.count + 1;
	obj->srk_gen = fake.srk_gen;
	obj->kind = kind;
	fake.objects[fake.count++] = obj;
	return obj;
}

static void put_be(uint8_t *p, uint64_t value, size_t bytes)
{
	for (size_t i = 0; i < bytes; i++)
		p[i] = (uint8_t)(value >> (8 * (bytes - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, size_t bytes)
{
	uint64_t value = 0;

	for (size_t i = 0; i < bytes; i++)
		value = value << 8 | p[i];
	return value;
}

/* The key material of a public key, as the public blob carries it. */
static size_t pub_material(const struct tpm_pubkey *pub, uint8_t *out)
{
	if (pub == NULL)
		return 0;
	if (pub->type == TPM_KEY_RSA) {
		memcpy(out, pub->modulus, pub->modulus_len);
		return pub->modulus_len;
	}
	if (pub->type != TPM_KEY_EC)
		return 0; /* a secret key's public area has no key in it */
	memcpy(out, pub->x, pub->coord_len);
	memcpy(out + pub->coord_len, pub->y, pub->coord_len);
	return 2 * pub->coord_len;
}

/* The public blob's size byte. */
static uint8_t pub_size(const struct tpm_pubkey *pub)
{
	if (pub == NULL)
		return 0;
	if (pub->type == TPM_KEY_EC)
		return (uint8_t)pub->curve;
	if (pub->type == TPM_KEY_AES)
		return (uint8_t)pub->aes_len;
	return 0;
}

static bool pub_blob(enum fake_object_kind kind, const struct tpm_pubkey *pub,
		     uint8_t **out, size_t *out_len)
{
	uint8_t material[sizeof(pub->modulus)];
	size_t len = pub_material(pub, material);
	uint8_t *p = malloc(PUB_HEADER + len + UNIQUE_LEN);

	if (p == NULL)
		return false;
	memcpy(p, PUB_MAGIC, 4);
	p[4] = (uint8_t)kind;
	p[5] = pub_size(pub);
	put_be(p + 6, pub ? pub->exponent : 0, 4);
	put_be(p + 10, len, 2);
	memcpy(p + PUB_HEADER, material, len);
	RAND_bytes(p + PUB_HEADER + len, UNIQUE_LEN);
	*out = p;
	*out_len = PUB_HEADER + len + UNIQUE_LEN;
	return true;
}

static bool priv_blob(const struct fake_object *obj, uint8_t **out,
		      size_t *out_len)
{
	uint8_t *p = malloc(PRIV_LEN);

	if (p == NULL)
		return false;
	memcpy(p, PRIV_MAGIC, 4);
	put_be(p + 4, obj->srk_gen, 4);
	put_be(p + 8, obj->id, 8);
	RAND_bytes(p + 16, PRIV_LEN - 16);
	*out = p;
	*out_len = PRIV_LEN;
	return true;
}

/* Copies bytes into a new buffer; false on ENOMEM. */
static bool dup_bytes(const uint8_t *src, size_t len, uint8_t **dst)
{
	*dst = malloc(len ? len : 1);
	if (*dst == NULL)
		return false;
	if (len > 0)
		memcpy(*dst, src, len);
	return true;
}

/* Blobs for obj with the given public blob (copied). */
static enum tpm_rc blobs_with_pub(struct fake_object *obj, const uint8_t *pub,
				  size_t pub_len, struct tpm_blob *out)
{
	if (!dup_bytes(pub, pub_len, &out->pub) ||
	    !dup_bytes(pub, pub_len, &obj->pub) ||
	    !priv_blob(obj, &out->priv, &out->priv_len)) {
		tpm_blob_clear(out);
		return TPM_E_NO_MEMORY;
	}
	out->pub_len = pub_len;
	obj->pub_len = pub_len;
	return TPM_OK;
}

enum tpm_rc fake_blob_make(struct fake_object *obj,
			   const struct tpm_pubkey *pub, struct tpm_blob *out)
{
	uint8_t *p = NULL;
	size_t len = 0;
	enum tpm_rc rc;

	memset(out, 0, sizeof(*out));
	if (!pub_blob(obj->kind, pub, &p, &len))
		return TPM_E_NO_MEMORY;
	rc = blobs_with_pub(obj, p, len, out);
	free(p);
	return rc;
}

enum tpm_rc fake_blob_load(const struct tpm_blob *blob,
			   struct fake_object **obj)
{
	const struct fake_object *found;
	uint64_t id;

	*obj = NULL;
	if (blob == NULL || blob->priv == NULL || blob->priv_len != PRIV_LEN ||
	    memcmp(blob->priv, PRIV_MAGIC, 4) != 0)
		return TPM_E_BAD_BLOB;
	id = get_be(blob->priv + 8, 8);
	if (id == 0 || id > fake.count)
		return TPM_E_BAD_BLOB;
	found = fake.objects[id - 1];
	/* The integrity check: this SRK, and the public part it came with. */
	if (get_be(blob->priv + 4, 4) != fake.srk_gen ||
	    found->srk_gen != fake.srk_gen || blob->pub_len != found->pub_len ||
	    memcmp(blob->pub, found->pub, found->pub_len) != 0)
		return TPM_E_BAD_BLOB;
	*obj = fake.objects[id - 1];
	return TPM_OK;
}

enum tpm_rc fake_auth_check(const struct fake_object *obj,
			    const uint8_t *auth, size_t auth_len)
{
	bool match = auth_len == obj->auth_len &&
		     CRYPTO_memcmp(auth, obj->auth, auth_len) == 0;

	if (obj->kind != FAKE_OBJ_SEALED)
		return match ? TPM_OK : TPM_E_AUTH_FAIL;
	if (in_lockout())
		return TPM_E_LOCKOUT;
	if (match)
		return TPM_OK;
	fake.failures++;
	return TPM_E_AUTH_FAIL;
}

void tpm_blob_clear(struct tpm_blob *blob)
{
	if (blob == NULL)
		return;
	free(blob->pub);
	if (blob->priv != NULL)
		OPENSSL_cleanse(blob->priv, blob->priv_len);
	free(blob->priv);
	memset(blob, 0, sizeof(*blob));
}

size_t tpm_curve_bytes(enum tpm_curve curve)
{
	static const size_t bytes[] = { [TPM_CURVE_P256] = 32,
					[TPM_CURVE_P384] = 48,
					[TPM_CURVE_P521] = 66 };

	return (size_t)curve < sizeof(bytes) / sizeof(bytes[0]) ?
		       bytes[curve] :
		       0;
}

static bool parse_rsa(const uint8_t *material, size_t len,
		      struct tpm_pubkey *pub)
{
	if (len == 0 || len > sizeof(pub->modulus))
		return false;
	pub->type = TPM_KEY_RSA;
	memcpy(pub->modulus, material, len);
	pub->modulus_len = len;
	return true;
}

static bool parse_ec(uint8_t size, const uint8_t *material, size_t len,
		     struct tpm_pubkey *pub)
{
	pub->type = TPM_KEY_EC;
	pub->curve = (enum tpm_curve)size;
	pub->coord_len = tpm_curve_bytes(pub->curve);
	if (pub->coord_len == 0 || len != 2 * pub->coord_len)
		return false;
	memcpy(pub->x, material, pub->coord_len);
	memcpy(pub->y, material + pub->coord_len, pub->coord_len);
	return true;
}

/* A secret key: only its type and, for AES, its size are public. */
static bool parse_secret(uint8_t kind, uint8_t size, size_t len,
			 struct tpm_pubkey *pub)
{
	if (len != 0)
		return false;
	if (kind == FAKE_OBJ_HMAC) {
		pub->type = TPM_KEY_HMAC;
		return size == 0;
	}
	pub->type = TPM_KEY_AES;
	pub->aes_len = size;
	return size == 16 || size == 24 || size == 32;
}

/* Reads the key numbers out of a public blob of a key. */
static bool pubkey_parse(const uint8_t *p, size_t len, struct tpm_pubkey *pub)
{
	const uint8_t *material = p + PUB_HEADER;
	size_t material_len;

	if (len < PUB_HEADER + UNIQUE_LEN || memcmp(p, PUB_MAGIC, 4) != 0)
		return false;
	material_len = get_be(p + 10, 2);
	if (len != PUB_HEADER + material_len + UNIQUE_LEN)
		return false;
	pub->exponent = (uint32_t)get_be(p + 6, 4);
	switch (p[4]) {
	case FAKE_OBJ_RSA:
		return parse_rsa(material, material_len, pub);
	case FAKE_OBJ_EC:
		return parse_ec(p[5], material, material_len, pub);
	case FAKE_OBJ_AES:
	case FAKE_OBJ_HMAC:
		return parse_secret(p[4], p[5], material_len, pub);
	default:
		return false; /* sealed data is no key */
	}
}

enum tpm_rc tpm_blob_pubkey(const struct tpm_blob *blob,
			    struct tpm_pubkey *pub)
{
	memset(pub, 0, sizeof(*pub));
	if (blob->pub == NULL || !pubkey_parse(blob->pub, blob->pub_len, pub))
		return TPM_E_BAD_BLOB;
	return TPM_OK;
}

/* ---- connection, SRK, random, dictionary-attack state ---- */

enum tpm_rc tpm_open(struct tpm **out)
{
	enum tpm_rc rc;

	*out = NULL;
	if (fake_enter(FAKE_TPM_OPEN, &rc))
		return rc;
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return TPM_E_NO_MEMORY;
	fake.connections++;
	return TPM_OK;
}

void tpm_close(struct tpm *tpm)
{
	if (tpm == NULL)
		return;
	/* As the real one: keys still open are closed (and freed) here. */
	while (tpm->keys != NULL)
		tpm_key_close(tpm, tpm->keys);
	fake.connections--;
	free(tpm);
}

void tpm_release(struct tpm *tpm)
{
	if (tpm == NULL)
		return;
	/* Keys stay open and load again at their next use. */
	for (struct tpm_key *k = tpm->keys; k != NULL; k = k->next) {
		if (k->loaded)
			fake.loaded_keys--;
		k->loaded = false;
	}
	fake.releases++;
}

bool tpm_release_if_free(struct tpm *tpm)
{
	if (fake.busy)
		return false;
	tpm_release(tpm);
	return true;
}

void tpm_abandon(struct tpm *tpm)
{
	(void)tpm;
}

void tpm_closing(struct tpm *tpm)
{
	(void)tpm;
}

enum tpm_rc tpm_srk_name(struct tpm *tpm, uint8_t *name, size_t *len)
{
	enum tpm_rc rc;

	(void)tpm;
	if (fake_enter(FAKE_TPM_SRK_NAME, &rc))
		return rc;
	/* nameAlg SHA-256, then a digest-sized value unique to this SRK. */
	name[0] = 0x00;
	name[1] = 0x0b;
	memcpy(name + 2, fake.srk_seed, sizeof(fake.srk_seed));
	*len = 2 + sizeof(fake.srk_seed);
	return TPM_OK;
}

enum tpm_rc tpm_srk_match(struct tpm *tpm, const uint8_t *name, size_t len,
			  bool *matches)
{
	uint8_t own[66];
	size_t own_len = 0;
	enum tpm_rc rc = tpm_srk_name(tpm, own, &own_len);

	*matches = rc == TPM_OK && own_len == len &&
		   memcmp(own, name, len) == 0;
	return rc;
}

enum tpm_rc tpm_srk_is_persistent(struct tpm *tpm, bool *persistent)
{
	enum tpm_rc rc;

	(void)tpm;
	*persistent = false;
	if (fake_enter(FAKE_TPM_SRK_PERSIST, &rc))
		return rc;
	*persistent = fake.srk_persistent;
	return TPM_OK;
}

enum tpm_rc tpm_srk_persist(struct tpm *tpm, bool *created)
{
	enum tpm_rc rc;

	(void)tpm;
	*created = false;
	if (fake_enter(FAKE_TPM_SRK_PERSIST, &rc))
		return rc;
	/* Same key, same name: blobs made before keep loading. */
	*created = !fake.srk_persistent;
	fake.srk_persistent = true;
	return TPM_OK;
}

enum tpm_rc tpm_random(struct tpm *tpm, uint8_t *buf, size_t len)
{
	enum tpm_rc rc;

	(void)tpm;
	if (fake_enter(FAKE_TPM_RANDOM, &rc))
		return rc;
	return len == 0 || RAND_bytes(buf, (int)len) == 1 ? TPM_OK :
							    TPM_E_FAILURE;
}

enum tpm_rc tpm_da_info(struct tpm *tpm, struct tpm_da_info *info)
{
	enum tpm_rc rc;

	(void)tpm;
	memset(info, 0, sizeof(*info));
	if (fake_enter(FAKE_TPM_DA_INFO, &rc))
		return rc;
	fake_tpm_da(info);
	return TPM_OK;
}

/* ---- sealed data ---- */

enum tpm_rc tpm_seal(struct tpm *tpm, const uint8_t *auth, size_t auth_len,
		     const uint8_t *secret, size_t secret_len,
		     struct tpm_blob *out)
{
	struct fake_object *obj;
	enum tpm_rc rc;

	(void)tpm;
	memset(out, 0, sizeof(*out));
	if (fake_enter(FAKE_TPM_SEAL, &rc))
		return rc;
	if (auth_len > FAKE_AUTH_MAX || secret_len > FAKE_SEALED_MAX)
		return TPM_E_BAD_INPUT;
	obj = fake_object_add(FAKE_OBJ_SEALED);
	if (obj == NULL)
		return TPM_E_NO_MEMORY;
	memcpy(obj->auth, auth, auth_len);
	obj->auth_len = auth_len;
	memcpy(obj->secret, secret, secret_len);
	obj->secret_len = secret_len;
	return fake_blob_make(obj, NULL, out);
}

enum tpm_rc tpm_unseal(struct tpm *tpm, const struct tpm_blob *blob,
		       const uint8_t *auth, size_t auth_len,
		       struct secbuf **out)
{
	struct fake_object *obj;
	enum tpm_rc rc;

	(void)tpm;
	*out = NULL;
	if (fake_enter(FAKE_TPM_UNSEAL, &rc))
		return rc;
	rc = fake_blob_load(blob, &obj);
	if (rc == TPM_OK && obj->kind != FAKE_OBJ_SEALED)
		rc = TPM_E_BAD_INPUT; /* TPM_RC_TYPE */
	if (rc == TPM_OK)
		rc = fake_auth_check(obj, auth, auth_len);
	if (rc != TPM_OK)
		return rc;
	*out = secbuf_dup(obj->secret, obj->secret_len);
	return *out ? TPM_OK : TPM_E_NO_MEMORY;
}

/* A copy of obj in the table, with a new auth value. */
static struct fake_object *reauthed_copy(const struct fake_object *obj,
					 const uint8_t *auth, size_t len)
{
	struct fake_object *copy = fake_object_add(obj->kind);

	if (copy == NULL)
		return NULL;
	memcpy(copy->auth, auth, len);
	copy->auth_len = len;
	memcpy(copy->secret, obj->secret, obj->secret_len);
	copy->secret_len = obj->secret_len;
	copy->by_change_auth = true;
	if (obj->pkey != NULL && EVP_PKEY_up_ref(obj->pkey) == 1)
		copy->pkey = obj->pkey;
	return copy;
}

enum tpm_rc tpm_change_auth(struct tpm *tpm, const struct tpm_blob *blob,
			    const uint8_t *old_auth, size_t old_len,
			    const uint8_t *new_auth, size_t new_len,
			    struct tpm_blob *out)
{
	struct fake_object *obj, *copy;
	enum tpm_rc rc;

	(void)tpm;
	memset(out, 0, sizeof(*out));
	if (fake_enter(FAKE_TPM_CHANGE_AUTH, &rc))
		return rc;
	if (new_len > FAKE_AUTH_MAX)
		return TPM_E_BAD_INPUT;
	rc = fake_blob_load(blob, &obj);
	if (rc == TPM_OK)
		rc = fake_auth_check(obj, old_auth, old_len);
	if (rc != TPM_OK)
		return rc;
	copy = reauthed_copy(obj, new_auth, new_len);
	if (copy == NULL)
		return TPM_E_NO_MEMORY;
	/* Same public part; the old blob keeps opening with the old auth. */
	return blobs_with_pub(copy, blob->pub, blob->pub_len, out);
}

/*
 * The fake TPM has no NV: a token's user PIN always falls back to the
 * dictionary-attack protected seal here.  The PIN counter itself is
 * tested against swtpm (test/integration/test_pin_counter.py).
 */
enum tpm_rc tpm_pin_nv_create(struct tpm *tpm, const uint8_t *auth,
			      size_t auth_len, uint32_t limit,
			      const uint8_t *secret, size_t secret_len,
			      uint8_t **nv, size_t *nv_len)
{
	(void)tpm;
	(void)auth;
	(void)auth_len;
	(void)limit;
	(void)secret;
	(void)secret_len;
	*nv = NULL;
	*nv_len = 0;
	return TPM_E_NV_UNAVAILABLE;
}

enum tpm_rc tpm_pin_nv_unseal(struct tpm *tpm, const uint8_t *nv,
			      size_t nv_len, const uint8_t *auth,
			      size_t auth_len, struct secbuf **out)
{
	(void)tpm;
	(void)nv;
	(void)nv_len;
	(void)auth;
	(void)auth_len;
	*out = NULL;
	return TPM_E_FAILURE;
}

enum tpm_rc tpm_pin_nv_change(struct tpm *tpm, const uint8_t *nv,
			      size_t nv_len, const uint8_t *old_auth,
			      size_t old_len, const uint8_t *new_auth,
			      size_t new_len)
{
	(void)tpm;
	(void)nv;
	(void)nv_len;
	(void)old_auth;
	(void)old_len;
	(void)new_auth;
	(void)new_len;
	return TPM_E_FAILURE;
}

enum tpm_rc tpm_pin_nv_read(struct tpm *tpm, const uint8_t *nv,
			    size_t nv_len, uint32_t *count, uint32_t *limit)
{
	(void)tpm;
	(void)nv;
	(void)nv_len;
	*count = 0;
	*limit = 0;
	return TPM_E_FAILURE;
}

enum tpm_rc tpm_pin_nv_remove(struct tpm *tpm, const uint8_t *nv,
			      size_t nv_len)
{
	(void)tpm;
	(void)nv;
	(void)nv_len;
	return TPM_OK;
}
