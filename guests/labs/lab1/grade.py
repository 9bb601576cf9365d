# SPDX-License-Identifier: MIT
# Lab 1 tests (docs/labs/lab1.md): boot, console, printf, the clock, exceptions with
# their report, system calls, interrupts and the int_wanted discipline.
from grading import Test, console_is, console_matches, exit_code

TITLE = "boot, console and traps"

REGS = [r"trap: eax 0x11111111 ebx 0x22222222 ecx 0x33333333 edx 0x44444444",
        r"trap: esi 0x55555555 edi 0x66666666 ebp 0x77777777 esp 0x00300000"]


def at(symbol, plus=0):
    """The reported EIP as a pattern: the test's label `symbol` (+ plus for traps,
    which report the next instruction)."""
    def pattern(run):
        v = run.symbol(symbol)
        return "0x%08x" % (v + plus) if v is not None else "(symbol %s missing)" % symbol
    return pattern


def fault(kind, name, mnemonic, vector, error=0, addr=None, plus=0):
    """The report of fault `kind` (traps.c) and its exit code."""
    def line(run):
        s = "trap: %s \\(%s, vector %d\\) at eip %s, error 0x%x" % (
            name, mnemonic, vector, at("trap_" + kind, plus)(run), error)
        return s + (", addr 0x%08x" % addr if addr is not None else "")
    return Test("fault-" + kind, 10 if kind == "pf" else 5, "traps", ["--args", kind],
                [console_matches(["traps: " + kind, line] + REGS), exit_code(128 + vector)])


TESTS = [
    Test("boot", 5, "hello", [],
         [console_is(["hello from the lab 1 kernel"]), exit_code(0)]),
    Test("exit-code", 5, "hello", ["--args", "42"], [exit_code(42)]),
    Test("printf", 20, "printf", [], [console_is([
        "printf: [-42] [7] [4000000000] [beef] [BEEF] [%]",
        "printf: [   42] [42   ] [-0042] [ab    ] [    ab] [ok]",
        "printf: [-1234567890123] [18446744073709551615] [123456789abcdef] [000000ab] "
        "[0x00002000]",
        "printf: [(null)] [-1] [3000000000] [-2147483648] [0]",
        "printf: snprintf returned 15, kept [truncat]"]), exit_code(0)]),
    Test("clock", 5, "clock", [], [console_is([
        "clock: 20000 readings, 0 equal to the one before, 0 went backwards"]),
        exit_code(0)]),
    fault("pf", "page fault", "#PF", 14, error=2, addr=0),
    fault("de", "divide error", "#DE", 0),
    fault("ud", "invalid opcode", "#UD", 6),
    fault("gp", "general protection", "#GP", 13),
    fault("int", "software interrupt", "INT 0x41", 65, plus=2),
    Test("breakpoint", 5, "traps", ["--args", "bp"], [console_matches([
        "traps: bp",
        lambda run: "trap: breakpoint \\(#BP, vector 3\\) at eip %s" % at("trap_bp", 1)(run),
        "traps: back in main after bp"]), exit_code(0)]),
    Test("syscall", 10, "syscall", [], [console_is([
        "syscall: written by SYS_WRITE",
        "syscall: SYS_WRITE returned 30",
        "syscall: SYS_VMID returned 0",
        "syscall: number 99 returned 0xffffffff"]), exit_code(5)]),
    Test("syscall-vm-id", 5, "syscall", ["--vms", "3"],
         [console_matches(["syscall: written by SYS_WRITE", "syscall: SYS_WRITE returned 30",
                           "syscall: SYS_VMID returned 2", ".*"], vm=2), exit_code(5, vm=2)]),
    Test("interrupts", 15, "intr", [], [console_is([
        "intr: after a system call int_enable 1 int_wanted 1",
        "intr: after a system call with interrupts off int_enable 0 int_wanted 0",
        "intr: 5 ticks, 0 early"]), exit_code(0)]),
]
