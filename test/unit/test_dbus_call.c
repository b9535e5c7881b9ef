/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dbus_call.c and tcti_tabrmd.c against a fake bus: a listening AF_UNIX
 * socket served by a thread that checks what the client sends (the
 * credentials byte, EXTERNAL with the uid in hex, NEGOTIATE_UNIX_FD,
 * BEGIN, then Hello and the call as little-endian messages) and answers
 * as the case asks: after a signal and Hello's reply, a reply carrying one
 * descriptor, an error, no or two descriptors, a rejection, silence or a
 * malformed message.  Also dbus_connect()'s addresses, and the TCTI's
 * commands and responses over the descriptor handed out.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tpm/dbus_call.h"
#include "tpm/tcti_tabrmd.h"

#define BUS "org.freedesktop.DBus"
#define BUS_PATH "/org/freedesktop/DBus"
#define FIELD_PATH 1
#define FIELD_INTERFACE 2
#define FIELD_MEMBER 3
#define FIELD_ERROR_NAME 4
#define FIELD_REPLY_SERIAL 5
#define FIELD_DESTINATION 6
#define FIELD_SIGNATURE 8
#define FIELD_UNIX_FDS 9
#define FIELDS 10
#define CONNECTION_ID 0x1122334455667788ULL

enum answer {
	ANSWER_FD,		/* the call's reply, with one descriptor */
	ANSWER_ERROR,		/* an ERROR reply (carrying a descriptor) */
	ANSWER_NO_FD,		/* a METHOD_RETURN without descriptors */
	ANSWER_TWO_FDS,
	ANSWER_REJECT,		/* REJECTED, then what a lax client takes */
	ANSWER_HUGE_BODY,	/* the reply claims a 4 GiB body */
	ANSWER_STRING_PAST_END,	/* a header field's string overruns them */
	ANSWER_BIG_ENDIAN,	/* the reply marked 'B', the rest little */
	ANSWER_LENGTH_AT_END,	/* the fields end in a string's length */
	ANSWER_FD_ON_SIGNAL,	/* the signal carries the descriptor */
	ANSWER_SIGNAL_FD_TOO,	/* the signal carries one, the reply too */
	ANSWER_SILENCE,
};

/* The call the client is to make. */
struct names {
	const char *dest, *path, *iface, *member;
};

static const struct names plain = { "org.example.Dest", "/org/example/Obj",
				    "org.example.Iface", "GetFd" };
static const struct names tabrmd = { "org.example.Test",
				     "/com/intel/tss2/Tabrmd/Tcti",
				     "com.intel.tss2.TctiTabrmd",
				     "CreateConnection" };

/* The fake bus: what it expects, and (after server_stop) what it saw. */
struct server {
	char dir[32], sock[64], address[96];
	const struct names *want;
	enum answer answer;
	int listen_fd, stop[2];
	int peer;		/* our end of the descriptor handed out */
	pthread_t thread;
	bool accepted, client_ok;
	char why[32];		/* what of the client's was wrong */
};

/* What the client has sent so far. */
struct conn {
	int fd;
	uint8_t buf[4096];
	size_t len, used;
};

/* A message of ours. */
struct msg {
	uint8_t b[512];
	size_t len, body_at;
};

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static bool wrong(struct server *s, const char *why)
{
	snprintf(s->why, sizeof(s->why), "%s", why);
	return false;
}

static bool need(struct conn *c, size_t n)
{
	while (c->len - c->used < n) {
		ssize_t got = read(c->fd, c->buf + c->len,
				   sizeof(c->buf) - c->len);

		if (got <= 0)
			return false;
		c->len += (size_t)got;
	}
	return true;
}

/* The NUL byte, then EXTERNAL with the uid's digits in hex, pipelined. */
static bool check_auth(struct server *s, struct conn *c)
{
	char want[96] = { '\0' }, uid[16];
	size_t n = 1 + (size_t)snprintf(want + 1, sizeof(want) - 1,
					"AUTH EXTERNAL ");

	snprintf(uid, sizeof(uid), "%u", (unsigned int)getuid());
	for (const char *d = uid; *d != '\0'; d++)
		n += (size_t)snprintf(want + n, 3, "%02x", (unsigned int)*d);
	n += (size_t)snprintf(want + n, sizeof(want) - n,
			      "\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n");
	if (!need(c, n) || memcmp(c->buf, want, n) != 0)
		return wrong(s, "authentication");
	c->used = n;
	return true;
}

