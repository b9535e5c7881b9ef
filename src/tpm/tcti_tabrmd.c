/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tpm2-abrmd reached without tpm2-tss's tabrmd TCTI.  That TCTI loads
 * GLib and GIO and makes a dozen D-Bus calls before the first command:
 * about 4 ms of every cold process (an ssh connection) behind tpm2-abrmd.
 * tpm2-abrmd only needs one of them, CreateConnection, which hands back a
 * socket; TPM commands and responses then travel on it as they are.  This
 * TCTI makes that call itself (dbus_call.c) and speaks on the socket.
 * Cancel and locality, which go over D-Bus, are not offered; the module
 * uses neither.  When anything differs from what it expects, it reports
 * failure and the caller uses tpm2-tss's TCTI instead.
 */
#include "tpm/tcti_tabrmd.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/fdio.h"
#include "tpm/dbus_call.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

#define TABRMD_MAGIC 0x74706d6361726462ULL /* "tpmcardb" */
#define TABRMD_PATH "/com/intel/tss2/Tabrmd/Tcti"
#define TABRMD_IFACE "com.intel.tss2.TctiTabrmd"
#define TABRMD_NAME "com.intel.tss2.Tabrmd"
#define SYSTEM_BUS "unix:path=/var/run/dbus/system_bus_socket"
#define CONNECT_TIMEOUT_MS 5000
#define TPM_HEADER 10

struct tcti_tabrmd {
	TSS2_TCTI_CONTEXT_COMMON_V2 common;
	int fd;
	bool awaiting;		/* a command went out, its response has not */
	bool broken;		/* the stream is out of step: only errors */
	bool have_header;	/* header read ahead for a size query */
	uint8_t header[TPM_HEADER];
	uint32_t total;		/* the response's size, with have_header */
};

static struct tcti_tabrmd *self_of(TSS2_TCTI_CONTEXT *ctx)
{
	struct tcti_tabrmd *t = (struct tcti_tabrmd *)ctx;

	return t != NULL && t->common.v1.magic == TABRMD_MAGIC ? t : NULL;
}

static TSS2_RC tabrmd_transmit(TSS2_TCTI_CONTEXT *ctx, size_t size,
			       const uint8_t *command)
{
	struct tcti_tabrmd *t = self_of(ctx);

	if (t == NULL || command == NULL)
		return TSS2_TCTI_RC_BAD_REFERENCE;
	if (t->broken)
		return TSS2_TCTI_RC_IO_ERROR;
	if (t->awaiting)
		return TSS2_TCTI_RC_BAD_SEQUENCE;
	if (!fd_send_all(t->fd, command, size)) {
		t->broken = true;
		return TSS2_TCTI_RC_IO_ERROR;
	}
	t->awaiting = true;
	return TSS2_RC_SUCCESS;
}

/* Whether the response has begun to arrive within the timeout. */
static bool response_ready(int fd, int32_t timeout)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc;

	do {
		rc = poll(&p, 1, timeout == TSS2_TCTI_TIMEOUT_BLOCK ? -1 :
								       timeout);
	} while (rc < 0 && errno == EINTR);
	return rc == 1;
}

/* The response's header, read once: its size tells the rest. */
static TSS2_RC read_header(struct tcti_tabrmd *t, int32_t timeout)
{
	if (t->have_header)
		return TSS2_RC_SUCCESS;
	if (!response_ready(t->fd, timeout))
		return TSS2_TCTI_RC_TRY_AGAIN;
	/* Once it has begun, the rest follows. */
	if (!fd_read_all(t->fd, t->header, TPM_HEADER)) {
		t->broken = true;
		return TSS2_TCTI_RC_IO_ERROR;
	}
	t->total = (uint32_t)t->header[2] << 24 |
		   (uint32_t)t->header[3] << 16 |
		   (uint32_t)t->header[4] << 8 | t->header[5];
	if (t->total < TPM_HEADER) {
		/* Where the next response starts is unknown now. */
		t->broken = true;
		return TSS2_TCTI_RC_MALFORMED_RESPONSE;
	}
	t->have_header = true;
	return TSS2_RC_SUCCESS;
}

/*
 * With response NULL, only the response's size (tpm2-tss's SYS layer
 * asks that first); then the response itself.
 */
static TSS2_RC tabrmd_receive(TSS2_TCTI_CONTEXT *ctx, size_t *size,
			      uint8_t *response, int32_t timeout)
{
	struct tcti_tabrmd *t = self_of(ctx);
	TSS2_RC rc;

	if (t == NULL || size == NULL)
		return TSS2_TCTI_RC_BAD_REFERENCE;
	if (t->broken)
		return TSS2_TCTI_RC_IO_ERROR;
	if (!t->awaiting)
		return TSS2_TCTI_RC_BAD_SEQUENCE;
	rc = read_header(t, timeout);
	if (rc != TSS2_RC_SUCCESS)
		return rc;
	if (response == NULL || *size < t->total) {
		*size = t->total;
		return response == NULL ? TSS2_RC_SUCCESS :
					  TSS2_TCTI_RC_INSUFFICIENT_BUFFER;
	}
	t->awaiting = false;
	t->have_header = false;
	memcpy(response, t->header, TPM_HEADER);
	if (!fd_read_all(t->fd, response + TPM_HEADER,
			 t->total - TPM_HEADER)) {
		t->broken = true;
		return TSS2_TCTI_RC_IO_ERROR;
	}
	*size = t->total;
	return TSS2_RC_SUCCESS;
}

