// SPDX-License-Identifier: MIT
// The TAP device (tap.h): TUNSETIFF on /dev/net/tun, non-blocking reads and writes.
#include "devices/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_tun.h>

struct tap {
	int fd;
};

int tap_open(struct tap **out, const char *name, char *err, size_t errlen)
{
	if (!*name || strlen(name) >= IFNAMSIZ) {
		snprintf(err, errlen, "--tap '%s': a device name needs 1 to %d characters",
			 name, IFNAMSIZ - 1);
		return -1;
	}
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "--tap %s: cannot open /dev/net/tun: %s", name,
			 strerror(errno));
		return -1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		snprintf(err, errlen, "--tap %s: cannot attach to the TAP device: %s", name,
			 strerror(errno));
		close(fd);
		return -1;
	}
	struct tap *t = malloc(sizeof *t);
	if (!t) {
		close(fd);
		snprintf(err, errlen, "--tap %s: out of memory", name);
		return -1;
	}
	t->fd = fd;
	*out = t;
	return 0;
}

void tap_close(struct tap *t)
{
	if (!t)
		return;
	close(t->fd);
	free(t);
}

int tap_fd(const struct tap *t)
{
	return t->fd;
}

int tap_read(struct tap *t, uint8_t *buf, uint32_t cap)
{
	ssize_t n = read(t->fd, buf, cap);
	if (n >= 0)
		return (int)n;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
}

bool tap_write(struct tap *t, const uint8_t *frame, uint32_t len)
{
	return write(t->fd, frame, len) == (ssize_t)len;
}
