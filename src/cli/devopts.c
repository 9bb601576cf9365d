// SPDX-License-Identifier: MIT
// `denali run` device flags (devopts.h): values are checked here with one error line
// each ("denali run: --pcap-speed 0: ..."); files are opened by devset_new, whose
// messages name the file. The counters come from devset_stats (docs/devices.md).
#include "devopts.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "vmm/devhost.h"
#include "vmm/kernel.h"

#define MAX_VM_ID 999999u

void devopts_init(struct devopts *d)
{
	memset(d, 0, sizeof *d);
	devset_config_default(&d->c);
}

void devopts_usage(FILE *f)
{
	fprintf(f,
		"Devices (docs/devices.md; none unless one of these is given):\n"
		"  --nic chatty|simple  NIC cost: chatty charges 12 PIOs per send and 10 per\n"
		"                   receive (the pcnet32 ablation); simple 1 (default)\n"
		"  --nic-rxq N      receive-queue frames per VM, 1..65536 (default 256)\n"
		"  --nic-irq edge|frame  raise the receive interrupt when a frame reaches an\n"
		"                   empty queue (edge, default) or for every frame (frame: an\n"
		"                   interrupt per packet, as the paper's synchronous baseline)\n"
		"  --no-ipv4        give the VMs no IPv4 address (ipv4 vreg 0)\n"
		"  --arp-flood      flood ARP requests to every VM like a plain switch\n"
		"                   (default: a request for a VM's address goes to it only)\n"
		"  --pcap-in FILE   replay a pcap/pcapng trace into the switch\n"
		"  --pcap-start T   simulated time of its first frame (default 0)\n"
		"  --pcap-speed X   replay speed multiplier, 0.001..1000000 (default 1)\n"
		"  --pcap-loops N   times through the trace, 1..1000000 (default 1)\n"
		"  --pcap-rewrite SEED  spread flows over the VMs: destination MAC and IPv4\n"
		"                   become a VM's, chosen per flow from SEED\n"
		"  --pcap-out FILE  capture every frame crossing the switch (ns pcap)\n"
		"  --pcap-vm ID     capture only frames from or to VM ID\n"
		"  --disk PATH[:SIZE][:ro][:vms=FIRST[-LAST]]\n"
		"                   a virtual disk in a host file (created with SIZE when\n"
		"                   missing); read-write disks belong to one VM (default 0),\n"
		"                   read-only ones to many (default all); repeatable, 16 max\n"
		"  --console-in FILE  console input: the file's bytes, readable by every VM\n"
		"                   from time 0 (CONSOLE_READ, port 0x101; docs/isa.md 9.4)\n"
		"  --console-input STRING  console input given as a string\n"
		"  --console-in-vm ID  give the console input only to VM ID\n"
		"  --tap NAME       live mode: bridge the switch to the Linux TAP device NAME\n"
		"                   and pace simulated time to wall time (NONDETERMINISTIC)\n");
}


// "X", "X.Y" with up to 3 decimals, in thousandths, 1..1e9. Returns 0 or -1.
static int parse_speed(const char *s, uint32_t *milli)
{
	uint64_t v = 0, frac = 0;
	int nint = 0, nfrac = 0;
	for (; *s >= '0' && *s <= '9'; s++, nint++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > 1000000)
			return -1;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, nfrac++) {
			if (nfrac == 3)
				return -1;
			frac = frac * 10 + (uint64_t)(*s - '0');
		}
		if (!nfrac)
			return -1;
	}
	for (; nfrac < 3; nfrac++)
		frac *= 10;
	uint64_t m = v * 1000 + frac;
	if (*s || !nint || m == 0 || m > 1000000000u)
		return -1;
	*milli = (uint32_t)m;
	return 0;
}

// PATH[:SIZE][:ro][:vms=FIRST[-LAST]] into a disk spec (path points into val).
static int parse_disk(char *val, struct devset_disk_spec *s, bool *vms_set, char *why,
		      size_t whylen)
{
	*s = (struct devset_disk_spec){ .path = val };
	*vms_set = false;
	char *p = strchr(val, ':');
	if (p)
		*p++ = '\0';
	if (!*val) {
		snprintf(why, whylen, "empty file name");
		return -1;
	}
	while (p) {
		char *next = strchr(p, ':');
		if (next)
			*next++ = '\0';
		uint64_t v;
		if (!strcmp(p, "ro")) {
			s->readonly = true;
		} else if (!strncmp(p, "vms=", 4) || !strncmp(p, "vm=", 3)) {
			char *r = strchr(p, '=') + 1, *dash = strchr(r, '-');
			if (dash)
				*dash = '\0';
			if (args_count(r, 0, MAX_VM_ID, &v, why, whylen) != 0)
				return -1;
			s->first_vm = s->last_vm = (uint32_t)v;
			if (dash) {
				if (args_count(dash + 1, 0, MAX_VM_ID, &v, why, whylen) != 0)
					return -1;
				if (v < s->first_vm) {
					snprintf(why, whylen, "vms=FIRST-LAST needs FIRST <= LAST");
					return -1;
				}
				s->last_vm = (uint32_t)v;
			}
			*vms_set = true;
		} else if (args_size(p, 4096, 4096, 1ull << 40, &v, why, whylen) == 0) {
			s->size_bytes = v;
		} else {
			snprintf(why, whylen, "'%s' is not SIZE (a multiple of 4K, up to 1T), "
				 "'ro' or 'vms=FIRST-LAST'", p);
			return -1;
		}
		p = next;
	}
	return 0;
}

