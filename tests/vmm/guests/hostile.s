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
msg:
	.ascii "spam"