/* Header fields, 8-aligned, NUL-ended strings: field[code] points at each. */
static bool parse_fields(const uint8_t *f, size_t len, const char **field)
{
	for (size_t off = 0; off < len; off = align8(off)) {
		uint8_t code = f[off];
		uint32_t n;

		if (off + 8 > len || code >= FIELDS || f[off + 1] != 1 ||
		    f[off + 2] != (code == FIELD_PATH ? 'o' : 's') ||
		    f[off + 3] != '\0')
			return false;
		memcpy(&n, f + off + 4, 4);
		if (off + 9 + n > len || f[off + 8 + n] != '\0')
			return false;
		field[code] = (const char *)f + off + 8;
		off += 9 + n;
	}
	return true;
}

static bool is(const char *value, const char *want)
{
	return value != NULL && strcmp(value, want) == 0;
}

/* A method call: 'l', version 1, no body, header zero-padded to 8. */
static bool read_call(struct conn *c, uint32_t serial, const struct names *n)
{
	const char *field[FIELDS] = { NULL };
	uint32_t fields_len, body_len, got_serial;
	const uint8_t *p;
	size_t total;

	if (!need(c, 16))
		return false;
	p = c->buf + c->used;
	memcpy(&body_len, p + 4, 4);
	memcpy(&got_serial, p + 8, 4);
	memcpy(&fields_len, p + 12, 4);
	if (p[0] != 'l' || p[1] != 1 || p[3] != 1 || body_len != 0 ||
	    got_serial != serial || fields_len > 1024)
		return false;
	total = align8(16 + fields_len);
	if (!need(c, total))
		return false;
	c->used += total;
	for (size_t i = 16 + fields_len; i < total; i++)
		if (p[i] != 0)
			return false;
	return parse_fields(p + 16, fields_len, field) &&
	       is(field[FIELD_PATH], n->path) &&
	       is(field[FIELD_INTERFACE], n->iface) &&
	       is(field[FIELD_MEMBER], n->member) &&
	       is(field[FIELD_DESTINATION], n->dest);
}

static bool check_calls(struct server *s, struct conn *c)
{
	static const struct names hello = { BUS, BUS_PATH, BUS, "Hello" };

	if (!read_call(c, 1, &hello))
		return wrong(s, "Hello (serial 1)");
	if (!read_call(c, 2, s->want))
		return wrong(s, "the call (serial 2)");
	return true;
}

static void put(struct msg *m, const void *data, size_t len)
{
	if (m->len + len > sizeof(m->b))
		abort(); /* the fake's own messages are small */
	memcpy(m->b + m->len, data, len);
	m->len += len;
}

static void pad(struct msg *m, size_t align)
{
	static const uint8_t zeros[8];

	put(m, zeros, (align - m->len % align) % align);
}

static void put_u32(struct msg *m, uint32_t v)
{
	pad(m, 4);
	put(m, &v, 4);
}

static void put_string(struct msg *m, const char *v)
{
	put_u32(m, (uint32_t)strlen(v));
	put(m, v, strlen(v) + 1);
}

/* A header field: code, then a variant of type (u, s, o or g). */
static void field(struct msg *m, uint8_t code, char type, const char *v,
		  uint32_t u)
{
	uint8_t head[4] = { code, 1, (uint8_t)type, 0 }, n;

	pad(m, 8);
	put(m, head, 4);
	if (type == 'u') {
		put_u32(m, u);
	} else if (type == 'g') {
		n = (uint8_t)strlen(v);
		put(m, &n, 1);
		put(m, v, n + 1U);
	} else {
		put_string(m, v);
	}
}

static void begin(struct msg *m, uint8_t type, uint32_t serial)
{
	uint8_t head[4] = { 'l', type, 0, 1 };

	m->len = 0;
	put(m, head, 4);
	put_u32(m, 0); /* the body's length, set by end() */
	put_u32(m, serial);
	put_u32(m, 0); /* the header fields' length, set by body() */
}

static void body(struct msg *m)
{
	uint32_t n = (uint32_t)(m->len - 16);

	memcpy(m->b + 12, &n, 4);
	pad(m, 8);
	m->body_at = m->len;
}

static void end(struct msg *m)
{
	uint32_t n = (uint32_t)(m->len - m->body_at);

	memcpy(m->b + 4, &n, 4);
}

