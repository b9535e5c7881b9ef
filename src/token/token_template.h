/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TOKEN_TOKEN_TEMPLATE_H
#define TPMCARD_TOKEN_TOKEN_TEMPLATE_H

#include <stdbool.h>

#include <p11-kit/pkcs11.h>

#include "common/attrs.h"

/*
 * Attribute templates: which attribute an object of a class (and key or
 * certificate type) may have, which a caller may give when creating,
 * generating, copying or modifying it, which must be given, how each is
 * encoded, and the defaults of what is left out.  One table holds all of
 * it, so that the rules of PKCS#11 2.40 section 4 live in one place.
 */

enum tmpl_op {
	TMPL_CREATE,	/* C_CreateObject (also key import) */
	TMPL_GENERATE,	/* C_GenerateKey, C_GenerateKeyPair */
	TMPL_COPY,	/* C_CopyObject's new values */
	TMPL_SET,	/* C_SetAttributeValue */
	TMPL_DERIVE,	/* C_DeriveKey: as generation, nothing required */
};

/* What a template describes: the class and its key/certificate type. */
struct tmpl_kind {
	CK_OBJECT_CLASS cls;
	CK_ULONG type;	/* CKA_KEY_TYPE, CKA_CERTIFICATE_TYPE; 0 for data */
};

/* The template's entry of that type, or NULL. */
const CK_ATTRIBUTE *tmpl_find(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			      CK_ATTRIBUTE_TYPE type);
/* A CK_BBOOL entry's value, or dflt when absent (or malformed). */
bool tmpl_bool(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
	       CK_ATTRIBUTE_TYPE type, bool dflt);
/* A CK_ULONG entry's value; false when absent or malformed. */
bool tmpl_ulong(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
		CK_ATTRIBUTE_TYPE type, CK_ULONG *value);

/*
 * The class and type a creation template names.  CKA_CLASS missing:
 * CKR_TEMPLATE_INCOMPLETE, unless dflt is given (key generation, where
 * the mechanism implies class and type; a template naming others is
 * CKR_TEMPLATE_INCONSISTENT).  A key class needs CKA_KEY_TYPE and a
 * certificate CKA_CERTIFICATE_TYPE the same way.
 */
CK_RV tmpl_kind_of(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
		   const struct tmpl_kind *dflt, struct tmpl_kind *kind);

/*
 * Checks every entry of a template for op on an object of that kind:
 * known for the kind (else CKR_ATTRIBUTE_TYPE_INVALID), allowed for op
 * (else CKR_ATTRIBUTE_READ_ONLY), well-formed (else
 * CKR_ATTRIBUTE_VALUE_INVALID), not given twice with different values
 * (CKR_TEMPLATE_INCONSISTENT); for CREATE and GENERATE also that every
 * required attribute is there (CKR_TEMPLATE_INCOMPLETE).  For COPY and
 * SET, current holds the object's attributes: one-way attributes
 * (CKA_SENSITIVE only to true, CKA_EXTRACTABLE only to false, ...) are
 * checked against it.  A value equal to the current one is always fine.
 */
CK_RV tmpl_check(enum tmpl_op op, const struct tmpl_kind *kind,
		 const CK_ATTRIBUTE *tmpl, CK_ULONG count,
		 const struct attr_list *current);

/*
 * Copies the template's entries into list, except the sensitive ones
 * (private-key components, secret values), which are never stored.
 */
bool tmpl_apply(struct attr_list *list, const struct tmpl_kind *kind,
		const CK_ATTRIBUTE *tmpl, CK_ULONG count);

/* Adds the default of every attribute of the kind that list lacks. */
bool tmpl_defaults(struct attr_list *list, const struct tmpl_kind *kind);

/* Whether an attribute of a kind is sensitive (never revealed). */
bool tmpl_is_sensitive(const struct tmpl_kind *kind, CK_ATTRIBUTE_TYPE type);

/* The kind of a stored object, from its CKA_CLASS and type attribute. */
bool tmpl_kind_of_object(const struct attr_list *attrs,
			 struct tmpl_kind *kind);

#endif /* TPMCARD_TOKEN_TOKEN_TEMPLATE_H */
