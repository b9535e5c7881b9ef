/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token_template.h"

#include <string.h>

/* PKCS#11 2.40 values p11-kit's header leaves out. */
#ifndef CK_CERTIFICATE_CATEGORY_UNSPECIFIED
#define CK_CERTIFICATE_CATEGORY_UNSPECIFIED 0UL
#endif
#ifndef CK_SECURITY_DOMAIN_UNSPECIFIED
#define CK_SECURITY_DOMAIN_UNSPECIFIED 0UL
#endif

/* The kinds of object a rule applies to. */
#define K_DATA 0x01u
#define K_CERT 0x02u
#define K_PUB 0x04u
#define K_PRIV 0x08u
#define K_SECRET 0x10u
#define K_ANY (K_DATA | K_CERT | K_PUB | K_PRIV | K_SECRET)
#define K_KEY (K_PUB | K_PRIV | K_SECRET)

/* What a caller may do with an attribute. */
#define F_CREATE 0x001u	     /* give it to C_CreateObject */
#define F_GEN 0x002u	     /* give it to key generation */
#define F_MODIFY 0x004u	     /* change it (C_SetAttributeValue, copy) */
#define F_COPY 0x008u	     /* change it while copying only */
#define F_NEED_CREATE 0x010u /* C_CreateObject needs it */
#define F_NEED_GEN 0x020u    /* key generation needs it */
#define F_ONLY_TRUE 0x040u   /* once true, stays true */
#define F_ONLY_FALSE 0x080u  /* once false, stays false */
#define F_SECRET 0x100u	     /* key material: never stored or revealed */

#define F_CG (F_CREATE | F_GEN)
#define F_CGM (F_CREATE | F_GEN | F_MODIFY)
#define F_CM (F_CREATE | F_MODIFY)

/* CKK_RSA is 0: "any type" needs a value of its own. */
#define ANY CK_UNAVAILABLE_INFORMATION

enum shape { S_BOOL, S_ULONG, S_BYTES, S_DATE, S_MECHS };

enum dflt { D_NONE, D_FALSE, D_TRUE, D_EMPTY, D_ULONG };

struct rule {
	CK_ATTRIBUTE_TYPE type;
	unsigned int kinds;
	CK_ULONG subtype; /* ANY: every key/certificate type of the kinds */
	enum shape shape;
	unsigned int flags;
	enum dflt dflt;
	CK_ULONG dflt_ulong;
};

/*
 * The first rule matching (type, kind, subtype) wins, so the rules for
 * one key type come before the general ones.
 */
