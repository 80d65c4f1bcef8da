/* props.c - the one property table (props.h): FieldURI <-> MAPI identity
 * <-> type <-> getter for every field ewsemu stores (spec §8.3), and the
 * ExtendedFieldURI rules of spec §8.1.
 */
#include "ews/props.h"

#include <ctype.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/result.h"

#define CREC(f) (int)offsetof(struct contact_record, f)
#define UREC(f) (int)offsetof(struct user_record, f)
#define NO -1

static int get_text(const struct prop_def *d, const struct prop_record *r, struct prop_value *out);
static int get_class(const struct prop_def *d, const struct prop_record *r, struct prop_value *out);
static int get_time(const struct prop_def *d, const struct prop_record *r, struct prop_value *out);
static int get_bool(const struct prop_def *d, const struct prop_record *r, struct prop_value *out);
static int get_file_as(const struct prop_def *d, const struct prop_record *r, struct prop_value *out);
static int get_folder(const struct prop_def *d, const struct prop_record *r, struct prop_value *out);
static int get_article(const struct prop_def *d, const struct prop_record *r, struct prop_value *out);

#define C PROP_ON_CONTACT
#define U PROP_ON_USER
#define F PROP_ON_FOLDER
#define S PROP_T_STRING
#define I PROP_T_INTEGER
#define B PROP_T_BOOLEAN
#define T PROP_T_SYSTEMTIME
#define ADDR PROP_SET_ADDRESS

/* Shape-only rows: a FieldURI GetItem shapes know, with no queryable value. */
#define SHAPE(uri, p) { uri, NULL, 0, PROP_SET_NONE, 0, S, C, p, 0, NULL, NO, NO }
/* A text field read from the record arrays. */
#define TEXT(uri, idx, tag, set, lid, on, p, coff, uoff) \
	{ uri, idx, tag, set, lid, S, on, p, 1, get_text, coff, uoff }

/* spec §8.3; order: item FieldURIs, contact FieldURIs, MAPI-only rows,
 * folder rows.  Shape-only rows keep GetItem's FieldURI list in one place. */
