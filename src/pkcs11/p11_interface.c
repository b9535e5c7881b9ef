/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

#include <stddef.h>
#include <string.h>

#include "pkcs11/pkcs11_v3.h"

#define TC_LOG_LAYER TC_LAYER_PKCS11
#include "common/log.h"

/*
 * PKCS#11 3.0 interface discovery: "PKCS 11" version 3.0 (the default)
 * and version 2.40, both answered before C_Initialize (they touch no
 * state).  Neither claims CKF_INTERFACE_FORK_SAFE, which promises that a
 * forked child keeps its sessions and logins: here the child gets
 * CKR_CRYPTOKI_NOT_INITIALIZED until it initializes again, whatever list
 * it calls through.
 */

/* The 3.0 list begins with the 2.40 list and adds 24 entries to it. */
_Static_assert(offsetof(CK_FUNCTION_LIST_3_0, C_WaitForSlotEvent) ==
		       offsetof(CK_FUNCTION_LIST, C_WaitForSlotEvent),
	       "the 3.0 list must keep the 2.40 layout");
_Static_assert(sizeof(CK_FUNCTION_LIST_3_0) ==
		       sizeof(CK_FUNCTION_LIST) + 24 * sizeof(void (*)(void)),
	       "the 3.0 list adds 24 functions");

/*
 * C_GetInfo through the 3.0 list: cryptokiVersion is the version of the
 * list the caller holds.  A 2.40 caller (C_GetFunctionList) keeps seeing
 * 2.40, which older NSS requires (it refuses a major version other than
 * 2); a 3.0 caller learns that it may use the 3.0 functions.
 */
static CK_RV get_info_v3(CK_INFO_PTR info)
{
	CK_RV rv = C_GetInfo(info);

	if (rv == CKR_OK) {
		info->cryptokiVersion.major = 3;
		info->cryptokiVersion.minor = 0;
	}
	return rv;
}

#define V3_ENTRY(name, args) .name = name,

static CK_FUNCTION_LIST_3_0 function_list_v3 = {
	.version = { 3, 0 },
	.C_Initialize = C_Initialize,
	.C_Finalize = C_Finalize,
	.C_GetInfo = get_info_v3,
	.C_GetFunctionList = C_GetFunctionList,
	.C_GetSlotList = C_GetSlotList,
	.C_GetSlotInfo = C_GetSlotInfo,
	.C_GetTokenInfo = C_GetTokenInfo,
	.C_GetMechanismList = C_GetMechanismList,
	.C_GetMechanismInfo = C_GetMechanismInfo,
	.C_InitToken = C_InitToken,
	.C_InitPIN = C_InitPIN,
	.C_SetPIN = C_SetPIN,
	.C_OpenSession = C_OpenSession,
	.C_CloseSession = C_CloseSession,
	.C_CloseAllSessions = C_CloseAllSessions,
	.C_GetSessionInfo = C_GetSessionInfo,
	.C_GetOperationState = C_GetOperationState,
	.C_SetOperationState = C_SetOperationState,
	.C_Login = C_Login,
	.C_Logout = C_Logout,
	.C_CreateObject = C_CreateObject,
	.C_CopyObject = C_CopyObject,
	.C_DestroyObject = C_DestroyObject,
	.C_GetObjectSize = C_GetObjectSize,
	.C_GetAttributeValue = C_GetAttributeValue,
	.C_SetAttributeValue = C_SetAttributeValue,
	.C_FindObjectsInit = C_FindObjectsInit,
	.C_FindObjects = C_FindObjects,
	.C_FindObjectsFinal = C_FindObjectsFinal,
	.C_EncryptInit = C_EncryptInit,
	.C_Encrypt = C_Encrypt,
	.C_EncryptUpdate = C_EncryptUpdate,
	.C_EncryptFinal = C_EncryptFinal,
	.C_DecryptInit = C_DecryptInit,
	.C_Decrypt = C_Decrypt,
	.C_DecryptUpdate = C_DecryptUpdate,
	.C_DecryptFinal = C_DecryptFinal,
	.C_DigestInit = C_DigestInit,
	.C_Digest = C_Digest,
	.C_DigestUpdate = C_DigestUpdate,
	.C_DigestKey = C_DigestKey,
	.C_DigestFinal = C_DigestFinal,
	.C_SignInit = C_SignInit,
	.C_Sign = C_Sign,
	.C_SignUpdate = C_SignUpdate,
	.C_SignFinal = C_SignFinal,
	.C_SignRecoverInit = C_SignRecoverInit,
	.C_SignRecover = C_SignRecover,
	.C_VerifyInit = C_VerifyInit,
	.C_Verify = C_Verify,
	.C_VerifyUpdate = C_VerifyUpdate,
	.C_VerifyFinal = C_VerifyFinal,
	.C_VerifyRecoverInit = C_VerifyRecoverInit,
	.C_VerifyRecover = C_VerifyRecover,
	.C_DigestEncryptUpdate = C_DigestEncryptUpdate,
	.C_DecryptDigestUpdate = C_DecryptDigestUpdate,
	.C_SignEncryptUpdate = C_SignEncryptUpdate,
	.C_DecryptVerifyUpdate = C_DecryptVerifyUpdate,
	.C_GenerateKey = C_GenerateKey,
	.C_GenerateKeyPair = C_GenerateKeyPair,
	.C_WrapKey = C_WrapKey,
	.C_UnwrapKey = C_UnwrapKey,
	.C_DeriveKey = C_DeriveKey,
	.C_SeedRandom = C_SeedRandom,
	.C_GenerateRandom = C_GenerateRandom,
	.C_GetFunctionStatus = C_GetFunctionStatus,
	.C_CancelFunction = C_CancelFunction,
	.C_WaitForSlotEvent = C_WaitForSlotEvent,
	TC_V3_FUNCTIONS(V3_ENTRY)
};

