/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_FDIO_H
#define TPMCARD_COMMON_FDIO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whole transfers on a socket, through EINTR and short counts; false on
 * an error or end of file.  Sending never raises SIGPIPE (MSG_NOSIGNAL):
 * the module lives in someone else's process.
 */
bool fd_send_all(int fd, const void *data, size_t len);
bool fd_read_all(int fd, void *data, size_t len);

#endif /* TPMCARD_COMMON_FDIO_H */
