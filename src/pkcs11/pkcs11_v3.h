/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_PKCS11_PKCS11_V3_H
#define TPMCARD_PKCS11_PKCS11_V3_H

#include <p11-kit/pkcs11.h>

/*
 * The PKCS#11 3.0 declarations this module needs, under the standard's
 * names.  p11-kit 0.24's header is 2.40 and has none of them; p11-kit
 * 0.25 and the OASIS 3.0 headers have them all.  So each constant is
 * defined only when missing, and the types and prototypes only when the
 * header is older than 3.0: with a newer header, its own declarations
 * (same names, same layout) are used and this file adds nothing.
 */

/* CK_INTERFACE flags. */
#ifndef CKF_INTERFACE_FORK_SAFE
#define CKF_INTERFACE_FORK_SAFE 0x00000001UL
#endif
/* C_EncryptMessageNext / C_DecryptMessageNext flags. */
#ifndef CKF_END_OF_MESSAGE
#define CKF_END_OF_MESSAGE 0x00000001UL
#endif
/* Mechanism flags of the message-based functions. */
#ifndef CKF_MESSAGE_ENCRYPT
#define CKF_MESSAGE_ENCRYPT 0x00000002UL
#endif
#ifndef CKF_MESSAGE_DECRYPT
#define CKF_MESSAGE_DECRYPT 0x00000004UL
#endif
#ifndef CKF_MESSAGE_SIGN
#define CKF_MESSAGE_SIGN 0x00000008UL
#endif
#ifndef CKF_MESSAGE_VERIFY
#define CKF_MESSAGE_VERIFY 0x00000010UL
#endif
#ifndef CKF_MULTI_MESSAGE
#define CKF_MULTI_MESSAGE 0x00000020UL
#endif
/* C_SessionCancel: the object search (the others are mechanism flags). */
#ifndef CKF_FIND_OBJECTS
#define CKF_FIND_OBJECTS 0x00000040UL
#endif
#ifndef CKR_OPERATION_CANCEL_FAILED
#define CKR_OPERATION_CANCEL_FAILED 0x00000202UL
#endif

/*
 * The functions 3.0 adds, in the order of CK_FUNCTION_LIST_3_0 (after
 * C_WaitForSlotEvent): X(name, parameters).
 */
