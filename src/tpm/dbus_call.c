/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * As much of the D-Bus wire protocol as asking tpm2-abrmd for a
 * connection takes: connect to a bus, authenticate (EXTERNAL, with file
 * descriptor passing), Hello, one method call with no arguments, and its
 * reply, with the descriptors it carries.  Everything is sent at once and
 * then read back, one round trip, where tpm2-tss's GLib-based TCTI spends
 * a dozen calls and about 4 ms.  Little-endian messages only; anything
 * else is a failure, and the caller falls back to tpm2-tss's TCTI.
 */
#include "tpm/dbus_call.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/fdio.h"

#define MSG_METHOD_CALL 1
#define MSG_METHOD_RETURN 2
#define MSG_ERROR 3
#define FIELD_PATH 1
#define FIELD_INTERFACE 2
#define FIELD_MEMBER 3
#define FIELD_REPLY_SERIAL 5
#define FIELD_DESTINATION 6
#define FIELD_UNIX_FDS 9
#define MESSAGE_MAX (64 * 1024)
#define FDS_MAX 4

/* A growing message. */
struct out {
	uint8_t buf[1024];
	size_t len;
	bool overflow;
};

static void put(struct out *o, const void *data, size_t len)
{
	if (o->len + len > sizeof(o->buf)) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, data, len);
	o->len += len;
}

static void pad(struct out *o, size_t align)
{
	static const uint8_t zeros[8];

	put(o, zeros, (align - o->len % align) % align);
}

static void put_u32(struct out *o, uint32_t v)
{
	pad(o, 4);
	put(o, &v, 4); /* little-endian messages, on a little-endian host */
}

/* A header field (code, variant of one string-like type). */
static void put_field(struct out *o, uint8_t code, char type,
		      const char *value)
{
	uint8_t sig[3] = { 1, (uint8_t)type, 0 };

	pad(o, 8);
	put(o, &code, 1);
	put(o, sig, 3);
	put_u32(o, (uint32_t)strlen(value));
	put(o, value, strlen(value) + 1);
}

/*
 * A method call with no arguments, appended to what o holds (whole
 * messages, so that o's offsets are the message's alignment too); false
 * when it does not fit.
 */
static bool put_call(struct out *o, uint32_t serial, const char *dest,
		     const char *path, const char *iface, const char *member)
{
	size_t start = o->len, fields_at;
	uint32_t fields_len;
	uint8_t head[4] = { 'l', MSG_METHOD_CALL, 0, 1 };

	put(o, head, 4);
	put_u32(o, 0); /* body length */
	put_u32(o, serial);
	put_u32(o, 0); /* header fields' length, set below */
	fields_at = o->len;
	put_field(o, FIELD_PATH, 'o', path);
	put_field(o, FIELD_INTERFACE, 's', iface);
	put_field(o, FIELD_MEMBER, 's', member);
	put_field(o, FIELD_DESTINATION, 's', dest);
	fields_len = (uint32_t)(o->len - fields_at);
	if (!o->overflow)
		memcpy(o->buf + start + 12, &fields_len, 4);
	pad(o, 8);
	return !o->overflow;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * "%xx" escapes of a D-Bus address value, in place; false for a '%' not
 * followed by two hex digits (the address is malformed).
 */
static bool unescape(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		int hi, lo;

		if (*s != '%') {
			*w++ = *s;
			continue;
		}
		hi = hex_digit(s[1]);
		lo = hi < 0 ? -1 : hex_digit(s[2]);
		if (lo < 0)
			return false;
		*w++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*w = '\0';
	return true;
}

/* Connects to one "unix:path=..." or "unix:abstract=..." address. */
static int connect_one(char *entry)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *key, *save = NULL, *path = NULL;
	bool abstract = false;
	socklen_t len;
	size_t n;
	int fd;

	if (strncmp(entry, "unix:", 5) != 0)
		return -1;
	for (key = strtok_r(entry + 5, ",", &save); key != NULL;
	     key = strtok_r(NULL, ",", &save)) {
		if (strncmp(key, "path=", 5) == 0) {
			path = key + 5;
		} else if (strncmp(key, "abstract=", 9) == 0) {
			path = key + 9;
			abstract = true;
		}
	}
	if (path == NULL || !unescape(path))
		return -1;
	n = strlen(path);
	if (n + 1 > sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path + (abstract ? 1 : 0), path, n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			  (abstract ? 1 : 0));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int dbus_connect(const char *address)
{
	char *copy = address ? strdup(address) : NULL, *entry, *save = NULL;
	int fd = -1;

	for (entry = copy ? strtok_r(copy, ";", &save) : NULL;
	     entry != NULL && fd < 0; entry = strtok_r(NULL, ";", &save))
		fd = connect_one(entry);
	free(copy);
	return fd;
}

/* What has arrived so far, and the descriptors that came with it. */
struct in {
	int fd;
	int deadline_ms;
	uint8_t buf[MESSAGE_MAX];
	size_t len, used;
	int fds[FDS_MAX];
	size_t fd_count;
};

static void keep_fds(struct in *in, struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL;
	     c = CMSG_NXTHDR(msg, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (in->fd_count < FDS_MAX)
				in->fds[in->fd_count++] = fd;
			else
				close(fd);
		}
	}
}

