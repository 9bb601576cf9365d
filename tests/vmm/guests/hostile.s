# Hostile guests (issue #4 "Bad input"). The test starts the image at one of the case
# labels; VM 0 misbehaves, every other VM runs `good` (a loop, then a call of smc_fn,
# whose result 7 it writes to RES+0, then FINISH with exit code 0).
start:
case_spin:
	cmp dword ptr [V_ID], 0
	jne good
1:	jmp 1b
case_pio_storm:
	cmp dword ptr [V_ID], 0
	jne good
1:	mov esi, offset msg
	mov ecx, 4
	mov edx, 0x100
	in eax, dx
	jmp 1b
case_touch_all:
	cmp dword ptr [V_ID], 0
	jne good
1:	mov edi, 0x2000
	mov ecx, [0x1010]
	sub ecx, 4
2:	mov [edi], edi
	add edi, 4096
	cmp edi, ecx
	jb 2b
	jmp 1b
case_smc:
	cmp dword ptr [V_ID], 0
	jne good
	mov byte ptr [smc_fn + 1], 42
	call smc_fn
	TERMINATE
case_kernel_jump:
	cmp dword ptr [V_ID], 0
	jne good
	mov eax, 0xc0000000
	jmp eax
case_absurd_idle:
	cmp dword ptr [V_ID], 0
	jne good
	mov eax, 0xfffffffe
	mov edx, 0xffffffff
	IDLE
	mov eax, 99
	TERMINATE
# Copy-on-write of the running code page (issue 10): call cow_fn once (its block is
# decoded from the shared image page), then 3,000 times rewrite its immediate with the
# loop counter and call it. RES+0: calls that returned a stale value (must be 0).
case_cow_stale:
	cmp dword ptr [V_ID], 0
	jne good
	call cow_fn
	mov ecx, 3000
	xor ebx, ebx
1:	mov [cow_fn + 1], ecx
	call cow_fn
	cmp eax, ecx
	je 2f
	inc ebx
2:	dec ecx
	jnz 1b
	mov [RES], ebx
	FINISH
# Stores into the code page it runs from, forever (issue 10): into a word of data next
# to the loop, into the immediate of an instruction of the running loop, and into the
# code of another decoded block of the page. EBP counts the rounds (three stores each).
case_smc_spin:
	cmp dword ptr [V_ID], 0
	jne good
	call smc_other
	xor ebp, ebp
1:	inc ebp
	mov [smc_data], ebp
	mov [2f + 1], ebp
2:	mov eax, 0
	mov [smc_other + 1], ebp
	mov ecx, 20
3:	dec ecx
	jnz 3b
	jmp 1b
smc_other:
	mov edx, 0
	ret
smc_data:
	.long 0
# Jumps into zeroed memory (issue 10): `add [eax], al` over and over, storing into its
# own (private) page just below the code, then through untouched zero pages up to the
# end of memory, where the fetch faults.
case_zero_jump:
	cmp dword ptr [V_ID], 0
	jne good
	mov byte ptr [0x50000], 0
	mov eax, 0x50001
	mov ecx, 0x50010
	jmp ecx
good:
	mov ecx, 20000
1:	dec ecx
	jnz 1b
	call smc_fn
	mov [RES], eax
	FINISH
smc_fn:
	mov eax, 7
	ret
cow_fn:
	mov eax, 7
	ret
msg:
	.ascii "spam"
