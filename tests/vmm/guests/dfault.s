# Double faults (docs/isa.md 8.3). VM 0: the handler's first instruction faults.
# VM 1: the handler address is outside guest memory. VM 2: no room for the frame.
# VM 3: a handler that works, then INT 3 from inside the handler itself (nesting is
# fine because the handler retired instructions first); exits with the count.
start:
	mov eax, [V_ID]
	cmp eax, 1
	je vm1
	cmp eax, 2
	je vm2
	cmp eax, 3
	je vm3
	mov dword ptr [V_EHANDLER], offset bad_handler
	ud2
vm1:
	mov dword ptr [V_EHANDLER], 0x7ff00000
	ud2
vm2:
	mov dword ptr [V_EHANDLER], offset good_handler
	mov esp, 0x1000 + 8
	ud2
vm3:
	mov dword ptr [V_EHANDLER], offset good_handler
	int3
	mov eax, [RES]
	TERMINATE
bad_handler:
	ud2
good_handler:
	inc dword ptr [RES]
	cmp dword ptr [RES], 2
	jae 1f
	int3
1:
	add esp, 8
	iret
