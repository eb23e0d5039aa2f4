/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sscard: China social security card middleware. Umbrella header. */
#ifndef SSCARD_SSCARD_H
#define SSCARD_SSCARD_H

#include <sscard/rc.h>
#include <sscard/context.h>
#include <sscard/card.h>
#include <sscard/atr.h>
#include <sscard/ssc.h>
#include <sscard/sm.h>
#include <sscard/diag.h>
#include <sscard/event.h>

#endif
