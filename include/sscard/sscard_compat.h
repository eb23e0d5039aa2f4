/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsscard-compat: the ministry-style reader interface (design.md s.8)
 * for hospital information systems (HIS) that already call
 * iReadCardBas() and friends from a card-reader vendor's library.
 * Built on libsscard's public API only. See sscard-compat(3).
 *
 * Conventions (the customary ones; choices where they are ambiguous are
 * documented in sscard-compat(3)):
 * - Every function returns 0 on success or a negative code
 *   (SSCARD_COMPAT_*, or minus the decimal value of a card status word,
 *   e.g. 6A82 -> -27266).
 * - Output text is GBK. On success pOutInfo holds the fields, each one
 *   followed by '|'; on failure it holds a GBK message for the code.
 * - The caller's buffer size is not passed in: every function writes at
 *   most the SSCARD_COMPAT_*_MAX bytes below (NUL included), all of which
 *   are below SSCARD_COMPAT_OUT_BUFFER. Give every pOutInfo that many bytes.
 * - Thread safety: every call opens and frees its own library context and
 *   card connection; there is no global state. Calls from several threads
 *   at once are safe (Java JNA, C# P/Invoke); on one reader they take
 *   turns on the card, and a read that another call's reset interrupted
 *   is run again (bounded; PIN functions never are).
 * - The two-step security-module read (iReadCardBas_HSM_Step1/2): Step1
 *   keeps its connection (not a hold on the card) for the calling thread
 *   until that thread's Step2; Step2 on another thread, or without a Step1, is
 *   SSCARD_COMPAT_NOT_CONNECTED. Until then (at most 120 s) every other
 *   call of this library that picks the same reader is
 *   SSCARD_COMPAT_NOT_CONNECTED without reaching the card. Step1 ->
 *   "region|ATR historical bytes|algorithm flag (01 DES, 02 SSF33, 03
 *   SM4)|card id|internal process factor|internal original|external
 *   process factor|external original|" (16 hex digits each; the external
 *   ones empty below specification 3.00); pKey = "<internal result>
 *   <internal original>|<external cryptogram><external original>|" (66
 *   characters); a wrong internal result is SSCARD_COMPAT_HSM_MISMATCH.
 */
#ifndef SSCARD_COMPAT_H
#define SSCARD_COMPAT_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SSCARD_COMPAT_BUILDING)
#define SSCARD_COMPAT_API __attribute__((visibility("default")))
#else
#define SSCARD_COMPAT_API
#endif

/* ---- iType: which reader ------------------------------------------------ */
#define SSCARD_COMPAT_CONTACT 1          /* contact reader */
#define SSCARD_COMPAT_CONTACTLESS 2      /* contactless reader */
#define SSCARD_COMPAT_AUTO_CONTACT 3     /* contact first, then contactless */
#define SSCARD_COMPAT_AUTO_CONTACTLESS 4 /* contactless first, then contact */

/* ---- return codes (design.md s.8) ---------------------------------------- */
#define SSCARD_COMPAT_OK 0
#define SSCARD_COMPAT_WRONG_CARD -1          /* not a social security card */
#define SSCARD_COMPAT_NO_CARD -2             /* no card in the reader */
#define SSCARD_COMPAT_NOT_POWERED -3         /* the card could not be powered / reset */
#define SSCARD_COMPAT_NO_RESPONSE -4         /* the card does not respond */
#define SSCARD_COMPAT_LOAD_FAILED -5         /* loading a library failed (the GBK
                                                converter of iconv/gconv) */
#define SSCARD_COMPAT_READER_ERROR -11       /* reader connection error */
#define SSCARD_COMPAT_NOT_CONNECTED -12      /* no connection to the reader */
#define SSCARD_COMPAT_UNSUPPORTED -13        /* not supported here */
#define SSCARD_COMPAT_BAD_PARAM -14          /* bad parameter */
#define SSCARD_COMPAT_CHECKSUM -15           /* checksum error */
#define SSCARD_COMPAT_BAD_CARD_ID -20        /* bad card identification code */
#define SSCARD_COMPAT_NOT_GENUINE -21        /* internal authentication failed */
#define SSCARD_COMPAT_DATA_MISMATCH -22      /* data inconsistent */
#define SSCARD_COMPAT_DATA_INVALID -23       /* data invalid */
#define SSCARD_COMPAT_KEY_LEVEL -24          /* key level too low / keys refused */
#define SSCARD_COMPAT_HSM_MISMATCH -25       /* the card's INTERNAL AUTHENTICATE answer
                                                differs from the security module's */