static const struct rule rules[] = {
	/* Every object (PKCS#11 2.40, 4.2 and 4.4). */
	{ CKA_CLASS, K_ANY, ANY, S_ULONG, F_CG, D_NONE, 0 },
	{ CKA_TOKEN, K_ANY, ANY, S_BOOL, F_CG | F_COPY, D_FALSE, 0 },
	{ CKA_PRIVATE, K_PRIV | K_SECRET, ANY, S_BOOL, F_CG | F_COPY, D_TRUE, 0 },
	{ CKA_PRIVATE, K_ANY, ANY, S_BOOL, F_CG | F_COPY, D_FALSE, 0 },
	{ CKA_MODIFIABLE, K_ANY, ANY, S_BOOL, F_CG | F_COPY | F_ONLY_FALSE,
	  D_TRUE, 0 },
	{ CKA_COPYABLE, K_ANY, ANY, S_BOOL, F_CGM | F_ONLY_FALSE, D_TRUE, 0 },
	{ CKA_DESTROYABLE, K_ANY, ANY, S_BOOL, F_CGM | F_ONLY_FALSE, D_TRUE, 0 },
	{ CKA_LABEL, K_ANY, ANY, S_BYTES, F_CGM, D_EMPTY, 0 },

	/* Data objects (4.5). */
	{ CKA_APPLICATION, K_DATA, ANY, S_BYTES, F_CM, D_EMPTY, 0 },
	{ CKA_OBJECT_ID, K_DATA, ANY, S_BYTES, F_CM, D_EMPTY, 0 },
	{ CKA_VALUE, K_DATA, ANY, S_BYTES, F_CM, D_EMPTY, 0 },

	/* Certificates (4.6) and X.509 public key certificates (4.6.3). */
	{ CKA_CERTIFICATE_TYPE, K_CERT, ANY, S_ULONG, F_CREATE, D_NONE, 0 },
	{ CKA_TRUSTED, K_CERT, ANY, S_BOOL, F_CREATE, D_FALSE, 0 },
	{ CKA_CERTIFICATE_CATEGORY, K_CERT, ANY, S_ULONG, F_CREATE, D_ULONG,
	  CK_CERTIFICATE_CATEGORY_UNSPECIFIED },
	{ CKA_CHECK_VALUE, K_CERT, ANY, S_BYTES, F_CREATE, D_NONE, 0 },
	{ CKA_START_DATE, K_CERT | K_KEY, ANY, S_DATE, F_CGM, D_EMPTY, 0 },
	{ CKA_END_DATE, K_CERT | K_KEY, ANY, S_DATE, F_CGM, D_EMPTY, 0 },
	{ CKA_SUBJECT, K_CERT, ANY, S_BYTES, F_CREATE, D_NONE, 0 },
	{ CKA_ID, K_CERT | K_KEY, ANY, S_BYTES, F_CGM, D_EMPTY, 0 },
	{ CKA_ISSUER, K_CERT, ANY, S_BYTES, F_CM, D_EMPTY, 0 },
	{ CKA_SERIAL_NUMBER, K_CERT, ANY, S_BYTES, F_CM, D_EMPTY, 0 },
	{ CKA_VALUE, K_CERT, ANY, S_BYTES, F_CREATE | F_NEED_CREATE, D_NONE, 0 },
	{ CKA_URL, K_CERT, ANY, S_BYTES, F_CREATE, D_EMPTY, 0 },
	{ CKA_HASH_OF_SUBJECT_PUBLIC_KEY, K_CERT, ANY, S_BYTES, F_CREATE, D_EMPTY,
	  0 },
	{ CKA_HASH_OF_ISSUER_PUBLIC_KEY, K_CERT, ANY, S_BYTES, F_CREATE, D_EMPTY,
	  0 },
	{ CKA_JAVA_MIDP_SECURITY_DOMAIN, K_CERT, ANY, S_ULONG, F_CREATE, D_ULONG,
	  CK_SECURITY_DOMAIN_UNSPECIFIED },

	/* Every key (4.7). */
	{ CKA_KEY_TYPE, K_KEY, ANY, S_ULONG, F_CG, D_NONE, 0 },
	{ CKA_DERIVE, K_PRIV, CKK_EC, S_BOOL, F_CGM, D_TRUE, 0 }, /* ECDH */
	{ CKA_DERIVE, K_KEY, ANY, S_BOOL, F_CGM, D_FALSE, 0 },
	{ CKA_LOCAL, K_KEY, ANY, S_BOOL, 0, D_FALSE, 0 },
	{ CKA_KEY_GEN_MECHANISM, K_KEY, ANY, S_ULONG, 0, D_ULONG,
	  CK_UNAVAILABLE_INFORMATION },
	{ CKA_ALLOWED_MECHANISMS, K_KEY, ANY, S_MECHS, F_CG, D_EMPTY, 0 },

	/* Public keys (4.8); RSA (2.1.2) and EC (2.3.3). */
	{ CKA_SUBJECT, K_PUB | K_PRIV, ANY, S_BYTES, F_CGM, D_EMPTY, 0 },
	{ CKA_ENCRYPT, K_PUB, CKK_RSA, S_BOOL, F_CGM, D_TRUE, 0 },
	{ CKA_ENCRYPT, K_PUB, ANY, S_BOOL, F_CGM, D_FALSE, 0 },
	{ CKA_VERIFY, K_PUB, ANY, S_BOOL, F_CGM, D_TRUE, 0 },
	{ CKA_VERIFY_RECOVER, K_PUB, ANY, S_BOOL, F_CGM, D_FALSE, 0 },
	{ CKA_WRAP, K_PUB, ANY, S_BOOL, F_CGM, D_FALSE, 0 },
	{ CKA_TRUSTED, K_PUB | K_SECRET, ANY, S_BOOL, 0, D_FALSE, 0 },
	{ CKA_PUBLIC_KEY_INFO, K_PUB | K_PRIV, ANY, S_BYTES, F_CG, D_NONE, 0 },
	{ CKA_MODULUS, K_PUB | K_PRIV, CKK_RSA, S_BYTES,
	  F_CREATE | F_NEED_CREATE, D_NONE, 0 },
	{ CKA_MODULUS_BITS, K_PUB, CKK_RSA, S_ULONG, F_GEN | F_NEED_GEN, D_NONE,
	  0 },
	{ CKA_PUBLIC_EXPONENT, K_PUB, CKK_RSA, S_BYTES,
	  F_CG | F_NEED_CREATE, D_NONE, 0 },
	{ CKA_EC_PARAMS, K_PUB, CKK_EC, S_BYTES,
	  F_CG | F_NEED_CREATE | F_NEED_GEN, D_NONE, 0 },
	{ CKA_EC_POINT, K_PUB, CKK_EC, S_BYTES, F_CREATE | F_NEED_CREATE,
	  D_NONE, 0 },

	/* Private keys (4.9); RSA (2.1.3) and EC (2.3.4). */
	{ CKA_SENSITIVE, K_PRIV | K_SECRET, ANY, S_BOOL, F_CGM | F_ONLY_TRUE,
	  D_TRUE, 0 },
	{ CKA_DECRYPT, K_PRIV, CKK_RSA, S_BOOL, F_CGM, D_TRUE, 0 },
	{ CKA_DECRYPT, K_PRIV, ANY, S_BOOL, F_CGM, D_FALSE, 0 },
	{ CKA_SIGN, K_PRIV, ANY, S_BOOL, F_CGM, D_TRUE, 0 },
	{ CKA_SIGN_RECOVER, K_PRIV, ANY, S_BOOL, F_CGM, D_FALSE, 0 },
	{ CKA_UNWRAP, K_PRIV | K_SECRET, ANY, S_BOOL, F_CGM, D_FALSE, 0 },
	{ CKA_EXTRACTABLE, K_PRIV | K_SECRET, ANY, S_BOOL, F_CGM | F_ONLY_FALSE,
	  D_FALSE, 0 },
	{ CKA_ALWAYS_SENSITIVE, K_PRIV | K_SECRET, ANY, S_BOOL, 0, D_FALSE, 0 },
	{ CKA_NEVER_EXTRACTABLE, K_PRIV | K_SECRET, ANY, S_BOOL, 0, D_FALSE, 0 },
	{ CKA_WRAP_WITH_TRUSTED, K_PRIV | K_SECRET, ANY, S_BOOL,
	  F_CGM | F_ONLY_TRUE, D_FALSE, 0 },
	{ CKA_ALWAYS_AUTHENTICATE, K_PRIV, ANY, S_BOOL, F_CG, D_FALSE, 0 },
	{ CKA_PUBLIC_EXPONENT, K_PRIV, CKK_RSA, S_BYTES,
	  F_CREATE | F_NEED_CREATE, D_NONE, 0 },
	{ CKA_PRIVATE_EXPONENT, K_PRIV, CKK_RSA, S_BYTES,
	  F_CREATE | F_NEED_CREATE | F_SECRET, D_NONE, 0 },
	{ CKA_PRIME_1, K_PRIV, CKK_RSA, S_BYTES,
	  F_CREATE | F_NEED_CREATE | F_SECRET, D_NONE, 0 },
	{ CKA_PRIME_2, K_PRIV, CKK_RSA, S_BYTES, F_CREATE | F_SECRET, D_NONE,
	  0 },
	{ CKA_EXPONENT_1, K_PRIV, CKK_RSA, S_BYTES, F_CREATE | F_SECRET, D_NONE,
	  0 },
	{ CKA_EXPONENT_2, K_PRIV, CKK_RSA, S_BYTES, F_CREATE | F_SECRET, D_NONE,
	  0 },
	{ CKA_COEFFICIENT, K_PRIV, CKK_RSA, S_BYTES, F_CREATE | F_SECRET,
	  D_NONE, 0 },
	{ CKA_EC_PARAMS, K_PRIV, CKK_EC, S_BYTES, F_CREATE | F_NEED_CREATE,
	  D_NONE, 0 },
	{ CKA_VALUE, K_PRIV, CKK_EC, S_BYTES,
	  F_CREATE | F_NEED_CREATE | F_SECRET, D_NONE, 0 },

	/* Secret keys (4.10); AES (2.8) and generic secrets (2.4). */
	{ CKA_ENCRYPT, K_SECRET, CKK_AES, S_BOOL, F_CGM, D_TRUE, 0 },
	{ CKA_DECRYPT, K_SECRET, CKK_AES, S_BOOL, F_CGM, D_TRUE, 0 },
	{ CKA_SIGN, K_SECRET, CKK_GENERIC_SECRET, S_BOOL, F_CGM, D_TRUE, 0 },
	{ CKA_VERIFY, K_SECRET, CKK_GENERIC_SECRET, S_BOOL, F_CGM, D_TRUE, 0 },
	{ CKA_ENCRYPT, K_SECRET, ANY, S_BOOL, F_CGM, D_FALSE, 0 },
	{ CKA_DECRYPT, K_SECRET, ANY, S_BOOL, F_CGM, D_FALSE, 0 },
	{ CKA_SIGN, K_SECRET, ANY, S_BOOL, F_CGM, D_FALSE, 0 },
	{ CKA_VERIFY, K_SECRET, ANY, S_BOOL, F_CGM, D_FALSE, 0 },
	{ CKA_WRAP, K_SECRET, ANY, S_BOOL, F_CGM, D_FALSE, 0 },
	{ CKA_VALUE, K_SECRET, ANY, S_BYTES, F_CREATE | F_NEED_CREATE | F_SECRET,
	  D_NONE, 0 },
	{ CKA_VALUE_LEN, K_SECRET, ANY, S_ULONG, F_GEN | F_NEED_GEN, D_NONE, 0 },
};

