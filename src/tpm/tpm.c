/* SPDX-License-Identifier: BSD-3-Clause */
#include "tpm/tpm.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tss2/tss2_mu.h>
#include <tss2/tss2_sys.h>
#include <tss2/tss2_tctildr.h>

#include "common/session_crypto.h"
#include "tpm/tcti_tabrmd.h"
#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

#define SRK_PERSISTENT_HANDLE 0x81000001

/* The TCTI configuration string, or NULL for the tctildr default. */
static const char *tcti_config(void)
{
	static const char *const vars[] = { "TPMCARD_TCTI", "TPM2_PKCS11_TCTI",
					    "TPM2TOOLS_TCTI" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *value = secure_getenv(vars[i]);

		if (value != NULL && value[0] != '\0') {
			log_debug("TCTI from %s: %s", vars[i], value);
			return value;
		}
	}
	log_debug("TCTI: tpm2-tss default order");
	return NULL;
}

/*
 * Whether a resource manager stands between us and the TPM: it flushes
 * what a client leaves loaded when the client disconnects, so nothing
 * needs flushing early.  Unknown counts as direct (flushing is safe).
 */
static bool behind_resource_manager(const char *config)
{
	if (config == NULL) /* tctildr tries tabrmd, then /dev/tpmrm0 */
		return access("/dev/tpmrm0", F_OK) == 0;
	/* tpm2-tss's pcap TCTI records the traffic of the one it wraps */
	if (strncmp(config, "pcap:", 5) == 0)
		return behind_resource_manager(config[5] ? config + 5 : NULL);
	return strncmp(config, "tabrmd", 6) == 0 ||
	       strncmp(config, "device:/dev/tpmrm", 17) == 0;
}

/*
 * tpm2-tss 3.2 logs to stderr on its own (every expected "no persistent
 * SRK" probe, every wrong PIN) and reads TSS2_LOG at its first message,
 * with no API to set it.  We live in someone else's process: unless the
 * user set TSS2_LOG, or asked us for tpm debug output, keep it quiet.
 */
static void quiet_tss_logging(void)
{
	if (getenv("TSS2_LOG") != NULL)
		return;
	setenv("TSS2_LOG",
	       log_enabled(TC_LAYER_TPM, TC_LOG_DEBUG) ? "all+warning" :
							 "all+none",
	       0);
}

/*
 * tpm2-abrmd named by the TCTI string: the module's own connection to it
 * (tcti_tabrmd.c), unless TPMCARD_OWN_TABRMD=0; NULL: use tpm2-tss's.
 */
static TSS2_TCTI_CONTEXT *own_tcti(const char *config)
{
	const char *own = getenv("TPMCARD_OWN_TABRMD");

	if (config == NULL || (own != NULL && strcmp(own, "0") == 0))
		return NULL;
	if (strcmp(config, "tabrmd") == 0)
		return tcti_tabrmd_open("");
	if (strncmp(config, "tabrmd:", 7) == 0)
		return tcti_tabrmd_open(config + 7);
	return NULL;
}

static void tcti_close(struct tpm *tpm)
{
	if (tpm->own_tcti)
		tcti_tabrmd_close(tpm->tcti);
	else
		Tss2_TctiLdr_Finalize(&tpm->tcti);
	tpm->tcti = NULL;
}

static enum tpm_rc connect_locked(struct tpm *tpm, const char *config)
{
	size_t size = Tss2_Sys_GetContextSize(0);
	TSS2_RC rc = TSS2_RC_SUCCESS;

	tpm->tcti = own_tcti(config);
	tpm->own_tcti = tpm->tcti != NULL;
	if (tpm->tcti == NULL)
		rc = Tss2_TctiLdr_Initialize(config, &tpm->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_map(rc, "connect to the TPM");
		return TPM_E_NO_DEVICE;
	}
	tpm->sys = calloc(1, size);
	if (tpm->sys == NULL) {
		tcti_close(tpm);
		return TPM_E_NO_MEMORY;
	}
	rc = Tss2_Sys_Initialize(tpm->sys, size, tpm->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		enum tpm_rc mapped = tpm_map(rc, "Tss2_Sys_Initialize");

		free(tpm->sys);
		tpm->sys = NULL;
		tcti_close(tpm);
		return mapped == TPM_E_NO_MEMORY ? mapped : TPM_E_NO_DEVICE;
	}
	return TPM_OK;
}

