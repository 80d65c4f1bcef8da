/* exver.c - the one table of Exchange version profiles (see exver.h; the
 * source of every value is in wsdl/README.md, "Version profiles"). */
#include "core/exver.h"

#include <stdio.h>
#include <string.h>

static const struct exver_profile g_profiles[] = {
	/* Exchange 2013 CU23: 15.0.1497.7 V2_23 (spec §6.1); its schema level is
	 * Exchange2013_SP1; the 2013 reference lists only HasChanged, PictureData */
	{ "2013", 15, 0, 1497, 7, "V2_23", "Exchange2013", "Exchange2013_SP1", 0 },
	/* Exchange 2016 CU23: 15.1.2507.6 V2017_07_11; MS-OXWSCONT (schema
	 * version Exchange2016) declares m:ContentType */
	{ "2016", 15, 1, 2507, 6, "V2017_07_11", "Exchange2015", "Exchange2016", 1 },
	/* Exchange 2019: 15.2.2562.17 V2017_07_11; its published messages.xsd
	 * (shared/schemas/exchange-15.2) has no m:ContentType */
	{ "2019", 15, 2, 2562, 17, "V2017_07_11", "Exchange2015", "Exchange2016", 0 },
	/* Exchange Online: 15.20.x V2018_01_08 (spec §6.1, XI#788); the 2017
	 * Online capture sends no m:ContentType */
	{ "online", 15, 20, 7452, 28, "V2018_01_08", "Exchange2015", "Exchange2016", 0 },
};

const struct exver_profile *exver_default(void)
{
	return &g_profiles[2];
}

const struct exver_profile *exver_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof g_profiles / sizeof *g_profiles; i++)
		if (!strcmp(name, g_profiles[i].name))
			return &g_profiles[i];
	return NULL;
}

const char *exver_names(void)
{
	return "2013|2016|2019|online";
}

void exver_build_string(const struct exver_profile *p, char out[EXVER_BUILD_STRING_MAX])
{
	snprintf(out, EXVER_BUILD_STRING_MAX, "%02d.%02d.%04d.%03d", p->major, p->minor, p->build, p->revision);
}

void exver_pox_hex(const struct exver_profile *p, char out[9])
{
	unsigned long v = 0x70000000ul | ((unsigned long)p->major << 22) | ((unsigned long)p->minor << 16) | 0x8000ul |
	                  ((unsigned long)p->build & 0x7ffful);
	snprintf(out, 9, "%08lX", v & 0xfffffffful);
}
