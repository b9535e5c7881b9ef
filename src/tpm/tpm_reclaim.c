/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a process leaves in a TPM it reaches directly (no resource manager
 * to flush after it) when it ends without C_Finalize or the exit handler:
 * killed, or ended by _exit() as Firefox does.  Each process lists the
 * transient objects and sessions it holds in a file of its own in a
 * runtime directory; the next process to open the same TPM flushes what
 * the files of dead processes list.  An object is flushed only while its
 * handle still names the same object; nothing listed by a live process,
 * and nothing from before the TPM last started, is touched.
 */
#include "tpm/tpm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <tss2/tss2_mu.h>
#include <tss2/tss2_sys.h>

#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

#define RECORD_MAGIC "tpmcard-handles 1"
#define RECORD_LINE_MAX (2 + 8 + 1 + 2 * sizeof(TPMU_NAME) + 2)

/* FNV-1a: tells apart the TPMs (TCTI strings) sharing a directory. */
static uint64_t tcti_tag(const char *config)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	/* The pcap TCTI only records: it is the TPM of the one it wraps. */
	if (config != NULL && strncmp(config, "pcap:", 5) == 0)
		config = config[5] ? config + 5 : NULL;

	for (const char *p = config ? config : "default"; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A directory only this user can write, or false. */
static bool private_dir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return false;
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_uid == geteuid() && (st.st_mode & 077) == 0;
}

/* TPMCARD_RUNTIME_DIR, $XDG_RUNTIME_DIR/tpmcard or /tmp/tpmcard-UID. */
static char *runtime_dir(void)
{
	const char *set = secure_getenv("TPMCARD_RUNTIME_DIR");
	const char *xdg = secure_getenv("XDG_RUNTIME_DIR");
	char *path = NULL;
	int n;

	if (set != NULL && set[0] != '\0')
		n = asprintf(&path, "%s", set);
	else if (xdg != NULL && xdg[0] == '/')
		n = asprintf(&path, "%s/tpmcard", xdg);
	else
		n = asprintf(&path, "/tmp/tpmcard-%lu",
			     (unsigned long)geteuid());
	if (n < 0)
		return NULL;
	if (!private_dir(path)) {
		log_debug("no private runtime directory %s: a process that "
			  "dies will strand its TPM handles",
			  path);
		free(path);
		return NULL;
	}
	return path;
}

/*
 * From /proc/PID/stat: field 3, the state, and field 22, when the process
 * started; false when it cannot be read.
 */
static bool stat_of(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold anything */
	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return false;
	*state = p[2];
	for (int field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL)
		return false;
	*start = strtoull(p + 1, NULL, 10);
	return true;
}

static unsigned long long start_time_of(pid_t pid)
{
	unsigned long long start;
	char state;

	return stat_of(pid, &state, &start) ? start : 0;
}

/* Whether the process that wrote a record still runs. */
static bool still_running(pid_t pid, unsigned long long start)
{
	unsigned long long now;
	char state;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return false;
	if (!stat_of(pid, &state, &now))
		return true; /* unknown counts as running */
	/* A zombie holds nothing; a recycled pid is another process. */
	return state != 'Z' && state != 'X' && (start == 0 || now == start);
}

static void hex_of(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}

