# The control interface's guest (test_ctl.c, vmm/ctl.h): 200 rounds of a loop that adds
# one to COUNT in memory and calls a leaf function, then stores COUNT as its result.
# ADDED follows the store. FAULT reads from the hole when a test jumps there.
# CMPI is the loop's compare: its 32-bit immediate (the bound) is at CMPI + 2.
.equ COUNT, 0x30000
start:
	mov ecx, 0
loop:
	add dword ptr [COUNT], 1
added:
	call leaf
	inc ecx
cmpi:
	cmp ecx, 200
	jne loop
	mov eax, [COUNT]
	mov [RES], eax
	FINISH
leaf:
	mov edx, [COUNT]
	ret
# Never reached by itself: a test moves EIP here to see a fault stop.
fault:
	mov eax, [0x10]
	FINISH