#define SSCARD_COMPAT_PINPAD_CANCELLED -31   /* PIN entry cancelled (pad answered 6401) */
#define SSCARD_COMPAT_PINPAD_TIMEOUT -32     /* PIN entry timed out (6400) */
#define SSCARD_COMPAT_PINPAD_LENGTH -33      /* PIN too short or too long (6403) */
#define SSCARD_COMPAT_PINPAD_MISMATCH -34    /* the two new PINs differ (6402) */
#define SSCARD_COMPAT_PIN_INITIAL -35        /* the initial PIN may not transact */
#define SSCARD_COMPAT_PIN_BACK_TO_INITIAL -36 /* may not change back to the initial PIN */
#define SSCARD_COMPAT_ILLEGAL_CHARS -41      /* data has illegal characters */
#define SSCARD_COMPAT_DATA_LENGTH -42        /* data length wrong */
#define SSCARD_COMPAT_PIN_CHECK_FAILED -51   /* wrong PIN (tries left in the message) */
#define SSCARD_COMPAT_PIN_LOCKED -52         /* PIN locked */
#define SSCARD_COMPAT_NO_PSAM -2201          /* no PSAM */
#define SSCARD_COMPAT_ALG_UNSUPPORTED -2202  /* algorithm not supported */
#define SSCARD_COMPAT_NO_RKSSSE -2203        /* no RKSSSE key (keystore) */
#define SSCARD_COMPAT_NO_HSM_NEEDED -2204    /* no security-module authentication
                                                needed: use the plain function */

/* ---- output sizes, in bytes of GBK, NUL included ------------------------- */
/* Field maxima (no separator, no NUL), from the data element table's
 * lengths (design.md s.4). GBK text is never longer than the card's
 * bytes it was read from. */
#define SSCARD_COMPAT_REGION_LEN 6u      /* digits 1-6 of the card id */
#define SSCARD_COMPAT_SSN_LEN 18u        /* tag 08, an 18 */
#define SSCARD_COMPAT_CARDNO_LEN 9u      /* tag 07, an 9 */
#define SSCARD_COMPAT_CARDID_LEN 32u     /* tag 01, b 16 as hex */
#define SSCARD_COMPAT_NAME_LEN 50u       /* tag 09 (30) + tag 4E (20), GBK */
#define SSCARD_COMPAT_HIST_LEN 30u       /* at most 15 historical bytes, hex */
#define SSCARD_COMPAT_VERSION_LEN 4u     /* tag 03, an 4 */
#define SSCARD_COMPAT_DATE_LEN 8u        /* tags 05/06 as YYYYMMDD */
#define SSCARD_COMPAT_TERMNO_LEN 12u     /* PSAM terminal number, EF16 (empty without a PSAM) */
#define SSCARD_COMPAT_DEVNO_LEN 32u      /* terminal device number (always empty here) */
#define SSCARD_COMPAT_ALGFLAG_LEN 2u     /* "01" DES, "02" SSF33, "03" SM4 */
#define SSCARD_COMPAT_RANDOM_LEN 16u     /* one value of the two-step forms: 8 bytes, hex */
#define SSCARD_COMPAT_KEYADDR_LEN 4u     /* key address: PSAM usage byte and key index, hex */
#define SSCARD_COMPAT_HEADER_LEN 10u     /* an APDU header with Lc, hex */
#define SSCARD_COMPAT_PIN_MAX 6u         /* a PIN in the PIN forms' Step2 output */

/* iReadCardBas / iReadCardBas_HSM_Step2 on success: 11 fields + 11 '|' + NUL */
#define SSCARD_COMPAT_READCARDBAS_MAX                                          \
	(SSCARD_COMPAT_REGION_LEN + SSCARD_COMPAT_SSN_LEN +                   \
	 SSCARD_COMPAT_CARDNO_LEN + SSCARD_COMPAT_CARDID_LEN +                \
	 SSCARD_COMPAT_NAME_LEN + SSCARD_COMPAT_HIST_LEN +                    \
	 SSCARD_COMPAT_VERSION_LEN + 2u * SSCARD_COMPAT_DATE_LEN +            \
	 SSCARD_COMPAT_TERMNO_LEN + SSCARD_COMPAT_DEVNO_LEN + 11u + 1u)
/* iReadCardBas_HSM_Step1 on success: 8 fields + 8 '|' + NUL (Step2
 * writes at most SSCARD_COMPAT_READCARDBAS_MAX) */
#define SSCARD_COMPAT_HSM_STEP1_MAX                                            \
	(SSCARD_COMPAT_REGION_LEN + SSCARD_COMPAT_HIST_LEN +                  \
	 SSCARD_COMPAT_ALGFLAG_LEN + SSCARD_COMPAT_CARDID_LEN +               \
	 4u * SSCARD_COMPAT_RANDOM_LEN + 8u + 1u)
