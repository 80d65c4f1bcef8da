/*
 * ews_nsmap.c - the one translation unit that defines gSOAP's global `namespaces[]` table.
 *
 * This is the only hand-written file in generated/: everything else gSOAP needs is generated
 * at build time into ${CMAKE_BINARY_DIR}/generated (see generated/CMakeLists.txt). The .nsmap
 * file defines (not just declares) the table, so it must be #included exactly once in the
 * whole program; libgsoap refers to the `namespaces` symbol, hence it lives in ews_generated.
 * Prefixes t and m come from wsdl/typemap.dat; keep SOAP-ENV as it is (renaming it breaks
 * parsing).
 */
#include "soapH.h"
#include "ExchangeServiceBinding.nsmap"
