# Every privileged instruction of docs/isa.md section 5 raises #GP. The exception
# handler counts vectors: RES+0: exceptions, RES+4: how many were #GP (13), RES+8: the
# last vector that was not 13 (0 if none). It resumes at the next `resume` entry.
start:
	mov dword ptr [V_EHANDLER], offset handler
	mov dx, 0x100
	mov esi, 0x20000
	mov edi, 0x20100
p0:	cli
p1:	sti
p2:	insb
p3:	outsb
p4:	lgdt [0x20000]
p5:	lidt [0x20000]
p6:	lldt ax
p7:	ltr ax
p8:	sgdt [0x20000]
p9:	sidt [0x20000]
p10:	sldt eax
p11:	str eax
p12:	smsw eax
p13:	lmsw ax
p14:	verr ax
p15:	verw ax
p16:	clts
p17:	invd
p18:	wbinvd
p19:	mov eax, cr0
p20:	mov cr0, eax
p21:	mov eax, dr0
p22:	rdmsr
p23:	wrmsr
p24:	rdpmc
p25:	insd
p26:	outsd
done:
	FINISH
handler:
	push eax
	mov eax, [esp + 4]
	cmp eax, 13
	jne 1f
	inc dword ptr [RES + 4]
	jmp 2f
1:	mov [RES + 8], eax
2:	mov eax, [RES]
	mov eax, [resume + eax * 4]
	mov [esp + 12], eax
	inc dword ptr [RES]
	pop eax
	add esp, 8
	iret
resume:
	.long p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15
	.long p16, p17, p18, p19, p20, p21, p22, p23, p24, p25, p26, done