/* Reads more, waiting at most until the deadline; false at its end. */
static bool read_more(struct in *in)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(FDS_MAX * sizeof(int))];
	} control;
	struct iovec iov = { in->buf + in->len, sizeof(in->buf) - in->len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct pollfd p = { .fd = in->fd, .events = POLLIN };
	ssize_t n;

	if (iov.iov_len == 0 || poll(&p, 1, in->deadline_ms) != 1)
		return false;
	n = recvmsg(in->fd, &msg, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return false;
	keep_fds(in, &msg);
	in->len += (size_t)n;
	return true;
}

/* The next "\r\n"-ended line of the authentication, without it. */
static bool read_line(struct in *in, char *line, size_t max)
{
	for (;;) {
		uint8_t *end = memmem(in->buf + in->used, in->len - in->used,
				      "\r\n", 2);

		if (end != NULL) {
			size_t n = (size_t)(end - (in->buf + in->used));

			if (n + 1 > max)
				return false;
			memcpy(line, in->buf + in->used, n);
			line[n] = '\0';
			in->used += n + 2;
			return true;
		}
		if (!read_more(in))
			return false;
	}
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

/* What the header fields say that matters here. */
struct fields {
	uint32_t reply_serial;	/* 0: none */
	uint32_t unix_fds;	/* descriptors the message carries */
};

/*
 * The size of a field's value of this type at v (aligned already for
 * 'u', 's' and 'o'); 0 when it runs past len or the type is not one a
 * header field of the bus has.
 */
static size_t value_size(const uint8_t *f, size_t len, size_t v, char type)
{
	size_t room = v <= len ? len - v : 0;

	switch (type) {
	case 'u':
		return room >= 4 ? 4 : 0;
	case 's':
	case 'o':
		/* length, bytes, NUL */
		if (room < 4 || u32_at(f + v) >= room - 4)
			return 0;
		return 4 + (size_t)u32_at(f + v) + 1;
	case 'g':
		if (room < 1 || (size_t)f[v] + 2 > room)
			return 0;
		return (size_t)f[v] + 2;
	default:
		return 0;
	}
}

/* The header fields (8-aligned structs of a code and a variant). */
static bool parse_fields(const uint8_t *f, size_t len, struct fields *out)
{
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	while (off < len) {
		uint8_t code;
		char type;
		size_t v, n;

		if (off + 4 > len || f[off + 1] != 1 || f[off + 3] != 0)
			return false;
		code = f[off];
		type = (char)f[off + 2];
		v = off + 4;
		if (type != 'g')
			v = align_up(v, 4);
		n = value_size(f, len, v, type);
		if (n == 0)
			return false;
		if (type == 'u' && code == FIELD_REPLY_SERIAL)
			out->reply_serial = u32_at(f + v);
		if (type == 'u' && code == FIELD_UNIX_FDS)
			out->unix_fds = u32_at(f + v);
		off = align_up(v + n, 8);
	}
	return true;
}

/* One whole message: its type, header fields that matter, and body. */
struct message {
	uint8_t type;
	struct fields fields;
	const uint8_t *body;
	size_t body_len;
};

static bool read_message(struct in *in, struct message *m)
{
	size_t fields_len, head_len, total;
	const uint8_t *p;

	while (in->len - in->used < 16)
		if (!read_more(in))
			return false;
	p = in->buf + in->used;
	if (p[0] != 'l' || p[3] != 1)
		return false;
	fields_len = u32_at(p + 12);
	head_len = align_up(16 + fields_len, 8);
	if (fields_len > MESSAGE_MAX || u32_at(p + 4) > MESSAGE_MAX)
		return false;
	total = head_len + u32_at(p + 4);
	if (total > sizeof(in->buf) - in->used)
		return false;
	while (in->len - in->used < total) {
		if (!read_more(in))
			return false;
		p = in->buf + in->used;
	}
	m->type = p[1];
	if (!parse_fields(p + 16, fields_len, &m->fields))
		return false;
	m->body = p + head_len;
	m->body_len = total - head_len;
	in->used += total;
	return true;
}

/*
 * The EXTERNAL authentication, descriptor passing and BEGIN, pipelined
 * (as sd-bus does): the credentials byte, then text lines.
 */
static bool send_auth(int fd)
{
	char uid[16], hex[33] = "", text[128];
	int n;

	snprintf(uid, sizeof(uid), "%lu", (unsigned long)getuid());
	for (size_t i = 0; uid[i] != '\0'; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)uid[i]);
	n = snprintf(text, sizeof(text),
		     "%cAUTH EXTERNAL %s\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n",
		     '\0', hex);
	return n > 0 && (size_t)n < sizeof(text) &&
	       fd_send_all(fd, text, (size_t)n);
}

static bool auth_answered(struct in *in)
{
	char line[256];

	return read_line(in, line, sizeof(line)) &&
	       strncmp(line, "OK ", 3) == 0 &&
	       read_line(in, line, sizeof(line)) &&
	       strcmp(line, "AGREE_UNIX_FD") == 0;
}

static void close_fds(struct in *in)
{
	for (size_t i = 0; i < in->fd_count; i++)
		close(in->fds[i]);
	in->fd_count = 0;
}

/*
 * Takes the first n descriptors received, which belong to the message
 * just read (a message's descriptors arrive with its first byte, so in
 * the order of the messages); false when fewer have come.
 */
static bool take_fds(struct in *in, size_t n, int *first)
{
	if (n > in->fd_count)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 && first != NULL)
			*first = in->fds[0];
		else
			close(in->fds[i]);
	}
	memmove(in->fds, in->fds + n, (in->fd_count - n) * sizeof(int));
	in->fd_count -= n;
	return true;
}

