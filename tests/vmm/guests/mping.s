# Ping across machines (test_world.c). On machine 0 (vregs machine_id, 0x1058) every VM
# echoes frames: it receives each one, sends it back to its source MAC from its own MAC,
# and idles (1 ms timeout) when its queue is empty; it never ends by itself (the run
# ends with the clients). On the other machines each VM sends 4 pings, one at a time,
# to machine 0 VM 0 (02:44:4e:00:00:00), byte 14 = the ping number, and waits up to
# 5 ms for each echo (NIC interrupt or timeout), reading the time (vregs time_ns) before
# the send and after the echo. Client results:
#   RES+0 echoes received   RES+4 the first round trip, ns   RES+8 the smallest, ns
#   RES+12 the echo's source MAC bytes 0-3   RES+16 machine_id   RES+20 ipv4 vreg
#   RES+24 NIC_SEND result of the last ping
.equ V_MACHINE, 0x1058
.equ FRAME, 0x30000
.equ RBUF, 0x31000
start:
	mov eax, [V_MACHINE]
	test eax, eax
	jnz client
server:
	mov dword ptr [V_IPEND], 0    # acknowledge before draining: a later frame wakes the idle
	mov edi, RBUF
	mov ecx, 1514
	mov edx, 0x111
	in eax, dx
	test eax, eax
	jz 1f
	test eax, 0x80000000
	jnz 1f
	mov ecx, eax
	mov eax, [RBUF + 6]
	mov [RBUF], eax
	mov ax, [RBUF + 10]
	mov [RBUF + 4], ax
	mov eax, [0x1030]
	mov [RBUF + 6], eax
	mov ax, [0x1034]
	mov [RBUF + 10], ax
	mov esi, RBUF
	mov edx, 0x110
	in eax, dx
	jmp server
1:
	mov eax, 1000000
	xor edx, edx
	IDLE
	jmp server

client:
	mov [RES + 16], eax
	mov eax, [0x1038]
	mov [RES + 20], eax
	mov dword ptr [RES + 8], 0xffffffff
	mov edi, FRAME
	mov dword ptr [edi], 0x004e4402
	mov word ptr [edi + 4], 0x0000
	mov eax, [0x1030]
	mov [edi + 6], eax
	mov ax, [0x1034]
	mov [edi + 10], ax
	mov word ptr [edi + 12], 0xb588
	xor ebx, ebx                  # ping number
ping:
	mov [FRAME + 14], bl
	mov ebp, [V_TIME]             # time before the send
	mov esi, FRAME
	mov ecx, 64
	mov edx, 0x110
	in eax, dx
	mov [RES + 24], eax
	mov edi, 5                    # up to 5 x 1 ms waits
wait:
	mov dword ptr [V_IPEND], 0
	mov edx, 0x112
	in eax, dx
	test eax, eax
	jnz got
	mov eax, 1000000
	xor edx, edx
	IDLE
	dec edi
	jnz wait
	jmp next
got:
	mov eax, [V_TIME]
	sub eax, ebp                  # the round trip
	cmp dword ptr [RES], 0
	jne 2f
	mov [RES + 4], eax
2:
	cmp eax, [RES + 8]
	jae 3f
	mov [RES + 8], eax
3:
	mov edi, RBUF
	mov ecx, 1514
	mov edx, 0x111
	in eax, dx
	mov eax, [RBUF + 6]
	mov [RES + 12], eax
	inc dword ptr [RES]
next:
	inc ebx
	cmp ebx, 4
	jb ping
	FINISH