/* Rewrites this process's record from tpm->held (none: removes it). */
static void record_write_locked(struct tpm *tpm)
{
	char *tmp = NULL;
	FILE *f;
	bool ok;

	if (tpm->record == NULL)
		return;
	if (tpm->held_count == 0) {
		unlink(tpm->record);
		return;
	}
	if (asprintf(&tmp, "%s.new", tpm->record) < 0)
		return;
	f = fopen(tmp, "we");
	ok = f != NULL && fprintf(f, "%s\n", RECORD_MAGIC) > 0;
	for (size_t i = 0; ok && i < tpm->held_count; i++) {
		const struct tpm_held *h = &tpm->held[i];
		char name[2 * sizeof(TPMU_NAME) + 1];

		hex_of(h->name.name, h->name.size, name);
		ok = fprintf(f, "%c %08" PRIx32 " %s\n",
			     h->pending ? (h->session ? 'q' : 'p') :
					  (h->session ? 's' : 'o'),
			     h->handle, name) > 0;
	}
	if (f != NULL && fclose(f) != 0)
		ok = false;
	if (!ok || rename(tmp, tpm->record) != 0) {
		log_debug("cannot write %s: %s", tpm->record, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
}

/* The pending entry of an object of this name; NULL name: a session. */
static struct tpm_held *pending_of(struct tpm *tpm, const TPM2B_NAME *name)
{
	for (size_t i = 0; i < tpm->held_count; i++) {
		struct tpm_held *h = &tpm->held[i];

		if (!h->pending || h->session != (name == NULL))
			continue;
		if (name == NULL || (h->name.size == name->size &&
				     memcmp(h->name.name, name->name,
					    name->size) == 0))
			return h;
	}
	return NULL;
}

void tpm_held_pending_locked(struct tpm *tpm, const TPM2B_NAME *name)
{
	struct tpm_held *h;

	if (tpm->record == NULL || tpm->held_count == TPM_HELD_MAX)
		return;
	h = &tpm->held[tpm->held_count++];
	memset(h, 0, sizeof(*h));
	h->pending = true;
	h->session = name == NULL;
	if (name != NULL)
		h->name = *name;
	record_write_locked(tpm);
}

void tpm_held_unpend_locked(struct tpm *tpm, const TPM2B_NAME *name)
{
	struct tpm_held *h = tpm->record ? pending_of(tpm, name) : NULL;

	if (h == NULL)
		return;
	*h = tpm->held[tpm->held_count - 1];
	tpm->held_count--;
	record_write_locked(tpm);
}

/* Adds a handle to the list, and the list to our record. */
void tpm_held_add_locked(struct tpm *tpm, TPM2_HANDLE handle,
			 const TPM2B_NAME *name)
{
	struct tpm_held *h;

	if (tpm->record == NULL)
		return;
	h = pending_of(tpm, name);
	if (h != NULL) { /* the load it waited for is done */
		h->pending = false;
		h->handle = handle;
		record_write_locked(tpm);
		return;
	}
	if (tpm->held_count == TPM_HELD_MAX) {
		log_debug("more than %d TPM handles: not all are listed",
			  TPM_HELD_MAX);
		return;
	}
	h = &tpm->held[tpm->held_count++];
	memset(h, 0, sizeof(*h));
	h->handle = handle;
	h->session = name == NULL;
	if (name != NULL)
		h->name = *name;
	record_write_locked(tpm);
}

void tpm_held_add_session_locked(struct tpm *tpm, TPM2_HANDLE handle)
{
	tpm_held_add_locked(tpm, handle, NULL);
}

void tpm_held_remove_locked(struct tpm *tpm, TPM2_HANDLE handle)
{
	for (size_t i = 0; i < tpm->held_count; i++) {
		if (tpm->held[i].handle != handle)
			continue;
		tpm->held[i] = tpm->held[tpm->held_count - 1];
		tpm->held_count--;
		record_write_locked(tpm);
		return;
	}
}

void tpm_held_close(struct tpm *tpm)
{
	if (tpm->evicted != NULL)
		unlink(tpm->evicted);
	free(tpm->evicted);
	tpm->evicted = NULL;
	tpm_share_close(tpm);
	free(tpm->share_dir);
	tpm->share_dir = NULL;
	free(tpm->srk_hint);
	tpm->srk_hint = NULL;
	if (tpm->record != NULL)
		unlink(tpm->record);
	free(tpm->record);
	tpm->record = NULL;
	tpm->held_count = 0;
}

/* One handle of a record. */
struct listed {
	bool session;
	bool pending;		/* an object being loaded: its name only */
	TPM2_HANDLE handle;
	TPM2B_NAME name;
};

static bool parse_line(const char *line, struct listed *out)
{
	char kind, name[2 * sizeof(TPMU_NAME) + 2] = "";
	unsigned int handle;
	size_t len;

	/* 132: two hex digits for each byte of the longest name. */
	if (sscanf(line, "%c %8x %132s", &kind, &handle, name) < 2 ||
	    !strchr("ospq", kind))
		return false;
	out->session = kind == 's' || kind == 'q';
	out->pending = kind == 'p' || kind == 'q';
	out->handle = handle;
	len = strlen(name);
	if (len % 2 != 0 || len / 2 > sizeof(out->name.name))
		return false;
	out->name.size = (UINT16)(len / 2);
	for (size_t i = 0; i < len / 2; i++) {
		unsigned int byte;

		if (sscanf(name + 2 * i, "%2x", &byte) != 1)
			return false;
		out->name.name[i] = (uint8_t)byte;
	}
	return true;
}

/* The handles a record lists; *count of them, at most max. */
static size_t read_record(const char *path, struct listed *list, size_t max)
{
	char line[RECORD_LINE_MAX + 8];
	size_t count = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) == NULL ||
	    strncmp(line, RECORD_MAGIC, strlen(RECORD_MAGIC)) != 0) {
		fclose(f);
		return 0;
	}
	while (count < max && fgets(line, sizeof(line), f) != NULL)
		if (parse_line(line, &list[count]))
			count++;
	fclose(f);
	return count;
}