enum tpm_rc tpm_open(struct tpm **out)
{
	const char *config = tcti_config();
	struct tpm *tpm;
	enum tpm_rc rc;

	*out = NULL;
	tpm = calloc(1, sizeof(*tpm));
	if (tpm == NULL)
		return TPM_E_NO_MEMORY;
	quiet_tss_logging();
	if (!tc_mutex_init(&tpm->lock)) {
		free(tpm);
		return TPM_E_FAILURE;
	}
	tpm->managed = behind_resource_manager(config);
	tpm->lock_fd = -1;
	tpm_lock(tpm);
	rc = connect_locked(tpm, config);
	if (rc == TPM_OK)
		tpm_held_open_locked(tpm, config);
	tpm_unlock(tpm);
	if (rc != TPM_OK) {
		tc_mutex_destroy(&tpm->lock);
		free(tpm);
		return rc;
	}
	*out = tpm;
	return TPM_OK;
}

TSS2_SYS_CONTEXT *tpm_sys(struct tpm *tpm)
{
	return tpm->sys;
}

const TSS2L_SYS_AUTH_COMMAND tpm_password_auth = {
	.count = 1,
	.auths = { { .sessionHandle = TPM2_RS_PW } },
};

void tpm_flush_locked(struct tpm *tpm, TPM2_HANDLE handle)
{
	TSS2_RC rc;

	if (handle == 0)
		return;
	/* Flushed, then unlisted: a kill in between leaves a listing of a
	 * handle gone (tpm_reclaim.c checks), never a handle unlisted. */
	rc = Tss2_Sys_FlushContext(tpm->sys, handle);
	tpm_held_remove_locked(tpm, handle);
	if (rc != TSS2_RC_SUCCESS)
		tpm_map(rc, "flush");
}

void tpm_close(struct tpm *tpm)
{
	if (tpm == NULL)
		return;
	tpm_lock(tpm);
	while (tpm->keys != NULL) {
		struct tpm_key *key = tpm->keys;

		tpm_unlock(tpm);
		tpm_key_close(tpm, key);
		tpm_lock(tpm);
	}
	/*
	 * A resource manager flushes what a connection leaves when it
	 * closes: sending the flushes ourselves would only cost time.
	 */
	if (!tpm->managed) {
		tpm_session_flush_locked(tpm);
		if (tpm->srk_transient)
			tpm_flush_locked(tpm, tpm->srk);
	}
	secmem_wipe(&tpm->session, sizeof(tpm->session));
	tpm_held_close(tpm);
	Tss2_Sys_Finalize(tpm->sys);
	free(tpm->sys);
	tcti_close(tpm);
	tpm_unlock(tpm);
	tc_mutex_destroy(&tpm->lock);
	free(tpm);
}

/* Flushes every handle we hold; keys stay open and reload when used. */
static void release_locked(struct tpm *tpm)
{
	for (struct tpm_key *k = tpm->keys; k != NULL; k = k->next) {
		tpm_flush_locked(tpm, k->handle);
		k->handle = 0;
	}
	tpm_session_flush_locked(tpm);
	if (tpm->srk_transient)
		tpm_flush_locked(tpm, tpm->srk);
	tpm->srk = 0;
	tpm->srk_transient = false;
	tpm->srk_name_len = 0;
}

void tpm_release(struct tpm *tpm)
{
	/* Keeping the SRK and session saves work at the next login. */
	if (tpm == NULL || tpm->managed)
		return;
	tpm_lock(tpm);
	release_locked(tpm);
	tpm_unlock(tpm);
}

bool tpm_release_if_free(struct tpm *tpm)
{
	if (tpm == NULL || tpm->managed)
		return true;
	if (!tpm_trylock(tpm))
		return false;
	release_locked(tpm);
	tpm_unlock(tpm);
	return true;
}

void tpm_closing(struct tpm *tpm)
{
	if (tpm == NULL)
		return;
	tpm_lock(tpm);
	tpm->closing = true;
	tpm_unlock(tpm);
}

void tpm_abandon(struct tpm *tpm)
{
	/*
	 * The parent owns the connection and every handle; a child must not
	 * send a byte on it, nor free memory it cannot account for.
	 */
	(void)tpm;
}