/* The NameAcquired signal (no REPLY_SERIAL), or Hello's reply. */
static void bus_message(struct msg *m, bool signal)
{
	begin(m, signal ? 4 : 2, signal ? 1 : 2);
	if (signal) {
		field(m, FIELD_PATH, 'o', BUS_PATH, 0);
		field(m, FIELD_INTERFACE, 's', BUS, 0);
		field(m, FIELD_MEMBER, 's', "NameAcquired", 0);
	} else {
		field(m, FIELD_REPLY_SERIAL, 'u', NULL, 1);
	}
	field(m, FIELD_DESTINATION, 's', ":1.42", 0);
	field(m, FIELD_SIGNATURE, 'g', "s", 0);
	body(m);
	put_string(m, ":1.42");
	end(m);
}

/*
 * The reply to serial 2 that the case calls for, and how many descriptors
 * go with it; CreateConnection's body is (ah, t).
 */
static int final_reply(struct msg *m, enum answer a)
{
	int fds = a == ANSWER_NO_FD || a == ANSWER_FD_ON_SIGNAL ? 0 :
		  a == ANSWER_TWO_FDS ? 2 : 1;
	uint64_t id = CONNECTION_ID;
	uint32_t too_long = 200;

	begin(m, a == ANSWER_ERROR ? 3 : 2, 3);
	field(m, FIELD_REPLY_SERIAL, 'u', NULL, 2);
	if (fds > 0)
		field(m, FIELD_UNIX_FDS, 'u', NULL, (uint32_t)fds);
	if (a == ANSWER_ERROR)
		field(m, FIELD_ERROR_NAME, 's', BUS ".Error.Failed", 0);
	field(m, FIELD_DESTINATION, 's', ":1.42", 0);
	/* The string then claims 200 bytes, far past the fields' end. */
	if (a == ANSWER_STRING_PAST_END)
		memcpy(m->b + m->len - 10, &too_long, 4);
	field(m, FIELD_SIGNATURE, 'g', a == ANSWER_ERROR ? "s" : "aht", 0);
	if (a == ANSWER_LENGTH_AT_END) {
		/* A last field whose string is only its length, 200. */
		uint8_t head[4] = { FIELD_DESTINATION, 1, 's', 0 };

		pad(m, 8);
		put(m, head, 4);
		put_u32(m, too_long);
	}
	body(m);
	if (a == ANSWER_ERROR) {
		put_string(m, "refused");
	} else {
		put_u32(m, 4 * (uint32_t)fds);
		for (int i = 0; i < fds; i++)
			put_u32(m, (uint32_t)i);
		pad(m, 8);
		put(m, &id, 8);
	}
	end(m);
	if (a == ANSWER_HUGE_BODY)
		memset(m->b + 4, 0xff, 4);
	if (a == ANSWER_BIG_ENDIAN)
		m->b[0] = 'B';
	return fds;
}

/* Sends data, with fds (0 to 2) copies of passed. */
static void send_with(int fd, const void *data, size_t len, int passed,
		      int fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} control = { 0 };
	struct iovec iov = { (void *)data, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int copies[2] = { passed, passed };
	struct cmsghdr *c;

	if (fds > 0) {
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE((size_t)fds * sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)fds * sizeof(int));
		memcpy(CMSG_DATA(c), copies, (size_t)fds * sizeof(int));
	}
	/* The client may have hung up already (after REJECTED). */
	(void)sendmsg(fd, &msg, MSG_NOSIGNAL);
}

/*
 * The signal, saying it carries one descriptor (UNIX_FDS 1), with a
 * descriptor that is not the one handed out: a fresh pipe's end.
 */
static void signal_with_fd(int fd)
{
	struct msg sig;
	int other[2];

	begin(&sig, 4, 1);
	field(&sig, FIELD_PATH, 'o', BUS_PATH, 0);
	field(&sig, FIELD_INTERFACE, 's', BUS, 0);
	field(&sig, FIELD_MEMBER, 's', "NameAcquired", 0);
	field(&sig, FIELD_UNIX_FDS, 'u', NULL, 1);
	field(&sig, FIELD_SIGNATURE, 'g', "s", 0);
	body(&sig);
	put_string(&sig, ":1.42");
	end(&sig);
	if (pipe(other) != 0)
		abort();
	send_with(fd, sig.b, sig.len, other[0], 1);
	close(other[0]);
	close(other[1]);
}

