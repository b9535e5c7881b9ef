/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which SRK a TPM's tokens were found under last time, kept for each TPM
 * and user in the runtime directory (TAG.srk): the line "transient", or
 * the line "persistent" followed by the persistent SRK's public area as
 * the TPM last reported it (TPMT_PUBLIC, marshaled).
 *
 * Only ever a shortcut.  The token's recorded SRK name decides which SRK
 * is the right one, and a remembered public area is used only when its
 * name is that recorded name: salting a session to it is salting to the
 * very key the token was made under, so nothing a changed TPM or file
 * can do exposes the session.  A key that then fails to load under it
 * sends the module back to asking the TPM (tpm_load_locked).
 *
 * A "transient" hint older than a day is not trusted to order the search:
 * the SRK may have been made persistent since (by another user's
 * `tpmcard init --persist-srk`, or tpm2-tools), and a day's processes
 * would otherwise keep making the transient one.
 */
#include "tpm/tpm.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tss2/tss2_mu.h>

#include "tpm/tpm_internal.h"

#define LINE_PERSISTENT "persistent\n"
#define LINE_TRANSIENT "transient\n"
#define HINT_MAX TPM_SRK_HINT_MAX
#define TRANSIENT_HINT_SECONDS (24 * 60 * 60)

void tpm_srk_hint_forget(struct tpm *tpm)
{
	tpm->srk_hint_cached = false;
}

/* The file's bytes (len 0: none, or unreadable), read once per search. */
static const uint8_t *hint_read(struct tpm *tpm, size_t *len)
{
	FILE *f;

	if (!tpm->srk_hint_cached) {
		f = tpm->srk_hint ? fopen(tpm->srk_hint, "re") : NULL;
		tpm->srk_hint_len = f ? fread(tpm->srk_hint_bytes, 1,
					      sizeof(tpm->srk_hint_bytes), f) :
					0;
		if (f != NULL)
			fclose(f);
		tpm->srk_hint_cached = true;
	}
	*len = tpm->srk_hint_len;
	return tpm->srk_hint_bytes;
}

static bool starts_with(const uint8_t *buf, size_t len, const char *line)
{
	size_t n = strlen(line);

	return len >= n && memcmp(buf, line, n) == 0;
}

/* Whether the file was last confirmed more than a day ago. */
static bool hint_stale(const struct tpm *tpm)
{
	struct stat st;

	return stat(tpm->srk_hint, &st) != 0 ||
	       time(NULL) - st.st_mtime > TRANSIENT_HINT_SECONDS;
}

bool tpm_srk_hint_persistent(struct tpm *tpm)
{
	size_t len;
	const uint8_t *buf = hint_read(tpm, &len);

	/* Unknown, or transient long ago: the persistent one first. */
	return !starts_with(buf, len, LINE_TRANSIENT) || hint_stale(tpm);
}

bool tpm_srk_hint_public(struct tpm *tpm, TPMT_PUBLIC *pub)
{
	size_t len, head = strlen(LINE_PERSISTENT), off = 0;
	const uint8_t *buf = hint_read(tpm, &len);

	if (!starts_with(buf, len, LINE_PERSISTENT) || len == head)
		return false;
	memset(pub, 0, sizeof(*pub));
	return Tss2_MU_TPMT_PUBLIC_Unmarshal(buf + head, len - head, &off,
					     pub) == TSS2_RC_SUCCESS &&
	       off == len - head;
}

/* The file's bytes for a kind (and the persistent SRK's public area). */
static size_t hint_encode(bool persistent, const TPMT_PUBLIC *pub,
			  uint8_t *buf, size_t max)
{
	const char *line = persistent ? LINE_PERSISTENT : LINE_TRANSIENT;
	size_t off = strlen(line);

	memcpy(buf, line, off);
	if (persistent && pub != NULL &&
	    Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, max, &off) !=
		    TSS2_RC_SUCCESS)
		off = strlen(line); /* the kind alone is still worth keeping */
	return off;
}

void tpm_srk_hint_set(struct tpm *tpm, bool persistent,
		      const TPMT_PUBLIC *pub)
{
	uint8_t want[HINT_MAX];
	const uint8_t *now;
	size_t now_len, want_len;
	char *tmp = NULL;
	FILE *f;

	if (tpm->srk_hint == NULL)
		return;
	now = hint_read(tpm, &now_len);
	want_len = hint_encode(persistent, pub, want, sizeof(want));
	if (now_len == want_len && memcmp(now, want, want_len) == 0) {
		if (!persistent && hint_stale(tpm)) /* confirmed again */
			(void)utimensat(AT_FDCWD, tpm->srk_hint, NULL, 0);
		return;
	}
	if (asprintf(&tmp, "%s.%ld", tpm->srk_hint, (long)getpid()) < 0)
		return;
	tpm_srk_hint_forget(tpm); /* read again when next needed */
	f = fopen(tmp, "we");
	if (f != NULL && fwrite(want, 1, want_len, f) == want_len &&
	    fclose(f) == 0)
		(void)rename(tmp, tpm->srk_hint);
	else if (f != NULL)
		fclose(f);
	unlink(tmp);
	free(tmp);
}
