# The results ports (docs/isa.md 9.5). Every VM adds 1 and its id to counters, records
# samples 100 and 10,000+id, then makes four bad requests whose EAX it keeps:
# RES+0: EAX of the first STAT_ADD, RES+4: name too long, RES+8: bad character,
# RES+12: name outside memory, RES+16: counter name used as a sample.
start:
	mov edx, 0x140
	mov esi, offset n_ops
	mov ecx, 3
	mov edi, 1
	xor ebx, ebx
	in eax, dx
	mov [RES], eax
	mov esi, offset n_ids
	mov ecx, 3
	mov edi, [V_ID]
	in eax, dx
	mov edx, 0x141
	mov esi, offset n_lat
	mov ecx, 6
	mov edi, 100
	in eax, dx
	mov edi, [V_ID]
	add edi, 10000
	in eax, dx
	mov ecx, 33
	in eax, dx
	mov [RES + 4], eax
	mov esi, offset n_bad
	mov ecx, 4
	in eax, dx
	mov [RES + 8], eax
	mov esi, 0xbffffff0
	mov ecx, 8
	in eax, dx
	mov [RES + 12], eax
	mov esi, offset n_ops
	mov ecx, 3
	in eax, dx
	mov [RES + 16], eax
	FINISH
n_ops:
	.ascii "ops"
n_ids:
	.ascii "ids"
n_lat:
	.ascii "lat_ns"
n_bad:
	.ascii "a b!"
