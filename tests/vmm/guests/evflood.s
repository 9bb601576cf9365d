# Stale events (hostile): a VM that keeps replacing its timer deadline, or idles with a
# long timeout that its timer always cuts short, leaves one kernel event behind per
# request that no longer matters. The kernel's event queue must not grow with them.
# Phase 1: 200,000 times, arm the timer about 4,295 s ahead (ECX:EAX = time + 2^42 ns).
# Phase 2: 20,000 times, arm the timer 10 us ahead, idle with a 1,000 s timeout (the timer
# ends it), acknowledge the timer line. RES+0: phase 2's rounds.
start:
	mov ebx, 200000
1:	mov eax, [V_TIME]
	mov ecx, [V_TIME_HI]
	add ecx, 1024
	mov edx, TIMER
	out dx, eax
	dec ebx
	jnz 1b
	xor ebx, ebx
2:	mov eax, [V_TIME]
	mov ecx, [V_TIME_HI]
	add eax, 10000
	adc ecx, 0
	mov edx, TIMER
	out dx, eax
	mov eax, 0xd4a51000
	mov edx, 0xe8
	IDLE
	mov dword ptr [V_IPEND], 0
	inc ebx
	cmp ebx, 20000
	jb 2b
	mov [RES], ebx
	FINISH