/* A record's pid and start time from its name "TAG.PID.START". */
static bool record_owner(const char *name, const char *prefix, pid_t *pid,
			 unsigned long long *start)
{
	size_t plen = strlen(prefix);
	long long p;
	char tail;

	if (strncmp(name, prefix, plen) != 0 ||
	    sscanf(name + plen, "%lld.%llu%c", &p, start, &tail) != 2 ||
	    p <= 0)
		return false;
	*pid = (pid_t)p;
	return true;
}

#define LIVE_MAX 256
#define DEAD_MAX 16

struct scan {
	struct listed live[LIVE_MAX]; /* what running processes hold */
	size_t live_count;
	char *dead[DEAD_MAX];	      /* records of dead processes */
	size_t dead_count;
};

static size_t read_evicted(const char *path, TPM2_HANDLE *orig,
			   TPMS_CONTEXT *ctx, size_t max);

/*
 * What a process's record lists that is still its own in the TPM: not
 * what another process took out of the TPM for it (its .evicted file),
 * whose handle numbers may since be anybody's.
 */
static size_t read_held(const char *path, struct listed *list, size_t max)
{
	TPM2_HANDLE orig[TPM_HELD_MAX];
	TPMS_CONTEXT *ctx = calloc(TPM_HELD_MAX, sizeof(*ctx));
	size_t count = read_record(path, list, max), taken = 0, kept = 0;
	char *evicted = NULL;

	if (ctx != NULL && asprintf(&evicted, "%s.evicted", path) >= 0)
		taken = read_evicted(evicted, orig, ctx, TPM_HELD_MAX);
	free(evicted);
	free(ctx);
	for (size_t i = 0; i < count; i++) {
		bool gone = false;

		for (size_t j = 0; j < taken && !list[i].pending; j++)
			gone = gone || orig[j] == list[i].handle;
		if (!gone)
			list[kept++] = list[i];
	}
	return kept;
}

static void scan_records(const char *dir, const char *prefix,
			 const char *own, struct scan *scan)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		unsigned long long start;
		char *path;
		pid_t pid;

		if (!record_owner(e->d_name, prefix, &pid, &start) ||
		    asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			continue;
		if (strcmp(path, own) == 0) {
			free(path);
		} else if (still_running(pid, start)) {
			scan->live_count += read_held(
				path, scan->live + scan->live_count,
				LIVE_MAX - scan->live_count);
			free(path);
		} else if (scan->dead_count < DEAD_MAX) {
			scan->dead[scan->dead_count++] = path;
		} else {
			free(path);
		}
	}
	closedir(d);
}

