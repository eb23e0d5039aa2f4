/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sscard: return codes shared by every call of the library. */
#ifndef SSCARD_RC_H
#define SSCARD_RC_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SSCARD_BUILDING_LIBRARY)
#define SSCARD_API __attribute__((visibility("default")))
#else
#define SSCARD_API
#endif

/*
 * Every public call returns one of these. SSCARD_OK is 0, errors are
 * negative and stable (they are part of the ABI and of cardtool's JSON).
 * Status words from the card are mapped to these by one table (lib/sw.c);
 * the raw status word stays available through sscard_card_last_sw().
 */
typedef enum sscard_rc {
	SSCARD_OK = 0,

	/* caller and host */
	SSCARD_E_INVALID_ARG = -1,      /* a parameter is invalid */
	SSCARD_E_NOMEM = -2,            /* out of memory */
	SSCARD_E_BUFFER_TOO_SMALL = -3, /* caller's buffer cannot hold the answer */
	SSCARD_E_IO = -4,               /* file or system I/O failed */
	SSCARD_E_NOT_IMPLEMENTED = -5,  /* the transport or build lacks this feature */
	SSCARD_E_INTERNAL = -6,         /* a library invariant was broken (a bug) */
	SSCARD_E_PROFILE = -7,          /* a simulator profile is malformed */
	SSCARD_E_ENCODING = -8,         /* text is not valid GBK / UTF-8 */
	SSCARD_E_KEYSTORE = -9,         /* keystore missing, malformed or unsafe */
	SSCARD_E_BUSY = -10,            /* the context is in use by another thread */

	/* readers and transport */
	SSCARD_E_NO_SERVICE = -20,      /* pcscd is not running */
	SSCARD_E_NO_READER = -21,       /* no reader, or none matches the name */
	SSCARD_E_READER_AMBIGUOUS = -22,/* the reader name matches several readers */
	SSCARD_E_NO_CARD = -23,         /* no card in the reader */
	SSCARD_E_CARD_REMOVED = -24,    /* the card was removed */
	SSCARD_E_CARD_RESET = -25,      /* the card was reset; selected state lost */
	SSCARD_E_MUTE = -26,            /* the card does not answer (no ATR / unresponsive) */
	SSCARD_E_TIMEOUT = -27,         /* an operation timed out */
	SSCARD_E_SHARING = -28,         /* another application holds the card */
	SSCARD_E_TRANSPORT = -29,       /* the reader or link failed */
	SSCARD_E_CANCELLED = -30,       /* a wait was cancelled */

	/* malformed exchanges */
	SSCARD_E_BAD_APDU = -40,        /* the command cannot be encoded */
	SSCARD_E_BAD_RESPONSE = -41,    /* the card's answer is malformed */
	SSCARD_E_BAD_ATR = -42,         /* the ATR is malformed */
	SSCARD_E_BAD_DATA = -43,        /* a record or field from the card is malformed */
	SSCARD_E_DATA_INVALID = -44,    /* data parsed but fails validation */

	/* status words */
	SSCARD_E_WRONG_PIN = -60,       /* 63Cx: wrong PIN, tries left in the detail */
	SSCARD_E_PIN_BLOCKED = -61,     /* 6983: PIN or key blocked */
	SSCARD_E_SECURITY = -62,        /* 6982: security status not satisfied */
	SSCARD_E_CONDITIONS = -63,      /* 6985: conditions of use not satisfied */
	SSCARD_E_APP_BLOCKED = -64,     /* 6283: application temporarily blocked */
	SSCARD_E_APP_LOCKED = -65,      /* 9303: application permanently locked */
	SSCARD_E_FILE_NOT_FOUND = -66,  /* 6A82 */
	SSCARD_E_RECORD_NOT_FOUND = -67,/* 6A83 */
	SSCARD_E_NOT_SUPPORTED = -68,   /* 6A81 / 6D00 / 6E00 */
	SSCARD_E_WRONG_LENGTH = -69,    /* 6700 */
	SSCARD_E_WRONG_PARAMS = -70,    /* 6A86 / 6B00 / 6A80 */
	SSCARD_E_MEMORY_FAILURE = -71,  /* 6581: the chip's memory failed */
	SSCARD_E_CARD_ERROR = -72,      /* 6F00 or any other failing status word */
	SSCARD_E_KEY_NOT_FOUND = -73,   /* 6A88 / 9403 */
	SSCARD_E_MAC = -74,             /* 6988 / 9302: MAC wrong */
	SSCARD_E_RANDOM_INVALID = -75,  /* 6984: no or stale challenge */
	SSCARD_E_AUTH_FAILED = -76,     /* 6300: authentication failed */

	/* security */
	SSCARD_E_CRYPTO = -90,          /* the crypto library failed */
	SSCARD_E_NOT_GENUINE = -91,     /* internal authentication: card not genuine */
	SSCARD_E_KEYS_MISMATCH = -92,   /* keys do not match this card */
	SSCARD_E_TORN_WRITE = -93,      /* a write was interrupted; data may be damaged */
	SSCARD_E_VERIFY_FAILED = -94    /* read-back after a write differs */
} sscard_rc;

/* English text for rc; never NULL. */
SSCARD_API const char *sscard_strerror(int rc);
/* Chinese (UTF-8) text for rc; never NULL. */
SSCARD_API const char *sscard_strerror_zh(int rc);
/* Stable upper-case identifier, e.g. "PIN_BLOCKED"; never NULL. */
SSCARD_API const char *sscard_rc_name(int rc);

#ifdef __cplusplus
}
#endif
#endif