static const struct prop_def TABLE[] = {
	SHAPE("item:MimeContent", P_MIME_CONTENT),
	SHAPE("item:ItemId", P_ITEM_ID),
	SHAPE("item:ParentFolderId", P_PARENT_FOLDER_ID),
	{ "item:ItemClass", NULL, 0x001a, PROP_SET_NONE, 0, S, C | U, P_ITEM_CLASS, 1, get_class, NO, NO },
	TEXT("item:Subject", NULL, 0x0037, PROP_SET_NONE, 0, C, P_SUBJECT, CREC(display_name), NO),
	SHAPE("item:Sensitivity", P_SENSITIVITY),
	TEXT("item:Body", NULL, 0x1000, PROP_SET_NONE, 0, C, P_BODY, CREC(notes), NO),
	SHAPE("item:Attachments", P_ATTACHMENTS),
	{ "item:DateTimeReceived", NULL, 0x0e06, PROP_SET_NONE, 0, T, C, P_DATE_RECEIVED, 1, get_time, NO, NO },
	SHAPE("item:Size", P_SIZE),
	SHAPE("item:Importance", P_IMPORTANCE),
	SHAPE("item:IsSubmitted", P_IS_SUBMITTED),
	SHAPE("item:IsDraft", P_IS_DRAFT),
	SHAPE("item:IsFromMe", P_IS_FROM_ME),
	SHAPE("item:IsResend", P_IS_RESEND),
	SHAPE("item:IsUnmodified", P_IS_UNMODIFIED),
	{ "item:DateTimeSent", NULL, 0x0039, PROP_SET_NONE, 0, T, C, P_DATE_SENT, 1, get_time, NO, NO },
	{ "item:DateTimeCreated", NULL, 0x3007, PROP_SET_NONE, 0, T, C, P_DATE_CREATED, 1, get_time, NO, NO },
	SHAPE("item:ReminderIsSet", P_REMINDER_IS_SET),
	SHAPE("item:DisplayCc", P_DISPLAY_CC),
	SHAPE("item:DisplayTo", P_DISPLAY_TO),
	{ "item:HasAttachments", NULL, 0x0e1b, PROP_SET_NONE, 0, B, C, P_HAS_ATTACHMENTS, 1, get_bool, NO, NO },
	SHAPE("item:Culture", P_CULTURE),
	SHAPE("item:EffectiveRights", P_EFFECTIVE_RIGHTS),
	SHAPE("item:LastModifiedName", P_LAST_MODIFIED_NAME),
	{ "item:LastModifiedTime", NULL, 0x3008, PROP_SET_NONE, 0, T, C, P_LAST_MODIFIED_TIME, 1, get_time, NO, NO },
	SHAPE("item:IsAssociated", P_IS_ASSOCIATED),

	{ "contacts:FileAs", NULL, 0, ADDR, 0x8005, S, C, P_FILE_AS, 1, get_file_as, NO, NO },
	SHAPE("contacts:FileAsMapping", P_FILE_AS_MAPPING),
	TEXT("contacts:DisplayName", NULL, 0x3001, PROP_SET_NONE, 0, C | U, P_DISPLAY_NAME, CREC(display_name), UREC(display_name)),
	TEXT("contacts:GivenName", NULL, 0x3a06, PROP_SET_NONE, 0, C | U, P_GIVEN_NAME, CREC(given_name), UREC(given_name)),
	SHAPE("contacts:Initials", P_INITIALS),
	TEXT("contacts:MiddleName", NULL, 0x3a44, PROP_SET_NONE, 0, C, P_MIDDLE_NAME, CREC(middle_name), NO),
	TEXT("contacts:Nickname", NULL, 0x3a4f, PROP_SET_NONE, 0, C, P_NICKNAME, CREC(nickname), NO),
	SHAPE("contacts:CompleteName", P_COMPLETE_NAME),
	TEXT("contacts:CompanyName", NULL, 0x3a16, PROP_SET_NONE, 0, C | U, P_COMPANY_NAME, CREC(company), UREC(company)),
	TEXT("contacts:EmailAddress", "EmailAddress1", 0, ADDR, 0x8083, C | U, P_EMAIL_ADDRESSES, CREC(email), UREC(email)),
	TEXT("contacts:EmailAddress", "EmailAddress2", 0, ADDR, 0x8093, C, P_EMAIL_ADDRESSES, CREC(email2), NO),
	TEXT("contacts:EmailAddress", "EmailAddress3", 0, ADDR, 0x80a3, C, P_EMAIL_ADDRESSES, CREC(email3), NO),
	SHAPE("contacts:EmailAddresses", P_EMAIL_ADDRESSES),
	TEXT("contacts:PhysicalAddress:Street", "Business", 0, ADDR, 0x8045, C, P_PHYSICAL_ADDRESSES, CREC(street), NO),
	TEXT("contacts:PhysicalAddress:City", "Business", 0, ADDR, 0x8046, C, P_PHYSICAL_ADDRESSES, CREC(city), NO),
	TEXT("contacts:PhysicalAddress:State", "Business", 0, ADDR, 0x8047, C, P_PHYSICAL_ADDRESSES, CREC(state), NO),
	TEXT("contacts:PhysicalAddress:PostalCode", "Business", 0, ADDR, 0x8048, C, P_PHYSICAL_ADDRESSES, CREC(postal_code), NO),
	TEXT("contacts:PhysicalAddress:CountryOrRegion", "Business", 0, ADDR, 0x8049, C, P_PHYSICAL_ADDRESSES, CREC(country), NO),
	SHAPE("contacts:PhysicalAddresses", P_PHYSICAL_ADDRESSES),
	TEXT("contacts:PhoneNumber", "BusinessPhone", 0x3a08, PROP_SET_NONE, 0, C | U, P_PHONE_NUMBERS, CREC(business_phone), UREC(phone)),
	TEXT("contacts:PhoneNumber", "MobilePhone", 0x3a1c, PROP_SET_NONE, 0, C, P_PHONE_NUMBERS, CREC(mobile_phone), NO),
	TEXT("contacts:PhoneNumber", "HomePhone", 0x3a09, PROP_SET_NONE, 0, C, P_PHONE_NUMBERS, CREC(home_phone), NO),
	SHAPE("contacts:PhoneNumbers", P_PHONE_NUMBERS),
	{ "contacts:Birthday", NULL, 0x3a42, PROP_SET_NONE, 0, T, C, P_BIRTHDAY, 1, get_time, NO, NO },
	SHAPE("contacts:ContactSource", P_CONTACT_SOURCE),
	TEXT("contacts:Department", NULL, 0x3a18, PROP_SET_NONE, 0, C | U, P_DEPARTMENT, CREC(department), UREC(department)),
	TEXT("contacts:JobTitle", NULL, 0x3a17, PROP_SET_NONE, 0, C | U, P_JOB_TITLE, CREC(job_title), UREC(title)),
	TEXT("contacts:OfficeLocation", NULL, 0x3a19, PROP_SET_NONE, 0, C | U, P_OFFICE_LOCATION, CREC(office), UREC(office)),
	SHAPE("contacts:PostalAddressIndex", P_POSTAL_ADDRESS_INDEX),
	TEXT("contacts:Surname", NULL, 0x3a11, PROP_SET_NONE, 0, C | U, P_SURNAME, CREC(surname), UREC(surname)),
	{ "contacts:HasPicture", NULL, 0, ADDR, 0x8015, B, C, P_HAS_PICTURE, 1, get_bool, NO, NO },
	TEXT("contacts:Alias", NULL, 0x3a00, PROP_SET_NONE, 0, U, P_ALIAS, NO, UREC(alias)),
	TEXT("contacts:Notes", NULL, 0, PROP_SET_NONE, 0, C, P_NOTES, CREC(notes), NO),
	SHAPE("contacts:Photo", P_PHOTO),

	/* MAPI-only rows (spec §8.3) */
	TEXT(NULL, NULL, 0, ADDR, 0x8080, C, P_NONE, CREC(display_name), NO),   /* PidLidEmail1DisplayName */
	{ NULL, NULL, 0x0e23, PROP_SET_NONE, 0, I, C, P_NONE, 1, get_article, NO, NO },   /* PR_INTERNET_ARTICLE_NUMBER */

	/* folders (spec §2.4, §8.3) */
	{ "folder:DisplayName", NULL, 0x3001, PROP_SET_NONE, 0, S, F, P_NONE, 1, get_folder, NO, NO },
	{ "folder:FolderClass", NULL, 0x3613, PROP_SET_NONE, 0, S, F, P_NONE, 1, get_folder, NO, NO },
	{ "folder:TotalCount", NULL, 0x3602, PROP_SET_NONE, 0, I, F, P_NONE, 1, get_folder, NO, NO },
	{ "folder:UnreadCount", NULL, 0x3603, PROP_SET_NONE, 0, I, F, P_NONE, 1, get_folder, NO, NO },
	{ "folder:ChildFolderCount", NULL, 0, PROP_SET_NONE, 0, I, F, P_NONE, 1, get_folder, NO, NO },
	{ NULL, NULL, 0x360a, PROP_SET_NONE, 0, B, F, P_NONE, 1, get_folder, NO, NO },   /* PR_SUBFOLDERS */
	{ NULL, NULL, 0x10f4, PROP_SET_NONE, 0, B, F, P_NONE, 1, get_folder, NO, NO },   /* PR_ATTR_HIDDEN */
	{ NULL, NULL, 0x3601, PROP_SET_NONE, 0, I, F, P_NONE, 1, get_folder, NO, NO },   /* PR_FOLDER_TYPE */
	{ NULL, NULL, 0x10f3, PROP_SET_NONE, 0, S, F, P_NONE, 1, get_folder, NO, NO },   /* PR_URL_COMP_NAME: the display name */
	{ NULL, NULL, 0x3008, PROP_SET_NONE, 0, T, F, P_NONE, 1, get_folder, NO, NO },   /* PR_LAST_MODIFICATION_TIME */
	{ NULL, NULL, 0x670a, PROP_SET_NONE, 0, T, F, P_NONE, 1, get_folder, NO, NO },   /* PR_LOCAL_COMMIT_TIME_MAX */
	{ NULL, NULL, 0x6751, PROP_SET_NONE, 0, I, F, P_NONE, 1, get_folder, NO, NO },   /* PR_ARTICLE_NUM_NEXT */
	{ NULL, NULL, 0x6752, PROP_SET_NONE, 0, I, F, P_NONE, 1, get_folder, NO, NO },   /* PR_IMAP_LAST_ARTICLE_ID */
};