static CK_CHAR interface_name[] = "PKCS 11";

/* In the order of preference: the first is the default. */
static CK_INTERFACE interfaces[] = {
	{ interface_name, &function_list_v3, 0 },
	{ interface_name, &p11_function_list, 0 },
};

#define INTERFACE_COUNT (sizeof(interfaces) / sizeof(interfaces[0]))

static const CK_VERSION *interface_version(const CK_INTERFACE *iface)
{
	return iface->pFunctionList;
}

EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count)
{
	CK_ULONG room;

	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	room = *count;
	*count = INTERFACE_COUNT;
	if (list == NULL)
		return CKR_OK;
	if (room < INTERFACE_COUNT)
		return CKR_BUFFER_TOO_SMALL;
	memcpy(list, interfaces, sizeof(interfaces));
	return CKR_OK;
}

static bool matches(const CK_INTERFACE *iface, const CK_UTF8CHAR *name,
		    const CK_VERSION *version, CK_FLAGS flags)
{
	const CK_VERSION *have = interface_version(iface);

	if (name != NULL && strcmp((const char *)name,
				   (const char *)iface->pInterfaceName) != 0)
		return false;
	if (version != NULL && (version->major != have->major ||
				version->minor != have->minor))
		return false;
	return (iface->flags & flags) == flags;
}

EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version,
			    CK_INTERFACE_PTR_PTR iface, CK_FLAGS flags)
{
	if (iface == NULL)
		return CKR_ARGUMENTS_BAD;
	*iface = NULL;
	/* The first match: with no name and no version, the default. */
	for (size_t i = 0; i < INTERFACE_COUNT; i++) {
		if (matches(&interfaces[i], name, version, flags)) {
			*iface = &interfaces[i];
			return CKR_OK;
		}
	}
	log_debug("no interface '%s' %d.%d with flags 0x%lx",
		  name != NULL ? (const char *)name : "(any)",
		  version != NULL ? version->major : -1,
		  version != NULL ? version->minor : -1, flags);
	return CKR_ARGUMENTS_BAD;
}
