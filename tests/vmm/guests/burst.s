# A burst of timer interrupts: ten times, arm the timer in the past (it fires at once)
# and spin a little; the handler (enabled throughout) counts upcalls and raises seen.
# Then idle 2 ms and exit. RES+0: upcalls, RES+4: OR of masks.
start:
	mov dword ptr [V_IHANDLER], offset ihandler
	mov dword ptr [V_IEN], 1
	mov ebx, 10
1:
	mov eax, 1
	xor ecx, ecx
	mov edx, TIMER
	out dx, eax
	mov ecx, 50
2:
	dec ecx
	jnz 2b
	dec ebx
	jnz 1b
	mov eax, 2000000
	xor edx, edx
	IDLE
	FINISH
ihandler:
	push eax
	mov eax, [esp + 4]
	or [RES + 4], eax
	inc dword ptr [RES]
	pop eax
	mov dword ptr [V_IEN], 1
	add esp, 4
	iret
