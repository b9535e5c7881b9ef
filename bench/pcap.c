/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TPM commands counted from what tpm2-tss's pcap TCTI recorded: a pcapng
 * file whose packets are IPv4/TCP frames, the TPM command or response as
 * their payload, commands sent to port 2321.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define TPM_PORT 2321

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void count(struct cmd_counts *c, uint32_t code)
{
	for (size_t i = 0; i < c->kinds; i++)
		if (c->code[i] == code) {
			c->n[i]++;
			c->total++;
			return;
		}
	if (c->kinds < CMD_KINDS_MAX) {
		c->code[c->kinds] = code;
		c->n[c->kinds++] = 1;
		c->total++;
	}
}

/* One captured frame: a command when it goes to the TPM's port. */
static void frame(struct cmd_counts *c, const uint8_t *p, size_t len)
{
	size_t ip, tcp;

	if (len < 20 || (p[0] >> 4) != 4)
		return;
	ip = (size_t)(p[0] & 15) * 4;
	if (len < ip + 20)
		return;
	tcp = (size_t)(p[ip + 12] >> 4) * 4;
	if (((size_t)p[ip + 2] << 8 | p[ip + 3]) != TPM_PORT ||
	    len < ip + tcp + 10)
		return;
	count(c, be32(p + ip + tcp + 6));
}

bool pcap_count(const char *path, struct cmd_counts *c)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;
	size_t off = 0;

	memset(c, 0, sizeof(*c));
	if (f == NULL)
		return false;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)size)) == NULL ||
	    fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(buf);
		return false;
	}
	fclose(f);
	while (off + 12 <= (size_t)size) {
		uint32_t type = le32(buf + off), len = le32(buf + off + 4);

		if (len < 12 || off + len > (size_t)size)
			break;
		if (type == 6 && len >= 28) /* an Enhanced Packet Block */
			frame(c, buf + off + 28, le32(buf + off + 20));
		off += len;
	}
	free(buf);
	return true;
}

const char *tpm_command_name(uint32_t code)
{
	static const struct {
		uint32_t code;
		const char *name;
	} names[] = {
		{ 0x120, "EvictControl" },     { 0x122, "NV_UndefineSpace" },
		{ 0x12a, "NV_DefineSpace" },   { 0x131, "CreatePrimary" },
		{ 0x137, "NV_Write" },	       { 0x13b, "NV_ChangeAuth" },
		{ 0x13e, "SequenceComplete" }, { 0x144, "Startup" },
		{ 0x14e, "NV_Read" },	       { 0x150, "ObjectChangeAuth" },
		{ 0x151, "PolicySecret" },     { 0x153, "Create" },
		{ 0x154, "ECDH_ZGen" },	       { 0x155, "HMAC" },
		{ 0x156, "Import" },	       { 0x157, "Load" },
		{ 0x159, "RSA_Decrypt" },      { 0x15b, "HMAC_Start" },
		{ 0x15c, "SequenceUpdate" },   { 0x15d, "Sign" },
		{ 0x15e, "Unseal" },	       { 0x161, "ContextLoad" },
		{ 0x162, "ContextSave" },      { 0x165, "FlushContext" },
		{ 0x169, "NV_ReadPublic" },    { 0x16b, "PolicyAuthValue" },
		{ 0x16c, "PolicyCommandCode" }, { 0x171, "PolicyOR" },
		{ 0x173, "ReadPublic" },       { 0x176, "StartAuthSession" },
		{ 0x17a, "GetCapability" },    { 0x17b, "GetRandom" },
		{ 0x181, "ReadClock" },	       { 0x18a, "TestParms" },
		{ 0x18f, "PolicyNvWritten" },  { 0x193, "EncryptDecrypt2" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == code)
			return names[i].name;
	return NULL;
}

void print_counts(const struct cmd_counts *c)
{
	printf("{");
	for (size_t i = 0; i < c->kinds; i++) {
		const char *name = tpm_command_name(c->code[i]);

		if (name != NULL)
			printf("%s\"%s\": %u", i ? ", " : "", name, c->n[i]);
		else
			printf("%s\"0x%x\": %u", i ? ", " : "", c->code[i],
			       c->n[i]);
	}
	printf("}");
}
