# The timer and batched delivery (docs/isa.md 8.5, 9.1). Five rounds: arm the timer
# 100 us after time_ns, idle with no timeout, and record the time seen after waking.
# The interrupt handler counts upcalls and ORs the masks it receives.
# RES+0: upcalls, RES+4: OR of masks, RES+8: int_enable seen in the handler,
# RES+12+4n: time_ns (low word) after the n-th wake, RES+40+4n: the n-th deadline.
start:
	mov dword ptr [V_IHANDLER], offset ihandler
	mov dword ptr [V_IEN], 1
	xor ebx, ebx
round:
	mov eax, [V_TIME]
	mov ecx, [V_TIME_HI]
	add eax, 100000
	adc ecx, 0
	mov [RES + 40 + ebx * 4], eax
	mov edx, TIMER
	out dx, eax
	mov eax, -1
	mov edx, -1
	IDLE
	mov eax, [V_TIME]
	mov [RES + 12 + ebx * 4], eax
	inc ebx
	cmp ebx, 5
	jb round
	FINISH
ihandler:
	push eax
	mov eax, [esp + 4]
	or [RES + 4], eax
	mov eax, [V_IEN]
	mov [RES + 8], eax
	inc dword ptr [RES]
	pop eax
	mov dword ptr [V_IEN], 1
	add esp, 4
	iret
