/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sharing a TPM that no resource manager stands in front of (a swtpm
 * socket, /dev/tpm0) between the module's processes.  Such a TPM has few
 * object and session slots (swtpm: three of each), and a logged-in
 * process holds an SRK, a key and a session: a fourth process would find
 * the TPM full for as long as the others stay logged in, even idle.
 *
 * So the module's processes take turns, one TPM operation at a time,
 * with an exclusive lock on a lock file of this TPM in the runtime
 * directory.  The holder may take what others hold out of the TPM when
 * it needs room: it saves their objects' and sessions' contexts
 * (TPM2_ContextSave, no authorization needed; a saved context holds no
 * slot) to a file beside their handle record and flushes the objects
 * (tpm_evict_other_locked, tpm_reclaim.c).  Each process, at the start
 * of its turn, loads back whatever was taken from it.  A process alone
 * on the TPM pays one uncontended lock per operation and nothing else.
 */
#include "tpm/tpm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

void tpm_share_open(struct tpm *tpm)
{
	char *path = NULL;

	if (tpm->managed || tpm->share_dir == NULL ||
	    asprintf(&path, "%s/%slock", tpm->share_dir, tpm->share_prefix) <
		    0)
		return;
	tpm->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			    0600);
	if (tpm->lock_fd < 0)
		log_debug("no TPM lock file %s: processes will not take turns",
			  path);
	free(path);
}

void tpm_share_close(struct tpm *tpm)
{
	if (tpm->lock_fd >= 0)
		close(tpm->lock_fd);
	tpm->lock_fd = -1;
}

void tpm_share_begin_locked(struct tpm *tpm)
{
	if (tpm->lock_fd < 0)
		return;
	while (flock(tpm->lock_fd, LOCK_EX) != 0 && errno == EINTR)
		;
	tpm_restore_evicted_locked(tpm);
}

void tpm_share_end_locked(struct tpm *tpm)
{
	if (tpm->lock_fd >= 0)
		flock(tpm->lock_fd, LOCK_UN);
}