static void answer(struct server *s, int fd)
{
	static const char rejected[] = "REJECTED EXTERNAL\r\n";
	static const char ok[] = "OK 0123456789abcdef0123456789abcdef\r\n"
				 "AGREE_UNIX_FD\r\n";
	struct msg m;
	int pair[2], fds;

	if (s->answer == ANSWER_SILENCE)
		return;
	if (s->answer == ANSWER_REJECT)
		send_with(fd, rejected, strlen(rejected), -1, 0);
	send_with(fd, ok, strlen(ok), -1, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
		wrong(s, "socketpair");
		return;
	}
	s->peer = pair[0];
	bus_message(&m, true);
	if (s->answer == ANSWER_FD_ON_SIGNAL ||
	    s->answer == ANSWER_SIGNAL_FD_TOO)
		signal_with_fd(fd);
	else
		send_with(fd, m.b, m.len, -1, 0);
	bus_message(&m, false);
	send_with(fd, m.b, m.len, -1, 0);
	fds = final_reply(&m, s->answer);
	send_with(fd, m.b, m.len, pair[1], fds);
	close(pair[1]);
}

static void *serve(void *arg)
{
	struct server *s = arg;
	struct pollfd p[2] = { { .fd = s->listen_fd, .events = POLLIN },
			       { .fd = s->stop[0], .events = POLLIN } };
	struct conn c = { .fd = -1 };

	if (poll(p, 2, 10000) < 1 || !(p[0].revents & POLLIN))
		return NULL;
	c.fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (c.fd < 0)
		return NULL;
	s->accepted = true;
	if (check_auth(s, &c) && check_calls(s, &c)) {
		s->client_ok = true;
		answer(s, c.fd);
	}
	while (read(c.fd, c.buf, sizeof(c.buf)) > 0)
		continue; /* until the client hangs up */
	close(c.fd);
	return NULL;
}

/* A listening socket at a path, or an abstract name; -1 on failure. */
static int listen_at(const char *name, bool abstract)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name), skip = abstract ? 1 : 0;
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				    skip + n);
	int fd;

	if (n + 1 > sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path + skip, name, n);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && (bind(fd, (struct sockaddr *)&sa, len) != 0 ||
			listen(fd, 4) != 0)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A listener at a fresh dir/b-us. */
