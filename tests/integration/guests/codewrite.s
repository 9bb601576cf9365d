# Device writes over decoded code (issue 10; test_devhost.c). The function at fn is
# copied to a private page (0x40000) and called there, so its code is decoded; then a
# device places new bytes over it, and it is called again: the new code must run.
# case_console: CONSOLE_READ of 6 bytes to 0x40000. case_disk: DISK_READ of block 0
# of disk 0 to 0x40000, waiting for the completion (DISK_DONE, idling 1 ms at a time).
# RES+0 the first call's result (7), +4 the read's result, +8 the second call's result.
start:
case_console:
	call copy_fn
	mov edi, 0x40000
	mov ecx, 6
	mov edx, 0x101
	in eax, dx
	mov [RES + 4], eax
	jmp call_again
case_disk:
	call copy_fn
	xor ecx, ecx
	xor ebx, ebx
	mov edi, 0x40000
	mov edx, 0x120
	in eax, dx
	mov [RES + 4], eax
1:	mov edx, 0x122
	in eax, dx
	test eax, eax
	jnz call_again
	mov eax, 1000000
	xor edx, edx
	IDLE
	jmp 1b
call_again:
	mov eax, 0x40000
	call eax
	mov [RES + 8], eax
	FINISH
# Copies fn to 0x40000 and calls it there; RES+0 its result.
copy_fn:
	mov esi, offset fn
	mov edi, 0x40000
	mov ecx, 6
	rep movsb
	mov eax, 0x40000
	call eax
	mov [RES], eax
	ret
fn:
	mov eax, 7
	ret
