# Long REP string instructions under preemption, for the tracing slow path
# (test_obs.c): REP STOSD, REP MOVSD and REPNE SCASD over 20 KB, 100 times; with short
# quanta the budget runs out inside them, where cpu_run stops a REP instruction and
# cpu_step_budget must stop it at the same iteration.
start:
	mov ebx, 100
1:
	mov edi, 0x30000
	mov ecx, 5000
	mov eax, ebx
	rep stosd
	mov esi, 0x30000
	mov edi, 0x40000
	mov ecx, 5000
	rep movsd
	mov edi, 0x30000
	mov ecx, 5000
	mov eax, 12345
	repne scasd
	mov [RES], ecx
	dec ebx
	jnz 1b
	FINISH
