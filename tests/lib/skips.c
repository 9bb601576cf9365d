// SPDX-License-Identifier: MIT
// A missing outside tool makes a C test exit 77 (SKIP) after its other checks; the
// interface and its use are in skips.h.
#include "skips.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SKIPS_MAX 8

static const char *skipped[SKIPS_MAX];
static const char *skipped_tool[SKIPS_MAX];
static int nskipped;

static bool on_path(const char *tool)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	size_t tlen = strlen(tool);
	char file[PATH_MAX];
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n > 0 && n + 1 + tlen < sizeof(file)) { // dir "/" tool NUL
			memcpy(file, path, n);
			file[n] = '/';
			memcpy(file + n + 1, tool, tlen + 1);
			if (access(file, X_OK) == 0)
				return true;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

bool skips_need(const char *tool, const char *what)
{
	if (on_path(tool))
		return true;
	printf("SKIP %s: %s is not installed (scripts/setup installs it)\n", what, tool);
	fflush(stdout);
	if (nskipped < SKIPS_MAX) {
		skipped[nskipped] = what;
		skipped_tool[nskipped++] = tool;
	}
	return false;
}

int skips_status(int failed)
{
	if (failed)
		return 1; // never 77 by accident
	if (!nskipped)
		return 0;
	printf("SKIP (the other checks passed):");
	for (int i = 0; i < nskipped; i++)
		printf("%s %s: %s is not installed (scripts/setup installs it)", i ? ";" : "",
		       skipped[i], skipped_tool[i]);
	printf("\n");
	fflush(stdout);
	return 77;
}