/* iReadCard on success: "FILE|value|...|$" per file of pFileAddr. The
 * longest output is known from pFileAddr alone (each value at most twice
 * its element's card length, for hex); a pFileAddr whose longest output
 * exceeds this is refused with -42 before the card is touched. */
#define SSCARD_COMPAT_READCARD_MAX SSCARD_COMPAT_OUT_BUFFER
/* pFileAddr and pWriteData are read up to this many bytes (NUL
 * excluded); longer is -14. */
#define SSCARD_COMPAT_FILEADDR_MAX 1024u
#define SSCARD_COMPAT_WRITEDATA_MAX 1024u
/* iGetCardType's pCardType: the card type element (EF05 tag 02, one
 * character) and its NUL. */
#define SSCARD_COMPAT_CARDTYPE_MAX 2u
/* The Step1 output of iReadCard_HSM, iWriteCard_HSM, iReloadPIN_HSM and
 * iUnblockPIN_HSM ("flag|key address|process factor|original|") and the
 * Step2 output of the PIN forms ("flag|key address|challenge|APDU
 * header|PIN|"), the longer of the two, NUL included. */
#define SSCARD_COMPAT_HSM_STEP_MAX                                             \
	(SSCARD_COMPAT_ALGFLAG_LEN + SSCARD_COMPAT_KEYADDR_LEN +              \
	 SSCARD_COMPAT_RANDOM_LEN + SSCARD_COMPAT_HEADER_LEN +                \
	 SSCARD_COMPAT_PIN_MAX + 5u + 1u)
/* Any error message, and iVerifyPIN / iChangePIN on success. */
#define SSCARD_COMPAT_MESSAGE_MAX 256u
/* Give every pOutInfo at least this many bytes (the customary 1024);
 * every maximum above is smaller (checked at compile time). */
#define SSCARD_COMPAT_OUT_BUFFER 1024u

/* ---- environment (read on every call; see sscard-compat(3)) -------------- */
/* Reader for iType 1 (name, unique substring or sim:PROFILE); default
 * SSCARD_READER, then a PC/SC reader whose name does not look
 * contactless: the first holding a social security card (by its ATR),
 * else the first holding a card. */
#define SSCARD_COMPAT_ENV_CONTACT "SSCARD_COMPAT_CONTACT"
/* Reader for iType 2; default: chosen as above among the PC/SC readers
 * whose name looks contactless (PICC, Contactless, -CL, " CL ", NFC). */
#define SSCARD_COMPAT_ENV_CONTACTLESS "SSCARD_COMPAT_CONTACTLESS"
/* PIN (and new PIN) when the reader has no PIN pad. */
#define SSCARD_COMPAT_ENV_PIN "SSCARD_COMPAT_PIN"
#define SSCARD_COMPAT_ENV_NEW_PIN "SSCARD_COMPAT_NEW_PIN"
/* Software keystore holding the RKSSSE key (or, with SSCARD_COMPAT_PSAM,
 * the PSAM's key map): when set, iReadCardBas authenticates in SSSE
 * first so 3.0 cards give their holder fields. */
#define SSCARD_COMPAT_ENV_KEYSTORE "SSCARD_COMPAT_KEYSTORE"
/* Reader holding the terminal's PSAM (e.g. the second slot): iReadCardBas
 * authenticates with it; -2201 when it holds no PSAM. */
#define SSCARD_COMPAT_ENV_PSAM "SSCARD_COMPAT_PSAM"

/* ---- the functions --------------------------------------------------------- */

SSCARD_COMPAT_API long iReadCardBas(int iType, char *pOutInfo);
SSCARD_COMPAT_API long iVerifyPIN(int iType, char *pOutInfo);
SSCARD_COMPAT_API long iChangePIN(int iType, char *pOutInfo);
SSCARD_COMPAT_API long iReadCardBas_HSM_Step1(int iType, char *pOutInfo);
SSCARD_COMPAT_API long iReadCardBas_HSM_Step2(char *pKey, char *pOutInfo);
/* The PSAM's terminal number (SSCARD_COMPAT_PSAM) into pPsamTermNo (at
 * most SSCARD_COMPAT_MESSAGE_MAX bytes: the message on failure); the
 * reader's serial number is not known here: pReaderSN gets "". */
