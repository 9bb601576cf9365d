# Timer edge cases (docs/isa.md 8.5, 9.1), one per VM:
# VM 0: interrupts enabled with ESP in the first page: the interrupt frame cannot be
#       pushed, the VM is ended.
# VM 1: arms the timer for 1 ms, then replaces it with 100 us; idles with no timeout;
#       RES+0: upcalls (1), RES+4: time (low word) after the wake (< 1 ms).
# VM 2: arms the timer beyond the end of simulated time: it never fires (hung).
start:
	mov dword ptr [V_IHANDLER], offset ihandler
	mov dword ptr [V_IEN], 1
	mov eax, [V_ID]
	cmp eax, 1
	je vm1
	cmp eax, 2
	je vm2
	mov esp, 0x1008
	mov eax, 1
	xor ecx, ecx
	mov edx, TIMER
	out dx, eax
	xor eax, eax
	xor edx, edx
	IDLE
	mov eax, 99
	TERMINATE
vm1:
	mov eax, 1000000
	xor ecx, ecx
	mov edx, TIMER
	out dx, eax
	mov eax, 100000
	out dx, eax
	mov eax, -1
	mov edx, -1
	IDLE
	mov eax, [V_TIME]
	mov [RES + 4], eax
	FINISH
vm2:
	mov eax, -1
	mov ecx, -1
	mov edx, TIMER
	out dx, eax
	mov eax, -1
	mov edx, -1
	IDLE
	mov eax, 98
	TERMINATE
ihandler:
	inc dword ptr [RES]
	mov dword ptr [V_IEN], 1
	add esp, 4
	iret
