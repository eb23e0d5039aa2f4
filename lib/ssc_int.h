/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private: the one way to address a data element's record (lib/ssc.c), for
 * the secure channel's protected writes (lib/sm.c), so that reading an
 * element before and after a write is the same code as reading it.
 */
#ifndef SSCARD_SSC_INT_H
#define SSCARD_SSC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "elements.h"
#include "internal.h"

/* Make SSSE (fid 0) or an application DF below it (00 A4 00 00 02 DF04)
 * current; nothing is sent for what this connection has selected already,
 * so the security state gained there stays. */
sscard_rc sscard_ssc_select_app(sscard_card *card, uint16_t fid);
/* SELECT an EF of SSSE by FID (EF0D), SSSE being selected; nothing is sent
 * when this connection made it current already. */
sscard_rc sscard_ssc_select_ef(sscard_card *card, const sscard_file_info *fi);
/* READ RECORD of `e` (by SFI and tag, or by number in its selected EF),
 * the strict TLV check, the value into `value`. */
sscard_rc sscard_ssc_read_value(sscard_card *card, const sscard_element *e,
                                uint8_t value[SSCARD_ELEM_VALUE_MAX], size_t *len);

#endif