static void tabrmd_finalize(TSS2_TCTI_CONTEXT *ctx)
{
	struct tcti_tabrmd *t = self_of(ctx);

	if (t == NULL)
		return;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->common.v1.magic = 0;
}

static TSS2_RC tabrmd_cancel(TSS2_TCTI_CONTEXT *ctx)
{
	(void)ctx;
	return TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

static TSS2_RC tabrmd_poll_handles(TSS2_TCTI_CONTEXT *ctx,
				   TSS2_TCTI_POLL_HANDLE *handles,
				   size_t *count)
{
	struct tcti_tabrmd *t = self_of(ctx);

	if (t == NULL || count == NULL)
		return TSS2_TCTI_RC_BAD_REFERENCE;
	if (handles != NULL) {
		if (*count < 1)
			return TSS2_TCTI_RC_INSUFFICIENT_BUFFER;
		handles[0].fd = t->fd;
		handles[0].events = POLLIN;
	}
	*count = 1;
	return TSS2_RC_SUCCESS;
}

static TSS2_RC tabrmd_locality(TSS2_TCTI_CONTEXT *ctx, uint8_t locality)
{
	(void)ctx;
	(void)locality;
	return TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

static TSS2_RC tabrmd_sticky(TSS2_TCTI_CONTEXT *ctx, TPM2_HANDLE *handle,
			     uint8_t sticky)
{
	(void)ctx;
	(void)handle;
	(void)sticky;
	return TSS2_TCTI_RC_NOT_IMPLEMENTED;
}

/* The tabrmd TCTI's options: "bus_name=NAME,bus_type=session|system". */
static bool parse_conf(const char *conf, char *name, size_t name_max,
		       bool *session)
{
	char *copy = strdup(conf ? conf : ""), *opt, *save = NULL;
	bool ok = copy != NULL;

	snprintf(name, name_max, "%s", TABRMD_NAME);
	*session = false;
	for (opt = ok ? strtok_r(copy, ",", &save) : NULL; opt != NULL && ok;
	     opt = strtok_r(NULL, ",", &save)) {
		if (strncmp(opt, "bus_name=", 9) == 0)
			ok = (size_t)snprintf(name, name_max, "%s", opt + 9) <
			     name_max;
		else if (strcmp(opt, "bus_type=session") == 0)
			*session = true;
		else if (strcmp(opt, "bus_type=system") == 0)
			*session = false;
		else
			ok = false; /* an option we do not know */
	}
	free(copy);
	return ok;
}

static const char *bus_address(bool session)
{
	const char *env = getenv(session ? "DBUS_SESSION_BUS_ADDRESS" :
					   "DBUS_SYSTEM_BUS_ADDRESS");

	return env != NULL ? env : session ? NULL : SYSTEM_BUS;
}

TSS2_TCTI_CONTEXT *tcti_tabrmd_open(const char *conf)
{
	struct dbus_reply reply;
	struct tcti_tabrmd *t;
	char name[256];
	bool session;
	const char *address;

	if (!parse_conf(conf, name, sizeof(name), &session))
		return NULL;
	address = bus_address(session);
	if (address == NULL ||
	    !dbus_call_for_fd(address, name, TABRMD_PATH, TABRMD_IFACE,
			      "CreateConnection", CONNECT_TIMEOUT_MS, &reply))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		close(reply.fd);
		return NULL;
	}
	t->common.v1.magic = TABRMD_MAGIC;
	t->common.v1.version = 2;
	t->common.v1.transmit = tabrmd_transmit;
	t->common.v1.receive = tabrmd_receive;
	t->common.v1.finalize = tabrmd_finalize;
	t->common.v1.cancel = tabrmd_cancel;
	t->common.v1.getPollHandles = tabrmd_poll_handles;
	t->common.v1.setLocality = tabrmd_locality;
	t->common.makeSticky = tabrmd_sticky;
	t->fd = reply.fd;
	log_debug("tpm2-abrmd '%s' reached over D-Bus by the module itself",
		  name);
	return (TSS2_TCTI_CONTEXT *)t;
}

void tcti_tabrmd_close(TSS2_TCTI_CONTEXT *ctx)
{
	if (ctx == NULL)
		return;
	tabrmd_finalize(ctx);
	free(ctx);
}
