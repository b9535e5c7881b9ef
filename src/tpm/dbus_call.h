/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TPM_DBUS_CALL_H
#define TPMCARD_TPM_DBUS_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A method's reply: its body (little-endian) and one descriptor. */
struct dbus_reply {
	uint8_t body[256];
	size_t body_len;
	int fd;			/* the caller's to close; -1 when none */
};

/* A socket connected to the first reachable unix: address; -1: none. */
int dbus_connect(const char *address);

/*
 * Calls a method that takes no arguments and answers with exactly one
 * file descriptor (tpm2-abrmd's CreateConnection), on the bus at address,
 * waiting at most timeout_ms for each read.  False on any failure.
 */
bool dbus_call_for_fd(const char *address, const char *dest,
		      const char *path, const char *iface, const char *member,
		      int timeout_ms, struct dbus_reply *reply);

#endif /* TPMCARD_TPM_DBUS_CALL_H */
