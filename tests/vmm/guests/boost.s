# The priority boost (docs/isa.md 7.2). VMs 0-2 spin forever. VM 3 idles 20 us fifty
# times and records the largest delay (ns, low word) between the end of its timeout
# and time_ns when it runs again. RES+0: rounds, RES+4: the largest delay.
start:
	mov eax, [V_ID]
	cmp eax, 3
	je idler
spin:
	jmp spin
idler:
	mov ebx, 50
1:
	mov esi, [V_TIME]
	add esi, 20000
	mov eax, 20000
	xor edx, edx
	IDLE
	mov eax, [V_TIME]
	sub eax, esi
	cmp eax, [RES + 4]
	jbe 2f
	mov [RES + 4], eax
2:
	inc dword ptr [RES]
	dec ebx
	jnz 1b
	FINISH
