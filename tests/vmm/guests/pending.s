# Interrupts raised before the VM starts (the test calls intr_raise): one upcall
# carries all of them. Enabling takes effect at the next VM entry, which idle with a
# zero timeout forces (docs/isa.md 8.5). RES+0: upcalls, RES+4: the first mask.
start:
	mov dword ptr [V_IHANDLER], offset ihandler
	mov dword ptr [V_IEN], 1
	xor eax, eax
	xor edx, edx
	IDLE
	mov ecx, 1000
1:
	dec ecx
	jnz 1b
	FINISH
ihandler:
	push eax
	cmp dword ptr [RES], 0
	jne 2f
	mov eax, [esp + 4]
	mov [RES + 4], eax
2:
	inc dword ptr [RES]
	pop eax
	mov dword ptr [V_IEN], 1
	add esp, 4
	iret
