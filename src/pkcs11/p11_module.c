/* SPDX-License-Identifier: BSD-3-Clause */
/* The shared module is built from the pkcs11 archive; see CMakeLists.txt. */
#include "pkcs11/p11_internal.h"