#define RULE_COUNT (sizeof(rules) / sizeof(rules[0]))

static unsigned int kind_bit(CK_OBJECT_CLASS cls)
{
	switch (cls) {
	case CKO_DATA:
		return K_DATA;
	case CKO_CERTIFICATE:
		return K_CERT;
	case CKO_PUBLIC_KEY:
		return K_PUB;
	case CKO_PRIVATE_KEY:
		return K_PRIV;
	case CKO_SECRET_KEY:
		return K_SECRET;
	default:
		return 0;
	}
}

static bool rule_matches(const struct rule *r, const struct tmpl_kind *kind)
{
	return (r->kinds & kind_bit(kind->cls)) != 0 &&
	       (r->subtype == ANY || r->subtype == kind->type);
}

static const struct rule *find_rule(const struct tmpl_kind *kind,
				    CK_ATTRIBUTE_TYPE type)
{
	for (size_t i = 0; i < RULE_COUNT; i++)
		if (rules[i].type == type && rule_matches(&rules[i], kind))
			return &rules[i];
	return NULL;
}

const CK_ATTRIBUTE *tmpl_find(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			      CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; i < count; i++)
		if (tmpl[i].type == type)
			return &tmpl[i];
	return NULL;
}

bool tmpl_bool(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
	       CK_ATTRIBUTE_TYPE type, bool dflt)
{
	const CK_ATTRIBUTE *a = tmpl_find(tmpl, count, type);

	if (a == NULL || a->pValue == NULL || a->ulValueLen != sizeof(CK_BBOOL))
		return dflt;
	return *(const CK_BBOOL *)a->pValue != CK_FALSE;
}

