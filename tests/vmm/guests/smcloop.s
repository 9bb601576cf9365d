# Self-modifying code in a loop, for the tracing slow path (test_obs.c): every
# iteration stores into a word of its own code page, in the middle of a block, so the
# block ends there (cpu.h cpu_block_info) and the next one starts without a budget
# check, while preemption falls at every point of the loop in turn. Several VMs run it
# with short quanta; each ends after 3,000 iterations with the count in RES+0.
start:
	xor eax, eax
	mov ecx, 3000
1:
	mov [counter], eax
	inc eax
	add ebx, eax
	xor edx, ebx
	add esi, 3
	dec ecx
	jnz 1b
	mov [RES], eax
	FINISH
counter:
	.long 0
