// SPDX-License-Identifier: MIT
// Capture (pcap_out.c): writes Ethernet frames to a pcap file with nanosecond
// timestamps (magic 0xa1b23c4d), readable by tshark and Wireshark. Timestamps are
// simulated nanoseconds since the run began (so the capture starts in January 1970).
#ifndef DENALI_DEVICES_PCAP_OUT_H
#define DENALI_DEVICES_PCAP_OUT_H

#include <stddef.h>
#include <stdint.h>

struct pcap_out;

// Creates (truncates) path. Returns 0, or -1 with "PATH: problem" in err.
int pcap_out_open(struct pcap_out **out, const char *path, char *err, size_t errlen);
// The same, with messages naming `name` instead of path: the CLI writes the capture to
// a temporary file renamed into place when the run ends (src/cli/runfiles.h).
int pcap_out_open_as(struct pcap_out **out, const char *path, const char *name, char *err,
		     size_t errlen);
// Goes on with the capture file at path, which holds `frames` frames already (a resumed
// run: the front end has checked its bytes): frames are appended after them.
int pcap_out_open_append(struct pcap_out **out, const char *path, const char *name,
			 uint64_t frames, char *err, size_t errlen);
// Appends one frame seen at t_ns. Returns 0, or -1 when the write failed (counted;
// pcap_out_close reports it).
int pcap_out_write(struct pcap_out *p, uint64_t t_ns, const uint8_t *frame, uint32_t len);
uint64_t pcap_out_frames(const struct pcap_out *p);
// Flushes: *bytes is then the file's length, *frames its frames. Returns 0, or -1 when
// a write failed.
int pcap_out_sync(struct pcap_out *p, uint64_t *bytes, uint64_t *frames);
// Flushes and closes. Returns 0, or -1 with a message when any write failed.
int pcap_out_close(struct pcap_out *p, char *err, size_t errlen);

#endif
