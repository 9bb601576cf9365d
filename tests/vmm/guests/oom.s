# The host running out of memory is not the guest's fault (issue 10 section 3). The
# test (test_oom.c) makes some host allocations fail from 20 us on; until 30 us the
# guest only spins. It has an exception handler that records the vector and fault
# address (RES+0, RES+4) and finishes: a host failure handed to the guest as a page
# fault shows up there. RES's page and the stack are made private before.
# pages: touches fresh pages (the page pool then needs a new 1 MiB chunk).
# code:  writes `xor eax, eax; terminate` into a fresh page early, and jumps to it
#        after 30 us (the decode cache then needs memory for that page).
.equ CODE, 0x300000
start:
pages:
	call setup
	mov edi, 0x40000
1:
	mov byte ptr [edi], 1
	add edi, 4096
	cmp edi, 0x3f0000
	jb 1b
	FINISH
code:
	call setup
	mov eax, CODE
	jmp eax
setup:
	mov dword ptr [V_EHANDLER], offset handler
	mov dword ptr [RES + 8], 0
	mov dword ptr [CODE], 0x0c0fc031
	mov byte ptr [CODE + 4], 0x01
2:
	mov eax, [V_TIME]
	cmp eax, 30000
	jb 2b
	ret
handler:
	mov eax, [esp]
	mov [RES], eax
	mov eax, [V_FAULT_ADDR]
	mov [RES + 4], eax
	FINISH
