/* SPDX-License-Identifier: BSD-3-Clause */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* Drops one trailing newline (and carriage return). */
static void chomp(struct secbuf *pin)
{
	if (pin->len > 0 && pin->data[pin->len - 1] == '\n')
		pin->len--;
	if (pin->len > 0 && pin->data[pin->len - 1] == '\r')
		pin->len--;
}

static struct secbuf *read_fd(int fd)
{
	struct secbuf *pin = secbuf_new(TC_MAX_PIN_LEN + 2);
	ssize_t n;

	if (pin == NULL)
		return NULL;
	while (pin->len < pin->cap) {
		n = read(fd, pin->data + pin->len, pin->cap - pin->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		pin->len += (size_t)n;
		if (memchr(pin->data, '\n', pin->len) != NULL)
			break;
	}
	if (memchr(pin->data, '\n', pin->len) != NULL)
		pin->len = (size_t)((uint8_t *)memchr(pin->data, '\n',
						      pin->len) -
				    pin->data) + 1;
	chomp(pin);
	return pin;
}

static struct secbuf *from_file(const char *path)
{
	struct secbuf *pin;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		cli_fail("cannot read PIN file %s: %s", path, strerror(errno));
		return NULL;
	}
	pin = read_fd(fd);
	close(fd);
	return pin;
}

static struct secbuf *from_tty(const char *prompt)
{
	struct termios saved, quiet;
	struct secbuf *pin;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (tcgetattr(fd, &saved) != 0) {
		close(fd);
		return NULL;
	}
	/* Echo off (dropping anything typed ahead) before asking. */
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0 ||
	    write(fd, prompt, strlen(prompt)) < 0) {
		tcsetattr(fd, TCSANOW, &saved);
		close(fd);
		return NULL;
	}
	pin = read_fd(fd);
	tcsetattr(fd, TCSADRAIN, &saved);
	/* A terminal that went away needs no newline. */
	(void)!write(fd, "\n", 1);
	close(fd);
	return pin;
}

static struct secbuf *prompt_twice(const char *what, bool *reported)
{
	char prompt[96];
	struct secbuf *first, *second;

	snprintf(prompt, sizeof(prompt), "%s: ", what);
	first = from_tty(prompt);
	if (first == NULL) {
		*reported = false;
		return NULL;
	}
	snprintf(prompt, sizeof(prompt), "%s (again): ", what);
	second = from_tty(prompt);
	if (second == NULL || second->len != first->len ||
	    memcmp(first->data, second->data, first->len) != 0) {
		secbuf_free(first);
		secbuf_free(second);
		cli_fail("the two %ss differ", what);
		*reported = true;
		return NULL;
	}
	secbuf_free(second);
	return first;
}

struct secbuf *cli_secret_read(const char *what, const char *env)
{
	const char *value = env ? getenv(env) : NULL;
	char prompt[96];

	if (value != NULL)
		return secbuf_dup(value, strlen(value));
	snprintf(prompt, sizeof(prompt), "%s: ", what);
	return from_tty(prompt);
}

struct secbuf *cli_pin_read(const char *what, const char *file_opt,
			    const char *env, bool confirm)
{
	const char *value = env ? getenv(env) : NULL;
	struct secbuf *pin;
	bool reported = false;

	if (file_opt != NULL)
		return from_file(file_opt);
	if (confirm && value == NULL)
		pin = prompt_twice(what, &reported);
	else
		pin = cli_secret_read(what, env);
	if (pin == NULL && !reported)
		cli_fail("no %s: give it in a file (option) or in %s", what,
			 env ? env : "the environment");
	return pin;
}