static int listen_in(char *dir, char *sock, size_t max)
{
	strcpy(dir, "/tmp/tpmcard-dbus-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sock, max, "%s/b-us", dir);
	return listen_at(sock, false);
}

static void server_start(struct server *s, enum answer a,
			 const struct names *want)
{
	memset(s, 0, sizeof(*s));
	s->answer = a;
	s->want = want;
	s->peer = -1;
	s->listen_fd = listen_in(s->dir, s->sock, sizeof(s->sock));
	assert_true(s->listen_fd >= 0);
	snprintf(s->address, sizeof(s->address), "unix:path=%s", s->sock);
	assert_int_equal(pipe2(s->stop, O_CLOEXEC), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

/* Once the client has hung up (or never came). */
static void server_stop(struct server *s)
{
	assert_int_equal(write(s->stop[1], "x", 1), 1);
	assert_int_equal(pthread_join(s->thread, NULL), 0);
	close(s->stop[0]);
	close(s->stop[1]);
	close(s->listen_fd);
	unlink(s->sock);
	rmdir(s->dir);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* Whether every copy of the descriptor handed out has been closed. */
static bool peer_closed(int peer)
{
	struct pollfd p = { .fd = peer, .events = POLLIN };
	char byte;

	return poll(&p, 1, 0) == 1 && read(peer, &byte, 1) == 0;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* The plain call against the fake bus; the bus checked what it got. */
static bool call(enum answer a, int timeout_ms, struct dbus_reply *r,
		 struct server *s)
{
	bool ok;

	server_start(s, a, &plain);
	ok = dbus_call_for_fd(s->address, plain.dest, plain.path, plain.iface,
			      plain.member, timeout_ms, r);
	server_stop(s);
	assert_string_equal(s->why, "");
	assert_true(s->client_ok);
	return ok;
}

static void test_reply_with_descriptor(void **state)
{
	uint32_t words[2] = { 4, 0 }; /* the array's length, handle 0 */
	uint64_t id = CONNECTION_ID;
	uint8_t want[16], byte = 0;
	struct dbus_reply reply;
	struct server s;
	int before = count_fds();

	(void)state;
	memcpy(want, words, 8);
	memcpy(want + 8, &id, 8);
	assert_true(call(ANSWER_FD, 2000, &reply, &s));
	assert_int_equal(reply.body_len, sizeof(want));
	assert_memory_equal(reply.body, want, sizeof(want));
	assert_true(reply.fd >= 0);
	assert_true(fcntl(reply.fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(reply.fd, "z", 1), 1);
	assert_int_equal(read(s.peer, &byte, 1), 1);
	assert_int_equal(byte, 'z');
	close(reply.fd);
	assert_true(peer_closed(s.peer));
	close(s.peer);
	assert_int_equal(count_fds(), before);
}

/*
 * *state: an answer refused on what the bus sent, well before the 2 s
 * timeout, with every descriptor that came closed again.
 */
static void test_refusal(void **state)
{
	struct dbus_reply reply;
	struct server s;
	int before = count_fds();
	long start = now_ms();

	assert_false(call(*(enum answer *)*state, 2000, &reply, &s));
	assert_true(now_ms() - start < 1500);
	assert_int_equal(reply.fd, -1);
	assert_true(s.peer >= 0);
	assert_true(peer_closed(s.peer));
	close(s.peer);
	assert_int_equal(count_fds(), before);
}

static void test_silent_bus(void **state)
{
	struct dbus_reply reply;
	struct server s;
	long start = now_ms(), elapsed;

	(void)state;
	assert_false(call(ANSWER_SILENCE, 200, &reply, &s));
	elapsed = now_ms() - start;
	assert_int_equal(reply.fd, -1);
	assert_true(elapsed >= 150);
	assert_true(elapsed < 2000);
}

/* Whether fd (then closed) reached listen_fd's socket. */
static bool reached(int listen_fd, int fd)
{
	struct pollfd p = { .fd = listen_fd, .events = POLLIN };
	char byte = 0;
	int conn;
	bool ok;

	if (fd < 0)
		return false;
	conn = poll(&p, 1, 0) == 1 ? accept(listen_fd, NULL, NULL) : -1;
	ok = conn >= 0 && write(fd, "q", 1) == 1 &&
	     read(conn, &byte, 1) == 1 && byte == 'q';
	if (conn >= 0)
		close(conn);
	close(fd);
	return ok;
}

/* s after out's text, its "/" (in capitals), "-" and "b" %xx-escaped. */
static void escape(char *out, size_t max, const char *s)
{
	size_t n = strlen(out);

	for (; *s != '\0' && n + 4 < max; s++)
		if (*s == '/' || *s == '-' || *s == 'b')
			n += (size_t)snprintf(out + n, max - n,
					      *s == '/' ? "%%%02X" : "%%%02x",
					      (unsigned int)*s);
		else
			out[n++] = *s;
	out[n] = '\0';
}

static void test_connect_paths(void **state)
{
	char dir[32], sock[64], address[256] = "unix:path=";
	int listen_fd = listen_in(dir, sock, sizeof(sock));

	(void)state;
	assert_true(listen_fd >= 0);
	escape(address, sizeof(address) - 16, sock);
	strcat(address, ",guid=0123abcd");
	assert_non_null(strstr(address, "%2Ftmp%2Ftpmcard%2dd%62us"));
	assert_true(reached(listen_fd, dbus_connect(address)));

	snprintf(address, sizeof(address), "tcp:host=x;unix:path=%s", sock);
	assert_true(reached(listen_fd, dbus_connect(address)));
	snprintf(address, sizeof(address), "tcp:host=x,port=1;"
		 "unix:path=/nonexistent-tpmcard/bus;unix:path=%s", sock);
	assert_true(reached(listen_fd, dbus_connect(address)));
	close(listen_fd);
	unlink(sock);
	rmdir(dir);
}

static void test_connect_abstract(void **state)
{
	char name[64], address[128];
	int listen_fd;

	(void)state;
	snprintf(name, sizeof(name), "tpmcard-test-%d", (int)getpid());
	listen_fd = listen_at(name, true);
	assert_true(listen_fd >= 0);
	snprintf(address, sizeof(address), "unix:abstract=%s,guid=00", name);
	assert_true(reached(listen_fd, dbus_connect(address)));
	close(listen_fd);
}

static void test_connect_garbage(void **state)
{
	static const char *const bad[] = {
		"", ";;", "garbage", "unix:", "unix:guid=1", "tcp:host=x,port=1",
		"unix:path=/nonexistent-tpmcard/bus", "unix:abstract=",
		"unix:path=/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};

	(void)state;
	assert_int_equal(dbus_connect(NULL), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dbus_connect(bad[i]), -1);
}

/* A TCTI over the fake bus; s->peer is then tpm2-abrmd's end. */
static TSS2_TCTI_CONTEXT *tcti_on(struct server *s)
{
	TSS2_TCTI_CONTEXT *ctx;

	server_start(s, ANSWER_FD, &tabrmd);
	setenv("DBUS_SESSION_BUS_ADDRESS", s->address, 1);
	ctx = tcti_tabrmd_open("bus_type=session,bus_name=org.example.Test");
	server_stop(s);
	assert_string_equal(s->why, "");
	assert_true(s->client_ok);
	assert_non_null(ctx);
	return ctx;
}

/* A command goes out; once tpm2-abrmd's end has read it, header answers. */
static void exchange(TSS2_TCTI_CONTEXT *ctx, int peer, const uint8_t *header)
{
	static const uint8_t command[12] = { 0x80, 0x01, 0, 0, 0, 12,
					     0, 0, 0x01, 0x7b, 0, 8 };
	uint8_t got[32];
	size_t size = 0;

	assert_int_equal(Tss2_Tcti_Receive(ctx, &size, NULL, 0),
			 TSS2_TCTI_RC_BAD_SEQUENCE);
	assert_int_equal(Tss2_Tcti_Transmit(ctx, sizeof(command), command),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Tss2_Tcti_Transmit(ctx, sizeof(command), command),
			 TSS2_TCTI_RC_BAD_SEQUENCE);
	assert_int_equal(read(peer, got, sizeof(got)), sizeof(command));
	assert_memory_equal(got, command, sizeof(command));
	assert_int_equal(Tss2_Tcti_Receive(ctx, &size, NULL, 50),
			 TSS2_TCTI_RC_TRY_AGAIN);
	assert_int_equal(write(peer, header, 10), 10);
}

static void test_tcti_round_trip(void **state)
{
	static const uint8_t response[14] = { 0x80, 0x01, 0, 0, 0, 14, 0, 0,
					      0, 0, 0xde, 0xad, 0xbe, 0xef };
	uint8_t got[64];
	struct server s;
	TSS2_TCTI_CONTEXT *ctx = tcti_on(&s);
	size_t size = 0;

	(void)state;
	exchange(ctx, s.peer, response);
	assert_int_equal(write(s.peer, response + 10, 4), 4);
	assert_int_equal(Tss2_Tcti_Receive(ctx, &size, NULL, -1),
			 TSS2_RC_SUCCESS);
	assert_int_equal(size, 14);
	size = 13;
	assert_int_equal(Tss2_Tcti_Receive(ctx, &size, got, -1),
			 TSS2_TCTI_RC_INSUFFICIENT_BUFFER);
	assert_int_equal(size, 14);
	size = sizeof(got);
	assert_int_equal(Tss2_Tcti_Receive(ctx, &size, got, -1),
			 TSS2_RC_SUCCESS);
	assert_int_equal(size, 14);
	assert_memory_equal(got, response, sizeof(response));
	assert_int_equal(Tss2_Tcti_Receive(ctx, &size, got, -1),
			 TSS2_TCTI_RC_BAD_SEQUENCE);

	exchange(ctx, s.peer, (const uint8_t[10]){ 0x80, 0x01, 0, 0, 0, 9 });
	assert_int_equal(Tss2_Tcti_Receive(ctx, &size, NULL, -1),
			 TSS2_TCTI_RC_MALFORMED_RESPONSE);
	/* Out of step with the stream now: nothing more goes through. */
	assert_int_equal(Tss2_Tcti_Receive(ctx, &size, got, -1),
			 TSS2_TCTI_RC_IO_ERROR);
	assert_int_equal(Tss2_Tcti_Transmit(ctx, 10, response),
			 TSS2_TCTI_RC_IO_ERROR);
	tcti_tabrmd_close(ctx);
	assert_true(peer_closed(s.peer));
	close(s.peer);
}

static void test_tcti_refusals(void **state)
{
	TSS2_TCTI_CONTEXT *ctx;
	struct server s;

	(void)state;
	server_start(&s, ANSWER_FD, &tabrmd);
	setenv("DBUS_SESSION_BUS_ADDRESS", s.address, 1);
	ctx = tcti_tabrmd_open("bus_type=session,bogus=1");
	server_stop(&s);
	assert_null(ctx);
	assert_false(s.accepted); /* refused before reaching the bus */
	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	assert_null(tcti_tabrmd_open("bus_type=session,bus_name=x.y"));
}

/*
 * A descriptor that came with an earlier message (the signal) is not the
 * reply's: the reply's own is handed out, the signal's closed.
 */
static void test_descriptor_of_the_reply(void **state)
{
	struct dbus_reply reply;
	struct server s;
	uint8_t byte = 0;
	int before = count_fds();

	(void)state;
	assert_true(call(ANSWER_SIGNAL_FD_TOO, 2000, &reply, &s));
	assert_int_equal(write(reply.fd, "q", 1), 1);
	assert_int_equal(read(s.peer, &byte, 1), 1);
	assert_int_equal(byte, 'q');
	close(reply.fd);
	close(s.peer);
	assert_int_equal(count_fds(), before);
}

/* tpm2-abrmd gone: transmit fails; no SIGPIPE ends the process. */
static void test_tcti_daemon_gone(void **state)
{
	static const uint8_t command[12] = { 0x80, 0x01, 0, 0, 0, 12 };
	struct server s;
	TSS2_TCTI_CONTEXT *ctx = tcti_on(&s);
	TSS2_RC rc = TSS2_RC_SUCCESS;

	(void)state;
	close(s.peer);
	/* The first write may still be buffered; one after it cannot be. */
	for (int i = 0; i < 4 && rc == TSS2_RC_SUCCESS; i++) {
		size_t size = 64;
		uint8_t buf[64];

		rc = Tss2_Tcti_Transmit(ctx, sizeof(command), command);
		if (rc == TSS2_RC_SUCCESS)
			(void)Tss2_Tcti_Receive(ctx, &size, buf, 100);
	}
	assert_int_equal(rc, TSS2_TCTI_RC_IO_ERROR);
	tcti_tabrmd_close(ctx);
}

/* An incomplete %-escape is a malformed address, not read past. */
static void test_connect_bad_escape(void **state)
{
	char dir[32], sock[64], address[256];
	int listen_fd = listen_in(dir, sock, sizeof(sock));

	(void)state;
	assert_true(listen_fd >= 0);
	assert_int_equal(dbus_connect("unix:path=/tmp/x%4"), -1);
	assert_int_equal(dbus_connect("unix:path=/tmp/x%"), -1);
	assert_int_equal(dbus_connect("unix:path=/tmp/x%2g"), -1);
	/* The next entry is whole and is the one reached. */
	snprintf(address, sizeof(address), "unix:path=/nonexistent%%4;"
		 "unix:path=%s", sock);
	assert_true(reached(listen_fd, dbus_connect(address)));
	close(listen_fd);
	unlink(sock);
	rmdir(dir);
}

#define REFUSAL(name, a) \
	{ "test_refusal_" name, test_refusal, NULL, NULL, &(enum answer){ a } }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_with_descriptor),
		REFUSAL("error", ANSWER_ERROR),
		REFUSAL("no_fd", ANSWER_NO_FD),
		REFUSAL("two_fds", ANSWER_TWO_FDS),
		REFUSAL("rejected", ANSWER_REJECT),
		REFUSAL("huge_body", ANSWER_HUGE_BODY),
		REFUSAL("string_past_end", ANSWER_STRING_PAST_END),
		REFUSAL("big_endian", ANSWER_BIG_ENDIAN),
		REFUSAL("length_at_end", ANSWER_LENGTH_AT_END),
		REFUSAL("fd_on_signal", ANSWER_FD_ON_SIGNAL),
		cmocka_unit_test(test_descriptor_of_the_reply),
		cmocka_unit_test(test_silent_bus),
		cmocka_unit_test(test_connect_paths),
		cmocka_unit_test(test_connect_abstract),
		cmocka_unit_test(test_connect_garbage),
		cmocka_unit_test(test_connect_bad_escape),
		cmocka_unit_test(test_tcti_round_trip),
		cmocka_unit_test(test_tcti_refusals),
		cmocka_unit_test(test_tcti_daemon_gone),
	};

	setenv("TPMCARD_LOG", "none", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