int devopts_parse(int argc, char **argv, int *i, struct devopts *d)
{
	static const char *const valued[] = { "--nic", "--nic-rxq", "--nic-irq", "--pcap-in",
					      "--pcap-start", "--pcap-speed", "--pcap-loops",
					      "--pcap-rewrite", "--pcap-out", "--pcap-vm",
					      "--disk", "--console-in", "--console-input",
					      "--console-in-vm", "--tap" };
	const char *a = argv[*i];
	if (!strcmp(a, "--no-ipv4")) {
		d->any = true;
		d->c.ipv4 = false;
		return 1;
	}
	if (!strcmp(a, "--arp-flood")) {
		d->any = true;
		d->c.sw.arp_steer = false;
		return 1;
	}
	const char *flag = NULL, *val = NULL;
	if (args_valued(argc, argv, i, valued, sizeof valued / sizeof valued[0], &flag,
			&val) == 2)
		return 2;
	if (!flag)
		return 0;
	// One value each, except --disk. --console-in and --console-input say it below.
	if (strcmp(flag, "--disk") && strcmp(flag, "--console-in") &&
	    strcmp(flag, "--console-input") && args_once(&d->seen, flag, val) != 0)
		return 2;
	d->any = true;
	char why[160];
	uint64_t v;
	struct devset_config *c = &d->c;
	if (!strcmp(flag, "--nic")) {
		if (!strcmp(val, "chatty"))
			c->nic_chatty = true;
		else if (!strcmp(val, "simple"))
			c->nic_chatty = false;
		else
			return args_bad(flag, val, "unknown NIC model (chatty or simple)");
	} else if (!strcmp(flag, "--nic-irq")) {
		if (!strcmp(val, "frame"))
			c->nic_irq_frame = true;
		else if (!strcmp(val, "edge"))
			c->nic_irq_frame = false;
		else
			return args_bad(flag, val, "expected edge or frame");
	} else if (!strcmp(flag, "--nic-rxq")) {
		if (args_count(val, 1, 65536, &v, why, sizeof why))
			return args_bad(flag, val, why);
		c->nic_rxq = (uint32_t)v;
	} else if (!strcmp(flag, "--pcap-in") || !strcmp(flag, "--pcap-out")) {
		if (!*val)
			return args_bad(flag, "''", "empty file name");
		*(!strcmp(flag, "--pcap-in") ? &c->pcap_in : &c->pcap_out) = val;
	} else if (!strcmp(flag, "--pcap-start")) {
		if (args_time(val, 0, 1ull << 60, &v, why, sizeof why))
			return args_bad(flag, val, why);
		c->pcap_start_ns = v;
		d->replay_flag = flag;
		d->replay_val = val;
	} else if (!strcmp(flag, "--pcap-speed")) {
		if (parse_speed(val, &c->pcap_speed_milli) != 0)
			return args_bad(flag, val, "expected a multiplier from 0.001 to 1000000 "
				   "with at most 3 decimals, e.g. 2 or 0.5");
		d->replay_flag = flag;
		d->replay_val = val;
	} else if (!strcmp(flag, "--pcap-loops")) {
		if (args_count(val, 1, 1000000, &v, why, sizeof why))
			return args_bad(flag, val, why);
		c->pcap_loops = (uint32_t)v;
		d->replay_flag = flag;
		d->replay_val = val;
	} else if (!strcmp(flag, "--pcap-rewrite")) {
		if (args_count(val, 0, UINT64_MAX, &v, why, sizeof why))
			return args_bad(flag, val, why);
		c->pcap_rewrite = true;
		c->pcap_seed = v;
		d->replay_flag = flag;
		d->replay_val = val;
	} else if (!strcmp(flag, "--pcap-vm")) {
		if (args_count(val, 0, MAX_VM_ID, &v, why, sizeof why))
			return args_bad(flag, val, why);
		c->pcap_vm = (int64_t)v;
		d->pcap_vm_set = true;
		d->pcap_vm_val = val;
	} else if (!strcmp(flag, "--console-in") || !strcmp(flag, "--console-input")) {
		if (c->console_in || c->console_text)
			return args_bad(flag, val, "console input given twice");
		if (!strcmp(flag, "--console-input")) {
			c->console_text = val;
		} else {
			if (!*val)
				return args_bad(flag, "''", "empty file name");
			c->console_in = val;
		}
	} else if (!strcmp(flag, "--tap")) {
		if (!*val)
			return args_bad(flag, "''", "empty device name");
		c->tap = val;
	} else if (!strcmp(flag, "--console-in-vm")) {
		if (args_count(val, 0, MAX_VM_ID, &v, why, sizeof why))
			return args_bad(flag, val, why);
		c->console_vm = (int64_t)v;
		d->console_vm_set = true;
		d->console_vm_val = val;
	} else { // --disk
		if (c->ndisks == DEVSET_MAX_DISKS)
			return args_bad(flag, val, "at most 16 disks");
		struct devset_disk_spec *s = &c->disks[c->ndisks];
		bool vms_set;
		// val as given, for messages: parse_disk cuts it at the colons.
		char *shown = d->disk_val[c->ndisks];
		snprintf(shown, sizeof d->disk_val[0], "%s", val);
		// A copy is cut at the colons (argv stays as given); the path stays there.
		char *buf = d->disk_buf[c->ndisks];
		if (strlen(val) >= sizeof d->disk_buf[0])
			return args_bad(flag, shown, "too long");
		memcpy(buf, val, strlen(val) + 1);
		if (parse_disk(buf, s, &vms_set, why, sizeof why))
			return args_bad(flag, shown, why);
		if (!s->readonly && s->first_vm != s->last_vm)
			return args_bad(flag, shown, "a read-write disk belongs to one VM: give "
					"vms=ID, or add :ro to share it read-only");
		if (!vms_set)
			s->last_vm = s->readonly ? UINT32_MAX : 0; // UINT32_MAX: all, at attach
		c->ndisks++;
	}
	return 1;
}

