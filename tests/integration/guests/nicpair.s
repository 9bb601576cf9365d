# The NIC through the kernel (test_devhost.c). VM 0 sends one 64-byte frame to VM 1's
# MAC, then a 10-byte one (bad length), reads reserved port 0x113, its ipv4 vreg and
# DISK_INFO of disk 0. VM 1 idles until its queue has a frame (NIC_STATUS), tries
# NIC_RECV with a 10-byte buffer (too small), then receives it.
# VM 0: RES+0 send result, +4 bad-length result, +8 port 0x113, +12 ipv4, +16 DISK_INFO
# VM 1: RES+0 length, +4 sender MAC bytes 0-3, +8 int_pending seen, +12 NIC_STATUS after,
#       +16 ipv4, +20 the too-small NIC_RECV, +24 mac bytes 4-5 (vreg)
start:
	mov eax, [V_ID]
	cmp eax, 0
	jne receiver
	mov edi, 0x30000
	mov dword ptr [edi], 0x004e4402
	mov word ptr [edi + 4], 0x0100
	mov eax, [0x1030]
	mov [edi + 6], eax
	mov ax, [0x1034]
	mov [edi + 10], ax
	mov word ptr [edi + 12], 0x0008
	mov esi, 0x30000
	mov ecx, 64
	mov edx, 0x110
	in eax, dx
	mov [RES], eax
	mov ecx, 10
	mov edx, 0x110
	in eax, dx
	mov [RES + 4], eax
	mov eax, 0x12345678
	mov edx, 0x113
	in eax, dx
	mov [RES + 8], eax
	mov eax, [0x1038]
	mov [RES + 12], eax
	xor ecx, ecx
	mov edx, 0x123
	in eax, dx
	mov [RES + 16], eax
	FINISH
receiver:
	mov ebx, 100
1:
	mov edx, 0x112
	in eax, dx
	test eax, eax
	jnz 2f
	mov eax, 1000000
	xor edx, edx
	IDLE
	dec ebx
	jnz 1b
	jmp 3f
2:
	mov eax, [V_IPEND]
	mov [RES + 8], eax
	mov edi, 0x31000
	mov ecx, 10
	mov edx, 0x111
	in eax, dx
	mov [RES + 20], eax
	mov edi, 0x31000
	mov ecx, 1514
	mov edx, 0x111
	in eax, dx
	mov [RES], eax
	mov eax, [0x31006]
	mov [RES + 4], eax
	mov edx, 0x112
	in eax, dx
	mov [RES + 12], eax
3:
	mov eax, [0x1038]
	mov [RES + 16], eax
	movzx eax, word ptr [0x1034]
	mov [RES + 24], eax
	FINISH
