// SPDX-License-Identifier: MIT
// Subcommands of the `denali` binary. main.c parses the subcommand name and calls one
// of these with the remaining arguments (argv[0] is the subcommand name).
// Each returns the process exit status: 0 success, 1 a run/test failed, 2 bad input.
#ifndef DENALI_CLI_CLI_H
#define DENALI_CLI_CLI_H

struct checkpoint_resume;

int cli_run(int argc, char **argv);     // run.c:     denali run
int cli_resume(int argc, char **argv);  // resume.c:  denali resume
// run.c: denali run, continuing from a checkpoint (resume.c; NULL: a new run).
int cli_run_from(int argc, char **argv, struct checkpoint_resume *res);
int cli_cputest(int argc, char **argv); // cputest.c: denali cpu-test
int cli_disasm(int argc, char **argv);  // disasm.c:  denali disasm

#endif
