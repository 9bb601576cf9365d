# One VM must not spoil the others' results (docs/isa.md 9.5; issue 10 section 2).
# VM 0 is hostile: it claims "ok" as a sample (the others report it as a counter), then
# registers names "jXY" until the kernel refuses one. RES+0: EAX of its "ok" sample,
# RES+4: junk names accepted, RES+8: EAX of the first refusal.
# Every other VM idles 1 ms (VM 0 is done by then), then reports counter "ok" = 1 and
# sample "lat_ns" = its id. RES+0 and RES+4: the two EAX values (0 = recorded).
.equ NAME, 0x20100
start:
	mov eax, [V_ID]
	test eax, eax
	jnz good
	mov edx, 0x141
	mov esi, offset n_ok
	mov ecx, 2
	mov edi, 7
	xor ebx, ebx
	in eax, dx
	mov [RES], eax
	mov edx, 0x140
	xor ebx, ebx
1:
	mov byte ptr [NAME], 'j'
	mov eax, ebx
	and eax, 15
	add eax, 'A'
	mov [NAME + 1], al
	mov eax, ebx
	shr eax, 4
	add eax, 'A'
	mov [NAME + 2], al
	push ebx
	mov esi, NAME
	mov ecx, 3
	mov edi, 1
	xor ebx, ebx
	in eax, dx
	pop ebx
	test eax, eax
	jnz 2f
	inc dword ptr [RES + 4]
	inc ebx
	cmp ebx, 200
	jb 1b
	jmp 3f
2:
	mov [RES + 8], eax
3:
	FINISH
good:
	mov eax, 1000000
	xor edx, edx
	IDLE
	mov edx, 0x140
	mov esi, offset n_ok
	mov ecx, 2
	mov edi, 1
	xor ebx, ebx
	in eax, dx
	mov [RES], eax
	mov edx, 0x141
	mov esi, offset n_lat
	mov ecx, 6
	mov edi, [V_ID]
	in eax, dx
	mov [RES + 4], eax
	FINISH
n_ok:
	.ascii "ok"
n_lat:
	.ascii "lat_ns"
