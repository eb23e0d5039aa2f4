/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A transport whose every answer comes from the fuzz input: the fuzzer
 * plays the card. Input format: a sequence of records, each a 2-byte
 * big-endian length (bit 15 set = answer with a transport error chosen by
 * the low bits) and that many answer bytes. When the input runs out the
 * card is "removed". */
#ifndef FUZZ_CARD_H
#define FUZZ_CARD_H

#include <stddef.h>
#include <stdint.h>

#include <sscard/sscard.h>

sscard_card *fuzz_card_connect(sscard_ctx *ctx, const uint8_t *data, size_t size);

#endif
