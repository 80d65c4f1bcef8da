/* date.c - HTTP dates (IMF-fixdate, RFC 7231 §7.1.1.1) for the Expires
 * header of photo responses.  Every response of a second carries the same
 * date, so each thread formats it once per second and copies it after. */
#include "http/conn.h"

#include <string.h>
#include <time.h>

void http_date(time_t t, char out[HTTP_DATE_MAX])
{
	static _Thread_local time_t last;
	static _Thread_local char text[HTTP_DATE_MAX];
	if (t != last || !text[0]) {
		struct tm tm;
		gmtime_r(&t, &tm);
		if (!strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm))
			text[0] = '\0';
		last = t;
	}
	memcpy(out, text, sizeof text);
}
