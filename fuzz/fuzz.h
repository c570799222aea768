/*
 * fuzz - what every fuzz target of fuzz/ shares.
 *
 * A target is one file defining LLVMFuzzerTestOneInput() (and, when it
 * needs set-up done once, LLVMFuzzerInitialize()). It is linked twice:
 * with libFuzzer (clang, ./configure --enable-fuzzing: fuzz/fuzz-NAME,
 * run by make fuzz-smoke) and with fuzz/replay.c (any compiler, the
 * normal build: fuzz/replay-NAME, run by make check over the target's
 * seed corpus and the inputs that once failed).
 *
 * A target checks invariants, not only the absence of crashes: when one
 * fails it calls fuzz_fail(), which prints what failed and aborts, so
 * that libFuzzer keeps the input as a crash and the replay test fails.
 */
#ifndef GW_FUZZ_FUZZ_H
#define GW_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

void	fuzz_fail(const char *target, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif
