# Polling without a handler (docs/isa.md 8.4): arm the timer 50 us ahead, idle, read
# int_pending, acknowledge it by clearing the bit, idle 1 us (a fresh VM entry) and
# read int_pending again. Then arm a timer and cancel it (deadline 0): the idle with a
# 200 us timeout must run to its timeout. RES+0: first read, RES+4: second read,
# RES+8: time (low word) before the last idle, RES+12: time after it.
start:
	mov eax, [V_TIME]
	mov ecx, [V_TIME_HI]
	add eax, 50000
	adc ecx, 0
	mov edx, TIMER
	out dx, eax
	mov eax, -1
	mov edx, -1
	IDLE
	mov eax, [V_IPEND]
	mov [RES], eax
	mov dword ptr [V_IPEND], 0
	mov eax, 1000
	xor edx, edx
	IDLE
	mov eax, [V_IPEND]
	mov [RES + 4], eax
	mov eax, [V_TIME]
	add eax, 10000
	mov ecx, [V_TIME_HI]
	mov edx, TIMER
	out dx, eax
	xor eax, eax
	xor ecx, ecx
	out dx, eax
	mov eax, [V_TIME]
	mov [RES + 8], eax
	mov eax, 200000
	xor edx, edx
	IDLE
	mov eax, [V_TIME]
	mov [RES + 12], eax
	FINISH
