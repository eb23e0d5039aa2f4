/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The header check (issue 15): the declarations a card-reader vendor's
 * header gives a HIS (design.md s.8, plain C on Linux), written out here
 * without <sscard/sscard_compat.h>. compat_header.sh compiles this file
 * and links it against libsscard-compat.so (every name resolves), and
 * compiles it again with the library's header forced in first
 * (-include), where any difference in a name's argument or return types
 * is a "conflicting types" error.
 */
#include <stdio.h>

long iReadCardBas(int iType, char *pOutInfo);
long iReadCard(int iType, int iAuthType, char *pCardInfo, char *pFileAddr, char *pOutInfo);
long iWriteCard(int iType, char *pCardInfo, char *pFileAddr, char *pWriteData, char *pOutInfo);
long iVerifyPIN(int iType, char *pOutInfo);
long iChangePIN(int iType, char *pOutInfo);
long iReloadPIN(int iType, char *pCardInfo, char *pOutInfo);
long iUnblockPIN(int iType, char *pCardInfo, char *pOutInfo);
long iReadCardBas_HSM_Step1(int iType, char *pOutInfo);
long iReadCardBas_HSM_Step2(char *pKey, char *pOutInfo);
long iGetReaderInfo(char *pReaderSN, char *pPsamTermNo);
long iGetCardType(unsigned char *pCardType, char *pOutInfo);
long iReadCard_HSM_Step1(int iType, char *pCardInfo, char *pFileAddr, char *pOutInfo);
long iReadCard_HSM_Step2(char *pKey, char *pOutInfo);
long iWriteCard_HSM_Step1(int iType, char *pCardInfo, char *pFileAddr, char *pOutInfo);
long iWriteCard_HSM_Step2(char *pKey, char *pWriteData, char *pOutInfo);
long iReloadPIN_HSM_Step1(int iType, char *pCardInfo, char *pOutInfo);
long iReloadPIN_HSM_Step2(char *pKey, char *pOutInfo);
long iReloadPIN_HSM_Step3(char *pKey, char *pOutInfo);
long iUnblockPIN_HSM_Step1(int iType, char *pCardInfo, char *pOutInfo);
long iUnblockPIN_HSM_Step2(char *pKey, char *pOutInfo);
long iUnblockPIN_HSM_Step3(char *pKey, char *pOutInfo);

typedef void (*any_fn)(void);

int main(void)
{
	/* taking every address makes the linker resolve every name */
	const any_fn fns[] = {
		(any_fn)iReadCardBas, (any_fn)iReadCard, (any_fn)iWriteCard,
		(any_fn)iVerifyPIN, (any_fn)iChangePIN, (any_fn)iReloadPIN,
		(any_fn)iUnblockPIN, (any_fn)iReadCardBas_HSM_Step1,
		(any_fn)iReadCardBas_HSM_Step2, (any_fn)iGetReaderInfo,
		(any_fn)iGetCardType, (any_fn)iReadCard_HSM_Step1,
		(any_fn)iReadCard_HSM_Step2, (any_fn)iWriteCard_HSM_Step1,
		(any_fn)iWriteCard_HSM_Step2, (any_fn)iReloadPIN_HSM_Step1,
		(any_fn)iReloadPIN_HSM_Step2, (any_fn)iReloadPIN_HSM_Step3,
		(any_fn)iUnblockPIN_HSM_Step1, (any_fn)iUnblockPIN_HSM_Step2,
		(any_fn)iUnblockPIN_HSM_Step3,
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		n += fns[i] != NULL;
	printf("%zu functions\n", n);
	return n == sizeof(fns) / sizeof(fns[0]) ? 0 : 1;
}
