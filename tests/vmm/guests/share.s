# Page sharing (src/vmm/pageshare.c) must be invisible to results. Each round every
# VM writes the same words into pages D..D+3 and the zero page Z, and a small function
# into page C, then yields (another VM runs, so the pages it wrote are offered for
# sharing); then it reads the pages (shared now), writes one of them again (its own
# copy again; the count of TLB misses must not see it), calls the function (code is
# never shared) and yields again. Page U holds its id, so it is never shared.
# RES+0: sum of the words read back; RES+4: sum of the function's results.
.equ D, 0x30000
.equ C, 0x40000
.equ Z, 0x50000
.equ U, 0x60000
start:
	mov eax, [V_ID]
	mov [U], eax
	mov ebx, 8
round:
	mov [D], ebx
	mov [D + 0x1000], ebx
	mov [D + 0x2000 + 100], ebx
	mov [D + 0x3000 + 4000], ebx
	mov dword ptr [Z + 8], 0
	mov byte ptr [C], 0xb8      # mov eax, imm32
	mov [C + 1], ebx
	mov byte ptr [C + 5], 0xc3  # ret
	xor eax, eax
	xor edx, edx
	IDLE
	mov eax, [D]
	add [RES], eax
	mov eax, [D + 0x1000]
	add [RES], eax
	add eax, [Z + 8]
	mov [D + 0x1000 + 8], eax   # a write after a read of a shared page
	mov eax, [U]
	test eax, 1
	jz 1f
	mov eax, [D + 0x2000 + 100] # odd VMs: a read that stays shared until the next round
	add [RES], eax
1:
	mov eax, offset C
	call eax
	add [RES + 4], eax
	xor eax, eax
	xor edx, edx
	IDLE
	dec ebx
	jnz round
	FINISH