#define TABLE_N (sizeof TABLE / sizeof *TABLE)

/* spec §8.1: the distinguished sets and their GUIDs (lower case) */
static const struct { const char *name, *guid; } SETS[PROP_SET_COUNT] = {
	[PROP_SET_NONE] = { "", "" },
	[PROP_SET_MEETING] = { "Meeting", "6ed8da90-450b-101b-98da-00aa003f1305" },
	[PROP_SET_APPOINTMENT] = { "Appointment", "00062002-0000-0000-c000-000000000046" },
	[PROP_SET_COMMON] = { "Common", "00062008-0000-0000-c000-000000000046" },
	[PROP_SET_PUBLIC_STRINGS] = { "PublicStrings", "00020329-0000-0000-c000-000000000046" },
	[PROP_SET_ADDRESS] = { "Address", "00062004-0000-0000-c000-000000000046" },
	[PROP_SET_INTERNET_HEADERS] = { "InternetHeaders", "00020386-0000-0000-c000-000000000046" },
	[PROP_SET_CALENDAR_ASSISTANT] = { "CalendarAssistant", "11000e07-b51b-40d6-af21-caa85edab1d0" },
	[PROP_SET_UNIFIED_MESSAGING] = { "UnifiedMessaging", "4442858e-a9e3-4e80-b900-317a210cc15b" },
	[PROP_SET_TASK] = { "Task", "00062003-0000-0000-c000-000000000046" },
	[PROP_SET_SHARING] = { "Sharing", "00062040-0000-0000-c000-000000000046" },
};