/* The TCG "Storage Root Key" template: ECC P-256, AES-128-CFB. */
static void srk_template(TPM2B_PUBLIC *pub)
{
	memset(pub, 0, sizeof(*pub));
	pub->publicArea.type = TPM2_ALG_ECC;
	pub->publicArea.nameAlg = TPM2_ALG_SHA256;
	pub->publicArea.objectAttributes =
		TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
		TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
		TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED |
		TPMA_OBJECT_DECRYPT;
	pub->publicArea.parameters.eccDetail.symmetric.algorithm =
		TPM2_ALG_AES;
	pub->publicArea.parameters.eccDetail.symmetric.keyBits.aes = 128;
	pub->publicArea.parameters.eccDetail.symmetric.mode.aes =
		TPM2_ALG_CFB;
	pub->publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	pub->publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	pub->publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
}

bool tpm_name_of(const TPMT_PUBLIC *pub, TPM2B_NAME *name)
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	size_t len = 0;
	struct crypto_part part = { buf, 0 };

	if (pub->nameAlg != TPM2_ALG_SHA256 ||
	    Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof(buf), &len) !=
		    TSS2_RC_SUCCESS)
		return false;
	part.len = len;
	name->name[0] = (uint8_t)(TPM2_ALG_SHA256 >> 8);
	name->name[1] = (uint8_t)(TPM2_ALG_SHA256 & 0xff);
	name->size = 2 + SC_SHA256_BYTES;
	return sc_sha256(&part, 1, name->name + 2);
}

/*
 * An object's public area as the TPM reports it, trusted only with the
 * name we compute from it; the caller compares that name with the one it
 * expects (a token's recorded SRK name).
 */
static void keep_srk_locked(struct tpm *tpm, TPM2_HANDLE handle,
			    const TPMT_PUBLIC *pub, const TPM2B_NAME *name)
{
	tpm->srk = handle;
	tpm->srk_public = *pub;
	memcpy(tpm->srk_name, name->name, name->size);
	tpm->srk_name_len = name->size;
}

/* Creates the standard primary: its handle, public area and name. */
static TSS2_RC primary_create_locked(struct tpm *tpm, TPM2_HANDLE *out,
				     TPMT_PUBLIC *out_pub, TPM2B_NAME *name)
{
	TPM2B_SENSITIVE_CREATE sensitive = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	TPM2B_PUBLIC template, pub = { 0 };
	TPM2B_NAME reported = { .size = sizeof(TPMU_NAME) };
	TSS2_RC rc;

	srk_template(&template);
	for (unsigned int waits = 0;;) {
		rc = Tss2_Sys_CreatePrimary(tpm->sys, TPM2_RH_OWNER,
					    &tpm_password_auth, &sensitive,
					    &template, &outside, &pcrs, out,
					    &pub, NULL, NULL, NULL, &reported,
					    NULL);
		if (!tpm_memory_retry_locked(tpm, rc, &waits))
			break;
	}
	if (rc != TSS2_RC_SUCCESS)
		return rc;
	*out_pub = pub.publicArea;
	if (!tpm_name_of(out_pub, name) || name->size != reported.size ||
	    memcmp(name->name, reported.name, name->size) != 0) {
		log_err("the TPM reported a primary whose name does not match "
			"its public area");
		Tss2_Sys_FlushContext(tpm->sys, *out);
		return TSS2_SYS_RC_MALFORMED_RESPONSE;
	}
	tpm_held_add_locked(tpm, *out, name);
	return TSS2_RC_SUCCESS;
}

static enum tpm_rc owner_rc(TSS2_RC rc, const char *what)
{
	enum tpm_rc mapped = tpm_map(rc, what);

	return mapped == TPM_E_AUTH_FAIL ? TPM_E_OWNER_AUTH : mapped;
}

enum tpm_rc tpm_primary_create_locked(struct tpm *tpm, TPM2_HANDLE *out,
				      TPMT_PUBLIC *pub)
{
	TPM2B_NAME name;
	TSS2_RC rc = primary_create_locked(tpm, out, pub, &name);

	if (rc != TSS2_RC_SUCCESS) {
		*out = 0;
		return owner_rc(rc, "create a salting key");
	}
	return TPM_OK;
}

