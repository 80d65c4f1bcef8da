/* soap_adapter.h - the SOAP side of ewsemu: the only module that includes
 * gSOAP's generated headers.  Adapters map generated request structs to the
 * plain-C operations in src/ews/ops/, and their results back; request-level
 * failures become EWS SOAP faults (spec §1.5).
 *
 * The engine context is passed as an opaque struct soap *; soap->user
 * points at the connection's struct http_conn (http/conn.h). */
#ifndef EMU_SOAP_ADAPTER_H
#define EMU_SOAP_ADAPTER_H

#include <stddef.h>

struct soap;

/** The gSOAP namespace table for every context ewsemu creates. */
void soap_adapter_init_context(struct soap *soap);

/** Parse the SOAP body of the request whose HTTP headers were just read,
 * and run its operation.  Returns SOAP_OK or a gSOAP error code; on error
 * the caller sends a fault with soap_adapter_send_error(). */
int soap_adapter_dispatch(struct soap *soap);

/** Send the request-level failure left in soap->error as a SOAP fault in
 * the EWS shape (faultcode t:ErrorXxx, detail e:ResponseCode/e:Message),
 * with t:ServerVersionInfo, on HTTP @p status.  A fault already set by an
 * adapter is sent as it is.  Returns the gSOAP send result. */
int soap_adapter_send_error(struct soap *soap, int status);

/** Send an EWS fault with @p ews_code and @p message on HTTP @p status
 * (authentication, size limit, ... decided by the caller). */
int soap_adapter_send_fault(struct soap *soap, int status, const char *ews_code, const char *message);

#endif