bool tmpl_ulong(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
		CK_ATTRIBUTE_TYPE type, CK_ULONG *value)
{
	const CK_ATTRIBUTE *a = tmpl_find(tmpl, count, type);

	if (a == NULL || a->pValue == NULL || a->ulValueLen != sizeof(CK_ULONG))
		return false;
	memcpy(value, a->pValue, sizeof(*value));
	return true;
}

static bool key_type_known(CK_OBJECT_CLASS cls, CK_ULONG type)
{
	if (cls == CKO_SECRET_KEY)
		return type == CKK_AES || type == CKK_GENERIC_SECRET;
	return type == CKK_RSA || type == CKK_EC;
}

/* The type attribute a class needs, or 0 for none. */
static CK_ATTRIBUTE_TYPE type_attr_of(CK_OBJECT_CLASS cls)
{
	if (cls == CKO_CERTIFICATE)
		return CKA_CERTIFICATE_TYPE;
	if (kind_bit(cls) & K_KEY)
		return CKA_KEY_TYPE;
	return 0;
}

static CK_RV subtype_of(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			const struct tmpl_kind *dflt, struct tmpl_kind *kind)
{
	CK_ATTRIBUTE_TYPE attr = type_attr_of(kind->cls);

	kind->type = 0;
	if (attr == 0)
		return CKR_OK;
	if (tmpl_find(tmpl, count, attr) == NULL) {
		if (dflt == NULL)
			return CKR_TEMPLATE_INCOMPLETE;
		kind->type = dflt->type;
		return CKR_OK;
	}
	if (!tmpl_ulong(tmpl, count, attr, &kind->type))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (dflt != NULL && dflt->type != kind->type)
		return CKR_TEMPLATE_INCONSISTENT;
	if (attr == CKA_CERTIFICATE_TYPE)
		return kind->type == CKC_X_509 ? CKR_OK :
						 CKR_ATTRIBUTE_VALUE_INVALID;
	return key_type_known(kind->cls, kind->type) ?
		       CKR_OK :
		       CKR_ATTRIBUTE_VALUE_INVALID;
}

