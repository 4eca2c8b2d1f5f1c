/* replay.h - what a fuzz target provides to replay.c's corpus runner. */
#ifndef SL_FUZZ_REPLAY_H
#define SL_FUZZ_REPLAY_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The target's name in messages, and its corpus directory under tests/fuzz/. */
extern const char sl_fuzz_name[];
extern const char sl_fuzz_corpus[];

#endif