SSCARD_COMPAT_API long iGetReaderInfo(char *pReaderSN, char *pPsamTermNo);
/*
 * Read the elements pFileAddr names ("SSSEEF05|06|07|$SSSEEF06|08|09|$",
 * "DF04EF05|81|84|...|$") from the card pCardInfo names ("card
 * identification code|card number|", else -22); pOutInfo gets them in the
 * same order and form ("SSSEEF05|<expiry YYYYMMDD>|<card number>|$..."),
 * GBK, at most SSCARD_COMPAT_READCARD_MAX bytes. iAuthType 1: the PIN is
 * verified first (pad, or SSCARD_COMPAT_PIN); 2: EXTERNAL AUTHENTICATE with
 * the configured PSAM or keystore in each file's DF (-2201 with neither).
 * An element libsscard's table lacks is -13 with the reason.
 */
SSCARD_COMPAT_API long iReadCard(int iType, int iAuthType, char *pCardInfo, char *pFileAddr,
                                 char *pOutInfo);
/*
 * Write the elements of the first file pFileAddr names with the values of
 * pWriteData (GBK, in the same order, each followed by '|', optionally
 * framed "FILE|...|$" as iReadCard shows them), with the file's update
 * key from the PSAM or keystore; each element is read back. pOutInfo: ""
 * on success. Elements of SSSE only (DF04: -13, see sscard-compat(3)).
 */
SSCARD_COMPAT_API long iWriteCard(int iType, char *pCardInfo, char *pFileAddr,
                                  char *pWriteData, char *pOutInfo);
/*
 * Only the signature is public. Here: pCardType gets the card type
 * element (EF05 tag 02, one character, NUL-terminated: at most
 * SSCARD_COMPAT_CARDTYPE_MAX bytes) of the card in the contact reader
 * (else the contactless one), pOutInfo "<card type>|<version>|".
 */
SSCARD_COMPAT_API long iGetCardType(unsigned char *pCardType, char *pOutInfo);
/* PIN reload (new PIN from SSCARD_COMPAT_NEW_PIN) and PIN unblock with the
 * PSAM or keystore, on the card pCardInfo names; pOutInfo "" on success. */
SSCARD_COMPAT_API long iReloadPIN(int iType, char *pCardInfo, char *pOutInfo);
SSCARD_COMPAT_API long iUnblockPIN(int iType, char *pCardInfo, char *pOutInfo);

/*
 * The security-module forms (design.md s.8; sscard-compat(3)): the
 * terminal holds no keys. Step1 -> "flag|key address|process factor|
 * original|" (16 hex digits each); Step2 takes pKey "<cryptogram>
 * <original>" (32 hex digits) and reads (iReadCard: output as iReadCard)
 * or writes pWriteData (iWriteCard: "" on success). PIN forms: Step2 ->
 * "flag|key address|challenge|APDU header|PIN|" (the new PIN for a
 * reload, SSCARD_COMPAT_NEW_PIN; empty for an unblock), Step3 takes the
 * whole protected APDU in hex ("" on success). A step without its Step1
 * on this thread is -12 and sends nothing; until the last step no other
 * call of this library reaches the card. iReadCard_HSM_Step1 on files
 * free to read is -2204.
 */
SSCARD_COMPAT_API long iReadCard_HSM_Step1(int iType, char *pCardInfo, char *pFileAddr,
                                           char *pOutInfo);
SSCARD_COMPAT_API long iReadCard_HSM_Step2(char *pKey, char *pOutInfo);
SSCARD_COMPAT_API long iWriteCard_HSM_Step1(int iType, char *pCardInfo, char *pFileAddr,
                                            char *pOutInfo);
SSCARD_COMPAT_API long iWriteCard_HSM_Step2(char *pKey, char *pWriteData, char *pOutInfo);
SSCARD_COMPAT_API long iReloadPIN_HSM_Step1(int iType, char *pCardInfo, char *pOutInfo);
SSCARD_COMPAT_API long iReloadPIN_HSM_Step2(char *pKey, char *pOutInfo);
SSCARD_COMPAT_API long iReloadPIN_HSM_Step3(char *pKey, char *pOutInfo);
SSCARD_COMPAT_API long iUnblockPIN_HSM_Step1(int iType, char *pCardInfo, char *pOutInfo);
SSCARD_COMPAT_API long iUnblockPIN_HSM_Step2(char *pKey, char *pOutInfo);
SSCARD_COMPAT_API long iUnblockPIN_HSM_Step3(char *pKey, char *pOutInfo);

/*
 * Not provided: iDoDebit (a payment against the card's financial
 * application, which is the bank's, not this interface's social security
 * application) and the PKI functions (signatures with the card's
 * certificates, which libsscard does not implement). A HIS that links
 * them fails to load, rather than getting a function that cannot work.
 */

#ifdef __cplusplus
}
#endif
#endif