static bool listed_live(const struct scan *scan, const struct listed *h)
{
	for (size_t i = 0; i < scan->live_count; i++)
		if (!scan->live[i].pending && scan->live[i].handle == h->handle)
			return true;
	return false;
}

static bool same_name(const TPM2B_NAME *a, const TPM2B_NAME *b)
{
	return a->size == b->size && memcmp(a->name, b->name, a->size) == 0;
}

/*
 * A running process is loading an object of this name right now (NULL:
 * starting a session).
 */
static bool pending_live(const struct scan *scan, const TPM2B_NAME *name)
{
	for (size_t i = 0; i < scan->live_count; i++) {
		const struct listed *l = &scan->live[i];

		if (l->pending && l->session == (name == NULL) &&
		    (name == NULL || same_name(&l->name, name)))
			return true;
	}
	return false;
}

/* Milliseconds since the TPM last started (TPM2_Startup). */
static bool tpm_uptime(TSS2_SYS_CONTEXT *sys, uint64_t *ms)
{
	TPMS_TIME_INFO info;

	if (Tss2_Sys_ReadClock(sys, NULL, &info, NULL) != TSS2_RC_SUCCESS)
		return false;
	*ms = info.time;
	return true;
}

/* True when the record was last written before the TPM started. */
static bool older_than_tpm(const char *path, uint64_t uptime_ms)
{
	struct timespec now;
	struct stat st;
	int64_t age_ms;

	if (stat(path, &st) != 0 || clock_gettime(CLOCK_REALTIME, &now) != 0)
		return true;
	age_ms = ((int64_t)now.tv_sec - st.st_mtim.tv_sec) * 1000 +
		 (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000;
	/* A second of slack for the two clocks' resolution. */
	return age_ms > (int64_t)uptime_ms + 1000;
}

/* The object at handle still is the one listed: same name. */
static bool same_object(TSS2_SYS_CONTEXT *sys, const struct listed *h)
{
	TPM2B_PUBLIC pub = { 0 };
	TPM2B_NAME name = { .size = sizeof(TPMU_NAME) };
	TPM2B_NAME qualified = { .size = sizeof(TPMU_NAME) };

	return Tss2_Sys_ReadPublic(sys, h->handle, NULL, &pub, &name,
				   &qualified, NULL) == TSS2_RC_SUCCESS &&
	       name.size == h->name.size &&
	       memcmp(name.name, h->name.name, name.size) == 0;
}

/*
 * A dead process's pending load: the transient objects of that name that
 * no running process lists (nor is loading) are what it left.
 */
/* Whether a handle is a transient object's, or a loaded session's. */
static bool of_kind(TPM2_HANDLE handle, bool session)
{
	UINT32 type = handle >> TPM2_HR_SHIFT;

	if (session) /* HMAC and policy sessions alike (tpm_policy.c) */
		return type == TPM2_HT_HMAC_SESSION ||
		       type == TPM2_HT_POLICY_SESSION;
	return type == TPM2_HT_TRANSIENT;
}

/*
 * A dead process's pending session: a session has no name, so the loaded
 * sessions that no running process of ours lists (nor is starting) are
 * taken for what it left.  On a TPM that no resource manager shares out,
 * another program's session could be among them only if it started in
 * the same instant as ours died.
 */
static unsigned int flush_pending(TSS2_SYS_CONTEXT *sys,
				  const struct listed *p,
				  const struct scan *scan)
{
	TPMS_CAPABILITY_DATA data = { 0 };
	TPMI_YES_NO more = TPM2_NO;
	unsigned int flushed = 0;

	/*
	 * The first handle of the range, computed here: tpm2-tss's
	 * TPM2_TRANSIENT_FIRST shifts a 0x80 int left by 24 (undefined).
	 */
	UINT32 kind = p->session ? TPM2_HT_HMAC_SESSION : TPM2_HT_TRANSIENT;

	if (pending_live(scan, p->session ? NULL : &p->name) ||
	    Tss2_Sys_GetCapability(sys, NULL, TPM2_CAP_HANDLES,
				   kind << TPM2_HR_SHIFT, TPM2_MAX_CAP_HANDLES,
				   &more, &data, NULL) != TSS2_RC_SUCCESS)
		return 0;
	for (UINT32 i = 0; i < data.data.handles.count; i++) {
		struct listed h = { .handle = data.data.handles.handle[i],
				    .name = p->name };

		if (!of_kind(h.handle, p->session))
			continue;
		if (listed_live(scan, &h) ||
		    (!p->session && !same_object(sys, &h)))
			continue;
		if (Tss2_Sys_FlushContext(sys, h.handle) == TSS2_RC_SUCCESS)
			flushed++;
	}
	return flushed;
}

/* Flushes what one dead process's record lists; returns how many. */
static unsigned int flush_record(TSS2_SYS_CONTEXT *sys, const char *path,
				 const struct scan *scan)
{
	struct listed list[TPM_HELD_MAX];
	size_t count = read_held(path, list, TPM_HELD_MAX);
	unsigned int flushed = 0;

	for (size_t i = 0; i < count; i++) {
		if (list[i].pending) {
			flushed += flush_pending(sys, &list[i], scan);
			continue;
		}
		/*
		 * A session has no name to check: its handle, already flushed
		 * by the dead process, may be a live one's that is starting.
		 */
		if (listed_live(scan, &list[i]) ||
		    (list[i].session && pending_live(scan, NULL)) ||
		    (!list[i].session && !same_object(sys, &list[i])))
			continue;
		if (Tss2_Sys_FlushContext(sys, list[i].handle) ==
		    TSS2_RC_SUCCESS)
			flushed++;
	}
	return flushed;
}

/*
 * Claims a dead record by renaming it (one process wins), then flushes
 * what it lists unless it predates the TPM's last start.
 */
static void reclaim_one(TSS2_SYS_CONTEXT *sys, const char *path,
			const struct scan *scan, bool *uptime_known,
			uint64_t *uptime_ms)
{
	char *claimed = NULL;
	unsigned int flushed = 0;

	if (asprintf(&claimed, "%s.claimed.%ld", path, (long)getpid()) < 0)
		return;
	if (rename(path, claimed) != 0) {
		free(claimed);
		return; /* another process took it */
	}
	if (!*uptime_known)
		*uptime_known = tpm_uptime(sys, uptime_ms);
	if (*uptime_known && !older_than_tpm(claimed, *uptime_ms))
		flushed = flush_record(sys, claimed, scan);
	if (flushed > 0)
		log_info("flushed %u TPM handle(s) a dead process left (%s)",
			 flushed, path);
	unlink(claimed);
	free(claimed);
	/* What another process took out of the TPM for it is void too. */
	if (asprintf(&claimed, "%s.evicted", path) >= 0) {
		unlink(claimed);
		free(claimed);
	}
}

void tpm_held_open_locked(struct tpm *tpm, const char *config)
{
	char prefix[32];
	struct scan *scan;
	TSS2_SYS_CONTEXT *sys = NULL;
	bool uptime_known = false;
	uint64_t uptime_ms = 0;
	char *dir = runtime_dir();

	if (dir == NULL)
		return;
	snprintf(prefix, sizeof(prefix), "%016" PRIx64 ".", tcti_tag(config));
	if (asprintf(&tpm->srk_hint, "%s/%ssrk", dir, prefix) < 0)
		tpm->srk_hint = NULL;
	if (tpm->managed) {
		free(dir);
		return;
	}
	if (asprintf(&tpm->record, "%s/%s%ld.%llu", dir, prefix,
		     (long)getpid(), start_time_of(getpid())) < 0)
		tpm->record = NULL;
	if (tpm->record != NULL &&
	    asprintf(&tpm->evicted, "%s.evicted", tpm->record) < 0)
		tpm->evicted = NULL;
	if (tpm->record != NULL) {
		tpm->share_dir = strdup(dir);
		snprintf(tpm->share_prefix, sizeof(tpm->share_prefix), "%s",
			 prefix);
		tpm_share_open(tpm);
	}
	scan = calloc(1, sizeof(*scan));
	if (tpm->record != NULL && scan != NULL) {
		scan_records(dir, prefix, tpm->record, scan);
		sys = tpm->sys;
		if (scan->dead_count > 0)
			for (size_t i = 0; i < scan->dead_count; i++)
				reclaim_one(sys, scan->dead[i], scan,
					    &uptime_known, &uptime_ms);
	}
	for (size_t i = 0; scan != NULL && i < scan->dead_count; i++)
		free(scan->dead[i]);
	free(scan);
	free(dir);
}

/*
 * Eviction (see tpm_share.c): the handles another live process of this
 * TPM holds, saved to "<its record>.evicted" and taken out of the TPM.
 * Each entry: the handle it had (UINT32), then its TPMS_CONTEXT.
 */
static bool evict_record(struct tpm *tpm, const char *path)
{
	struct listed list[TPM_HELD_MAX];
	size_t count = read_record(path, list, TPM_HELD_MAX), len;
	uint8_t buf[sizeof(TPMS_CONTEXT) + 8];
	char *out_path = NULL;
	unsigned int freed = 0;
	FILE *f;

	if (count == 0 || asprintf(&out_path, "%s.evicted", path) < 0)
		return false;
	f = fopen(out_path, "wxe"); /* exists: evicted before, not back */
	free(out_path);
	if (f == NULL)
		return false;
	for (size_t i = 0; i < count; i++) {
		TPMS_CONTEXT ctx;

		if (list[i].pending ||
		    (!list[i].session && !same_object(tpm->sys, &list[i])))
			continue;
		if (Tss2_Sys_ContextSave(tpm->sys, list[i].handle, &ctx) !=
		    TSS2_RC_SUCCESS)
			continue;
		len = 0;
		if (Tss2_MU_UINT32_Marshal(list[i].handle, buf, sizeof(buf),
					   &len) != TSS2_RC_SUCCESS ||
		    Tss2_MU_TPMS_CONTEXT_Marshal(&ctx, buf, sizeof(buf),
						 &len) != TSS2_RC_SUCCESS ||
		    fwrite(&len, sizeof(len), 1, f) != 1 ||
		    fwrite(buf, 1, len, f) != len)
			break;
		/* A saved session frees its slot; an object needs a flush. */
		if (!list[i].session)
			Tss2_Sys_FlushContext(tpm->sys, list[i].handle);
		freed++;
	}
	fclose(f);
	if (freed > 0)
		log_debug("took %u handle(s) of another process out of the "
			  "TPM to make room (%s)", freed, path);
	return freed > 0;
}

bool tpm_evict_other_locked(struct tpm *tpm)
{
	DIR *d;
	struct dirent *e;
	bool freed = false;

	if (tpm->share_dir == NULL || (d = opendir(tpm->share_dir)) == NULL)
		return false;
	while (!freed && (e = readdir(d)) != NULL) {
		unsigned long long start;
		char *path;
		pid_t pid;

		if (!record_owner(e->d_name, tpm->share_prefix, &pid, &start) ||
		    pid == getpid() || !still_running(pid, start) ||
		    asprintf(&path, "%s/%s", tpm->share_dir, e->d_name) < 0)
			continue;
		freed = evict_record(tpm, path);
		free(path);
	}
	closedir(d);
	return freed;
}

/* Reads the evicted file of this process: original handles, contexts. */
static size_t read_evicted(const char *path, TPM2_HANDLE *orig,
			   TPMS_CONTEXT *ctx, size_t max)
{
	uint8_t buf[sizeof(TPMS_CONTEXT) + 8];
	size_t len, n = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return 0;
	while (n < max && fread(&len, sizeof(len), 1, f) == 1 &&
	       len <= sizeof(buf) && fread(buf, 1, len, f) == len) {
		size_t off = 0;

		if (Tss2_MU_UINT32_Unmarshal(buf, len, &off, &orig[n]) ==
			    TSS2_RC_SUCCESS &&
		    Tss2_MU_TPMS_CONTEXT_Unmarshal(buf, len, &off, &ctx[n]) ==
			    TSS2_RC_SUCCESS)
			n++;
	}
	fclose(f);
	return n;
}

/*
 * Where each handle taken from us lives in our own state: the SRK, a
 * key, or the session.  Found before anything is loaded back, while the
 * old values still mean something, and cleared, so that nothing uses a
 * handle value that may by now be another process's.
 */
struct taken {
	TPM2_HANDLE orig;
	TPM2_HANDLE *slot;	/* the SRK's or a key's handle; NULL: other */
	bool session;
};

static void detach(struct tpm *tpm, struct taken *t)
{
	t->slot = NULL;
	t->session = tpm->session.handle == t->orig;
	if (tpm->srk_transient && tpm->srk == t->orig)
		t->slot = &tpm->srk;
	for (struct tpm_key *k = tpm->keys; k != NULL && !t->slot; k = k->next)
		if (k->handle == t->orig)
			t->slot = &k->handle;
	if (t->slot != NULL)
		*t->slot = 0;
}

static void attach(struct tpm *tpm, const struct taken *t, TPM2_HANDLE now)
{
	if (t->slot != NULL)
		*t->slot = now;
	if (t->slot == &tpm->srk && now == 0) {
		tpm->srk_transient = false;
		tpm->srk_name_len = 0;
	}
	if (t->session && now == 0)
		secmem_wipe(&tpm->session, sizeof(tpm->session));
}

void tpm_restore_evicted_locked(struct tpm *tpm)
{
	TPM2_HANDLE orig[TPM_HELD_MAX];
	TPMS_CONTEXT ctx[TPM_HELD_MAX];
	struct taken taken[TPM_HELD_MAX];
	size_t n;

	/* Every TPM operation asks: one system call when nothing was taken. */
	if (tpm->evicted == NULL || access(tpm->evicted, F_OK) != 0)
		return;
	n = read_evicted(tpm->evicted, orig, ctx, TPM_HELD_MAX);
	unlink(tpm->evicted);
	/* The list is rebuilt from what comes back. */
	tpm->held_count = 0;
	for (size_t i = 0; i < n; i++) {
		taken[i].orig = orig[i];
		detach(tpm, &taken[i]);
	}
	for (size_t i = 0; i < n; i++) {
		TPM2_HANDLE now = 0;
		unsigned int waits = 0;
		TSS2_RC rc;

		do
			rc = Tss2_Sys_ContextLoad(tpm->sys, &ctx[i], &now);
		while (rc != TSS2_RC_SUCCESS &&
		       tpm_memory_retry_locked(tpm, rc, &waits));
		/* What cannot come back is made or loaded again later. */
		attach(tpm, &taken[i], rc == TSS2_RC_SUCCESS ? now : 0);
		if (rc == TSS2_RC_SUCCESS && taken[i].slot == NULL &&
		    !taken[i].session)
			Tss2_Sys_FlushContext(tpm->sys, now); /* no longer ours */
	}
	if (tpm->session.handle != 0)
		tpm_held_add_locked(tpm, tpm->session.handle, NULL);
	if (tpm->srk != 0 && tpm->srk_transient) {
		TPM2B_NAME name = { .size = (UINT16)tpm->srk_name_len };

		memcpy(name.name, tpm->srk_name, tpm->srk_name_len);
		tpm_held_add_locked(tpm, tpm->srk, &name);
	}
	for (struct tpm_key *k = tpm->keys; k != NULL; k = k->next)
		if (k->handle != 0)
			tpm_held_add_locked(tpm, k->handle, &k->name);
	record_write_locked(tpm);
	log_debug("loaded back %zu handle(s) another process had taken out",
		  n);
}
