# Wake latency: arm the timer 5 us ahead and idle with no timeout, then report how
# late the handler ran. VM 0 spins forever (under sync it is preempted for VM 1).
# Other VMs: 20 rounds; RES+0: upcalls, RES+4: the largest delay (ns, low word) from
# a deadline to time_ns seen in the handler.
start:
	mov eax, [V_ID]
	test eax, eax
	jnz worker
spin:
	jmp spin
worker:
	mov dword ptr [V_IHANDLER], offset ihandler
	mov dword ptr [V_IEN], 1
	mov ebx, 20
1:
	mov eax, [V_TIME]
	mov ecx, [V_TIME_HI]
	add eax, 5000
	adc ecx, 0
	mov [RES + 8], eax
	mov edx, TIMER
	out dx, eax
	mov eax, -1
	mov edx, -1
	IDLE
	dec ebx
	jnz 1b
	FINISH
ihandler:
	push eax
	mov eax, [V_TIME]
	sub eax, [RES + 8]
	cmp eax, [RES + 4]
	jbe 2f
	mov [RES + 4], eax
2:
	inc dword ptr [RES]
	pop eax
	mov dword ptr [V_IEN], 1
	add esp, 4
	iret