int devopts_check(const struct devopts *d, uint32_t nvms)
{
	const struct devset_config *c = &d->c;
	if (d->replay_flag && !c->pcap_in)
		return args_bad(d->replay_flag, d->replay_val, "needs --pcap-in FILE (it sets "
				"how the trace is replayed)");
	if (d->pcap_vm_set && !c->pcap_out)
		return args_bad("--pcap-vm", d->pcap_vm_val, "needs --pcap-out FILE");
	if (d->console_vm_set && !c->console_in && !c->console_text)
		return args_bad("--console-in-vm", d->console_vm_val, "needs --console-in FILE "
				"or --console-input STRING");
	char why[96];
	if (d->console_vm_set && c->console_vm >= (int64_t)nvms) {
		snprintf(why, sizeof why, "VM %lld does not exist (VMs 0-%u)",
			 (long long)c->console_vm, nvms - 1);
		return args_bad("--console-in-vm", d->console_vm_val, why);
	}
	for (uint32_t i = 0; i < c->ndisks; i++) {
		const struct devset_disk_spec *s = &c->disks[i];
		if (s->last_vm != UINT32_MAX && s->last_vm >= nvms) {
			snprintf(why, sizeof why, "VM %u does not exist (VMs 0-%u)", s->last_vm,
				 nvms - 1);
			return args_bad("--disk", d->disk_val[i], why);
		}
	}
	return 0;
}

int devopts_attach(struct kernel *k, const struct devopts *d, const char *pcap_out_tmp)
{
	if (!d->any)
		return 0;
	struct devset_config c = d->c;
	for (uint32_t i = 0; i < c.ndisks; i++)
		if (c.disks[i].last_vm == UINT32_MAX)
			c.disks[i].last_vm = k->cfg.nvms - 1;
	if (c.pcap_out) {
		// The capture goes to its temporary file (runfiles.h); messages name the file.
		c.pcap_out_name = c.pcap_out;
		c.pcap_out = pcap_out_tmp;
	}
	// Bad input leaves no files behind: remember which disks are new.
	struct stat sb;
	bool disk_new[DEVSET_MAX_DISKS] = { false };
	for (uint32_t i = 0; i < c.ndisks; i++)
		disk_new[i] = stat(c.disks[i].path, &sb) != 0;
	char err[512];
	if (devhost_attach(k, &c, err, sizeof err) != 0) {
		args_error("%s", err);
		for (uint32_t i = 0; i < c.ndisks; i++)
			if (disk_new[i])
				unlink(c.disks[i].path);
		return 2;
	}
	return 0;
}

int devopts_detach(struct kernel *k)
{
	char err[512];
	if (devhost_detach(k, err, sizeof err) != 0) {
		return args_error("%s", err);
	}
	return 0;
}

const char *devopts_not_replayable(const struct devopts *d)
{
	for (uint32_t i = 0; i < d->c.ndisks; i++)
		if (!d->c.disks[i].readonly)
			return "a read-write disk";
	if (d->c.tap)
		return "a live TAP device";
	return NULL;
}
