# Coalescing deadline: arm the timer 10 us ahead, idle with no timeout; RES+0: the
# deadline (low word), RES+4: time_ns after waking, RES+8: int_pending then.
start:
	mov eax, [V_TIME]
	mov ecx, [V_TIME_HI]
	add eax, 10000
	adc ecx, 0
	mov [RES], eax
	mov edx, TIMER
	out dx, eax
	mov eax, -1
	mov edx, -1
	IDLE
	mov eax, [V_TIME]
	mov [RES + 4], eax
	mov eax, [V_IPEND]
	mov [RES + 8], eax
	FINISH
