/* exver.h - the Exchange version profiles ewsemu can present
 * (serve --exchange-version, spec connect-like-exchange §6).
 *
 * One table, one definition: EWS's t:ServerVersionInfo, Autodiscover's
 * version fields and the served service description (schema version
 * attributes, m:ContentType in GetUserPhotoResponse) all read the profile
 * chosen at start-up.  Profiles are static constants: never freed, shared
 * by every thread.  The sources of each value are in wsdl/README.md.
 */
#ifndef EMU_CORE_EXVER_H
#define EMU_CORE_EXVER_H

/** Bytes of the longest profile name ("online"), NUL included. */
#define EXVER_NAME_MAX 8

struct exver_profile {
	const char *name;             /* "2013", "2016", "2019", "online": the option's value */
	int major, minor, build, revision;   /* ServerVersionInfo MajorVersion..MinorBuildNumber */
	const char *svi_version;      /* ServerVersionInfo/@Version (EWS) */
	const char *ad_version_name;  /* Autodiscover ServerVersionInfo/Version */
	const char *schema_version;   /* version="…" on the served messages.xsd / types.xsd */
	int photo_content_type;       /* 1: the schema declares (and EWS sends) m:ContentType in GetUserPhotoResponse */
};

/** The default profile (Exchange 2019). Never NULL. */
const struct exver_profile *exver_default(void);

/** The profile named @p name (exact, e.g. "2016"), or NULL when there is none. */
const struct exver_profile *exver_find(const char *name);

/** "2013|2016|2019|online": the names, for usage and error text. */
const char *exver_names(void);

/** Autodiscover's "15.02.2562.017" spelling of @p p's build into @p out
 * (at least EXVER_BUILD_STRING_MAX bytes). */
#define EXVER_BUILD_STRING_MAX 24
void exver_build_string(const struct exver_profile *p, char out[EXVER_BUILD_STRING_MAX]);

/** Autodiscover POX ServerVersion: 0x70000000 | major << 22 | minor << 16 |
 * 0x8000 | build as 8 upper-case hex digits ("73C28A02" for 15.2.2562) into
 * @p out (9 bytes). */
void exver_pox_hex(const struct exver_profile *p, char out[9]);

#endif
