// SPDX-License-Identifier: MIT
// hello: the smallest libos guest. Prints "hello from VM <id>" (the vm_id virtual
// register) and returns 0, which crt0 turns into terminate with exit code 0.
#include <denali.h>
#include <stdio.h>

int main(void)
{
	printf("hello from VM %u\n", (unsigned)denali_vm_id());
	return 0;
}