#define TC_V3_FUNCTIONS(X)                                                  \
	X(C_GetInterfaceList, (CK_INTERFACE_PTR list, CK_ULONG_PTR count))  \
	X(C_GetInterface, (CK_UTF8CHAR_PTR name, CK_VERSION_PTR version,   \
			   CK_INTERFACE_PTR_PTR iface, CK_FLAGS flags))     \
	X(C_LoginUser, (CK_SESSION_HANDLE s, CK_USER_TYPE user,             \
			CK_UTF8CHAR_PTR pin, CK_ULONG pin_len,              \
			CK_UTF8CHAR_PTR name, CK_ULONG name_len))           \
	X(C_SessionCancel, (CK_SESSION_HANDLE s, CK_FLAGS flags))           \
	X(C_MessageEncryptInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,   \
				 CK_OBJECT_HANDLE key))                     \
	X(C_EncryptMessage, (CK_SESSION_HANDLE s, CK_VOID_PTR param,        \
			     CK_ULONG param_len, CK_BYTE_PTR aad,           \
			     CK_ULONG aad_len, CK_BYTE_PTR in,              \
			     CK_ULONG in_len, CK_BYTE_PTR out,              \
			     CK_ULONG_PTR out_len))                         \
	X(C_EncryptMessageBegin, (CK_SESSION_HANDLE s, CK_VOID_PTR param,   \
				  CK_ULONG param_len, CK_BYTE_PTR aad,      \
				  CK_ULONG aad_len))                        \
	X(C_EncryptMessageNext, (CK_SESSION_HANDLE s, CK_VOID_PTR param,    \
				 CK_ULONG param_len, CK_BYTE_PTR in,        \
				 CK_ULONG in_len, CK_BYTE_PTR out,          \
				 CK_ULONG_PTR out_len, CK_FLAGS flags))     \
	X(C_MessageEncryptFinal, (CK_SESSION_HANDLE s))                     \
	X(C_MessageDecryptInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,   \
				 CK_OBJECT_HANDLE key))                     \
	X(C_DecryptMessage, (CK_SESSION_HANDLE s, CK_VOID_PTR param,        \
			     CK_ULONG param_len, CK_BYTE_PTR aad,           \
			     CK_ULONG aad_len, CK_BYTE_PTR in,              \
			     CK_ULONG in_len, CK_BYTE_PTR out,              \
			     CK_ULONG_PTR out_len))                         \
	X(C_DecryptMessageBegin, (CK_SESSION_HANDLE s, CK_VOID_PTR param,   \
				  CK_ULONG param_len, CK_BYTE_PTR aad,      \
				  CK_ULONG aad_len))                        \
	X(C_DecryptMessageNext, (CK_SESSION_HANDLE s, CK_VOID_PTR param,    \
				 CK_ULONG param_len, CK_BYTE_PTR in,        \
				 CK_ULONG in_len, CK_BYTE_PTR out,          \
				 CK_ULONG_PTR out_len, CK_FLAGS flags))     \
	X(C_MessageDecryptFinal, (CK_SESSION_HANDLE s))                     \
	X(C_MessageSignInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,      \
			      CK_OBJECT_HANDLE key))                        \
	X(C_SignMessage, (CK_SESSION_HANDLE s, CK_VOID_PTR param,           \
			  CK_ULONG param_len, CK_BYTE_PTR data,             \
			  CK_ULONG data_len, CK_BYTE_PTR sig,               \
			  CK_ULONG_PTR sig_len))                            \
	X(C_SignMessageBegin, (CK_SESSION_HANDLE s, CK_VOID_PTR param,      \
			       CK_ULONG param_len))                         \
	X(C_SignMessageNext, (CK_SESSION_HANDLE s, CK_VOID_PTR param,       \
			      CK_ULONG param_len, CK_BYTE_PTR data,         \
			      CK_ULONG data_len, CK_BYTE_PTR sig,           \
			      CK_ULONG_PTR sig_len))                        \
	X(C_MessageSignFinal, (CK_SESSION_HANDLE s))                        \
	X(C_MessageVerifyInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,    \
				CK_OBJECT_HANDLE key))                      \
	X(C_VerifyMessage, (CK_SESSION_HANDLE s, CK_VOID_PTR param,         \
			    CK_ULONG param_len, CK_BYTE_PTR data,           \
			    CK_ULONG data_len, CK_BYTE_PTR sig,             \
			    CK_ULONG sig_len))                              \
	X(C_VerifyMessageBegin, (CK_SESSION_HANDLE s, CK_VOID_PTR param,    \
				 CK_ULONG param_len))                       \
	X(C_VerifyMessageNext, (CK_SESSION_HANDLE s, CK_VOID_PTR param,     \
				CK_ULONG param_len, CK_BYTE_PTR data,       \
				CK_ULONG data_len, CK_BYTE_PTR sig,         \
				CK_ULONG sig_len))                          \
	X(C_MessageVerifyFinal, (CK_SESSION_HANDLE s))

#if CRYPTOKI_VERSION_MAJOR < 3

/* One interface of a library: its name, function list and flags. */
typedef struct CK_INTERFACE {
	CK_CHAR *pInterfaceName;
	CK_VOID_PTR pFunctionList;
	CK_FLAGS flags;
} CK_INTERFACE;
typedef CK_INTERFACE *CK_INTERFACE_PTR;
typedef CK_INTERFACE **CK_INTERFACE_PTR_PTR;

#define TC_V3_PROTOTYPE(name, args) CK_RV name args;
TC_V3_FUNCTIONS(TC_V3_PROTOTYPE)
#undef TC_V3_PROTOTYPE

/*
 * The 3.0 function list: the 2.40 list, entry for entry, then the 3.0
 * functions.  Applications index it by position, so the order is the
 * ABI (pkcs11f.h of 3.0).
 */
