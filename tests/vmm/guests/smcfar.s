# Stores into decoded code that is not the rest of the running block, for the tracing
# slow path (test_obs.c): each iteration rewrites the immediate of a subroutine on the
# next page and of one after FINISH on this page, both decoded by the calls before, so
# the stores reset those pages' decoded code while the storing block runs on (cpu.h
# cpu_block_info: only a store into the rest of the running block ends it). Several VMs
# run it with short quanta, so preemption falls at every point of the loop in turn;
# each ends after 3,000 iterations with two sums in RES.
start:
	xor eax, eax
	mov ecx, 3000
1:
	call far_sub
	mov dword ptr [far_sub + 1], ecx
	add ebx, eax
	mov dword ptr [near_sub + 1], ebx
	xor edx, ebx
	call near_sub
	add esi, edx
	dec ecx
	jnz 1b
	mov [RES], esi
	mov [RES + 4], ebx
	FINISH
near_sub:
	mov edx, 0x11111111
	ret
	.balign 4096
far_sub:
	mov eax, 0x22222222
	ret
