# Disks through the kernel (test_devhost.c). DISK_INFO of disk 0; a write of block 3
# from a 4 KiB pattern (dword i = 0x5a000000 + i), a read of block 3, two bad reads;
# then completions are collected with DISK_DONE, acknowledging line 2 and idling (1 ms
# at a time, at most 200 times) while none is ready.
# RES+0 blocks, +4 read-only flag, +8 write id (or error), +12 read id, +16.. (id,
# status) pairs in completion order, +32 first dword read back, +36 read past the end,
# +40 read of disk 1, +48 1 when the whole block read back equals the pattern
start:
	xor ecx, ecx
	mov edx, 0x123
	in eax, dx
	mov [RES], eax
	mov [RES + 4], ecx
	mov edi, 0x30000
	xor eax, eax
1:
	lea ebx, [eax + 0x5a000000]
	mov [edi + eax * 4], ebx
	inc eax
	cmp eax, 1024
	jne 1b
	xor ecx, ecx
	mov ebx, 3
	mov esi, 0x30000
	mov edx, 0x121
	in eax, dx
	mov [RES + 8], eax
	xor ecx, ecx
	mov ebx, 3
	mov edi, 0x32000
	mov edx, 0x120
	in eax, dx
	mov [RES + 12], eax
	xor ecx, ecx
	mov ebx, 16
	mov edi, 0x34000
	mov edx, 0x120
	in eax, dx
	mov [RES + 36], eax
	mov ecx, 1
	xor ebx, ebx
	mov edi, 0x34000
	mov edx, 0x120
	in eax, dx
	mov [RES + 40], eax
	mov esi, 2
	cmp dword ptr [RES + 8], 0x80000000
	jb 2f
	mov esi, 1
2:
	mov ebp, RES + 16
	mov ebx, 200
3:
	and dword ptr [V_IPEND], 0xfffffffb
	mov edx, 0x122
	in eax, dx
	test eax, eax
	jnz 4f
	mov eax, 1000000
	xor edx, edx
	IDLE
	dec ebx
	jnz 3b
	jmp 5f
4:
	mov [ebp], eax
	mov [ebp + 4], ecx
	add ebp, 8
	dec esi
	jnz 3b
5:
	mov eax, [0x32000]
	mov [RES + 32], eax
	mov esi, 0x30000
	mov edi, 0x32000
	mov ecx, 1024
	cld
	repe cmpsd
	sete al
	movzx eax, al
	mov [RES + 48], eax
	FINISH
