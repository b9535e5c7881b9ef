/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/fdio.h"

#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

static bool transfer(int fd, uint8_t *p, size_t len, bool out)
{
	while (len > 0) {
		ssize_t n = out ? send(fd, p, len, MSG_NOSIGNAL) :
				  read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool fd_send_all(int fd, const void *data, size_t len)
{
	return transfer(fd, (uint8_t *)data, len, true);
}

bool fd_read_all(int fd, void *data, size_t len)
{
	return transfer(fd, data, len, false);
}
