# Console input through the kernel (test_devhost.c). Idles 1 ms (woken early by the
# console interrupt when there is input), records the pending mask, tries a read into
# unmapped memory, then reads the input 5 bytes at a time until CONSOLE_READ returns 0.
# RES+0 bytes read, +4 reads, +8 V_IPEND after the idle, +12 the bad-buffer read's
# result, +16.. the bytes read (at most 184).
start:
	mov eax, 1000000
	xor edx, edx
	IDLE
	mov eax, [V_IPEND]
	mov [RES + 8], eax
	and dword ptr [V_IPEND], 0xfffffff7
	mov edi, 0x10
	mov ecx, 4
	mov edx, 0x101
	in eax, dx
	mov [RES + 12], eax
	mov ebp, RES + 16
1:
	mov edi, ebp
	mov ecx, 5
	mov edx, 0x101
	in eax, dx
	test eax, eax
	jz 2f
	add ebp, eax
	add [RES], eax
	inc dword ptr [RES + 4]
	cmp ebp, RES + 195
	jb 1b
2:
	FINISH