typedef struct CK_FUNCTION_LIST_3_0 {
	CK_VERSION version;
	CK_C_Initialize C_Initialize;
	CK_C_Finalize C_Finalize;
	CK_C_GetInfo C_GetInfo;
	CK_C_GetFunctionList C_GetFunctionList;
	CK_C_GetSlotList C_GetSlotList;
	CK_C_GetSlotInfo C_GetSlotInfo;
	CK_C_GetTokenInfo C_GetTokenInfo;
	CK_C_GetMechanismList C_GetMechanismList;
	CK_C_GetMechanismInfo C_GetMechanismInfo;
	CK_C_InitToken C_InitToken;
	CK_C_InitPIN C_InitPIN;
	CK_C_SetPIN C_SetPIN;
	CK_C_OpenSession C_OpenSession;
	CK_C_CloseSession C_CloseSession;
	CK_C_CloseAllSessions C_CloseAllSessions;
	CK_C_GetSessionInfo C_GetSessionInfo;
	CK_C_GetOperationState C_GetOperationState;
	CK_C_SetOperationState C_SetOperationState;
	CK_C_Login C_Login;
	CK_C_Logout C_Logout;
	CK_C_CreateObject C_CreateObject;
	CK_C_CopyObject C_CopyObject;
	CK_C_DestroyObject C_DestroyObject;
	CK_C_GetObjectSize C_GetObjectSize;
	CK_C_GetAttributeValue C_GetAttributeValue;
	CK_C_SetAttributeValue C_SetAttributeValue;
	CK_C_FindObjectsInit C_FindObjectsInit;
	CK_C_FindObjects C_FindObjects;
	CK_C_FindObjectsFinal C_FindObjectsFinal;
	CK_C_EncryptInit C_EncryptInit;
	CK_C_Encrypt C_Encrypt;
	CK_C_EncryptUpdate C_EncryptUpdate;
	CK_C_EncryptFinal C_EncryptFinal;
	CK_C_DecryptInit C_DecryptInit;
	CK_C_Decrypt C_Decrypt;
	CK_C_DecryptUpdate C_DecryptUpdate;
	CK_C_DecryptFinal C_DecryptFinal;
	CK_C_DigestInit C_DigestInit;
	CK_C_Digest C_Digest;
	CK_C_DigestUpdate C_DigestUpdate;
	CK_C_DigestKey C_DigestKey;
	CK_C_DigestFinal C_DigestFinal;
	CK_C_SignInit C_SignInit;
	CK_C_Sign C_Sign;
	CK_C_SignUpdate C_SignUpdate;
	CK_C_SignFinal C_SignFinal;
	CK_C_SignRecoverInit C_SignRecoverInit;
	CK_C_SignRecover C_SignRecover;
	CK_C_VerifyInit C_VerifyInit;
	CK_C_Verify C_Verify;
	CK_C_VerifyUpdate C_VerifyUpdate;
	CK_C_VerifyFinal C_VerifyFinal;
	CK_C_VerifyRecoverInit C_VerifyRecoverInit;
	CK_C_VerifyRecover C_VerifyRecover;
	CK_C_DigestEncryptUpdate C_DigestEncryptUpdate;
	CK_C_DecryptDigestUpdate C_DecryptDigestUpdate;
	CK_C_SignEncryptUpdate C_SignEncryptUpdate;
	CK_C_DecryptVerifyUpdate C_DecryptVerifyUpdate;
	CK_C_GenerateKey C_GenerateKey;
	CK_C_GenerateKeyPair C_GenerateKeyPair;
	CK_C_WrapKey C_WrapKey;
	CK_C_UnwrapKey C_UnwrapKey;
	CK_C_DeriveKey C_DeriveKey;
	CK_C_SeedRandom C_SeedRandom;
	CK_C_GenerateRandom C_GenerateRandom;
	CK_C_GetFunctionStatus C_GetFunctionStatus;
	CK_C_CancelFunction C_CancelFunction;
	CK_C_WaitForSlotEvent C_WaitForSlotEvent;
#define TC_V3_SLOT(name, args) CK_RV(*name) args;
	TC_V3_FUNCTIONS(TC_V3_SLOT)
#undef TC_V3_SLOT
} CK_FUNCTION_LIST_3_0;
typedef CK_FUNCTION_LIST_3_0 *CK_FUNCTION_LIST_3_0_PTR;

#endif /* CRYPTOKI_VERSION_MAJOR < 3 */

#endif /* TPMCARD_PKCS11_PKCS11_V3_H */