const struct prop_def *props_at(size_t i)
{
	return i < TABLE_N ? &TABLE[i] : NULL;
}

/* ---- the index: built once, at the first lookup (pthread_once), then read
 * by every thread without a lock.  by_uri: the rows with a FieldURI, by
 * URI then table order; by_id: the rows with a MAPI identity, by (set, tag
 * or PropertyId) then table order.  Each lookup is a binary search to the
 * first equal key and a walk over the (at most a few) equal ones. */
static const struct prop_def *by_uri[TABLE_N], *by_id[TABLE_N];
static size_t n_by_uri, n_by_id;
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static uint64_t id_key(const struct prop_def *d)
{
	return (uint64_t)d->set << 32 | (d->set == PROP_SET_NONE ? d->tag : d->lid);
}

static int cmp_uri(const void *a, const void *b)
{
	const struct prop_def *x = *(const struct prop_def *const *)a, *y = *(const struct prop_def *const *)b;
	int c = strcmp(x->field_uri, y->field_uri);
	return c ? c : (x > y) - (x < y);   /* table order */
}

static int cmp_id(const void *a, const void *b)
{
	const struct prop_def *x = *(const struct prop_def *const *)a, *y = *(const struct prop_def *const *)b;
	uint64_t kx = id_key(x), ky = id_key(y);
	return kx != ky ? (kx > ky) - (kx < ky) : (x > y) - (x < y);
}

static void build_index(void)
{
	for (size_t i = 0; i < TABLE_N; i++) {
		if (TABLE[i].field_uri)
			by_uri[n_by_uri++] = &TABLE[i];
		if (TABLE[i].tag || TABLE[i].set != PROP_SET_NONE)
			by_id[n_by_id++] = &TABLE[i];
	}
	qsort(by_uri, n_by_uri, sizeof *by_uri, cmp_uri);
	qsort(by_id, n_by_id, sizeof *by_id, cmp_id);
}