CK_RV tmpl_kind_of(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
		   const struct tmpl_kind *dflt, struct tmpl_kind *kind)
{
	if (tmpl_find(tmpl, count, CKA_CLASS) == NULL) {
		if (dflt == NULL)
			return CKR_TEMPLATE_INCOMPLETE;
		kind->cls = dflt->cls;
	} else if (!tmpl_ulong(tmpl, count, CKA_CLASS, &kind->cls)) {
		return CKR_ATTRIBUTE_VALUE_INVALID;
	} else if (dflt != NULL && dflt->cls != kind->cls) {
		return CKR_TEMPLATE_INCONSISTENT;
	}
	if (kind_bit(kind->cls) == 0)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return subtype_of(tmpl, count, dflt, kind);
}

/* A CK_DATE is empty or eight ASCII digits (YYYYMMDD). */
static bool date_ok(const CK_ATTRIBUTE *a)
{
	const CK_BYTE *p = a->pValue;

	if (a->ulValueLen == 0)
		return true;
	if (a->ulValueLen != sizeof(CK_DATE))
		return false;
	for (size_t i = 0; i < sizeof(CK_DATE); i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

static bool shape_ok(const struct rule *r, const CK_ATTRIBUTE *a)
{
	if (a->pValue == NULL && a->ulValueLen > 0)
		return false;
	switch (r->shape) {
	case S_BOOL:
		return a->ulValueLen == sizeof(CK_BBOOL) &&
		       *(const CK_BBOOL *)a->pValue <= CK_TRUE;
	case S_ULONG:
		return a->ulValueLen == sizeof(CK_ULONG);
	case S_DATE:
		return date_ok(a);
	case S_MECHS:
		return a->ulValueLen % sizeof(CK_MECHANISM_TYPE) == 0;
	default:
		return a->ulValueLen <= ATTRS_MAX_VALUE;
	}
}

static bool same_value(const CK_ATTRIBUTE *a, const void *value, size_t len)
{
	return a->ulValueLen == len &&
	       (len == 0 || memcmp(a->pValue, value, len) == 0);
}

static bool equals_current(const CK_ATTRIBUTE *a,
			   const struct attr_list *current)
{
	const struct attr *cur;

	if (current == NULL)
		return false;
	cur = attrs_find(current, a->type);
	return cur != NULL && same_value(a, cur->value, cur->len);
}

static unsigned int flags_for(enum tmpl_op op)
{
	switch (op) {
	case TMPL_CREATE:
		return F_CREATE;
	case TMPL_GENERATE:
	case TMPL_DERIVE:
		return F_GEN;
	case TMPL_COPY:
		return F_MODIFY | F_COPY;
	default:
		return F_MODIFY;
	}
}

/* One-way attributes may only move in their direction. */
static bool direction_ok(const struct rule *r, const CK_ATTRIBUTE *a,
			 const struct attr_list *current)
{
	bool now, next;

	if (current == NULL || !(r->flags & (F_ONLY_TRUE | F_ONLY_FALSE)))
		return true;
	now = attrs_get_bool(current, a->type, r->dflt == D_TRUE);
	next = *(const CK_BBOOL *)a->pValue != CK_FALSE;
	if (r->flags & F_ONLY_TRUE)
		return next || !now;
	return !next || now;
}

static CK_RV check_entry(enum tmpl_op op, const struct tmpl_kind *kind,
			 const CK_ATTRIBUTE *tmpl, CK_ULONG i,
			 const struct attr_list *current)
{
	const CK_ATTRIBUTE *a = &tmpl[i];
	const struct rule *r = find_rule(kind, a->type);

	if (r == NULL)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	if (!shape_ok(r, a))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	for (CK_ULONG j = 0; j < i; j++)
		if (tmpl[j].type == a->type &&
		    !same_value(a, tmpl[j].pValue, tmpl[j].ulValueLen))
			return CKR_TEMPLATE_INCONSISTENT;
	if (equals_current(a, current))
		return CKR_OK;
	if (!(r->flags & flags_for(op)))
		return CKR_ATTRIBUTE_READ_ONLY;
	if ((op == TMPL_COPY || op == TMPL_SET) && !direction_ok(r, a, current))
		return CKR_ATTRIBUTE_READ_ONLY;
	return CKR_OK;
}

static CK_RV check_required(enum tmpl_op op, const struct tmpl_kind *kind,
			    const CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
	unsigned int need = op == TMPL_CREATE ? F_NEED_CREATE :
			    op == TMPL_GENERATE ? F_NEED_GEN :
						  0;

	for (size_t i = 0; need && i < RULE_COUNT; i++) {
		const struct rule *r = &rules[i];

		if ((r->flags & need) && rule_matches(r, kind) &&
		    find_rule(kind, r->type) == r &&
		    tmpl_find(tmpl, count, r->type) == NULL)
			return CKR_TEMPLATE_INCOMPLETE;
	}
	return CKR_OK;
}

CK_RV tmpl_check(enum tmpl_op op, const struct tmpl_kind *kind,
		 const CK_ATTRIBUTE *tmpl, CK_ULONG count,
		 const struct attr_list *current)
{
	CK_RV rv;

	if (tmpl == NULL && count > 0)
		return CKR_ARGUMENTS_BAD;
	for (CK_ULONG i = 0; i < count; i++) {
		rv = check_entry(op, kind, tmpl, i, current);
		if (rv != CKR_OK)
			return rv;
	}
	return check_required(op, kind, tmpl, count);
}

bool tmpl_is_sensitive(const struct tmpl_kind *kind, CK_ATTRIBUTE_TYPE type)
{
	const struct rule *r = find_rule(kind, type);

	return r != NULL && (r->flags & F_SECRET);
}

bool tmpl_apply(struct attr_list *list, const struct tmpl_kind *kind,
		const CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
	for (CK_ULONG i = 0; i < count; i++) {
		if (tmpl_is_sensitive(kind, tmpl[i].type))
			continue;
		if (!attrs_set(list, tmpl[i].type, tmpl[i].pValue,
			       tmpl[i].ulValueLen))
			return false;
	}
	return true;
}

static bool add_default(struct attr_list *list, const struct rule *r)
{
	switch (r->dflt) {
	case D_FALSE:
		return attrs_set_bool(list, r->type, false);
	case D_TRUE:
		return attrs_set_bool(list, r->type, true);
	case D_EMPTY:
		return attrs_set(list, r->type, NULL, 0);
	case D_ULONG:
		return attrs_set_ulong(list, r->type, r->dflt_ulong);
	default:
		return true;
	}
}

bool tmpl_defaults(struct attr_list *list, const struct tmpl_kind *kind)
{
	for (size_t i = 0; i < RULE_COUNT; i++) {
		const struct rule *r = &rules[i];

		if (!rule_matches(r, kind) || find_rule(kind, r->type) != r ||
		    attrs_find(list, r->type) != NULL)
			continue;
		if (!add_default(list, r))
			return false;
	}
	return true;
}

bool tmpl_kind_of_object(const struct attr_list *attrs,
			 struct tmpl_kind *kind)
{
	CK_ATTRIBUTE_TYPE attr;
	unsigned long value = 0;

	if (!attrs_get_ulong(attrs, CKA_CLASS, &value))
		return false;
	kind->cls = value;
	kind->type = 0;
	attr = type_attr_of(kind->cls);
	if (attr != 0) {
		if (!attrs_get_ulong(attrs, attr, &value))
			return false;
		kind->type = value;
	}
	return true;
}
