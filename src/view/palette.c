// SPDX-License-Identifier: MIT
// VM classes and colours (palette.h).
#include "view/palette.h"

#include "vmm/ctl.h"
#include "vmm/kernel.h"

static const struct {
	uint32_t rgb;
	const char *name;
} classes[VIEW_NCLASSES] = {
	[VIEW_RUNNING] = { 0xf0e442, "running" },          // yellow
	[VIEW_RUNNABLE] = { 0xe69f00, "runnable" },        // orange
	[VIEW_IDLE_TIMEOUT] = { 0x56b4e9, "idle, timeout" }, // sky blue
	[VIEW_IDLE] = { 0x0072b2, "idle, no timeout" },   // blue
	[VIEW_SWAP_WAIT] = { 0xcc79a7, "swap-in wait" },   // reddish purple
	[VIEW_SWAPPED] = { 0x009e73, "swapped out" },      // bluish green
	[VIEW_TERMINATED] = { 0xbdbdbd, "terminated" },    // light grey
	[VIEW_KILLED] = { 0xd55e00, "killed" },            // vermillion
	[VIEW_NEW] = { 0x3c3c3c, "not started" },          // dark grey
	[VIEW_ENDED] = { 0x7a7a7a, "hung/stopped" },       // mid grey
};

uint32_t view_class_rgb(enum view_class c)
{
	return c < VIEW_NCLASSES ? classes[c].rgb : 0xff00ff;
}

const char *view_class_name(enum view_class c)
{
	return c < VIEW_NCLASSES ? classes[c].name : "?";
}

// Swapped out: the VM has written blocks and none of them is resident.
static bool swapped_out(const struct kernel *k, uint32_t vm)
{
	const struct vm *v = &k->vms[vm];
	return k->pm && v->has_mem && v->mem.blocks_alloc && !v->mem.blocks_resident;
}

enum view_class view_class_of(const struct kernel *k, uint32_t vm)
{
	switch (ctl_vm_state(k, vm)) {
	case CTL_VM_NEW: return VIEW_NEW;
	case CTL_VM_RUNNING: return VIEW_RUNNING;
	case CTL_VM_RUNNABLE: return swapped_out(k, vm) ? VIEW_SWAPPED : VIEW_RUNNABLE;
	case CTL_VM_IDLE:
		if (swapped_out(k, vm))
			return VIEW_SWAPPED;
		return k->iv && k->iv[vm].wake_at ? VIEW_IDLE_TIMEOUT : VIEW_IDLE;
	case CTL_VM_SWAPPED: return VIEW_SWAP_WAIT;
	case CTL_VM_TERMINATED: return VIEW_TERMINATED;
	case CTL_VM_KILLED: return VIEW_KILLED;
	default: return VIEW_ENDED;
	}
}
