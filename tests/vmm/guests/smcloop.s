# Stores into the code page, for the tracing slow path (test_obs.c): every iteration
# stores into a word of its own code page, in the middle of a block, where no code was
# decoded (the stores take the checked path and change nothing else; smcstore.s
# rewrites code), while preemption falls at every point of the loop in turn. Several
# VMs run it with short quanta; each ends after 3,000 iterations with the count in RES+0.
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
