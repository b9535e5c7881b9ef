/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

CK_RV token_session_open(struct tc_module *mod, int64_t token_id, bool rw,
			 struct tc_session **out)
{
	struct tc_session *session;
	struct tc_token *token;
	CK_RV rv = CKR_OK;

	*out = NULL;
	tc_mutex_lock(&mod->lock);
	token = token_get_locked(mod, token_id);
	if (token == NULL)
		rv = CKR_TOKEN_NOT_PRESENT;
	else if (!rw && token->logged_in && token->user == CKU_SO)
		rv = CKR_SESSION_READ_WRITE_SO_EXISTS;
	/*
	 * A read-only store still opens R/W sessions: ssh and other clients
	 * ask for one on every token just to sign.  The token says
	 * CKF_WRITE_PROTECTED, and each write fails with
	 * CKR_TOKEN_WRITE_PROTECTED when it is tried.
	 */
	if (rv != CKR_OK)
		goto out;
	session = calloc(1, sizeof(*session));
	if (session == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	session->mod = mod;
	session->token = token;
	session->rw = rw;
	token->sessions++;
	if (rw)
		token->rw_sessions++;
	*out = session;
out:
	tc_mutex_unlock(&mod->lock);
	return rv;
}

bool token_key_always_authenticate(const struct tc_object *key)
{
	return attrs_get_bool(&key->attrs, CKA_ALWAYS_AUTHENTICATE, false);
}

/* Whether an active operation's key wants a context-specific login. */
static bool wants_context_auth(struct tc_session *session, bool active,
			       int64_t key_id)
{
	struct tc_object *key;

	if (!active)
		return false;
	key = token_object_get_locked(session->token, key_id);
	return key != NULL && token_key_always_authenticate(key);
}

bool token_context_auth_locked(struct tc_session *session, bool authorized)
{
	bool sign = wants_context_auth(session, session->sign.active,
				       session->sign.key_id);
	bool decrypt = wants_context_auth(session, session->decrypt.active,
					  session->decrypt.key_id);

	if (authorized) {
		session->sign.context_auth |= sign;
		session->decrypt.context_auth |= decrypt;
	}
	return sign || decrypt;
}

/* Ends whatever operation the session had (module lock held). */
void token_session_end_ops_locked(struct tc_session *session)
{
	struct tc_sign_op *sign = &session->sign;

	crypto_hash_free(sign->hash);
	token_mac_op_clear(&sign->mac);
	memset(sign, 0, sizeof(*sign));
	token_crypt_op_clear(&session->encrypt);
	token_crypt_op_clear(&session->decrypt);
	token_verify_op_clear(&session->verify);
	crypto_hash_free(session->digest.hash);
	memset(&session->digest, 0, sizeof(session->digest));
	free(session->find.ids);
	memset(&session->find, 0, sizeof(session->find));
}

void token_session_close(struct tc_session *session)
{
	struct tc_module *mod;
	struct tc_token *token;

	if (session == NULL)
		return;
	mod = session->mod;
	token = session->token;
	tc_mutex_lock(&mod->lock);
	token_session_end_ops_locked(session);
	token_session_objects_drop_locked(session);
	token->sessions--;
	if (session->rw)
		token->rw_sessions--;
	if (token->sessions == 0 && token->logged_in) {
		log_debug("last session of token %lld closed: logged out",
			  (long long)token->row.id);
		token_forget_secrets_locked(mod, token);
	}
	tc_mutex_unlock(&mod->lock);
	free(session);
}

void token_session_info(struct tc_session *session, CK_SESSION_INFO *info)
{
	struct tc_token *token = session->token;

	tc_mutex_lock(&session->mod->lock);
	memset(info, 0, sizeof(*info));
	info->flags = CKF_SERIAL_SESSION | (session->rw ? CKF_RW_SESSION : 0);
	if (token->logged_in && token->user == CKU_SO)
		info->state = CKS_RW_SO_FUNCTIONS;
	else if (token->logged_in)
		info->state = session->rw ? CKS_RW_USER_FUNCTIONS :
					    CKS_RO_USER_FUNCTIONS;
	else
		info->state = session->rw ? CKS_RW_PUBLIC_SESSION :
					    CKS_RO_PUBLIC_SESSION;
	tc_mutex_unlock(&session->mod->lock);
}

size_t token_session_count(struct tc_module *mod, int64_t token_id)
{
	struct tc_token *token;
	size_t count;

	tc_mutex_lock(&mod->lock);
	token = token_get_locked(mod, token_id);
	count = token ? token->sessions : 0;
	tc_mutex_unlock(&mod->lock);
	return count;
}

int64_t token_session_token(const struct tc_session *session)
{
	return session->token->row.id;
}

bool token_operation_running(struct tc_session *session)
{
	bool running;

	tc_mutex_lock(&session->mod->lock);
	running = session->sign.active || session->verify.active ||
		  session->encrypt.active || session->decrypt.active ||
		  session->digest.active;
	tc_mutex_unlock(&session->mod->lock);
	return running;
}
