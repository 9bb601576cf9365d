// SPDX-License-Identifier: MIT
// The flags of the SDL2 view (viewopts.c; docs/view.md):
//   --view                   an interactive window (needs a display)
//   --screenshot FILE.png    a picture of the run at the matching --screenshot-at T
//   --screenshot-at T        (repeatable, in pairs, in the same order)
//   --view-size WxH          picture size (default 1280x800)
//   --view-interval T        the panel's statistics interval (default 10ms)
//   --view-overlay irq|frames|swap|counter:NAME   what the grid shows besides state
//   --view-pace X            window: at most X simulated seconds per host second
//   --view-exit              window: close when the run ends
// This parses and checks them whether or not the view was built; a denali built
// without SDL2 refuses them with one line (observe.c).
#ifndef DENALI_CLI_VIEWOPTS_H
#define DENALI_CLI_VIEWOPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "args.h"

#define VIEWOPTS_MAX_SHOTS 16

struct viewopts {
	bool window, exit_at_end;
	uint32_t nshots, nshot_at;
	const char *shot[VIEWOPTS_MAX_SHOTS];
	uint64_t shot_ns[VIEWOPTS_MAX_SHOTS];
	uint32_t width, height;
	uint64_t interval_ns;
	int overlay;                // enum view_overlay (view/view.h); 0: none
	const char *counter;        // overlay counter:NAME
	double pace;                // 0: none
	const char *flag;           // a view flag given (for messages), or NULL
	struct args_seen seen;      // the flags given once (args_once)
};

void viewopts_init(struct viewopts *vo);
// Tries argv[*i] as a view flag: 0 not one, 1 consumed, 2 after an error line.
int viewopts_parse(int argc, char **argv, int *i, struct viewopts *vo);
// Pairs and dependencies. Returns 0, or 2 after an error line.
int viewopts_check(const struct viewopts *vo);
void viewopts_usage(FILE *f);
// Whether any view flag was given.
static inline bool viewopts_on(const struct viewopts *vo)
{
	return vo->window || vo->nshots;
}

#endif