/* The reply to serial 2: its body and the one descriptor it carries. */
static bool take_reply(struct in *in, struct dbus_reply *reply)
{
	struct message m;

	for (;;) {
		if (!read_message(in, &m))
			return false;
		if (m.fields.reply_serial != 2) {
			/* Hello's reply, NameAcquired, ... */
			if (!take_fds(in, m.fields.unix_fds, NULL))
				return false;
			continue;
		}
		if (m.type != MSG_METHOD_RETURN || m.fields.unix_fds != 1 ||
		    m.body_len > sizeof(reply->body) ||
		    !take_fds(in, 1, &reply->fd))
			return false;
		memcpy(reply->body, m.body, m.body_len);
		reply->body_len = m.body_len;
		return true;
	}
}

bool dbus_call_for_fd(const char *address, const char *dest,
		      const char *path, const char *iface, const char *member,
		      int timeout_ms, struct dbus_reply *reply)
{
	struct out o = { .len = 0 };
	struct in *in = calloc(1, sizeof(*in));
	bool ok;

	reply->fd = -1;
	reply->body_len = 0;
	if (in == NULL)
		return false;
	in->fd = dbus_connect(address);
	in->deadline_ms = timeout_ms;
	ok = in->fd >= 0 &&
	     put_call(&o, 1, "org.freedesktop.DBus", "/org/freedesktop/DBus",
		      "org.freedesktop.DBus", "Hello") &&
	     put_call(&o, 2, dest, path, iface, member) &&
	     send_auth(in->fd) && fd_send_all(in->fd, o.buf, o.len) &&
	     auth_answered(in) && take_reply(in, reply);
	close_fds(in);
	if (in->fd >= 0)
		close(in->fd);
	free(in);
	return ok;
}