/* Index of the first by_uri row whose URI is @p uri, n_by_uri when none. */
static size_t first_uri(const char *uri)
{
	size_t lo = 0, hi;
	pthread_once(&index_once, build_index);
	hi = n_by_uri;   /* read after the index is built */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(by_uri[mid]->field_uri, uri) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n_by_uri && strcmp(by_uri[lo]->field_uri, uri) == 0 ? lo : n_by_uri;
}

/* Index of the first by_id row with key @p key (n_by_id when none). */
static size_t first_id(uint64_t key)
{
	size_t lo = 0, hi;
	pthread_once(&index_once, build_index);
	hi = n_by_id;   /* read after the index is built */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (id_key(by_id[mid]) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct prop_def *props_find_uri(const char *uri)
{
	size_t i = uri ? first_uri(uri) : n_by_uri;
	return i < n_by_uri ? by_uri[i] : NULL;
}

const struct prop_def *props_find_field(const char *uri, const char *index)
{
	for (size_t i = uri ? first_uri(uri) : n_by_uri; i < n_by_uri && strcmp(by_uri[i]->field_uri, uri) == 0; i++) {
		const struct prop_def *d = by_uri[i];
		if (!d->field_index && !index)
			return d;
		if (d->field_index && index && strcmp(d->field_index, index) == 0)
			return d;
	}
	return NULL;
}

const char *props_set_guid(enum prop_set s)
{
	return (unsigned)s < PROP_SET_COUNT ? SETS[s].guid : "";
}

void props_tag_text(uint16_t tag, char *buf, size_t size)
{
	snprintf(buf, size, "0x%x", (unsigned)tag);
}

int props_type_parse(const char *s, int *unsupported)
{
	static const struct { const char *name; int type; } types[] = {
		{ "String", PROP_T_STRING }, { "Integer", PROP_T_INTEGER }, { "Long", PROP_T_LONG },
		{ "Short", PROP_T_SHORT }, { "Boolean", PROP_T_BOOLEAN }, { "SystemTime", PROP_T_SYSTEMTIME },
		{ "Binary", PROP_T_BINARY }, { "Double", PROP_T_DOUBLE },
		{ "ApplicationTime", PROP_T_OTHER }, { "ApplicationTimeArray", PROP_T_OTHER },
		{ "BinaryArray", PROP_T_OTHER }, { "CLSID", PROP_T_OTHER }, { "CLSIDArray", PROP_T_OTHER },
		{ "Currency", PROP_T_OTHER }, { "CurrencyArray", PROP_T_OTHER }, { "DoubleArray", PROP_T_OTHER },
		{ "Float", PROP_T_OTHER }, { "FloatArray", PROP_T_OTHER }, { "IntegerArray", PROP_T_OTHER },
		{ "LongArray", PROP_T_OTHER }, { "ShortArray", PROP_T_OTHER }, { "SystemTimeArray", PROP_T_OTHER },
		{ "StringArray", PROP_T_OTHER },
	};
	static const char *const bad[] = { "Object", "ObjectArray", "Error", "Null" };
	*unsupported = 0;
	for (size_t i = 0; s && i < sizeof types / sizeof *types; i++)
		if (strcmp(s, types[i].name) == 0)
			return types[i].type;
	for (size_t i = 0; s && i < sizeof bad / sizeof *bad; i++)
		if (strcmp(s, bad[i]) == 0)
			*unsupported = 1;
	return -1;
}

/* PropertyTagType: "0x" + 1-4 hex digits, or decimal 0-65535. */
static int parse_tag(const char *s, unsigned *out)
{
	unsigned long v = 0;
	size_t n = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (s += 2; isxdigit((unsigned char)s[n]); n++)
			v = v * 16 + (unsigned long)(isdigit((unsigned char)s[n]) ? s[n] - '0' : (tolower((unsigned char)s[n]) - 'a' + 10));
		if (n == 0 || n > 4 || s[n])
			return -1;
	} else {
		for (; isdigit((unsigned char)s[n]); n++) {
			v = v * 10 + (unsigned long)(s[n] - '0');
			if (v > 0xffff)
				return -1;
		}
		if (n == 0 || s[n])
			return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int is_guid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	if (strlen(s) != sizeof shape - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

enum prop_ext_outcome props_find_extended(const struct prop_ext_uri *u, unsigned kinds,
                                           const struct prop_def **out)
{
	int unsupported;
	unsigned tag = 0;
	int set = -1;   /* -1: a GUID no distinguished set has */

	*out = NULL;
	if (props_type_parse(u->type, &unsupported) < 0)
		return unsupported ? PROP_EXT_UNSUPPORTED_TYPE : PROP_EXT_INVALID;
	if (u->tag) {
		/* spec §8.1: a tag stands alone; the named range is not a tag */
		if (u->distinguished_set || u->set_id || u->name || u->has_id || parse_tag(u->tag, &tag) ||
		    (tag >= 0x8000 && tag <= 0xfffe))
			return PROP_EXT_INVALID;
	} else {
		if (!u->distinguished_set == !u->set_id || !u->name == !u->has_id)
			return PROP_EXT_INVALID;
		if (u->name && (!*u->name || strlen(u->name) > PROPS_NAME_MAX))
			return PROP_EXT_INVALID;
		if (u->has_id && (u->id < 0 || u->id > 0xffffffffLL))
			return PROP_EXT_INVALID;
		if (u->set_id && !is_guid(u->set_id))
			return PROP_EXT_INVALID;
		for (int s = 1; s < PROP_SET_COUNT; s++)
			if (u->distinguished_set ? strcmp(u->distinguished_set, SETS[s].name) == 0
			                         : strcasecmp(u->set_id, SETS[s].guid) == 0)
				set = s;
		if (u->distinguished_set && set < 0)
			return PROP_EXT_INVALID;
		if (u->name || set < 0)
			return PROP_EXT_NOT_SERVED;   /* no named-by-string property is stored */
	}
	if (u->tag && tag == 0)
		return PROP_EXT_NOT_SERVED;
	uint64_t key = u->tag ? tag : (uint64_t)set << 32 | (uint32_t)u->id;
	for (size_t i = first_id(key); i < n_by_id && id_key(by_id[i]) == key; i++) {
		const struct prop_def *d = by_id[i];
		if (d->get && (!kinds || (d->on & kinds))) {
			*out = d;
			return PROP_EXT_SERVED;
		}
	}
	return PROP_EXT_NOT_SERVED;
}

/* ---- getters ------------------------------------------------------------------ */

static int set_text(const char *s, struct prop_value *out)
{
	if (!s || !*s)
		return 0;
	out->type = PROP_T_STRING;
	out->s = s;
	out->len = strlen(s);
	return 1;
}

static int get_text(const struct prop_def *d, const struct prop_record *r, struct prop_value *out)
{
	if (r->contact && d->contact_off >= 0)
		return set_text((const char *)r->contact + d->contact_off, out);
	if (r->user && d->user_off >= 0)
		return set_text((const char *)r->user + d->user_off, out);
	return 0;
}

static int get_class(const struct prop_def *d, const struct prop_record *r, struct prop_value *out)
{
	(void)d;
	return (r->contact || r->user) && set_text("IPM.Contact", out);
}

static int get_file_as(const struct prop_def *d, const struct prop_record *r, struct prop_value *out)
{
	(void)d;
	return r->contact && set_text(r->contact->file_as[0] ? r->contact->file_as : r->contact->display_name, out);
}

/* "YYYY-MM-DD" at noon UTC (the day in almost every zone, as GetItem shows it) */
static int birthday(const char *s, int64_t *out)
{
	struct tm tm;
	int y, m, d;
	char end;
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	*out = (int64_t)timegm(&tm);
	return 1;
}

static int get_time(const struct prop_def *d, const struct prop_record *r, struct prop_value *out)
{
	const struct contact_record *c = r->contact;
	int64_t t = 0;
	if (!c)
		return 0;
	out->type = PROP_T_SYSTEMTIME;
	if (d->tag == 0x3a42)
		return c->birthday[0] && birthday(c->birthday, &out->i);
	t = d->tag == 0x3008 ? c->modified : c->created;
	out->i = t;
	return t != 0;
}

static int get_bool(const struct prop_def *d, const struct prop_record *r, struct prop_value *out)
{
	(void)d;
	if (!r->contact)
		return 0;
	out->type = PROP_T_BOOLEAN;
	out->i = r->contact->has_photo ? 1 : 0;   /* HasAttachments and HasPicture: the picture */
	return 1;
}

static int get_folder(const struct prop_def *d, const struct prop_record *r, struct prop_value *out)
{
	const struct prop_folder *f = r->folder;
	if (!f)
		return 0;
	switch (d->tag) {
	case 0x3001: case 0x10f3: return set_text(f->display_name, out);
	case 0x3613: return set_text(f->folder_class, out);
	case 0x3602: out->i = f->total_count; break;
	case 0x3603: out->i = f->unread_count; break;
	case 0x360a: out->i = f->child_folder_count > 0; out->type = PROP_T_BOOLEAN; return 1;
	case 0x10f4:   /* PR_ATTR_HIDDEN is set on the hidden folders only (spec §2.4: Not(Exists) = visible) */
		out->i = 1;
		out->type = PROP_T_BOOLEAN;
		return f->hidden != 0;
	case 0x3601: out->i = f->folder_type; break;
	case 0x3008: case 0x670a:
		out->i = f->changed;
		out->type = PROP_T_SYSTEMTIME;
		return f->changed > 0;
	case 0x6751: out->i = f->article_next; break;
	case 0x6752: out->i = f->article_next ? (int64_t)f->article_next - 1 : 0; break;
	default: out->i = f->child_folder_count; break;   /* folder:ChildFolderCount */
	}
	out->type = PROP_T_INTEGER;
	return 1;
}

/* PR_INTERNET_ARTICLE_NUMBER: the store's number (a contact not yet stored has none) */
static int get_article(const struct prop_def *d, const struct prop_record *r, struct prop_value *out)
{
	(void)d;
	if (!r->contact || !r->contact->article)
		return 0;
	out->type = PROP_T_INTEGER;
	out->i = r->contact->article;
	return 1;
}

int props_get(const struct prop_def *d, const struct prop_record *r, struct prop_value *out)
{
	unsigned kind = r->contact ? PROP_ON_CONTACT : r->user ? PROP_ON_USER : r->folder ? PROP_ON_FOLDER : 0;
	memset(out, 0, sizeof *out);
	if (!d || !d->get || !(d->on & kind))
		return 0;
	return d->get(d, r, out);
}

int props_value_text(const struct prop_value *v, char *buf, size_t size)
{
	int n;
	switch (v->type) {
	case PROP_T_STRING:
		if (v->len >= size)
			return EMU_ELIMIT;
		memcpy(buf, v->s, v->len);
		buf[v->len] = '\0';
		return EMU_OK;
	case PROP_T_BOOLEAN:
		n = snprintf(buf, size, "%s", v->i ? "true" : "false");
		break;
	case PROP_T_SYSTEMTIME: {
		struct tm tm;
		time_t t = (time_t)v->i;
		if (!gmtime_r(&t, &tm))
			return EMU_EINVAL;
		n = (int)strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (n == 0)
			return EMU_ELIMIT;
		return EMU_OK;
	}
	case PROP_T_INTEGER: case PROP_T_LONG: case PROP_T_SHORT:
		n = snprintf(buf, size, "%lld", (long long)v->i);
		break;
	default:
		return EMU_EINVAL;
	}
	return n < 0 || (size_t)n >= size ? EMU_ELIMIT : EMU_OK;
}
