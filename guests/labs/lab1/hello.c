// SPDX-License-Identifier: MIT
// Lab 1 test: start-up code and console. Prints one line and returns the number given
// with --args (0 without), which start.S must turn into the VM's exit code.
#include "kern.h"

int main(void)
{
	char word[16];
	int code = cmdline_word(0, word, sizeof word) > 0 ? (int)atol(word) : 0;
	char line[] = "hello from the lab 1 kernel\n";
	cons_write(line, sizeof line - 1);
	return code;
}
