/* fault.c - the SOAP 1.1 faults the replay server answers with, in the EWS
 * shape the live server uses (spec §1.5): HTTP 500, unqualified faultcode /
 * faultstring / detail, the code as a QName in the types namespace, and
 * e:ResponseCode + e:Message in the detail. */
#include "replay/replay.h"

#include <stdio.h>

#include "core/result.h"
#include "replay/replay_int.h"

#define NS_SOAP "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_TYPES "http://schemas.microsoft.com/exchange/services/2006/types"
#define NS_ERRORS "http://schemas.microsoft.com/exchange/services/2006/errors"
#define FAULT_MAX (16u * 1024)   /* the texts going in are bounded: near-miss 512, names */

/* @p message_xml: raw markup for t:MessageXml's content, or NULL. */
static int fault_body(const char *code, const char *message, const char *message_xml, char **out, size_t *outlen)
{
	struct dynbuf b;
	dynbuf_init(&b, FAULT_MAX);
	/* exchangelib's is_xml() looks for "<?xml" or "<s:Envelope" first */
	dynbuf_addstr(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	                    "<s:Envelope xmlns:s=\"" NS_SOAP "\"><s:Body><s:Fault>"
	                    "<faultcode xmlns:t=\"" NS_TYPES "\">t:");
	dynbuf_addstr(&b, code);
	dynbuf_addstr(&b, "</faultcode><faultstring xml:lang=\"en-US\">");
	replay_buf_xml(&b, message);
	dynbuf_addstr(&b, "</faultstring><detail><e:ResponseCode xmlns:e=\"" NS_ERRORS "\">");
	dynbuf_addstr(&b, code);
	dynbuf_addstr(&b, "</e:ResponseCode><e:Message xmlns:e=\"" NS_ERRORS "\">");
	replay_buf_xml(&b, message);
	dynbuf_addstr(&b, "</e:Message>");
	if (message_xml) {
		dynbuf_addstr(&b, "<t:MessageXml xmlns:t=\"" NS_TYPES "\">");
		dynbuf_addstr(&b, message_xml);
		dynbuf_addstr(&b, "</t:MessageXml>");
	}
	dynbuf_addstr(&b, "</detail></s:Fault></s:Body></s:Envelope>\n");
	return dynbuf_take(&b, out, outlen);
}

int replay_fault_busy_body(int backoff_ms, char **out, size_t *outlen)
{
	char xml[96];
	snprintf(xml, sizeof xml, "<t:Value Name=\"BackOffMilliseconds\">%d</t:Value>", backoff_ms < 0 ? 0 : backoff_ms);
	return fault_body("ErrorServerBusy", "The server cannot service this request right now. Try again later.", xml,
	                  out, outlen);
}

int replay_fault_unmatched_body(const char *operation, const struct fixture_near_miss *near, char **out,
                                size_t *outlen)
{
	char msg[1024];
	const char *op = operation && *operation ? operation : "this request";
	if (near && near->closest)
		snprintf(msg, sizeof msg,
		         "The replay server has no recorded answer for %s: no fixture matches (closest %s, similarity %d: %s).",
		         op, near->closest->name ? near->closest->name : "?", near->similarity, near->what);
	else
		snprintf(msg, sizeof msg, "The replay server has no recorded answer for %s: no fixture matches (none loaded).",
		         op);
	/* ErrorInvalidOperation is a plain failure for EWS clients; codes such as
	 * ErrorInvalidServerVersion or ErrorInvalidRequest make them retry with
	 * another version or fall back to other endpoints */
	return fault_body("ErrorInvalidOperation", msg, NULL, out, outlen);
}
