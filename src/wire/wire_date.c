/* wire_date.c - HTTP dates (RFC 9110 §5.6.7 IMF-fixdate).  Every answer of
 * a second carries the same date, so each thread formats it once per second
 * and copies it after. */
#include "wire/wire.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void wire_http_date(time_t t, char out[WIRE_DATE_MAX])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static _Thread_local time_t last;
	static _Thread_local char text[WIRE_DATE_MAX];
	if (t != last || !text[0]) {
		struct tm tm;
		gmtime_r(&t, &tm);
		snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
		         months[tm.tm_mon % 12], (tm.tm_year + 1900) % 10000, tm.tm_hour, tm.tm_min, tm.tm_sec);
		last = t;
	}
	memcpy(out, text, sizeof text);
}