/*
 * The transient standard SRK.  want: the name it should have (a token's
 * recorded SRK name), or NULL; with it, a process killed while the TPM
 * makes the SRK leaves it findable by that name (tpm_held_pending_locked).
 */
static enum tpm_rc srk_create_locked(struct tpm *tpm, const uint8_t *want,
				     size_t want_len)
{
	TPM2B_NAME expected = { .size = (UINT16)want_len };
	TPMT_PUBLIC pub;
	TPM2B_NAME name;
	TPM2_HANDLE handle = 0;
	TSS2_RC rc;

	if (want != NULL && want_len <= sizeof(expected.name)) {
		memcpy(expected.name, want, want_len);
		tpm_held_pending_locked(tpm, &expected);
	}
	rc = primary_create_locked(tpm, &handle, &pub, &name);
	if (want != NULL) /* still pending when the name was another */
		tpm_held_unpend_locked(tpm, &expected);
	if (rc != TSS2_RC_SUCCESS)
		return owner_rc(rc, "create the SRK");
	keep_srk_locked(tpm, handle, &pub, &name);
	tpm->srk_transient = true;
	log_debug("transient SRK created");
	return TPM_OK;
}

/* TPM_RC_HANDLE: the persistent handle is not defined. */
static bool is_handle_error(TSS2_RC rc)
{
	return (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER &&
	       (rc & TPM2_RC_FMT1) &&
	       ((rc & 0x3f) | TPM2_RC_FMT1) == TPM2_RC_HANDLE;
}

/* TPM2_ReadPublic of the persistent SRK, its name checked. */
static TSS2_RC srk_read_locked(struct tpm *tpm)
{
	TPM2B_PUBLIC pub = { 0 };
	TPM2B_NAME reported = { .size = sizeof(TPMU_NAME) };
	TPM2B_NAME qualified = { .size = sizeof(TPMU_NAME) };
	TPM2B_NAME name;
	TSS2_RC rc;

	for (unsigned int tries = 0;;) {
		rc = Tss2_Sys_ReadPublic(tpm->sys, SRK_PERSISTENT_HANDLE, NULL,
					 &pub, &reported, &qualified, NULL);
		if (!tpm_busy_retry(rc, &tries))
			break;
	}
	if (rc != TSS2_RC_SUCCESS)
		return rc;
	if (!tpm_name_of(&pub.publicArea, &name)) {
		/* Not a SHA-256 name: the module cannot check it. */
		log_warn("persistent SRK 0x81000001 has no SHA-256 name");
		name = reported;
	} else if (name.size != reported.size ||
		   memcmp(name.name, reported.name, name.size) != 0) {
		log_err("the TPM reported an SRK whose name does not match "
			"its public area");
		return TSS2_SYS_RC_MALFORMED_RESPONSE;
	}
	keep_srk_locked(tpm, SRK_PERSISTENT_HANDLE, &pub.publicArea, &name);
	return TSS2_RC_SUCCESS;
}

enum tpm_rc tpm_srk_get_locked(struct tpm *tpm, TPM2_HANDLE *srk)
{
	enum tpm_rc mapped;
	TSS2_RC rc;

	if (tpm->srk == 0) {
		rc = srk_read_locked(tpm);
		if (rc == TSS2_RC_SUCCESS) {
			log_debug("persistent SRK 0x81000001 in use");
		} else {
			/* Only "no such handle" means: make our own. */
			if (!is_handle_error(rc)) {
				mapped = tpm_map(rc, "read SRK 0x81000001");
				if (mapped == TPM_E_NO_DEVICE ||
				    mapped == TPM_E_IO || rc ==
				    TSS2_SYS_RC_MALFORMED_RESPONSE)
					return mapped;
			}
			mapped = srk_create_locked(tpm, NULL, 0);
			if (mapped != TPM_OK)
				return mapped;
		}
	}
	*srk = tpm->srk;
	return TPM_OK;
}

enum tpm_rc tpm_srk_ref_locked(struct tpm *tpm, TPM2_HANDLE *handle,
			       TPM2B_NAME *name)
{
	enum tpm_rc rc = tpm_srk_get_locked(tpm, handle);

	if (rc != TPM_OK)
		return rc;
	name->size = (UINT16)tpm->srk_name_len;
	memcpy(name->name, tpm->srk_name, tpm->srk_name_len);
	return TPM_OK;
}

static bool srk_is(const struct tpm *tpm, const uint8_t *name, size_t len)
{
	return tpm->srk != 0 && tpm->srk_name_len == len &&
	       memcmp(tpm->srk_name, name, len) == 0;
}

/* Forgets the SRK in use (flushing a transient one). */
static void srk_drop_locked(struct tpm *tpm)
{
	if (tpm->srk_transient)
		tpm_flush_locked(tpm, tpm->srk);
	tpm->srk = 0;
	tpm->srk_transient = false;
	tpm->srk_unproven = false;
	tpm->srk_name_len = 0;
}

/*
 * The persistent SRK as the hint file remembers it, when that is the key
 * of the wanted name: no TPM2_ReadPublic.  The first Load under it proves
 * it (tpm_load_locked).
 */
static bool srk_from_hint_locked(struct tpm *tpm, const uint8_t *want,
				 size_t want_len)
{
	TPMT_PUBLIC pub;
	TPM2B_NAME name;

	if (tpm->srk_hint_failed || !tpm_srk_hint_public(tpm, &pub) ||
	    !tpm_name_of(&pub, &name) || name.size != want_len ||
	    memcmp(name.name, want, want_len) != 0)
		return false;
	keep_srk_locked(tpm, SRK_PERSISTENT_HANDLE, &pub, &name);
	tpm->srk_unproven = true;
	log_debug("persistent SRK 0x81000001 as last seen, not read again");
	return true;
}

/* Makes the SRK of one kind the one in use; *found false: none there. */
static enum tpm_rc srk_of_kind_locked(struct tpm *tpm, bool persistent,
				      const uint8_t *want, size_t want_len,
				      bool *found)
{
	TSS2_RC rc;

	*found = true;
	if (!persistent)
		return srk_create_locked(tpm, want, want_len);
	if (srk_from_hint_locked(tpm, want, want_len))
		return TPM_OK;
	rc = srk_read_locked(tpm);
	if (rc == TSS2_RC_SUCCESS)
		return TPM_OK;
	*found = false;
	return is_handle_error(rc) ? TPM_OK : tpm_map(rc, "read SRK");
}

/* tpm_srk_match with the lock held. */
static enum tpm_rc srk_match_locked(struct tpm *tpm, const uint8_t *name,
				    size_t len, bool *matches)
{
	enum tpm_rc rc = TPM_OK;
	bool first;

	*matches = false;
	if (srk_is(tpm, name, len)) {
		*matches = true;
		return TPM_OK;
	}
	if (tpm->keys != NULL && tpm->srk != 0)
		return TPM_OK; /* keys loaded under this SRK: not another one */
	tpm_srk_hint_forget(tpm); /* another process may have changed it */
	first = tpm_srk_hint_persistent(tpm);
	for (int attempt = 0; attempt < 2 && !*matches; attempt++) {
		bool persistent = attempt == 0 ? first : !first, found;

		srk_drop_locked(tpm);
		rc = srk_of_kind_locked(tpm, persistent, name, len, &found);
		if (rc != TPM_OK)
			break;
		*matches = found && srk_is(tpm, name, len);
		if (*matches)
			tpm_srk_hint_set(tpm, persistent,
					 persistent ? &tpm->srk_public : NULL);
	}
	/* No match: keep an SRK in use anyway, for the caller's message. */
	if (rc == TPM_OK && tpm->srk == 0)
		rc = tpm_srk_get_locked(tpm, &(TPM2_HANDLE){ 0 });
	return rc;
}

enum tpm_rc tpm_srk_match(struct tpm *tpm, const uint8_t *name, size_t len,
			  bool *matches)
{
	enum tpm_rc rc;

	tpm_lock(tpm);
	rc = srk_match_locked(tpm, name, len, matches);
	tpm_unlock(tpm);
	return rc;
}

/*
 * A Load under the SRK the hint file named failed: whatever sits at
 * 0x81000001 now is not what the hint remembered (evicted, or replaced).
 * Finds the SRK of the same name again by asking the TPM; true when there
 * is one, so that the Load is worth one more try.
 */
static bool srk_rematch_locked(struct tpm *tpm)
{
	uint8_t want[sizeof(tpm->srk_name)];
	size_t want_len = tpm->srk_name_len;
	bool matches = false;

	memcpy(want, tpm->srk_name, want_len);
	log_debug("no Load under the remembered persistent SRK: asking the "
		  "TPM again");
	tpm->srk_hint_failed = true;
	srk_drop_locked(tpm);
	tpm_session_flush_locked(tpm); /* if salted to it, it is no good */
	return srk_match_locked(tpm, want, want_len, &matches) == TPM_OK &&
	       matches;
}

enum tpm_rc tpm_srk_proven_locked(struct tpm *tpm)
{
	uint8_t want[sizeof(tpm->srk_name)];
	size_t want_len = tpm->srk_name_len;
	bool matches = false, failed = tpm->srk_hint_failed;
	enum tpm_rc rc;

	if (tpm->srk == 0 || !tpm->srk_unproven)
		return TPM_OK;
	memcpy(want, tpm->srk_name, want_len);
	log_debug("the remembered persistent SRK is read before a PIN is "
		  "proven in a session salted to it");
	srk_drop_locked(tpm);
	tpm_session_flush_locked(tpm);
	tpm->srk_hint_failed = true; /* read it, do not take the hint */
	rc = srk_match_locked(tpm, want, want_len, &matches);
	tpm->srk_hint_failed = failed;
	if (rc == TPM_OK && !matches)
		rc = TPM_E_BAD_BLOB;
	return rc;
}

enum tpm_rc tpm_srk_name(struct tpm *tpm, uint8_t *name, size_t *len)
{
	enum tpm_rc rc;
	TPM2_HANDLE srk;

	tpm_lock(tpm);
	rc = tpm_srk_get_locked(tpm, &srk);
	if (rc == TPM_OK) {
		memcpy(name, tpm->srk_name, tpm->srk_name_len);
		*len = tpm->srk_name_len;
	}
	tpm_unlock(tpm);
	return rc;
}

enum tpm_rc tpm_srk_is_persistent(struct tpm *tpm, bool *persistent)
{
	enum tpm_rc rc;
	TPM2_HANDLE srk;

	tpm_lock(tpm);
	rc = tpm_srk_get_locked(tpm, &srk);
	*persistent = rc == TPM_OK && !tpm->srk_transient;
	tpm_unlock(tpm);
	return rc;
}

enum tpm_rc tpm_srk_persist(struct tpm *tpm, bool *created)
{
	enum tpm_rc rc;
	TPM2_HANDLE srk;
	TSS2_RC trc;

	*created = false;
	tpm_lock(tpm);
	rc = tpm_srk_get_locked(tpm, &srk);
	if (rc == TPM_OK && tpm->srk_transient) {
		for (unsigned int tries = 0;;) {
			trc = Tss2_Sys_EvictControl(tpm->sys, TPM2_RH_OWNER,
						    srk, &tpm_password_auth,
						    SRK_PERSISTENT_HANDLE,
						    NULL);
			if (!tpm_busy_retry(trc, &tries))
				break;
		}
		rc = owner_rc(trc, "persist the SRK");
		if (rc == TPM_OK) {
			tpm_flush_locked(tpm, srk);
			tpm->srk = SRK_PERSISTENT_HANDLE;
			tpm->srk_transient = false;
			*created = true;
			log_info("SRK made persistent at 0x%x",
				 SRK_PERSISTENT_HANDLE);
		}
	}
	/* The next processes take the persistent one (the same key). */
	if (rc == TPM_OK && !tpm->srk_transient) {
		tpm_srk_hint_forget(tpm);
		tpm_srk_hint_set(tpm, true, &tpm->srk_public);
	}
	tpm_unlock(tpm);
	return rc;
}

/* Flushes the least recently used loaded key; false when none is. */
static bool evict_one_locked(struct tpm *tpm)
{
	struct tpm_key *victim = NULL;

	for (struct tpm_key *k = tpm->keys; k != NULL; k = k->next)
		if (k->handle != 0 &&
		    (victim == NULL || k->last_use < victim->last_use))
			victim = k;
	if (victim == NULL)
		return false;
	log_debug("evicting a loaded key to free an object slot");
	tpm_flush_locked(tpm, victim->handle);
	victim->handle = 0;
	return true;
}

/* True for "the TPM has no room for another object or session". */
static bool is_memory_error(TSS2_RC trc)
{
	TSS2_RC layer = trc & TSS2_RC_LAYER_MASK;
	TSS2_RC code = trc & 0xfff;

	/* tpm2-abrmd's own per-connection limit is its RESMGR layer's. */
	return (layer == TSS2_TPM_RC_LAYER ||
		layer == TSS2_RESMGR_TPM_RC_LAYER ||
		layer == TSS2_RESMGR_RC_LAYER) &&
	       (code == TPM2_RC_OBJECT_MEMORY ||
		code == TPM2_RC_SESSION_MEMORY || code == TPM2_RC_MEMORY);
}

bool tpm_busy_retry(TSS2_RC trc, unsigned int *tries)
{
	TSS2_RC code = trc & 0xfff;
	struct timespec ts = { 0, 1000000L };

	if ((trc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER ||
	    (code != TPM2_RC_RETRY && code != TPM2_RC_YIELDED &&
	     code != TPM2_RC_TESTING) ||
	    *tries >= TPM_BUSY_TRIES)
		return false;
	(*tries)++;
	if (code == TPM2_RC_TESTING)
		ts.tv_nsec = 20000000L; /* a self-test takes longer */
	nanosleep(&ts, NULL);
	return true;
}

bool tpm_memory_retry_locked(struct tpm *tpm, TSS2_RC trc,
			     unsigned int *waits)
{
	unsigned int delay_ms;
	struct timespec ts;

	if (tpm_busy_retry(trc, waits))
		return true;
	if (!is_memory_error(trc))
		return false;
	/* Our own least recently used key goes first, at no cost. */
	if ((trc & 0xfff) != TPM2_RC_SESSION_MEMORY && evict_one_locked(tpm))
		return true;
	/* Then what another of the module's processes holds, idle. */
	if (tpm_evict_other_locked(tpm))
		return true;
	/*
	 * Someone else's objects fill the TPM (other processes on a TPM
	 * without a resource manager): they are short-lived, so wait.
	 */
	if (*waits >= TPM_MEMORY_WAITS) {
		log_err("the TPM stayed full: other processes hold its object "
			"or session slots (on a TPM without a resource "
			"manager, slots of killed processes stay taken until "
			"'tpm2_flushcontext -t' and '-l', or a TPM restart)");
		return false;
	}
	delay_ms = 10u << (*waits < 5 ? *waits : 5);
	(*waits)++;
	log_debug("TPM memory full; retrying in %u ms", delay_ms);
	ts.tv_sec = delay_ms / 1000;
	ts.tv_nsec = (long)(delay_ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return true;
}

enum tpm_rc tpm_create_locked(struct tpm *tpm,
			      const TPM2B_SENSITIVE_CREATE *sensitive,
			      const TPM2B_PUBLIC *template,
			      TPM2B_PRIVATE *priv, TPM2B_PUBLIC *pub,
			      const char *what)
{
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	TSS2_SYS_CONTEXT *sys = tpm_sys(tpm);
	TPM2B_NAME srk_name;
	TPM2_HANDLE srk = 0;
	struct tpm_authed cmd = {
		.cc = TPM2_CC_Create, .names = { &srk_name }, .name_count = 1,
		.attrs = TPMA_SESSION_DECRYPT, /* the SRK's auth is empty */
	};
	enum tpm_rc rc = sys ? tpm_srk_ref_locked(tpm, &srk, &srk_name) :
			       TPM_E_FAILURE;
	TSS2_RC trc;

	if (rc == TPM_OK)
		rc = tpm_session_ready_locked(tpm);
	if (rc != TPM_OK)
		return rc;
	/* TPM2_Create needs an object slot for a moment. */
	for (unsigned int waits = 0;;) {
		trc = Tss2_Sys_Create_Prepare(sys, srk, sensitive, template,
					      &outside, &pcrs);
		if (trc == TSS2_RC_SUCCESS)
			trc = tpm_authed_execute_locked(tpm, &cmd);
		if (!tpm_memory_retry_locked(tpm, trc, &waits))
			break;
	}
	if (trc == TSS2_RC_SUCCESS)
		trc = Tss2_Sys_Create_Complete(sys, priv, pub, NULL, NULL,
					       NULL);
	return tpm_map(trc, what);
}

/* TPM2_Load under a parent, waiting for room. */
static TSS2_RC load_under_locked(struct tpm *tpm, TPM2_HANDLE parent,
				 const TPM2B_PRIVATE *priv,
				 const TPM2B_PUBLIC *pub, TPM2_HANDLE *handle)
{
	TPM2B_NAME reported = { .size = sizeof(TPMU_NAME) };
	TSS2_RC trc;

	for (unsigned int waits = 0;;) {
		trc = Tss2_Sys_Load(tpm->sys, parent, &tpm_password_auth, priv,
				    pub, handle, &reported, NULL);
		if (!tpm_memory_retry_locked(tpm, trc, &waits))
			return trc;
	}
}

enum tpm_rc tpm_load_locked(struct tpm *tpm, const struct tpm_blob *blob,
			    TPM2_HANDLE *handle, TPM2B_NAME *name)
{
	TPM2B_PUBLIC pub;
	TPM2B_PRIVATE priv;
	enum tpm_rc rc;
	TPM2_HANDLE srk;
	TSS2_RC trc;

	*handle = 0;
	if (!tpm_blob_unmarshal(blob, &pub, &priv))
		return TPM_E_BAD_BLOB;
	if (!tpm_name_of(&pub.publicArea, name))
		return TPM_E_BAD_BLOB;
	rc = tpm_srk_get_locked(tpm, &srk);
	if (rc != TPM_OK)
		return rc;
	tpm_held_pending_locked(tpm, name);
	trc = load_under_locked(tpm, srk, &priv, &pub, handle);
	if (trc != TSS2_RC_SUCCESS && tpm->srk_unproven &&
	    (trc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER &&
	    srk_rematch_locked(tpm))
		trc = load_under_locked(tpm, tpm->srk, &priv, &pub, handle);
	if (trc == TSS2_RC_SUCCESS)
		tpm->srk_unproven = false;
	rc = tpm_map(trc, "load");
	if (rc == TPM_OK) {
		tpm_held_add_locked(tpm, *handle, name);
	} else {
		tpm_held_unpend_locked(tpm, name);
		*handle = 0;
	}
	secmem_wipe(&priv, sizeof(priv));
	return rc;
}

enum tpm_rc tpm_random(struct tpm *tpm, uint8_t *buf, size_t len)
{
	enum tpm_rc rc = TPM_OK;
	TSS2_RC trc;

	tpm_lock(tpm);
	while (len > 0 && rc == TPM_OK) {
		TPM2B_DIGEST bytes = { 0 };
		size_t n = len > 32 ? 32 : len;

		for (unsigned int tries = 0;;) {
			trc = Tss2_Sys_GetRandom(tpm->sys, NULL, (UINT16)n,
						 &bytes, NULL);
			if (!tpm_busy_retry(trc, &tries))
				break;
		}
		rc = tpm_map(trc, "GetRandom");
		if (rc == TPM_OK && bytes.size == 0)
			rc = TPM_E_FAILURE; /* never loop on an empty answer */
		if (rc == TPM_OK) {
			n = bytes.size < n ? bytes.size : n;
			memcpy(buf, bytes.buffer, n);
			buf += n;
			len -= n;
		}
		secmem_wipe(&bytes, sizeof(bytes));
	}
	tpm_unlock(tpm);
	return rc;
}

TSS2_RC tpm_test_parms_locked(struct tpm *tpm, const TPMT_PUBLIC_PARMS *parms)
{
	TSS2_RC trc;

	for (unsigned int tries = 0;;) {
		trc = Tss2_Sys_TestParms(tpm->sys, NULL, parms, NULL);
		if (!tpm_busy_retry(trc, &tries))
			break;
	}
	return trc;
}

enum tpm_rc tpm_capability_locked(struct tpm *tpm, TPM2_CAP cap,
				  UINT32 property, UINT32 count,
				  TPMS_CAPABILITY_DATA *data)
{
	TPMI_YES_NO more = TPM2_NO;
	TSS2_RC trc;

	for (unsigned int tries = 0;;) {
		trc = Tss2_Sys_GetCapability(tpm->sys, NULL, cap, property,
					     count, &more, data, NULL);
		if (!tpm_busy_retry(trc, &tries))
			break;
	}
	return tpm_map(trc, "read the TPM's capabilities");
}
