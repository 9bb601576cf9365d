# Exceptions delivered to exc_handler (docs/isa.md 8.2): #UD, INT 0x80, #PF on a read
# and on a write to the kernel region. The handler records each frame in RES
# (RES+0: count; RES+4+32n: vector, error code, EIP, CS, EFLAGS, fault_addr, the
# int_enable it saw, its frame address) and resumes at the next entry of `resume`.
start:
	mov dword ptr [V_EHANDLER], offset handler
	mov dword ptr [V_IEN], 1
ud_at:
	ud2
int_at:
	int 0x80
int_after:
pf_read_at:
	mov eax, [0x10]
pf_write_at:
	mov [0xc0000004], eax
done:
	FINISH
handler:
	push eax
	push ecx
	push esi
	push edi
	mov eax, [RES]
	shl eax, 5
	lea edi, [RES + 4 + eax]
	lea esi, [esp + 16]
	mov ecx, 5
	rep movsd
	mov eax, [V_FAULT_ADDR]
	stosd
	mov eax, [V_IEN]
	stosd
	lea eax, [esp + 16]
	stosd
	mov eax, [RES]
	mov eax, [resume + eax * 4]
	mov [esp + 16 + 8], eax
	inc dword ptr [RES]
	pop edi
	pop esi
	pop ecx
	pop eax
	add esp, 8
	iret
resume:
	.long int_at, int_after, pf_write_at, done
